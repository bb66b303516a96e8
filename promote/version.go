package promote

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// pep440 matches the Python version forms we translate: release, pre-release (a/b/rc),
// and development releases, e.g. 1.2.0rc1, 1.2.0.dev3, 1.2.0b2.dev1.
var pep440 = regexp.MustCompile(`^v?(\d+(?:\.\d+){0,2})(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:[-_.]?(dev)[-_.]?(\d*))?$`)

// ParseVersion reads a package version as semver ("v1.2.0" equals "1.2.0") or as a Python
// (PEP 440) version, which it maps onto semver: 1.2.0rc1 → 1.2.0-rc.1, 1.2.0b2 → 1.2.0-beta.2,
// 1.2.0.dev3 → 1.2.0-0.dev.3 (before 1.2.0a1, as in Python). Post-releases, epochs and local versions have no faithful semver
// form and are refused with a message saying so.
func ParseVersion(s string) (*semver.Version, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty version")
	}
	if v, err := semver.NewVersion(s); err == nil {
		return v, nil
	}
	low := strings.ToLower(s)
	switch {
	case strings.Contains(low, "!"):
		return nil, fmt.Errorf("version %q has a PEP 440 epoch, which cannot be compared as semver; use a plain version", s)
	case strings.Contains(low, "post"):
		return nil, fmt.Errorf("version %q is a PEP 440 post-release, which has no semver equivalent; release a new version instead", s)
	case strings.Contains(low, "+"):
		return nil, fmt.Errorf("version %q has a local version label, which cannot be ordered; use a plain version", s)
	}
	m := pep440.FindStringSubmatch(low)
	if m == nil {
		return nil, fmt.Errorf("version %q is neither semver (1.2.3, v1.2.3, 1.2.3-rc.1) nor a Python version (1.2.3rc1, 1.2.3.dev4)", s)
	}
	out := m[1]
	var pre []string
	if m[2] != "" {
		kind := map[string]string{"a": "alpha", "alpha": "alpha", "b": "beta", "beta": "beta", "c": "rc", "rc": "rc", "pre": "rc", "preview": "rc"}[m[2]]
		pre = append(pre, kind, orZero(m[3]))
	}
	if m[4] != "" {
		if m[2] != "" {
			return nil, fmt.Errorf("version %q is a development release of a pre-release, which semver cannot order; use %s%s%s", s, m[1], m[2], orZero(m[3]))
		}
		// A leading numeric identifier sorts a dev release before alpha, beta and rc, as PEP 440 does.
		pre = append(pre, "0", "dev", orZero(m[5]))
	}
	if len(pre) > 0 {
		out += "-" + strings.Join(pre, ".")
	}
	v, err := semver.NewVersion(out)
	if err != nil {
		return nil, fmt.Errorf("version %q: %w", s, err)
	}
	return v, nil
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}
