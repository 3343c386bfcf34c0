package initspec

import (
	"cmp"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// pyFile is what init learns from one Python file, statement by statement (logicalLines: no
// parser, regular expressions and call matching on statements outside comments and docstrings).
type pyFile struct {
	path string
	// startup are the calls made when the module is imported or the app starts (module
	// level, or a startup/lifespan function) that need what the build does not give: a
	// download from a model hub, Kaggle, a required environment variable (a credential).
	startup []pyStartup
	// startFunc is the top-level function being parsed when its name says it runs at start.
	startFunc bool
	// curFunc is the top-level function, or class, being parsed ("" at module level).
	curFunc string
	// ifExists is set while the line being parsed is under an if that tests a file exists.
	ifExists bool
	// callees are the names the file calls (store.save_feedback, Cache).
	callees map[string]bool
	// dotenv is the line of a load_dotenv call at import or start, 0 for none.
	dotenv int
	// mlflowServer is the tracking server URI (http(s) or databricks) set at import or start
	// ("" for none): the MLflow calls made then contact that server.
	mlflowServer string
	// apps are the module-level ASGI app assignments ("app = FastAPI(...)"), in file order.
	apps []pyApp
	// wsgi are module-level Flask app assignments, which uvicorn cannot serve.
	wsgi []pyApp
	// appCalls are module-level assignments of a call ("app = create_app()"): an app when the
	// function called is an app factory.
	appCalls []pyApp
	// factories are the top-level functions that construct an ASGI app.
	factories []pyApp
	// routes are the literal paths of GET-able route declarations, with the object they are
	// declared on ("" for Route(...) entries and bare decorators).
	routes []pyRoute
	// routers are the routers declared in the file (NAME = APIRouter(prefix=...)), by name.
	routers map[string]pyRouter
	// includes are the include_router calls.
	includes []pyInclude
	// mounts are the objects mounted as sub-applications (app.mount("/x", sub)).
	mounts []string
	// imports are the top-level names imported absolutely ("import a.b" and "from a.b import c" give "a").
	imports map[string]bool
	// importStmts are the import statements.
	importStmts []pyImport
	// main is set when the file has an `if __name__ == "__main__":` block.
	main bool
	// serves are the uvicorn.run calls.
	serves []pyServe
	// assigns are the assignments, parameter defaults and command-line option defaults, in
	// file order: what a name in a path expression may stand for.
	assigns []pyAssign
	// ops are the file system operations whose path init may work out.
	ops []pyOp
	// topCalls counts the module-level statements that call something (other than decorators).
	topCalls int
	// mlflow is the line of the first MLflow tracking call (start_run, log_*, autolog, ...), 0
	// for none; mlflowCall is that call.
	mlflow     int
	mlflowCall string
	// envReads are the environment variables the file reads.
	envReads []string
	// appArgs are the constructor arguments of each app, by object.
	appArgs map[string]map[string]string
	// fits are the objects a fit method is called on, with the line (a CatBoost model writes
	// its train_dir when fitted).
	fits []pyFit
	// settings are the pydantic-settings classes with fields that have no default, by name.
	settings map[string][]settingsField
	// clients are the service clients assigned at module level, by name.
	clients map[string]pyClient
	// instances are the calls of a bare name with no arguments at import or start (settings =
	// Settings()), for a settings class another module defines.
	instances []pyInstance
	// envDefaults are the values the code itself gives environment variables:
	// os.environ.setdefault("NAME", expr) and os.environ["NAME"] = expr (name is the variable).
	envDefaults []pyAssign
	// fetches are the top-level functions ("" for module level) that fetch a URL
	// (requests.get, urlopen): a file they write is downloaded.
	fetches []string
	// homeDownloads are the datasets downloaded into the user's home (a library's cache:
	// ~/scikit_learn_data, ~/.cache/huggingface), which the images let the user write.
	homeDownloads []pyDownload
}

type pyInstance struct {
	callee string
	line   int
}

type settingsField struct {
	name string
	line int
}

// pyDownload is a download into a library's cache in the user's home.
type pyDownload struct {
	line      int
	how, home string
}

type pyFit struct {
	obj  string
	line int
}

type pyApp struct {
	obj, framework string
	line           int
	callee         string // for appCalls: the function called
}

type pyRoute struct {
	obj, path string
	line      int
	get       bool // it answers GET
}

type pyRouter struct {
	prefix string
	line   int
}

// pyStartup is a call at import or start that cannot run in the build's smoke test.
type pyStartup struct {
	line int
	what string
	// local, when set, is the path argument: the call reads the repository, not the network,
	// when the path exists there.
	local string
	// env is the variable a required read needs; envs, the variables, when it needs several.
	env  string
	envs []string
	// mlflow: it loads a models:/ or runs:/ URI, which a local store in the image can answer.
	mlflow bool
}

type pyInclude struct {
	obj, expr, prefix string
	line              int
	// replaces: the prefix replaces the router's own (Flask's register_blueprint url_prefix).
	replaces bool
}

// pyImport is "import mod [as alias]" (names nil) or "from [.*level]mod import name [as alias], ...".
type pyImport struct {
	mod   string
	level int
	alias string      // for "import mod as alias"
	names [][2]string // name, bound name
	line  int
}

type pyServe struct {
	target, port string // argument expressions
	factory      bool
	line         int
	// own: the app's own server (Flask's app.run), not uvicorn.run.
	own bool
}

type pyAssign struct {
	name, expr string
	line       int
	// scope is "module", "class", "func", "self" (self.NAME = ... in a method, read as
	// self.NAME) or "option" (a command-line option, read as args.NAME).
	scope string
}

// Kinds of file system operations.
const (
	opWrite = "write" // writes the file at the path
	opMkdir = "mkdir" // creates the directory at the path
	opRead  = "read"  // reads the file at the path
	opLoad  = "load"  // loads a model from the path
	opTrack = "track" // an MLflow tracking URI
	opLog   = "log"   // a log file
)

type pyOp struct {
	kind, how, expr string
	line            int
	inFunc          bool
	fn              string     // the top-level function (or class, for a method) it is in, "" for none
	obj             string     // for a model constructor that writes only when fitted: the name it is assigned to
	hydra           *hydraMain // for @hydra.main's run directory: the config it loads
	// download: the operation downloads what it writes (a dataset fetched when the code runs).
	download bool
	// ifMissing: it runs under an if that tests the file exists (if not os.path.exists(p):
	// download it): it writes nothing when the repository holds the file.
	ifMissing bool
}

// hydraMain is the primary config an @hydra.main function loads: config_path (relative to
// the repository root) and config_name.
type hydraMain struct{ dir, name string }

// fitted reports whether the model a constructor op makes is fitted: a later NAME.fit with no
// other such constructor assigned to NAME in between (a model that is only loaded writes
// nothing).
func (f *pyFile) fitted(o pyOp) bool {
	for _, fit := range f.fits {
		if fit.obj != o.obj || fit.line < o.line {
			continue
		}
		return !slices.ContainsFunc(f.ops, func(p pyOp) bool { return p.obj == o.obj && p.line > o.line && p.line <= fit.line })
	}
	return false
}

var (
	frameworkRe = regexp.MustCompile(`^(?:[A-Za-z_][A-Za-z0-9_]*\.)*(FastAPI|Starlette|Litestar|Quart|Flask)$`)
	// NAME [: T] = expression
	assignRe = regexp.MustCompile(`^(?:self\.)?([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[^=]+?)?\s*=\s*([^=].*)$`)
	defRe    = regexp.MustCompile(`^(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(`)
	classRe  = regexp.MustCompile(`^class\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*:`)
	fromRe   = regexp.MustCompile(`^from\s+(\.*)([A-Za-z_][\w.]*)?\s+import\s+(.+)$`)
	importRe = regexp.MustCompile(`^import\s+(.+)$`)
	withRe   = regexp.MustCompile(`^(?:async\s+)?with\s+(.+?)\s+as\s+([A-Za-z_][A-Za-z0-9_]*)\s*:$`)
	mainRe   = regexp.MustCompile(`^if\s+__name__\s*==\s*["']__main__["']\s*:`)
	envRe    = regexp.MustCompile(`(?:getenv|environ\.get|environ\.setdefault)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']|environ\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\]`)
	callRe   = regexp.MustCompile(`\b(FastAPI|Starlette|Litestar|Quart|Flask)\s*\(`)
	dottedRe = regexp.MustCompile(`^[A-Za-z_][\w.]*$`)
)

var pyKeywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true, "async": true,
	"await": true, "break": true, "class": true, "continue": true, "def": true, "del": true, "elif": true,
	"else": true, "except": true, "finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true, "not": true, "or": true,
	"pass": true, "raise": true, "return": true, "try": true, "while": true, "with": true, "yield": true,
}

