package repodefaults

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// PyProject is the package version pyproject.toml declares.
type PyProject struct {
	// Path is the file read ("" when there is none).
	Path string
	// Version is [project].version, else [tool.poetry].version ("" when neither is set).
	Version string
	// Dynamic explains why the file has no static version (PEP 621 dynamic = ["version"], or
	// poetry-dynamic-versioning), e.g. `[project] dynamic = ["version"]`; "" otherwise.
	Dynamic string
}

// ReadPyProject reads dir/pyproject.toml. A missing file is not an error (Path is ""); an
// unreadable or malformed one is, with file:line:col where the parser gives one.
func ReadPyProject(dir string) (PyProject, error) {
	path := filepath.Join(dir, "pyproject.toml")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return PyProject{}, nil
	}
	if err != nil {
		return PyProject{}, fmt.Errorf("failed to read %q: %w", path, err)
	}
	out := PyProject{Path: path}
	var doc struct {
		Project struct {
			Version any      `toml:"version"`
			Dynamic []string `toml:"dynamic"`
		} `toml:"project"`
		Tool struct {
			Poetry struct {
				Version any `toml:"version"`
			} `toml:"poetry"`
			PoetryDynamicVersioning struct {
				Enable bool `toml:"enable"`
			} `toml:"poetry-dynamic-versioning"`
		} `toml:"tool"`
	}
	md, err := toml.Decode(string(b), &doc)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return out, fmt.Errorf("%s:%d:%d: %s", path, pe.Position.Line, pe.Position.Col, pe.Message)
		}
		return out, fmt.Errorf("failed to parse %q: %w", path, err)
	}
	for _, key := range [][]string{{"project", "version"}, {"tool", "poetry", "version"}} {
		if !md.IsDefined(key...) {
			continue
		}
		v := doc.Project.Version
		if key[0] == "tool" {
			v = doc.Tool.Poetry.Version
		}
		s, ok := v.(string)
		if !ok {
			return out, fmt.Errorf("%s: %s must be a string, got %T", path, strings.Join(key, "."), v)
		}
		if s = strings.TrimSpace(s); s != "" {
			out.Version = s
			break
		}
	}
	switch {
	case doc.Tool.PoetryDynamicVersioning.Enable:
		// The plugin rewrites the placeholder version at build time.
		out.Version = ""
		out.Dynamic = "[tool.poetry-dynamic-versioning] enable = true"
	case out.Version == "" && slices.Contains(doc.Project.Dynamic, "version"):
		out.Dynamic = `[project] dynamic = ["version"]`
	}
	return out, nil
}
