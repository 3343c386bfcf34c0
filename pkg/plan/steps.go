package plan

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/spec"
)

// The pip step's fixed paths and its cache mount id (namespaced by BUILDKIT_CACHE_MOUNT_NS).
const (
	RequirementsDir = "/tmp/mlbuild/requirements"
	PipCacheDir     = "/tmp/mlbuild/pip-cache"
	PipCacheID      = "mlbuild-pip"
	// SecretEnvDir holds pip secrets meant for the environment, as files, on builders that
	// cannot set a secret as an environment variable; it is on the step's tmpfs.
	SecretEnvDir = "/tmp/mlbuild/secrets"
	// PipPycachePrefix is PYTHONPYCACHEPREFIX for pip's own run: the bytecode of pip and of
	// the standard library it imports (python images ship no .pyc) is kept in pip's cache
	// mount, so later pip runs start warm and no such file lands in a layer. The packages pip
	// installs are compiled into the venv afterwards (PipStep.Compile), since the prefix would
	// divert theirs too.
	PipPycachePrefix = PipCacheDir + "/pycache"
)

// PipCacheMountID is the id of pip's cache mount in a build with cache namespace ns
// (BUILDKIT_CACHE_MOUNT_NS).
func PipCacheMountID(ns string) string {
	if ns != "" {
		return ns + "/" + PipCacheID
	}
	return PipCacheID
}

// SecureExcludes are applied to every build context before the user's .dockerignore (so a
// "!" line there can re-include a path deliberately): VCS data, env files, keys and
// Terraform state never reach a build step.
var SecureExcludes = []string{
	"**/.git", "**/.env", "**/*.key", "**/*.pem",
	"**/*.tfstate", "**/*.tfstate.*", "**/.terraform",
}

// userStep adds the account the container runs as to /etc/passwd and /etc/group, with its
// home, and creates the directories it may write (owned by it; their parents stay root's).
func (p *Plan) userStep() Step {
	t := p.target
	u := t.User
	what := fmt.Sprintf("create user %s (%d:%d)", u.Name, *u.UID, *u.GID)
	if len(t.Writable) > 0 {
		what += ", writable " + strings.Join(t.Writable, " ")
	}
	dirs := WritableDirs(t)
	if p.Shape == ShapeCopy {
		// In a merge, a copy onto a writable directory replaces it with its own root-owned
		// entry. A copy onto an existing directory keeps that directory's owner, so the
		// directory is left to the copy to create, with the same result.
		dirs = slices.DeleteFunc(dirs, func(d string) bool {
			return slices.ContainsFunc(t.Copy, func(cp spec.Copy) bool { return t.CopyDest(cp) == d })
		})
	}
	specPath := "user"
	if p.spec.Has(spec.TargetPath(t.Name, "user")) {
		specPath = spec.TargetPath(t.Name, "user")
	}
	return Step{Kind: User, What: what, History: "mlbuild: " + what, SpecPath: specPath, Script: userScript(t, dirs)}
}

// userScript is the /bin/sh script that adds the target's user and group, its home, and the
// directories dirs. It is idempotent and needs no tool beyond sh, grep, mkdir, chown.
func userScript(t *spec.Target, dirs []string) string {
	u := t.User
	uid, gid := *u.UID, *u.GID
	script := fmt.Sprintf(`set -eu
grep -q '^[^:]*:[^:]*:%[3]d:' /etc/group || echo '%[1]s:x:%[3]d:' >> /etc/group
grep -q '^[^:]*:[^:]*:%[2]d:' /etc/passwd || echo '%[1]s:x:%[2]d:%[3]d::/home/%[1]s:/usr/sbin/nologin' >> /etc/passwd
mkdir -p /home/%[1]s && chown %[2]d:%[3]d /home/%[1]s`, u.Name, uid, gid)
	if len(dirs) > 0 {
		script += fmt.Sprintf("\nmkdir -p %[1]s && chown %[2]d:%[3]d %[1]s", ShellJoin(dirs), uid, gid)
	}
	return script
}

