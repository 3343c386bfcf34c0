package initspec

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/spec"
)

// appCand is an ASGI app the inference image could serve.
type appCand struct {
	file, obj, framework string
	line                 int
	mod, root            string
	factory              bool
	pf                   *pyFile
	// routesIn is the file that declares the app's routes on a local object: the factory's.
	routesIn *pyFile
	score    int
	evidence []string
}

func (c *appCand) target() string { return c.mod + ":" + c.obj }

// appCands lists the ASGI apps of the scanned files: module-level objects (constructed, or
// returned by a factory function), and factory functions no module calls.
func (r *repo) appCands() (cands []*appCand, wsgi []string) {
	factories := map[string]pyApp{} // by function name
	factoryFile := map[string]*pyFile{}
	called := map[string]bool{}
	for _, f := range r.scanned {
		if pf := r.file(f); pf != nil {
			for _, fa := range pf.factories {
				factories[fa.obj], factoryFile[fa.obj] = fa, pf
			}
		}
	}
	for _, f := range r.scanned {
		pf := r.file(f)
		if pf == nil {
			continue
		}
		for _, w := range pf.wsgi {
			wsgi = append(wsgi, fmt.Sprintf("%s:%d (%s)", f, w.line, w.obj))
		}
		add := func(a pyApp, routesIn *pyFile) {
			mod, root, ok := r.module(f)
			if !ok {
				r.note("inference: the %s app in %s is not importable as a module (a file or directory name is not a Python identifier)", a.framework, f)
				return
			}
			cands = append(cands, &appCand{file: f, obj: a.obj, framework: a.framework, line: a.line, mod: mod, root: root, pf: pf, routesIn: routesIn})
		}
		for _, a := range pf.apps {
			add(a, nil)
		}
		for _, a := range pf.appCalls {
			fn := a.callee[strings.LastIndexByte(a.callee, '.')+1:]
			if fa, ok := factories[fn]; ok {
				called[fn] = true
				a.framework = fa.framework
				add(a, factoryFile[fn])
			}
		}
	}
	for _, f := range r.scanned {
		pf := r.file(f)
		if pf == nil {
			continue
		}
		for _, fa := range pf.factories {
			if !called[fa.obj] {
				if mod, root, ok := r.module(f); ok {
					cands = append(cands, &appCand{file: f, obj: fa.obj, framework: fa.framework, line: fa.line, mod: mod, root: root,
						factory: true, pf: pf, routesIn: pf})
				}
			}
		}
	}
	return cands, wsgi
}

// serving chooses the app: the one the repository's serving command names (a Dockerfile's
// CMD, compose, a Procfile, a Makefile target), else the one with the most evidence.
func (r *repo) serving(d *declared) *entry {
	cands, wsgi := r.appCands()
	r.cands = cands
	for _, c := range d.serve {
		if e := r.declaredApp(c, cands); e != nil {
			return e
		}
	}
	if len(cands) == 0 {
		msg := "inference: no ASGI app found (a module-level app = FastAPI(...), Starlette, Litestar or Quart, or a function that returns one): " +
			"the inference image serves src.api:app (src/api.py); set targets.inference.command to serve yours"
		if len(wsgi) > 0 {
			msg += fmt.Sprintf("; found a Flask (WSGI) app at %s, which uvicorn cannot serve: use e.g. [gunicorn, --bind, 0.0.0.0:8000, module:app]", list(wsgi))
		}
		r.note("%s", msg)
		return nil
	}
	for _, c := range cands {
		r.weigh(c, cands)
	}
	slices.SortStableFunc(cands, func(a, b *appCand) int {
		// An ASGI app over a Flask one: a repository with both serves with the newer.
		if aw, bw := a.framework == "Flask", b.framework == "Flask"; aw != bw {
			if aw {
				return 1
			}
			return -1
		}
		if a.score != b.score {
			return b.score - a.score
		}
		return cmpKeys(appRank(a.file, a.obj, a.root), appRank(b.file, b.obj, b.root))
	})
	c := cands[0]
	e := r.appEntry(c)
	what := c.target()
	if c.factory {
		what += " (a factory: uvicorn --factory)"
	}
	if e.command == nil {
		r.note("inference: %s app %s in %s (the default)", c.framework, what, c.file)
	} else {
		r.note("inference: %s app %s in %s", c.framework, what, c.file)
	}
	if len(cands) > 1 {
		var others []string
		for _, o := range cands[1:] {
			others = append(others, o.target())
		}
		why := "by file name"
		if len(c.evidence) > 0 && c.score > cands[1].score {
			why = "for " + strings.Join(c.evidence, ", ")
		}
		r.note("inference: also found the %s %s; serving %s, chosen %s: if that is wrong, set targets.inference.command",
			plural(len(others), "app", "apps"), list(others), c.target(), why)
		e.desc = fmt.Sprintf("%s Chosen over %s %s.", e.desc, list(others), why)
	}
	if port, at := r.codePort(c); port != 0 {
		e.port, e.portAt = port, at
	}
	return e
}

