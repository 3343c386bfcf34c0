package initspec

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// entry is a training entry point or a served app.
type entry struct {
	file    string   // the file it runs
	command []string // what runs it; nil: the default
	shell   string   // a shell-form command instead, when the declared one needs a shell
	root    string   // "src" when /app/src must be on PYTHONPATH
	desc    string   // why, for the spec
	extra   []string // paths the command names (a script's directory, a config file)
	summary string   // what the image description says it runs, when not the command
	script  bool     // run as a script: its directory is on sys.path
	decl    *command // the declared command it comes from, if any

	// The app only.
	target    string // module:object
	framework string
	obj       string
	factory   bool
	pf        *pyFile
	port      int // the port its declared command or uvicorn.run sets, 0 for none
	portAt    string
	// serveOn is the command init writes to serve the app on a port (nil: the command is
	// the declared one, or uvicorn's default).
	serveOn func(port int) []string
}

// Names of training entry points, by directory level: inside a code directory, and at the
// repository's root.
var (
	trainInCode = []string{"train.py", "train/__main__.py", "train_model.py", "training.py", "models/train_model.py",
		"modeling/train.py", "training/train.py", "pipeline/training_pipeline.py", "pipelines/training_pipeline.py",
		"pipeline/train.py", "pipelines/train.py", "finetune.py", "fine_tune.py"}
	trainAtRoot = []string{"train.py", "train_model.py", "training.py", "pipeline/training_pipeline.py",
		"pipelines/training_pipeline.py", "training/train.py", "scripts/train.py", "scripts/train_model.py",
		"finetune.py", "fine_tune.py"}
)

// trainEntry finds the training entry point in the code.
func (r *repo) trainEntry(lay layout) *entry {
	var cands []string
	for _, c := range lay.code {
		if r.isDir(c) {
			for _, n := range trainInCode {
				cands = append(cands, c+"/"+n)
			}
		}
	}
	if lay.kind == "src" {
		ents, _ := fs.ReadDir(r.fsys, "src")
		for _, e := range ents {
			if e.IsDir() && identRe.MatchString(e.Name()) {
				for _, n := range trainInCode[:5] {
					cands = append(cands, "src/"+e.Name()+"/"+n)
				}
			}
		}
	}
	var found []*entry
	for _, f := range cands {
		if !r.inContext(f, false) {
			continue
		}
		dir := topDir(f)
		if r.isFile(dir+"/__init__.py") || dir == "src" {
			mod, root, ok := r.module(f)
			if !ok {
				r.note("training: %s is not importable as a module (a directory name is not a Python identifier)", f)
				continue
			}
			e := &entry{file: f, root: root, desc: "Runs " + f + "."}
			if mod != "src.train" || root != "" {
				e.command = []string{"python", "-m", mod}
			}
			found = append(found, e)
			continue
		}
		found = append(found, scriptEntry(f))
	}
	for _, f := range trainAtRoot {
		if r.inContext(f, false) {
			found = append(found, scriptEntry(f))
		}
	}
	// scripts/train_*.py, bin/train-*: the first by name.
	for _, dir := range []string{"scripts", "bin"} {
		ents, _ := fs.ReadDir(r.fsys, dir)
		for _, e := range ents {
			n := e.Name()
			if e.IsDir() || !(strings.HasPrefix(n, "train_") || strings.HasPrefix(n, "train-") || n == "train") {
				continue
			}
			f := dir + "/" + n
			if strings.HasSuffix(n, ".py") || dir == "bin" && r.pythonScript(f) {
				if r.inContext(f, false) {
					found = append(found, scriptEntry(f))
				}
			}
		}
	}
	// The first that runs something when started: a module of functions only does nothing.
	for _, e := range found {
		if pf := r.file(e.file); pf != nil && (pf.main || pf.topCalls > 0 || strings.HasSuffix(e.file, "__main__.py")) {
			if e != found[0] {
				r.note("training: %s defines functions only; %s runs when started, so it is the entry", found[0].file, e.file)
			}
			return e
		}
	}
	if len(found) > 0 {
		return found[0]
	}
	if e := r.pipelineMain(); e != nil {
		return e
	}
	return r.fitScript()
}

