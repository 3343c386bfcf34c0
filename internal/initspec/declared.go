package initspec

import (
	"bytes"
	"fmt"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"gopkg.in/yaml.v3"
)

// This file reads what the repository declares about how it runs, before any code is looked
// at: Dockerfiles, compose files, dvc.yaml, Makefile targets, a Procfile and pyproject.toml's
// [project.scripts]. Every fact keeps the file and line it comes from, for the notes.

// where locates a declared fact.
type where struct {
	file string
	line int
}

func (w where) String() string {
	if w.line > 0 {
		return fmt.Sprintf("%s:%d", w.file, w.line)
	}
	return w.file
}

// command is what a declared command runs.
type command struct {
	words  []string // normalized: python (not python3, no "poetry run"), the server's own name
	shell  string   // the command as a shell string, when it needs a shell (cd, &&, redirections)
	server string   // uvicorn, gunicorn, hypercorn or fastapi; "" for other commands
	target string   // the served "module:object", or "" when the command names none
	asgi   bool     // the server serves ASGI (uvicorn, hypercorn, gunicorn with a uvicorn worker)
	// factory is set for uvicorn --factory.
	factory bool
	appDir  string // the directory the server imports from (uvicorn --app-dir, gunicorn --chdir, cd)
	cd      string // the folder a cd moves into before the command: its working directory
	port    int    // 0 when the command sets none
	script  string // python SCRIPT.py: the script
	module  string // python -m MODULE: the module
	// imports is, for python -c "from MOD import f; f()", the module the code imports first:
	// what runs, when it is the repository's.
	imports string
	at      where
	from    string // what declares it: "Dockerfile", "dvc.yaml stage train", ...
	summary string // what an image description says it runs, when not the words
	// pre are the scripts (or module paths) of the steps that run before it (a Makefile
	// target's prerequisites), whose code the image needs too.
	pre []string
	// env are the variables set before it (VAR=value python ..., env VAR=value python ...),
	// in order.
	env [][2]string
}

// origin says where the command is declared: "dvc.yaml stage train (dvc.yaml:4)", or the
// Dockerfile's line.
func (c *command) origin() string {
	if c.from == c.at.file {
		return c.at.String()
	}
	return fmt.Sprintf("%s (%s)", c.from, c.at)
}

func (c *command) String() string {
	if c.shell != "" {
		return c.shell
	}
	return strings.Join(c.words, " ")
}

// line is the command as a shell runs it in a chain: with the variables it is run with
// (VAR=value before it), which String leaves out.
func (c *command) line() string {
	if c.shell != "" || len(c.env) == 0 {
		return c.String()
	}
	var pre []string
	for _, kv := range c.env {
		pre = append(pre, kv[0]+"="+shellWords([]string{kv[1]}))
	}
	return strings.Join(pre, " ") + " " + c.String()
}

type portFact struct {
	port int
	what string // "EXPOSE", "the compose ports", ...
	at   where
	// dir, for a compose service, is the folder of code it builds ("" for the root or
	// unknown): its ports are another program's when the app is not in that folder.
	dir string
}

type healthFact struct {
	path string
	port int
	at   where
}

type envFact struct {
	value  string
	at     where
	target string // "training", "inference", or "" for both
}

type copyFact struct {
	from, to string
	at       where
}

// declared is what the repository's build and run files say.
type declared struct {
	serve  []*command // in priority order
	train  []*command
	ports  []portFact
	health []healthFact
	python []where  // FROM python:3.X images, with the version in file (below)
	pyVers []string // the versions of python, in the same order
	env    map[string]envFact
	copies []copyFact // COPY sources of the serving Dockerfile
	// workdirCopy is the serving Dockerfile's COPY of a folder of the repository onto its
	// working directory (COPY ./app /app): the image runs the code from inside that folder.
	workdirCopy *copyFact
	outs        []outFact // dvc outs of the training stage
	apt         []aptFact // packages apt-get installs, every Dockerfile and stage
	files       []string  // the files read
	notes       []string  // problems reading them
}

type outFact struct {
	path string
	at   where
}

