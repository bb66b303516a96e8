package discover

import (
	"regexp"
	"strings"
	"unicode"
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

// sectionKinds are the section titles of griffe's Google parser, lower
// case; true marks the parameters sections, the only ones Prefect reads.
var sectionKinds = map[string]bool{
	"args": true, "arguments": true, "params": true, "parameters": true,
	"keyword args": false, "keyword arguments": false, "other args": false, "other arguments": false,
	"other params": false, "other parameters": false, "type args": false, "type arguments": false,
	"type params": false, "type parameters": false, "raises": false, "exceptions": false,
	"returns": false, "yields": false, "receives": false, "examples": false, "attributes": false,
	"functions": false, "methods": false, "classes": false, "type aliases": false, "modules": false,
	"warns": false, "warnings": false,
}

// admonition is griffe's pattern for a section or admonition title line.
var admonition = regexp.MustCompile(`^([\p{L}\p{N}_][\s\p{L}\p{N}_-]*):(\s+(\S.*))?\s*$`)

// docArgs returns the parameter descriptions Prefect reads from a docstring
// already cleaned like inspect.getdoc: the entries of the last Args /
// Arguments / Params / Parameters section as griffe's Google-style parser
// reads them (Prefect's parser), keyed by the names as written. NumPy and
// Sphinx styles give none, as in Prefect.
func docArgs(doc string) map[string]string {
	lines := strings.Split(cleandoc(strings.TrimRightFunc(doc, unicode.IsSpace)), "\n")
	out := map[string]string{}
	inCode := false
	for offset := 0; offset < len(lines); offset++ {
		line := lines[offset]
		fence := strings.HasPrefix(strings.TrimLeft(line, " "), "```")
		switch {
		case inCode:
			inCode = !fence
			continue
		case fence:
			inCode = true
			continue
		}
		m := admonition.FindStringSubmatch(line)
		if !strings.Contains(line, ":") || m == nil {
			continue
		}
		n := len(lines)
		blankAbove := offset == 0 || emptyLine(lines[offset-1])
		blankBelow := offset < n-1 && emptyLine(lines[offset+1])
		blanksBelow := offset < n-2 && emptyLine(lines[offset+2])
		indentedBelow := offset < n-1 && !blankBelow && strings.HasPrefix(lines[offset+1], " ")
		indentedsBelow := offset < n-2 && !blanksBelow && strings.HasPrefix(lines[offset+2], " ")
		if !indentedBelow && !indentedsBelow || !blankAbove || indentedsBelow && blankBelow {
			continue
		}
		params, isSection := sectionKinds[strings.ToLower(m[1])]
		switch {
		case !isSection:
			offset = readBlock(lines, offset+1)
		case strings.ToLower(m[1]) == "examples":
			offset = readBlock(lines, offset+1)
		default:
			items, end := readBlockItems(lines, offset+1)
			offset = end
			if !params {
				continue
			}
			out = map[string]string{}
			for _, item := range items {
				head, desc, ok := strings.Cut(item[0], ":")
				if !ok {
					continue
				}
				name := head
				if strings.Contains(head, "(") && strings.HasSuffix(head, ")") {
					name = strings.TrimSpace(strings.SplitN(head, "(", 2)[0])
				}
				text := strings.Join(append([]string{strings.TrimLeftFunc(desc, unicode.IsSpace)}, item[1:]...), "\n")
				out[name] = strings.TrimRight(text, "\n")
			}
		}
	}
	return out
}

func emptyLine(s string) bool { return strings.TrimSpace(s) == "" }

// indentOf returns the length of s's leading whitespace.
func indentOf(s string) int { return len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace)) }

// readBlockItems reads the items of a section starting at lines[offset],
// as griffe does, and returns them with the index of the last line read.
func readBlockItems(lines []string, offset int) ([][]string, int) {
	if offset >= len(lines) {
		return nil, offset
	}
	i := offset
	for i < len(lines) && emptyLine(lines[i]) {
		i++
	}
	if i >= len(lines) {
		return nil, i - 1
	}
	indent := indentOf(lines[i])
	if indent == 0 {
		return nil, i - 1
	}
	var items [][]string
	current := []string{lines[i][indent:]}
	for i++; i < len(lines); i++ {
		line := lines[i]
		switch {
		case emptyLine(line):
			current = append(current, "")
		case strings.HasPrefix(line, strings.Repeat(" ", 2*indent)):
			current = append(current, line[2*indent:])
		case strings.HasPrefix(line, strings.Repeat(" ", indent+1)):
			current = append(current, line[indentOf(line):])
		case strings.HasPrefix(line, strings.Repeat(" ", indent)):
			items = append(items, current)
			current = []string{line[indent:]}
		default:
			return append(items, current), i - 1
		}
	}
	return append(items, current), i - 1
}

// readBlock skips an admonition's indented block starting at lines[offset]
// and returns the index of the last line read.
func readBlock(lines []string, offset int) int {
	if offset >= len(lines) {
		return offset - 1
	}
	i := offset
	for i < len(lines) && emptyLine(lines[i]) {
		i++
	}
	if i >= len(lines) {
		return offset - 1
	}
	indent := indentOf(lines[i])
	if indent == 0 {
		return offset - 1
	}
	prefix := strings.Repeat(" ", indent)
	for i++; i < len(lines) && (strings.HasPrefix(lines[i], prefix) || emptyLine(lines[i])); i++ {
	}
	return i - 1
}