// Route decorators and registrations, and whether they answer GET (unless methods= says).
var routeFns = map[string]bool{"get": true, "route": true, "api_route": true, "head": true,
	"add_api_route": true, "add_route": true, "add_url_rule": true, "Route": true,
	"post": false, "put": false, "patch": false, "delete": false, "websocket": false}

func parsePy(p, src string) *pyFile {
	f := &pyFile{path: p, imports: map[string]bool{}, routers: map[string]pyRouter{}, appArgs: map[string]map[string]string{},
		settings: map[string][]settingsField{}, clients: map[string]pyClient{}, callees: map[string]bool{}}
	type block struct {
		indent int
		kind   string // "def" or "class"
		name   string
		bases  string
	}
	var stack []block
	// dotenvVars are the names assigned a dotenv_values(...) mapping at module level.
	var dotenvVars []string
	// envSet are the variables the module sets at import (os.environ["NAME"] = ...): reading
	// one back after that cannot fail.
	var envSet []string
	// envGuard is an "if os.getenv("NAME") is None:" at import or start, whose block may
	// exit: the app cannot start without NAME.
	var envGuard struct {
		name          string
		indent, line  int
		active, found bool
	}
	// loops are the module-level for statements the line is in: [names, iterable].
	type loop struct {
		indent int
		head   [2]string
	}
	var loops []loop
	// guards are the blocks whose environment reads cannot fail: under an if that tests the
	// variable, or a try whose except catches the KeyError (checked when the except comes).
	type guard struct {
		indent int
		keys   []string
		try    bool
		from   int  // the startup entries recorded in the try block start here
		exists bool // an if that tests a file exists: what it fetches may be in the image
	}
	var guards []guard
	for _, l := range logicalLines(src) {
		for len(loops) > 0 && l.indent <= loops[len(loops)-1].indent {
			loops = loops[:len(loops)-1]
		}
		for len(guards) > 0 && l.indent <= guards[len(guards)-1].indent {
			g := guards[len(guards)-1]
			if g.try && l.indent == g.indent && strings.HasPrefix(l.code, "except") {
				// What the except catches goes on: a missing variable (KeyError), a service
				// that does not answer (a connection error), or anything (Exception).
				broad, key, conn := catchesAllRe.MatchString(l.code), catchesKeyRe.MatchString(l.code), catchesConnRe.MatchString(l.code)
				f.startup = append(f.startup[:g.from], slices.DeleteFunc(f.startup[g.from:], func(s pyStartup) bool {
					isEnv := s.env != "" || len(s.envs) > 0
					return broad || key && isEnv || conn && !isEnv
				})...)
			}
			guards = guards[:len(guards)-1]
		}
		guarded := slices.Clone(envSet)
		ifExists := false
		for _, g := range guards {
			guarded = append(guarded, g.keys...)
			ifExists = ifExists || g.exists
		}
		for _, m := range envTestRe.FindAllStringSubmatch(l.code, -1) {
			guarded = append(guarded, m[1]+m[2])
		}
		switch {
		case strings.HasPrefix(l.code, "try:"):
			guards = append(guards, guard{indent: l.indent, try: true, from: len(f.startup)})
		case strings.HasPrefix(l.code, "if ") || strings.HasPrefix(l.code, "elif "):
			var keys []string
			for _, m := range envTestRe.FindAllStringSubmatch(l.code, -1) {
				keys = append(keys, m[1]+m[2])
			}
			if len(keys) > 0 || existsRe.MatchString(l.code) {
				guards = append(guards, guard{indent: l.indent, keys: keys, exists: existsRe.MatchString(l.code)})
			}
		}
		if envGuard.active {
			if l.indent <= envGuard.indent {
				envGuard.active = false
			} else if !envGuard.found && exitRe.MatchString(l.code) {
				envGuard.found = true
				f.startup = append(f.startup, pyStartup{line: envGuard.line,
					what: fmt.Sprintf("exits when %s is unset (line %d)", envGuard.name, l.n), env: envGuard.name})
			}
		}
		for len(stack) > 0 && l.indent <= stack[len(stack)-1].indent {
			stack = stack[:len(stack)-1]
		}
		inFunc := slices.ContainsFunc(stack, func(b block) bool { return b.kind == "def" })
		topFunc := ""
		if len(stack) > 0 && stack[0].kind == "def" && stack[0].indent == 0 {
			topFunc = stack[0].name
		}
		scope := "module"
		switch {
		case inFunc:
			scope = "func"
		case len(stack) > 0:
			scope = "class"
		}
		code := l.code
		if m := defRe.FindStringSubmatch(code); m != nil {
			f.params(code, l.n)
			stack = append(stack, block{l.indent, "def", m[1], ""})
			continue
		}
		if m := classRe.FindStringSubmatch(code); m != nil {
			stack = append(stack, block{l.indent, "class", m[1], m[2]})
			continue
		}
		if mainRe.MatchString(code) {
			f.main = true
		}
		if scope == "func" && strings.HasPrefix(code, "self.") {
			f.assignment(code, l.n, "self")
		} else {
			f.assignment(code, l.n, scope)
		}
		if m := environSetRe.FindStringSubmatch(code); m != nil && m[1] != "" {
			f.envDefaults = append(f.envDefaults, pyAssign{name: m[1], expr: strings.TrimSpace(m[2]), line: l.n, scope: scope})
		}
		if m := withRe.FindStringSubmatch(code); m != nil {
			// with open(...) as f: what f stands for, for a config loaded from it.
			f.assigns = append(f.assigns, pyAssign{name: m[2], expr: strings.TrimSpace(m[1]), line: l.n, scope: scope})
		}
		if scope == "class" && strings.Contains(stack[len(stack)-1].bases, "BaseSettings") {
			cls := stack[len(stack)-1].name
			if m := assignRe.FindStringSubmatch(code); m != nil {
				f.envReads = append(f.envReads, strings.ToUpper(m[1]))
				if requiredFieldRe.MatchString(m[2]) { // Field(...): required
					f.settings[cls] = append(f.settings[cls], settingsField{m[1], l.n})
				}
			} else if m := settingsFieldRe.FindStringSubmatch(code); m != nil && !optionalRe.MatchString(m[2]) {
				// No default: pydantic-settings requires it from the environment (or .env).
				f.settings[cls] = append(f.settings[cls], settingsField{m[1], l.n})
				f.envReads = append(f.envReads, strings.ToUpper(m[1]))
			}
		}
		f.imported(code, l.n)
		for _, m := range envRe.FindAllStringSubmatch(code, -1) {
			f.envReads = append(f.envReads, m[1]+m[2])
		}
		cs := calls(code)
		if l.indent == 0 && len(cs) > 0 && !strings.HasPrefix(code, "@") {
			f.topCalls++
		}
		if m := assignRe.FindStringSubmatch(code); m != nil && l.indent == 0 && len(cs) > 0 && cs[0].pos == strings.Index(code, m[2]) &&
			matchClose(code, cs[0].pos+len(cs[0].callee)) == len(code)-1 {
			// NAME = callee(...): the whole right-hand side is one call.
			c := cs[0]
			if fm := frameworkRe.FindStringSubmatch(c.callee); fm != nil {
				a := pyApp{obj: m[1], framework: fm[1], line: l.n}
				if fm[1] == "Flask" {
					f.wsgi = append(f.wsgi, a)
				}
				f.apps = append(f.apps, a)
				_, kw := splitArgs(c.args)
				f.appArgs[m[1]] = kw
			} else if c.fn != "" && identRe.MatchString(c.fn) && !strings.Contains(c.callee, "Router") {
				f.appCalls = append(f.appCalls, pyApp{obj: m[1], line: l.n, callee: c.callee})
			}
		}
		if m := callRe.FindStringSubmatch(code); m != nil && !strings.HasPrefix(code, "from ") && !strings.HasPrefix(code, "import ") {
			if topFunc != "" && !slices.ContainsFunc(f.factories, func(a pyApp) bool { return a.obj == topFunc }) {
				f.factories = append(f.factories, pyApp{obj: topFunc, framework: m[1], line: l.n})
			}
		}
		f.startFunc = topFunc != "" && startFnRe.MatchString(topFunc)
		if m := envGuardRe.FindStringSubmatch(code); m != nil && (!inFunc || f.startFunc) {
			envGuard.name, envGuard.indent, envGuard.line, envGuard.active, envGuard.found = m[1], l.indent, l.n, true, false
		}
		if !inFunc && len(stack) == 0 {
			if m := forRe.FindStringSubmatch(code); m != nil {
				loops = append(loops, loop{l.indent, [2]string{m[1], m[2]}})
			}
			if m := assignRe.FindStringSubmatch(code); m != nil && len(cs) > 0 && cs[0].pos == strings.Index(code, m[2]) {
				pos, kw := splitArgs(cs[0].args)
				if kind, local := f.clientKind(cs[0], pos, kw); kind != "" {
					f.clients[m[1]] = pyClient{kind: kind, line: l.n, local: local}
				}
			}
		}
		if !inFunc || f.startFunc {
			var heads [][2]string
			for _, lp := range loops {
				heads = append(heads, lp.head)
			}
			// What is read: not os.environ[...] assigned to (the right-hand side only), nor a
			// variable the statement or a block around it tests first, or the module set before.
			read := code
			if m := environSetRe.FindStringSubmatch(code); m != nil {
				read = m[2]
				if m[1] != "" {
					envSet = append(envSet, m[1]) // set, not read
				}
			}
			for _, c := range cs {
				if c.callee == "os.environ.setdefault" {
					if pos, _ := splitArgs(c.args); len(pos) > 0 {
						if name, _, ok := strLit(pos[0]); ok {
							envSet = append(envSet, name) // set unless it was already
						}
					}
				}
			}
			f.importBlockers(code, read, cs, l.n, heads, guarded, ifExists)
			for _, m := range environIndexRe.FindAllStringSubmatch(read, -1) {
				if slices.Contains(guarded, m[1]) {
					continue
				}
				f.startup = append(f.startup, pyStartup{line: l.n, what: "os.environ[\"" + m[1] + "\"] (a KeyError when it is unset)", env: m[1]})
			}
			if m := dotenvAssignRe.FindStringSubmatch(code); m != nil {
				dotenvVars = append(dotenvVars, m[1])
			}
			for _, v := range dotenvVars {
				// config["APP_TOKEN"] of dotenv_values(".env"): .env is never in the image (the
				// secure excludes keep it out), so the key is missing whatever the environment.
				re := regexp.MustCompile(`\b` + regexp.QuoteMeta(v) + `\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\]`)
				for _, m := range re.FindAllStringSubmatch(code, -1) {
					f.startup = append(f.startup, pyStartup{line: l.n, what: fmt.Sprintf("%s[%q] of dotenv_values (a KeyError: .env is not in the image)", v, m[1])})
				}
			}
			for _, m := range envConvertRe.FindAllStringSubmatch(code, -1) {
				f.startup = append(f.startup, pyStartup{line: l.n, what: fmt.Sprintf("%s(os.getenv(%q)) (a TypeError when it is unset)", m[1], m[2]), env: m[2]})
			}
		}
		f.curFunc = topFunc
		if len(stack) > 0 && stack[0].kind == "class" && stack[0].indent == 0 && inFunc {
			f.curFunc = stack[0].name // a method: the class the app imports
		}
		f.ifExists = ifExists
		for _, c := range cs {
			f.call(c, code, l.n, inFunc)
		}
	}
	f.ops = slices.DeleteFunc(f.ops, func(o pyOp) bool { return o.obj != "" && !f.fitted(o) })
	for i, o := range f.ops {
		// A file written where the code fetches a URL: requests.get, then open(..., "wb").
		if o.kind == opWrite && o.how == "open" && slices.Contains(f.fetches, o.fn) {
			f.ops[i].download = true
		}
	}
	return f
}