var (
	dockerfileRe = regexp.MustCompile(`(?i)^(?:(?:docker|container)file(?:[._-][\w.-]+)?|[\w.-]+\.(?:docker|container)file)$`)
	pythonImage  = regexp.MustCompile(`^(?:[\w.-]+(?::\d+)?/)?(?:library/)?python:3\.(\d+)(?:\.\d+)?(?:-[\w.-]+)?(?:@sha256:[0-9a-f]+)?$`)
	pythonTag    = regexp.MustCompile(`:python-?3\.(\d+)(?:[.-][\w.-]*)?$`)
	envAssignRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	pythonExe    = regexp.MustCompile(`^python(?:3(?:\.\d+)?)?$`)
	healthURLRe  = regexp.MustCompile(`https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?(/[^\s"'|;&)]*)?`)
	// pyCImportRe is the first import of python -c code: "from a.b import f" or "import a.b".
	pyCImportRe  = regexp.MustCompile(`^\s*(?:from\s+([A-Za-z_][\w.]*)\s+import\b|import\s+([A-Za-z_][\w.]*))`)
	portVarRe    = regexp.MustCompile(`\$\{?PORT\b`)
	makeTargetRe = regexp.MustCompile(`^([A-Za-z0-9_.-]+)\s*:([^=].*)?$`)
	makeVarRe    = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*(?:\?|:|::)?=\s*(.*)$`)
	makeRefRe    = regexp.MustCompile(`\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]`)
)

// Targets of a Makefile or names of a compose service or Procfile process that train, or serve.
var (
	trainNames = []string{"train", "training", "train-model", "train_model", "fit"}
	serveNames = []string{"serve", "serving", "api", "run-api", "serve-api", "start", "server", "app", "web", "run", "inference", "start-api"}
)

// makeRole reports whether a Makefile target is named for one of names: exactly, or with
// "_" for "-", or run_/do_ before it (run_train, run-api, train_models).
func makeRole(target string, names []string) bool {
	t := strings.ToLower(strings.ReplaceAll(target, "_", "-"))
	if slices.Contains(names, t) {
		return true
	}
	for _, p := range []string{"run-", "do-", "make-"} {
		if s, ok := strings.CutPrefix(t, p); ok && slices.Contains(names, s) {
			return true
		}
	}
	return slices.Contains(names, "train") && (t == "train-models" || t == "run-training")
}

func (r *repo) readDeclared() *declared {
	d := &declared{env: map[string]envFact{}}
	for _, f := range r.dockerfiles() {
		r.readDockerfile(d, f)
	}
	for _, f := range []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"} {
		if r.isFile(f) {
			r.readCompose(d, f)
		}
	}
	r.readProcfile(d)
	r.readMakefile(d)
	r.readJustfile(d)
	r.readDVC(d)
	r.readScripts(d)
	// Priority: dvc.yaml's train stage and the Makefile before a Dockerfile's CMD, which is
	// often a default to override; a compose command overrides its Dockerfile's.
	rank := func(c *command) int {
		switch {
		case strings.HasPrefix(c.from, "dvc.yaml"):
			return 0
		case strings.HasPrefix(c.from, "a compose"):
			return 1
		case strings.HasPrefix(c.from, "Makefile"):
			return 2
		case strings.HasPrefix(c.from, "Procfile"):
			return 3
		case strings.HasSuffix(c.from, " RUN"):
			return 5
		case strings.Contains(c.from, "ockerfile") || strings.Contains(c.from, "ontainerfile"):
			return 4
		}
		return 6
	}
	slices.SortStableFunc(d.train, func(a, b *command) int { return rank(a) - rank(b) })
	servRank := func(c *command) int {
		if n := rank(c); n == 4 {
			return 0 // the serving image's own CMD first
		} else {
			return n + 1
		}
	}
	slices.SortStableFunc(d.serve, func(a, b *command) int { return servRank(a) - servRank(b) })
	r.workdirFolder(d)
	return d
}

// workdirFolder finds the serving Dockerfile's COPY of a folder onto its working directory
// (COPY ./app /app): a declared serving command whose module is not at the root but in that
// folder runs from inside it, as in the image (cd app).
func (r *repo) workdirFolder(d *declared) {
	for i, c := range d.copies {
		if c.to == "/app" && c.from != "." && !strings.Contains(c.from, "/") && r.isDir(c.from) {
			d.workdirCopy = &d.copies[i]
			break
		}
	}
	if d.workdirCopy == nil {
		return
	}
	x := d.workdirCopy.from
	for _, c := range d.serve {
		if c.appDir != "" || c.cd != "" {
			continue
		}
		mod := c.module
		if c.target != "" {
			mod, _, _ = strings.Cut(c.target, ":")
		}
		if mod == "" || len(r.moduleFiles(mod, []string{".", "src"})) > 0 || len(r.moduleFiles(mod, []string{x})) == 0 {
			continue
		}
		c.appDir, c.cd = x, x
		d.notes = append(d.notes, fmt.Sprintf("inference: %s serves %s from inside %s/, which %s copies onto the image's working directory: "+
			"the command runs there (cd %s)", c.origin(), mod, x, d.workdirCopy.at, x))
	}
}

// dockerfiles lists the Dockerfiles of the repository: at its root and up to two levels below
// (docker/inference/Dockerfile), the root ones first.
func (r *repo) dockerfiles() []string {
	var out []string
	fs.WalkDir(r.fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if e.IsDir() {
			n := e.Name()
			if p != "." && (strings.HasPrefix(n, ".") && n != ".docker" || n == "node_modules" || n == "venv" || n == "data" ||
				n == "tests" || n == "examples" || strings.Count(p, "/") >= 2 || r.isFile(p+"/pyvenv.cfg")) {
				return fs.SkipDir
			}
			return nil
		}
		if dockerfileRe.MatchString(e.Name()) && e.Type().IsRegular() && len(out) < 16 {
			out = append(out, p)
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b string) int { return strings.Count(a, "/") - strings.Count(b, "/") })
	return out
}

// envMap is a shell.EnvGetter over a Dockerfile's ARG and ENV values.
type envMap map[string]string

func (m envMap) Get(k string) (string, bool) { v, ok := m[k]; return v, ok }
func (m envMap) Keys() []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// dockerStage is the state of one Dockerfile stage.
type dockerStage struct {
	python  string
	pyAt    where
	env     envMap
	envAt   map[string]where
	workdir string
	cmd     []string
	cmdAt   where
	cmdJSON bool
	ep      []string
	epJSON  bool
	ports   []portFact
	health  []healthFact
	copies  []copyFact
	// runTrain are RUN steps that train (the model is built into the image).
	runTrain []*command
}

func (r *repo) readDockerfile(d *declared, file string) {
	data, err := r.read(file, maxTextSize)
	if err != nil {
		return
	}
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		d.notes = append(d.notes, fmt.Sprintf("cannot read %s: %v", file, err))
		return
	}
	d.files = append(d.files, file)
	lex := shell.NewLex(res.EscapeToken)
	args := envMap{}
	stages := map[string]*dockerStage{}
	var order []*dockerStage // the stages in file order
	var st *dockerStage
	words := func(n *parser.Node) []string {
		var out []string
		for x := n.Next; x != nil; x = x.Next {
			out = append(out, x.Value)
		}
		return out
	}
	for _, n := range res.AST.Children {
		at := where{file, n.StartLine}
		w := words(n)
		switch strings.ToLower(n.Value) {
		case "arg":
			for _, a := range w {
				if k, v, ok := strings.Cut(a, "="); ok {
					if s, _, err := lex.ProcessWord(v, args); err == nil {
						args[k] = s
					}
				}
			}
		case "from":
			if len(w) == 0 {
				continue
			}
			img, _, _ := lex.ProcessWord(w[0], args)
			st = &dockerStage{env: envMap{}, envAt: map[string]where{}}
			if prev, ok := stages[strings.ToLower(img)]; ok {
				cp := *prev
				cp.env = envMap{}
				cp.envAt = map[string]where{}
				for k, v := range prev.env {
					cp.env[k], cp.envAt[k] = v, prev.envAt[k]
				}
				cp.copies = slices.Clone(prev.copies)
				st = &cp
			} else if m := pythonImage.FindStringSubmatch(img); m != nil {
				st.python, st.pyAt = "3."+m[1], at
			} else if m := pythonTag.FindStringSubmatch(img); m != nil {
				st.python, st.pyAt = "3."+m[1], at // tiangolo/uvicorn-gunicorn-fastapi:python3.10
			}
			if len(w) == 3 && strings.EqualFold(w[1], "as") {
				stages[strings.ToLower(w[2])] = st
			}
			order = append(order, st)
		}
		if st == nil {
			continue
		}
		switch strings.ToLower(n.Value) {
		case "env":
			// An ENV value may use the build's ARGs (ENV PORT=${APP_PORT}); the running
			// container sees the ENV only.
			scope := envMap{}
			maps.Copy(scope, args)
			maps.Copy(scope, st.env)
			for i := 0; i+1 < len(w); i += 3 {
				v, _, err := lex.ProcessWord(w[i+1], scope)
				if err == nil {
					st.env[w[i]], st.envAt[w[i]] = v, at
				}
			}
		case "workdir":
			if len(w) > 0 {
				v, _, _ := lex.ProcessWord(w[0], st.env)
				if !path.IsAbs(v) {
					v = path.Join("/", st.workdir, v)
				}
				st.workdir = path.Clean(v)
			}
		case "cmd", "entrypoint":
			json := n.Attributes["json"]
			var cmd []string
			if json {
				cmd = w
			} else if len(w) > 0 {
				cmd = []string{"/bin/sh", "-c", w[0]}
			}
			if strings.ToLower(n.Value) == "cmd" {
				st.cmd, st.cmdAt, st.cmdJSON = cmd, at, json
			} else {
				st.ep, st.epJSON = cmd, json
				if st.cmdAt.line == 0 {
					st.cmdAt = at
				}
			}
		case "expose":
			for _, p := range w {
				v, _, _ := lex.ProcessWord(p, st.env)
				num, _, _ := strings.Cut(v, "/")
				if port, err := strconv.Atoi(num); err == nil && port > 0 && port < 65536 {
					st.ports = append(st.ports, portFact{port: port, what: "EXPOSE", at: at})
				}
			}
		case "healthcheck":
			text := strings.Join(w, " ")
			if m := healthURLRe.FindStringSubmatch(text); m != nil {
				h := healthFact{path: m[2], at: at}
				if h.path == "" {
					h.path = "/"
				}
				h.port, _ = strconv.Atoi(m[1])
				st.health = append(st.health, h)
			}
		case "run":
			for _, pkg := range aptPackages(strings.Join(w, " ")) {
				d.apt = append(d.apt, aptFact{pkg: pkg, at: at})
			}
			// RUN python train_model.py: the image is trained at build time.
			if len(w) > 0 && !n.Attributes["json"] && strings.Contains(strings.ToLower(w[0]), "train") {
				if c := analyzeShell(w[0], st.env); c.script != "" || c.module != "" {
					c.at, c.from = at, file+" RUN"
					c.shell = ""
					st.runTrain = append(st.runTrain, c)
				}
			}
		case "copy", "add":
			if slices.ContainsFunc(n.Flags, func(f string) bool { return strings.HasPrefix(f, "--from") }) || len(w) < 2 {
				continue
			}
			dst, _, _ := lex.ProcessWord(w[len(w)-1], st.env)
			if !path.IsAbs(dst) {
				dst = path.Join("/", st.workdir, dst)
			}
			for _, s := range w[:len(w)-1] {
				src, _, _ := lex.ProcessWord(s, st.env)
				if c, ok := cleanRel(strings.TrimSuffix(src, "/")); ok && c != "." && !strings.ContainsAny(c, "*?[") {
					st.copies = append(st.copies, copyFact{from: c, to: dst, at: at})
				}
			}
		}
	}
	if st == nil {
		return
	}
	if st.python != "" {
		d.python = append(d.python, st.pyAt)
		d.pyVers = append(d.pyVers, st.python)
	} else {
		for _, s := range order {
			if s.python != "" {
				d.python = append(d.python, s.pyAt)
				d.pyVers = append(d.pyVers, s.python)
				break
			}
		}
	}
	full := append(slices.Clone(st.ep), st.cmd...)
	var c *command
	// A command on $PORT that the Dockerfile does not set (the platform sets it: Cloud Run,
	// Heroku): read as the port the Dockerfile exposes, else the default, so the command
	// keeps a port (gunicorn --bind :$PORT is no bind address without one).
	cmdEnv, portUnset := st.env, 0
	if _, set := st.env["PORT"]; !set && portVarRe.MatchString(strings.Join(full, " ")) {
		portUnset = spec.DefaultInferencePort
		if len(st.ports) > 0 {
			portUnset = st.ports[0].port
		}
		cmdEnv = maps.Clone(st.env)
		cmdEnv["PORT"] = strconv.Itoa(portUnset)
	}
	if len(full) > 0 {
		c = analyzeCommand(full, cmdEnv)
		c.at, c.from = st.cmdAt, file
		if sc := r.startScript(full, cmdEnv); sc != nil {
			c = sc
			c.from = fmt.Sprintf("%s (%s) via %s", file, st.cmdAt, sc.at.file)
		}
	}
	role := dockerRole(file, c)
	d.train = append(d.train, st.runTrain...)
	switch role {
	case "train":
		d.train = append(d.train, c)
	case "serve":
		if c != nil {
			d.serve = append(d.serve, c)
			if portUnset != 0 {
				from := "init's default"
				if len(st.ports) > 0 {
					from = "the port it exposes"
				}
				d.notes = append(d.notes, fmt.Sprintf("inference: %s serves on $PORT, which the Dockerfile does not set: "+
					"the platform that runs it does (Cloud Run sets 8080, Heroku any port); the image serves on %d (%s): "+
					"where the platform sets PORT, set it to %d, or change the command's port", c.at, portUnset, from, portUnset))
			}
		}
		d.ports = append(d.ports, st.ports...)
		d.health = append(d.health, st.health...)
		for _, cp := range st.copies {
			cp.to = imagePath(cp.to, st.workdir)
			d.copies = append(d.copies, cp)
		}
	}
	for k, v := range st.env {
		target := map[string]string{"train": "training", "serve": "inference"}[role]
		if old, ok := d.env[k]; ok && old.target != target {
			target = ""
		}
		d.env[k] = envFact{value: imagePath(v, st.workdir), at: st.envAt[k], target: target}
	}
}

// imagePath moves an absolute path under the Dockerfile's WORKDIR to the spec's working
// directory, which holds the same files.
func imagePath(p, workdir string) string {
	if workdir == "" || workdir == "/" || !path.IsAbs(p) {
		return p
	}
	if p == workdir {
		return "/app"
	}
	if rest, ok := strings.CutPrefix(p, workdir+"/"); ok {
		return "/app/" + rest
	}
	return p
}

// dockerRole says what a Dockerfile builds: "serve", "train" or "".
func dockerRole(file string, c *command) string {
	name := strings.ToLower(file)
	switch {
	case c != nil && c.server != "":
		return "serve"
	case c != nil && (strings.Contains(strings.ToLower(c.String()), "train") || strings.Contains(name, "train")):
		return "train"
	case strings.Contains(name, "train"):
		return ""
	}
	return "serve"
}

// startScript reads the shell script of the repository a command runs (["./start.sh"],
// ["sh", "scripts/start.sh"]): its lines as one && chain, so a cd before the server moves the
// import root and the working directory; nil when the command runs no such script or the
// script starts no server or Python.
func (r *repo) startScript(words []string, env envMap) *command {
	w := words
	if len(w) > 1 && (path.Base(w[0]) == "sh" || path.Base(w[0]) == "bash") && !strings.HasPrefix(w[1], "-") {
		w = w[1:]
	}
	p, ok := cleanRel(strings.TrimPrefix(w[0], "./"))
	if !ok || !strings.HasSuffix(p, ".sh") {
		return nil
	}
	data, err := r.read(p, 64<<10)
	if err != nil {
		return nil
	}
	var lines []string
	line := 0
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "set ") {
			continue
		}
		if line == 0 && analyzeShell(l, env).server != "" {
			line = i + 1
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		return nil
	}
	c := analyzeShell(strings.Join(lines, " && "), env)
	if c.server == "" && c.script == "" && c.module == "" {
		return nil
	}
	c.at = where{file: p, line: line}
	return c
}

// analyzeCommand reads a command given as exec-form words (["/bin/sh", "-c", "..."] for the
// shell form). env expands variables.
func analyzeCommand(words []string, env envMap) *command {
	if len(words) >= 3 && (path.Base(words[0]) == "sh" || path.Base(words[0]) == "bash") && words[1] == "-c" {
		return analyzeShell(words[2], env)
	}
	return analyzeWords(words)
}

// analyzeShell reads a shell command line: the server or Python segment of a && chain.
func analyzeShell(line string, env envMap) *command {
	if env == nil {
		env = envMap{}
	}
	lex := shell.NewLex('\\')
	words, err := lex.ProcessWords(line, env)
	if err != nil {
		words = strings.Fields(line)
	}
	var segs [][]string
	cur := []string{}
	for _, w := range words {
		switch w {
		case "&&", ";", "||", "|", "&":
			segs = append(segs, cur)
			cur = []string{}
		default:
			cur = append(cur, w)
		}
	}
	segs = append(segs, cur)
	cd := ""
	var best *command
	for _, s := range segs {
		if len(s) == 2 && s[0] == "cd" {
			cd = s[1]
			continue
		}
		c := analyzeWords(s)
		if c.server != "" || c.script != "" || c.module != "" {
			best = c
			break
		}
	}
	if best == nil {
		best = analyzeWords(words)
	}
	if len(segs) > 1 || cd != "" || strings.ContainsAny(line, "<>`") || strings.Contains(line, "$(") {
		best.shell = strings.TrimSpace(line)
	}
	if cd != "" && cd != "." {
		if c, ok := cleanRel(cd); ok {
			best.appDir, best.cd = c, c
			if best.script != "" {
				best.script = path.Join(c, best.script)
			}
		}
	}
	return best
}

