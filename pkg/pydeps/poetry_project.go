package pydeps

import "sort"

// readPoetry reads the dependency tables of [tool.poetry].
func (p *Project) readPoetry(r *reader, poetry node) {
	if !r.isTable(poetry) {
		return
	}
	if p.Name == "" {
		p.Name = r.str(poetry.get("name"))
	}
	pp := &PoetryProject{}
	deps := poetry.get("dependencies")
	for _, name := range r.keys(deps) {
		if NormalizeName(name) == "python" {
			pp.Python = r.str(deps.get(name))
			continue
		}
		pp.Dependencies = append(pp.Dependencies, readPoetryDependency(r, name, deps.get(name))...)
	}
	pp.readGroups(r, poetry)
	extras := poetry.get("extras")
	for _, k := range r.keys(extras) {
		if pp.Extras == nil {
			pp.Extras = map[string][]string{}
		}
		pp.Extras[NormalizeName(k)] = r.strs(extras.get(k))
	}
	if deps.has() || pp.Groups != nil || pp.Extras != nil {
		p.Poetry = pp
	}
}

// readGroups reads [tool.poetry.group.NAME] and the legacy [tool.poetry.dev-dependencies].
func (pp *PoetryProject) readGroups(r *reader, poetry node) {
	add := func(group string, deps node) {
		if pp.Groups == nil {
			pp.Groups = map[string][]PoetryDependency{}
		}
		group = NormalizeName(group)
		for _, name := range r.keys(deps) {
			pp.Groups[group] = append(pp.Groups[group], readPoetryDependency(r, name, deps.get(name))...)
		}
	}
	if dev := poetry.get("dev-dependencies"); dev.has() {
		add("dev", dev)
	}
	groups := poetry.get("group")
	for _, g := range r.keys(groups) {
		add(g, groups.get(g).get("dependencies"))
		if r.boolean(groups.get(g).get("optional")) {
			pp.OptionalGroups = append(pp.OptionalGroups, NormalizeName(g))
		}
	}
	sort.Strings(pp.OptionalGroups)
}

// readPoetryDependency reads `name = "^1.0"`, `name = {version = ..., markers = ...}` or a
// list of such tables (multiple constraints).
func readPoetryDependency(r *reader, name string, n node) []PoetryDependency {
	switch v := n.v.(type) {
	case string:
		return []PoetryDependency{{Name: name, Version: constraintOrAny(v), path: n.path}}
	case map[string]any:
		return []PoetryDependency{readPoetryTable(r, name, n)}
	case []any:
		var out []PoetryDependency
		for _, e := range r.tables(n) {
			out = append(out, readPoetryTable(r, name, e))
		}
		return out
	}
	r.fail(n.path, "must be a version constraint or a table, not %s", typeName(n.v))
	return nil
}

// readPoetryTable reads one {version = ..., markers = ..., ...} constraint.
func readPoetryTable(r *reader, name string, n node) PoetryDependency {
	d := PoetryDependency{
		Name:     name,
		Version:  constraintOrAny(r.str(n.get("version"))),
		Markers:  r.str(n.get("markers")),
		Python:   r.str(n.get("python")),
		Platform: r.str(n.get("platform")),
		Extras:   r.strs(n.get("extras")),
		Optional: r.boolean(n.get("optional")),
		Source:   r.str(n.get("source")),
		path:     n.path,
	}
	for _, kind := range []string{"git", "path", "url"} {
		if n.get(kind).has() {
			d.Kind = kind
		}
	}
	if _, err := parseMarker(d.Markers); err != nil {
		r.fail(n.get("markers").path, "%v", err)
	}
	return d
}

// constraintOrAny maps Poetry's "*" (any version) to "".
func constraintOrAny(c string) string {
	if c == "*" {
		return ""
	}
	return c
}