// workdirStep gives directories to the user after the copies: the working directory
// (writable-workdir, workdir set) and the writable directories a copy lands on or in
// (copied). A layer after the copies, whose entries for them (owned by the user, mode 0755)
// replace the root-owned ones the copies create: the code can create files there, while what
// the copies put inside stays root's. The Script runs on the base (merge shape: its diff is
// the layer) or on the image so far (copy shape).
func (p *Plan) workdirStep(workdir bool, copied []string) Step {
	t := p.target
	uid, gid := *t.User.UID, *t.User.GID
	var dirs, labels []string
	specPath := spec.TargetPath(t.Name)
	if workdir {
		dirs, labels = append(dirs, t.Workdir), append(labels, "workdir "+t.Workdir)
		if p.spec.Has(spec.TargetPath(t.Name, "writable-workdir")) {
			specPath = spec.TargetPath(t.Name, "writable-workdir")
		}
	} else if p.spec.Has(spec.TargetPath(t.Name, "writable")) {
		specPath = spec.TargetPath(t.Name, "writable")
	}
	dirs, labels = append(dirs, copied...), append(labels, copied...)
	what := fmt.Sprintf("%s writable by %d:%d", strings.Join(labels, ", "), uid, gid)
	script := fmt.Sprintf("set -eu\nmkdir -p %[1]s && chown %[2]d:%[3]d %[1]s && chmod 0755 %[1]s", ShellJoin(dirs), uid, gid)
	return Step{Kind: Workdir, What: what, History: "mlbuild: " + what, SpecPath: specPath,
		Script: script, Dirs: dirs, UID: uid, GID: gid}
}

// copiedWritable are the target's writable directories that a copy lands on or in: the
// copy's root-owned entries would cover the ones the user step makes, so the Workdir step
// gives them to the user after the copies.
func (p *Plan) copiedWritable() []string {
	t := p.target
	var out []string
	for _, d := range WritableDirs(t) {
		if slices.ContainsFunc(t.Copy, func(cp spec.Copy) bool {
			dest := t.CopyDest(cp)
			return d == dest || strings.HasPrefix(d, strings.TrimSuffix(dest, "/")+"/")
		}) {
			out = append(out, d)
		}
	}
	return out
}

// WritableDirs are the target's writable directories as absolute paths.
func WritableDirs(t *spec.Target) []string {
	var dirs []string
	for _, d := range t.Writable {
		if !path.IsAbs(d) {
			d = path.Join(t.Workdir, d)
		}
		dirs = append(dirs, d)
	}
	return dirs
}

// venvStep creates the virtualenv without pip: the base interpreter's pip installs into it.
func (p *Plan) venvStep() Step {
	s := p.spec
	args := []string{"-m", "venv", "--without-pip"}
	if *s.Python.SystemSitePackages {
		args = append(args, "--system-site-packages")
	}
	args = append(args, s.Python.Venv)
	what := "python3 " + ShellJoin(args)
	// The venv and the directories above it that creating it changed get fixed times, so
	// the venv's layer, and the parent directories every pip layer records, are the same
	// bytes whenever the step runs.
	var dirs []string
	for d := path.Dir(s.Python.Venv); d != "/"; d = path.Dir(d) {
		dirs = append(dirs, d)
	}
	script := "set -eu\npython3 " + ShellJoin(args) + "\nt=" + fixedTime +
		"\nfind " + ShellJoin([]string{s.Python.Venv}) + " -exec touch -h -d \"@$t\" {} +\ntouch -h -d \"@$t\" " + ShellJoin(dirs)
	return Step{Kind: Venv, What: what, History: "mlbuild: " + what, SpecPath: "python", Args: args, Script: script}
}

// fixedTime is the shell's value of the time files written by the venv and pip steps get.
var fixedTime = "${SOURCE_DATE_EPOCH:-" + strconv.Itoa(FixedMtime) + "}"

// PipStep is a pip invocation: Script runs with Command's words as its arguments, in
// RequirementsDir, with Env, the requirements files mounted read-only under RequirementsDir,
// pip's cache as a persistent cache mount at PipCacheDir, and the secrets mounted.
type PipStep struct {
	// Requirements are the requirements files mounted under RequirementsDir: files of the
	// main context, or the one file Generated holds.
	Requirements []string
	// Generated is the content of the one requirements file the frontend wrote; nil when the
	// files come from the main context.
	Generated Text `json:",omitempty"`
	// ProjectDir, for the Project step, is where the project's directory of the main context
	// (ProjectPath) is mounted, writable with the changes discarded, for pip to build it.
	ProjectDir  string `json:",omitempty"`
	ProjectPath string `json:",omitempty"`
	// Command is pip's arguments (from the subcommand on), one option per element.
	Command [][]string
	// Compile are the arguments of python3 that compile what pip installed (the paths on its
	// standard input); nil when the spec's pip args turn compiling off.
	Compile []string `json:",omitempty"`
	// Venv is the virtualenv pip installs into.
	Venv string
	// Env is the step's environment, in order.
	Env []EnvVar
	// Secrets are mounted for the step only.
	Secrets []spec.PipSecret `json:",omitempty"`
	// Alone: the step installs into the bare virtualenv (the Venv step's output), not on top
	// of the steps before it, so its layer holds what it installs only.
	Alone bool `json:",omitempty"`
	// ReportOnly: pip only resolves (--dry-run) and writes ReportFile; nothing is installed,
	// compiled or touched.
	ReportOnly bool `json:",omitempty"`
	// Wheels, when set, are installed without pip (a wheel step, see wheelStep): the builder
	// fetches the i-th by its sha256 to WheelPath(i, ...), with no network for the step, and
	// Command is each one's path and sha256 for unpackWheels.
	Wheels []Wheel `json:",omitempty"`
}