// analyzeWords reads one command.
func analyzeWords(words []string) *command {
	w := slices.Clone(words)
	var env [][2]string
	for len(w) > 0 {
		switch {
		case envAssignRe.MatchString(w[0]):
			k, v, _ := strings.Cut(w[0], "=")
			env = append(env, [2]string{k, v})
			w = w[1:]
			continue
		case w[0] == "exec" || w[0] == "env" || w[0] == "nohup" || w[0] == "time":
			w = w[1:]
			continue
		case len(w) > 1 && w[1] == "run" && slices.Contains([]string{"poetry", "uv", "pipenv", "pdm", "hatch", "rye", "conda"}, w[0]):
			w = w[2:]
			for len(w) > 0 && strings.HasPrefix(w[0], "-") {
				if (w[0] == "-n" || w[0] == "--name" || w[0] == "-p" || w[0] == "--prefix" || w[0] == "--with") && len(w) > 1 {
					w = w[1:]
				}
				w = w[1:]
			}
			continue
		}
		break
	}
	c := &command{env: env}
	if len(w) == 0 {
		return c
	}
	exe := path.Base(w[0])
	if pythonExe.MatchString(exe) {
		rest := w[1:]
		for len(rest) > 0 && (rest[0] == "-u" || rest[0] == "-B" || rest[0] == "-O" || rest[0] == "-OO") {
			rest = rest[1:]
		}
		switch {
		case len(rest) >= 2 && rest[0] == "-m" && slices.Contains([]string{"uvicorn", "gunicorn", "hypercorn", "fastapi"}, rest[1]):
			w, exe = slices.Clone(rest[1:]), rest[1]
		case len(rest) >= 2 && rest[0] == "-m":
			c.module = rest[1]
			w = append([]string{"python"}, rest...)
		case len(rest) >= 2 && rest[0] == "-c":
			if m := pyCImportRe.FindStringSubmatch(rest[1]); m != nil {
				c.imports = m[1] + m[2]
			}
			w = append([]string{"python"}, rest...)
		default:
			if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
				c.script = strings.TrimPrefix(rest[0], "./")
			}
			w = append([]string{"python"}, rest...)
		}
	}
	switch exe {
	case "uvicorn", "gunicorn", "hypercorn", "fastapi":
		w[0] = exe
		c.server = exe
		serverArgs(c, w[1:])
	}
	c.words = w
	return c
}

