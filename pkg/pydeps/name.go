package pydeps

import "strings"

// NormalizeName is the PEP 503 normal form of a project name, also used for extras
// (PEP 685) and dependency groups (PEP 735): lower case, with every run of "-", "_" and "."
// replaced by one "-". "Foo.Bar__baz" becomes "foo-bar-baz".
func NormalizeName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' || c == '.' {
			if !sep {
				b.WriteByte('-')
			}
			sep = true
			continue
		}
		sep = false
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// validName reports whether s is a PEP 508 name: ASCII letters and digits, with ".", "_"
// and "-" allowed inside.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || i == len(s)-1 || (c != '.' && c != '_' && c != '-')) {
			return false
		}
	}
	return true
}

// normalizeAll normalizes every name of a list.
func normalizeAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = NormalizeName(n)
	}
	return out
}
