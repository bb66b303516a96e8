package config

import (
	"fmt"
	"slices"
	"strings"
)

// CheckEnvironment reports an error when the file declares environments (under environments:
// at any level) and env is not one of them, with the closest declared name as a suggestion:
// a misspelt --env would otherwise silently plan a whole new set of deployments. A file that
// declares no environment accepts any.
func (f *File) CheckEnvironment(env string) error {
	names := f.EnvironmentNames()
	if len(names) == 0 || slices.Contains(names, env) {
		return nil
	}
	hint := ""
	if s := Suggest(env, names); s != "" {
		hint = fmt.Sprintf("; did you mean %q?", s)
	}
	return fmt.Errorf("environment %q is not declared in %s (it declares %s)%s", env, f.Path, strings.Join(names, ", "), hint)
}

// Suggest returns the candidate closest to word when it is close enough to be a likely typo
// (case, "-" and "_" aside), or "".
func Suggest(word string, candidates []string) string { return suggest(word, candidates) }
