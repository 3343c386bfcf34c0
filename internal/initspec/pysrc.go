package initspec

import (
	"strconv"
	"strings"
)

// This file holds the lexical helpers init reads Python with: logical lines (a statement with
// its continuation lines), the calls on a line and their arguments, and string literals. They
// are not a parser; they are enough to read the module-level facts init looks for without
// being fooled by comments, docstrings or a call split over several lines.

// pyLine is one logical line of Python source.
type pyLine struct {
	n      int    // its first physical line
	indent int    // the width of its leading whitespace
	code   string // comments removed, triple-quoted strings replaced by "", line breaks inside brackets by spaces
}

// logicalLines splits src into logical lines: physical lines joined inside brackets and after a
// backslash. Comments and the contents of triple-quoted strings (docstrings) are dropped.
func logicalLines(src string) []pyLine {
	src = strings.TrimPrefix(src, "\ufeff")
	var out []pyLine
	var b strings.Builder
	line, start, indent, depth := 1, 1, 0, 0
	atStart := true
	emit := func() {
		if s := strings.TrimSpace(b.String()); s != "" {
			out = append(out, pyLine{n: start, indent: indent, code: s})
		}
		b.Reset()
		atStart = true
	}
	for i := 0; i < len(src); {
		c := src[i]
		if atStart && depth == 0 {
			w := 0
			for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\f') {
				if src[i] == '\t' {
					w += 8 - w%8
				} else {
					w++
				}
				i++
			}
			indent, start, atStart = w, line, false
			continue
		}
		switch {
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\\' && strings.HasPrefix(src[i+1:], "\n"):
			b.WriteByte(' ')
			i += 2
			line++
		case c == '\\' && strings.HasPrefix(src[i+1:], "\r\n"):
			b.WriteByte(' ')
			i += 3
			line++
		case c == '\n':
			line++
			i++
			if depth > 0 {
				b.WriteByte(' ')
			} else {
				emit()
			}
		case c == '\r':
			i++
		case c == '"' || c == '\'':
			triple := strings.Repeat(string(c), 3)
			if strings.HasPrefix(src[i:], triple) {
				body := src[i+3:]
				end := strings.Index(body, triple)
				if end < 0 {
					end = len(body)
					i = len(src)
				} else {
					i += 3 + end + 3
				}
				line += strings.Count(body[:end], "\n")
				b.WriteByte(c)
				b.WriteByte(c)
				continue
			}
			j := i + 1
			for j < len(src) && src[j] != c && src[j] != '\n' {
				if src[j] == '\\' && j+1 < len(src) && src[j+1] != '\n' {
					j++
				}
				j++
			}
			if j < len(src) && src[j] == c {
				j++
			}
			b.WriteString(src[i:j])
			i = j
		case c == '(' || c == '[' || c == '{':
			depth++
			b.WriteByte(c)
			i++
		case c == ')' || c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
			b.WriteByte(c)
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	emit()
	return out
}

// skipString returns the index just after the string literal that starts at s[i] (a quote).
func skipString(s string, i int) int {
	q := s[i]
	j := i + 1
	for j < len(s) && s[j] != q {
		if s[j] == '\\' {
			j++
		}
		j++
	}
	if j < len(s) {
		j++
	}
	return j
}

// matchClose returns the index of the bracket closing the one at s[i], or -1.
func matchClose(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch c := s[j]; c {
		case '"', '\'':
			j = skipString(s, j) - 1
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// matchOpen returns the index of the bracket opening the one closing at s[i], or -1 (strings
// are not skipped: the text scanned backwards is a receiver expression).
func matchOpen(s string, i int) int {
	depth := 0
	for j := i; j >= 0; j-- {
		switch s[j] {
		case ')', ']', '}':
			depth++
		case '(', '[', '{':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// pyCall is one call in a logical line.
type pyCall struct {
	callee string // the dotted name called: "os.makedirs", "LOG_DIR.mkdir", "open"
	fn     string // its last component: "makedirs", "mkdir", "open"
	recv   string // the expression before ".fn", or "": "os", "LOG_DIR", `Path("logs")`
	args   string // the text between the parentheses
	pos    int    // where the callee starts in the line
}

// calls lists the calls in code, outer calls before the calls in their arguments.
func calls(code string) []pyCall {
	var out []pyCall
	for i := 0; i < len(code); i++ {
		switch code[i] {
		case '"', '\'':
			i = skipString(code, i) - 1
			continue
		case '(':
		default:
			continue
		}
		j := i
		for j > 0 && (isIdentByte(code[j-1]) || code[j-1] == '.') {
			j--
		}
		name := code[j:i]
		if name == "" || name[0] >= '0' && name[0] <= '9' {
			continue
		}
		end := matchClose(code, i)
		if end < 0 {
			end = len(code)
		}
		c := pyCall{callee: name, args: code[i+1 : end], pos: j}
		if k := strings.LastIndexByte(name, '.'); k >= 0 {
			c.fn, c.recv = name[k+1:], name[:k]
			if c.recv == "" && j > 0 && (code[j-1] == ')' || code[j-1] == ']') {
				// A call on an expression: Path("logs").mkdir(...).
				if o := matchOpen(code, j-1); o >= 0 {
					k := o
					for k > 0 && (isIdentByte(code[k-1]) || code[k-1] == '.') {
						k--
					}
					c.recv = code[k:j]
					c.pos = k
				}
			}
		} else {
			c.fn = name
		}
		if c.fn == "" || pyKeywords[c.fn] {
			continue
		}
		out = append(out, c)
	}
	return out
}

// splitTop splits s at the separator sep where it is outside brackets and strings.
func splitTop(s string, sep byte) []string {
	return splitOutside(s, string(sep), sep == '/') // "//" is floor division, not a path join
}

// splitOutside splits s at sep where it is outside brackets and strings; with notDoubled, an
// occurrence next to another sep does not split.
func splitOutside(s, sep string, notDoubled bool) []string {
	var out []string
	depth, last := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\'':
			i = skipString(s, i) - 1
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], sep):
			if notDoubled && (strings.HasPrefix(s[i+len(sep):], sep) || i >= len(sep) && s[i-len(sep):i] == sep) {
				continue
			}
			out = append(out, s[last:i])
			last = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(out, s[last:])
}

// splitArgs splits call arguments into positional ones and keyword ones (by name).
func splitArgs(args string) (pos []string, kw map[string]string) {
	kw = map[string]string{}
	for _, a := range splitTop(args, ',') {
		a = strings.TrimSpace(a)
		if a == "" || strings.HasPrefix(a, "*") {
			continue
		}
		if k := strings.IndexByte(a, '='); k > 0 && !strings.HasPrefix(a[k:], "==") && identRe.MatchString(strings.TrimSpace(a[:k])) {
			kw[strings.TrimSpace(a[:k])] = strings.TrimSpace(a[k+1:])
			continue
		}
		pos = append(pos, a)
	}
	return pos, kw
}

// arg returns the i-th positional argument, or the keyword argument named one of names.
func arg(pos []string, kw map[string]string, i int, names ...string) string {
	for _, n := range names {
		if v, ok := kw[n]; ok {
			return v
		}
	}
	if i >= 0 && i < len(pos) {
		return pos[i]
	}
	return ""
}

// strLit reads a Python string literal (r, b, u and f prefixes). For an f-string, value is the
// text before its first replacement field and partial is set when there is one.
func strLit(s string) (value string, partial, ok bool) {
	s = strings.TrimSpace(s)
	i := 0
	fstr := false
	for i < len(s) && i < 2 && strings.ContainsRune("rRbBuUfF", rune(s[i])) {
		if s[i] == 'f' || s[i] == 'F' {
			fstr = true
		}
		i++
	}
	if i >= len(s) || s[i] != '"' && s[i] != '\'' {
		return "", false, false
	}
	if end := skipString(s, i); end != len(s) || end-i < 2 || s[end-1] != s[i] {
		return "", false, false
	}
	body := s[i+1 : len(s)-1]
	raw := strings.ContainsAny(s[:i], "rR")
	if fstr {
		if k := strings.IndexByte(body, '{'); k >= 0 && !strings.HasPrefix(body[k:], "{{") {
			body, partial = body[:k], true
		}
	}
	if !raw && strings.Contains(body, `\`) {
		if u, err := strconv.Unquote(`"` + strings.ReplaceAll(body, `"`, `\"`) + `"`); err == nil {
			body = u
		}
	}
	return body, partial, true
}

// intLit returns the first integer literal of s (a port in "int(os.getenv('PORT', 8080))").
func intLit(s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || i > 0 && (isIdentByte(s[i-1]) || s[i-1] == '.') {
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j < len(s) && (isIdentByte(s[j]) || s[j] == '.') {
			i = j
			continue
		}
		n, err := strconv.Atoi(s[i:j])
		return n, err == nil
	}
	return 0, false
}