// ProjectDir is where the Project step sees the main context.
const ProjectDir = "/tmp/mlbuild/project"

// InstallStamp is touched before a pip step's pip runs (on the step's tmpfs), so what pip
// wrote is what changed after it.
const InstallStamp = "/tmp/mlbuild/installed-after"

// FixedMtime is the modification time every file a pip step writes gets when the build sets
// no SOURCE_DATE_EPOCH (1980-01-01, the earliest a zip or wheel can record).
const FixedMtime = 315532800

// compileInstalled compiles the .py files named on its standard input to unchecked
// hash-based .pyc files: they do not depend on the sources' times (which the step then fixes),
// and the image's sources never change, so Python need not check them. A layer of a package
// per layer mostly holds a few files, and many such steps run at once on a builder with few
// cores: each compiles in its own process unless it has at least compileChunk files per
// worker, and then starts at most one worker per compileChunk files (and per core), so small
// layers do not each start a process on every core. The bytes of a .pyc do not depend on the
// process that wrote it.
const compileInstalled = "import compileall, concurrent.futures, functools, os, py_compile, sys\n" +
	// Its own modules came from (and went to) the cache's pycache_prefix; what it compiles
	// goes beside the sources, and nothing else it might import writes bytecode.
	"sys.pycache_prefix, sys.dont_write_bytecode = None, True\n" +
	"files = [p for p in sys.stdin.read().splitlines() if p.endswith('.py')]\n" +
	"compile = functools.partial(compileall.compile_file, quiet=2, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)\n" +
	"workers = min(os.cpu_count() or 1, len(files) // " + compileChunk + ")\n" +
	"if workers < 2:\n" +
	"    for f in files:\n" +
	"        compile(f)\n" +
	"else:\n" +
	"    from concurrent.futures import ProcessPoolExecutor\n" +
	"    with ProcessPoolExecutor(workers) as ex:\n" +
	"        list(ex.map(compile, files, chunksize=64))\n"

// pipLauncher runs the base interpreter's pip in the interpreter its first argument names
// (the venv's), with the other arguments, through pip's own runner: as pip's --python option
// does, without starting pip first (pip 22.3 or later, as --python needs). A pip without that
// runner file (a later pip may move it) is run the long way, with --python, so the step
// still works, only slower; without the runner's _PIP_RUNNING_IN_SUBPROCESS, which would make
// that pip ignore --python and install into the base.
const pipLauncher = "import os, sys, pip\n" +
	"runner = os.path.join(os.path.dirname(pip.__file__), '__pip-runner__.py')\n" +
	"if not os.path.exists(runner):\n" +
	"    os.environ.pop('_PIP_RUNNING_IN_SUBPROCESS', None)\n" +
	"    os.execv(sys.executable, [sys.executable, '-m', 'pip', '--python'] + sys.argv[1:])\n" +
	"os.execv(sys.argv[1], [sys.argv[1], runner] + sys.argv[2:])\n"

// compileChunk is the files (as a Python literal) a compile worker must have before the
// compile pass starts a pool: about a second or two of compiling, well over a worker's start.
const compileChunk = "256"

// Script is the pip step's /bin/sh script: pip runs with the arguments given to the script;
// what it wrote is compiled, then every file it wrote gets one modification time
// (SOURCE_DATE_EPOCH, else FixedMtime). So a package installed again, on another machine or
// after the cache is gone, gives the same layer bytes, and a registry that has the blob is not
// sent it again. Only what this step wrote is compiled or touched, so its layer holds nothing
// of the layers below.
func (ps *PipStep) Script() string { return ps.ScriptWith(`"$@"`) }