// appEntry is the entry serving c with uvicorn.
func (r *repo) appEntry(c *appCand) *entry {
	e := &entry{file: c.file, root: c.root, target: c.target(), framework: c.framework, obj: c.obj, factory: c.factory, pf: c.pf,
		desc: fmt.Sprintf("The %s app %q in %s.", c.framework, c.obj, c.file)}
	if c.factory {
		e.desc = fmt.Sprintf("%s builds the %s app in %s: served with --factory.", c.obj, c.framework, c.file)
	}
	if !strings.Contains(c.file, "/") {
		e.extra = []string{c.file}
	}
	if c.framework == "Flask" {
		return r.wsgiEntry(c, e)
	}
	if e.target != "src.api:app" || c.root != "" || c.factory {
		e.command = uvicornCommand(e.target, c.factory, spec.DefaultInferencePort)
	}
	e.serveOn = func(port int) []string { return uvicornCommand(e.target, c.factory, port) }
	return e
}

// wsgiEntry serves a Flask app: with gunicorn when the project installs it, else with
// Flask's own development server (noted). A factory is called: module:create_app().
func (r *repo) wsgiEntry(c *appCand, e *entry) *entry {
	target := e.target
	if c.factory {
		target += "()"
		e.desc = fmt.Sprintf("%s builds the Flask app in %s: called by the server.", c.obj, c.file)
	}
	gunicorn := r.reqKnown && r.reqPkgs["gunicorn"]
	e.serveOn = func(port int) []string {
		if gunicorn {
			return []string{"python", "-m", "gunicorn", "--bind", "0.0.0.0:" + strconv.Itoa(port), target}
		}
		return []string{"python", "-m", "flask", "--app", target, "run", "--host", "0.0.0.0", "--port", strconv.Itoa(port)}
	}
	e.command = e.serveOn(spec.DefaultInferencePort)
	if gunicorn {
		e.desc += " Served by gunicorn, which the requirements install."
	} else {
		e.desc += " Served by Flask's development server: the requirements name no production server (add gunicorn and serve with python -m gunicorn)."
		r.note("inference: the Flask app %s runs on Flask's development server: the requirements name no production WSGI server; add gunicorn and set targets.inference.command to [python, -m, gunicorn, --bind, 0.0.0.0:PORT, %s]", target, target)
	}
	return e
}

func uvicornCommand(target string, factory bool, port int) []string {
	cmd := []string{"python", "-m", "uvicorn", target}
	if factory {
		cmd = append(cmd, "--factory")
	}
	return append(cmd, "--host", "0.0.0.0", "--port", strconv.Itoa(port))
}

// pythonServers are the servers init writes commands for that run as python -m NAME.
var pythonServers = []string{"uvicorn", "gunicorn", "hypercorn", "flask"}

// viaPython runs a server's console script (uvicorn, gunicorn) as "python -m" instead: the
// venv's python is first on PATH, while a console script of that name may be the base
// image's own (Debian's /usr/bin/uvicorn, an image with one preinstalled), whose Python does
// not see the venv's packages. Other commands are returned as they are.
func viaPython(cmd []string) []string {
	if len(cmd) > 0 && slices.Contains(pythonServers, cmd[0]) {
		return append([]string{"python", "-m", cmd[0]}, cmd[1:]...)
	}
	return cmd
}

