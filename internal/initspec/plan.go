package initspec

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/pydeps"
	"github.com/mlbuild/mlbuild/pkg/spec"
)

// plan is the spec init proposes, as the values that differ from the defaults.
type plan struct {
	base, baseWhy string

	requirements []string // nil: the default
	reqWhy       string

	// depsWhy comments on a lock or pyproject.toml the frontend finds by itself, depsHint
	// is YAML written commented out after it; depFiles are the files the frontend reads.
	depsWhy  string
	depsHint []string
	depFiles []string

	training, inference targetPlan
}

type targetPlan struct {
	copy    []string // nil: the default
	copyWhy string

	description string
	command     []string // nil: the default
	commandWhy  string

	pythonpath    []string // nil: the default
	pythonpathWhy string

	healthPath, healthWhy string // inference only

	groups    []string // dependency groups of this target only
	groupsWhy string
}

func (p *plan) isDefault() bool {
	return p.base == "" && p.requirements == nil && p.training.isDefault() && p.inference.isDefault()
}

func (t *targetPlan) isDefault() bool {
	return t.copy == nil && t.command == nil && t.pythonpath == nil && t.healthPath == "" && t.groups == nil
}

var (
	defaultTrainingCopy  = []string{"src", "configs"}
	defaultInferenceCopy = []string{"src", "configs", "models"}
)

// layout is where the code is.
type layout struct {
	kind string   // "src", "packages", "modules" or "none"
	code []string // the copy sources holding the code
	desc string   // for comments and notes
}

// entry is a training entry point or a served app.
type entry struct {
	file    string   // the file it is in
	command []string // what runs it
	copy    string   // a copy source it needs beyond the code, or ""
	root    string   // "src" when /app/src must be on PYTHONPATH
	desc    string
}

