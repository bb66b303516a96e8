package discover

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// skipDirs are directory names never searched for flows: version control,
// virtualenvs, caches, dependencies and build output.
var skipDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true,
	".venv": true, "venv": true, "site-packages": true, "node_modules": true,
	"__pycache__": true, ".tox": true, ".nox": true, ".mypy_cache": true, ".pytest_cache": true,
	"build": true, "dist": true, ".eggs": true,
}

// Discover finds the Prefect flows in the Python files below root.
//
// Files are listed with "git ls-files -co --exclude-standard" when root is
// inside a git work tree and git is on PATH, so gitignored files are
// skipped; otherwise the directory is walked. Either way, directories named
// in the default skip list (.git, .venv, venv, __pycache__, .tox, .nox,
// .mypy_cache, .pytest_cache, node_modules, site-packages, build, dist,
// .eggs, .hg, .svn), directories holding a pyvenv.cfg (virtualenvs), paths
// matching opts.Exclude and symbolic links are skipped.
//
// In git mode, files inside git submodules are not searched. When git is
// there but fails (for example on "dubious ownership"), the directory is
// walked instead and a Warning for File "." says so.
//
// Discover fails only when root cannot be read or an exclude pattern is
// malformed; problems inside files are reported as warnings. Files are read
// concurrently (up to GOMAXPROCS at a time); the result does not depend on
// the order in which they finish.
func Discover(root string, opts Options) (*Result, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("failed to discover flows in %q: %w", root, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("failed to discover flows in %q: not a directory", root)
	}
	ex, err := newExcluder(opts.Exclude)
	if err != nil {
		return nil, err
	}
	files, warns, err := listFiles(root, ex)
	if err != nil {
		return nil, err
	}

	type fileResult struct {
		flows []Flow
		warns []Warning
		mod   *module
	}
	results := make([]fileResult, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(files) {
					return
				}
				results[i].flows, results[i].warns, results[i].mod = scanFile(root, files[i], opts.Calls)
			}
		})
	}
	wg.Wait()

	// Parameter schemas need every module: names are imported across files.
	mods := make([]*module, len(results))
	for i, r := range results {
		mods[i] = r.mod
	}
	rp := newRepo(mods)
	for i := range results {
		results[i].warns = append(results[i].warns, schemas(rp, results[i].mod, results[i].flows)...)
	}
	var calls []Call
	for _, r := range results {
		if r.mod != nil && len(r.mod.calls) > 0 {
			evalCalls(rp, r.mod)
			calls = append(calls, r.mod.calls...)
		}
	}

	res := &Result{Flows: []Flow{}, Warnings: append([]Warning{}, warns...), Calls: calls}
	for _, r := range results {
		res.Flows = append(res.Flows, r.flows...)
		res.Warnings = append(res.Warnings, r.warns...)
	}
	slices.SortStableFunc(res.Flows, compareFlows)
	slices.SortStableFunc(res.Warnings, compareWarnings)
	return res, nil
}

// schemas computes the parameter schema of each flow of module m and
// returns a warning for each parameter whose schema is not exactly
// Prefect's.
func schemas(r *repo, m *module, flows []Flow) []Warning {
	if m == nil {
		return nil
	}
	var warns []Warning
	for _, site := range m.sites {
		f := &flows[site.index]
		scope := m
		if len(site.typeParams) > 0 {
			// Unbounded type parameters are Any for pydantic.
			scope = &module{file: m.file, names: maps.Clone(m.names)}
			for _, tp := range site.typeParams {
				scope.names[tp] = &binding{kind: bFrom, module: "typing", target: "Any"}
			}
		}
		schema, problems := buildSchema(f, r, scope)
		f.Schema = schema
		for i, p := range f.Params {
			if why := problems[i]; why != "" {
				warns = append(warns, Warning{File: f.File, Line: site.pos[i].line, Column: site.pos[i].col,
					Message: fmt.Sprintf("parameter %q of flow %q: %s", p.Name, f.Name, why)})
			}
		}
	}
	return warns
}