// Options of the servers that take no value.
var serverFlags = map[string]bool{"--reload": true, "--factory": true, "--proxy-headers": true, "--no-proxy-headers": true,
	"--access-log": true, "--no-access-log": true, "--use-colors": true, "--no-use-colors": true, "--preload": true,
	"--capture-output": true, "-D": true, "--daemon": true, "--server-header": true, "--no-server-header": true,
	"--date-header": true, "--no-date-header": true, "--debug": true}

func serverArgs(c *command, args []string) {
	c.asgi = c.server != "gunicorn"
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			pos = append(pos, a)
			continue
		}
		name, val, has := strings.Cut(a, "=")
		if serverFlags[name] {
			if name == "--factory" {
				c.factory = true
			}
			continue
		}
		if !has && len(name) > 2 && name[1] != '-' && (name[:2] == "-b" || name[:2] == "-k" || name[:2] == "-w") {
			name, val, has = name[:2], name[2:], true
		}
		if !has && i+1 < len(args) {
			i++
			val = args[i]
		}
		switch name {
		case "--port", "-p":
			c.port, _ = strconv.Atoi(val)
		case "--bind", "-b":
			if k := strings.LastIndexByte(val, ':'); k >= 0 {
				c.port, _ = strconv.Atoi(val[k+1:])
			}
		case "--worker-class", "-k":
			if strings.Contains(strings.ToLower(val), "uvicorn") {
				c.asgi = true
			}
		case "--app-dir", "--chdir":
			if p, ok := cleanRel(strings.TrimPrefix(val, "/app/")); ok {
				c.appDir = p
			}
		}
	}
	if c.server == "fastapi" {
		// fastapi run [PATH]: the app "app" of that file (main.py, app/main.py, ... by default).
		if len(pos) > 1 && (pos[0] == "run" || pos[0] == "dev") && strings.HasSuffix(pos[1], ".py") {
			c.script = pos[1]
		}
		return
	}
	if len(pos) > 0 && strings.Contains(pos[0], ":") {
		t := pos[0]
		if strings.HasSuffix(t, "()") {
			t, c.factory = strings.TrimSuffix(t, "()"), true
		}
		c.target = t
	}
}