// serverOf is the server a command runs ("uvicorn" for uvicorn ... and python -m uvicorn
// ...), or "".
func serverOf(cmd []string) string {
	if len(cmd) >= 3 && (cmd[0] == "python" || cmd[0] == "python3") && cmd[1] == "-m" {
		cmd = cmd[2:]
	}
	if len(cmd) > 0 && slices.Contains(pythonServers, cmd[0]) {
		return cmd[0]
	}
	return ""
}

// weigh scores a candidate by evidence: the routes it serves (a prediction route most), a
// uvicorn.run that serves it, tests that import it, and not being mounted in another app.
func (r *repo) weigh(c *appCand, all []*appCand) {
	routes, _ := r.appRoutes(c)
	if n := len(routes); n > 0 {
		c.score += min(n, 10)
		c.evidence = append(c.evidence, fmt.Sprintf("%d %s", n, plural(n, "route", "routes")))
	}
	if slices.ContainsFunc(routes, func(rt fullRoute) bool { return predictRe.MatchString(path.Base(rt.path)) }) {
		c.score += 5
		c.evidence = append(c.evidence, "a prediction route")
	}
	for _, f := range r.scanned {
		pf := r.file(f)
		if pf == nil {
			continue
		}
		for _, s := range pf.serves {
			v, _, _ := strLit(s.target)
			if v == c.target() || f == c.file && strings.TrimSpace(s.target) == c.obj {
				c.score += 20
				c.evidence = append(c.evidence, fmt.Sprintf("uvicorn.run at %s:%d", f, s.line))
			}
		}
		if f != c.file && slices.Contains(pf.mounts, c.obj) {
			c.score -= 50
			c.evidence = append(c.evidence, "mounted in "+f)
		}
	}
	if t := r.testsImport(c); t != "" {
		c.score += 10
		c.evidence = append(c.evidence, "imported by "+t)
	}
	if c.factory {
		c.score -= 2
	}
}

// testsImport returns a test file that imports the app, or "".
func (r *repo) testsImport(c *appCand) string {
	if r.testText == nil {
		r.testText = map[string]string{}
		for _, dir := range []string{"tests", "test"} {
			n := 0
			fs.WalkDir(r.fsys, dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || n >= 200 {
					return fs.SkipDir
				}
				if !d.IsDir() && strings.HasSuffix(p, ".py") {
					if data, err := r.read(p, maxPySize); err == nil {
						r.testText[p] = string(data)
						n++
					}
				}
				return nil
			})
		}
	}
	for _, p := range sortedKeys(r.testText) {
		t := r.testText[p]
		if strings.Contains(t, "from "+c.mod+" import") && strings.Contains(t, c.obj) || strings.Contains(t, c.target()) {
			return p
		}
	}
	return ""
}

