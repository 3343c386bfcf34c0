package pydeps

import (
	"fmt"
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

// Pins walks the graph from the project through the edges whose markers hold for env,
// adding the selected extras and groups of the project, and pins every package reached
// except the project itself.
func (l *uvLock) Pins(env Env, sel Selection) ([]Pin, error) {
	r := newReader(l.doc)
	checkPython(r, l.requiresPython, "requires-python", env)
	root := l.root
	checkSelected(r, sel.Extras, sortedKeys(root.optional), root.path, "extra")
	checkSelected(r, sel.Groups, sortedKeys(root.groups), root.path, "group")
	if err := r.err(); err != nil {
		return nil, err
	}
	w := &uvWalk{l: l, r: r, ctx: l.context(env, sel), visited: map[string]bool{}, reached: map[*uvPackage]bool{}}
	w.visit(root, "")
	for _, e := range normalizeAll(sel.Extras) {
		w.visit(root, e)
	}
	for _, g := range normalizeAll(sel.Groups) {
		w.follow(root, root.groups[g])
	}
	pins := w.pins(env)
	if err := r.err(); err != nil {
		return nil, err
	}
	return pins, nil
}

// context is the marker context of a selection. Besides the extras themselves, uv's
// conflict markers name the project's extras and groups as "extra-N-PROJECT-NAME" and
// "group-N-PROJECT-NAME" (N the length of PROJECT), so those are selected too.
func (l *uvLock) context(env Env, sel Selection) *markerContext {
	extras := append([]string{}, sel.Extras...)
	prefix := strconv.Itoa(len(l.root.norm)) + "-" + l.root.norm + "-"
	for _, e := range normalizeAll(sel.Extras) {
		extras = append(extras, "extra-"+prefix+e)
	}
	for _, g := range normalizeAll(sel.Groups) {
		extras = append(extras, "group-"+prefix+g)
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

// pins turns every package reached, the project excepted, into a pin.
func (w *uvWalk) pins(env Env) []Pin {
	var pins []Pin
	seen := map[string]*uvPackage{}
	sort.SliceStable(w.order, func(i, j int) bool {
		return w.l.doc.lookup(w.order[i].path).Start.Line < w.l.doc.lookup(w.order[j].path).Start.Line
	})
	for _, p := range w.order {
		if p == w.l.root {
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
	return pins
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
		w.r.fail(src.path, "%s: a local %s source (%q) is not the project itself; only the project is built from the context (workspace members and path dependencies are not supported)", what, src.kind, src.value)
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

// Selectable are the project's groups and extras the lock records.
func (l *uvLock) Selectable() (groups, extras []string) {
	return sortedKeys(l.root.groups), sortedKeys(l.root.optional)
}
