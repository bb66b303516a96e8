package prefectyaml

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/discover"
)

// flowInfo is what prefect deploy learns by importing an entrypoint, found
// here statically.
type flowInfo struct {
	name        string
	description string
	schema      map[string]any
	version     string // md5 of the file, Prefect's default flow version
	warnings    []string
}

// flowCache shares discovery results between the files of one Load.
type flowCache struct {
	mu   sync.Mutex
	dirs map[string]*dirFlows
}

type dirFlows struct {
	once  sync.Once
	res   *discover.Result
	err   error
	bytes map[string][]byte
}

// lookupFlow finds the flow of entrypoint "path/to/file.py:function", with
// path relative to dir.
func (c *flowCache) lookupFlow(dir, entrypoint string) (*flowInfo, error) {
	path, fn, ok := cutLast(entrypoint, ":")
	shown := filepath.ToSlash(path)
	if !ok {
		return nil, fmt.Errorf("entrypoint %q is a module path; only \"path/to/file.py:function\" entrypoints can be read without importing Python", entrypoint)
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("entrypoint file %s does not exist (entrypoints are relative to the directory prefect deploy runs in: %s)", shown, dir)
		}
		return nil, fmt.Errorf("failed to read entrypoint file %q: %w", path, err)
	}
	// prefect deploy imports the file with both its own directory and the
	// working directory on sys.path, so a default or annotation imported
	// from another module of the repository ("from pipelines.x.constants
	// import DEFAULT_HOST") resolves from there too: a file below the
	// working directory is discovered with the working directory as root.
	// Files discovery skips there (gitignored, in a virtualenv, ...) are
	// discovered on their own directory, as before.
	root, rel, exclude := filepath.Dir(path), filepath.Base(path), []string{"*/*"}
	if r, err := filepath.Rel(dir, path); err == nil && filepath.IsLocal(r) {
		root, rel, exclude = dir, filepath.ToSlash(r), nil
	}
	df, err := c.discover(root, exclude)
	if err != nil {
		return nil, err
	}
	if exclude == nil && !slices.ContainsFunc(df.res.Flows, func(f discover.Flow) bool { return f.File == rel }) {
		root, rel = filepath.Dir(path), filepath.Base(path)
		if df, err = c.discover(root, []string{"*/*"}); err != nil {
			return nil, err
		}
	}
	var names []string
	for _, f := range df.res.Flows {
		if f.File != rel {
			continue
		}
		if f.Function != fn {
			names = append(names, f.Function)
			continue
		}
		info := &flowInfo{
			name:        f.DeclaredName,
			description: f.Description,
			schema:      f.ParameterSchema(),
		}
		if info.name == "" {
			info.name = strings.ReplaceAll(f.Function, "_", "-")
		}
		sum := md5.Sum(src)
		info.version = hex.EncodeToString(sum[:])
		for _, w := range df.res.Warnings {
			if w.File == rel {
				info.warnings = append(info.warnings, shown+":"+strings.TrimPrefix(w.String(), w.File+":"))
			}
		}
		return info, nil
	}
	for _, w := range df.res.Warnings {
		if w.File == rel && w.Line == 0 {
			return nil, fmt.Errorf("entrypoint %q: %s", entrypoint, w.Message)
		}
	}
	if len(names) > 0 {
		return nil, fmt.Errorf("entrypoint %q: %s has no flow function %q (its flows: %s)", entrypoint, filepath.Base(path), fn, strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("entrypoint %q: %s has no flow function %q (no @flow-decorated module-level function was found)", entrypoint, filepath.Base(path), fn)
}

// discover runs discovery once per root and exclude list for one Load.
func (c *flowCache) discover(root string, exclude []string) (*dirFlows, error) {
	key := root + "\x00" + strings.Join(exclude, "\x00")
	c.mu.Lock()
	if c.dirs == nil {
		c.dirs = map[string]*dirFlows{}
	}
	df := c.dirs[key]
	if df == nil {
		df = &dirFlows{}
		c.dirs[key] = df
	}
	c.mu.Unlock()
	df.once.Do(func() {
		df.res, df.err = discover.Discover(root, discover.Options{Exclude: exclude})
	})
	return df, df.err
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// inferVersion mirrors Prefect's get_inferred_version_info: the CI system's
// commit (GitHub, GitLab, Bitbucket, Azure DevOps) or else the local git
// commit when the repository has an origin remote, shortened to 8
// characters. versionType limits the search as version_type does.
func inferVersion(versionType string, lookup func(string) (string, bool), dir string) (string, bool) {
	env := func(keys ...string) (string, bool) {
		var first string
		for i, k := range keys {
			v, ok := lookup(k)
			if !ok || v == "" {
				return "", false
			}
			if i == 0 {
				first = v
			}
		}
		return first, true
	}
	git := func(args ...string) (string, bool) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			return "", false
		}
		return strings.TrimSpace(string(out)), true
	}
	short := func(sha string) string {
		if len(sha) > 8 {
			return sha[:8]
		}
		return sha
	}
	ci := map[string][]string{
		"vcs:github":      {"GITHUB_SHA", "GITHUB_REF_NAME", "GITHUB_REPOSITORY"},
		"vcs:gitlab":      {"CI_COMMIT_SHA", "CI_COMMIT_REF_NAME", "CI_PROJECT_NAME"},
		"vcs:bitbucket":   {"BITBUCKET_COMMIT", "BITBUCKET_BRANCH", "BITBUCKET_REPO_SLUG"},
		"vcs:azuredevops": {"BUILD_SOURCEVERSION", "BUILD_SOURCEBRANCHNAME", "BUILD_REPOSITORY_NAME"},
	}
	order := []string{"vcs:github", "vcs:gitlab", "vcs:bitbucket", "vcs:azuredevops", "vcs:git"}
	switch versionType {
	case "prefect:simple":
		return "", false
	case "":
	default:
		order = []string{versionType}
	}
	for _, typ := range order {
		// Every getter reads the commit message with git log first, and
		// fails outside a git repository.
		if _, ok := git("log", "-1", "--pretty=%B"); !ok {
			return "", false
		}
		if typ == "vcs:git" {
			sha, ok := git("rev-parse", "HEAD")
			if !ok {
				continue
			}
			if _, ok := git("rev-parse", "--abbrev-ref", "HEAD"); !ok {
				continue
			}
			if url, ok := git("config", "--get", "remote.origin.url"); !ok || url == "" {
				continue
			}
			return short(sha), true
		}
		if sha, ok := env(ci[typ]...); ok {
			return short(sha), true
		}
	}
	return "", false
}