// readCompose reads the services of a compose file: their commands, ports, healthchecks and
// environments.
func (r *repo) readCompose(d *declared, file string) {
	data, err := r.read(file, maxTextSize)
	if err != nil {
		return
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		d.notes = append(d.notes, fmt.Sprintf("cannot read %s: %v", file, err))
		return
	}
	d.files = append(d.files, file)
	services := mapValue(doc.Content[0], "services")
	if services == nil {
		return
	}
	for i := 0; i+1 < len(services.Content); i += 2 {
		name, svc := services.Content[i].Value, services.Content[i+1]
		lname := strings.ToLower(name)
		train := slices.ContainsFunc(trainNames, func(t string) bool { return strings.Contains(lname, t) })
		var c *command
		if n := mapValue(svc, "command"); n != nil {
			c = composeCommand(n)
			if c != nil {
				c.at, c.from = where{file, n.Line}, fmt.Sprintf("a compose service (%s)", name)
			}
		}
		serve := !train && (c == nil || c.server != "" || mapValue(svc, "ports") != nil)
		// A service that runs a prebuilt image (no build:) and none of the repository's code is
		// not the app: a database, an object store, a frontend, MLflow's UI. Its ports are not
		// the app's.
		if mapValue(svc, "build") == nil && mapValue(svc, "image") != nil && (c == nil || c.server == "" && c.script == "" && c.module == "") {
			serve = false
		}
		switch {
		case train && c != nil:
			d.train = append(d.train, c)
		case serve && c != nil && (c.server != "" || c.script != "" || c.module != ""):
			d.serve = append(d.serve, c)
		}
		dir := r.composeBuildDir(svc)
		if ports := mapValue(svc, "ports"); serve && ports != nil {
			for _, p := range ports.Content {
				port := 0
				switch p.Kind {
				case yaml.ScalarNode:
					v := p.Value
					if k := strings.LastIndexByte(v, ':'); k >= 0 {
						v = v[k+1:]
					}
					v, _, _ = strings.Cut(v, "/")
					port, _ = strconv.Atoi(v)
				case yaml.MappingNode:
					if t := mapValue(p, "target"); t != nil {
						port, _ = strconv.Atoi(t.Value)
					}
				}
				if port > 0 && port < 65536 {
					d.ports = append(d.ports, portFact{port: port, what: "the compose ports of " + name, at: where{file, p.Line}, dir: dir})
				}
			}
		}
		if hc := mapValue(svc, "healthcheck"); serve && hc != nil {
			if t := mapValue(hc, "test"); t != nil {
				var text []string
				if t.Kind == yaml.SequenceNode {
					for _, x := range t.Content {
						text = append(text, x.Value)
					}
				} else {
					text = []string{t.Value}
				}
				if m := healthURLRe.FindStringSubmatch(strings.Join(text, " ")); m != nil {
					h := healthFact{path: m[2], at: where{file, t.Line}}
					if h.path == "" {
						h.path = "/"
					}
					h.port, _ = strconv.Atoi(m[1])
					d.health = append(d.health, h)
				}
			}
		}
		// The environment of a service that is neither the app nor training (a prebuilt
		// MLflow server, a database) is that program's.
		if envs := mapValue(svc, "environment"); envs != nil && (serve || train) {
			target := "inference"
			if train {
				target = "training"
			}
			add := func(k, v string, line int) {
				if old, ok := d.env[k]; !ok || old.at.file != file {
					d.env[k] = envFact{value: v, at: where{file, line}, target: target}
				}
			}
			switch envs.Kind {
			case yaml.MappingNode:
				for j := 0; j+1 < len(envs.Content); j += 2 {
					add(envs.Content[j].Value, envs.Content[j+1].Value, envs.Content[j].Line)
				}
			case yaml.SequenceNode:
				for _, x := range envs.Content {
					if k, v, ok := strings.Cut(x.Value, "="); ok {
						add(k, v, x.Line)
					}
				}
			}
		}
	}
}

// composeBuildDir is the folder of code a compose service builds: its build context when that
// is not the root, else the top folder of its Dockerfile when that folder holds Python code
// (chat/.devcontainer/Dockerfile builds chat/; docker/Dockerfile.api builds the root); ""
// for the root or no build.
func (r *repo) composeBuildDir(svc *yaml.Node) string {
	b := mapValue(svc, "build")
	if b == nil {
		return ""
	}
	ctx, file := b.Value, ""
	if b.Kind == yaml.MappingNode {
		ctx = ""
		if c := mapValue(b, "context"); c != nil {
			ctx = c.Value
		}
		if f := mapValue(b, "dockerfile"); f != nil {
			file = f.Value
		}
	}
	if c, ok := cleanRel(ctx); ok && c != "." && c != "" {
		return topDir(c)
	}
	if f, ok := cleanRel(file); ok && strings.Contains(f, "/") && r.hasPy(topDir(f)) {
		return topDir(f)
	}
	return ""
}