// fitScript is the training entry of a repository whose training script has a name of its
// own (make_model.py, model_generator.py, trained_model.py, a main.py without a __main__
// guard): a root script that runs when started, fits a model (NAME.fit) and writes a file or
// tracks the run in MLflow (log_and_train.py), and serves no app. Of several, the one named
// for a model or training, else the first by name.
func (r *repo) fitScript() *entry {
	ents, _ := fs.ReadDir(r.fsys, ".")
	var cands []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".py") || strings.HasPrefix(n, "test_") || strings.HasSuffix(n, "_test.py") ||
			n == "setup.py" || n == "conftest.py" || n == "noxfile.py" || n == "tasks.py" || !r.inContext(n, false) {
			continue
		}
		pf := r.file(n)
		if pf == nil || len(pf.apps) > 0 || len(pf.serves) > 0 || len(pf.fits) == 0 || !pf.main && pf.topCalls == 0 ||
			pf.imports["streamlit"] || pf.imports["gradio"] || pf.imports["dash"] || // a UI that fits on the fly
			!slices.ContainsFunc(pf.ops, func(o pyOp) bool { return o.kind == opWrite }) && pf.mlflow == 0 {
			continue
		}
		cands = append(cands, n)
	}
	if len(cands) == 0 {
		return nil
	}
	pick := cands[0]
	for _, n := range cands {
		if l := strings.ToLower(n); strings.Contains(l, "train") || strings.Contains(l, "model") || strings.Contains(l, "fit") {
			pick = n
			break
		}
	}
	pf := r.file(pick)
	e := scriptEntry(pick)
	writes, keeps := "writes it", "writes files"
	if !slices.ContainsFunc(pf.ops, func(o pyOp) bool { return o.kind == opWrite }) {
		writes = fmt.Sprintf("tracks the run in MLflow (%s:%d %s)", pick, pf.mlflow, pf.mlflowCall)
		keeps = writes
	}
	e.desc = fmt.Sprintf("Runs %s, which fits a model (%s:%d %s.fit) and %s.", pick, pick, pf.fits[0].line, pf.fits[0].obj, writes)
	r.note("training: no file named for training; %s fits a model (%s:%d %s.fit) and %s: it is the entry", pick, pick, pf.fits[0].line, pf.fits[0].obj, keeps)
	if len(cands) > 1 {
		r.note("training: %s fit models too, not used: set targets.training.command to run them", strings.Join(slices.DeleteFunc(slices.Clone(cands), func(n string) bool { return n == pick }), ", "))
	}
	return e
}

// pipelineMain is the training entry of a repository with no file named for training: a
// root script (main.py, run.py, pipeline.py, run_pipeline.py) with a __main__ guard that
// reaches training code (a module or call named train*), and serves no app.
func (r *repo) pipelineMain() *entry {
	for _, f := range []string{"main.py", "run.py", "run_pipeline.py", "pipeline.py", "run_training.py"} {
		pf := r.file(f)
		if pf == nil || !pf.main || len(pf.apps) > 0 || len(pf.serves) > 0 || !r.inContext(f, false) {
			continue
		}
		var why string
		for _, g := range r.reach([]string{f}, []string{".", "src"}) {
			if g != f && strings.Contains(strings.ToLower(path.Base(g)), "train") {
				why = g
				break
			}
		}
		if why == "" {
			continue
		}
		e := scriptEntry(f)
		e.desc = fmt.Sprintf("Runs %s, which has a __main__ guard and runs the training code of %s.", f, why)
		r.note("training: no file named for training; %s runs the pipeline (its __main__ guard reaches %s)", f, why)
		return e
	}
	return nil
}

// pythonScript reports whether f starts with a python shebang.
func (r *repo) pythonScript(f string) bool {
	data, err := r.read(f, maxPySize)
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(data), "\n")
	return strings.HasPrefix(first, "#!") && strings.Contains(first, "python")
}

