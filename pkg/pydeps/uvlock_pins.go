package pydeps

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// uvWalk is one traversal of a uv.lock's graph for an environment and a selection.
type uvWalk struct {
	l       *uvLock
	r       *reader
	ctx     *markerContext
	visited map[string]bool // "index/extra"
	order   []*uvPackage    // packages reached, in the order first reached
	reached map[*uvPackage]bool
}

// Pins walks the graph from the project (and the selected workspace members) through the
// edges whose markers hold for env, adding the selected extras and groups, and pins every
// package reached except the project and the workspace members (built from the context:
// see WorkspaceMembers).
func (l *uvLock) Pins(env Env, sel Selection) ([]Pin, error) {
	pins, _, err := l.walk(env, sel)
	return pins, err
}

// Member is a workspace member a selection installs: built from the build context as the
// project is, or, for a virtual member (no [build-system]), only its dependencies.
type Member struct {
	// Name is the member's name as the lock writes it.
	Name string
	// Dir is its directory, relative to the lock's.
	Dir string
	// Build: it has a build system (uv locks it editable) and is built as a wheel.
	Build bool
	// Source is "file:line" of its lock entry.
	Source string
}

// WorkspaceMembers are the workspace members a uv.lock installs for env and sel: those
// sel.Members names and those they (or the project) depend on, in the lock's order. None for
// other locks, which have no workspaces.
func WorkspaceMembers(lock Lock, env Env, sel Selection) ([]Member, error) {
	l, ok := lock.(*uvLock)
	if !ok {
		return nil, nil
	}
	_, members, err := l.walk(env, sel)
	return members, err
}

// walk is Pins and WorkspaceMembers.
func (l *uvLock) walk(env Env, sel Selection) ([]Pin, []Member, error) {
	r := newReader(l.doc)
	checkPython(r, l.requiresPython, "requires-python", env)
	roots := l.roots(r, sel)
	w := &uvWalk{l: l, r: r, ctx: l.context(env, sel, roots), visited: map[string]bool{}, reached: map[*uvPackage]bool{}}
	// An extra or group is installed from each root that has it; one none has is an error.
	pick := func(names []string, table func(*uvPackage) map[string][]uvDep, what string) map[*uvPackage][]string {
		out := map[*uvPackage][]string{}
		for _, n := range normalizeAll(names) {
			found := false
			var known []string
			for _, root := range roots {
				if _, ok := table(root)[n]; ok {
					out[root], found = append(out[root], n), true
				}
				known = append(known, sortedKeys(table(root))...)
			}
			if !found && len(roots) > 0 {
				slices.Sort(known)
				checkSelected(r, []string{n}, slices.Compact(known), roots[0].path, what)
			}
		}
		return out
	}
	extras := pick(sel.Extras, func(p *uvPackage) map[string][]uvDep { return p.optional }, "extra")
	groups := pick(sel.Groups, func(p *uvPackage) map[string][]uvDep { return p.groups }, "group")
	if err := r.err(); err != nil {
		return nil, nil, err
	}
	for _, root := range roots {
		w.visit(root, "")
		for _, e := range extras[root] {
			w.visit(root, e)
		}
		for _, g := range groups[root] {
			w.follow(root, root.groups[g])
		}
	}
	pins, members := w.pins(env)
	if err := r.err(); err != nil {
		return nil, nil, err
	}
	return pins, members, nil
}

// roots are where a walk starts: the project, when the workspace root has one, and the
// members sel names. A virtual workspace with no member named is an error.
func (l *uvLock) roots(r *reader, sel Selection) []*uvPackage {
	var roots []*uvPackage
	if l.root != nil {
		roots = append(roots, l.root)
	}
	for _, m := range sel.Members {
		p := l.member(NormalizeName(m))
		if p == nil {
			where := "manifest.members"
			if len(l.members) == 0 {
				where = "package"
			}
			r.fail(where, "%q is not a member of the workspace (its members: %s)%s", m, known(l.members), suggestName(NormalizeName(m), l.members))
			continue
		}
		if !slices.Contains(roots, p) {
			roots = append(roots, p)
		}
	}
	if len(roots) == 0 && len(sel.Members) == 0 {
		r.fail("manifest.members", "uv.lock is a virtual workspace (its root pyproject.toml has no [project]): name the members to install in dependencies.members (it has %s)", known(l.members))
	}
	return roots
}

// context is the marker context of a selection. Besides the extras themselves, uv's
// conflict markers name a package's extras and groups as "extra-N-PACKAGE-NAME" and
// "group-N-PACKAGE-NAME" (N the length of PACKAGE), so those of every root are selected too.
func (l *uvLock) context(env Env, sel Selection, roots []*uvPackage) *markerContext {
	extras := append([]string{}, sel.Extras...)
	for _, root := range roots {
		prefix := strconv.Itoa(len(root.norm)) + "-" + root.norm + "-"
		for _, e := range normalizeAll(sel.Extras) {
			extras = append(extras, "extra-"+prefix+e)
		}
		for _, g := range normalizeAll(sel.Groups) {
			extras = append(extras, "group-"+prefix+g)
		}
	}
	return newMarkerContext(env, extras, sel.Groups)
}

// visit reaches a package, or one of its extras (extra != ""), and follows its edges.
func (w *uvWalk) visit(p *uvPackage, extra string) {
	key := p.path + "/" + extra
	if w.visited[key] {
		return
	}
	w.visited[key] = true
	if extra != "" {
		w.visit(p, "")
		w.follow(p, p.optional[extra])
		return
	}
	if !w.reached[p] {
		w.reached[p] = true
		w.order = append(w.order, p)
	}
	w.follow(p, p.deps)
}

