package pydeps

import (
	"fmt"
	"strings"
)

// Requirement is a parsed PEP 508 dependency specifier,
// `name[extra,...] (specifier | @ url) ; marker`.
type Requirement struct {
	// Name is the project name as written.
	Name string
	// Extras are the extras requested of it, as written.
	Extras []string
	// Specifier is the PEP 440 specifier set as written, without parentheses; "" for any
	// version or a URL.
	Specifier string
	// URL is the direct reference after "@", "" when none.
	URL string
	// Marker is the environment marker after ";", "" when none.
	Marker string
}

// ParseRequirement parses a PEP 508 dependency specifier such as
// `torch[cuda]>=2.3,<2.5; sys_platform == "linux"`, checking its specifier and marker.
func ParseRequirement(s string) (Requirement, error) {
	var r Requirement
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (identChar(t[i]) || t[i] == '-') {
		i++
	}
	r.Name, t = t[:i], strings.TrimSpace(t[i:])
	if !validName(r.Name) {
		return r, fmt.Errorf("requirement %q does not start with a valid project name", s)
	}
	var err error
	if r.Extras, t, err = requirementExtras(s, t); err != nil {
		return r, err
	}
	if t, err = r.versionOrURL(s, t); err != nil {
		return r, err
	}
	if t == "" {
		return r, nil
	}
	if t[0] != ';' {
		return r, fmt.Errorf("requirement %q: unexpected %q", s, t)
	}
	r.Marker = strings.TrimSpace(t[1:])
	if _, err := parseMarker(r.Marker); err != nil {
		return r, fmt.Errorf("requirement %q: %w", s, err)
	}
	return r, nil
}

// requirementExtras parses an optional "[a, b]" and returns the rest.
func requirementExtras(s, t string) ([]string, string, error) {
	if !strings.HasPrefix(t, "[") {
		return nil, t, nil
	}
	end := strings.IndexByte(t, ']')
	if end < 0 {
		return nil, t, fmt.Errorf("requirement %q: unclosed [ of extras", s)
	}
	var extras []string
	for _, e := range strings.Split(t[1:end], ",") {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		if !validName(e) {
			return nil, t, fmt.Errorf("requirement %q: %q is not a valid extra name", s, e)
		}
		extras = append(extras, e)
	}
	return extras, strings.TrimSpace(t[end+1:]), nil
}

// versionOrURL parses "@ url" or a specifier set, and returns the rest (the marker part).
func (r *Requirement) versionOrURL(s, t string) (string, error) {
	if strings.HasPrefix(t, "@") {
		t = strings.TrimSpace(t[1:])
		end := strings.IndexAny(t, " \t")
		if end < 0 {
			end = len(t)
		}
		r.URL = t[:end]
		if r.URL == "" || strings.HasPrefix(r.URL, ";") {
			return t, fmt.Errorf("requirement %q: no URL after @", s)
		}
		return strings.TrimSpace(t[end:]), nil
	}
	end := strings.IndexByte(t, ';')
	if end < 0 {
		end = len(t)
	}
	spec := strings.TrimSpace(t[:end])
	if strings.HasPrefix(spec, "(") && strings.HasSuffix(spec, ")") {
		spec = strings.TrimSpace(spec[1 : len(spec)-1])
	}
	if _, err := parseSpecifierSet(spec); err != nil {
		return t, fmt.Errorf("requirement %q: %w", s, err)
	}
	r.Specifier = spec
	return t[end:], nil
}

// String writes the requirement back in PEP 508 form.
func (r Requirement) String() string {
	var b strings.Builder
	b.WriteString(r.Name)
	if len(r.Extras) > 0 {
		b.WriteString("[" + strings.Join(r.Extras, ",") + "]")
	}
	switch {
	case r.URL != "":
		b.WriteString(" @ " + r.URL)
		if r.Marker != "" {
			b.WriteString(" ")
		}
	case r.Specifier != "":
		b.WriteString(r.Specifier)
	}
	if r.Marker != "" {
		b.WriteString("; " + r.Marker)
	}
	return b.String()
}