// params records the defaults of a function's parameters, which the body may use as paths.
func (f *pyFile) params(code string, n int) {
	open := strings.IndexByte(code, '(')
	end := matchClose(code, open)
	if end < 0 {
		return
	}
	for _, a := range splitTop(code[open+1:end], ',') {
		a = strings.TrimSpace(strings.TrimLeft(a, "*"))
		k := strings.IndexByte(a, '=')
		if k <= 0 {
			continue
		}
		name := strings.TrimSpace(a[:k])
		if c := strings.IndexByte(name, ':'); c >= 0 {
			name = strings.TrimSpace(name[:c])
		}
		if identRe.MatchString(name) {
			f.assigns = append(f.assigns, pyAssign{name: name, expr: strings.TrimSpace(a[k+1:]), line: n, scope: "func"})
		}
	}
}

func (f *pyFile) assignment(code string, n int, scope string) {
	m := assignRe.FindStringSubmatch(code)
	if m == nil {
		return
	}
	lhs := code[:len(code)-len(m[2])]
	if i := strings.IndexByte(lhs, '='); i > 0 && strings.ContainsRune("+-*/%&|^<>!@", rune(lhs[i-1])) {
		return // augmented assignment or comparison
	}
	f.assigns = append(f.assigns, pyAssign{name: m[1], expr: strings.TrimSpace(m[2]), line: n, scope: scope})
}

func (f *pyFile) imported(code string, n int) {
	if m := fromRe.FindStringSubmatch(code); m != nil {
		imp := pyImport{mod: m[2], level: len(m[1]), line: n}
		names := strings.Trim(strings.TrimSpace(m[3]), "()")
		for _, part := range strings.Split(names, ",") {
			fields := strings.Fields(part)
			switch {
			case len(fields) == 1:
				imp.names = append(imp.names, [2]string{fields[0], fields[0]})
			case len(fields) == 3 && fields[1] == "as":
				imp.names = append(imp.names, [2]string{fields[0], fields[2]})
			}
		}
		f.importStmts = append(f.importStmts, imp)
		if imp.level == 0 && imp.mod != "" {
			f.imports[strings.SplitN(imp.mod, ".", 2)[0]] = true
		}
		return
	}
	if m := importRe.FindStringSubmatch(code); m != nil {
		for _, part := range strings.Split(m[1], ",") {
			fields := strings.Fields(part)
			if len(fields) == 0 || !dottedRe.MatchString(fields[0]) {
				continue
			}
			imp := pyImport{mod: fields[0], line: n}
			if len(fields) == 3 && fields[1] == "as" {
				imp.alias = fields[2]
			}
			f.importStmts = append(f.importStmts, imp)
			f.imports[strings.SplitN(fields[0], ".", 2)[0]] = true
		}
	}
}