func (r *repo) plan() *plan {
	p := &plan{}
	deps := r.detectDeps()
	var python string
	p.base, p.baseWhy, python = r.pythonBase(deps)
	if deps != nil {
		deps.plan(r, p)
		deps.packages(r, python, p.inference.groups)
		p.depFiles = []string{deps.file, "pyproject.toml", ".python-version"}
	} else {
		p.requirements, p.reqWhy = r.requirements()
		if slices.Equal(p.requirements, []string{spec.DefaultRequirements}) {
			p.requirements = nil
		}
	}

	lay := r.layout()
	r.note("code: %s", lay.desc)
	for _, c := range lay.code {
		if r.isDir(c) {
			r.walkPy(c)
		}
	}
	for _, e := range r.topEntries() {
		if !e.IsDir() && isPyModule(e.Name()) && e.Type().IsRegular() && !slices.Contains(r.scanned, e.Name()) && !r.excluded(e.Name()) {
			r.scanned = append(r.scanned, e.Name())
		}
	}
	if r.truncated {
		r.note("stopped scanning after %d Python files: the app or routes may have been missed", maxPyFiles)
	}

	cfg := ""
	for _, c := range []string{"configs", "config"} {
		if r.inContext(c, true) {
			cfg = c
			break
		}
	}
	models := r.inContext("models", true)

	// Training.
	train := r.trainEntry(lay)
	tcopy := slices.Clone(lay.code)
	if cfg != "" && !covered(tcopy, cfg) {
		tcopy = append(tcopy, cfg)
	}
	if train != nil && train.copy != "" && !covered(tcopy, train.copy) {
		tcopy = append(tcopy, train.copy)
	}
	if train == nil {
		r.note("training: no entry point found (src/train.py, <package>/train.py, train.py, scripts/train.py): " +
			"the training image runs python -m src.train; set targets.training.command")
	} else if train.command == nil {
		r.note("training: %s runs as python -m src.train (the default)", train.file)
	} else {
		r.note("training: %s runs as %s", train.file, strings.Join(train.command, " "))
		p.training.command = train.command
		p.training.commandWhy = train.desc
		p.training.description = "Training image: runs " + strings.Join(train.command, " ")
	}
	if train != nil && train.root == "src" {
		p.training.pythonpath = []string{spec.DefaultWorkdir + "/src"}
		p.training.pythonpathWhy = fmt.Sprintf("src/ is the import root: %s imports the modules under src/ by their own names.", train.file)
	}
	if !slices.Equal(tcopy, defaultTrainingCopy) {
		p.training.copy = tcopy
		p.training.copyWhy = copyWhy(lay, cfg, true, false, train)
	}

	// Inference.
	app := r.appEntry()
	icopy := slices.Clone(lay.code)
	if cfg != "" && !covered(icopy, cfg) {
		icopy = append(icopy, cfg)
	}
	if models {
		if !covered(icopy, "models") {
			icopy = append(icopy, "models")
		}
	} else {
		r.note("inference: no models/ directory, so the image gets no model files; add models/, or copy them from " +
			"a named context: {from: ., to: models, context: trained} with --build-context trained=DIR")
	}
	if app != nil && app.copy != "" && !covered(icopy, app.copy) {
		icopy = append(icopy, app.copy)
	}
	if app != nil {
		if app.command != nil {
			p.inference.command = app.command
			p.inference.commandWhy = app.desc
			p.inference.description = "Inference image: serves " + app.command[1] + " with uvicorn"
		}
		if app.root == "src" {
			p.inference.pythonpath = []string{spec.DefaultWorkdir + "/src"}
			p.inference.pythonpathWhy = fmt.Sprintf("src/ is the import root: %s imports the modules under src/ by their own names.", app.file)
		}
		p.inference.healthPath, p.inference.healthWhy = r.health(app)
		switch {
		case p.requirements != nil && len(p.requirements) == 0:
			r.note("inference: with no requirements installed, uvicorn (which serves the app) must come with the base image")
		case r.reqKnown && !r.reqPkgs["uvicorn"] && deps != nil:
			r.note("inference: %s does not install uvicorn, which serves the app: add uvicorn to the dependencies", deps.file)
		case r.reqKnown && !r.reqPkgs["uvicorn"]:
			r.note("inference: no requirements file names uvicorn, which serves the app: add uvicorn to the requirements")
		}
	}
	if !slices.Equal(icopy, defaultInferenceCopy) {
		p.inference.copy = icopy
		p.inference.copyWhy = copyWhy(lay, cfg, false, models, app)
	}
	return p
}

// copyWhy explains a copy list that differs from the default.
func copyWhy(lay layout, cfg string, training, models bool, e *entry) string {
	var why []string
	switch lay.kind {
	case "src":
	case "none":
		why = append(why, lay.desc)
	default:
		why = append(why, "the code is "+lay.desc)
	}
	switch cfg {
	case "":
		why = append(why, "there is no configs/")
	case "config":
		why = append(why, "config/ instead of configs/")
	}
	if !training && !models {
		why = append(why, "there is no models/")
	}
	if e != nil && e.copy != "" && !covered(lay.code, e.copy) {
		what := e.copy
		if !strings.HasSuffix(what, ".py") {
			what += "/"
		}
		why = append(why, what+" holds "+map[bool]string{true: "the training entry", false: "the app"}[training])
	}
	if len(why) == 0 {
		return ""
	}
	return "Not the default list: " + strings.Join(why, "; ") + "."
}

// layout finds the code: src/, else the top-level packages, else the top-level modules.
func (r *repo) layout() layout {
	if r.inContext("src", true) {
		return layout{kind: "src", code: []string{"src"}, desc: "src/"}
	}
	var pkgs, mods []string
	for _, e := range r.topEntries() {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, "."):
		case e.IsDir() && identRe.MatchString(n) && !notCodeDirs[n] && r.isFile(n+"/__init__.py") && r.inContext(n, true):
			pkgs = append(pkgs, n)
		case !e.IsDir() && isPyModule(n) && identRe.MatchString(strings.TrimSuffix(n, ".py")) && !notCodeModules[n] && r.inContext(n, false):
			mods = append(mods, n)
		}
	}
	switch {
	case len(pkgs) > 0:
		names := make([]string, len(pkgs))
		for i, p := range pkgs {
			names[i] = p + "/"
		}
		return layout{kind: "packages", code: pkgs,
			desc: fmt.Sprintf("the %s %s (no src/)", list(names), plural(len(pkgs), "package", "packages"))}
	case len(mods) > 0:
		if len(mods) > maxTopModule {
			return layout{kind: "modules", code: []string{"."},
				desc: fmt.Sprintf("%d top-level modules (no src/ or package): the whole build context is copied", len(mods))}
		}
		return layout{kind: "modules", code: mods, desc: fmt.Sprintf("the top-level %s %s (no src/ or package)",
			plural(len(mods), "module", "modules"), list(mods))}
	}
	return layout{kind: "none", code: []string{}, desc: "no code found (no src/, package or top-level module)"}
}

