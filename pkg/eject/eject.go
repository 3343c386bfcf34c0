// Package eject writes the Dockerfile equivalent of one target of a spec, for projects that
// want to leave mlbuild, or to see what it builds, in BuildKit's own Dockerfile frontend.
//
// It renders the same pkg/plan the frontend renders to LLB, so it takes no decision of its
// own: a "deps" stage runs the plan's Venv step in one RUN and its Pip step in the next, with
// only the requirements files mounted, pip's cache (and its own bytecode) in a cache mount,
// then compiles the venv; the "runtime" stage runs the User step (the same shell script), the
// venv (one layer here, one per step in the frontend's image) and one COPY --link per Copy
// step, then sets the plan's image config.
//
// Dependencies from a lock or a pyproject.toml ([WithDeps]) are the plan.Deps the frontend
// resolves for one platform and Python: the requirements file it generates (a lock's pins
// with their hashes, or the requirements a pyproject.toml declares) is written into the deps
// stage with a COPY heredoc where the frontend mounts it, and pip runs exactly as the plan's
// command says (--no-deps --require-hashes for a lock, the lock's index). The Project step is
// one more RUN in that stage, with the project's directory of the context bind-mounted
// writable (the writes are dropped) where the frontend mounts it.
//
// The image config it declares equals the one plan.Config.Apply derives from the same base
// (Env in the same order, WorkingDir, User, Entrypoint, Cmd, ExposedPorts, Healthcheck and
// Labels), with these exceptions, which a Dockerfile cannot express:
//
//   - No org.opencontainers.image.base.digest label: the digest the base resolves to at
//     build time is not known when the file is written. The base.name label is written,
//     from the BASE argument.
//   - The frontend drops the base image's ExposedPorts and Healthcheck; a Dockerfile can only
//     add to them (or replace the healthcheck), so a base that declares any keeps them.
//   - With a base image that has no PATH and a spec with requirements, the frontend appends
//     PATH after VIRTUAL_ENV; BuildKit adds the default PATH when the stage starts, so PATH
//     comes first.
//   - CMD sets the deprecated ArgsEscaped field to true; the frontend leaves it unset.
//   - A healthcheck command written as a string is CMD-SHELL in both, unless it holds a line
//     break or surrounding spaces (or looks like a JSON array): a Dockerfile line cannot
//     hold those, so it is written ["CMD", "/bin/sh", "-c", ...] instead.
//
// What is not config: the history entries differ (one per Dockerfile instruction), spec
// tests and the smoke test are not run (the file lists them in a comment), build arguments
// were substituted when the spec was loaded, and a --build-context named like a copied path
// does not replace it. A lock's pins are those of the platform and Python they were resolved
// for, whatever platform the file is built for (the frontend resolves them per platform),
// and the file must be ejected again after the lock changes. A lock's packages are installed
// in one layer: the frontend's layer per large package and per name group (dependencies.layers:
// packages) needs merged independent layers, which a Dockerfile cannot write; the installed
// files are the same. The contexts are filtered like the frontend's: every COPY from a
// context excludes the frontend's secure patterns (COPY --exclude), .dockerignore applies on
// top (so a "!" line there cannot re-include one of those paths, as it can for mlbuild); a
// bind mount takes no exclude patterns, so the Project step's build sees what .dockerignore
// lets through, secure patterns included. The
// pip cache mount has the frontend's id, but BuildKit's Dockerfile frontend
// prefixes cache ids with "<BUILDKIT_CACHE_MOUNT_NS>/" even when the namespace is empty, so
// the two do not share pip's cache.
package eject

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/located"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/spec"
)

// maxWidth is where ENV, LABEL and COPY flag lists wrap.
const maxWidth = 100

// Option changes what Dockerfile renders.
type Option func(*options)

type options struct {
	deps             *plan.Deps
	platform, python string
}

// WithDeps renders the dependencies the frontend would resolve for the target: d is the
// plan.Deps of one platform and Python (a lock's pins, a pyproject.toml's requirements),
// which the file then installs on every platform; platform ("linux/amd64") and python
// ("3.12") name them in a comment. Without it, the spec's requirements files are installed.
func WithDeps(d *plan.Deps, platform, python string) Option {
	return func(o *options) { o.deps, o.platform, o.python = d, platform, python }
}