// scanFile reads and analyses the file at rel below root.
func scanFile(root, rel string, calls []string) ([]Flow, []Warning, *module) {
	p := filepath.Join(root, filepath.FromSlash(rel))
	info, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil // listed by git but deleted in the work tree
	}
	if err == nil && !info.Mode().IsRegular() {
		return nil, nil, nil
	}
	if err == nil && info.Size() > MaxModuleSize {
		return nil, oversized(rel, p, info.Size()), nil
	}
	var src []byte
	if err == nil {
		held := sourceBudget.acquire(info.Size())
		defer sourceBudget.release(held)
		src, err = os.ReadFile(p)
	}
	if err != nil {
		return nil, []Warning{{File: rel, Message: fmt.Sprintf("failed to read file: %v", err)}}, nil
	}
	a := analyzeFile(rel, src)
	if len(calls) > 0 {
		a.mod.calls = a.findCalls(calls)
	}
	return a.flows, a.warns, a.mod
}

// listFiles returns the slash-separated paths, relative to root, of the
// Python files to analyse, sorted.
func listFiles(root string, ex *excluder) ([]string, []Warning, error) {
	paths, warn, err := gitFiles(root)
	if err != nil {
		paths, err = walkFiles(root, ex)
		if err != nil {
			return nil, nil, err
		}
		var warns []Warning
		if warn != "" {
			warns = append(warns, Warning{File: ".", Message: warn})
		}
		return paths, warns, nil
	}
	venv := map[string]bool{}
	isVenv := func(dir string) bool {
		v, ok := venv[dir]
		if !ok {
			v = hasVenvConfig(filepath.Join(root, filepath.FromSlash(dir)))
			venv[dir] = v
		}
		return v
	}
	var files []string
outer:
	for _, p := range paths {
		if !strings.HasSuffix(p, ".py") || ex.match(p) {
			continue
		}
		for i := range len(p) {
			if p[i] != '/' {
				continue
			}
			dir := p[:i]
			if skipDirs[path.Base(dir)] || ex.match(dir) || isVenv(dir) {
				continue outer
			}
		}
		files = append(files, p)
	}
	slices.Sort(files)
	return files, nil, nil
}

// gitFiles lists the tracked and untracked, not ignored, files below root.
// It fails when root is not in a git work tree or git is missing; warn is
// then non-empty when the failure deserves the user's attention.
func gitFiles(root string) (paths []string, warn string, err error) {
	git, err := exec.LookPath("git")
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(git, "-C", root, "ls-files", "-co", "--exclude-standard", "-z")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "not a git repository") {
			return nil, "", err
		}
		return nil, fmt.Sprintf("git ls-files failed (%v: %s), so gitignored files were searched too", err, msg), err
	}
	for p := range strings.SplitSeq(strings.TrimSuffix(stdout.String(), "\x00"), "\x00") {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return paths, "", nil
}

// walkFiles walks root and returns the Python files that are not skipped.
func walkFiles(root string, ex *excluder) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // unreadable entries below root are skipped
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if skipDirs[d.Name()] || ex.match(rel) || hasVenvConfig(p) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && strings.HasSuffix(rel, ".py") && !ex.match(rel) {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("failed to list files in %q: %w", root, err)
	}
	slices.Sort(files)
	return files, nil
}

// hasVenvConfig reports whether dir is a virtualenv.
func hasVenvConfig(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "pyvenv.cfg"))
	return err == nil
}

// excluder matches paths against Options.Exclude.
type excluder struct {
	names []string // patterns matched against the last path element
	paths []string // patterns matched against the whole relative path
}

func newExcluder(patterns []string) (*excluder, error) {
	ex := &excluder{}
	for _, p := range patterns {
		clean := filepath.ToSlash(p)
		clean = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(clean, "./"), "/"), "/")
		if _, err := path.Match(clean, ""); err != nil || clean == "" {
			if err == nil {
				err = path.ErrBadPattern
			}
			return nil, fmt.Errorf("failed to use exclude pattern %q: %w", p, err)
		}
		if strings.Contains(clean, "/") {
			ex.paths = append(ex.paths, clean)
		} else {
			ex.names = append(ex.names, clean)
		}
	}
	return ex, nil
}

// match reports whether the slash-separated relative path rel is excluded.
// Callers check every parent directory too.
func (ex *excluder) match(rel string) bool {
	base := path.Base(rel)
	for _, p := range ex.names {
		if ok, _ := path.Match(p, base); ok {
			return true
		}
	}
	for _, p := range ex.paths {
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
	}
	return false
}