// Calls that write a file given as their first argument (a pandas or matplotlib method, say).
var writeFirst = map[string]bool{"to_csv": true, "to_parquet": true, "to_json": true, "to_pickle": true,
	"to_excel": true, "to_feather": true, "to_hdf": true, "savefig": true, "save_pretrained": true,
	"save_weights": true, "savetxt": true, "save": true, "savez": true, "savez_compressed": true}

// pandasReads are the pandas functions whose first argument is a file the code reads.
var pandasReads = map[string]bool{"read_csv": true, "read_parquet": true, "read_json": true, "read_excel": true,
	"read_feather": true, "read_table": true, "read_pickle": true, "read_orc": true}

// helperRe matches the names of a project's own functions that save or load an object
// (save_object, load_pickle, dump_artifact): their path argument is evaluated.
var helperRe = regexp.MustCompile(`(?i)^(save|load|dump|write|read)_?(object|obj|pickle|pkl|artifact|artifacts|model|joblib|file|json|yaml)s?$`)

// pathArg is the argument of a helper call that names a path: a keyword argument whose name
// says so, else the first string literal or name.
func pathArg(pos []string, kw map[string]string) string {
	for _, k := range sortedKeys(kw) {
		if l := strings.ToLower(k); strings.Contains(l, "path") || strings.Contains(l, "file") || strings.Contains(l, "dir") {
			return kw[k]
		}
	}
	for _, p := range pos {
		if _, _, ok := strLit(p); ok || dottedRe.MatchString(p) && strings.Contains(strings.ToLower(p), "path") {
			return p
		}
	}
	return ""
}

// CatBoost's model classes: fitting writes train_dir (catboost_info/ by default).
var catboostFns = map[string]bool{"CatBoost": true, "CatBoostClassifier": true, "CatBoostRegressor": true, "CatBoostRanker": true}

// Calls that load a model from their first argument.
var loadFirst = map[string]bool{"load_model": true, "load_learner": true, "from_pretrained": true,
	"InferenceSession": true, "load_weights": true, "read_pickle": true}

func isRouteFn(fn string) bool {
	_, ok := routeFns[fn]
	return ok
}

