package promote

import (
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "1.2.0", want: "1.2.0"},
		{in: "v1.2.0", want: "1.2.0"},
		{in: "1.2", want: "1.2.0"},
		{in: "1.2.0-rc.1", want: "1.2.0-rc.1"},
		{in: "1.2.0rc1", want: "1.2.0-rc.1"},
		{in: "1.2.0b2", want: "1.2.0-beta.2"},
		{in: "1.2.0a1", want: "1.2.0-alpha.1"},
		{in: "1.2.0.dev3", want: "1.2.0-0.dev.3"},
		{in: "1.2.0.post1", err: "post-release"},
		{in: "1!1.2.0", err: "epoch"},
		{in: "1.2.0rc1.dev2", err: "development release of a pre-release"},
		{in: "banana", err: "neither semver"},
		{in: "", err: "empty version"},
	} {
		v, err := ParseVersion(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseVersion(%q) error = %v, want one containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || v.String() != tc.want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %s", tc.in, v, err, tc.want)
		}
	}
}

// TestPythonVersionOrder checks the mapping keeps PEP 440's order: dev < alpha < beta < rc < final.
func TestPythonVersionOrder(t *testing.T) {
	t.Parallel()
	order := []string{"1.2.0.dev1", "1.2.0a1", "1.2.0b1", "1.2.0rc1", "1.2.0rc2", "1.2.0", "v1.2.1"}
	for i := 1; i < len(order); i++ {
		a, err1 := ParseVersion(order[i-1])
		b, err2 := ParseVersion(order[i])
		if err1 != nil || err2 != nil {
			t.Fatalf("parse: %v %v", err1, err2)
		}
		if !a.LessThan(b) {
			t.Errorf("%s (%s) is not before %s (%s)", order[i-1], a, order[i], b)
		}
	}
}