func composeCommand(n *yaml.Node) *command {
	switch n.Kind {
	case yaml.ScalarNode:
		return analyzeShell(n.Value, nil)
	case yaml.SequenceNode:
		var w []string
		for _, x := range n.Content {
			w = append(w, x.Value)
		}
		return analyzeCommand(w, nil)
	}
	return nil
}

// mapValue returns the value of key in a YAML mapping, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// readProcfile reads a Heroku-style Procfile: "web: uvicorn ...", "train: python ...".
func (r *repo) readProcfile(d *declared) {
	data, err := r.read("Procfile", maxTextSize)
	if err != nil {
		return
	}
	d.files = append(d.files, "Procfile")
	for i, l := range strings.Split(string(data), "\n") {
		name, cmd, ok := strings.Cut(strings.TrimSpace(l), ":")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		c := analyzeShell(strings.TrimSpace(cmd), envMap{})
		c.at, c.from = where{"Procfile", i + 1}, "Procfile ("+name+")"
		switch {
		case name == "web" || c.server != "":
			d.serve = append(d.serve, c)
		case slices.Contains(trainNames, name):
			d.train = append(d.train, c)
		}
	}
}

var (
	justRecipeRe = regexp.MustCompile(`^@?([A-Za-z_][\w-]*)(?:\s+[^:=]*)?:(?:\s.*)?$`)
	justVarRe    = regexp.MustCompile(`^([A-Za-z_][\w-]*)\s*:=\s*(.*)$`)
	justRefRe    = regexp.MustCompile(`\{\{\s*([A-Za-z_][\w-]*)\s*\}\}`)
	dotenvLineRe = regexp.MustCompile(`^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$`)
)

// readJustfile reads the recipes of a justfile (the just command runner) named for training
// or serving: the first line that runs Python or a server, with the justfile's variables
// ({{name}}) and, under "set dotenv-load", the .env file's variables for $VAR (only those
// the command names end up in the spec).
func (r *repo) readJustfile(d *declared) {
	file, data := r.readDeclaredFile(d, "justfile", "Justfile", ".justfile")
	if file == "" {
		return
	}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r", ""), "\n")
	vars := map[string]string{}
	env := envMap{}
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			continue
		}
		if strings.HasPrefix(t, "set dotenv-load") && !strings.Contains(t, "false") {
			if envData, err := r.read(".env", maxTextSize); err == nil {
				for _, el := range strings.Split(string(envData), "\n") {
					if m := dotenvLineRe.FindStringSubmatch(strings.TrimSpace(el)); m != nil {
						env[m[1]] = strings.Trim(strings.TrimSpace(m[2]), `"'`)
					}
				}
			}
			continue
		}
		if m := justVarRe.FindStringSubmatch(t); m != nil {
			vars[m[1]] = strings.Trim(strings.TrimSpace(m[2]), `"'`)
		}
	}
	expand := func(s string) string {
		return justRefRe.ReplaceAllStringFunc(s, func(ref string) string {
			if v, ok := vars[justRefRe.FindStringSubmatch(ref)[1]]; ok {
				return v
			}
			return ref
		})
	}
	done := map[string]bool{}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "#") || strings.Contains(l, ":=") {
			continue
		}
		m := justRecipeRe.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		name := m[1]
		isTrain, isServe := makeRole(name, trainNames), makeRole(name, serveNames)
		if !isTrain && !isServe || done[name] {
			continue
		}
		// The body: the indented lines below, a trailing \ joining the next.
		for j := i + 1; j < len(lines) && (strings.HasPrefix(lines[j], " ") || strings.HasPrefix(lines[j], "\t")); j++ {
			at := j + 1
			line := strings.TrimSpace(lines[j])
			for strings.HasSuffix(line, "\\") && j+1 < len(lines) {
				j++
				line = strings.TrimSuffix(line, "\\") + " " + strings.TrimSpace(lines[j])
			}
			line = expand(strings.TrimLeft(line, "@-"))
			c := analyzeShell(line, env)
			if c.server == "" && c.script == "" && c.module == "" {
				continue
			}
			c.at, c.from = where{file, at}, fmt.Sprintf("%s recipe %s", file, name)
			done[name] = true
			if isTrain {
				d.train = append(d.train, c)
			} else {
				d.serve = append(d.serve, c)
			}
			break
		}
	}
}

