package initspec

import (
	"cmp"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

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

	// systemPackages and buildPackages are what the Dockerfiles install with apt-get.
	systemPackages, buildPackages []string
	systemWhy, buildWhy           string

	training, inference targetPlan
}

// copyItem is one copy entry: to is "" for the same path under the working directory.
type copyItem struct{ from, to string }

type targetPlan struct {
	copy    []copyItem // nil: the default
	copyWhy string

	description string
	command     []string // nil: the default
	shell       string   // a shell-form command instead
	commandWhy  string

	pythonpath    []string // nil: the default
	pythonpathWhy string

	expose    []int // nil: the default
	exposeWhy string

	healthPath, healthWhy string   // inference only
	healthCmd             []string // a probe command instead of the HTTP probe

	env    map[string]string
	envWhy string

	writable    []string // nil: the default
	writableWhy string

	groups    []string // dependency groups of this target only
	groupsWhy string

	// modelHow says how a model the app loads, which training makes, gets into the image.
	modelHow []string

	// smokeOff, when set, turns the smoke test off and says why (the app cannot start at
	// build time).
	smokeOff string
}

func (p *plan) isDefault() bool {
	return p.base == "" && p.requirements == nil && p.systemPackages == nil && p.buildPackages == nil && p.training.isDefault() && p.inference.isDefault()
}

func (t *targetPlan) isDefault() bool {
	return t.copy == nil && t.command == nil && t.shell == "" && t.pythonpath == nil && t.healthPath == "" &&
		t.healthCmd == nil && t.groups == nil && t.expose == nil && t.env == nil && t.writable == nil && t.smokeOff == ""
}

var (
	defaultTrainingCopy  = []string{"src", "configs"}
	defaultInferenceCopy = []string{"src", "configs", "models"}
)

// layout is where the code is.
type layout struct {
	kind string   // "src", "packages", "modules", "namespace" or "none"
	code []string // the copy sources holding the code
	desc string   // for comments and notes
}

func (r *repo) plan() *plan {
	p := &plan{}
	d := r.readDeclared()
	for _, n := range d.notes {
		r.note("%s", n)
	}
	if len(d.files) > 0 {
		r.note("declared: read %s first; what %s declare%s wins over what init finds in the code",
			list(d.files), plural(len(d.files), "it", "they"), plural(len(d.files), "s", ""))
	}
	deps := r.detectDeps()
	var python string
	p.base, p.baseWhy, python = r.pythonBase(deps, d)
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

	r.planPackages(p, d)
	lay := r.layout()
	r.note("code: %s", lay.desc)
	r.scan(lay)

	cfg := ""
	for _, c := range []string{"configs", "config"} {
		if r.inContext(c, true) {
			cfg = c
			break
		}
	}
	train := r.training(lay, d)
	app := r.serving(d)
	tev := r.planTraining(p, lay, cfg, train, d)
	r.planInference(p, lay, cfg, app, train, tev, d)
	if deps != nil && !deps.broken {
		var appFiles []string
		if app != nil {
			appFiles = r.reach(r.entryFiles(app), roots(app))
		}
		deps.importedGroups(r, p, r.reach(r.entryFiles(train), roots(train)), appFiles)
	}
	return p
}