// trainEntry finds the training entry point.
func (r *repo) trainEntry(lay layout) *entry {
	var cands []string
	for _, c := range lay.code {
		if r.isDir(c) {
			cands = append(cands, c+"/train.py", c+"/train/__main__.py")
		}
	}
	if lay.kind == "src" {
		ents, _ := fs.ReadDir(r.fsys, "src")
		for _, e := range ents {
			if e.IsDir() && identRe.MatchString(e.Name()) {
				cands = append(cands, "src/"+e.Name()+"/train.py")
			}
		}
	}
	for _, f := range cands {
		if !r.inContext(f, false) {
			continue
		}
		mod, root, ok := r.module(f)
		if !ok {
			r.note("training: %s is not importable as a module (a directory name is not a Python identifier)", f)
			continue
		}
		e := &entry{file: f, root: root, desc: "Runs " + f + "."}
		if mod != "src.train" || root != "" {
			e.command = []string{"python", "-m", mod}
		}
		return e
	}
	for _, f := range []string{"train.py", "scripts/train.py"} {
		if r.inContext(f, false) {
			e := &entry{file: f, command: []string{"python", f}, copy: f, desc: "Runs " + f + "."}
			if dir := path.Dir(f); dir != "." {
				e.copy = dir // with its helpers, which the script imports from its directory
			}
			return e
		}
	}
	return nil
}

// appEntry finds the ASGI app the inference image serves.
func (r *repo) appEntry() *entry {
	type cand struct {
		file string
		app  pyApp
		mod  string
		root string
	}
	var cands []cand
	var factories, wsgi []string
	for _, f := range r.scanned {
		pf := r.file(f)
		if pf == nil {
			continue
		}
		for _, w := range pf.wsgi {
			wsgi = append(wsgi, fmt.Sprintf("%s:%d (%s)", f, w.line, w.obj))
		}
		if len(pf.apps) == 0 {
			if pf.constructs != "" {
				factories = append(factories, f)
			}
			continue
		}
		mod, root, ok := r.module(f)
		if !ok {
			r.note("inference: the %s app in %s is not importable as a module (a file or directory name is not a Python identifier)", pf.apps[0].framework, f)
			continue
		}
		cands = append(cands, cand{f, pf.apps[0], mod, root})
	}
	if len(cands) == 0 {
		msg := "inference: no ASGI app found (a module-level app = FastAPI(...), Starlette, Litestar or Quart): " +
			"the inference image serves src.api:app (src/api.py); set targets.inference.command to serve yours"
		if len(factories) > 0 {
			msg += fmt.Sprintf("; %s creates one inside a function: for a factory, use uvicorn --factory module:function", list(factories))
		}
		if len(wsgi) > 0 {
			msg += fmt.Sprintf("; found a Flask (WSGI) app at %s, which uvicorn cannot serve: use e.g. [gunicorn, --bind, 0.0.0.0:8000, module:app]", list(wsgi))
		}
		r.note("%s", msg)
		return nil
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		return cmpKeys(appRank(a.file, a.app.obj, a.root), appRank(b.file, b.app.obj, b.root))
	})
	c := cands[0]
	target := c.mod + ":" + c.app.obj
	e := &entry{file: c.file, root: c.root, desc: fmt.Sprintf("The %s app %q in %s.", c.app.framework, c.app.obj, c.file)}
	if !strings.Contains(c.file, "/") {
		e.copy = c.file
	}
	if target == "src.api:app" && c.root == "" {
		r.note("inference: %s app %s in %s (the default)", c.app.framework, target, c.file)
	} else {
		r.note("inference: %s app %s in %s", c.app.framework, target, c.file)
		e.command = []string{"uvicorn", target, "--host", "0.0.0.0", "--port", fmt.Sprint(spec.DefaultInferencePort)}
	}
	if len(cands) > 1 {
		var others []string
		for _, o := range cands[1:] {
			others = append(others, o.mod+":"+o.app.obj)
		}
		r.note("inference: also found the %s %s; serving %s", plural(len(others), "app", "apps"), list(others), target)
	}
	return e
}

