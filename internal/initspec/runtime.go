package initspec

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

// This file decides, from the file system operations of the code an image runs, which
// directories that image must be able to write (writable:) and which model files the app
// loads (copied to the path it reads them from).

var (
	predictRe = regexp.MustCompile(`(?i)^(predict|predictions?|inference|infer|score|invocations|classify|generate|embed)`)
	// Directories that usually hold models or training outputs.
	modelDirs = map[string]bool{"models": true, "model": true, "artifacts": true, "artefacts": true, "outputs": true,
		"output": true, "production_model": true, "saved_model": true, "saved_models": true, "checkpoints": true,
		"ckpt": true, "weights": true, "trained_models": true, "ml_models": true, "mlruns": true, "mlartifacts": true,
		"export": true, "exports": true, "serving_model": true, "model_store": true, "model_registry": true}
	modelExtRe = regexp.MustCompile(`(?i)\.(pkl|pickle|joblib|pt|pth|onnx|h5|hdf5|keras|safetensors|model|cbm|ubj|sav|tflite|pb|ckpt|bst)$`)
)

// use is one file system operation whose path init worked out.
type use struct {
	kind string
	v    pathVal
	at   string // file:line
	how  string // the call
	// download: it downloads what it writes (a dataset fetched when the code runs).
	download bool
}

func (u use) String() string { return fmt.Sprintf("%s %s", u.at, u.how) }

// uses evaluates the operations of files that keep says count.
func (r *repo) uses(files []string, ev *evaluator, keep func(f *pyFile, o pyOp) bool) []use {
	var out []use
	for _, p := range files {
		f := r.file(p)
		if f == nil {
			continue
		}
		for _, o := range f.ops {
			if !keep(f, o) {
				continue
			}
			if o.hydra != nil {
				var here bool
				if o, here = r.hydraRunDir(o, ev.args); here {
					continue // Hydra writes in the working directory itself
				}
			}
			v, ok := ev.eval(o.expr, f, o.line, 0)
			if !ok {
				continue
			}
			if c := ev.cwd; c != "" && v.scheme == "" && !path.IsAbs(v.p) && v.p != c && !strings.HasPrefix(v.p, c+"/") {
				// Relative to the folder the command runs in. (A path made from __file__ is
				// already under it: the image holds nothing of the repository outside it.)
				v.p = path.Join(c, v.p)
			}
			if o.ifMissing && v.scheme == "" && !v.partial && r.exists(v.p) {
				continue // downloaded only when missing, and the repository holds it
			}
			how := o.how
			if v.from != "" {
				how += " (" + v.from + ")"
			}
			out = append(out, use{kind: o.kind, v: v, at: fmt.Sprintf("%s:%d", p, o.line), how: how, download: o.download})
		}
	}
	return out
}

// pyFiles are the parsed files among paths.
func (r *repo) pyFiles(paths []string) []*pyFile {
	var out []*pyFile
	for _, p := range paths {
		if f := r.file(p); f != nil && !strings.HasSuffix(p, "/") {
			out = append(out, f)
		}
	}
	return out
}

// mlflowStore is the local MLflow store the code uses: the directory set_tracking_uri or
// MLFLOW_TRACKING_URI names, else MLflow's default ./mlruns; "" when the code does not track
// or tracks on a server.
func (r *repo) mlflowStore(files []string, ev *evaluator, needed bool) (dir, at string) {
	first := ""
	for _, p := range files {
		if f := r.file(p); f != nil && f.mlflow > 0 && first == "" {
			first = fmt.Sprintf("%s:%d %s", p, f.mlflow, f.mlflowCall)
		}
	}
	if first == "" && !needed {
		return "", ""
	}
	for _, u := range r.uses(files, ev, func(_ *pyFile, o pyOp) bool { return o.kind == opTrack }) {
		switch u.v.scheme {
		case "":
			return u.v.dir(opTrack), u.at + " mlflow.set_tracking_uri"
		case "sqlite":
			return u.v.dir(opWrite), u.at + " mlflow.set_tracking_uri (sqlite)"
		}
		return "", "" // a tracking server
	}
	if e, ok := ev.env["MLFLOW_TRACKING_URI"]; ok {
		v, ok := fromString(e.value, false, "MLFLOW_TRACKING_URI")
		switch {
		case !ok || v.scheme != "" && v.scheme != "sqlite":
			return "", ""
		case v.scheme == "sqlite":
			return v.dir(opWrite), e.at.String() + " MLFLOW_TRACKING_URI (sqlite)"
		}
		return v.dir(opTrack), e.at.String() + " MLFLOW_TRACKING_URI"
	}
	if first == "" {
		return "mlruns", "MLflow's default local store"
	}
	return "mlruns", first + ", to MLflow's default local store"
}

// mlflowServer is the MLflow tracking server the code logs to (set_tracking_uri with an http
// or https URI, its default when read from the environment), with the evidence; "" when the
// code tracks locally or not at all.
func (r *repo) mlflowServer(files []string, ev *evaluator) (uri, at string) {
	for _, u := range r.uses(files, ev, func(_ *pyFile, o pyOp) bool { return o.kind == opTrack }) {
		if u.v.scheme == "http" || u.v.scheme == "https" {
			return u.v.p, u.at + " mlflow.set_tracking_uri"
		}
	}
	return "", ""
}

