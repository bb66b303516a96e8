package vocab

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Code source types: how a worker gets the flow code.
const (
	// CodeSourceImage means the flow code is baked into the image.
	CodeSourceImage = "image"
	// CodeSourceGit means the worker clones a git repository before the run.
	CodeSourceGit = "git"
)

// DefaultImageDirectory is the working directory inside the image of an image code source
// that sets none (where prefect deploy's Dockerfile puts the code).
const DefaultImageDirectory = "/opt/prefect"

// DefaultMainline is the branch that stays pinned under FollowHead when none is set.
const DefaultMainline = "main"

// The pull steps Prefect's workers run.
const (
	StepGitClone            = "prefect.deployments.steps.git_clone"
	StepSetWorkingDirectory = "prefect.deployments.steps.set_working_directory"
)

// CodeSource says how the worker gets the flow code.
type CodeSource struct {
	// Type is CodeSourceImage or CodeSourceGit.
	Type string `json:"type"`
	// Repository is the git URL to clone (git only).
	Repository string `json:"repository,omitempty"`
	// Directory is the working directory inside the image (image only);
	// DefaultImageDirectory when the file sets none and ImageWorkdir is false.
	Directory string `json:"directory,omitempty"`
	// ImageWorkdir (use_image_workdir) runs the flows in the image's own working directory
	// (its WORKDIR): no pull step and path ".", what Prefect's flow.deploy(image=...) stores
	// and acme-portal-sdk's deployments hold (image only).
	ImageWorkdir bool `json:"use_image_workdir,omitempty"`
	// Credentials is a "{{ prefect.blocks.<type>.<name> }}" reference (git only).
	Credentials string `json:"credentials,omitempty"`
	// AccessTokenEnv names the environment variable on the worker that holds
	// a git access token (git only).
	AccessTokenEnv string `json:"access_token_env,omitempty"`
	// FollowHead makes the deployments of a branch other than Mainline clone
	// the branch's head at each run instead of the deployed commit (git only),
	// so a push to the branch needs no redeploy.
	FollowHead bool `json:"follow_head,omitempty"`
	// Mainline is the branch that always stays pinned; DefaultMainline when
	// the file sets none (git only).
	Mainline string `json:"mainline,omitempty"`
}

// Follows reports whether deployments of branch clone the branch's head rather than a commit.
func (cs CodeSource) Follows(branch string) bool {
	if cs.Type != CodeSourceGit || !cs.FollowHead {
		return false
	}
	mainline := cs.Mainline
	if mainline == "" {
		mainline = DefaultMainline
	}
	return branch != mainline
}

// PullSteps returns the pull steps for this code source at commit.
func (cs CodeSource) PullSteps(commit string) []map[string]any {
	if cs.Type == CodeSourceGit {
		args := map[string]any{"repository": cs.Repository, "commit_sha": commit}
		if cs.Credentials != "" {
			args["credentials"] = cs.Credentials
		}
		if cs.AccessTokenEnv != "" {
			args["access_token"] = "{{ $" + cs.AccessTokenEnv + " }}"
		}
		return []map[string]any{{StepGitClone: args}}
	}
	if cs.ImageWorkdir {
		return []map[string]any{}
	}
	dir := cs.Directory
	if dir == "" {
		dir = DefaultImageDirectory
	}
	return []map[string]any{SetWorkingDirectory(dir)}
}

// Path is the deployment's path for this code source: "." (the worker's working directory)
// for an image run in its own working directory, else none.
func (cs CodeSource) Path() *string {
	if cs.Type == CodeSourceImage && cs.ImageWorkdir {
		dot := "."
		return &dot
	}
	return nil
}

// PullStepsAt returns the pull steps of a deployment of branch at commit: the branch's head
// when the code source follows it, else the commit.
func (cs CodeSource) PullStepsAt(branch, commit string) []map[string]any {
	steps := cs.PullSteps(commit)
	if !cs.Follows(branch) {
		return steps
	}
	args := steps[0][StepGitClone].(map[string]any)
	delete(args, "commit_sha")
	args["branch"] = branch
	return steps
}

// SetWorkingDirectory is the pull step that runs the flow from dir.
func SetWorkingDirectory(dir string) map[string]any {
	return map[string]any{StepSetWorkingDirectory: map[string]any{"directory": dir}}
}

var (
	envNameRE        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	blockReferenceRE = regexp.MustCompile(`^\{\{\s*prefect\.blocks\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\s*\}\}$`)
	tokenPrefixes    = []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-"}
)

// CredentialsAdvice ends every error about a secret written into a file.
const CredentialsAdvice = "never put credentials in the config file; reference a block or use access_token_env"

// IsEnvName reports whether s is a valid environment variable name.
func IsEnvName(s string) bool { return envNameRE.MatchString(s) }

// IsBlockReference reports whether s is a "{{ prefect.blocks.<type>.<name> }}" reference.
func IsBlockReference(s string) bool { return blockReferenceRE.MatchString(s) }

// LooksLikeToken reports whether s starts like a GitHub or GitLab token.
func LooksLikeToken(s string) bool {
	for _, pre := range tokenPrefixes {
		if strings.HasPrefix(s, pre) {
			return true
		}
	}
	return false
}

// CheckRepository checks that s is a git URL without embedded credentials. Templated values
// ("{{ … }}") are left to Prefect.
func CheckRepository(s string) error {
	if strings.Contains(s, "{{") {
		return nil
	}
	if user, host, ok := strings.Cut(s, "@"); ok && !strings.Contains(s, "://") && strings.Contains(host, ":") && !strings.Contains(user, "/") {
		// scp-like syntax: git@github.com:org/repo.git
		if strings.Contains(user, ":") {
			return fmt.Errorf("the URL carries a password; %s", CredentialsAdvice)
		}
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a git URL such as https://github.com/org/repo.git", s)
	}
	switch u.Scheme {
	case "https", "http":
		if u.User != nil {
			return fmt.Errorf("the URL carries a user or token; %s", CredentialsAdvice)
		}
	case "ssh", "git":
		if _, hasPassword := u.User.Password(); hasPassword {
			return fmt.Errorf("the URL carries a password; %s", CredentialsAdvice)
		}
	default:
		return fmt.Errorf("unsupported URL scheme %q; use https, ssh or git", u.Scheme)
	}
	return nil
}