// declaredApp is the app a declared serving command serves, when the repository has it.
func (r *repo) declaredApp(c *command, cands []*appCand) *entry {
	roots := []string{".", "src"}
	if c.appDir != "" {
		roots = []string{c.appDir}
	}
	target, factory := c.target, c.factory
	switch {
	case c.server == "gunicorn" && !c.asgi:
		if target == "" {
			return nil
		}
		files := r.moduleFiles(strings.SplitN(target, ":", 2)[0], roots)
		if len(files) == 0 || strings.HasSuffix(files[len(files)-1], "/") {
			r.note("inference: %s serves %s, which is not in the repository: not used", c.origin(), target)
			return nil
		}
		f := files[len(files)-1]
		e := &entry{file: f, target: target, obj: strings.SplitN(target, ":", 2)[1], framework: "WSGI", pf: r.file(f), decl: c,
			port: c.port, portAt: c.at.String(), desc: fmt.Sprintf("Declared by %s: a WSGI app, served as declared.", c.origin())}
		if c.shell != "" {
			e.shell = c.shell
		} else {
			e.command = viaPython(c.words)
		}
		r.note("inference: %s serves the WSGI app %s with gunicorn: the command is kept as declared (run by the venv's python -m gunicorn)", c.origin(), target)
		return e
	case target != "":
	case c.server == "fastapi" && c.script != "":
		mod, _, ok := r.module(strings.TrimPrefix(c.script, "./"))
		if !ok {
			return nil
		}
		target = mod + ":app"
	case c.script != "" || c.module != "":
		f := c.script
		if c.module != "" {
			files := r.moduleFiles(c.module, roots)
			if len(files) == 0 {
				return nil
			}
			f = files[len(files)-1]
		}
		pf := r.file(f)
		if pf == nil {
			return nil
		}
		mod, _, ok := r.module(f)
		if !ok {
			return nil
		}
		for _, s := range pf.serves {
			if v, _, ok := strLit(s.target); ok && strings.Contains(v, ":") {
				target, factory = v, s.factory
			} else if identRe.MatchString(strings.TrimSpace(s.target)) {
				target, factory = mod+":"+strings.TrimSpace(s.target), s.factory
			}
			if target != "" {
				break
			}
		}
		if target == "" && len(pf.apps) > 0 {
			target = mod + ":" + pf.apps[0].obj
		}
		if target == "" {
			r.note("inference: %s runs %s, which serves no app init can see: not used", c.origin(), c.String())
			return nil
		}
	default:
		return nil
	}
	mod, obj, ok := strings.Cut(target, ":")
	if !ok || !dottedRe.MatchString(mod) || !identRe.MatchString(obj) {
		r.note("inference: %s serves %q, which init cannot read: not used", c.origin(), target)
		return nil
	}
	files := r.moduleFiles(mod, roots)
	if len(files) == 0 || strings.HasSuffix(files[len(files)-1], "/") {
		r.note("inference: %s serves %s, but the module %s is not in the repository: not used", c.origin(), target, mod)
		return nil
	}
	file := files[len(files)-1]
	cand := &appCand{file: file, obj: obj, mod: mod, factory: factory, pf: r.file(file), framework: "ASGI"}
	if root := roots[0]; root != "." && strings.HasPrefix(file, root+"/") {
		cand.root = root
	} else if len(roots) > 1 && strings.HasPrefix(file, "src/") && !strings.HasPrefix(mod, "src.") {
		cand.root = "src"
	}
	confirmed := false
	for _, k := range cands {
		if k.file == file && k.obj == obj {
			cand.framework, cand.routesIn, cand.line, confirmed = k.framework, k.routesIn, k.line, true
			cand.factory = cand.factory || k.factory
		}
	}
	e := r.appEntry(cand)
	e.decl = c
	e.desc = fmt.Sprintf("Declared by %s.", c.origin())
	if c.port != 0 {
		e.port, e.portAt = c.port, c.at.String()
	} else if port, at := r.codePort(cand); port != 0 {
		e.port, e.portAt = port, at
	}
	msg := fmt.Sprintf("inference: %s serves %s: used", c.origin(), target)
	if c.server != "" && c.server != "uvicorn" {
		msg += fmt.Sprintf(" (it runs %s; the image serves the app with uvicorn: set targets.inference.command to keep %s)", c.server, c.server)
	}
	if !confirmed {
		msg += fmt.Sprintf("; init found no app %s in %s itself (made elsewhere?): check it", obj, file)
	}
	r.note("%s", msg)
	var others []string
	for _, k := range cands {
		if k.file != file || k.obj != obj {
			others = append(others, k.target())
		}
	}
	if len(others) > 0 {
		r.note("inference: also found the %s %s, not served: the declared command wins", plural(len(others), "app", "apps"), list(others))
	}
	return e
}

// codePort returns the port a uvicorn.run call serves the app on, with where, or 0.
func (r *repo) codePort(c *appCand) (int, string) {
	for _, f := range append([]string{c.file}, r.scanned...) {
		pf := r.file(f)
		if pf == nil {
			continue
		}
		for _, s := range pf.serves {
			v, _, _ := strLit(s.target)
			if v != c.target() && !(f == c.file && strings.TrimSpace(s.target) == c.obj) {
				continue
			}
			if port, ok := r.intConst(s.port, pf, 0); ok && port > 0 && port < 65536 {
				return port, fmt.Sprintf("%s:%d", f, s.line)
			}
		}
	}
	return 0, ""
}

