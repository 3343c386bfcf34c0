package pydeps

import (
	"fmt"
	"strings"
)

// maxMarkerDepth bounds parenthesis nesting, so no input can exhaust the stack.
const maxMarkerDepth = 64

// markerParser is a recursive-descent parser for the PEP 508 marker grammar:
//
//	marker = and ("or" and)*
//	and    = expr ("and" expr)*
//	expr   = "(" marker ")" | operand op operand
//	op     = "===" | "==" | "!=" | "<=" | ">=" | "~=" | "<" | ">" | "in" | "not" "in"
type markerParser struct {
	s   string
	pos int
}

// parseMarker parses a marker; an empty or blank one is nil (always true).
func parseMarker(s string) (marker, error) {
	p := &markerParser{s: s}
	p.skipSpace()
	if p.pos == len(s) {
		return nil, nil
	}
	m, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.skipSpace(); p.pos != len(s) {
		return nil, p.errorf("unexpected %q", p.s[p.pos:])
	}
	return m, nil
}

func (p *markerParser) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid marker %q: column %d: %s", p.s, p.pos+1, fmt.Sprintf(format, args...))
}

func (p *markerParser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
		p.pos++
	}
}

func (p *markerParser) or(depth int) (marker, error) {
	l, err := p.and(depth)
	for err == nil && p.keyword("or") {
		var r marker
		if r, err = p.and(depth); err == nil {
			l = orMarker{l, r}
		}
	}
	return l, err
}

func (p *markerParser) and(depth int) (marker, error) {
	l, err := p.expr(depth)
	for err == nil && p.keyword("and") {
		var r marker
		if r, err = p.expr(depth); err == nil {
			l = andMarker{l, r}
		}
	}
	return l, err
}

func (p *markerParser) expr(depth int) (marker, error) {
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == '(' {
		if depth >= maxMarkerDepth {
			return nil, p.errorf("parentheses nested more than %d deep", maxMarkerDepth)
		}
		p.pos++
		m, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.skipSpace(); p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return nil, p.errorf("expected ')'")
		}
		p.pos++
		return m, nil
	}
	return p.comparison()
}

func (p *markerParser) comparison() (marker, error) {
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	op, err := p.op()
	if err != nil {
		return nil, err
	}
	r, err := p.operand()
	if err != nil {
		return nil, err
	}
	return compareMarker{left: l, op: op, right: r}, nil
}

// operand is a quoted string or a variable name.
func (p *markerParser) operand() (operand, error) {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return operand{}, p.errorf("expected a variable or a quoted string, found the end")
	}
	if q := p.s[p.pos]; q == '"' || q == '\'' {
		end := strings.IndexByte(p.s[p.pos+1:], q)
		if end < 0 {
			return operand{}, p.errorf("unterminated string")
		}
		v := p.s[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return operand{value: v}, nil
	}
	start := p.pos
	for p.pos < len(p.s) && identChar(p.s[p.pos]) {
		p.pos++
	}
	word := p.s[start:p.pos]
	if word == "" {
		return operand{}, p.errorf("expected a variable or a quoted string, found %q", p.s[p.pos:])
	}
	canonical, ok := variables[word]
	if !ok {
		p.pos = start
		return operand{}, p.errorf("unknown variable %q", word)
	}
	return operand{variable: canonical}, nil
}

func (p *markerParser) op() (string, error) {
	p.skipSpace()
	for _, op := range []string{"===", "==", "!=", "<=", ">=", "~=", "<", ">"} {
		if strings.HasPrefix(p.s[p.pos:], op) {
			p.pos += len(op)
			return op, nil
		}
	}
	if p.keyword("in") {
		return "in", nil
	}
	if save := p.pos; p.keyword("not") {
		if p.keyword("in") {
			return "not in", nil
		}
		p.pos = save
	}
	return "", p.errorf("expected a comparison operator, found %q", p.s[p.pos:])
}

// keyword consumes a word that is not followed by a name character.
func (p *markerParser) keyword(w string) bool {
	p.skipSpace()
	rest := p.s[p.pos:]
	if !strings.HasPrefix(rest, w) || (len(rest) > len(w) && identChar(rest[len(w)])) {
		return false
	}
	p.pos += len(w)
	return true
}

func identChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}
