// Package config loads and validates the optional config file
// (prefect-deploy.yaml) and decides which settings each deployment gets.
//
// It decides three things: which keys and values the file accepts (every
// problem is reported with file:line:column, all of them at once, see
// [Errors]); how a flow key or variant name in the file matches a flow
// (standard underscore form, so "my-flow" and "my_flow" are the same flow);
// and how the levels of the file combine into one deployment's settings
// ([File.Resolve]). The file is read by the shared reader (package yamlfile,
// YAML 1.2 typing) and its schedules, intervals, concurrency limits, triggers,
// code sources and job variables are the vocabulary's (package vocab, in its
// Go forms); this package maps its keys and levels onto them and adds its own
// checks and messages.
//
// # File format
//
//	project: my-project          # optional
//	source_root: flows           # optional: directory scanned for flows, relative to this file's directory
//	defaults: <settings>         # every flow, every environment
//	environments:                # per environment, every flow
//	  dev:  <settings>
//	  prod: <settings>
//	flows:
//	  my_flow:                   # "my-flow" and "my_flow" name the same flow; writing both is an error
//	    <settings>
//	    environments: { prod: <settings> }
//	    deployments:             # optional: several deployments of one flow
//	      - variant: hourly      # required, unique per flow; becomes part of the deployment name
//	        <settings>
//	        environments: { prod: <settings> }
//	prefect_yaml: ["pipelines/*/prefect.yaml"]   # optional list of glob patterns
//	work_pools:                  # optional: pools and queues a deploy creates when missing
//	  production:
//	    type: kubernetes         # required; an existing pool of another type is an error
//	    description: text        # these four: set on an existing pool only when written here
//	    concurrency_limit: 20
//	    paused: false
//	    base_job_template: {job_configuration: {...}, variables: {...}}   # or base_job_template_file: t.json
//	    queues:
//	      prod-main: {priority: 1, concurrency_limit: 5, description: text, paused: false}
//
// <settings> is a mapping in which every key is optional:
//
//	work_pool: name            # acme-portal-sdk's work_pool_name is accepted too
//	work_queue: name           # or work_queue_name
//	job_variables: {any map}   # merged recursively across levels
//	image: ghcr.io/org/flows:tag
//	env: {KEY: value}          # env vars for flow runs; values are strings, numbers or booleans, kept as written
//	code_source:               # how the worker gets the code
//	  type: image | git
//	  repository: https://github.com/org/repo.git                      # git: optional (default: the GitHub repository, else the origin remote)
//	  directory: /opt/prefect/flows                                    # image: working directory (default /opt/prefect)
//	  use_image_workdir: true    # image, optional: run in the image's own WORKDIR, no pull step (not with directory)
//	  credentials: "{{ prefect.blocks.github-credentials.my-creds }}"  # git, optional: a block reference only
//	  follow_head: true          # git, optional: branches but the mainline clone their head, not the commit
//	  mainline: main             # git, optional: the branch that stays pinned (default main)
//	  access_token_env: GITHUB_TOKEN                                   # git, optional: env var on the worker holding a token
//	parameters: {any map}      # merged key by key across levels
//	schedules:                 # replaced as a whole at each level; [] means no schedules
//	  - cron: "0 9 * * 1-5"    # exactly one of cron, interval, rrule
//	    interval: 3600         # seconds, or a duration such as "1h30m" or "PT1H"
//	    rrule: "FREQ=WEEKLY;BYDAY=MO"
//	    timezone: Europe/Berlin        # IANA name
//	    anchor_date: 2026-01-01T00:00:00Z   # interval only, RFC 3339
//	    day_or: true           # cron only
//	    active: true
//	    parameters: {}
//	    slug: weekday-morning  # optional, unique within the list
//	cron: "0 9 * * *"          # acme-style shorthand for one cron schedule; not together with schedules
//	schedules_active: true     # false makes every schedule inactive (e.g. in dev)
//	paused: false
//	concurrency_limit: 3       # or {limit: 3, collision_strategy: ENQUEUE | CANCEL_NEW, grace_period_seconds: 60..86400}
//	description: text
//	tags: [a, b]               # appended across levels, duplicates dropped
//	triggers: [ {Prefect deployment trigger} ]   # passed to Prefect as written; replaced as a whole
//	enforce_parameter_schema: true
//
// A setting whose value is null (for example "image:" with nothing after
// it) counts as not set, so the level below shows through. Top-level keys that
// start with "x-" are ignored; they can hold YAML anchors to reuse with
// aliases and "<<" merge keys anywhere in the file.
//
// # Checks
//
// Besides unknown keys (with a "did you mean" suggestion), wrong types and
// duplicate keys, the file is checked for what Prefect would refuse later:
//
//   - cron: five fields or one of @yearly, @annually, @monthly, @weekly,
//     @daily, @midnight, @hourly; no hashed (H) or random (R) values, no
//     @every, no TZ= prefix. "L" as day of month, "weekday#n" and 7 for
//     Sunday are accepted, as Prefect does.
//   - interval: more than 0 seconds; ISO durations without years or months.
//   - rrule: RFC 5545, at most 6,500 characters.
//   - timezone: an IANA name (time zone data is built in).
//   - concurrency_limit: limit at least 1; grace_period_seconds in
//     60..86400 and only with collision_strategy.
//   - code_source: git without repository clones the GitHub repository (or the
//     checkout's origin remote); image-only and git-only keys are
//     not mixed; credentials must be a "{{ prefect.blocks.<type>.<name> }}"
//     reference, and a repository URL with a user or token, a credentials
//     value that is not a block reference or a token in access_token_env is
//     refused: never put credentials in the config file.
//   - env: names match [A-Za-z_][A-Za-z0-9_]*.
//   - names: flow keys and variants need an ASCII letter or digit, and two
//     that standardise equal are an error naming both lines; environment
//     names must not be empty and must survive deployment-name sanitising;
//     variant names and schedule slugs are unique.
//
// # Resolving a deployment's settings
//
// [File.Resolve] applies the levels in this order, later winning:
//
//	defaults < environments[env] < flows[flow] < flows[flow].environments[env]
//	         < deployments[variant] < deployments[variant].environments[env]
//
// Single values (work_pool, image, paused, concurrency_limit, code_source,
// …) come from the last level that sets them; job_variables merge
// recursively; env merges key by key; parameters merge by top-level key;
// schedules and triggers come whole from the last level that sets them
// (even to []); tags are appended without duplicates.
package config