// call records what one call tells: routes, routers, includes, servers, file system operations.
func (f *pyFile) call(c pyCall, code string, n int, inFunc bool) {
	pos, kw := splitArgs(c.args)
	lit := func(s string) string {
		v, _, ok := strLit(s)
		if !ok {
			return ""
		}
		return v
	}
	op := func(kind, expr string) {
		if expr != "" {
			f.ops = append(f.ops, pyOp{kind: kind, how: c.callee, expr: expr, line: n, inFunc: inFunc, fn: f.curFunc})
		}
	}
	// download records a download into expr, or, with expr unset or under ~, into home.
	download := func(kind, expr, home string) {
		if v, _, ok := strLit(expr); expr == "" || ok && strings.HasPrefix(v, "~") {
			if home != "" {
				f.homeDownloads = append(f.homeDownloads, pyDownload{line: n, how: c.callee, home: cmp.Or(v, home)})
			}
			return
		}
		f.ops = append(f.ops, pyOp{kind: kind, how: c.callee, expr: expr, line: n, inFunc: inFunc, fn: f.curFunc, download: true, ifMissing: f.ifExists})
	}
	libDefault := func(how, expr string) {
		f.ops = append(f.ops, pyOp{kind: opMkdir, how: how, expr: expr, line: n, inFunc: inFunc})
	}
	if c.fn == "fit" && identRe.MatchString(c.recv) {
		f.fits = append(f.fits, pyFit{c.recv, n})
	}
	if !inFunc || f.startFunc {
		f.startupCall(c, pos, kw, n)
	}
	f.callees[c.callee] = true
	if isFetch(c) && !slices.Contains(f.fetches, f.curFunc) {
		f.fetches = append(f.fetches, f.curFunc)
	}
	switch {
	case isRouteFn(c.fn) && (c.fn == "Route" || c.recv != "" || strings.HasPrefix(code, "@")):
		p := arg(pos, kw, 0, "path", "rule")
		v, partial, ok := strLit(p)
		if !ok || partial || v != "" && !strings.HasPrefix(v, "/") || strings.ContainsAny(v, "{}<>$ \\\"'") {
			return
		}
		if !routeFns[c.fn] && !strings.HasPrefix(code, "@") || c.fn == "get" && !strings.HasPrefix(code, "@") {
			return // an HTTP client call, or dict.get
		}
		get := routeFns[c.fn]
		if m, ok := kw["methods"]; ok {
			get = strings.Contains(strings.ToUpper(m), "GET")
		}
		obj := c.recv
		if c.fn == "Route" {
			obj = ""
		}
		f.routes = append(f.routes, pyRoute{obj: obj, path: v, line: n, get: get})
	case c.fn == "APIRouter" || c.fn == "Router" || c.fn == "Blueprint":
		if m := assignRe.FindStringSubmatch(code); m != nil && strings.HasPrefix(strings.TrimSpace(m[2]), c.callee) {
			f.routers[m[1]] = pyRouter{prefix: strings.TrimSuffix(lit(arg(nil, kw, -1, "prefix", "url_prefix", "path")), "/"), line: n}
		}
	case c.fn == "include_router" && c.recv != "":
		f.includes = append(f.includes, pyInclude{obj: c.recv, expr: arg(pos, kw, 0, "router"),
			prefix: strings.TrimSuffix(lit(kw["prefix"]), "/"), line: n})
	case c.callee == "render_template" || c.callee == "flask.render_template":
		// Flask renders from the templates/ folder beside the app's module.
		op(opRead, strconv.Quote(path.Join(path.Dir(f.path), "templates")))
	case c.fn == "StaticFiles" || c.fn == "Jinja2Templates":
		op(opRead, arg(pos, kw, 0, "directory"))
	case c.fn == "register_blueprint" && c.recv != "":
		// Flask: the blueprint's own url_prefix, or the one given here, which replaces it.
		f.includes = append(f.includes, pyInclude{obj: c.recv, expr: arg(pos, kw, 0, "blueprint"),
			prefix: strings.TrimSuffix(lit(kw["url_prefix"]), "/"), replaces: kw["url_prefix"] != "", line: n})
	case c.fn == "run" && c.recv != "" && identRe.MatchString(c.recv) && c.recv != "uvicorn" && (kw["port"] != "" || kw["host"] != ""):
		// app.run(host=..., port=...): Flask's (and Quart's) own server.
		f.serves = append(f.serves, pyServe{target: c.recv, port: kw["port"], line: n, own: true})
	case c.fn == "mount" && c.recv != "" && len(pos) > 1:
		f.mounts = append(f.mounts, strings.TrimSpace(pos[1]))
	case c.fn == "Mount":
		if a := arg(pos, kw, 1, "app"); a != "" {
			f.mounts = append(f.mounts, a)
		}
	case c.callee == "uvicorn.run" || c.callee == "uvicorn.Config":
		f.serves = append(f.serves, pyServe{target: arg(pos, kw, 0, "app"), port: kw["port"], factory: kw["factory"] == "True", line: n})

	case c.callee == "open" || c.callee == "io.open" || c.callee == "codecs.open" || c.callee == "gzip.open":
		mode := lit(arg(pos, kw, 1, "mode"))
		if strings.ContainsAny(mode, "wax+") {
			op(opWrite, arg(pos, kw, 0, "file", "filename"))
		} else {
			op(opRead, arg(pos, kw, 0, "file", "filename"))
		}
	case c.fn == "makedirs" || c.callee == "os.mkdir" || c.callee == "mkdir":
		op(opMkdir, arg(pos, kw, 0, "name", "path"))
	case c.fn == "mkdir" && c.recv != "" && c.recv != "os":
		op(opMkdir, c.recv)
	case (c.fn == "write_text" || c.fn == "write_bytes" || c.fn == "touch") && c.recv != "":
		op(opWrite, c.recv)
	case (c.fn == "read_text" || c.fn == "read_bytes") && c.recv != "":
		op(opRead, c.recv)
	case pandasReads[c.fn] && (c.recv == "pd" || c.recv == "pandas" || c.recv == "" && f.imports["pandas"]):
		// Committed data the code reads (pd.read_csv("housing.csv")): copied when small.
		op(opRead, arg(pos, kw, 0, "filepath_or_buffer", "path", "path_or_buf", "io"))
	case (c.fn == "loadtxt" || c.fn == "genfromtxt") && (c.recv == "np" || c.recv == "numpy"):
		op(opRead, arg(pos, kw, 0, "fname"))
	case c.callee == "os.environ.setdefault" && len(pos) > 1:
		if name, _, ok := strLit(pos[0]); ok {
			f.envDefaults = append(f.envDefaults, pyAssign{name: name, expr: pos[1], line: n})
		}
	// Datasets downloaded when the code runs.
	case c.fn == "urlretrieve":
		download(opWrite, arg(pos, kw, 1, "filename"), "")
	case c.callee == "gdown.download" || c.callee == "wget.download":
		download(opWrite, arg(pos, kw, 1, "output", "out"), "")
	case c.fn == "dataset_download_files" || c.fn == "competition_download_files":
		// Kaggle's default path is the working directory.
		download(opMkdir, cmp.Or(arg(pos, kw, 1, "path"), `"."`), "")
	case c.fn == "dataset_download_file" || c.fn == "competition_download_file":
		download(opMkdir, cmp.Or(arg(pos, kw, 2, "path"), `"."`), "")
	case c.callee == "kagglehub.dataset_download" || c.callee == "kagglehub.competition_download":
		download(opMkdir, kw["output_dir"], "~/.cache/kagglehub")
	case strings.HasPrefix(c.fn, "fetch_") && (strings.HasPrefix(c.callee, "sklearn.datasets.") || c.recv == "datasets" && f.imports["sklearn"] ||
		c.recv == "" && f.importedFrom(c.fn, "sklearn.datasets")):
		// scikit-learn's fetchers cache under data_home.
		download(opMkdir, kw["data_home"], "~/scikit_learn_data")
	case c.fn == "load_dataset" && (c.callee == "datasets.load_dataset" || c.recv == "" && f.importedFrom(c.fn, "datasets")):
		// Hugging Face datasets.
		download(opMkdir, kw["cache_dir"], "~/.cache/huggingface/datasets")
	case c.fn == "get_file" && (strings.HasSuffix(c.callee, "utils.get_file") ||
		c.recv == "" && (f.importedFrom(c.fn, "tensorflow.keras.utils") || f.importedFrom(c.fn, "keras.utils"))):
		download(opMkdir, kw["cache_dir"], "~/.keras")
	case c.callee == "tfds.load" || c.callee == "tensorflow_datasets.load":
		download(opMkdir, kw["data_dir"], "~/tensorflow_datasets")
	case kw["download"] == "True" && (f.imports["torchvision"] || f.imports["torchaudio"] || f.imports["torchtext"]):
		// torchvision's datasets: MNIST(root="data", download=True).
		download(opMkdir, arg(pos, kw, 0, "root"), "~")
	case (c.fn == "snapshot_download" || c.fn == "hf_hub_download") && kw["local_dir"] != "":
		download(opMkdir, kw["local_dir"], "")
	case c.fn == "extractall" && c.recv != "":
		// An archive unpacked (zipfile, tarfile): into path, else the working directory.
		op(opMkdir, cmp.Or(arg(pos, kw, 0, "path"), `"."`))
	case c.callee == "shutil.unpack_archive":
		op(opMkdir, cmp.Or(arg(pos, kw, 1, "extract_dir"), `"."`))
	case c.fn == "dump" && c.recv != "json" && c.recv != "yaml" && c.recv != "toml" || c.callee == "torch.save" || c.callee == "torch.jit.save":
		op(opWrite, arg(pos, kw, 1, "filename", "f", "file"))
	case c.fn == "save_model" || c.fn == "save_booster":
		if c.recv == "" || strings.HasPrefix(c.recv, "mlflow") {
			op(opWrite, arg(pos, kw, 1, "path"))
		} else {
			op(opWrite, arg(pos, kw, 0, "fname", "path", "filepath"))
		}
	case writeFirst[c.fn] && c.recv != "":
		if c.fn == "save" && (c.recv == "self" || c.recv == "session" || c.recv == "db") {
			return
		}
		op(opWrite, arg(pos, kw, 0, "path_or_buf", "path", "fname", "file", "filepath", "save_directory"))
	case strings.HasSuffix(c.fn, "FileHandler"):
		op(opLog, arg(pos, kw, 0, "filename"))
	case c.fn == "basicConfig":
		op(opLog, kw["filename"])
	case c.recv == "shutil" && (c.fn == "copy" || c.fn == "copy2" || c.fn == "copyfile" || c.fn == "move" || c.fn == "copytree"):
		op(opWrite, arg(pos, kw, 1, "dst"))
	case c.fn == "SummaryWriter":
		if d := arg(pos, kw, 0, "log_dir", "logdir"); d != "" {
			op(opMkdir, d)
		} else {
			op(opMkdir, `"runs"`)
		}
	case c.fn == "ModelCheckpoint":
		if d := arg(nil, kw, -1, "dirpath"); d != "" {
			op(opMkdir, d)
		} else {
			op(opWrite, arg(pos, kw, 0, "filepath"))
		}
	case c.fn == "TrainingArguments" || c.fn == "Seq2SeqTrainingArguments":
		op(opMkdir, arg(pos, kw, 0, "output_dir"))
	case c.fn == "Trainer" && kw["default_root_dir"] != "":
		op(opMkdir, kw["default_root_dir"])
	case c.fn == "Trainer" && (f.imports["lightning"] || f.imports["pytorch_lightning"]) &&
		!(kw["logger"] == "False" && kw["enable_checkpointing"] == "False"):
		// Lightning's default_root_dir is the working directory: its logger and checkpoints
		// go to lightning_logs/ there.
		libDefault(c.callee+" (default_root_dir unset: lightning_logs/)", `"lightning_logs"`)
	case catboostFns[c.fn] && kw["allow_writing_files"] != "False":
		m := assignRe.FindStringSubmatch(code)
		if m == nil || !strings.HasPrefix(strings.TrimSpace(m[2]), c.callee) {
			return // not assigned to a name: init cannot tell whether it is fitted
		}
		how, d := c.fn+" (train_dir unset: catboost_info/)", `"catboost_info"`
		if kw["train_dir"] != "" {
			how, d = c.fn+" train_dir", kw["train_dir"]
		}
		f.ops = append(f.ops, pyOp{kind: opMkdir, how: how, expr: d, line: n, inFunc: inFunc, obj: m[1]})
	case strings.HasPrefix(code, "@") && (c.callee == "hydra.main" || c.callee == "main" && f.imports["hydra"]):
		// Hydra's run directory: outputs/<date>/<time> in the working directory.
		// The primary config may move it (hydra.run.dir): r.uses reads it.
		o := pyOp{kind: opMkdir, how: "@" + c.callee + " (hydra.run.dir: outputs/)", expr: `"outputs"`, line: n, inFunc: inFunc}
		// Hydra reads its configs from config_path, relative to this file.
		if cp := lit(arg(pos, kw, 0, "config_path")); cp != "" && !path.IsAbs(cp) && !strings.Contains(cp, "://") {
			dir := path.Join(path.Dir(f.path), cp)
			op(opRead, strconv.Quote(dir))
			if name := lit(arg(pos, kw, 1, "config_name")); name != "" {
				o.hydra = &hydraMain{dir: dir, name: name}
			}
		}
		f.ops = append(f.ops, o)
	case c.callee == "wandb.init" && !strings.Contains(kw["mode"], "disabled"):
		if d := kw["dir"]; d != "" {
			op(opMkdir, d)
		} else {
			op(opMkdir, `"wandb"`)
		}
	case c.callee == "mlflow.set_tracking_uri":
		op(opTrack, arg(pos, kw, 0, "uri"))
	case strings.HasPrefix(c.callee, "mlflow.") && c.fn == "load_model":
		op(opLoad, arg(pos, kw, 0, "model_uri"))
	case strings.HasPrefix(c.callee, "mlflow.") && (c.fn == "start_run" || c.fn == "autolog" || c.fn == "set_experiment" ||
		c.fn == "register_model" || c.fn == "create_experiment" || strings.HasPrefix(c.fn, "log_")):
		if f.mlflow == 0 {
			f.mlflow, f.mlflowCall = n, c.callee
		}
	case c.fn == "load" && (c.recv == "joblib" || c.recv == "torch" || c.recv == "torch.jit" || c.recv == "np" || c.recv == "numpy" || c.recv == "dill" ||
		c.recv == "cloudpickle" || c.recv == "tf.saved_model" || c.recv == "" && f.imports["joblib"]):
		op(opLoad, arg(pos, kw, 0, "filename", "f", "file", "export_dir"))
	case loadFirst[c.fn]:
		op(opLoad, arg(pos, kw, 0, "filepath", "path", "model_uri", "fname", "pretrained_model_name_or_path", "path_or_bytes"))
	case c.fn == "Booster" && kw["model_file"] != "":
		op(opLoad, kw["model_file"])
	case helperRe.MatchString(c.fn) && c.recv == "":
		// The project's own helpers: save_object(file_path=..., obj=...), load_object(path).
		kind := opWrite
		if strings.Contains(strings.ToLower(c.fn), "load") {
			kind = opLoad
		}
		op(kind, pathArg(pos, kw))
	}
	if c.fn == "add_argument" || c.fn == "option" || c.fn == "Option" || c.fn == "Argument" || c.fn == "argument" && strings.HasPrefix(code, "@") {
		f.option(pos, kw, n, strings.HasPrefix(code, "@"))
	}
}