// follow takes the edges whose markers hold.
func (w *uvWalk) follow(from *uvPackage, deps []uvDep) {
	for _, d := range deps {
		ok, err := evalMarker(d.marker, w.ctx)
		if err != nil {
			w.r.fail(d.path, "%s: %v", from.name, err)
			continue
		}
		if !ok {
			continue
		}
		to := w.target(from, d)
		if to == nil {
			continue
		}
		w.visit(to, "")
		for _, e := range d.extras {
			w.visit(to, NormalizeName(e))
		}
	}
}

// target is the package an edge names: the one version of that name, or the one the edge's
// version and source pick, or the one whose resolution-markers hold for the environment.
func (w *uvWalk) target(from *uvPackage, d uvDep) *uvPackage {
	var cands []*uvPackage
	for _, p := range w.l.byName[d.norm] {
		if (d.version == "" || p.version == d.version) && (d.source.kind == "" || (p.source.kind == d.source.kind && p.source.value == d.source.value)) {
			cands = append(cands, p)
		}
	}
	if len(cands) > 1 {
		cands = w.byResolutionMarkers(cands)
	}
	switch len(cands) {
	case 0:
		w.r.fail(d.path, "%s depends on %s%s, which uv.lock does not lock; run `uv lock`", from.name, d.norm, versionSuffix(d.version))
		return nil
	case 1:
		return cands[0]
	}
	w.r.fail(d.path, "%s depends on %s, and %s lock versions of it that all apply to %s", from.name, d.norm, describePackages(cands), envTag(w.ctx.env))
	return nil
}

// byResolutionMarkers keeps the candidates one of whose resolution-markers holds.
func (w *uvWalk) byResolutionMarkers(cands []*uvPackage) []*uvPackage {
	var out []*uvPackage
	for _, p := range cands {
		if len(p.resolutionMarkers) == 0 {
			out = append(out, p)
			continue
		}
		for _, m := range p.resolutionMarkers {
			if ok, err := evalMarker(m, w.ctx); err == nil && ok {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// pins turns every package reached, the project and the workspace members excepted, into a
// pin; the members reached are returned apart.
func (w *uvWalk) pins(env Env) ([]Pin, []Member) {
	var pins []Pin
	var members []Member
	seen := map[string]*uvPackage{}
	sort.SliceStable(w.order, func(i, j int) bool {
		return w.l.doc.lookup(w.order[i].path).Start.Line < w.l.doc.lookup(w.order[j].path).Start.Line
	})
	for _, p := range w.order {
		if p == w.l.root {
			continue
		}
		if w.l.member(p.norm) == p {
			members = append(members, Member{Name: p.name, Dir: path.Clean(p.source.value), Build: p.source.kind != "virtual", Source: w.l.doc.line(p.path)})
			continue
		}
		if other, dup := seen[p.norm]; dup {
			w.r.fail(p.path, "%s %s and %s %s are both needed for %s; pip can install one", p.name, p.version, other.name, other.version, envTag(env))
			continue
		}
		seen[p.norm] = p
		if pin, ok := w.pin(p, env); ok {
			pins = append(pins, pin)
		}
	}
	sortPins(pins)
	return pins, members
}

// pin checks a package's source and artifacts.
func (w *uvWalk) pin(p *uvPackage, env Env) (Pin, bool) {
	what := p.name + " " + p.version
	pin := Pin{Name: p.name, Version: p.version, Source: w.l.doc.line(p.path)}
	src := p.source
	switch src.kind {
	case "registry":
		if !strings.HasPrefix(src.value, "http://") && !strings.HasPrefix(src.value, "https://") {
			w.r.fail(src.path, "%s: comes from the local index %q, which pip cannot reach in the build; publish it to an index", what, src.value)
			return pin, false
		}
		pin.Index = indexOf(src.value)
	case "url":
		pin.URL = src.value
	case "git":
		w.r.fail(src.path, "%s: a git source has no hash, so pip --require-hashes cannot install it; publish it to an index or depend on an archive URL", what)
		return pin, false
	case "":
		w.r.fail(p.path, "%s: has no source", what)
		return pin, false
	default:
		w.r.fail(src.path, "%s: a local %s source (%q) is neither the project itself nor a member of its workspace; only those are built from the context (a path dependency outside the workspace is not supported)", what, src.kind, src.value)
		return pin, false
	}
	n := len(w.r.errs)
	pinArtifacts(w.r, &pin, p.artifacts, env, p.path, what)
	return pin, len(w.r.errs) == n
}

func versionSuffix(v string) string {
	if v == "" {
		return ""
	}
	return " " + v
}

func describePackages(ps []*uvPackage) string {
	var vs []string
	for _, p := range ps {
		vs = append(vs, p.version)
	}
	return fmt.Sprintf("%d (%s)", len(ps), strings.Join(vs, ", "))
}

// sortedKeys is the sorted keys of a map.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Selectable are the groups and extras the lock records for the project and, in a
// workspace, for its members (a selection installs those of the roots that have them).
func (l *uvLock) Selectable() (groups, extras []string) {
	g, e := map[string]bool{}, map[string]bool{}
	add := func(p *uvPackage) {
		for k := range p.groups {
			g[k] = true
		}
		for k := range p.optional {
			e[k] = true
		}
	}
	if l.root != nil {
		add(l.root)
	}
	for _, m := range l.members {
		if p := l.member(m); p != nil {
			add(p)
		}
	}
	return sortedKeys(g), sortedKeys(e)
}

// Workspace are a uv.lock's workspace members ([manifest] members, normalized) and whether
// its root is virtual (a pyproject.toml without [project]: only members can be installed).
// None and false for a lone project's lock and for other locks.
func Workspace(lock Lock) (members []string, virtual bool) {
	l, ok := lock.(*uvLock)
	if !ok {
		return nil, false
	}
	return l.members, l.root == nil
}