// readMakefile reads the recipes of the Makefile's train and serve targets: the first line
// that runs Python or a server.
func (r *repo) readMakefile(d *declared) {
	file, data := r.readDeclaredFile(d, "Makefile", "makefile", "GNUmakefile")
	if file == "" {
		return
	}
	vars := map[string]string{}
	lines := strings.Split(string(data), "\n")
	for _, l := range lines {
		if m := makeVarRe.FindStringSubmatch(strings.TrimRight(l, "\r")); m != nil && !strings.HasPrefix(l, "\t") {
			vars[m[1]] = strings.TrimSpace(m[2])
		}
	}
	expand := func(s string) string {
		// "$$" is make's "$" (a shell's $(date +%s) or $$HOME): kept from expansion, then
		// given to the shell as one "$".
		s = strings.ReplaceAll(s, "$$", "\x00")
		for range 4 {
			s = makeRefRe.ReplaceAllStringFunc(s, func(ref string) string {
				name := makeRefRe.FindStringSubmatch(ref)[1]
				if (name == "CURDIR" || name == "PWD") && vars[name] == "" {
					return "." // the Makefile's directory, where make runs the recipe
				}
				pyName := strings.Contains(strings.ToUpper(name), "PYTHON") || name == "PY"
				if v, ok := vars[name]; ok {
					if pyName && (strings.HasPrefix(v, "$(shell") || strings.HasPrefix(v, "$$(")) && strings.Contains(v, "python") {
						return "python" // PY ?= $(shell command -v python || command -v python3)
					}
					return strings.ReplaceAll(v, "$$", "\x00")
				}
				if strings.Contains(strings.ToUpper(name), "PYTHON") || name == "PY" {
					return "python"
				}
				return ref
			})
		}
		return strings.ReplaceAll(s, "\x00", "$")
	}
	// Each target's prerequisites and the Python steps of its recipe, for a training target's
	// prerequisites to run first.
	prereqs := map[string][]string{}
	steps := map[string][]string{}
	target := ""
	for _, raw := range lines {
		l := strings.TrimRight(raw, "\r")
		if !strings.HasPrefix(l, "\t") {
			target = ""
			if m := makeTargetRe.FindStringSubmatch(l); m != nil && !strings.HasPrefix(m[1], ".") {
				target = m[1]
				prereqs[target] = strings.Fields(expand(strings.SplitN(m[2], ";", 2)[0]))
			}
			continue
		}
		if target == "" {
			continue
		}
		line := expand(strings.TrimLeft(strings.TrimSpace(l), "@-+"))
		if c := analyzeShell(line, envMap{}); (c.script != "" || c.module != "" && !toolModules[c.module]) && c.server == "" {
			steps[target] = append(steps[target], line)
		}
	}
	var before func(t string, seen map[string]bool) []string
	before = func(t string, seen map[string]bool) []string {
		var out []string
		for _, p := range prereqs[t] {
			if seen[p] {
				continue
			}
			seen[p] = true
			out = append(out, before(p, seen)...)
			out = append(out, steps[p]...)
		}
		return out
	}
	target = ""
	done := map[string]bool{}
	for i, raw := range lines {
		l := strings.TrimRight(raw, "\r")
		if !strings.HasPrefix(l, "\t") {
			target = ""
			if m := makeTargetRe.FindStringSubmatch(l); m != nil && !strings.HasPrefix(m[1], ".") {
				target = m[1]
			}
			continue
		}
		if target == "" || done[target] {
			continue
		}
		isTrain, isServe := makeRole(target, trainNames), makeRole(target, serveNames)
		if !isTrain && !isServe {
			continue
		}
		line := strings.TrimLeft(strings.TrimSpace(l), "@-+")
		c := analyzeShell(expand(line), envMap{})
		if c.server == "" && c.script == "" && c.module == "" && c.imports != "" && isTrain && len(r.moduleFiles(c.imports, []string{".", "src"})) > 0 {
			// python -c 'from pkg.interface.main import train; train()': the module it imports runs.
			c.module = c.imports
		}
		if c.server == "" && c.script == "" && c.module == "" {
			continue
		}
		c.at, c.from = where{file, i + 1}, fmt.Sprintf("%s target %s", file, target)
		done[target] = true
		if pre := before(target, map[string]bool{target: true}); isTrain && len(pre) > 0 {
			// The prerequisites' Python steps run first, as make runs them.
			main := c.line()
			for i, p := range pre {
				pc := analyzeShell(p, envMap{})
				pre[i] = pc.line() // python, as the image has it (not python3)
				if pc.script != "" {
					c.pre = append(c.pre, pc.script)
				} else if pc.module != "" {
					c.pre = append(c.pre, strings.ReplaceAll(pc.module, ".", "/"))
				}
			}
			c.shell = strings.Join(append(pre, main), " && ")
			c.summary = c.String()
			d.notes = append(d.notes, fmt.Sprintf("training: %s needs %s first (%s:%d): the command runs %s before it",
				target, strings.Join(prereqs[target], " "), file, i, plural(len(pre), "that step", "those steps")))
		}
		if isTrain {
			d.train = append(d.train, c)
		} else {
			d.serve = append(d.serve, c)
		}
	}
}