// appRank orders app candidates: the default src/api.py:app first, then the shallowest
// file, then the usual names.
func appRank(file, obj, root string) []int {
	def := 1
	if file == "src/api.py" && obj == "app" && root == "" {
		def = 0
	}
	names := []string{"api", "main", "app", "server", "serve", "service", "asgi", "__init__"}
	n := slices.Index(names, strings.TrimSuffix(path.Base(file), ".py"))
	if n < 0 {
		n = len(names)
	}
	return []int{def, strings.Count(file, "/"), n}
}

func cmpKeys(a, b []int) int {
	for i := range a {
		if a[i] != b[i] {
			return a[i] - b[i]
		}
	}
	return 0
}

// Last path segments of health routes, best first.
var healthNames = [][]string{
	{"health"}, {"healthz"}, {"healthcheck", "health-check", "health_check"},
	{"ready", "readyz", "readiness"}, {"live", "livez", "liveness", "alive"}, {"ping"}, {"status"},
}

// health finds the route the healthcheck should probe. It returns "" when /health is fine
// (or nothing better was found; that is noted).
func (r *repo) health(app *entry) (p, why string) {
	type cand struct {
		path, file string
		line       int
		rank       []int
	}
	var cands []cand
	appDir := path.Dir(app.file)
	for _, f := range r.scanned {
		inApp := f == app.file
		if !inApp && (appDir == "." || !strings.HasPrefix(f, topDir(app.file)+"/")) {
			continue // only the app's own package can declare its routes
		}
		pf := r.file(f)
		if pf == nil {
			continue
		}
		for _, rt := range pf.routes {
			full := rt.path
			if pf.prefix != "" {
				full = pf.prefix + rt.path
			}
			full = strings.TrimSuffix(full, "/")
			if full == "" {
				continue
			}
			seg := strings.ToLower(path.Base(full))
			for i, names := range healthNames {
				if slices.Contains(names, seg) {
					exact := 1
					if full == spec.DefaultHealthPath {
						exact = 0
					}
					other := 1
					if inApp {
						other = 0
					}
					cands = append(cands, cand{full, f, rt.line, []int{exact, i, other}})
				}
			}
		}
	}
	if len(cands) == 0 {
		r.note("healthcheck: no health route found in %s: the inference healthcheck probes GET %s on port %d; "+
			"add that route, or set targets.inference.healthcheck.path (or healthcheck: none)", app.file, spec.DefaultHealthPath, spec.DefaultInferencePort)
		return "", ""
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return cmpKeys(a.rank, b.rank) })
	c := cands[0]
	if c.path == spec.DefaultHealthPath {
		r.note("healthcheck: GET %s, route found at %s:%d", c.path, c.file, c.line)
		return "", ""
	}
	r.note("healthcheck: the app has no %s route; probing %s, found at %s:%d", spec.DefaultHealthPath, c.path, c.file, c.line)
	why = fmt.Sprintf("The app has no %s route; %s:%d declares %s.", spec.DefaultHealthPath, c.file, c.line, c.path)
	if c.file != app.file {
		r.note("healthcheck: %s is declared outside %s: check that the app mounts its router with no further prefix", c.path, app.file)
	}
	return c.path, why
}