// ScriptWith is Script with pip's arguments written in as args (shell words) instead of
// taken from the script's arguments: the form a Dockerfile RUN needs. It is the one builder
// of the pip step's script.
//
// pip is the base interpreter's, run by the venv's interpreter through the runner pip ships
// for that (__pip-runner__.py, which imports pip from its own place and nothing else of the
// base's site-packages; pipLauncher finds it and execs the venv's interpreter on it): what
// "python3 -m pip --python VENV/bin/python" does in a second process after starting pip once
// in the base interpreter only to read that option. With a layer per package a cold build
// runs dozens of pip steps, and that first start was about 40% of a small step's CPU time.
func (ps *PipStep) ScriptWith(args string) string {
	venv := ShellJoin([]string{ps.Venv})
	pip := "PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=" + PipPycachePrefix + " _PIP_RUNNING_IN_SUBPROCESS=1 python3 -c " +
		ShellJoin([]string{pipLauncher, ps.Venv + "/bin/python"}) + " " + args
	if len(ps.Wheels) > 0 {
		// -I keeps the environment and the working directory out; the bytecode of the
		// modules it imports goes to pip's cache mount, not into the base's standard library
		// (outside the venv, so into the layer), and is there for the next step.
		pip = ShellJoin([]string{ps.Venv + "/bin/python", "-I", "-X", "pycache_prefix=" + PipPycachePrefix, "-c", unpackWheels}) + " " + args
	}
	if ps.ReportOnly {
		return "set -eu\n" + pip
	}
	script := "set -eu\ntouch " + InstallStamp + "\n" + pip
	if ps.Compile != nil {
		// python images ship no bytecode of their standard library: the compile pass's own
		// imports are kept compiled in pip's cache mount (PipPycachePrefix), never in a layer.
		script += "\nfind " + venv + " -cnewer " + InstallStamp + " | PYTHONDONTWRITEBYTECODE= python3 -X pycache_prefix=" + PipPycachePrefix + " " + ShellJoin(ps.Compile)
	}
	return script + "\nfind " + venv + " -cnewer " + InstallStamp + " -exec touch -h -d \"@" + fixedTime + "\" {} +"
}

// Args are the Command's words in one list.
func (ps *PipStep) Args() []string {
	var out []string
	for _, o := range ps.Command {
		out = append(out, o...)
	}
	return out
}

// pipStep installs the dependencies: the requirements files, or the requirements the
// frontend generated (exact pins with --no-deps --require-hashes for a lock).
func (p *Plan) pipStep() Step {
	s, d := p.spec, p.Deps
	ps := p.newPipStep()
	ps.Requirements = d.Files
	what := "pip install " + strings.Join(prefixEach("-r ", d.Files), " ")
	if d.Generated != nil {
		name := path.Base(d.Source) + ".txt"
		ps.Requirements, ps.Generated = []string{name}, d.Generated
		what = p.lockedWhat()
	}
	if d.Locked {
		ps.Command = append(ps.Command, []string{"--no-deps", "--require-hashes"})
	}
	for _, r := range ps.Requirements {
		ps.Command = append(ps.Command, []string{"-r", path.Join(RequirementsDir, r)})
	}
	return Step{Kind: Pip, What: what, History: "mlbuild: " + what, SpecPath: pipSpecPath(s), Pip: ps}
}

// pipSpecPath locates the pip steps in the spec: where the dependency source is named.
func pipSpecPath(s *spec.Spec) string {
	switch {
	case s.Has("dependencies.from"):
		return "dependencies.from"
	case s.Has("requirements"):
		return "requirements"
	}
	return "pip"
}

// ReportFile is where the Resolve step's pip writes its installation report (pip install
// --dry-run --report), in a directory of its own that is the step's output.
const ReportFile = "/tmp/mlbuild/report/report.json"

// ResolveStep is the step that learns what requirements files install, before installing
// them, so the packages can get layers of their own: pip install --dry-run --report on the
// bare venv, with the pip step's options, mounts and secrets. Nil when the plan has nothing
// to resolve: the packages are known (a lock), or they get one layer anyway.
func (p *Plan) ResolveStep() *Step { return p.Resolve }

func (p *Plan) resolveStep() *Step {
	d := p.Deps
	if p.layout() != needsReport {
		return nil
	}
	ps := p.newPipStep()
	ps.Requirements, ps.Compile, ps.ReportOnly = d.Files, nil, true
	ps.Command = append(ps.Command, []string{"--dry-run", "--quiet", "--report", ReportFile})
	for _, r := range d.Files {
		ps.Command = append(ps.Command, []string{"-r", path.Join(RequirementsDir, r)})
	}
	what := "resolve " + strings.Join(d.Files, " ") + " (pip install --dry-run --report)"
	return &Step{Kind: Pip, Name: p.names().unnumbered(what), What: what, SpecPath: pipSpecPath(p.spec), Pip: ps}
}