// scan collects the Python files init reads: those of the code directories first, then those
// of the other top-level directories that may hold code (app/, api/, service/ beside src/,
// scripts/, directories without __init__.py), then the top-level modules.
func (r *repo) scan(lay layout) {
	for _, c := range lay.code {
		if r.isDir(c) {
			r.walkPy(c)
		}
	}
	for _, e := range r.topEntries() {
		n := e.Name()
		if e.IsDir() && !slices.Contains(lay.code, n) && !skipScan[n] && !strings.HasPrefix(n, ".") && !r.excluded(n) &&
			!r.isFile(n+"/pyvenv.cfg") {
			r.walkPy(n)
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
}

// Top-level directories never scanned for code.
var skipScan = map[string]bool{
	"tests": true, "test": true, "testing": true, "docs": true, "doc": true, "examples": true, "example": true,
	"benchmarks": true, "benchmark": true, "notebooks": true, "build": true, "dist": true, "site-packages": true,
	"node_modules": true, "venv": true, "env": true, "__pycache__": true, "data": true, "mlruns": true,
	"mlartifacts": true, "outputs": true, "logs": true, "wandb": true, "lightning_logs": true, "testdata": true,
	"fixtures": true,
}

// roots are the directories the imports of an entry resolve against: the working directory,
// src/ when it is on PYTHONPATH, and a script's own directory.
func roots(e *entry) []string {
	out := []string{"."}
	if e != nil && e.root != "" {
		out = append(out, e.root)
	}
	if e != nil && e.script && path.Dir(e.file) != "." {
		out = append(out, path.Dir(e.file))
	}
	if e != nil && e.decl != nil && e.shell == "" {
		for _, kv := range e.decl.env {
			if kv[0] != "PYTHONPATH" {
				continue
			}
			for _, p := range strings.Split(kv[1], ":") {
				if c, ok := cleanRel(strings.TrimPrefix(p, spec.DefaultWorkdir+"/")); ok && !slices.Contains(out, c) {
					out = append(out, c) // the command's PYTHONPATH: commandEnv keeps it
				}
			}
		}
	}
	return out
}

// entryFiles are the files running e starts from: its file and its packages' __init__.py,
// and the scripts of the steps its declared command runs before it (a Makefile target's
// prerequisites, a dvc stage's upstream stages), which write what it reads.
func (r *repo) entryFiles(e *entry) []string {
	if e == nil || e.file == "" {
		return nil
	}
	var out []string
	if e.decl != nil {
		for _, p := range e.decl.pre {
			for _, f := range []string{p, p + ".py", p + "/__main__.py"} {
				if strings.HasSuffix(f, ".py") && r.isFile(f) && !slices.Contains(out, f) {
					out = append(out, f)
					break
				}
			}
		}
	}
	if !e.script {
		for dir := path.Dir(e.file); dir != "." && dir != e.root; dir = path.Dir(dir) {
			if r.isFile(dir + "/__init__.py") {
				out = append(out, dir+"/__init__.py")
			}
		}
	}
	return append([]string{e.file}, out...)
}

// codeCopies is the copy list of a target: the code, configs, what the entry names, and the
// directories the code it runs imports from (namespace packages and code beside src/).
func (r *repo) codeCopies(lay layout, cfg string, e *entry, files []string) (copies []copyItem, added []string) {
	copies = []copyItem{}
	for _, c := range lay.code {
		copies = append(copies, copyItem{from: c})
	}
	add := func(p string, dir bool) {
		if p == "" || p == "." || !plainPath(p) || coveredItems(copies, p) || !r.inContext(p, dir) {
			return
		}
		copies = append(copies, copyItem{from: p})
		added = append(added, show(p, dir))
	}
	if cfg != "" {
		add(cfg, true)
		added = slices.DeleteFunc(added, func(s string) bool { return s == cfg+"/" })
	}
	if e != nil {
		for _, x := range e.extra {
			add(x, r.isDir(x))
		}
	}
	for _, f := range files {
		top := topDir(strings.TrimSuffix(f, "/"))
		if !strings.Contains(strings.TrimSuffix(f, "/"), "/") && !strings.HasSuffix(f, "/") {
			add(top, false)
		} else {
			add(top, true)
		}
	}
	return copies, added
}

// planTraining plans the training target; ev is how it evaluates training's paths (the
// declared environment with the command's VAR=value, the folder it runs in, its arguments),
// which planInference uses too for what training writes.
func (r *repo) planTraining(p *plan, lay layout, cfg string, train *entry, d *declared) (ev *evaluator) {
	t := &p.training
	files := r.reach(r.entryFiles(train), roots(train))
	copies, added := r.codeCopies(lay, cfg, train, files)
	if x := trainCwd(train, d); x != "" && train.shell == "" {
		// The serving image runs the code from inside x/ (COPY ./x /app): training runs
		// there too, so that the relative paths both open are the same files.
		rel := strings.TrimPrefix(train.file, x+"/")
		r.note("training: %s runs in %s/, as the code runs in the image %s builds (it copies %s/ onto its working directory)", train.file, x, d.workdirCopy.at, x)
		train.shell = "cd " + shellWords([]string{x}) + " && exec python " + shellWords([]string{rel})
		train.command = nil
		train.desc = fmt.Sprintf("Runs %s inside %s/: %s copies %s/ onto the image's working directory.", rel, x, d.workdirCopy.at, x)
	}
	if train != nil {
		t.command, t.shell, t.commandWhy = train.command, train.shell, train.desc
		switch {
		case train.summary != "":
			t.description = "Training image: runs " + train.summary
		case train.shell != "":
			t.description = "Training image: runs " + train.shell
		case train.command != nil:
			t.description = "Training image: runs " + strings.Join(train.command, " ")
		}
		if train.root != "" {
			t.pythonpath = []string{spec.DefaultWorkdir + "/" + train.root}
			t.pythonpathWhy = fmt.Sprintf("%s/ is the import root: %s imports the modules under it by their own names.", train.root, train.file)
		}
	}

	r.srcPath(t, files)
	env := targetEnv(d, "training")
	if train != nil && train.decl != nil && train.shell == "" {
		maps.Copy(env, r.commandEnv(t, "training", train.decl))
	} else if train != nil && train.decl != nil {
		// A shell command keeps VAR=value before the training step: the code sees it.
		for _, kv := range train.decl.env {
			env[kv[0]] = envFact{value: kv[1], at: train.decl.at, target: "training"}
		}
	}

	// Where training writes.
	ev = &evaluator{r: r, env: env, files: r.pyFiles(files), cwd: trainCwd(train, d)}
	if train != nil {
		ev.args = train.command
		if train.shell != "" {
			ev.args = strings.Fields(train.shell)
		}
	}
	us := r.uses(files, ev, func(*pyFile, pyOp) bool { return true })
	dirs, inWorkdir := writableDirs(us, copies)
	if store, at := r.mlflowStore(files, ev, false); store != "" {
		if path.IsAbs(store) || !coveredItems(copies, store) {
			dirs = addDir(dirs, topDirUnlessAbs(store), at)
		}
	} else if uri, at := r.mlflowServer(files, ev); uri != "" {
		r.note("training: it logs to the MLflow tracking server %s (%s): the training container must reach it when it runs "+
			"(set MLFLOW_TRACKING_URI to its address there), or the run fails", uri, at)
	}
	if train != nil && train.decl != nil && strings.HasPrefix(train.decl.from, "dvc.yaml") {
		for _, o := range d.outs {
			dir := o.path
			if r.isFile(o.path) || path.Ext(o.path) != "" && !r.isDir(o.path) {
				dir = path.Dir(o.path)
			}
			if dir == "." {
				inWorkdir = append(inWorkdir, use{at: o.at.String(), how: "dvc out " + o.path})
				continue
			}
			dirs = addDir(dirs, topDir(dir), o.at.String()+" (a dvc out)")
		}
	}
	// A directory training writes is an output, not an input, though the command names it.
	for _, du := range dirs {
		i := slices.IndexFunc(copies, func(c copyItem) bool { return c.from == du.dir && c.to == "" })
		if i >= 0 && !slices.Contains(lay.code, du.dir) {
			copies = slices.Delete(copies, i, i+1)
			added = slices.DeleteFunc(added, func(a string) bool { return strings.TrimSuffix(a, "/") == du.dir })
			r.note("training: not copying %s/, which the command names: training writes there (%s)", du.dir, strings.Join(du.why, "; "))
		}
	}
	r.noteAdded("training", added, train)
	// What training reads, and the committed files it loads (a fitted encoder in artifacts/).
	reads := r.uses(files, ev, func(_ *pyFile, o pyOp) bool { return o.kind == opRead || o.kind == opLoad })
	var readWhy []string
	copies, readWhy = r.runtimeReads("training", copies, reads)
	r.noteDownloads(us, copies, ev.files)
	if froms := itemFroms(copies); !slices.Equal(froms, defaultTrainingCopy) || hasTo(copies) {
		t.copy = copies
		t.copyWhy = copyWhy(lay, cfg, true, false, added, train)
		if len(readWhy) > 0 {
			t.copyWhy = strings.TrimSpace(t.copyWhy + " Read at run time: " + strings.Join(readWhy, "; ") + ".")
		}
	}
	r.noteWorkdirWrites("training", inWorkdir)
	if len(dirs) == 0 || len(dirs) == 1 && dirs[0].dir == "models" {
		if len(dirs) == 1 {
			r.note("training: writes models/ (%s), writable by default", strings.Join(dirs[0].why, "; "))
		}
		return ev
	}
	w := []string{"models"}
	var shown []dirUse
	for _, du := range dirs {
		if du.dir == "models" {
			continue
		}
		w = append(w, du.dir)
		shown = append(shown, du)
	}
	t.writable = w
	t.writableWhy = "Training writes " + joinWhy(shown) + "; models/ is the default. The code stays read-only."
	r.note("training: writable %s: it writes %s", strings.Join(w[1:], ", "), joinWhy(shown))
	for _, du := range shown {
		if strings.Contains(du.dir, "/") && !path.IsAbs(du.dir) {
			r.note("training: %s/ is inside a copied directory: a copy layer would cover it root-owned if the repository has that directory; write elsewhere if training fails there", du.dir)
		}
	}
	return ev
}

// noteDownloads notes the data training downloads when it runs (urlretrieve, Kaggle, a
// dataset's download=True, a library's fetcher): the container needs the network then, and
// the folders it downloads into, which the image does not copy, are the user's (writable,
// or the home's caches).
func (r *repo) noteDownloads(us []use, copies []copyItem, files []*pyFile) {
	var at, into []string
	for _, f := range files {
		for _, d := range f.homeDownloads {
			at = append(at, fmt.Sprintf("%s:%d %s to %s", f.path, d.line, d.how, d.home))
		}
	}
	for _, u := range us {
		if !u.download || u.v.scheme != "" {
			continue
		}
		d := u.v.dir(u.kind)
		if d == "" {
			d = "."
		} else if !path.IsAbs(d) {
			d = topDir(d)
		}
		at = append(at, fmt.Sprintf("%s to %s", u, show(u.v.p, u.kind == opMkdir || u.v.partial)))
		if !slices.Contains(into, d) && !coveredItems(copies, d) {
			into = append(into, d)
		}
		r.downloadsData = r.downloadsData || d == "data"
	}
	if len(at) == 0 {
		return
	}
	where := ""
	if len(into) > 0 {
		var ds []string
		for _, d := range into {
			if d == "." {
				ds = append(ds, "the working directory")
			} else {
				ds = append(ds, show(d, true))
			}
		}
		where = fmt.Sprintf("; it writes the data into %s, which the image does not copy", list(ds))
	}
	r.note("training: the image downloads its data when it runs (%s): the training container needs the network (and any credentials) then%s", strings.Join(at, ", "), where)
}

// noteAdded notes the copies added beyond the code directories: the entry's own, and the
// code it imports.
func (r *repo) noteAdded(target string, added []string, e *entry) {
	if e == nil {
		return
	}
	var code, named []string
	for _, a := range added {
		switch p := strings.TrimSuffix(a, "/"); {
		case p == topDir(e.file):
			r.note("%s: copying %s: it holds %s", target, a, e.file)
		case slices.Contains(e.extra, p):
			named = append(named, a)
		default:
			code = append(code, a)
		}
	}
	if len(named) > 0 {
		r.note("%s: copying %s too: the command names %s", target, list(named), plural(len(named), "it", "them"))
	}
	if len(code) > 0 {
		r.note("%s: copying %s too: %s imports code there", target, list(code), e.file)
	}
}

func topDirUnlessAbs(p string) string {
	if path.IsAbs(p) {
		return p
	}
	return topDir(p)
}

// noteWorkdirWrites notes files written in the working directory itself: training's is the
// user's (writable-workdir), inference's stays read-only.
func (r *repo) noteWorkdirWrites(target string, us []use) {
	if len(us) == 0 {
		return
	}
	var at []string
	for _, u := range us {
		at = append(at, u.String())
	}
	if target == "training" {
		r.note("training: writes files in the working directory itself (%s): fine, the training image's working directory is the user's (writable-workdir)", strings.Join(at, ", "))
		return
	}
	r.note("%s: writes files in the working directory itself (%s), which is read-only in the image: "+
		"write them under a directory (and add it to targets.%s.writable)", target, strings.Join(at, ", "), target)
}

// placeholderDir reports whether p is a directory holding only placeholders (.gitkeep,
// dotfiles, a README).
func (r *repo) placeholderDir(p string) bool {
	ents, err := fs.ReadDir(r.fsys, p)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if n := strings.ToLower(e.Name()); e.IsDir() || !strings.HasPrefix(n, ".") && !strings.HasPrefix(n, "readme") {
			return false
		}
	}
	return true
}

// hubIDRe is a Hugging Face Hub model id: "name" or "org/name".
var hubIDRe = regexp.MustCompile(`^[A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?$`)

// hubLoad reports whether a load the repository cannot satisfy names a Hub model: a
// from_pretrained (or sentence-transformers) argument shaped like an id, with no model file
// extension.
func hubLoad(u use) bool {
	h := u.how
	if i := strings.IndexByte(h, ' '); i >= 0 {
		h = h[:i]
	}
	return (strings.HasSuffix(h, "from_pretrained") || strings.HasSuffix(h, "SentenceTransformer") || strings.HasSuffix(h, "CrossEncoder")) &&
		!u.v.partial && u.v.env == "" && hubIDRe.MatchString(u.v.p) && !modelExtRe.MatchString(u.v.p) && !strings.HasPrefix(u.v.p, ".")
}

// importedFuncs are the top-level functions and classes, as "file:name", that the app's
// module imports by name from the repository's own modules (from svc.store import Cache,
// save_feedback), and those it calls through a module it imports (from svc import store;
// store.save_feedback(...)).
func (r *repo) importedFuncs(app *entry) map[string]bool {
	out := map[string]bool{}
	if app == nil {
		return out
	}
	pf := r.file(app.file)
	if pf == nil {
		return out
	}
	// through marks the functions the app calls as alias.NAME in the module file.
	through := func(file, alias string) {
		for c := range pf.callees {
			if name, ok := strings.CutPrefix(c, alias+"."); ok && identRe.MatchString(name) {
				out[file+":"+name] = true
			}
		}
	}
	for _, im := range pf.importStmts {
		rs := []string{".", "src", app.root}
		mod := im.mod
		if im.level > 0 {
			rs = []string{relBase(pf.path, im.level)}
		}
		var files []string
		if mod != "" {
			files = r.moduleFiles(mod, rs)
		}
		if len(im.names) == 0 {
			// import svc.store [as store]
			if len(files) > 0 && strings.HasSuffix(files[len(files)-1], ".py") {
				through(files[len(files)-1], cmp.Or(im.alias, mod))
			}
			continue
		}
		for _, n := range im.names {
			sub := mod + "." + n[0]
			if mod == "" {
				sub = n[0]
			}
			if m := r.moduleFiles(sub, rs); len(m) > 0 && strings.HasSuffix(m[len(m)-1], ".py") && len(m) > len(files) {
				through(m[len(m)-1], n[1]) // from svc import store
				continue
			}
			if len(files) > 0 && strings.HasSuffix(files[len(files)-1], ".py") {
				out[files[len(files)-1]+":"+n[0]] = true
			}
		}
	}
	return out
}

func (r *repo) planInference(p *plan, lay layout, cfg string, app, train *entry, tev *evaluator, d *declared) {
	t := &p.inference
	files := r.reach(r.entryFiles(app), roots(app))
	copies, added := r.codeCopies(lay, cfg, app, files)
	models := r.inContext("models", true)
	if models && !coveredItems(copies, "models") {
		copies = append(copies, copyItem{from: "models"})
	}
	r.noteAdded("inference", added, app)
	// What the serving Dockerfile copies to the same place under its WORKDIR (COPY model/
	// ./model/): the image needs it, whatever the code says.
	var declWhy []string
	for _, c := range d.copies {
		from := c.from
		if c.to != "/app/"+from || coveredItems(copies, from) || !plainPath(from) || notCopied(from) {
			continue
		}
		if dir := r.isDir(from); r.inContext(from, dir) {
			copies = append(copies, copyItem{from: from})
			declWhy = append(declWhy, fmt.Sprintf("%s copies %s", c.at, show(from, dir)))
			r.note("inference: copying %s, as %s does", show(from, dir), c.at)
		}
	}
	env := targetEnv(d, "inference")
	ev := &evaluator{r: r, env: env, files: r.pyFiles(files)}
	if app != nil && app.decl != nil {
		ev.cwd = app.decl.cd
	}

	// The model the app loads: copy its directory to where the app reads it.
	var modelWhy []string
	var modelEnv []envSet // variables that point the app at the model where the image has it
	loaded := false
	reads := r.uses(files, ev, func(_ *pyFile, o pyOp) bool { return o.kind == opLoad || o.kind == opRead })
	trainFiles := r.reach(r.entryFiles(train), roots(train))
	trainWrites := r.uses(trainFiles, tev, func(_ *pyFile, o pyOp) bool { return o.kind == opWrite || o.kind == opMkdir })
	// What the app's code and training save (save_pretrained(MODEL_DIR)): a folder loaded by
	// such a name is theirs, not a Hub id.
	saves := append(r.uses(files, ev, func(_ *pyFile, o pyOp) bool { return o.kind == opWrite }), trainWrites...)
	var hubIDs []string
	hubAt := map[string][]string{}
	for _, u := range reads {
		if u.v.scheme == "runs" || u.v.scheme == "models" {
			store, at := r.mlflowStore(files, ev, true)
			if store == "" {
				continue
			}
			if r.placeholderDir(store) {
				// The store is made when the app runs (db/ holds only .gitkeep): nothing to copy.
				r.note("inference: the app loads from the MLflow store %s/ (%s), which holds no runs in the repository: the app fills it when it runs", store, at)
				continue
			}
			u = use{kind: opLoad, v: pathVal{p: store, partial: true}, at: u.at, how: u.how + " of a " + u.v.scheme + ":/ URI, from " + at}
		}
		if !modelRead(u) {
			continue
		}
		loaded = true
		what := u.v.p
		if u.v.partial {
			what += "/"
		}
		if u.v.env != "" {
			what += " ($" + u.v.env + ")"
		}
		if path.IsAbs(u.v.p) {
			c, why := r.absModel(u, d)
			if c == nil {
				c, why = r.modelByName(u, &copies, &modelEnv)
			}
			if c == nil {
				if why == "" {
					r.note("inference: the app loads %s (%s), which no COPY or directory of the repository provides: copy the model there", u.v.p, u)
				} else {
					modelWhy = append(modelWhy, why)
				}
				continue
			}
			if !slices.Contains(copies, *c) {
				copies = append(copies, *c)
				modelWhy = append(modelWhy, why)
			}
			continue
		}
		top := topDir(u.v.p)
		src, dir := top, true
		// A model file under a copied folder that the repository does not hold (git-ignored,
		// made by training): it must be put there.
		trained := ev.cwd != "" && !u.v.partial && path.Ext(u.v.p) != "" && !r.exists(u.v.p) && coveredItems(copies, u.v.p)
		if trained {
			src = path.Dir(u.v.p)
		} else if coveredItems(copies, u.v.p) {
			continue
		}
		if !strings.Contains(u.v.p, "/") && !u.v.partial {
			if r.isDir(src) && !r.isFile(src) {
				what = strings.Replace(what, src, src+"/", 1) // a folder named alone: mlflow's load_model("model")
			} else {
				dir = false
			}
		}
		// notHeld says how to put a model the repository does not hold where the app loads it.
		notHeld := func() {
			msg := fmt.Sprintf("inference: the app loads %s (%s), which the repository does not hold", what, u)
			best := -1
			for i, w := range trainWrites {
				if w.v.p == u.v.p && !w.v.partial || best < 0 && topDir(w.v.p) == top {
					best = i
				}
			}
			if best >= 0 {
				msg += fmt.Sprintf("; training writes it (%s)", trainWrites[best])
			}
			how := fmt.Sprintf("{from: ., to: %s, context: trained}", src)
			holding := fmt.Sprintf("the trained files of %s/", src)
			if !dir {
				how, holding = fmt.Sprintf("{from: %s, to: %s, context: trained}", src, src), "the trained "+src
			}
			r.note("%s: add %s to targets.inference.copy and build with --build-context trained=DIR, DIR holding %s", msg, how, holding)
			// The spec says it too, where the copies are.
			t.modelHow = append(t.modelHow, fmt.Sprintf("The app loads %s (%s), which the repository does not hold%s: to put it there, add %s to this list and build with --build-context trained=DIR, DIR holding %s (the training image's output).",
				what, u, strings.TrimPrefix(msg[strings.Index(msg, "does not hold")+len("does not hold"):], ""), how, holding))
		}
		switch {
		case !plainPath(src):
		case trained:
			notHeld()
		case r.inContext(src, dir):
			copies = append(copies, copyItem{from: src})
			modelWhy = append(modelWhy, fmt.Sprintf("the app loads %s (%s)", what, u))
			r.note("inference: copying %s: the app loads its model %s from there (%s)", show(src, dir), what, u)
		case r.exists(src) && r.excluded(src):
			r.note("inference: the app loads %s (%s), but %s keeps %s out of the build context: re-include it (!%s) or the image has no model", what, u, r.ignoreName, show(src, dir), src)
		case !u.v.partial && path.Ext(u.v.p) != "" && r.modelFound(u, &copies, &modelEnv, &modelWhy):
		case hubLoad(u) && slices.ContainsFunc(saves, func(w use) bool { return w.v.p == u.v.p && !w.v.partial }):
			// from_pretrained(MODEL_DIR) where the code saves MODEL_DIR: made by training.
			notHeld()
		case hubLoad(u):
			// from_pretrained("bert-base-uncased"): a Hugging Face Hub id, not a path.
			if !slices.Contains(hubIDs, u.v.p) {
				hubIDs = append(hubIDs, u.v.p)
			}
			hubAt[u.v.p] = append(hubAt[u.v.p], u.String())
		default:
			notHeld()
		}
	}
	for _, id := range hubIDs {
		r.note("inference: the app downloads %s from the Hugging Face Hub when it runs (%s): the container needs network then, "+
			"or save the model into the repository (save_pretrained) and load it from there", id, strings.Join(hubAt[id], ", "))
	}
	copies, readWhy := r.runtimeReads("inference", copies, reads)
	if !models && !loaded {
		r.note("inference: no models/ directory, so the image gets no model files; add models/, or copy them from " +
			"a named context: {from: ., to: models, context: trained} with --build-context trained=DIR")
	}

	if app != nil {
		t.command, t.shell, t.commandWhy = app.command, app.shell, app.desc
		if app.root != "" {
			t.pythonpath = []string{spec.DefaultWorkdir + "/" + app.root}
			t.pythonpathWhy = fmt.Sprintf("%s/ is the import root: %s imports the modules under it by their own names.", app.root, app.file)
		}
		r.checkUvicorn(p, app)
		r.srcPath(t, files)
	}
	port, portWhy := r.servePort(app, d)
	if port != spec.DefaultInferencePort {
		t.expose, t.exposeWhy = []int{port}, portWhy
		if app != nil && app.serveOn != nil && t.command != nil && slices.Equal(t.command, app.command) {
			t.command = app.serveOn(port)
		}
	}
	if s := serverOf(t.command); app != nil && (s == "uvicorn" || s != "" && app.decl == nil) {
		t.description = "Inference image: serves " + app.target + " with " + s
	} else if t.command != nil || t.shell != "" {
		t.description = "Inference image: runs " + app.decl.String()
	}
	if app != nil && app.decl != nil && app.decl.cd != "" && t.command != nil {
		// The declared command starts the server from a folder of its own: the code's relative
		// paths are relative to it, so the image's command keeps that working directory.
		r.note("inference: %s starts the server in %s/ (cd %s): the command keeps that working directory", app.decl.origin(), app.decl.cd, app.decl.cd)
		t.shell = "cd " + shellWords([]string{app.decl.cd}) + " && exec " + shellWords(t.command)
		t.command = nil
	}
	if app != nil && app.decl != nil && t.shell == "" && t.command != nil {
		maps.Copy(env, r.commandEnv(t, "inference", app.decl))
	}
	if app != nil {
		pr := r.health(app, d, port)
		t.healthPath, t.healthCmd, t.healthWhy = pr.path, pr.command, pr.why
		t.smokeOff = r.startupBlockers(files, env)
	}

	// What the app writes: at import (anywhere it imports), and in its own module.
	// And in the functions of other modules that the app's module imports by name (from
	// pkg.model_framework import train_model: a /train route calls it).
	called := r.importedFuncs(app)
	appWrites := r.uses(files, ev, func(f *pyFile, o pyOp) bool {
		return o.kind != opLoad && o.kind != opRead && o.kind != opTrack &&
			(!o.inFunc || app != nil && f.path == app.file || o.fn != "" && called[f.path+":"+o.fn])
	})
	dirs, inWorkdir := writableDirs(appWrites, copies)
	// An app that logs MLflow runs (a /train route) writes the local store, and, with a
	// sqlite store, the default artifact root mlruns/ beside it.
	for _, pf := range r.pyFiles(files) {
		if pf.mlflow == 0 {
			continue
		}
		logs := fmt.Sprintf("%s:%d %s", pf.path, pf.mlflow, pf.mlflowCall)
		if store, at := r.mlflowStore(files, ev, false); store != "" && plainPath(store) && !path.IsAbs(store) {
			dirs = addDir(dirs, topDir(store), logs+", to "+at)
			if strings.HasSuffix(at, "(sqlite)") && !coveredItems(copies, "mlruns") {
				dirs = addDir(dirs, "mlruns", logs+", artifacts to MLflow's default ./mlruns")
			}
		}
		break
	}
	r.noteWorkdirWrites("inference", inWorkdir)
	var w []string
	var shown []dirUse
	for _, du := range dirs {
		if coveredItems(copies, du.dir) && !strings.Contains(du.dir, "/") {
			if slices.ContainsFunc(files, func(p string) bool { return strings.HasPrefix(p, du.dir+"/") }) {
				// The app's own code: it stays read-only.
				r.note("inference: the app writes %s/ (%s), which holds its code, copied root-owned: it cannot write there; write elsewhere",
					du.dir, strings.Join(du.why, "; "))
				continue
			}
			// A folder of committed files the app reads (an encoder beside the model) that it
			// also writes into: copied for the files, writable for the writes.
			r.note("inference: %s/ is both copied (the app reads the files the repository commits there) and writable: the app writes there too (%s)",
				du.dir, strings.Join(du.why, "; "))
		}
		w = append(w, du.dir)
		shown = append(shown, du)
	}
	if len(w) > 0 {
		t.writable = w
		t.writableWhy = "The app writes " + joinWhy(shown) + "."
		r.note("inference: writable %s: the app writes %s", strings.Join(w, ", "), joinWhy(shown))
	}

	froms := itemFroms(copies)
	if !slices.Equal(froms, defaultInferenceCopy) || hasTo(copies) {
		t.copy = copies
		t.copyWhy = copyWhy(lay, cfg, false, models, added, app)
		if len(declWhy) > 0 {
			t.copyWhy = strings.TrimSpace(t.copyWhy + " Declared: " + strings.Join(declWhy, "; ") + ".")
		}
		if len(modelWhy) > 0 {
			t.copyWhy = strings.TrimSpace(t.copyWhy + " The model: " + strings.Join(modelWhy, "; ") + ".")
		}
		if len(readWhy) > 0 {
			t.copyWhy = strings.TrimSpace(t.copyWhy + " Read at run time: " + strings.Join(readWhy, "; ") + ".")
		}
	}

	// The environment the repository declares for the image and the code reads.
	for _, pair := range []struct {
		tp     *targetPlan
		target string
		files  []string
	}{{&p.training, "training", r.reach(r.entryFiles(train), roots(train))}, {t, "inference", files}} {
		reads := map[string]bool{}
		for _, f := range r.pyFiles(pair.files) {
			for _, e := range f.envReads {
				reads[e] = true
			}
		}
		var why []string
		for _, k := range sortedKeys(targetEnv(d, pair.target)) {
			e := d.env[k]
			if !reads[k] || skipEnv(k) || secretRe.MatchString(k) || !identRe.MatchString(k) {
				continue
			}
			if i := slices.IndexFunc(modelEnv, func(m envSet) bool { return m.key == k }); i >= 0 && pair.tp == t {
				// It points at a model the image does not have there: set below.
				modelEnv[i].why += fmt.Sprintf(" (%s sets %s, where the image has no model)", e.at, e.value)
				r.note("inference: env %s: %s sets %s, where the image has no model; using %s", k, e.at, e.value, modelEnv[i].value)
				continue
			}
			if pair.tp.env == nil {
				pair.tp.env = map[string]string{}
			}
			pair.tp.env[k] = e.value
			why = append(why, fmt.Sprintf("%s (%s)", k, e.at))
		}
		if len(why) > 0 {
			pair.tp.envWhy = strings.TrimSpace(pair.tp.envWhy + " Declared by " + strings.Join(why, ", ") + ", and read by the code.")
			r.note("%s: env %s, as declared", pair.target, strings.Join(why, ", "))
		}
	}
	for _, e := range modelEnv {
		if t.env == nil {
			t.env = map[string]string{}
		}
		t.env[e.key] = e.value
		t.envWhy = strings.TrimSpace(t.envWhy + " The model: " + e.why + ".")
	}
}

// srcPath puts /app/src on the target's PYTHONPATH when code outside src/ (a root main.py
// or app.py) imports the packages under src/ by their own names, as a src layout installed
// with pip install -e . lets it: the image copies src/, it does not install it.
func (r *repo) srcPath(t *targetPlan, files []string) {
	if t.pythonpath != nil || r.isFile("src/__init__.py") || !r.isDir("src") {
		return
	}
	r.srcRooted("src/x.py") // fills srcNames
	for _, f := range r.pyFiles(files) {
		if strings.HasPrefix(f.path, "src/") {
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(f.imports)) {
			if r.srcNames[name] && !r.isDir(name) && !r.isFile(name+".py") {
				t.pythonpath = []string{spec.DefaultWorkdir, spec.DefaultWorkdir + "/src"}
				t.pythonpathWhy = fmt.Sprintf("%s imports %s from src/ by its own name (a src layout, not installed in the image).", f.path, name)
				return
			}
		}
	}
}

// startupBlockers says why the app cannot start at build time, where the smoke test runs
// with no network and no credentials: what files (those the app imports) do at import or
// start. Empty when nothing stops it.
func (r *repo) startupBlockers(files []string, env map[string]envFact) string {
	var why []string
	for _, pf := range r.pyFiles(files) {
		if pf.dotenv > 0 && r.exists(".env") {
			r.note("inference: %s:%d reads .env, which the secure excludes keep out of the build context (it holds secrets): set what the app needs with env: (not secrets) or at run time (docker run --env-file .env)", pf.path, pf.dotenv)
		}
		for _, s := range slices.Concat(pf.startup, r.importedSettings(pf)) {
			if _, set := env[s.env]; s.env != "" && set {
				continue // the image sets it
			}
			if len(s.envs) > 0 && !slices.ContainsFunc(s.envs, func(k string) bool { _, set := env[k]; return !set }) {
				continue // the image sets them all
			}
			if s.mlflow && r.localTracking(files, env) {
				continue // the image holds the local store the URI names
			}
			if l := s.local; l != "" && (path.IsAbs(l) || strings.HasPrefix(l, ".") || r.exists(strings.TrimSuffix(l, "/"))) {
				continue // a path in the image, not a hub id
			}
			why = append(why, fmt.Sprintf("%s:%d %s", pf.path, s.line, s.what))
		}
	}
	if len(why) == 0 {
		return ""
	}
	msg := "The app cannot start at build time, where the smoke test runs with no network and no credentials: " +
		strings.Join(why, "; ") + ". The smoke test is off; the healthcheck still runs where the image runs."
	r.note("inference: smoke test off: the app cannot start at build time (no network, no credentials): %s", strings.Join(why, "; "))
	return msg
}

// importedSettings are the settings classes with required fields that pf imports from
// another module and instantiates at import.
func (r *repo) importedSettings(pf *pyFile) []pyStartup {
	var out []pyStartup
	for _, in := range pf.instances {
		for _, im := range pf.importStmts {
			for _, nm := range im.names {
				if nm[1] != in.callee {
					continue
				}
				if g := r.lastFile(r.importModule(pf, im, "")); g != nil && len(g.settings[nm[0]]) > 0 {
					out = append(out, settingsStartup(in.callee, g.path, g.settings[nm[0]], in.line))
				}
			}
		}
	}
	return out
}

// localTracking reports whether the MLflow store the app reads is a local one the repository
// holds (mlruns/ or mlflow.db, copied into the image), not a tracking server.
func (r *repo) localTracking(files []string, env map[string]envFact) bool {
	if e, ok := env["MLFLOW_TRACKING_URI"]; ok && (strings.HasPrefix(e.value, "http") || strings.HasPrefix(e.value, "databricks")) {
		return false
	}
	for _, pf := range r.pyFiles(files) {
		if pf.mlflowServer != "" {
			return false
		}
	}
	return r.isDir("mlruns") || r.isFile("mlflow.db")
}

// notCopied reports whether a path a Dockerfile copies is not one for the spec to copy: the
// dependency files (the frontend installs them), tests, docs, data and notebooks.
func notCopied(p string) bool {
	top := topDir(p)
	return strings.HasPrefix(top, "requirements") || top == "pyproject.toml" || top == "setup.py" || top == "setup.cfg" ||
		strings.HasSuffix(top, ".lock") || top == "pylock.toml" || top == "Pipfile" || top == ".python-version" ||
		skipScan[top] || top == "Dockerfile" || strings.HasSuffix(top, ".md") || strings.HasSuffix(top, ".sh")
}

// absModel is the copy that puts a model read at an absolute path there: the directory a
// Dockerfile COPY puts there, else a repository directory of the same name.
func (r *repo) absModel(u use, d *declared) (*copyItem, string) {
	dir := u.v.dir(opRead)
	if u.kind == opLoad && !u.v.partial && path.Ext(u.v.p) == "" {
		dir = u.v.p
	}
	for _, c := range d.copies {
		if (c.to == dir || strings.HasPrefix(dir, c.to+"/")) && plainPath(c.to) && plainPath(c.from) {
			rel := strings.TrimPrefix(strings.TrimPrefix(dir, c.to), "/")
			from := path.Join(c.from, rel)
			if r.inContext(from, true) {
				r.note("inference: copying %s/ to %s: the app loads %s (%s), and %s copies it there", from, dir, u.v.p, u, c.at)
				return &copyItem{from: from, to: dir}, fmt.Sprintf("%s loads %s; %s copies %s/ there", u, u.v.p, c.at, from)
			}
		}
	}
	if base := path.Base(dir); plainPath(dir) && r.inContext(base, true) {
		r.note("inference: copying %s/ to %s: the app loads %s (%s); a guess by the name, check it", base, dir, u.v.p, u)
		return &copyItem{from: base, to: dir}, fmt.Sprintf("%s loads %s: %s/ is a guess by the name", u, u.v.p, base)
	}
	return nil, ""
}

// envSet is an environment variable init sets for the model, with why.
type envSet struct{ key, value, why string }

// modelFound handles a model file the app loads at a relative path the repository does not
// hold, when the repository holds a file of that name elsewhere (a trained model kept in a
// nested folder): it reports whether it placed it.
func (r *repo) modelFound(u use, copies *[]copyItem, env *[]envSet, why *[]string) bool {
	c, w := r.modelByName(u, copies, env)
	if c != nil && !slices.Contains(*copies, *c) {
		*copies = append(*copies, *c)
	}
	if w != "" {
		*why = append(*why, w)
	}
	return w != ""
}

// modelByName finds, for a model file the app loads where the image has nothing (an absolute
// path no COPY provides, or a relative one the repository does not hold), the repository's
// one file of that name. When the path comes from an environment variable the code reads
// (os.getenv("MODEL_PATH", "/opt/ml/model/m.joblib")), the variable is set to where the image
// has the file (its folder copied to /app as it is in the repository); otherwise the copy
// returned puts the file's folder where the app reads it. why is "" when nothing was found.
func (r *repo) modelByName(u use, copies *[]copyItem, env *[]envSet) (*copyItem, string) {
	if u.v.partial || path.Ext(u.v.p) == "" {
		return nil, ""
	}
	found := r.filesNamed(path.Base(u.v.p))
	if len(found) != 1 {
		if len(found) > 1 {
			r.note("inference: the app loads %s (%s); the repository holds %s: copy the right one there", u.v.p, u, list(found))
		}
		return nil, ""
	}
	f := found[0]
	dir := path.Dir(f)
	if u.v.env != "" && identRe.MatchString(u.v.env) && !skipEnv(u.v.env) {
		top := topDir(f)
		if !coveredItems(*copies, top) && !coveredItems(*copies, dir) {
			*copies = append(*copies, copyItem{from: dir})
		}
		to := spec.DefaultWorkdir + "/" + f
		*env = append(*env, envSet{key: u.v.env, value: to,
			why: fmt.Sprintf("%s loads $%s (%s), which the repository holds at %s", u, u.v.env, u.v.p, f)})
		r.note("inference: env %s=%s: the app loads $%s (%s) from %s, which the image does not have; the repository holds %s, copied to %s", u.v.env, to, u.v.env, u, u.v.p, f, to)
		return nil, fmt.Sprintf("%s loads $%s, set to %s", u, u.v.env, to)
	}
	to := path.Dir(u.v.p)
	r.note("inference: copying %s/ to %s: the app loads %s (%s), and the repository holds %s", dir, to, u.v.p, u, f)
	return &copyItem{from: dir, to: to}, fmt.Sprintf("%s loads %s; the repository holds %s", u, u.v.p, f)
}

// filesNamed are the repository's files named name in the build context (a few levels
// deep, outside caches, virtual environments and data), sorted.
func (r *repo) filesNamed(name string) []string {
	var out []string
	fs.WalkDir(r.fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return nil
		}
		if e.IsDir() {
			if skipScan[e.Name()] || strings.HasPrefix(e.Name(), ".") || strings.Count(p, "/") >= 4 || r.excluded(p) {
				return fs.SkipDir
			}
			return nil
		}
		if e.Name() == name && r.inContext(p, false) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// checkUvicorn notes when the images do not install the server.
func (r *repo) checkUvicorn(p *plan, app *entry) {
	server := "uvicorn"
	if app.command != nil && serverOf(app.command) != "uvicorn" {
		if app.decl == nil || app.decl.server == "" {
			return
		}
		server = app.decl.server
	}
	switch {
	case p.requirements != nil && len(p.requirements) == 0:
		r.note("inference: with no requirements installed, %s (which serves the app) must come with the base image", server)
	case r.reqKnown && !r.reqPkgs[server] && p.depFiles != nil:
		r.note("inference: %s does not install %s, which serves the app: add %s to the dependencies", p.depFiles[0], server, server)
	case r.reqKnown && !r.reqPkgs[server]:
		r.note("inference: no requirements file names %s, which serves the app: add %s to the requirements", server, server)
	}
}

// trainCwd is the folder a training script runs in: the one the serving Dockerfile copies onto
// its working directory (COPY ./app /app), when the script (not a declared command) is in it;
// "" otherwise.
func trainCwd(train *entry, d *declared) string {
	if train == nil || d.workdirCopy == nil || !train.script || train.decl != nil {
		return ""
	}
	if x := d.workdirCopy.from; strings.HasPrefix(train.file, x+"/") && !strings.Contains(strings.TrimPrefix(train.file, x+"/"), "/") {
		return x
	}
	return ""
}

// servePort is the port the app serves on: the serving command's, the HEALTHCHECK's, the
// EXPOSE or compose ports, else the port a uvicorn.run in the code passes, else 8000.
func (r *repo) servePort(app *entry, d *declared) (int, string) {
	var facts []portFact
	var code *portFact
	if app != nil && app.port != 0 {
		f := portFact{port: app.port, what: "the serving command", at: where{file: app.portAt}}
		if app.decl != nil && app.decl.port == app.port {
			facts = append(facts, f)
		} else {
			f.what = "uvicorn.run"
			if app.framework == "Flask" {
				f.what = "app.run"
			}
			code = &f
		}
	}
	for _, h := range d.health {
		if h.port != 0 {
			facts = append(facts, portFact{port: h.port, what: "HEALTHCHECK", at: h.at})
		}
	}
	for _, f := range d.ports {
		if app != nil && f.dir != "" && !strings.HasPrefix(app.file, f.dir+"/") {
			r.note("inference: %s (%s) says %d, but that service builds %s/, not the app (%s): not used", f.at, f.what, f.port, f.dir, app.file)
			continue
		}
		facts = append(facts, f)
	}
	if code != nil {
		facts = append(facts, *code)
	}
	if len(facts) == 0 {
		return spec.DefaultInferencePort, ""
	}
	c := facts[0]
	var other []string
	for _, f := range facts[1:] {
		if f.port != c.port {
			other = append(other, fmt.Sprintf("%s says %d (%s)", f.at, f.port, f.what))
		}
	}
	if len(other) > 0 {
		r.note("inference: the repository disagrees on the port: %s (%s) says %d, %s; using %d", c.at, c.what, c.port, strings.Join(other, ", "), c.port)
	}
	switch {
	case c.port < 1024:
		r.note("inference: %s (%s) serves on port %d, which a non-root user cannot always bind: the image serves on %d instead; publish it as %d (-p %d:%d)",
			c.at, c.what, c.port, spec.DefaultInferencePort, c.port, c.port, spec.DefaultInferencePort)
		return spec.DefaultInferencePort, ""
	case c.port == spec.DefaultInferencePort:
		r.note("inference: port %d, as %s (%s) says", c.port, c.at, c.what)
		return c.port, ""
	}
	r.note("inference: port %d, as %s (%s) says: exposed, probed and served there", c.port, c.at, c.what)
	return c.port, fmt.Sprintf("%s (%s) serves on %d.", c.at, c.what, c.port)
}

// targetEnv is the environment the repository declares for a target.
func targetEnv(d *declared, target string) map[string]envFact {
	out := map[string]envFact{}
	for k, e := range d.env {
		if e.target == target || e.target == "" {
			out[k] = e
		}
	}
	return out
}

// Variables of a declared environment that the spec sets itself or that describe the build.
func skipEnv(k string) bool {
	return k == "PATH" || k == "HOME" || k == "LANG" || k == "PORT" || k == "HOST" || k == "VIRTUAL_ENV" || k == "WORKDIR" ||
		strings.HasPrefix(k, "PYTHON") || strings.HasPrefix(k, "PIP_") || strings.HasPrefix(k, "LC_") ||
		strings.HasPrefix(k, "POETRY_") || strings.HasPrefix(k, "UV_") || k == "DEBIAN_FRONTEND"
}

func itemFroms(cs []copyItem) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.from)
	}
	return out
}

