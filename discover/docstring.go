package discover

import (
	"strings"
)

// cleandoc cleans a docstring the way Python's inspect.cleandoc does: tabs
// are expanded, the first line's leading spaces and the common indentation
// of the other lines are removed, and leading and trailing blank lines are
// dropped.
func cleandoc(doc string) string {
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		lines[i] = expandTabs(l)
	}
	margin := -1
	for _, l := range lines[1:] {
		content := strings.TrimLeft(l, " ")
		if content == "" {
			continue
		}
		if indent := len(l) - len(content); margin < 0 || indent < margin {
			margin = indent
		}
	}
	lines[0] = strings.TrimLeft(lines[0], " ")
	if margin > 0 {
		for i := 1; i < len(lines); i++ {
			lines[i] = lines[i][min(margin, leadingSpaces(lines[i])):]
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	return strings.Join(lines, "\n")
}

func leadingSpaces(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

// expandTabs replaces tabs with spaces up to the next multiple of 8
// characters, like Python's str.expandtabs.
func expandTabs(s string) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		if r == '\t' {
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(r)
		col++
	}
	return b.String()
}

// argSections are the Google-style section titles that list parameters.
var argSections = map[string]bool{
	"args:": true, "arguments:": true, "params:": true, "parameters:": true,
	"keyword args:": true, "keyword arguments:": true, "other parameters:": true,
}

// docArgs returns the parameter descriptions of a cleaned Google-style
// docstring, keyed by the names as written.
func docArgs(doc string) map[string]string {
	lines := strings.Split(doc, "\n")
	out := map[string]string{}
	for i := 0; i < len(lines); i++ {
		if !argSections[strings.ToLower(strings.TrimSpace(lines[i]))] {
			continue
		}
		header := leadingSpaces(lines[i])
		entry := -1
		var name string
		var desc []string
		flush := func() {
			if name != "" {
				out[name] = joinDescription(desc)
			}
			name, desc = "", nil
		}
		j := i + 1
		for ; j < len(lines); j++ {
			l := lines[j]
			if strings.TrimSpace(l) == "" {
				desc = append(desc, "")
				continue
			}
			indent := leadingSpaces(l)
			if indent <= header {
				break
			}
			if entry < 0 {
				entry = indent
			}
			if indent > entry {
				desc = append(desc, l)
				continue
			}
			flush()
			head, text, ok := strings.Cut(strings.TrimSpace(l), ":")
			if !ok {
				continue
			}
			if k := strings.IndexAny(head, " ("); k >= 0 {
				head = head[:k]
			}
			name = head // "*args" stays starred, so, as in Prefect, it documents no parameter
			desc = []string{strings.TrimSpace(text)}
		}
		flush()
		i = j - 1
	}
	return out
}

// joinDescription joins an entry's first line with its dedented
// continuation lines.
func joinDescription(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	margin := -1
	for _, l := range lines[1:] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if n := leadingSpaces(l); margin < 0 || n < margin {
			margin = n
		}
	}
	for k := 1; k < len(lines); k++ {
		lines[k] = lines[k][min(max(margin, 0), len(lines[k])):]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
