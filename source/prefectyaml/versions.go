package prefectyaml

import (
	"fmt"
	"strconv"
	"strings"
)

// pyVersion is the numeric release of a Prefect version ("3.4.21" of
// "3.4.21.dev2" or "3.4.21+cloud").
type pyVersion [3]int

// parsePyVersion reads the leading major.minor[.patch] of a Prefect version;
// ok is false when it has none.
func parsePyVersion(s string) (v pyVersion, ok bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	parts := strings.SplitN(s, ".", 4)
	if len(parts) < 2 {
		return v, false
	}
	for i := 0; i < 3 && i < len(parts); i++ {
		digits := parts[i]
		if end := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); end >= 0 {
			if i < 2 && end == 0 {
				return v, false
			}
			digits = digits[:end]
		}
		if digits == "" {
			break
		}
		n, err := strconv.Atoi(digits)
		if err != nil {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

func (v pyVersion) less(w pyVersion) bool {
	for i := range v {
		if v[i] != w[i] {
			return v[i] < w[i]
		}
	}
	return false
}

func (v pyVersion) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

// Where supported Prefect versions disagree about a prefect.yaml. Before
// 3.4.19 prefect deploy read entries as plain dictionaries and used only the
// keys it knew; 3.4.19 added pydantic validation of the whole file, and
// 3.4.21 made schedule items forbid unknown keys. A file that fails that
// validation is skipped whole.
var (
	// strictScheduleKeys: from this version an unknown key in a schedule
	// item fails the file.
	strictScheduleKeys = pyVersion{3, 4, 21}
	// strictLegacySchedule: from this version a legacy schedule: that is
	// not a mapping (e.g. a list) fails the file; before, it was ignored.
	strictLegacySchedule = pyVersion{3, 4, 19}
)

// rules is the Prefect version a file is read for.
type rules struct {
	// version is the governing version; known is false when neither the
	// file nor the server said (then what any supported version accepts is
	// accepted).
	version pyVersion
	known   bool
	// source says where version came from, for messages.
	source string
}

// rulesFor decides the version that governs a file: its own
// prefect-version, else the server's version, else none.
func rulesFor(root *node, server string) rules {
	if v, ok := root.Get("prefect-version"); ok && v.Kind == strKind {
		if pv, ok := parsePyVersion(v.Str); ok {
			return rules{version: pv, known: true, source: "this file's prefect-version"}
		}
	}
	if pv, ok := parsePyVersion(server); ok {
		return rules{version: pv, known: true, source: "the server's version"}
	}
	return rules{}
}

// strict reports whether the governing version refuses what versions before
// since accepted.
func (r rules) strict(since pyVersion) bool {
	return r.known && !r.version.less(since)
}

// lenientNote explains, in a warning, why a key is accepted.
func (r rules) lenientNote(since pyVersion) string {
	if r.known {
		return fmt.Sprintf("prefect deploy %s (%s) ignores it; %s and later refuse the file", r.version, r.source, since)
	}
	return fmt.Sprintf("prefect deploy before %s ignores it and later versions refuse the file (set prefect-version to choose)", since)
}

// strictNote explains, in an error, why a key is refused.
func (r rules) strictNote(since pyVersion) string {
	return fmt.Sprintf("prefect deploy %s (%s) refuses the file; versions before %s ignored it", r.version, r.source, since)
}
