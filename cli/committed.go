package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/repodefaults"
)

// checkCommitted makes sure that workers cloning the repository at the deployed commit find
// every entrypoint: for each target with a git_clone pull step at meta.Commit, the entrypoint's
// file must be in that commit (an untracked or uncommitted new file is an error). A file whose
// working copy differs from the commit earns a warning: discovery read the working copy, the
// workers run the committed one. Nothing is checked outside a git checkout, or when the commit
// is not in the local clone (a CI context's merge ref).
func checkCommitted(targets []deploy.Target, meta deploy.Meta, vals repodefaults.Values, root string) ([]string, error) {
	if !vals.InGit || !vals.CommitVerified {
		return nil, nil
	}
	top := repodefaults.TopLevel(root)
	if top == "" {
		return nil, nil
	}
	users := map[string][]string{}
	var paths []string
	for _, t := range targets {
		if !clonesAt(t, meta.Commit) {
			continue
		}
		file, _, ok := strings.Cut(t.Spec.Entrypoint, ":")
		if !ok || file == "" {
			continue
		}
		if _, seen := users[file]; !seen {
			paths = append(paths, file)
		}
		users[file] = append(users[file], t.Spec.Name)
	}
	if len(paths) == 0 {
		return nil, nil
	}
	slices.Sort(paths)
	missing, err := repodefaults.MissingAt(top, meta.Commit, paths)
	if err != nil {
		return nil, err
	}
	short := meta.Commit[:min(7, len(meta.Commit))]
	if len(missing) > 0 {
		var lines []string
		for _, p := range missing {
			lines = append(lines, fmt.Sprintf("%s is not in commit %s, but workers clone the repository at that commit to run %s; commit (and push) it, or deploy from an image",
				p, short, describeNames(users[p])))
		}
		return nil, fmt.Errorf("%s", strings.Join(lines, "\n"))
	}
	changed, err := repodefaults.ChangedSince(top, meta.Commit, paths)
	if err != nil {
		return nil, err
	}
	var warnings []string
	for _, p := range changed {
		warnings = append(warnings, fmt.Sprintf("%s has changes not in commit %s: workers run the committed version", p, short))
	}
	return warnings, nil
}

// clonesAt reports whether t's pull steps clone a git repository at commit.
func clonesAt(t deploy.Target, commit string) bool {
	for _, step := range t.Spec.PullSteps {
		for name, args := range step {
			if !strings.HasSuffix(name, "git_clone") {
				continue
			}
			if m, ok := args.(map[string]any); ok && fmt.Sprint(m["commit_sha"]) == commit {
				return true
			}
		}
	}
	return false
}

func describeNames(names []string) string {
	if len(names) <= 2 {
		return strings.Join(names, " and ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:2], ", "), len(names)-2)
}
