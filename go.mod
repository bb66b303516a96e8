module github.com/prefect-flow-deploy/prefect-deploy-action

go 1.25.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/Masterminds/semver/v3 v3.5.0
	github.com/google/go-cmp v0.7.0
	github.com/google/go-github/v89 v89.0.0
	github.com/robfig/cron/v3 v3.0.1
	github.com/sethvargo/go-githubactions v1.4.0
	github.com/teambition/rrule-go v1.8.2
	go.yaml.in/yaml/v3 v3.0.6
)

require github.com/google/go-querystring v1.2.0 // indirect
