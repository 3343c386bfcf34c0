package pydeps

import (
	"sort"
	"strings"
)

// Pins selects the packages to install. From a 2.1 lock, a package is installed when one
// of its groups is selected ("main" always is) and that group's marker holds; an optional
// package only when a selected extra of the project needs it. A 2.0 lock is walked from the
// project's dependencies through the edges whose markers hold.
func (l *poetryLock) Pins(env Env, sel Selection) ([]Pin, error) {
	r := newReader(l.doc)
	if l.pythonVersions != "" {
		if ok, err := matchPoetry(l.pythonVersions, env.PythonFullVersion); err == nil && !ok {
			r.fail("metadata.python-versions", "the lock is for Python %s; the target's Python is %s", l.pythonVersions, env.PythonFullVersion)
		}
	}
	checkSelected(r, sel.Extras, l.extraNames(), "extras", "extra")
	checkSelected(r, sel.Groups, l.groupNames(), "metadata", "group")
	if err := r.err(); err != nil {
		return nil, err
	}
	ctx := newMarkerContext(env, sel.Extras, sel.Groups)
	var selected []*poetryPackage
	if l.lockVersion == "2.1" {
		selected = l.select21(r, ctx, sel)
	} else {
		selected = l.walk20(r, ctx, sel)
	}
	pins := l.pins(r, selected, env)
	if err := r.err(); err != nil {
		return nil, err
	}
	return pins, nil
}

// extraNames are the project's extras: the lock's [extras] and those the project declares.
func (l *poetryLock) extraNames() []string {
	names := map[string]bool{}
	for e := range l.extras {
		names[e] = true
	}
	if p := l.project; p != nil {
		for e := range p.OptionalDependencies {
			names[e] = true
		}
		if p.Poetry != nil {
			for e := range p.Poetry.Extras {
				names[e] = true
			}
		}
	}
	return sortedKeys(names)
}

// groupNames are the groups the lock's packages name and those the project declares.
func (l *poetryLock) groupNames() []string {
	names := map[string]bool{}
	for _, p := range l.packages {
		for _, g := range p.groups {
			names[g] = true
		}
	}
	if p := l.project; p != nil {
		for g := range p.DependencyGroups {
			names[g] = true
		}
		if p.Poetry != nil {
			for g := range p.Poetry.Groups {
				names[g] = true
			}
		}
	}
	delete(names, "main")
	return sortedKeys(names)
}

// select21 applies a 2.1 lock's groups and markers.
func (l *poetryLock) select21(r *reader, ctx *markerContext, sel Selection) []*poetryPackage {
	groups := map[string]bool{"main": true}
	for _, g := range normalizeAll(sel.Groups) {
		groups[g] = true
	}
	extra := l.extraPackages(sel.Extras)
	var out []*poetryPackage
	for _, p := range l.packages {
		if p.optional && !extra[p.norm] {
			continue
		}
		if l.inGroups(r, p, groups, ctx) {
			out = append(out, p)
		}
	}
	return out
}

// inGroups reports whether one of p's selected groups needs it under its marker.
func (l *poetryLock) inGroups(r *reader, p *poetryPackage, groups map[string]bool, ctx *markerContext) bool {
	for _, g := range p.groups {
		if !groups[g] {
			continue
		}
		m, ok := p.markers[g]
		if !ok {
			m = p.markers["*"]
		}
		holds, err := evalMarker(m, ctx)
		if err != nil {
			r.fail(p.path+".markers", "%s %s: %v", p.name, p.version, err)
			return false
		}
		if holds {
			return true
		}
	}
	return false
}