// dirUse is a directory an image needs, with the evidence.
type dirUse struct {
	dir string
	why []string
}

func addDir(ds []dirUse, dir, why string) []dirUse {
	if !plainPath(dir) {
		return ds
	}
	for i := range ds {
		if ds[i].dir == dir {
			if len(ds[i].why) < 2 && !slices.Contains(ds[i].why, why) {
				ds[i].why = append(ds[i].why, why)
			}
			return ds
		}
	}
	return append(ds, dirUse{dir, []string{why}})
}

// Absolute directories every user may write already.
func freeDir(d string) bool {
	for _, p := range []string{"/tmp", "/var/tmp", "/dev", "/proc", "/home", "/root", "/run"} {
		if d == p || strings.HasPrefix(d, p+"/") {
			return true
		}
	}
	return false
}

// writableDirs turns the writes of an image into writable: entries. A write to a directory
// the image copies code into is made writable there (the nested directory); a file written
// in the working directory itself cannot be (noted by the caller).
func writableDirs(us []use, copies []copyItem) (dirs []dirUse, inWorkdir []use) {
	for _, u := range us {
		switch u.kind {
		case opWrite, opMkdir, opLog:
		case opTrack:
			continue
		default:
			continue
		}
		if u.v.scheme != "" {
			continue
		}
		d := u.v.dir(u.kind)
		switch {
		case d == "":
			inWorkdir = append(inWorkdir, u)
			continue
		case path.IsAbs(d):
			if freeDir(d) || d == "/" {
				continue
			}
		case coveredItems(copies, d):
			// Inside copied code: that directory only.
		default:
			d = topDir(d)
		}
		dirs = addDir(dirs, d, u.String())
	}
	return dirs, inWorkdir
}

// modelRead reports whether a read of the app looks like loading a model.
func modelRead(u use) bool {
	if u.v.scheme != "" || u.v.p == "." {
		return false
	}
	top := topDir(u.v.p)
	if top == "data" || top == "configs" || top == "config" {
		return false
	}
	return u.kind == opLoad || modelDirs[top] || modelExtRe.MatchString(u.v.p)
}

func joinWhy(ds []dirUse) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%s/ (%s)", d.dir, strings.Join(d.why, "; ")))
	}
	return strings.Join(parts, ", ")
}

// smallData is the most a directory the code reads at run time may hold to be copied into
// the image; a larger one is noted instead (mount it, or fetch it at run time).
const smallData = 20 << 20

// runtimeReads adds to copies the files and directories of the repository the code reads at
// run time that no copy covers: the configs and schemas it opens, the templates and static
// files the app serves, marker files a library looks for, small committed data. Model reads
// are left to the caller. It returns the new copies and why, for the spec.
func (r *repo) runtimeReads(target string, copies []copyItem, reads []use) ([]copyItem, []string) {
	var why []string
	for _, u := range reads {
		if u.v.scheme != "" || u.v.p == "" || u.v.p == "." || path.IsAbs(u.v.p) || strings.HasPrefix(u.v.p, "..") {
			continue
		}
		// A model the app loads is the caller's; but training reading a file the repository
		// commits in a folder named like a model folder (artifacts/vocab.json) needs it copied.
		if modelRead(u) && !(target == "training" && !u.v.partial && r.isFile(u.v.p)) {
			continue
		}
		if coveredItems(copies, u.v.p) {
			continue
		}
		src := topDir(u.v.p)
		dir := r.isDir(src)
		if !plainPath(src) || !r.exists(src) || !u.v.partial && !r.exists(u.v.p) {
			if ptr := r.dvcPointer(u.v.p); ptr != "" && !u.v.partial {
				r.note("%s: the code reads %s at run time (%s), which DVC tracks (%s) and the repository does not hold: "+
					"run dvc pull, then init again (the spec copies it then), or mount it where the container runs", target, u.v.p, u, ptr)
			}
			continue // a file the repository does not hold (data/proc/train.csv, made by an earlier step) copies nothing
		}
		if !r.inContext(src, dir) {
			r.note("%s: the code reads %s at run time (%s), but %s keeps %s out of the build context: re-include it (!%s) or mount it", target, u.v.p, u, r.ignoreName, show(src, dir), src)
			continue
		}
		if n := r.size(src); n > smallData {
			r.note("%s: the code reads %s at run time (%s); %s holds %d MB, too much to copy into the image: mount it, or fetch it at run time", target, u.v.p, u, show(src, dir), n>>20)
			continue
		}
		copies = append(copies, copyItem{from: src})
		why = append(why, fmt.Sprintf("the code reads %s (%s)", u.v.p, u))
		r.note("%s: copying %s: the code reads %s at run time (%s)", target, show(src, dir), u.v.p, u)
	}
	return copies, why
}

// dvcPointer is the .dvc file that tracks path p (p.dvc, or that of a folder holding it), ""
// for none.
func (r *repo) dvcPointer(p string) string {
	for q := p; q != "." && q != "/" && q != ""; q = path.Dir(q) {
		if r.isFile(q + ".dvc") {
			return q + ".dvc"
		}
	}
	return ""
}

// size is the number of bytes the files under p hold.
func (r *repo) size(p string) int64 {
	var n int64
	fs.WalkDir(r.fsys, p, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