func topDir(p string) string {
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return p
}

var (
	pyVersionRe = regexp.MustCompile(`^(?:cpython-|python-?)?3\.([0-9]+)(\.[0-9]+)?`)
)

// defaultPython is the Python version of spec.DefaultBase.
const defaultPython = "3.10"

// pythonBase reads the Python version the repository asks for (.python-version, runtime.txt,
// pyproject.toml's requires-python) and returns a python slim base that has it, when it is
// not the default one, with the Python version the images get.
func (r *repo) pythonBase(deps *depSource) (base, why, python string) {
	requires := ""
	if pr := r.pyproject(deps); pr != nil {
		requires = pr.RequiresPython
	}
	for _, f := range []string{".python-version", "runtime.txt"} {
		data, err := r.read(f, 4096)
		if err != nil {
			continue
		}
		line := strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[0])
		m := pyVersionRe.FindStringSubmatch(strings.ToLower(line))
		if m == nil {
			r.note("python: cannot read a CPython 3 version from %s (%q): the base stays %s", f, line, spec.DefaultBase)
			return "", "", defaultPython
		}
		v := "3." + m[1]
		if f == ".python-version" && deps != nil && m[2] != "" {
			// The frontend installs a lock or a pyproject.toml only on the Python
			// .python-version pins: a patch level needs that exact image.
			v += m[2]
		}
		if requires != "" && !pythonSatisfies(requires, v) {
			r.note("python: %s asks for %s, but pyproject.toml's requires-python %s excludes it: builds refuse one of the two, fix them", f, v, requires)
		}
		b := "python:" + v + "-slim"
		if b == spec.DefaultBase {
			r.note("python: %s asks for %s, the default base %s", f, v, spec.DefaultBase)
			return "", "", v
		}
		r.note("python: %s asks for %s: base %s", f, v, b)
		why := fmt.Sprintf("%s asks for Python %s.", f, v)
		if strings.Count(v, ".") == 2 {
			why = fmt.Sprintf("%s pins Python %s, which the frontend requires exactly to install %s.", f, v, deps.file)
		}
		return b, why, v
	}
	if requires == "" {
		return "", "", defaultPython
	}
	// The newest first of the supported releases after the default, then older ones.
	for _, minor := range []int{10, 11, 12, 13, 14, 9, 8} {
		v := fmt.Sprintf("3.%d", minor)
		if !pythonSatisfies(requires, v) {
			continue
		}
		b := "python:" + v + "-slim"
		if b == spec.DefaultBase {
			r.note("python: pyproject.toml's requires-python %s holds for the default base %s", requires, spec.DefaultBase)
			return "", "", v
		}
		r.note("python: pyproject.toml's requires-python %s: base %s", requires, b)
		return b, fmt.Sprintf("pyproject.toml's requires-python %s: the first Python from %s on that satisfies it.", requires, defaultPython), v
	}
	r.note("python: no python:3.X-slim image satisfies pyproject.toml's requires-python %s: set base", requires)
	return "", "", defaultPython
}

// pythonSatisfies reports whether the Python v ("3.12", or "3.12.4") satisfies the PEP 440
// specifier set requires. A floating "3.12" stands for the newest 3.12 release, which the
// python:3.12-slim image follows.
func pythonSatisfies(requires, v string) bool {
	if strings.Count(v, ".") == 1 {
		v += ".99"
	}
	ok, err := pydeps.MatchSpecifier(requires, v)
	return err != nil || ok
}

// pyproject is the parsed pyproject.toml of the repository's root, nil when there is none or
// it does not parse (deps has it already when it is the dependency source).
func (r *repo) pyproject(deps *depSource) *pydeps.Project {
	if deps != nil && deps.project != nil {
		return deps.project
	}
	if !r.inContext("pyproject.toml", false) {
		return nil
	}
	data, err := r.read("pyproject.toml", maxTextSize)
	if err != nil {
		return nil
	}
	pr, err := pydeps.ParsePyproject("pyproject.toml", data)
	if err != nil {
		return nil
	}
	return pr
}
