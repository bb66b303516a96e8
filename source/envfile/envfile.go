// Package envfile reads dotenv files (KEY=VALUE lines) the way python-dotenv's dotenv_values
// reads them, so a file written for acme-portal-sdk's aps-prefect-deploy (acme-config's
// `ac fetch` writes <app>.<env>.<version>.env, read back with dotenv_values) gives the same
// variables here:
//
//   - blank lines and lines starting with # are skipped; "export " before a key is allowed;
//   - whitespace around the key and after = is ignored;
//   - an unquoted value runs to the end of the line, loses trailing whitespace and a " # comment";
//     "KEY= # comment" is empty, "KEY=#x" is "#x";
//   - a single-quoted value keeps everything but \' and \\; a double-quoted value decodes
//     \n, \t, \r, \a, \b, \f, \v, \\, \' and \"; both may span lines;
//   - ${NAME} and ${NAME:-default} in any value are replaced by an earlier key of the file,
//     else the variable of the environment, else the default (or nothing).
//
// Unlike python-dotenv, which logs a warning and skips what it cannot parse, every problem is an
// error at file:line:column, all of them at once: a line it cannot parse (an unterminated quote,
// text after a quoted value), a key without "=" (python-dotenv yields None for it, which no
// environment variable can hold) and a key that is not an environment variable name
// ([A-Za-z_][A-Za-z0-9_]*).
package envfile

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/fileerr"
)

// Var is one KEY=VALUE binding of a file, in file order.
type Var struct {
	// Key is the variable name; Value its value after unquoting and interpolation.
	Key, Value string
	// Line is the 1-based line the binding starts on.
	Line int
}

// Load reads the dotenv file at path; getenv looks up ${NAME} references the file does not set
// (nil: none are found).
func Load(path string, getenv func(string) (string, bool)) ([]Var, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read env file %q: %w", path, err)
	}
	return Parse(path, data, getenv)
}

// Map returns vars as a map; a key set twice keeps its last value, as python-dotenv does.
func Map(vars []Var) map[string]string {
	out := make(map[string]string, len(vars))
	for _, v := range vars {
		out[v.Key] = v.Value
	}
	return out
}