// intConst evaluates an integer expression: a literal (the first one, so the default of
// int(os.getenv("PORT", 8080))), or a name (settings.PORT, config.PORT, PORT) whose
// assignment in f, else at module or class level in the scanned files (all agreeing), is one.
func (r *repo) intConst(expr string, f *pyFile, depth int) (int, bool) {
	expr = strings.TrimSpace(expr)
	if n, ok := intLit(expr); ok || depth > 4 {
		return n, ok
	}
	if !dottedRe.MatchString(expr) {
		return 0, false
	}
	name := expr[strings.LastIndexByte(expr, '.')+1:]
	for _, a := range f.assigns {
		if a.name == name && a.scope != "func" && a.scope != "self" {
			return r.intConst(a.expr, f, depth+1)
		}
	}
	found, n := false, 0
	for _, p := range r.scanned {
		g := r.file(p)
		if g == nil || g == f {
			continue
		}
		for _, a := range g.assigns {
			if a.name != name || a.scope != "module" && a.scope != "class" {
				continue
			}
			v, ok := r.intConst(a.expr, g, depth+1)
			if !ok || found && v != n {
				return 0, false
			}
			found, n = true, v
		}
	}
	return n, found
}

// fullRoute is a route of the app with its full path.
type fullRoute struct {
	path, file string
	line       int
	get        bool
}

// appRoutes lists the routes the app serves: declared on it, or on the routers it includes
// (with their prefixes). unresolved lists the include_router calls init could not follow.
func (r *repo) appRoutes(c *appCand) (routes []fullRoute, unresolved []string) {
	var visit func(f *pyFile, obj string, local bool, prefix string, depth int)
	visit = func(f *pyFile, obj string, local bool, prefix string, depth int) {
		if f == nil || depth > 6 {
			return
		}
		mine := func(o string) bool {
			if o == obj {
				return true
			}
			_, router := f.routers[o]
			return local && o != "" && !router || o == "" && depth == 0
		}
		for _, rt := range f.routes {
			if mine(rt.obj) {
				routes = append(routes, fullRoute{joinRoute(prefix, rt.path), f.path, rt.line, rt.get})
			}
		}
		for _, inc := range f.includes {
			if !mine(inc.obj) || inc.obj == "" {
				continue
			}
			g, name := r.resolveRouter(f, inc.expr)
			if g == nil {
				unresolved = append(unresolved, fmt.Sprintf("%s:%d", f.path, inc.line))
				continue
			}
			sub := joinRoute(prefix, inc.prefix) + g.routers[name].prefix
			if inc.replaces {
				sub = joinRoute(prefix, inc.prefix)
			}
			visit(g, name, false, sub, depth+1)
		}
	}
	visit(c.pf, c.obj, c.factory, "", 0)
	if c.routesIn != nil && c.routesIn != c.pf {
		visit(c.routesIn, "", true, "", 0)
	}
	return routes, unresolved
}

func joinRoute(prefix, p string) string {
	full := strings.TrimSuffix(prefix, "/") + p
	if full == "" {
		return "/"
	}
	if !strings.HasPrefix(full, "/") {
		full = "/" + full
	}
	for strings.Contains(full, "//") {
		full = strings.ReplaceAll(full, "//", "/")
	}
	if len(full) > 1 {
		full = strings.TrimSuffix(full, "/")
	}
	return full
}

// resolveRouter finds the router an include_router argument names: a router of the file, or
// one imported ("from .routes import health" then health.router).
func (r *repo) resolveRouter(f *pyFile, expr string) (*pyFile, string) {
	expr = strings.TrimSpace(expr)
	if !dottedRe.MatchString(expr) {
		return nil, ""
	}
	comps := strings.Split(expr, ".")
	name := comps[len(comps)-1]
	if len(comps) == 1 {
		if _, ok := f.routers[name]; ok {
			return f, name
		}
		for _, im := range f.importStmts {
			for _, nm := range im.names {
				if nm[1] != name {
					continue
				}
				if g := r.lastFile(r.importModule(f, im, "")); g != nil {
					if _, ok := g.routers[nm[0]]; ok {
						return g, nm[0]
					}
				}
			}
		}
		return nil, ""
	}
	sub := strings.Join(comps[1:len(comps)-1], ".")
	for _, im := range f.importStmts {
		var files []string
		switch {
		case slices.ContainsFunc(im.names, func(nm [2]string) bool { return nm[1] == comps[0] }):
			for _, nm := range im.names {
				if nm[1] == comps[0] {
					files = r.importModule(f, im, strings.Trim(nm[0]+"."+sub, "."))
				}
			}
		case im.names == nil && im.alias == comps[0]:
			files = r.importModule(f, im, sub)
		case im.names == nil && im.alias == "" && strings.SplitN(im.mod, ".", 2)[0] == comps[0]:
			files = r.moduleFiles(strings.Join(comps[:len(comps)-1], "."), []string{".", "src"})
		}
		if g := r.lastFile(files); g != nil {
			if _, ok := g.routers[name]; ok {
				return g, name
			}
		}
	}
	return nil, ""
}

