package initspec

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file works out the paths the code passes to the file system (the writes that need a
// writable directory, the model files the app loads) from the path expressions init reads:
// string literals, os.path.join, pathlib's "/" and .parent, os.getenv defaults, the constants
// and parameter defaults they name. It also resolves imports to the repository's files.

// pathVal is where a path expression points.
type pathVal struct {
	// p is a clean slash path relative to the working directory (the repository root, /app
	// in the images), or absolute. With partial set, only a directory holding the path is
	// known, and p is that directory.
	p       string
	partial bool
	env     string // the environment variable that overrides it, if any
	scheme  string // a URI's scheme ("runs", "models", "http", "sqlite"), "" for a path
	from    string // the config entry that gives it ("configs/config.yaml:5 logging.log_dir"), if any
}

// dir is the directory an operation of the kind needs: the path itself for a directory, the
// one holding it for a file ("" for the working directory itself).
func (v pathVal) dir(kind string) string {
	d := v.p
	if !v.partial && kind != opMkdir && kind != opTrack {
		d = path.Dir(v.p)
	}
	if d == "." {
		return ""
	}
	return d
}

// evaluator evaluates path expressions in the files of one image.
type evaluator struct {
	r     *repo
	env   map[string]envFact // the environment declared for the image
	files []*pyFile          // the files whose module-level constants a name may refer to
	args  []string           // the words of the command the image runs (Hydra's overrides)
	// cwd is the folder the command runs in ("" for the working directory itself): a
	// relative path the code opens is under it.
	cwd string
}

const maxEvalDepth = 12

// eval evaluates expr, written at line n of f.
func (ev *evaluator) eval(expr string, f *pyFile, n, depth int) (pathVal, bool) {
	expr = strings.TrimSpace(expr)
	if expr == "" || depth > maxEvalDepth {
		return pathVal{}, false
	}
	if parts := splitWord(expr, " or "); len(parts) > 1 {
		for _, p := range parts {
			if v, ok := ev.eval(p, f, n, depth+1); ok {
				return v, true
			}
		}
		return pathVal{}, false
	}
	if parts := splitWord(expr, " if "); len(parts) > 1 {
		return ev.eval(parts[0], f, n, depth+1)
	}
	if parts := splitTop(expr, '/'); len(parts) > 1 {
		return ev.join(parts, f, n, depth)
	}
	if parts := splitTop(expr, '+'); len(parts) > 1 {
		prefix := ""
		env := ""
		for i, p := range parts {
			if lit, partial, ok := strLit(p); ok {
				prefix += lit
				if partial {
					return fromString(prefix, true, env)
				}
				continue
			}
			v, ok := ev.eval(p, f, n, depth+1)
			switch {
			case ok && i == 0 && v.scheme == "" && !v.partial:
				prefix, env = v.p, v.env
			case i == 0:
				return v, ok
			default:
				return fromString(prefix, true, env) // the rest is unknown
			}
		}
		return fromString(prefix, false, env)
	}
	if strings.HasPrefix(expr, "(") && matchClose(expr, 0) == len(expr)-1 {
		return ev.eval(expr[1:len(expr)-1], f, n, depth+1)
	}
	if v, ok, done := ev.fstring(expr, f, n, depth); done {
		return v, ok
	}
	if s, partial, ok := strLit(expr); ok {
		return fromString(s, partial, "")
	}
	return ev.postfix(expr, f, n, depth)
}

// fstring evaluates an f-string with fields (f"{out_dir}/model.pkl", out_dir a parameter
// whose default is a path) and a str.format call ("{}/model.pkl".format(out_dir)): the
// text with the fields' paths. done is false for anything else (a plain string, a string
// with escapes, which strLit reads).
func (ev *evaluator) fstring(expr string, f *pyFile, n, depth int) (v pathVal, ok, done bool) {
	i := 0
	fstr := false
	for i < len(expr) && i < 2 && strings.ContainsRune("rRfF", rune(expr[i])) {
		fstr = fstr || expr[i] == 'f' || expr[i] == 'F'
		i++
	}
	if i >= len(expr) || expr[i] != '"' && expr[i] != '\'' || strings.HasPrefix(expr[i:], `"""`) || strings.HasPrefix(expr[i:], "'''") {
		return pathVal{}, false, false
	}
	end := skipString(expr, i)
	if end < i+2 || end > len(expr) {
		return pathVal{}, false, false
	}
	body := expr[i+1 : end-1]
	if !strings.Contains(body, "{") || strings.Contains(body, `\`) {
		return pathVal{}, false, false // no field, or escapes strLit reads
	}
	field := func(s string) (pathVal, bool) { return ev.eval(s, f, n, depth+1) }
	switch rest := expr[end:]; {
	case fstr && rest == "":
	case !fstr && strings.HasPrefix(rest, ".format(") && matchClose(rest, len(".format")) == len(rest)-1:
		pos, kw := splitArgs(rest[len(".format(") : len(rest)-1])
		next := 0
		field = func(s string) (pathVal, bool) {
			a := ""
			if s == "" && next < len(pos) {
				a = pos[next]
				next++
			} else if k, err := strconv.Atoi(s); err == nil && k >= 0 && k < len(pos) {
				a = pos[k]
			} else {
				a = kw[s]
			}
			return ev.eval(a, f, n, depth+1)
		}
	default:
		return pathVal{}, false, false
	}
	var b strings.Builder
	var first pathVal
	for j := 0; j < len(body); {
		switch {
		case strings.HasPrefix(body[j:], "{{") || strings.HasPrefix(body[j:], "}}"):
			b.WriteByte(body[j])
			j += 2
		case body[j] == '{':
			end := matchClose(body, j)
			if end < 0 {
				return pathVal{}, false, true
			}
			name := body[j+1 : end]
			if k := strings.IndexAny(name, "!:="); k >= 0 {
				name = name[:k] // a conversion or a format spec; the simple names init reads have no brackets
			}
			w, okw := field(strings.TrimSpace(name))
			if !okw || w.scheme != "" || j > 0 && path.IsAbs(w.p) {
				v, ok = fromString(b.String(), true, first.env)
				return v, ok, true
			}
			if j == 0 {
				first = w
			}
			b.WriteString(w.p)
			if w.partial {
				v, ok = fromString(b.String()+"/", true, first.env)
				return v, ok, true
			}
			j = end + 1
		default:
			b.WriteByte(body[j])
			j++
		}
	}
	v, ok = fromString(b.String(), false, first.env)
	v.from = first.from
	return v, ok, true
}

// str evaluates expr as a string to append: a literal, or a name for one.
func (ev *evaluator) str(expr string, f *pyFile, n, depth int) (string, bool) {
	if s, partial, ok := strLit(expr); ok && !partial {
		return s, true
	}
	if v, ok := ev.eval(expr, f, n, depth+1); ok && !v.partial && v.scheme == "" && !path.IsAbs(v.p) {
		return v.p, true
	}
	return "", false
}

func (ev *evaluator) join(parts []string, f *pyFile, n, depth int) (pathVal, bool) {
	v, ok := ev.eval(parts[0], f, n, depth+1)
	if !ok || v.scheme != "" {
		return v, ok
	}
	for _, p := range parts[1:] {
		if v.partial {
			return v, true
		}
		w, ok := ev.eval(p, f, n, depth+1)
		switch {
		case !ok || w.scheme != "":
			v.partial = true // somewhere under v
		case path.IsAbs(w.p):
			v = w
		default:
			v = pathVal{p: path.Join(v.p, w.p), partial: w.partial, env: v.env, from: v.from}
		}
	}
	return clean(v)
}

// fromString reads a path or a URI. For a partial string (an f-string's text before its
// first field), the directory it names is known.
func fromString(s string, partial bool, env string) (pathVal, bool) {
	if strings.HasPrefix(s, "~") || !plainPath(s) {
		return pathVal{}, false // ~ is the user's home, which the images let the user write
	}
	if scheme, rest, ok := strings.Cut(s, ":"); ok && len(scheme) > 1 && !strings.ContainsAny(scheme, "/.") {
		switch scheme = strings.ToLower(scheme); scheme {
		case "file":
			return fromString(strings.TrimPrefix(rest, "//"), partial, env)
		case "sqlite":
			// sqlite:///relative.db, sqlite:////absolute.db
			v, ok := fromString(strings.TrimPrefix(rest, "///"), partial, env)
			v.scheme = "sqlite"
			return v, ok
		}
		return pathVal{p: s, scheme: scheme, env: env}, true
	}
	if partial {
		i := strings.LastIndexByte(s, '/')
		switch {
		case i < 0:
			s = "."
		case i == 0:
			s = "/"
		default:
			s = s[:i]
		}
	}
	if s == "" {
		s = "."
	}
	return clean(pathVal{p: s, partial: partial, env: env})
}

// plainPath reports whether s can be a path of the spec: no wildcards, backslashes or control
// characters.
func plainPath(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f || strings.ContainsRune("*?[\\", r) })
}

// clean cleans v.p; a relative path that leaves the working directory is unknown.
func clean(v pathVal) (pathVal, bool) {
	if v.scheme != "" {
		return v, true
	}
	v.p = path.Clean(v.p)
	if v.p == ".." || strings.HasPrefix(v.p, "../") {
		return pathVal{}, false
	}
	if rest, ok := strings.CutPrefix(v.p, "/app/"); ok {
		v.p = rest // the working directory of the images
	} else if v.p == "/app" {
		v.p = "."
	}
	return v, true
}

// Calls that return their (first) argument's path.
var passFns = map[string]bool{"str": true, "os.fspath": true, "os.path.abspath": true, "os.path.realpath": true,
	"os.path.normpath": true, "abspath": true, "realpath": true, "normpath": true, "os.path.expanduser": true,
	"typer.Option": true, "typer.Argument": true, "Option": true, "Argument": true, "Field": true, "pydantic.Field": true}

// Calls that build a path from their arguments.
var joinFns = map[string]bool{"os.path.join": true, "path.join": true, "join": true, "posixpath.join": true,
	"Path": true, "pathlib.Path": true, "PurePath": true, "PosixPath": true, "PurePosixPath": true, "pathlib.PurePath": true}

var envFns = map[string]bool{"os.getenv": true, "getenv": true, "os.environ.get": true, "environ.get": true,
	"os.environ.setdefault": true, "config": true, "env": true, "env.str": true}

// postfix evaluates a name or a call followed by attributes, calls and indexes:
// Path(__file__).resolve().parent / ..., settings.MODEL_DIR, os.getenv("X", "d").
func (ev *evaluator) postfix(expr string, f *pyFile, n, depth int) (pathVal, bool) {
	i := 0
	for i < len(expr) && (isIdentByte(expr[i]) || expr[i] == '.') {
		i++
	}
	name := expr[:i]
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return pathVal{}, false
	}
	var v pathVal
	ok := false
	rest := expr[i:]
	comps := strings.Split(name, ".")
	if !strings.HasPrefix(rest, "(") && (strings.HasPrefix(rest, "[") || len(comps) > 1) {
		if v, ok := ev.config(comps, rest, f, n, depth); ok {
			return v, true
		}
	}
	if strings.HasPrefix(rest, "(") {
		end := matchClose(rest, 0)
		if end < 0 {
			return pathVal{}, false
		}
		v, ok = ev.call(name, rest[1:end], f, n, depth)
		if !ok {
			// A method on a value: BASE_DIR.joinpath("x"), Path(...).resolve() is handled below.
			if k := strings.LastIndexByte(name, '.'); k > 0 {
				recv, okr := ev.eval(name[:k], f, n, depth+1)
				if okr {
					v, ok = ev.method(recv, name[k+1:], rest[1:end], f, n, depth)
				}
			}
		}
		rest = rest[end+1:]
	} else {
		// A name, possibly followed by attributes: the longest prefix that evaluates.
		for k := len(comps); k > 0 && !ok; k-- {
			v, ok = ev.name(comps[:k], f, n, depth)
			if ok {
				for _, a := range comps[k:] {
					if v, ok = ev.method(v, a, "", f, n, depth); !ok {
						break
					}
				}
			}
		}
	}
	if name == "os.environ" && strings.HasPrefix(rest, "[") {
		end := matchClose(rest, 0)
		if s, _, okl := strLit(rest[1:max(end, 1)]); okl && end > 0 {
			return ev.envValue(s, "", f, n, depth)
		}
		return pathVal{}, false
	}
	if !ok {
		return pathVal{}, false
	}
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, "."):
			j := 1
			for j < len(rest) && isIdentByte(rest[j]) {
				j++
			}
			attr, args := rest[1:j], ""
			rest = rest[j:]
			if strings.HasPrefix(rest, "(") {
				end := matchClose(rest, 0)
				if end < 0 {
					return pathVal{}, false
				}
				args, rest = rest[1:end], rest[end+1:]
			}
			if v, ok = ev.method(v, attr, args, f, n, depth); !ok {
				return pathVal{}, false
			}
		case strings.HasPrefix(rest, "["):
			return pathVal{}, false // parents[i] is read by method
		default:
			return pathVal{}, false
		}
	}
	return v, true
}

// Calls that load a YAML or JSON config file into a mapping (DVC's params_show loads
// params.yaml).
var configLoaders = []string{"yaml.safe_load", "yaml.load", "yaml.full_load", "OmegaConf.load", "omegaconf.OmegaConf.load", "json.load",
	"dvc.api.params_show", "params_show"}

// subscripts reads the string keys of rest, a run of subscripts (["a"]["b"]); ok is false
// for anything else.
func subscripts(rest string) (keys []string, ok bool) {
	for rest != "" {
		end := matchClose(rest, 0)
		if rest[0] != '[' || end < 0 {
			return nil, false
		}
		k, partial, ok := strLit(strings.TrimSpace(rest[1:end]))
		if !ok || partial {
			return nil, false
		}
		keys, rest = append(keys, k), rest[end+1:]
	}
	return keys, true
}

// config evaluates an entry of a config file the code loads: cfg["logging"]["log_dir"] or
// cfg.logging.log_dir, where cfg = yaml.safe_load(f) (f opened by a with statement),
// yaml.safe_load(open("configs/config.yaml")) or OmegaConf.load("configs/config.yaml").
func (ev *evaluator) config(comps []string, rest string, f *pyFile, n, depth int) (pathVal, bool) {
	keys := slices.Clone(comps[1:])
	for rest != "" {
		switch rest[0] {
		case '[':
			end := matchClose(rest, 0)
			if end < 0 {
				return pathVal{}, false
			}
			k, partial, ok := strLit(strings.TrimSpace(rest[1:end]))
			if !ok || partial {
				return pathVal{}, false
			}
			keys, rest = append(keys, k), rest[end+1:]
		case '.':
			j := 1
			for j < len(rest) && isIdentByte(rest[j]) {
				j++
			}
			keys, rest = append(keys, rest[1:j]), rest[j:]
		default:
			return pathVal{}, false
		}
	}
	if len(keys) == 0 || depth > maxEvalDepth {
		return pathVal{}, false
	}
	a := f.assigned(comps[0], n)
	if a == nil {
		return pathVal{}, false
	}
	arg := ""
	for _, l := range configLoaders {
		end := matchClose(a.expr, len(l))
		if !strings.HasPrefix(a.expr, l+"(") || end < 0 {
			continue
		}
		// yaml.safe_load(open("params.yaml"))["prepare"]: a section of the file.
		section, ok := subscripts(a.expr[end+1:])
		if !ok {
			continue
		}
		keys = append(section, keys...)
		if l == "dvc.api.params_show" || l == "params_show" {
			arg = `"params.yaml"` // DVC's parameters file
			break
		}
		pos, kw := splitArgs(a.expr[len(l)+1 : end])
		arg = strings.TrimSpace(firstArg(pos, kw, "stream", "fp", "file_"))
	}
	if identRe.MatchString(arg) {
		// A file object: with open(...) as f.
		b := f.assigned(arg, a.line)
		if b == nil {
			return pathVal{}, false
		}
		arg = b.expr
	}
	if strings.HasPrefix(arg, "open(") && matchClose(arg, 4) == len(arg)-1 {
		pos, kw := splitArgs(arg[5 : len(arg)-1])
		arg = firstArg(pos, kw, "file")
	}
	cv, ok := ev.eval(arg, f, a.line, depth+1)
	if !ok || cv.partial || cv.scheme != "" || path.IsAbs(cv.p) {
		return pathVal{}, false
	}
	data, err := ev.r.read(cv.p, 1<<20)
	if err != nil {
		return pathVal{}, false
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return pathVal{}, false
	}
	node, _ := yamlAt(doc.Content[0], keys...)
	if node == nil {
		return pathVal{}, false
	}
	if node.Kind != yaml.ScalarNode || node.ShortTag() != "!!str" || strings.Contains(node.Value, "${") {
		return pathVal{}, false
	}
	v, ok := fromString(node.Value, false, "")
	v.from = fmt.Sprintf("%s:%d %s", cv.p, node.Line, strings.Join(keys, "."))
	return v, ok
}

// firstArg is the first positional argument, else the keyword one.
func firstArg(pos []string, kw map[string]string, names ...string) string {
	if len(pos) > 0 {
		return pos[0]
	}
	for _, k := range names {
		if kw[k] != "" {
			return kw[k]
		}
	}
	return ""
}

// assigned is the nearest assignment of name before line n, else a module-level one.
func (f *pyFile) assigned(name string, n int) *pyAssign {
	var best *pyAssign
	for i := range f.assigns {
		if a := &f.assigns[i]; a.name == name && a.line < n && a.scope != "option" {
			best = a
		}
	}
	if best == nil {
		for i := range f.assigns {
			if a := &f.assigns[i]; a.name == name && a.scope == "module" {
				return a
			}
		}
	}
	return best
}

// name evaluates a (dotted) name: __file__, or a constant, a parameter default or an option
// default named by its last component.
func (ev *evaluator) name(comps []string, f *pyFile, n, depth int) (pathVal, bool) {
	last := comps[len(comps)-1]
	if len(comps) == 1 && last == "__file__" {
		return pathVal{p: f.path}, true
	}
	if len(comps) > 1 && (comps[0] == "os" || comps[0] == "sys" || comps[0] == "np" || comps[0] == "pd") {
		return pathVal{}, false
	}
	// The nearest assignment before the line in the same file, else one after it at module
	// level, else a module-level or class-level one in another file (when all agree).
	var best *pyAssign
	for i := range f.assigns {
		a := &f.assigns[i]
		// A bare name is no attribute of self; self.NAME and cfg.NAME are no local variable.
		if a.name == last && a.line < n && (len(comps) == 1 && a.scope != "option" && a.scope != "self" || len(comps) > 1 && a.scope != "func") {
			best = a
		}
	}
	if best == nil {
		for i := range f.assigns {
			if a := &f.assigns[i]; a.name == last && (a.scope == "module" || a.scope == "class") && a.line >= n {
				best = a
				break
			}
		}
	}
	if best != nil {
		if strings.Contains(best.expr, last+"(") {
			return pathVal{}, false
		}
		return ev.eval(best.expr, f, best.line+1, depth+1)
	}
	if len(comps) == 1 && !isUpper(last) {
		// A lower-case name from another file only when the code imports it by that name.
		if !slices.ContainsFunc(f.importStmts, func(im pyImport) bool {
			return slices.ContainsFunc(im.names, func(nm [2]string) bool { return nm[1] == last })
		}) {
			return pathVal{}, false
		}
	}
	var found []pathVal
	for _, g := range ev.files {
		if g == f {
			continue
		}
		for _, a := range g.assigns {
			if a.name == last && (a.scope == "module" || a.scope == "class") {
				if v, ok := ev.eval(a.expr, g, a.line+1, depth+1); ok && !slices.Contains(found, v) {
					found = append(found, v)
				}
			}
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return pathVal{}, false
}

func isUpper(s string) bool { return strings.ToUpper(s) == s }

// call evaluates a call of a path function.
func (ev *evaluator) call(name, args string, f *pyFile, n, depth int) (pathVal, bool) {
	pos, kw := splitArgs(args)
	switch {
	case joinFns[name]:
		if len(pos) == 0 {
			return pathVal{p: "."}, true
		}
		return ev.join(pos, f, n, depth)
	case passFns[name]:
		a := arg(pos, kw, 0, "default", "path")
		if name == "os.path.expanduser" && strings.Contains(a, "~") {
			return pathVal{}, false
		}
		return ev.eval(a, f, n, depth+1)
	case name == "os.path.dirname" || name == "dirname" || name == "os.path.split":
		v, ok := ev.eval(arg(pos, kw, 0), f, n, depth+1)
		if !ok || v.scheme != "" {
			return pathVal{}, false
		}
		if v.partial {
			return v, true // somewhere under v.p still
		}
		return parent(v)
	case envFns[name]:
		s, _, ok := strLit(arg(pos, kw, 0, "key"))
		if !ok {
			return pathVal{}, false
		}
		return ev.envValue(s, arg(pos, kw, 1, "default"), f, n, depth)
	case name == "os.getcwd" || name == "Path.cwd" || name == "getcwd" || name == "pathlib.Path.cwd":
		return pathVal{p: "."}, true
	}
	return pathVal{}, false
}

// envValue is the value of an environment variable: the one the image declares (a
// Dockerfile's ENV), else the default the code gives.
func (ev *evaluator) envValue(name, def string, f *pyFile, n, depth int) (pathVal, bool) {
	if e, ok := ev.env[name]; ok {
		v, ok := fromString(e.value, false, name)
		return v, ok
	}
	if def == "" {
		// The value the code gives it itself: os.environ.setdefault("NAME", "d").
		for _, g := range ev.files {
			for _, a := range g.envDefaults {
				if a.name == name {
					v, ok := ev.eval(a.expr, g, a.line+1, depth+1)
					v.env = name
					return v, ok
				}
			}
		}
		return pathVal{}, false
	}
	v, ok := ev.eval(def, f, n, depth+1)
	v.env = name
	return v, ok
}

// method applies a pathlib attribute or method to v.
func (ev *evaluator) method(v pathVal, attr, args string, f *pyFile, n, depth int) (pathVal, bool) {
	if v.scheme != "" {
		return pathVal{}, false
	}
	switch attr {
	case "resolve", "absolute", "expanduser", "as_posix":
		return v, true
	case "parent":
		if v.partial {
			return pathVal{}, false
		}
		return parent(v)
	case "parents":
		return pathVal{}, false
	case "joinpath":
		pos, _ := splitArgs(args)
		if len(pos) == 0 {
			return v, true
		}
		return ev.join(append([]string{strconv.Quote(v.p)}, pos...), f, n, depth)
	case "with_suffix", "with_name", "with_stem":
		if v.partial {
			return v, true
		}
		return pathVal{p: path.Dir(v.p), partial: true, env: v.env}, true
	}
	return pathVal{}, false
}

func parent(v pathVal) (pathVal, bool) {
	if v.p == "." || v.p == "/" {
		return pathVal{}, false
	}
	v.p = path.Dir(v.p)
	return v, true
}

// splitWord splits s at the keyword sep (" or ", " if ") outside brackets and strings.
func splitWord(s, sep string) []string { return splitOutside(s, sep, false) }

// moduleFiles returns the repository files that importing the dotted module mod runs, with
// each root tried in turn ("." is the working directory, "src" when it is on the path too).
// A namespace package (a directory without __init__.py) gives its directory, with a "/".
func (r *repo) moduleFiles(mod string, roots []string) []string {
	comps := strings.Split(mod, ".")
	for _, root := range roots {
		var out []string
		dir := root
		found := true
		for i, c := range comps {
			p := path.Join(dir, c)
			last := i == len(comps)-1
			if last && r.isFile(p+".py") {
				out = append(out, p+".py")
				break
			}
			if r.isDir(p) {
				if r.isFile(p + "/__init__.py") {
					out = append(out, p+"/__init__.py")
				} else if last {
					out = append(out, p+"/")
				}
				dir = p
				continue
			}
			found = false
			break
		}
		if found && len(out) > 0 {
			return out
		}
	}
	return nil
}

// importFiles lists the repository files the imports of f run, resolved against roots.
func (r *repo) importFiles(f *pyFile, roots []string) []string {
	var out []string
	for _, im := range f.importStmts {
		rs := roots
		mod := im.mod
		if im.level > 0 {
			base := relBase(f.path, im.level)
			rs = []string{base}
			if mod == "" {
				for _, nm := range im.names {
					out = append(out, r.moduleFiles(nm[0], rs)...)
				}
				if r.isFile(path.Join(base, "__init__.py")) {
					out = append(out, path.Join(base, "__init__.py"))
				}
				continue
			}
		}
		if mod == "" {
			continue
		}
		files := r.moduleFiles(mod, rs)
		if files == nil {
			continue
		}
		out = append(out, files...)
		for _, nm := range im.names {
			// from pkg import submodule
			if sub := r.moduleFiles(mod+"."+nm[0], rs); len(sub) > len(files) {
				out = append(out, sub[len(files):]...)
			}
		}
	}
	return out
}

// reach lists the Python files running entries runs, following imports (entries first).
// Namespace packages appear as their directory, with a "/".
func (r *repo) reach(entries []string, roots []string) []string {
	seen := map[string]bool{}
	var out []string
	queue := slices.Clone(entries)
	for len(queue) > 0 && len(out) < maxPyFiles {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
		if strings.HasSuffix(p, "/") {
			continue
		}
		if f := r.file(p); f != nil {
			queue = append(queue, r.importFiles(f, roots)...)
		}
	}
	return out
}