func scriptEntry(f string) *entry {
	e := &entry{file: f, command: []string{"python", f}, extra: []string{f}, desc: "Runs " + f + ".", script: true}
	if dir := path.Dir(f); dir != "." {
		e.extra = []string{topDir(f)} // with its helpers, which the script imports from its directory
	}
	return e
}

// training chooses the training entry: what the repository declares (dvc.yaml, the Makefile,
// compose, a training Dockerfile, a console script), else what the code has.
func (r *repo) training(lay layout, d *declared) *entry {
	code := r.trainEntry(lay)
	for _, c := range d.train {
		e := r.declaredEntry(c)
		if e == nil {
			continue
		}
		r.note("training: %s runs %s: used", c.origin(), c.String())
		if code != nil && code.file != e.file {
			r.note("training: also found %s, not used: the declared command wins", code.file)
		}
		return e
	}
	if code == nil {
		r.note("training: no entry point found (train.py, train_model.py, training.py, pipeline/training_pipeline.py, " +
			"scripts/train_*.py, bin/train-*, in src/, a package or the root; no train stage in dvc.yaml or target in a Makefile): " +
			"the training image runs python -m src.train; set targets.training.command")
		return nil
	}
	if code.command == nil {
		r.note("training: %s runs as python -m src.train (the default)", code.file)
	} else {
		r.note("training: %s runs as %s", code.file, strings.Join(code.command, " "))
	}
	if pf := r.file(code.file); pf != nil && !pf.main && strings.HasSuffix(code.file, ".py") && !strings.HasSuffix(code.file, "__main__.py") && pf.topCalls == 0 {
		r.note("training: %s has no `if __name__ == \"__main__\":` block and calls nothing at module level: running it may do nothing; check targets.training.command", code.file)
	}
	return code
}

// declaredEntry turns a declared training command into an entry, when what it runs is in
// the repository.
func (r *repo) declaredEntry(c *command) *entry {
	e := &entry{decl: c, desc: fmt.Sprintf("Declared by %s.", c.origin()), summary: c.summary}
	switch {
	case c.module != "":
		files := r.moduleFiles(c.module, []string{".", "src"})
		if len(files) == 0 {
			r.note("training: %s runs the module %s, which is not in the repository: not used", c.origin(), c.module)
			return nil
		}
		e.file = files[len(files)-1]
		if strings.HasSuffix(e.file, "/") {
			e.file += "__main__.py"
		}
		if strings.HasPrefix(e.file, "src/") && !strings.HasPrefix(c.module, "src.") {
			e.root = "src"
		}
	case c.script != "":
		if !r.isFile(c.script) {
			r.note("training: %s runs %s, which is not in the repository: not used", c.origin(), c.script)
			return nil
		}
		e.file, e.script = c.script, true
	default:
		r.note("training: %s runs %q, which init cannot follow: not used", c.origin(), c.String())
		return nil
	}
	if c.shell != "" {
		e.shell = c.shell
	} else {
		e.command = c.words
	}
	e.extra = append(e.extra, topDir(e.file))
	for _, p := range c.pre {
		if top := topDir(p); r.exists(top) && !slices.Contains(e.extra, top) || r.exists(top+".py") && !slices.Contains(e.extra, top+".py") {
			if !r.exists(top) {
				top += ".py"
			}
			e.extra = append(e.extra, top)
		}
	}
	for _, w := range c.words[1:] {
		_, v, ok := strings.Cut(w, "=")
		if !ok {
			v = w
		}
		if p, ok := cleanRel(v); ok && p != "." && !strings.HasPrefix(v, "-") && r.exists(p) && !slices.Contains(e.extra, topDir(p)) {
			e.extra = append(e.extra, topDir(p))
		}
	}
	if slices.Equal(e.command, []string{"python", "-m", "src.train"}) {
		e.command = nil
	}
	return e
}