func hasTo(cs []copyItem) bool {
	return slices.ContainsFunc(cs, func(c copyItem) bool { return c.to != "" })
}

// coveredItems reports whether the copies bring the repository path p into the image at p.
func coveredItems(cs []copyItem, p string) bool {
	return slices.ContainsFunc(cs, func(c copyItem) bool {
		return c.to == "" && (c.from == p || c.from == "." || strings.HasPrefix(p, c.from+"/"))
	})
}

// copyWhy explains a copy list that differs from the default.
func copyWhy(lay layout, cfg string, training, models bool, added []string, e *entry) string {
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
	what := "the training entry"
	if !training {
		what = "the app"
	}
	var code []string
	for _, a := range added {
		switch p := strings.TrimSuffix(a, "/"); {
		case e != nil && p == topDir(e.file):
			why = append(why, fmt.Sprintf("%s holds %s", a, what))
		case e != nil && slices.Contains(e.extra, p):
			why = append(why, fmt.Sprintf("the command names %s", a))
		default:
			code = append(code, a)
		}
	}
	if len(code) > 0 {
		why = append(why, fmt.Sprintf("%s %s code %s runs", list(code), plural(len(code), "holds", "hold"), what))
	}
	if len(why) == 0 {
		return ""
	}
	return "Not the default list: " + strings.Join(why, "; ") + "."
}