// extraPackages is what Poetry installs for the selected extras: the packages [extras]
// names and, transitively, everything they depend on, whatever the markers.
func (l *poetryLock) extraPackages(extras []string) map[string]bool {
	seen := map[string]bool{}
	var stack []string
	for _, e := range normalizeAll(extras) {
		stack = append(stack, l.extras[e]...)
		if p := l.project; p != nil && p.Poetry != nil {
			stack = append(stack, normalizeAll(p.Poetry.Extras[e])...)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		for _, p := range l.byName[n] {
			for _, d := range p.deps {
				stack = append(stack, d.norm)
			}
		}
	}
	return seen
}

// pins turns the selected packages into pins, checking sources and artifacts.
func (l *poetryLock) pins(r *reader, selected []*poetryPackage, env Env) []Pin {
	var pins []Pin
	seen := map[string]*poetryPackage{}
	for _, p := range selected {
		if other, dup := seen[p.norm]; dup {
			r.fail(p.path, "%s %s and %s %s are both needed for %s; pip can install one", p.name, p.version, other.name, other.version, envTag(env))
			continue
		}
		seen[p.norm] = p
		if pin, ok := l.pin(r, p, env); ok {
			pins = append(pins, pin)
		}
	}
	sortPins(pins)
	return pins
}

// pin checks one package's source and artifacts.
func (l *poetryLock) pin(r *reader, p *poetryPackage, env Env) (Pin, bool) {
	what := p.name + " " + p.version
	pin := Pin{Name: p.name, Version: p.version, Source: l.doc.line(p.path)}
	switch src := p.source; src.kind {
	case "", "pypi":
	case "legacy":
		pin.Index = indexOf(src.url)
	case "url":
		pin.URL = src.url
	case "git":
		r.fail(src.path, "%s: a git source has no hash, so pip --require-hashes cannot install it; publish it to an index or depend on an archive URL", what)
		return pin, false
	default:
		r.fail(src.path, "%s: a local %s source (%q) cannot be installed from the lock; publish it to an index", what, src.kind, src.url)
		return pin, false
	}
	n := len(r.errs)
	pinArtifacts(r, &pin, p.artifacts, env, p.path, what)
	return pin, len(r.errs) == n
}

// rootDep is a dependency the project declares, as an edge of a 2.0 walk.
type rootDep struct {
	poetryDep
	pep440 bool // the constraint is a PEP 440 specifier set, not Poetry's syntax
}

// walk20 walks a 2.0 lock from the project's dependencies.
func (l *poetryLock) walk20(r *reader, ctx *markerContext, sel Selection) []*poetryPackage {
	w := &poetryWalk{l: l, r: r, ctx: ctx, visited: map[string]bool{}, reached: map[*poetryPackage]bool{}}
	for _, d := range l.roots(sel) {
		w.edge(nil, d.poetryDep, d.pep440)
	}
	sort.SliceStable(w.order, func(i, j int) bool {
		return l.doc.lookup(w.order[i].path).Start.Line < l.doc.lookup(w.order[j].path).Start.Line
	})
	return w.order
}

// roots are the project's dependencies for a selection: [project] (or, without it,
// [tool.poetry.dependencies]), the selected extras' and the selected groups'.
func (l *poetryLock) roots(sel Selection) []rootDep {
	p := l.project
	var out []rootDep
	extras := map[string]bool{}
	for _, e := range normalizeAll(sel.Extras) {
		extras[e] = true
	}
	pep621 := p.Dependencies != nil || p.OptionalDependencies != nil
	for _, d := range p.reqs {
		if d.scope == "" || (strings.HasPrefix(d.scope, "extra:") && extras[strings.TrimPrefix(d.scope, "extra:")]) {
			if pep621 {
				out = append(out, pep508Root(d))
			}
		}
	}
	if pp := p.Poetry; pp != nil && !pep621 {
		out = append(out, poetryRoots(pp.Dependencies, pp, extras)...)
	}
	for _, g := range normalizeAll(sel.Groups) {
		for _, d := range p.reqs {
			if d.scope == "group:"+g {
				out = append(out, pep508Root(d))
			}
		}
		if pp := p.Poetry; pp != nil {
			out = append(out, poetryRoots(pp.Groups[g], pp, extras)...)
		}
	}
	return out
}

// pep508Root is the edge for a PEP 508 requirement of pyproject.toml.
func pep508Root(d declared) rootDep {
	m, _ := parseMarker(d.req.Marker)
	return rootDep{poetryDep: poetryDep{norm: NormalizeName(d.req.Name), constraint: d.req.Specifier, marker: m, extras: d.req.Extras, path: d.path}, pep440: true}
}

// poetryRoots are the edges for [tool.poetry] dependencies; an optional one only when a
// selected extra names it.
func poetryRoots(deps []PoetryDependency, pp *PoetryProject, extras map[string]bool) []rootDep {
	var out []rootDep
	for _, d := range deps {
		norm := NormalizeName(d.Name)
		if d.Optional && !extraNames(pp, extras)[norm] {
			continue
		}
		m, _ := parseMarker(joinMarkers(d.Markers, platformMarker(d.Platform)))
		out = append(out, rootDep{poetryDep: poetryDep{norm: norm, constraint: d.Version, marker: m, python: d.Python, extras: d.Extras, path: d.path}})
	}
	return out
}

// extraNames are the packages the selected extras of [tool.poetry.extras] name.
func extraNames(pp *PoetryProject, extras map[string]bool) map[string]bool {
	out := map[string]bool{}
	for e := range extras {
		for _, n := range pp.Extras[e] {
			out[NormalizeName(requirementName(n))] = true
		}
	}
	return out
}

// platformMarker is Poetry's `platform = "linux"` as a marker.
func platformMarker(platform string) string {
	if platform == "" {
		return ""
	}
	return `sys_platform == "` + strings.ReplaceAll(platform, `"`, "") + `"`
}

// joinMarkers is "(a) and (b)", or whichever is set.
func joinMarkers(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return "(" + a + ") and (" + b + ")"
}

// Selectable are the groups and extras the lock and its project declare.
func (l *poetryLock) Selectable() (groups, extras []string) {
	return l.groupNames(), l.extraNames()
}