// readDVC reads dvc.yaml: the stage that trains (named so, or running a train script) and
// the outputs it writes.
func (r *repo) readDVC(d *declared) {
	data, err := r.read("dvc.yaml", maxTextSize)
	if err != nil {
		return
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		d.notes = append(d.notes, fmt.Sprintf("cannot read dvc.yaml: %v", err))
		return
	}
	d.files = append(d.files, "dvc.yaml")
	stages := mapValue(doc.Content[0], "stages")
	if stages == nil {
		return
	}
	var best *command
	var bestStage *yaml.Node
	// Every stage's command, deps and outs, for the training stage's upstream stages.
	type dvcStage struct {
		name, cmd  string
		deps, outs []string
	}
	var all []dvcStage
	paths := func(st *yaml.Node, key string) []string {
		var out []string
		if n := mapValue(st, key); n != nil && n.Kind == yaml.SequenceNode {
			for _, o := range n.Content {
				p := o.Value
				if o.Kind == yaml.MappingNode && len(o.Content) > 0 {
					p = o.Content[0].Value
				}
				if c, ok := cleanRel(p); ok && c != "." {
					out = append(out, c)
				}
			}
		}
		return out
	}
	for i := 0; i+1 < len(stages.Content); i += 2 {
		st := stages.Content[i+1]
		if cmdNode := mapValue(st, "cmd"); cmdNode != nil && cmdNode.Kind == yaml.ScalarNode {
			all = append(all, dvcStage{stages.Content[i].Value, cmdNode.Value, paths(st, "deps"), paths(st, "outs")})
		}
	}
	var bestName string
	for i := 0; i+1 < len(stages.Content); i += 2 {
		name, st := stages.Content[i].Value, stages.Content[i+1]
		cmdNode := mapValue(st, "cmd")
		if cmdNode == nil {
			continue
		}
		text := cmdNode.Value
		if cmdNode.Kind == yaml.SequenceNode && len(cmdNode.Content) > 0 {
			text = cmdNode.Content[len(cmdNode.Content)-1].Value
		}
		named := slices.ContainsFunc(trainNames, func(t string) bool { return strings.Contains(strings.ToLower(name), t) })
		if !named && !strings.Contains(strings.ToLower(text), "train") {
			continue
		}
		c := analyzeShell(text, envMap{})
		c.at, c.from = where{"dvc.yaml", cmdNode.Line}, "dvc.yaml stage "+name
		if best == nil || named && !strings.Contains(best.from, "train") {
			best, bestStage, bestName = c, st, name
		}
	}
	if best == nil {
		return
	}
	// The stages dvc repro runs before the training stage: it walks the stages in file order,
	// each after the stages whose outs its deps name, dep by dep (plan_repro in dvc's
	// dvc/repo/reproduce.py: networkx's dfs_postorder_nodes over the graph build_graph makes,
	// nodes added in stage order, edges in dep order); stages no deps and outs link run in
	// file order.
	under := func(p, out string) bool {
		return p == out || strings.HasPrefix(p, out+"/") || strings.HasPrefix(out, p+"/")
	}
	var order []dvcStage
	seen := map[string]bool{}
	var visit func(s dvcStage)
	visit = func(s dvcStage) {
		seen[s.name] = true
		for _, dep := range s.deps { // dvc adds the edges dep by dep
			for _, t := range all {
				if !seen[t.name] && slices.ContainsFunc(t.outs, func(o string) bool { return under(dep, o) }) {
					visit(t)
				}
			}
		}
		order = append(order, s)
	}
	for _, s := range all {
		if !seen[s.name] {
			visit(s)
		}
	}
	var pre, preNames, linked, skipped, after []string
	upstream := map[string]bool{}
	var mark func(name string)
	mark = func(name string) {
		for _, s := range all {
			if s.name != name {
				continue
			}
			for _, t := range all {
				if !upstream[t.name] && slices.ContainsFunc(s.deps, func(dep string) bool {
					return slices.ContainsFunc(t.outs, func(o string) bool { return under(dep, o) })
				}) {
					upstream[t.name] = true
					mark(t.name)
				}
			}
		}
	}
	mark(bestName)
	reached := false
	for _, s := range order {
		if s.name == bestName {
			reached = true
			continue
		}
		if reached {
			after = append(after, s.name)
			continue
		}
		pc := analyzeShell(s.cmd, envMap{})
		if pc.script == "" && (pc.module == "" || toolModules[pc.module]) {
			skipped = append(skipped, s.name)
			continue
		}
		pre, preNames = append(pre, pc.line()), append(preNames, s.name)
		if upstream[s.name] {
			linked = append(linked, s.name)
		}
		if pc.script != "" {
			best.pre = append(best.pre, pc.script)
		} else {
			best.pre = append(best.pre, strings.ReplaceAll(pc.module, ".", "/"))
		}
	}
	if len(pre) > 0 {
		best.shell = strings.Join(append(pre, best.line()), " && ")
		best.summary = best.shell
		how := fmt.Sprintf("depends on the outs of %s", strings.Join(linked, ", "))
		switch {
		case len(linked) == 0:
			how = fmt.Sprintf("comes after %s in dvc.yaml, and no deps and outs link them", strings.Join(preNames, ", "))
		case len(linked) < len(preNames):
			how += fmt.Sprintf(", and comes after %s in dvc.yaml", strings.Join(slices.DeleteFunc(slices.Clone(preNames), func(n string) bool { return upstream[n] }), ", "))
		}
		d.notes = append(d.notes, fmt.Sprintf("training: dvc.yaml stage %s %s: the command runs %s first, as dvc repro does",
			bestName, how, plural(len(pre), "that stage", "those stages")))
	}
	if len(skipped) > 0 {
		d.notes = append(d.notes, fmt.Sprintf("training: dvc repro runs %s before stage %s; %s no Python of the repository, so the command leaves %s out: add %s to targets.training.command if training needs %s",
			strings.Join(skipped, ", "), bestName, plural(len(skipped), "it runs", "they run"), plural(len(skipped), "it", "them"),
			plural(len(skipped), "it", "them"), plural(len(skipped), "its output", "their outputs")))
	}
	if len(after) > 0 {
		d.notes = append(d.notes, fmt.Sprintf("training: dvc repro runs %s after stage %s: not in the training command, which ends with training", strings.Join(after, ", "), bestName))
	}
	d.train = append(d.train, best)
	if outs := mapValue(bestStage, "outs"); outs != nil && outs.Kind == yaml.SequenceNode {
		for _, o := range outs.Content {
			p := o.Value
			if o.Kind == yaml.MappingNode && len(o.Content) > 0 {
				p = o.Content[0].Value
			}
			if c, ok := cleanRel(p); ok && c != "." && plainPath(c) {
				d.outs = append(d.outs, outFact{c, where{"dvc.yaml", o.Line}})
			}
		}
	}
}

// readScripts reads pyproject.toml's [project.scripts]: a script named for training runs its
// function.
func (r *repo) readScripts(d *declared) {
	pr := r.pyproject(nil)
	if pr == nil || len(pr.Scripts) == 0 {
		return
	}
	data, _ := r.read("pyproject.toml", maxTextSize)
	line := func(name string) int {
		in := false
		for i, l := range strings.Split(string(data), "\n") {
			t := strings.TrimSpace(l)
			if strings.HasPrefix(t, "[") {
				in = t == "[project.scripts]"
				continue
			}
			if k, _, ok := strings.Cut(t, "="); in && ok && strings.Trim(strings.TrimSpace(k), `"'`) == name {
				return i + 1
			}
		}
		return 0
	}
	for _, name := range sortedKeys(pr.Scripts) {
		mod, fn, ok := strings.Cut(pr.Scripts[name], ":")
		lname := strings.ToLower(name)
		if !ok || !dottedRe.MatchString(mod) || !identRe.MatchString(fn) ||
			!slices.ContainsFunc(trainNames, func(t string) bool {
				return lname == t || strings.HasSuffix(lname, "-"+t) || strings.HasPrefix(lname, t+"-")
			}) {
			continue
		}
		c := &command{words: []string{"python", "-c", fmt.Sprintf("import sys; from %s import %s; sys.exit(%s())", mod, fn, fn)},
			module: mod, at: where{"pyproject.toml", line(name)}, from: "pyproject.toml script " + name,
			summary: fmt.Sprintf("the %s script (%s)", name, pr.Scripts[name])}
		d.train = append(d.train, c)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// toolModules are modules run with python -m that are tools of the repository, not steps of
// its pipeline.
var toolModules = map[string]bool{"pip": true, "pytest": true, "venv": true, "black": true, "flake8": true,
	"ruff": true, "mypy": true, "isort": true, "pylint": true, "coverage": true, "build": true, "twine": true,
	"pre_commit": true, "jupyter": true, "notebook": true, "mkdocs": true, "sphinx": true, "tox": true, "nox": true}

// readDeclaredFile reads the first of names that is a file of the repository and records it
// among the files d was read from; "" when none is, or it cannot be read.
func (r *repo) readDeclaredFile(d *declared, names ...string) (string, []byte) {
	for _, f := range names {
		if !r.isFile(f) {
			continue
		}
		data, err := r.read(f, maxTextSize)
		if err != nil {
			return "", nil
		}
		d.files = append(d.files, f)
		return f, data
	}
	return "", nil
}