// layout finds the code: src/, else the top-level packages, else the top-level modules,
// else directories of Python code without __init__.py (namespace packages).
func (r *repo) layout() layout {
	if r.inContext("src", true) {
		return layout{kind: "src", code: []string{"src"}, desc: "src/"}
	}
	var pkgs, mods, ns []string
	for _, e := range r.topEntries() {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, "."):
		case e.IsDir() && identRe.MatchString(n) && !notCodeDirs[n] && r.isFile(n+"/__init__.py") && r.inContext(n, true):
			pkgs = append(pkgs, n)
		case e.IsDir() && identRe.MatchString(n) && !notCodeDirs[n] && !skipScan[n] && r.hasPy(n) && r.inContext(n, true):
			ns = append(ns, n)
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
	case len(ns) > 0:
		names := make([]string, len(ns))
		for i, p := range ns {
			names[i] = p + "/"
		}
		return layout{kind: "namespace", code: ns, desc: fmt.Sprintf("the %s %s of Python code without __init__.py (namespace packages; no src/)",
			list(names), plural(len(ns), "directory", "directories"))}
	}
	return layout{kind: "none", code: []string{}, desc: "no code found (no src/, package, top-level module or directory of Python files)"}
}

// hasPy reports whether dir holds a Python module, at most two levels down.
func (r *repo) hasPy(dir string) bool {
	found := false
	fs.WalkDir(r.fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found {
			return fs.SkipAll
		}
		if d.IsDir() && strings.Count(p, "/") > 2 {
			return fs.SkipDir
		}
		if !d.IsDir() && isPyModule(d.Name()) {
			found = true
		}
		return nil
	})
	return found
}

