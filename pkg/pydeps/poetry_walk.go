package pydeps

// poetryWalk is one traversal of a 2.0 poetry.lock from the project's dependencies.
type poetryWalk struct {
	l       *poetryLock
	r       *reader
	ctx     *markerContext
	visited map[string]bool // "path/extra"
	order   []*poetryPackage
	reached map[*poetryPackage]bool
}

// edge follows one dependency when its marker and python constraint hold; from is nil for
// the project's own dependencies.
func (w *poetryWalk) edge(from *poetryPackage, d poetryDep, pep440 bool) {
	if !w.holds(from, d) {
		return
	}
	to := w.target(from, d, pep440)
	if to == nil {
		return
	}
	w.visit(to, "")
	for _, e := range d.extras {
		w.visit(to, NormalizeName(e))
	}
}

// holds evaluates an edge's marker (its extras are those of the package it leaves) and
// python constraint.
func (w *poetryWalk) holds(from *poetryPackage, d poetryDep) bool {
	ctx := w.ctx
	if from != nil {
		ctx = &markerContext{env: w.ctx.env, extras: w.extrasOf(from), groups: w.ctx.groups}
	}
	ok, err := evalMarker(d.marker, ctx)
	if err != nil {
		w.r.fail(d.path, "%v", err)
		return false
	}
	if ok && d.python != "" {
		ok, err = matchPoetry(d.python, ctx.env.PythonFullVersion)
		ok = ok || err != nil
	}
	return ok
}

// extrasOf is the set of extras of p reached so far.
func (w *poetryWalk) extrasOf(p *poetryPackage) map[string]bool {
	out := map[string]bool{}
	for e := range p.extras {
		if w.visited[p.path+"/"+e] {
			out[e] = true
		}
	}
	return out
}

// visit reaches a package or one of its extras and follows its dependencies: an optional
// one only when a reached extra of the package names it.
func (w *poetryWalk) visit(p *poetryPackage, extra string) {
	key := p.path + "/" + extra
	if w.visited[key] {
		return
	}
	w.visited[key] = true
	if !w.reached[p] {
		w.reached[p] = true
		w.order = append(w.order, p)
	}
	for _, d := range p.deps {
		if d.optional != (extra != "") || (extra != "" && !contains(p.extras[extra], d.norm)) {
			continue
		}
		w.edge(p, d, false)
	}
	if extra != "" {
		w.visit(p, "")
	}
}

// target picks the locked package an edge names: one reached already if it satisfies the
// constraint, else the highest version that does.
func (w *poetryWalk) target(from *poetryPackage, d poetryDep, pep440 bool) *poetryPackage {
	cands := w.l.byName[d.norm]
	if len(cands) == 0 {
		owner := "the project"
		if from != nil {
			owner = from.name
		}
		w.r.fail(d.path, "%s depends on %s, which poetry.lock does not lock; run `poetry lock`", owner, d.norm)
		return nil
	}
	var best *poetryPackage
	for _, c := range cands {
		if !satisfies(c.version, d.constraint, pep440) {
			continue
		}
		if w.reached[c] {
			return c
		}
		if best == nil || newer(c.version, best.version) {
			best = c
		}
	}
	if best == nil {
		best = cands[0] // a constraint this package cannot read: trust the lock
	}
	return best
}

// satisfies reports whether a locked version meets a constraint; an unreadable constraint
// or version counts as met.
func satisfies(version, constraint string, pep440 bool) bool {
	if constraint == "" {
		return true
	}
	var ok bool
	var err error
	if pep440 {
		ok, err = MatchSpecifier(constraint, version)
	} else {
		ok, err = matchPoetry(constraint, version)
	}
	return ok || err != nil
}

// newer reports whether version a is above b; unparsable versions compare as strings.
func newer(a, b string) bool {
	va, errA := parseVersion(a)
	vb, errB := parseVersion(b)
	if errA != nil || errB != nil {
		return a > b
	}
	return compareVersions(va, vb) > 0
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