// importModule resolves the module of an import statement, plus the dotted sub below it.
func (r *repo) importModule(f *pyFile, im pyImport, sub string) []string {
	mod := strings.Trim(im.mod+"."+sub, ".")
	if im.level == 0 {
		return r.moduleFiles(mod, []string{".", "src"})
	}
	if mod == "" {
		return nil
	}
	return r.moduleFiles(mod, []string{relBase(f.path, im.level)})
}

// relBase is the folder a relative import with level dots in file p resolves against.
func relBase(p string, level int) string {
	base := path.Dir(p)
	for range level - 1 {
		base = path.Dir(base)
	}
	return base
}

func (r *repo) lastFile(files []string) *pyFile {
	if len(files) == 0 || strings.HasSuffix(files[len(files)-1], "/") {
		return nil
	}
	return r.file(files[len(files)-1])
}

// healthPathRe matches the paths a healthcheck can probe (the spec's rule).
var healthPathRe = regexp.MustCompile(`^/[^"'\s\\]*$`)

// Last path segments of health routes, best first.
var healthNames = [][]string{
	{"health"}, {"healthz"}, {"healthcheck", "health-check", "health_check"},
	{"ready", "readyz", "readiness"}, {"live", "livez", "liveness", "alive"}, {"ping"}, {"status"},
}

// probe is what the healthcheck probes.
type probe struct {
	path    string   // "" for the default /health
	command []string // a TCP connect instead of HTTP
	why     string
}