// appRank orders app candidates with the same evidence: the default src/api.py:app first,
// then the shallowest file, then the usual names.
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

func topDir(p string) string {
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return p
}

// shellWords joins words into a shell command line, single-quoting those that need it.
func shellWords(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,@%+-") == "" {
			out[i] = w
		} else {
			out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}

// loopbackRe is a URL or address on the local machine.
var loopbackRe = regexp.MustCompile(`\b(?:localhost|127\.0\.0\.1)\b`)

// commandEnv keeps what the variables a declared command is run with (VAR=value python ...,
// env VAR=value python ...) mean, once the image runs the command in exec form: PYTHONPATH
// becomes the target's pythonpath (relative entries under the workdir), the others its env.
// It returns the variables, for the evaluator of the code's paths.
func (r *repo) commandEnv(t *targetPlan, target string, c *command) map[string]envFact {
	out := map[string]envFact{}
	if c == nil || len(c.env) == 0 {
		return out
	}
	var set []string
	for _, kv := range c.env {
		k, v := kv[0], kv[1]
		switch k {
		case "PATH", "HOME", "VIRTUAL_ENV":
			r.note("%s: %s sets %s for the command: not kept (the image sets it)", target, c.origin(), k)
			continue
		case "PYTHONPATH":
			var pp []string
			for _, e := range strings.Split(v, ":") {
				e = strings.TrimSuffix(e, "/")
				if !path.IsAbs(e) {
					rel, ok := cleanRel(e)
					if !ok {
						continue
					}
					e = path.Join(spec.DefaultWorkdir, rel)
				}
				if !slices.Contains(pp, e) {
					pp = append(pp, e)
				}
			}
			if len(pp) == 0 {
				continue
			}
			// The command's own import roots replace those init would work out.
			t.pythonpath = pp
			t.pythonpathWhy = fmt.Sprintf("%s runs the command with PYTHONPATH=%s.", c.origin(), v)
		default:
			if t.env == nil {
				t.env = map[string]string{}
			}
			t.env[k] = v
			out[k] = envFact{value: v, at: c.at, target: target}
			if loopbackRe.MatchString(v) {
				r.note("%s: %s=%s names this machine, which in a container is the container itself: run the image with --network host, or set %s at run time (docker run -e %s=...)", target, k, v, k, k)
			}
		}
		set = append(set, k+"="+v)
	}
	if len(out) > 0 {
		t.envWhy = strings.TrimSpace(fmt.Sprintf("%s runs the command with %s. %s", c.origin(), strings.Join(slices.DeleteFunc(slices.Clone(set), func(s string) bool { return strings.HasPrefix(s, "PYTHONPATH=") }), " "), t.envWhy))
	}
	if len(set) > 0 {
		var kept []string
		if len(out) > 0 {
			kept = append(kept, "env")
		}
		if len(out) < len(set) {
			kept = append(kept, "pythonpath")
		}
		r.note("%s: %s runs the command with %s: kept in the target's %s", target, c.origin(), strings.Join(set, " "), strings.Join(kept, " and "))
	}
	return out
}