// importedFrom reports whether the file imports name from module mod (from mod import name).
func (f *pyFile) importedFrom(name, mod string) bool {
	return slices.ContainsFunc(f.importStmts, func(im pyImport) bool {
		return im.level == 0 && im.mod == mod && slices.ContainsFunc(im.names, func(nm [2]string) bool { return nm[1] == name })
	})
}

// option records the default of a command-line option (argparse, click) under the name the
// code reads it by: args.output_dir, or, for a decorator (@click.option), the parameter of
// the function it decorates, a bare name.
func (f *pyFile) option(pos []string, kw map[string]string, n int, decorator bool) {
	def, ok := kw["default"]
	if !ok {
		return
	}
	name := ""
	explicit := ""
	for _, p := range pos {
		v, _, ok := strLit(p)
		switch {
		case ok && strings.HasPrefix(v, "-") && !strings.HasPrefix(name, "--"):
			name = v
		case ok && decorator && identRe.MatchString(v):
			explicit = v // click's parameter name: @click.option("--out", "out_dir")
		}
	}
	name = strings.ReplaceAll(strings.TrimLeft(name, "-"), "-", "_")
	if d, _, ok := strLit(kw["dest"]); ok {
		name = d
	}
	scope := "option"
	if decorator {
		scope = "func"
		if explicit != "" {
			name = explicit
		}
	}
	if identRe.MatchString(name) {
		f.assigns = append(f.assigns, pyAssign{name: name, expr: def, line: n, scope: scope})
	}
}