// lockedWhat describes installing a generated requirements file: its source, the number of
// packages and the groups and extras.
func (p *Plan) lockedWhat() string {
	d := p.Deps
	what := "pip install -r " + d.Source
	if d.Locked {
		what = fmt.Sprintf("pip install %d locked packages from %s", d.Packages, d.Source)
	}
	var sel []string
	if len(d.Groups) > 0 {
		sel = append(sel, "groups "+strings.Join(d.Groups, ","))
	}
	if len(d.Extras) > 0 {
		sel = append(sel, "extras "+strings.Join(d.Extras, ","))
	}
	if len(sel) > 0 {
		what += " (" + strings.Join(sel, "; ") + ")"
	}
	return what
}

// projectStep builds the project from the main context and installs it, without its
// dependencies (the pip step installed those), as a wheel: not editable, so the image does
// not need the sources.
func (p *Plan) projectStep() Step {
	ps := p.newPipStep()
	ps.ProjectDir, ps.ProjectPath = ProjectDir, path.Clean("/"+p.Deps.ProjectPath)
	ps.Command = append(ps.Command, []string{"--no-deps", ProjectDir})
	what := "pip install the project (pyproject.toml)"
	return Step{Kind: Project, What: what, History: "mlbuild: " + what, SpecPath: "dependencies.project", Pip: ps}
}

// memberStep builds a uv workspace member from the main context and installs it, without
// its dependencies, as projectStep does the project.
func (p *Plan) memberStep(m Member) Step {
	ps := p.newPipStep()
	ps.ProjectDir, ps.ProjectPath = ProjectDir, path.Clean("/"+m.Path)
	ps.Command = append(ps.Command, []string{"--no-deps", ProjectDir})
	what := fmt.Sprintf("pip install the workspace member %s (%s)", m.Name, path.Join(m.Path, "pyproject.toml"))
	return Step{Kind: Project, What: what, History: "mlbuild: " + what, SpecPath: m.SpecPath, Pip: ps}
}

// newPipStep is what every pip invocation shares: pip itself and its options, the
// environment, the secrets and the compile pass.
func (p *Plan) newPipStep() *PipStep {
	s := p.spec
	ps := &PipStep{
		Command: p.pipOptions(),
		Env: []EnvVar{
			{Key: "PIP_CACHE_DIR", Value: PipCacheDir},
			{Key: "PIP_DISABLE_PIP_VERSION_CHECK", Value: "1"},
			{Key: "PIP_NO_INPUT", Value: "1"},
		},
		Secrets: s.Pip.Secrets,
		Venv:    s.Python.Venv,
		Compile: p.compileArgs(),
	}
	return ps
}

// compileArgs are python3's arguments for the compile pass of an install step: nil when
// the spec's pip args turn compiling off (--no-compile).
func (p *Plan) compileArgs() []string {
	if slices.Contains(p.spec.Pip.Args, "--no-compile") {
		return nil
	}
	return []string{"-c", compileInstalled}
}

// pipOptions are pip's arguments before the requirements, grouped one option per element:
// the base interpreter's pip, run by the venv's interpreter (ScriptWith; so the venv needs no
// pip of its own), installs into the venv, from the spec's indexes, else from those the lock
// names.
func (p *Plan) pipOptions() [][]string {
	s := p.spec
	opts := [][]string{{"install", "--no-warn-script-location", "--root-user-action=ignore", "--no-compile"}}
	pip := s.Pip
	index, extra := pip.IndexURL, pip.ExtraIndexURLs
	if index == "" && len(p.Deps.IndexURLs) > 0 {
		index, extra = p.Deps.IndexURLs[0], append(slices.Clone(p.Deps.IndexURLs[1:]), extra...)
	}
	if index != "" {
		opts = append(opts, []string{"--index-url", index})
	}
	for _, u := range extra {
		opts = append(opts, []string{"--extra-index-url", u})
	}
	for _, u := range pip.FindLinks {
		opts = append(opts, []string{"--find-links", u})
	}
	for _, h := range pip.TrustedHosts {
		opts = append(opts, []string{"--trusted-host", h})
	}
	if len(pip.Args) > 0 {
		opts = append(opts, pip.Args)
	}
	return opts
}

func prefixEach(prefix string, s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = prefix + v
	}
	return out
}

// ShellJoin quotes words for /bin/sh.
func ShellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:") == "" {
			out[i] = w
			continue
		}
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}