// Dockerfile returns a Dockerfile that builds target of s with the image config the mlbuild
// frontend gives it (see the package documentation for the exceptions). It depends only on
// its arguments: the same spec and options give the same bytes. It fails for an unknown
// target and for the few values a Dockerfile cannot hold (line breaks in env or label
// values, "=" in a label key, unusual characters in a --mount option).
func Dockerfile(s *spec.Spec, target string, opts ...Option) ([]byte, error) {
	if s == nil {
		return nil, errors.New("eject: no spec")
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	// One RUN installs every package: a Dockerfile has no merge of independent layers (see
	// the package documentation).
	p, err := plan.New(s, plan.Options{Target: target, Shape: plan.ShapeMerge, Deps: o.deps, OneLayer: true})
	if err != nil {
		return nil, err
	}
	return Render(p, o.platform, o.python)
}

// Render writes the Dockerfile of a resolved plan (of ShapeMerge, its dependencies in one
// pip step); platform and python name, in a comment, what a lock was resolved for. It reads
// nothing but the plan. The values a Dockerfile cannot hold are located errors, at the spec
// path they come from.
func Render(p *plan.Plan, platform, python string) ([]byte, error) {
	e := &ejector{p: p, o: options{platform: platform, python: python}}
	e.header()
	if p.Find(plan.Venv) != nil {
		e.deps()
	}
	if st := p.Find(plan.Workdir); st != nil {
		e.workdir(*st)
	}
	e.runtime()
	if len(e.errs) > 0 {
		return nil, fmt.Errorf("target %s cannot be written as a Dockerfile: %w", p.TargetName, e.errs.Sorted())
	}
	return e.b.Bytes(), nil
}

type ejector struct {
	p    *plan.Plan
	o    options
	b    bytes.Buffer
	errs located.Errors
	// envDone: the image's environment is written already (before the run steps).
	envDone bool
}

func (e *ejector) line(format string, args ...any) {
	fmt.Fprintf(&e.b, format, args...)
	e.b.WriteByte('\n')
}

// fail records a value a Dockerfile cannot hold, located at the spec path it comes from.
func (e *ejector) fail(specPath, format string, args ...any) {
	e.errs = append(e.errs, e.p.Errorf(specPath, format, args...))
}

func (e *ejector) header() {
	file := path.Base(strings.ReplaceAll(e.p.File, `\`, "/"))
	if e.p.File == "" {
		file = "mlbuild.yaml"
	}
	e.line("# syntax=docker/dockerfile:1")
	e.line("# Generated by `frontend dockerfile --target %s` from %s; edits are overwritten.", e.p.TargetName, comment(file))
	e.line("# Build from the directory of %s: docker buildx build -f <this file> .", comment(file))
	e.line("# The image config is mlbuild's, except that the org.opencontainers.image.base.digest label")
	e.line("# is missing (the digest the base resolves to is not known here) and that exposed ports and")
	e.line("# a healthcheck of the base image are kept, where mlbuild drops them.")
	if checks := e.checks(); len(checks) > 0 {
		e.line("# mlbuild also runs these checks in the built image before exporting it; a Dockerfile cannot:")
		for _, c := range checks {
			e.line("#   %s", c)
		}
	}
	e.line("ARG BASE=%s", word(e.p.Base)) // what the frontend resolves and records
}

// checks describes the plan's checks, which a Dockerfile cannot run.
func (e *ejector) checks() []string {
	var out []string
	for _, c := range e.p.Checks {
		switch c.Kind {
		case plan.CheckCommand:
			out = append(out, fmt.Sprintf("test[%d]: %s", c.Index, jsonList(c.Argv)))
		case plan.CheckSmoke:
			out = append(out, fmt.Sprintf("smoke test: start %s and wait for the healthcheck to pass", jsonList(c.Argv)))
		}
	}
	return out
}

// deps writes the stage that creates the virtualenv and installs into it: the plan's Venv
// step, then its Pip and Project steps, one RUN each.
func (e *ejector) deps() {
	venv := e.p.Find(plan.Venv)
	var installs []plan.Step
	for _, st := range e.p.Steps {
		if st.Kind == plan.Pip || st.Kind == plan.Project {
			installs = append(installs, st)
		}
	}
	e.line("")
	switch d := e.p.Deps; {
	case d.Generated != nil:
		e.commentBlock("Dependencies: pip sees only the requirements mlbuild generated from " + d.Source +
			" (written below), so code edits never re-run it, and its cache is a cache mount that never reaches a layer.")
	case len(d.Files) > 0:
		e.line("# Dependencies: pip sees only the requirements files (read-only bind mounts), so code edits")
		e.line("# never re-run it, and its cache is a cache mount that never reaches a layer.")
	default:
		e.line("# Dependencies: pip's cache is a cache mount that never reaches a layer.")
	}
	e.line("FROM ${BASE} AS deps")
	e.line("ENV PYTHONDONTWRITEBYTECODE=1")
	e.line("ARG SOURCE_DATE_EPOCH")
	switch {
	case e.p.BuildRoot != nil:
		e.line("# The packages pip builds against (build-packages): in this stage only, never in the image.")
		e.apt(*e.p.BuildRoot)
	case e.p.DepsOnSystem:
		e.apt(*e.p.Find(plan.System))
	}
	e.line("# The venv in a step of its own: a change of requirements re-runs pip only.")
	e.run([]string{"--network=none", "--mount=type=tmpfs,target=/tmp"}, venv.Script+"\n")
	var env []string
	for _, v := range installs[0].Pip.Env { // every pip invocation has the same environment
		env = append(env, v.Key+"="+v.Value)
	}
	e.list("ENV", env)
	for _, st := range installs {
		if st.Kind == plan.Project {
			e.project(st)
		} else {
			e.pip(st)
		}
	}
}

// pip writes the plan's Pip step: the requirements files bind-mounted from the context, or
// the generated requirements written into the stage, then pip as the step's Command says.
func (e *ejector) pip(st plan.Step) {
	ps := st.Pip
	e.line("WORKDIR %s", plan.RequirementsDir)
	mounts := []string{e.cacheMount()}
	if ps.Generated != nil {
		e.generated(ps)
	} else {
		for i, r := range ps.Requirements {
			at := fmt.Sprintf("requirements[%d]", i)
			if _, ok := e.p.Ranges[at]; !ok {
				at = "dependencies.from"
			}
			src := e.mountValue(at, r)
			dst := e.mountValue(at, path.Join(plan.RequirementsDir, r))
			mounts = append(mounts, fmt.Sprintf("--mount=type=bind,source=%s,target=%s", src, dst))
		}
	}
	e.run(append(mounts, e.secretMounts(ps)...), e.pipScript(ps))
}

// generated writes the requirements file the frontend generated into the stage, where the
// frontend mounts it: the pins of a lock, with their hashes, or a pyproject.toml's
// requirements.
func (e *ejector) generated(ps *plan.PipStep) {
	d := e.p.Deps
	sel := selection(d)
	if sel != "" {
		sel = " (" + sel + ")"
	}
	if d.Locked {
		e.commentBlock(fmt.Sprintf("The %d packages %s locks%s, with their hashes, as mlbuild selects them%s: build this file for that platform only, and eject again after changing %s.",
			d.Packages, d.Source, sel, e.resolvedFor(), d.Source))
	} else {
		e.commentBlock(fmt.Sprintf("The requirements %s declares%s, for pip to resolve: eject again after changing %s.", d.Source, sel, d.Source))
	}
	dst := path.Join(plan.RequirementsDir, ps.Requirements[0])
	e.noLineBreak(pipSpecPath(e.p), dst)
	e.heredoc("COPY", nil, word(dst), string(ps.Generated))
}

// resolvedFor names the platform and Python a lock's markers were evaluated for.
func (e *ejector) resolvedFor() string {
	var on []string
	if e.o.platform != "" {
		on = append(on, e.o.platform)
	}
	if e.o.python != "" {
		on = append(on, "Python "+e.o.python)
	}
	if len(on) == 0 {
		return ""
	}
	return " for " + strings.Join(on, " and ")
}

// selection describes the groups and extras installed.
func selection(d *plan.Deps) string {
	var sel []string
	if len(d.Groups) > 0 {
		sel = append(sel, "groups "+strings.Join(d.Groups, ", "))
	}
	if len(d.Extras) > 0 {
		sel = append(sel, "extras "+strings.Join(d.Extras, ", "))
	}
	return strings.Join(sel, "; ")
}

// project writes the plan's Project step: pip builds the project from the context, mounted
// writable with the writes discarded, and installs it without its dependencies.
func (e *ejector) project(st plan.Step) {
	ps := st.Pip
	what := "The project itself"
	if st.SpecPath != "dependencies.project" {
		what = "The " + strings.TrimPrefix(st.What, "pip install the ") // "workspace member NAME (PATH)"
	}
	e.line("# %s, built from the context as a wheel and installed without its", what)
	e.line("# dependencies: an edit of the context re-runs this step, not the ones above. A bind mount")
	e.line("# takes no --exclude: only .dockerignore keeps secrets and VCS data from the build backend.")
	e.line("WORKDIR %s", ps.ProjectDir)
	src := strings.TrimPrefix(ps.ProjectPath, "/")
	if src == "" {
		src = "."
	}
	mounts := []string{e.cacheMount(),
		fmt.Sprintf("--mount=type=bind,source=%s,target=%s,rw", e.mountValue(st.SpecPath, src), ps.ProjectDir)}
	e.run(append(mounts, e.secretMounts(ps)...), e.pipScript(ps))
}

// cacheMount is pip's cache, with the frontend's id.
func (e *ejector) cacheMount() string {
	return fmt.Sprintf("--mount=type=cache,id=%s,target=%s,sharing=shared", plan.PipCacheID, plan.PipCacheDir)
}

// secretMounts are the spec's pip secrets.
func (e *ejector) secretMounts(ps *plan.PipStep) []string {
	return e.secretMountsOf("pip.secrets", ps.Secrets)
}

// secretMountsOf are secret mounts of a step, for the secrets at specPath.
func (e *ejector) secretMountsOf(specPath string, secrets []spec.PipSecret) []string {
	var mounts []string
	for i, sec := range secrets {
		p := fmt.Sprintf("%s[%d]", specPath, i)
		m := "--mount=type=secret,id=" + e.mountValue(p+".id", sec.ID)
		if sec.Env != "" {
			m += ",env=" + e.mountValue(p+".env", sec.Env)
		} else {
			m += ",target=" + e.mountValue(p+".target", sec.Target)
		}
		m += ",required=" + strconv.FormatBool(!sec.Optional)
		mounts = append(mounts, m)
	}
	return mounts
}

// pipScript is the step's script with pip's arguments written in, one option per line in
// the plan's order, where the frontend passes them to the script as "$@".
func (e *ejector) pipScript(ps *plan.PipStep) string {
	lines := make([]string, len(ps.Command))
	for i, words := range ps.Command {
		lines[i] = plan.ShellJoin(words)
	}
	return ps.ScriptWith(strings.Join(lines, " \\\n  ")) + "\n"
}

// workdirStage is the stage that holds the working directory owned by the user, under
// workdirRoot, for the runtime stage to link in after its copies.
const (
	workdirStage = "workdir"
	workdirRoot  = "/mlbuild/workdir"
)

// workdir writes the stage that makes the working directory owned by the user
// (writable-workdir). The runtime stage copies it in last, with --link: as in mlbuild's
// merge, its entry for the directory replaces the root-owned one the copies before it make.
func (e *ejector) workdir(st plan.Step) {
	e.line("")
	e.line("# Directories given to the user after the copies (the working directory with writable-workdir,")
	e.line("# writable directories a COPY lands on): the code can create files and folders there")
	e.line("# (mlflow.db, outputs/); what the COPY lines put there stays root's.")
	e.line("FROM ${BASE} AS %s", workdirStage)
	var dirs []string
	for _, d := range st.Dirs {
		dirs = append(dirs, workdirRoot+d)
	}
	e.run([]string{"--network=none"}, fmt.Sprintf("set -eu\nmkdir -p %[1]s && chown %[2]d:%[3]d %[1]s && chmod 0755 %[1]s\n", plan.ShellJoin(dirs), st.UID, st.GID))
}

// runtime writes the final stage: the plan's steps in order (the user layer, the venv, the
// copies), then the config.
func (e *ejector) runtime() {
	e.line("")
	e.line("FROM ${BASE} AS runtime")
	linked, ran := false, false
	for _, st := range e.p.Steps {
		switch st.Kind {
		case plan.System:
			e.line("ARG SOURCE_DATE_EPOCH")
			e.line("# System packages, in a layer of their own; apt's lists and downloads stay in cache mounts.")
			e.apt(st)
		case plan.Run:
			if !ran {
				e.line("# Build-time commands: as the container's user, in its working directory, with its")
				e.line("# environment, before the code (a code edit does not run them again).")
				e.env()
				e.line("WORKDIR %s", word(st.Run.Dir))
				e.line("USER %s", st.Run.User)
				ran = true
			}
			e.runStep(st)
		case plan.User:
			what := fmt.Sprintf("# The account the container runs as (%d:%d) and its home", e.p.User.UID, e.p.User.GID)
			if len(e.p.User.Writable) > 0 {
				what += ", and the directories it may write"
			}
			e.line("%s.", what)
			e.run([]string{"--network=none", "--mount=type=tmpfs,target=/tmp"}, st.Script+"\n")
		case plan.Venv:
			// The venv with everything installed into it: one layer here, one per step in
			// mlbuild's image.
			e.linkComment(&linked)
			e.copy(st.SpecPath, []string{"--link", "--from=deps"}, e.p.Venv, e.p.Venv)
		case plan.Copy:
			e.linkComment(&linked)
			cp := st.Copy
			if cp.Index == 0 {
				e.line("# Like mlbuild, leave secrets and VCS data out of every context (.dockerignore applies too).")
			}
			flags := []string{"--link"}
			if cp.Context != "" {
				e.line("# Needs --build-context %s=<dir>.", comment(cp.Context))
				flags = append(flags, "--from="+cp.Context)
			}
			for _, x := range plan.SecureExcludes {
				flags = append(flags, "--exclude="+x)
			}
			e.copy(st.SpecPath, flags, cp.From, cp.Dest)
		case plan.Workdir:
			e.line("# Last, so these directories' entries are these ones, owned by %d:%d.", st.UID, st.GID)
			e.copy(st.SpecPath, []string{"--link", "--from=" + workdirStage}, workdirRoot+"/", "/")
		}
	}
	e.config()
}

// commentBlock writes text as comment lines, wrapped before maxWidth.
func (e *ejector) commentBlock(text string) {
	line := "#"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > maxWidth && line != "#" {
			e.line("%s", line)
			line = "#"
		}
		line += " " + w
	}
	e.line("%s", line)
}

// linkComment explains --link once, before the first COPY.
func (e *ejector) linkComment(done *bool) {
	if !*done {
		e.line("# --link: every COPY is a layer of its own, owned by root: the user can read, not change it.")
		*done = true
	}
}

// config writes the instructions that only change the image config: the plan's Config.
func (e *ejector) config() {
	c := e.p.Config
	if !e.envDone {
		e.env()
	}
	e.noLineBreak(e.configPath("workdir"), c.WorkingDir)
	e.line("WORKDIR %s", word(c.WorkingDir))
	e.line("USER %s", c.User)
	if len(c.ExposedPorts) > 0 {
		e.line("EXPOSE %s", strings.Join(c.ExposedPorts, " "))
	}
	e.healthcheck()

	labels := []string{}
	if _, ok := c.Labels[plan.LabelBaseName]; !ok {
		labels = append(labels, plan.LabelBaseName+"=${BASE}")
	}
	for _, k := range sortedKeys(c.Labels) {
		at := e.configPath("labels." + k)
		if strings.ContainsAny(k, "=") {
			e.fail(at, "key %q contains \"=\", which a LABEL instruction cannot hold", k)
		}
		e.noLineBreak(at, k)
		e.noLineBreak(at, c.Labels[k])
		labels = append(labels, word(k)+"="+word(c.Labels[k]))
	}
	e.line("ARG BASE")
	e.list("LABEL", labels)

	if c.EntrypointSet {
		e.line("ENTRYPOINT %s", jsonList(c.Entrypoint))
	} else {
		e.line("# mlbuild keeps neither the entrypoint nor the command of the base image.")
		e.line("ENTRYPOINT []")
	}
	if c.CmdSet {
		e.line("CMD %s", jsonList(c.Cmd))
	}
}

// apt writes an apt step (plan.AptStep) as root, its lists and downloads in cache mounts.
func (e *ejector) apt(st plan.Step) {
	e.run([]string{
		fmt.Sprintf("--mount=type=cache,id=%s,target=%s,sharing=locked", plan.AptListsCacheID, plan.AptListsDir),
		fmt.Sprintf("--mount=type=cache,id=%s,target=%s,sharing=locked", plan.AptCacheID, plan.AptArchivesDir),
		"--mount=type=tmpfs,target=/tmp",
	}, st.Apt.Script()+"\n")
}

// runStep writes a build-time command with its secrets and cache mounts.
func (e *ejector) runStep(st plan.Step) {
	rs := st.Run
	mounts := e.secretMountsOf(st.SpecPath+".secrets", rs.Secrets)
	for _, c := range rs.Caches {
		mounts = append(mounts, fmt.Sprintf("--mount=type=cache,id=%s,target=%s,uid=%d,gid=%d,sharing=shared",
			e.mountValue(st.SpecPath+".cache", c.ID), e.mountValue(st.SpecPath+".cache", c.Target), c.UID, c.GID))
	}
	mounts = append(mounts, "--mount=type=tmpfs,target=/tmp")
	cmd := plan.ShellJoin(rs.Argv)
	if len(rs.Argv) == 3 && rs.Argv[0] == "/bin/sh" && rs.Argv[1] == "-c" {
		cmd = rs.Argv[2]
	}
	e.line("# %s", comment(st.What))
	e.run(mounts, "export HOME="+plan.ShellJoin([]string{rs.Home})+"\n"+cmd+"\n")
}

// env writes the image's environment.
func (e *ejector) env() {
	c := e.p.Config
	var env []string
	for _, v := range c.Env {
		e.noLineBreak(e.configPath("env."+v.Key), v.Value)
		switch {
		case v.PrependToPath && v.Value == "":
			// PATH is set in every stage already.
		case v.PrependToPath:
			env = append(env, v.Key+"="+word(v.Value)+":$PATH")
		default:
			env = append(env, v.Key+"="+word(v.Value))
		}
	}
	e.list("ENV", env)
	e.envDone = true
}

func (e *ejector) healthcheck() {
	h := e.p.Config.Healthcheck
	switch {
	case h == nil:
		return
	case h.Test[0] == "NONE":
		e.line("HEALTHCHECK NONE")
		return
	}
	flags := fmt.Sprintf("--interval=%s --timeout=%s --start-period=%s --start-interval=%s --retries=%d",
		h.Interval, h.Timeout, h.StartPeriod, h.StartInterval, h.Retries)
	var cmd string
	switch {
	case h.Test[0] == "CMD-SHELL" && shellFormOK(h.Test[1]):
		cmd = h.Test[1]
	case h.Test[0] == "CMD-SHELL":
		e.line("# A line break or surrounding spaces keep this probe from being written as CMD-SHELL.")
		cmd = jsonList([]string{"/bin/sh", "-c", h.Test[1]})
	default:
		// Exec form; the frontend's own probe is a multi-line Python program, written as a
		// JSON string with \n escapes.
		cmd = jsonList(h.Test[1:])
	}
	e.line("HEALTHCHECK %s \\\n    CMD %s", flags, cmd)
}

// shellFormOK reports whether cmd survives as the rest of a Dockerfile line, unchanged and
// not taken for a JSON array.
func shellFormOK(cmd string) bool {
	if cmd == "" || strings.TrimSpace(cmd) != cmd || strings.ContainsAny(cmd, "\n\r") || strings.HasSuffix(cmd, `\`) {
		return false
	}
	var v []any
	return json.Unmarshal([]byte(cmd), &v) != nil
}

// run writes a RUN instruction with flags (one per line) and a heredoc script, which /bin/sh
// runs as sh -c <script>, as the frontend does.
func (e *ejector) run(flags []string, script string) {
	e.heredoc("RUN", flags, "", script)
}

// heredoc writes instr with flags and a quoted heredoc (nothing in it is expanded), followed
// on the first line by after (COPY's destination). body ends with a line break, or is empty.
func (e *ejector) heredoc(instr string, flags []string, after, body string) {
	delim := "EOF"
	for n := 1; strings.Contains("\n"+body, "\n"+delim+"\n"); n++ {
		delim = fmt.Sprintf("EOF%d", n)
	}
	start := "<<'" + delim + "'"
	if after != "" {
		start += " " + after
	}
	sep := " "
	if len(instr+" "+strings.Join(flags, " ")+" "+start) > maxWidth {
		sep = " \\\n    "
	}
	line := instr + " "
	if len(flags) > 0 {
		line += strings.Join(flags, sep) + " "
	}
	e.b.WriteString(line + start + "\n")
	e.b.WriteString(body)
	e.line("%s", delim)
}

// copy writes a COPY; paths that need quoting use the JSON form, where words are still
// expanded, so they are quoted for BuildKit's shell lexer inside the JSON strings.
func (e *ejector) copy(specPath string, flags []string, src, dst string) {
	e.noLineBreak(specPath, src)
	e.noLineBreak(specPath, dst)
	args := src + " " + dst
	if word(src) != src || word(dst) != dst {
		args = jsonList([]string{word(src), word(dst)})
	}
	e.wrapped("COPY", flags, args)
}

// list writes an instruction with space-separated items, wrapped before maxWidth.
func (e *ejector) list(instr string, items []string) {
	e.wrapped(instr, items, "")
}

func (e *ejector) wrapped(instr string, items []string, last string) {
	if last != "" {
		items = append(items[:len(items):len(items)], last)
	}
	var b strings.Builder
	b.WriteString(instr)
	width := len(instr)
	for i, it := range items {
		if i > 0 && width+1+len(it) > maxWidth-2 {
			b.WriteString(" \\\n   ")
			width = 3
		}
		b.WriteString(" " + it)
		width += 1 + len(it)
	}
	e.line("%s", b.String())
}

var mountSafe = regexp.MustCompile(`^[A-Za-z0-9_./@+:-]+$`)

// mountValue returns v for a --mount option, whose values are CSV fields that the shell lexer
// expands: only plain values are written.
func (e *ejector) mountValue(specPath, v string) string {
	if !mountSafe.MatchString(v) {
		e.fail(specPath, "%q holds characters a --mount option cannot (only letters, digits and _./@+:-)", v)
	}
	return v
}

func (e *ejector) noLineBreak(specPath, v string) {
	if strings.ContainsAny(v, "\n\r") {
		e.fail(specPath, "%q holds a line break, which a Dockerfile instruction cannot", v)
	}
}

// configPath is the spec path an image config field comes from ("env.KEY", "labels.KEY",
// "workdir").
func (e *ejector) configPath(field string) string {
	if p, ok := e.p.Config.Paths[field]; ok {
		return p
	}
	return field
}

// pipSpecPath is where the spec names what the pip steps install.
func pipSpecPath(p *plan.Plan) string {
	if st := p.Find(plan.Pip); st != nil {
		return st.SpecPath
	}
	return "dependencies.from"
}

// word quotes s for BuildKit's shell lexer (ENV, LABEL, WORKDIR, COPY): plain words stay as
// they are, anything else is single-quoted, where nothing is expanded.
func word(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@%+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// jsonList is the exec form of args: a JSON array, without HTML escaping.
func jsonList(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(a)
		parts[i] = strings.TrimSuffix(b.String(), "\n")
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// comment makes s safe on a comment line.
func comment(s string) string {
	if strings.ContainsAny(s, "\n\r") {
		return strconv.Quote(s)
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