var (
	// startFnRe names the functions that run when the app starts.
	startFnRe = regexp.MustCompile(`(?i)startup|lifespan|on_start|before_first_request`)
	// envGuardRe is a test that a variable is unset: "if os.getenv("NAME") is None:", "if not
	// os.environ.get("NAME"):"; exitRe a statement that stops the app in its block.
	envGuardRe = regexp.MustCompile(`^if\s+(?:not\s+)?os\.(?:getenv|environ\.get)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\)(?:\s+is\s+None)?\s*:`)
	exitRe     = regexp.MustCompile(`^(?:sys\.exit|exit|quit|os\._exit)\(|^raise\b`)
	// dotenvAssignRe is NAME = dotenv_values(...).
	dotenvAssignRe = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:dotenv\.)?dotenv_values\(`)
	// envConvertRe converts a variable read with no default: int(os.getenv("NAME")) fails
	// with a TypeError when NAME is unset.
	envConvertRe = regexp.MustCompile(`\b(int|float|eval|json\.loads|literal_eval)\(\s*os\.(?:getenv|environ\.get)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\)\s*\)`)
	// environSetRe is os.environ[KEY] = expr (not a comparison): the code sets the variable
	// itself. The name is set when KEY is a string literal, expr is the value.
	environSetRe = regexp.MustCompile(`^os\.environ\[\s*(?:["']([A-Za-z_][A-Za-z0-9_]*)["']|[^\]]+?)\s*\]\s*=\s*([^=].*)$`)
	// environIndexRe is os.environ["NAME"]: a KeyError at import when NAME is unset.
	environIndexRe = regexp.MustCompile(`\bos\.environ\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\]`)
)

// startupCall records a call at import or start that downloads from a model hub or Kaggle.
func (f *pyFile) startupCall(c pyCall, pos []string, kw map[string]string, n int) {
	lit := func(s string) string {
		v, _, ok := strLit(s)
		if !ok {
			return ""
		}
		return v
	}
	switch {
	case c.fn == "load_dotenv" || c.fn == "find_dotenv" || c.fn == "dotenv_values":
		if f.dotenv == 0 {
			f.dotenv = n
		}
	case c.fn == "pipeline" && (c.recv == "" || c.recv == "transformers"):
		m := lit(arg(pos, kw, 1, "model"))
		if m == "" && arg(pos, kw, 1, "model") != "" {
			return // a model object or a path in a variable: no default model
		}
		what := "transformers.pipeline downloads its default model from the Hugging Face Hub"
		if m != "" {
			what = fmt.Sprintf("transformers.pipeline downloads %s from the Hugging Face Hub", m)
		}
		f.startup = append(f.startup, pyStartup{line: n, what: what, local: m})
	case c.fn == "from_pretrained" || c.fn == "SentenceTransformer" || c.fn == "CrossEncoder":
		m := lit(arg(pos, kw, 0, "pretrained_model_name_or_path", "model_name_or_path", "model_name"))
		if m == "" {
			return // a variable: a path as likely as a hub id
		}
		f.startup = append(f.startup, pyStartup{line: n, what: fmt.Sprintf("%s(%q) downloads from the Hugging Face Hub", c.fn, m), local: m})
	case c.fn == "hf_hub_download" || c.fn == "snapshot_download":
		f.startup = append(f.startup, pyStartup{line: n, what: c.fn + " downloads from the Hugging Face Hub"})
	case c.callee == "torch.hub.load" || c.callee == "tensorflow_hub.load" || c.callee == "hub.load" || c.callee == "hub.KerasLayer":
		f.startup = append(f.startup, pyStartup{line: n, what: c.callee + " downloads a model"})
	case strings.HasPrefix(c.callee, "kaggle.") || c.fn == "KaggleApi" || c.fn == "dataset_download_files" || c.callee == "kagglehub.model_download" || c.callee == "kagglehub.dataset_download":
		f.startup = append(f.startup, pyStartup{line: n, what: c.callee + " calls Kaggle (network and credentials)"})
	}
}

// What a module does at import (or when the app starts) that needs a service the build does
// not have: a call on a storage, database or cache client, a connection, a model from an
// MLflow tracking server; and required settings read in a loop or by pydantic-settings.
// Constructing a client makes no network call and stops nothing.

var (
	// forRe is a for statement's header: the names it binds and what it iterates.
	forRe = regexp.MustCompile(`^(?:async\s+)?for\s+(.+?)\s+in\s+(.+?)\s*:$`)
	// compForRe is a comprehension's "for NAME in ITER" (ITER up to if, for or the bracket).
	compForRe = regexp.MustCompile(`\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\s+(\[[^\]]*\]|\([^)]*\)|\{[^}]*\}|[A-Za-z_][\w.]*)`)
	// envTestRe tests a variable before reading it: "NAME" in os.environ, k in os.environ,
	// os.getenv("NAME"), os.environ.get("NAME").
	envTestRe = regexp.MustCompile(`(?:["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s+in\s+os\.environ\b|os\.(?:getenv|environ\.get)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\)\s*(?:is\s+not\s+None|:|\s+and\b))`)
	// catchesAllRe is an except clause that catches every error; catchesKeyRe one that
	// catches a KeyError; catchesConnRe one that catches a service's errors.
	catchesAllRe  = regexp.MustCompile(`^except\s*(?::|[^:]*\b(?:Exception|BaseException)\b)`)
	catchesKeyRe  = regexp.MustCompile(`^except\b[^:]*\b(?:KeyError|LookupError|ValidationError)\b`)
	catchesConnRe = regexp.MustCompile(`^except\b[^:]*(?:Connection|Timeout|URLError|HTTPError|RequestException|OperationalError|ClientError|S3Error|RedisError|MlflowException|OSError|IOError|MaxRetryError)`)
	// environVarIndexRe is os.environ[NAME]: a KeyError when the variable NAME holds is unset.
	environVarIndexRe = regexp.MustCompile(`\bos\.environ\[\s*([A-Za-z_][A-Za-z0-9_]*)\s*\]`)
	// settingsFieldRe is a field of a settings class with no default: "api_key: str".
	settingsFieldRe = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*)\s*:\s*([^=]+?)\s*$`)
	// stringsRe are the string literals of a list or tuple.
	stringsRe = regexp.MustCompile(`["']([A-Za-z_][A-Za-z0-9_]*)["']`)
	// connectFns are calls that connect to a database or broker when made.
	connectFns = map[string]bool{"psycopg2.connect": true, "psycopg.connect": true, "pymysql.connect": true,
		"mysql.connector.connect": true, "MySQLdb.connect": true, "pyodbc.connect": true, "cx_Oracle.connect": true,
		"oracledb.connect": true, "snowflake.connector.connect": true, "clickhouse_connect.get_client": true,
		"pika.BlockingConnection": true, "psycopg2.pool.SimpleConnectionPool": true, "vertica_python.connect": true}
	// fetchFns download from a URL when called (bare names: imported from their module).
	fetchFns = map[string]bool{"urllib.request.urlopen": true, "urllib.request.urlretrieve": true, "request.urlopen": true,
		"request.urlretrieve": true, "urlopen": true, "urlretrieve": true, "requests.get": true, "requests.post": true,
		"httpx.get": true, "gdown.download": true, "wget.download": true, "tf.keras.utils.get_file": true,
		"keras.utils.get_file": true, "torch.hub.download_url_to_file": true, "torch.hub.load_state_dict_from_url": true,
		"load_state_dict_from_url": true, "download_url_to_file": true}
	// existsRe tests that a file exists (if not os.path.exists(MODEL): download it).
	existsRe = regexp.MustCompile(`\b(?:exists|isfile|is_file|isdir|is_dir)\(`)
	// clientMethods are the methods that call the service, by client kind ("" for any method).
	clientMethods = map[string]map[string]bool{
		"minio": {"fget_object": true, "get_object": true, "list_objects": true, "bucket_exists": true, "make_bucket": true,
			"list_buckets": true, "stat_object": true, "fput_object": true, "put_object": true},
		"s3": {"download_file": true, "download_fileobj": true, "get_object": true, "list_objects": true, "list_objects_v2": true,
			"head_object": true, "upload_file": true, "put_object": true, "head_bucket": true, "list_buckets": true,
			"create_bucket": true, "Bucket": false, "Object": false},
		"redis":  {"": true, "pipeline": false, "close": false, "pubsub": false},
		"engine": {"connect": true, "begin": true, "execute": true, "raw_connection": true},
	}
	clientNames = map[string]string{"minio": "a MinIO client", "s3": "an S3 client", "redis": "a Redis client", "engine": "a database engine"}
)

// mlflowServerFns are the MLflow client calls that ask the tracking server (or its model
// registry) for something.
var mlflowServerFns = map[string]bool{"get_latest_versions": true, "search_model_versions": true, "get_model_version": true,
	"get_model_version_by_alias": true, "get_registered_model": true, "search_registered_models": true,
	"list_registered_models": true, "get_run": true, "search_runs": true, "get_experiment_by_name": true,
	"download_artifacts": true, "set_experiment": true}

// isFetch reports whether call c downloads from a URL (fetchFns).
func isFetch(c pyCall) bool {
	return fetchFns[c.callee] || fetchFns[c.fn] && c.recv == ""
}

// pyClient is a service client assigned at module level.
type pyClient struct {
	kind string
	line int
	// local: a database engine on a sqlite file, which needs no server.
	local bool
}

// clientKind classifies a call that constructs a client, "" for other calls.
func (f *pyFile) clientKind(c pyCall, pos []string, kw map[string]string) (kind string, local bool) {
	switch {
	case c.fn == "Minio":
		return "minio", false
	case (c.fn == "client" || c.fn == "resource") && (strings.HasPrefix(c.callee, "boto3") || strings.Contains(c.recv, "Session")):
		if s := f.literal(arg(pos, kw, 0, "service_name")); s == "s3" {
			return "s3", false
		}
	case c.fn == "Redis" || c.fn == "StrictRedis" || c.fn == "from_url" && strings.Contains(strings.ToLower(c.recv), "redis"):
		return "redis", false
	case c.fn == "create_engine":
		u := f.literal(arg(pos, kw, 0, "url"))
		return "engine", strings.HasPrefix(u, "sqlite")
	}
	return "", false
}

// literal is the string an expression stands for in this file: a literal, a module-level
// name assigned one, or the default of os.getenv; "" when it is none of these.
func (f *pyFile) literal(expr string) string {
	for range 4 { // a name assigned a name, a few times at most
		expr = strings.TrimSpace(expr)
		if v, _, ok := strLit(expr); ok {
			return v
		}
		if m := envDefaultRe.FindStringSubmatch(expr); m != nil {
			expr = m[1]
			continue
		}
		if !identRe.MatchString(expr) {
			return ""
		}
		next := ""
		for _, a := range slices.Backward(f.assigns) {
			if a.name == expr && a.scope == "module" {
				next = a.expr
				break
			}
		}
		if next == "" {
			return ""
		}
		expr = next
	}
	return ""
}

// envDefaultRe is os.getenv("X", DEFAULT) or os.environ.get("X", DEFAULT).
var envDefaultRe = regexp.MustCompile(`^os\.(?:getenv|environ\.get)\(\s*["'][^"']*["']\s*,\s*(.+)\)$`)

// loopNames are the variable names a for loop's or comprehension's iterable holds: a literal
// list or tuple of strings, or a module-level name assigned one. ok is false when init cannot
// tell.
func (f *pyFile) loopNames(iter string) (names []string, ok bool) {
	iter = strings.TrimSpace(iter)
	if identRe.MatchString(iter) {
		for i := len(f.assigns) - 1; i >= 0; i-- {
			if a := f.assigns[i]; a.name == iter && a.scope == "module" {
				iter = strings.TrimSpace(a.expr)
				break
			}
		}
	}
	if iter == "" || !strings.ContainsRune("[({", rune(iter[0])) {
		return nil, false
	}
	for _, m := range stringsRe.FindAllStringSubmatch(iter, -1) {
		names = append(names, m[1])
	}
	return names, len(names) > 0
}

// importBlockers records what one statement run at import or start needs from outside the
// build: loops is the module-level for headers around it ([names, iterable] each).
func (f *pyFile) importBlockers(code, read string, cs []pyCall, n int, loops [][2]string, guarded []string, ifExists bool) {
	// os.environ[k] for k in a list: each variable is required.
	for _, m := range environVarIndexRe.FindAllStringSubmatch(read, -1) {
		if slices.Contains(guarded, m[1]) {
			continue
		}
		iter, found := "", false
		for _, cm := range compForRe.FindAllStringSubmatch(code, -1) {
			if cm[1] == m[1] {
				iter, found = cm[2], true
			}
		}
		for i := len(loops) - 1; i >= 0 && !found; i-- {
			if slices.Contains(strings.FieldsFunc(loops[i][0], func(r rune) bool { return r == ',' || r == ' ' || r == '(' || r == ')' }), m[1]) {
				iter, found = loops[i][1], true
			}
		}
		if !found {
			continue // a name assigned elsewhere: not followed
		}
		s := pyStartup{line: n}
		if names, ok := f.loopNames(iter); ok {
			s.envs = names
			s.what = fmt.Sprintf("os.environ[%s] for %s in %s (a KeyError when one is unset)", m[1], m[1], strings.Join(names, ", "))
		} else {
			s.what = fmt.Sprintf("os.environ[%s] for each %s in %s (a KeyError when one is unset)", m[1], m[1], iter)
		}
		f.startup = append(f.startup, s)
	}
	for _, c := range cs {
		pos, kw := splitArgs(c.args)
		if strings.TrimSpace(c.args) == "" && identRe.MatchString(c.callee) && len(f.settings[c.callee]) == 0 {
			// Name(): a settings class of another module, perhaps (startupBlockers looks).
			f.instances = append(f.instances, pyInstance{c.callee, n})
		}
		// A settings class with required fields, instantiated.
		if req := f.settings[c.callee]; len(req) > 0 && strings.TrimSpace(c.args) == "" {
			f.startup = append(f.startup, settingsStartup(c.callee, "", req, n))
		}
		switch {
		case isFetch(c) && !ifExists:
			what := c.callee + " downloads"
			if u := f.literal(arg(pos, kw, 0, "url")); strings.Contains(u, "://") {
				what = fmt.Sprintf("%s downloads %s", c.callee, u)
			}
			f.startup = append(f.startup, pyStartup{line: n, what: what})
		case connectFns[c.callee]:
			f.startup = append(f.startup, pyStartup{line: n, what: c.callee + " connects to a database"})
		case strings.HasPrefix(c.callee, "mlflow.") && c.fn == "load_model":
			uri := f.literal(arg(pos, kw, 0, "model_uri"))
			if strings.HasPrefix(uri, "models:/") || strings.HasPrefix(uri, "runs:/") {
				what := fmt.Sprintf("%s(%q) loads from the MLflow tracking server", c.callee, uri)
				if f.mlflowServer != "" {
					what += " " + f.mlflowServer
				}
				f.startup = append(f.startup, pyStartup{line: n, mlflow: true, what: what})
			}
		case c.callee == "mlflow.set_tracking_uri":
			f.mlflowServer = ""
			if u := f.literal(arg(pos, kw, 0, "uri")); strings.HasPrefix(u, "http") || strings.HasPrefix(u, "databricks") {
				f.mlflowServer = u
			}
		case f.mlflowServer != "" && mlflowServerFns[c.fn]:
			// A registry or run query once the module has set a server.
			f.startup = append(f.startup, pyStartup{line: n, what: fmt.Sprintf("%s contacts the MLflow tracking server %s", c.callee, f.mlflowServer)})
		}
		if c.fn == "create_all" {
			// metadata.create_all(bind=engine) connects to create the tables.
			if cl, ok := f.clients[strings.TrimSpace(arg(pos, kw, 0, "bind"))]; ok && cl.kind == "engine" && !cl.local {
				f.startup = append(f.startup, pyStartup{line: n, what: fmt.Sprintf("%s creates tables through a database engine (made at line %d), which needs its server", c.callee, cl.line)})
			}
		}
		// A call on a client, or on one made in the same statement.
		kind, local, at := "", false, 0
		if cl, ok := f.clients[c.recv]; ok {
			kind, local, at = cl.kind, cl.local, cl.line
		} else if strings.HasSuffix(c.recv, ")") {
			if inner := calls(c.recv); len(inner) > 0 && inner[0].pos == 0 {
				p, k := splitArgs(inner[0].args)
				kind, local = f.clientKind(inner[0], p, k)
			}
		}
		if kind == "" || local {
			continue
		}
		ms := clientMethods[kind]
		if call, listed := ms[c.fn]; listed && !call || !listed && !ms[""] {
			continue
		}
		what := fmt.Sprintf("%s.%s calls %s", c.recv, c.fn, clientNames[kind])
		if at > 0 {
			what = fmt.Sprintf("%s.%s calls %s (made at line %d)", c.recv, c.fn, clientNames[kind], at)
		}
		f.startup = append(f.startup, pyStartup{line: n, what: what + ", which needs its server"})
	}
}

var (
	// optionalRe is an annotation that allows None: pydantic v1 gives such a field None.
	optionalRe = regexp.MustCompile(`\bOptional\[|\bNone\b|\bClassVar\b`)
	// requiredFieldRe is Field(...) or Field(default=...): the ellipsis marks a required field.
	requiredFieldRe = regexp.MustCompile(`^Field\(\s*(?:default\s*=\s*)?\.\.\.`)
)

// settingsStartup is the instantiation at line n of a settings class with required fields,
// defined in file (or "" for the same file).
func settingsStartup(cls, file string, req []settingsField, n int) pyStartup {
	var envs, shown []string
	for _, fl := range req {
		envs = append(envs, strings.ToUpper(fl.name))
		if file != "" {
			shown = append(shown, fmt.Sprintf("%s (%s:%d)", fl.name, file, fl.line))
		} else {
			shown = append(shown, fmt.Sprintf("%s (line %d)", fl.name, fl.line))
		}
	}
	return pyStartup{line: n, envs: envs,
		what: fmt.Sprintf("%s() fills required fields from the environment: %s (a ValidationError when unset)", cls, strings.Join(shown, ", "))}
}