// health chooses what the healthcheck probes: the path the repository's HEALTHCHECK declares,
// a health route of the app, else a route that answers anyway (GET /, FastAPI's /docs)
// rather than a /health that would be a certain 404; for an app with none, a TCP connect.
func (r *repo) health(app *entry, d *declared, port int) probe {
	if app.pf == nil {
		return probe{}
	}
	c := &appCand{file: app.file, obj: app.obj, framework: app.framework, factory: app.factory, pf: app.pf}
	if app.framework == "ASGI" {
		// Declared, not confirmed by the code: its routes are those on the object anyway.
		c.framework = ""
	}
	for _, k := range r.cands {
		if k.file == app.file && k.obj == app.obj {
			c.routesIn = k.routesIn
		}
	}
	routes, unresolved := r.appRoutes(c)
	if len(unresolved) > 0 {
		// Fall back to every router of the app's package, with its own prefix.
		r.note("healthcheck: could not follow include_router at %s: looking at every router of the app's package", list(unresolved))
		for _, f := range r.scanned {
			if f == app.file || path.Dir(app.file) == "." || !strings.HasPrefix(f, topDir(app.file)+"/") {
				continue
			}
			if pf := r.file(f); pf != nil {
				for _, rt := range pf.routes {
					if rr, ok := pf.routers[rt.obj]; ok {
						routes = append(routes, fullRoute{joinRoute(rr.prefix, rt.path), f, rt.line, rt.get})
					}
				}
			}
		}
	}
	routes = slices.DeleteFunc(routes, func(rt fullRoute) bool { return !healthPathRe.MatchString(rt.path) })
	has := func(p string) *fullRoute {
		for i := range routes {
			if routes[i].path == p && routes[i].get {
				return &routes[i]
			}
		}
		return nil
	}
	implicit := func(p string) bool {
		// FastAPI serves its docs and schema unless the app turns them off.
		if app.framework != "FastAPI" {
			return false
		}
		args := app.pf.appArgs[app.obj]
		for key, def := range map[string]string{"docs_url": "/docs", "redoc_url": "/redoc", "openapi_url": "/openapi.json"} {
			v := def
			if a, ok := args[key]; ok {
				v, _, _ = strLit(a)
			}
			if p == v && v != "" {
				return true
			}
		}
		return false
	}
	for _, h := range d.health {
		if h.port != 0 && port != 0 && h.port != port || !healthPathRe.MatchString(h.path) {
			continue
		}
		if len(routes) > 0 && len(unresolved) == 0 && app.framework != "ASGI" && has(h.path) == nil && !implicit(h.path) {
			r.note("healthcheck: %s probes GET %s, which the app does not serve (init followed all its routes): a certain failure, so init chooses the probe itself", h.at, h.path)
			continue
		}
		msg := fmt.Sprintf("healthcheck: GET %s, as %s declares", h.path, h.at)
		if len(routes) > 0 && has(h.path) == nil && !implicit(h.path) {
			msg += fmt.Sprintf("; init found no such route in %s: check it", app.file)
		}
		r.note("%s", msg)
		if h.path == spec.DefaultHealthPath {
			return probe{}
		}
		return probe{path: h.path, why: fmt.Sprintf("%s probes %s.", h.at, h.path)}
	}
	type cand struct {
		rt   fullRoute
		rank []int
	}
	var cands []cand
	for _, rt := range routes {
		if !rt.get {
			continue
		}
		seg := strings.ToLower(path.Base(rt.path))
		for i, names := range healthNames {
			if slices.Contains(names, seg) {
				exact, other := 1, 1
				if rt.path == spec.DefaultHealthPath {
					exact = 0
				}
				if rt.file == app.file {
					other = 0
				}
				cands = append(cands, cand{rt, []int{exact, i, other}})
			}
		}
	}
	if len(cands) > 0 {
		slices.SortStableFunc(cands, func(a, b cand) int { return cmpKeys(a.rank, b.rank) })
		rt := cands[0].rt
		if rt.path == spec.DefaultHealthPath {
			r.note("healthcheck: GET %s, route found at %s:%d", rt.path, rt.file, rt.line)
			return probe{}
		}
		r.note("healthcheck: the app has no %s route; probing %s, found at %s:%d", spec.DefaultHealthPath, rt.path, rt.file, rt.line)
		if rt.file != app.file && len(unresolved) > 0 {
			r.note("healthcheck: %s is declared outside %s: check that the app mounts its router with no further prefix", rt.path, app.file)
		}
		return probe{path: rt.path, why: fmt.Sprintf("The app has no %s route; %s:%d declares %s.", spec.DefaultHealthPath, rt.file, rt.line, rt.path)}
	}
	if rt := has("/"); rt != nil {
		r.note("healthcheck: the app has no health route; probing GET /, which %s:%d declares: add a /health route and remove the path if / is slow", rt.file, rt.line)
		return probe{path: "/", why: fmt.Sprintf("The app has no health route; GET / is declared at %s:%d.", rt.file, rt.line)}
	}
	if app.framework == "FastAPI" {
		docs := "/docs"
		if args := app.pf.appArgs[app.obj]; args != nil {
			if v, ok := args["docs_url"]; ok {
				docs, _, _ = strLit(v)
			}
		}
		if docs != "" {
			r.note("healthcheck: the app has no health route and no GET /; probing FastAPI's %s page, which answers once the app serves: add a /health route", docs)
			return probe{path: docs, why: fmt.Sprintf("The app declares no health route: FastAPI's %s page answers once it serves.", docs)}
		}
	}
	if app.framework == "Litestar" {
		r.note("healthcheck: the app has no health route; probing Litestar's /schema: add a /health route")
		return probe{path: "/schema", why: "The app declares no health route: Litestar's /schema answers once it serves."}
	}
	cmd := []string{"python3", "-c", fmt.Sprintf("import socket; socket.create_connection(('127.0.0.1', %d), 4).close()", port)}
	r.note("healthcheck: no health route found for %s: the healthcheck only checks that port %d accepts connections; add a /health route and set targets.inference.healthcheck.path", app.target, port)
	return probe{command: cmd, why: fmt.Sprintf("The app declares no route init could find: the probe only checks that port %d accepts connections.", port)}
}