var (
	multilineSpace = regexp.MustCompile(`^\s*`)
	inlineSpace    = regexp.MustCompile(`^[^\S\r\n]*`)
	exportWord     = regexp.MustCompile(`^(?:export[^\S\r\n]+)?`)
	quotedKey      = regexp.MustCompile(`^'([^']+)'`)
	unquotedKey    = regexp.MustCompile(`^([^=#\s]+)`)
	equalSign      = regexp.MustCompile(`^(=[^\S\r\n]*)`)
	singleQuoted   = regexp.MustCompile(`^'((?:\\(?s:.)|[^'\\])*)'`)
	doubleQuoted   = regexp.MustCompile(`^"((?:\\(?s:.)|[^"\\])*)"`)
	unquotedValue  = regexp.MustCompile(`^([^\r\n]*)`)
	comment        = regexp.MustCompile(`^(?:[^\S\r\n]*#[^\r\n]*)?`)
	endOfLine      = regexp.MustCompile(`^[^\S\r\n]*(?:\r\n|\n|\r|$)`)
	restOfLine     = regexp.MustCompile(`^[^\r\n]*(?:\r\n|\n|\r)?`)
	trailingNote   = regexp.MustCompile(`\s+#.*`)
	doubleEscapes  = regexp.MustCompile(`\\[\\'"abfnrtv]`)
	singleEscapes  = regexp.MustCompile(`\\[\\']`)
	reference      = regexp.MustCompile(`\$\{([^}:]*)(?::-([^}]*))?\}`)
	envName        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// reader walks the file's text keeping the line and column of its position.
type reader struct {
	s         string
	pos       int
	line, col int
}

func (r *reader) advance(n int) {
	for i := r.pos; i < r.pos+n; i++ {
		switch r.s[i] {
		case '\n':
			r.line, r.col = r.line+1, 1
		case '\r':
			if i+1 < len(r.s) && r.s[i+1] == '\n' {
				continue // counted with the \n that follows
			}
			r.line, r.col = r.line+1, 1
		default:
			if r.s[i]&0xC0 != 0x80 { // a column per character, not per byte
				r.col++
			}
		}
	}
	r.pos += n
}

// match reads re at the position and returns its first group ("" when it has none).
func (r *reader) match(re *regexp.Regexp) (string, bool) {
	m := re.FindStringSubmatchIndex(r.s[r.pos:])
	if m == nil {
		return "", false
	}
	g := ""
	if len(m) > 2 && m[2] >= 0 {
		g = r.s[r.pos+m[2] : r.pos+m[3]]
	}
	r.advance(m[1])
	return g, true
}

func (r *reader) peek() byte {
	if r.pos < len(r.s) {
		return r.s[r.pos]
	}
	return 0
}

// Parse reads dotenv text; path is used in error positions. See the package documentation.
func Parse(path string, data []byte, getenv func(string) (string, bool)) ([]Var, error) {
	text := strings.TrimPrefix(string(data), "\ufeff")
	r := &reader{s: text, line: 1, col: 1}
	var errs fileerr.Errors
	bad := func(line, col int, format string, args ...any) {
		errs = append(errs, &fileerr.Error{File: path, Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
	}
	var vars []Var
	for r.pos < len(r.s) {
		r.match(multilineSpace)
		if r.pos >= len(r.s) {
			break
		}
		line, col := r.line, r.col
		r.match(exportWord)
		keyLine, keyCol := r.line, r.col
		var key string
		ok := true
		switch r.peek() {
		case '#':
			r.match(restOfLine)
			continue
		case '\'':
			key, ok = r.match(quotedKey)
		default:
			key, ok = r.match(unquotedKey)
		}
		if !ok {
			bad(line, col, "cannot read this line: want KEY=VALUE")
			r.match(restOfLine)
			continue
		}
		r.match(inlineSpace)
		if r.peek() != '=' {
			if _, ok := r.match(comment); ok {
				if _, ok := r.match(endOfLine); ok {
					bad(keyLine, keyCol, "%s has no value: write %s= for an empty one", key, key)
					continue
				}
			}
			bad(r.line, r.col, "cannot read this line: want KEY=VALUE, found text after the key %q (a key has no spaces)", key)
			r.match(restOfLine)
			continue
		}
		eq, _ := r.match(equalSign)
		valLine, valCol := r.line, r.col
		var value string
		switch c := r.peek(); {
		case len(eq) > 1 && c == '#':
			value = ""
		case c == '\'':
			v, ok := r.match(singleQuoted)
			if !ok {
				bad(valLine, valCol, "%s: the single quote is never closed", key)
				r.match(restOfLine)
				continue
			}
			value = singleEscapes.ReplaceAllStringFunc(v, func(e string) string { return e[1:] })
		case c == '"':
			v, ok := r.match(doubleQuoted)
			if !ok {
				bad(valLine, valCol, "%s: the double quote is never closed", key)
				r.match(restOfLine)
				continue
			}
			value = doubleEscapes.ReplaceAllStringFunc(v, decodeEscape)
		case c == 0 || c == '\n' || c == '\r':
			value = ""
		default:
			v, _ := r.match(unquotedValue)
			value = strings.TrimRight(trailingNote.ReplaceAllString(v, ""), " \t\f\v\r\n")
		}
		r.match(comment)
		if _, ok := r.match(endOfLine); !ok {
			bad(r.line, r.col, "%s: unexpected text after the quoted value (quote the whole value, or start a comment with \" #\")", key)
			r.match(restOfLine)
			continue
		}
		if !envName.MatchString(key) {
			bad(keyLine, keyCol, "%q is not an environment variable name (letters, digits and _, not starting with a digit)", key)
			continue
		}
		vars = append(vars, Var{Key: key, Value: value, Line: keyLine})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	// ${NAME} references: earlier keys of the file win over the environment (python-dotenv's
	// dotenv_values interpolates with override=True).
	seen := map[string]string{}
	for i, v := range vars {
		vars[i].Value = reference.ReplaceAllStringFunc(v.Value, func(ref string) string {
			m := reference.FindStringSubmatch(ref)
			if x, ok := seen[m[1]]; ok {
				return x
			}
			if getenv != nil {
				if x, ok := getenv(m[1]); ok {
					return x
				}
			}
			return m[2]
		})
		seen[v.Key] = vars[i].Value
	}
	return vars, nil
}

func decodeEscape(e string) string {
	switch e[1] {
	case 'a':
		return "\a"
	case 'b':
		return "\b"
	case 'f':
		return "\f"
	case 'n':
		return "\n"
	case 'r':
		return "\r"
	case 't':
		return "\t"
	case 'v':
		return "\v"
	}
	return e[1:]
}
