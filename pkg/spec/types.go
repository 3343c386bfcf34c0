package spec

import (
	"path"
	"time"
)

// Spec is a decoded, defaulted and validated mlbuild.yaml.
type Spec struct {
	// Version of the format; must be 1.
	Version int `yaml:"version" json:"version"`
	// Base is the image every target starts from. Default "python:3.10-slim".
	Base string `yaml:"base,omitempty" json:"base,omitempty"`
	// Args declares build arguments with their default values; --build-arg overrides them.
	// "${NAME}" in any string of the spec is replaced by the argument's value.
	Args map[string]string `yaml:"args,omitempty" json:"args,omitempty"`
	// Workdir is the directory the code is copied to and commands start in. Default "/app".
	Workdir string `yaml:"workdir,omitempty" json:"workdir,omitempty"`
	// User the containers run as. Default uid/gid 10001, name "app".
	User *User `yaml:"user,omitempty" json:"user,omitempty"`
	// Python configures the virtual environment the requirements are installed into.
	Python *Python `yaml:"python,omitempty" json:"python,omitempty"`
	// Requirements lists the pip requirements files, relative to the context. When neither
	// this nor dependencies.from is set, the dependency file is detected (see Dependencies).
	// An empty list skips pip.
	Requirements []string `yaml:"requirements,omitempty" json:"requirements,omitempty"`
	// Dependencies says where the packages come from (a lock file, pyproject.toml or
	// requirements files) and which groups and extras every target installs.
	Dependencies *Dependencies `yaml:"dependencies,omitempty" json:"dependencies,omitempty"`
	// Pip sets the options of the pip install step.
	Pip *Pip `yaml:"pip,omitempty" json:"pip,omitempty"`
	// SystemPackages are Debian or Ubuntu packages every target installs with apt, in a layer
	// of their own on the base image, before the virtualenv ("libgomp1", "libpq5=15.*").
	// apt's lists and downloads stay in cache mounts, never in the image. A target's own
	// system-packages add to these.
	SystemPackages []string `yaml:"system-packages,omitempty" json:"system-packages,omitempty"`
	// BuildPackages are Debian or Ubuntu packages present only where pip runs (compilers,
	// -dev headers), so packages built from source compile; they are in no layer of any
	// image: only what pip writes, the virtualenv, is.
	BuildPackages []string `yaml:"build-packages,omitempty" json:"build-packages,omitempty"`
	// Run lists commands every target runs at build time after the dependencies are
	// installed and before the code is copied (fetching NLTK data, a tokenizer or weights),
	// each a step and a layer of its own, as the target's user in its working directory,
	// with the image's environment. A code edit does not run them again. A target's own run
	// steps follow these.
	Run []RunStep `yaml:"run,omitempty" json:"run,omitempty"`
	// Env is added to every target's environment.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
	// Labels are added to every target's image config.
	Labels map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	// DefaultTarget is built when no --target is given. Default "inference".
	DefaultTarget string `yaml:"default-target,omitempty" json:"default-target,omitempty"`
	// Targets are the images this spec builds, by name. "training" and "inference" always
	// exist (with the defaults documented in docs/spec.md); a key here overrides their fields
	// or adds a new target.
	Targets map[string]*Target `yaml:"targets,omitempty" json:"targets,omitempty"`

	// File is the name of the spec file, for messages.
	File string `yaml:"-" json:"-"`
	// Source is the spec file's bytes.
	Source []byte `yaml:"-" json:"-"`
	pos    map[string]Range
}

// Dependencies says where the packages installed into the virtualenv come from.
type Dependencies struct {
	// From is the file the dependencies are read from, relative to the context: a PEP 751
	// pylock.toml (or pylock.<name>.toml), a uv.lock, a poetry.lock, a pyproject.toml, or a
	// requirements file (*.txt). Locks are installed exactly: the frontend evaluates their
	// markers for the target platform and the base image's Python and runs
	// pip install --no-deps --require-hashes on the pins. Default: with "requirements" set,
	// those files; else the first of pylock.toml, uv.lock, poetry.lock, requirements.txt,
	// pyproject.toml found in the context.
	From string `yaml:"from,omitempty" json:"from,omitempty"`
	// Groups are dependency groups (PEP 735 [dependency-groups], uv's dev groups, poetry
	// groups) every target installs besides the main dependencies. Default none.
	Groups []string `yaml:"groups,omitempty" json:"groups,omitempty"`
	// Extras are the project's optional-dependency extras every target installs.
	Extras []string `yaml:"extras,omitempty" json:"extras,omitempty"`
	// Members are the uv workspace members every target installs (by name, as the root
	// pyproject.toml's [tool.uv.workspace] finds them): each is built from the context as
	// a wheel in a layer of its own, like project, with the packages the lock resolves for
	// it, and the members it depends on. A workspace whose root has no [project] installs
	// only the members named. Default none.
	Members []string `yaml:"members,omitempty" json:"members,omitempty"`
	// Project builds the project itself (the pyproject.toml next to From, which needs a
	// [build-system]) as a wheel and installs it, not editable, after the dependencies, in a
	// layer of its own that a code edit re-runs without touching the dependency layers.
	// Default false.
	Project *bool `yaml:"project,omitempty" json:"project,omitempty"`
	// Layers is how a lock's packages are laid out: "packages" (default) puts each
	// package in a layer of its own (beyond 64 packages, the 32 largest, and the rest in 32
	// groups chosen by name), so a change of one package rebuilds, pushes and pulls only its
	// layer; "single" installs them all in
	// one layer. Requirements files name no exact set: they get one layer unless this is set
	// to "packages" explicitly, which first runs pip install --dry-run --report to learn the
	// set (one more pip run on a cold cache, not carried by a registry cache). A
	// pyproject.toml without a lock and builders without merge and diff ops always get one
	// layer.
	Layers string `yaml:"layers,omitempty" json:"layers,omitempty"`
}

// TargetDependencies are the groups and extras one target installs on top of the spec's.
type TargetDependencies struct {
	// Groups are installed by this target besides the spec's dependencies.groups.
	Groups []string `yaml:"groups,omitempty" json:"groups,omitempty"`
	// Extras are installed by this target besides the spec's dependencies.extras.
	Extras []string `yaml:"extras,omitempty" json:"extras,omitempty"`
	// Members are the uv workspace members this target installs besides the spec's
	// dependencies.members.
	Members []string `yaml:"members,omitempty" json:"members,omitempty"`
}

// User is the account a container runs as.
type User struct {
	// Name of the account, written to /etc/passwd. Default "app".
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// UID of the account. Default 10001. 0 means root.
	UID *int `yaml:"uid,omitempty" json:"uid,omitempty"`
	// GID of the account's group. Default: the uid.
	GID *int `yaml:"gid,omitempty" json:"gid,omitempty"`
}

// Python configures the virtual environment.
type Python struct {
	// Venv is where the virtual environment is created. Default "/opt/venv".
	Venv string `yaml:"venv,omitempty" json:"venv,omitempty"`
	// SystemSitePackages makes the venv see the base image's site-packages, so packages the
	// base already ships are not downloaded again. Default true.
	SystemSitePackages *bool `yaml:"system-site-packages,omitempty" json:"system-site-packages,omitempty"`
}

// Pip holds the options of the pip install step.
type Pip struct {
	// IndexURL replaces PyPI (pip --index-url). Must not carry credentials: use Secrets.
	IndexURL string `yaml:"index-url,omitempty" json:"index-url,omitempty"`
	// ExtraIndexURLs are searched too (pip --extra-index-url).
	ExtraIndexURLs []string `yaml:"extra-index-urls,omitempty" json:"extra-index-urls,omitempty"`
	// FindLinks are extra places to look for archives (pip --find-links).
	FindLinks []string `yaml:"find-links,omitempty" json:"find-links,omitempty"`
	// TrustedHosts may be reached over plain HTTP (pip --trusted-host).
	TrustedHosts []string `yaml:"trusted-hosts,omitempty" json:"trusted-hosts,omitempty"`
	// Args are extra arguments to pip install.
	Args []string `yaml:"args,omitempty" json:"args,omitempty"`
	// Secrets are BuildKit secrets made available to pip only, for private indexes.
	Secrets []PipSecret `yaml:"secrets,omitempty" json:"secrets,omitempty"`
}

// PipSecret exposes one BuildKit secret (docker buildx build --secret id=ID,...) to the pip
// step, as an environment variable or a file. It never reaches a layer or the image config.
type PipSecret struct {
	// ID of the BuildKit secret.
	ID string `yaml:"id" json:"id"`
	// Env names the environment variable that holds the secret's value, e.g. PIP_INDEX_URL.
	Env string `yaml:"env,omitempty" json:"env,omitempty"`
	// Target is the file path the secret is mounted at when Env is not set.
	// Default /run/secrets/<id>.
	Target string `yaml:"target,omitempty" json:"target,omitempty"`
	// Optional lets the build go on when the secret is not provided. Default false.
	Optional bool `yaml:"optional,omitempty" json:"optional,omitempty"`
}

// RunStep is a command run at build time. Written as a string or a list, it is the command
// alone (shell or exec form).
type RunStep struct {
	// Name describes the step in the build's progress. Default: the command.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Command is what runs: a string runs in /bin/sh -c, a list is exec form.
	Command *Command `yaml:"command,omitempty" json:"command,omitempty"`
	// Secrets are BuildKit secrets made available to this step only, as to pip
	// (pip.secrets): never in a layer, the image config or its history.
	Secrets []PipSecret `yaml:"secrets,omitempty" json:"secrets,omitempty"`
	// Cache lists absolute directories kept between builds as cache mounts (owned by the
	// target's user), e.g. a download cache; what the step writes there is in no layer.
	Cache []string `yaml:"cache,omitempty" json:"cache,omitempty"`

	// Path is where the step is written in the file ("run[0]", "targets.training.run[1]").
	Path string `yaml:"-" json:"-"`
}

// Target is one image.
type Target struct {
	// Description is shown by docker buildx build --call targets.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Extends names a target whose fields this one starts from.
	Extends string `yaml:"extends,omitempty" json:"extends,omitempty"`
	// Base is this target's base image, instead of the spec's base (a CUDA image to train,
	// a slim one to serve). Pinned to its digest and recorded in labels like the spec's.
	Base string `yaml:"base,omitempty" json:"base,omitempty"`
	// SystemPackages are Debian or Ubuntu packages this target installs besides the spec's
	// system-packages.
	SystemPackages []string `yaml:"system-packages,omitempty" json:"system-packages,omitempty"`
	// Run lists build-time commands this target runs after the spec's run steps.
	Run []RunStep `yaml:"run,omitempty" json:"run,omitempty"`
	// Copy lists context paths copied into the working directory, one layer each.
	Copy []Copy `yaml:"copy,omitempty" json:"copy,omitempty"`
	// Command is the image's default command (CMD). A list is exec form; a string runs in /bin/sh -c.
	Command *Command `yaml:"command,omitempty" json:"command,omitempty"`
	// Entrypoint is the image's entrypoint (ENTRYPOINT), same forms as Command.
	Entrypoint *Command `yaml:"entrypoint,omitempty" json:"entrypoint,omitempty"`
	// Env is added to the image environment, over the spec-level env.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
	// Labels are added to the image config, over the spec-level labels.
	Labels map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	// Expose lists ports the image listens on: 8000, "8000/tcp" or "5353/udp".
	Expose []Port `yaml:"expose,omitempty" json:"expose,omitempty"`
	// Healthcheck probes the running container; "none" turns it off.
	Healthcheck *Healthcheck `yaml:"healthcheck,omitempty" json:"healthcheck,omitempty"`
	// User overrides the spec-level user for this target.
	User *User `yaml:"user,omitempty" json:"user,omitempty"`
	// Workdir overrides the spec-level working directory for this target.
	Workdir string `yaml:"workdir,omitempty" json:"workdir,omitempty"`
	// PythonPath is the PYTHONPATH of the image. Default: the working directory.
	PythonPath []string `yaml:"pythonpath,omitempty" json:"pythonpath,omitempty"`
	// Dependencies are the groups and extras this target installs on top of the spec's
	// (e.g. training installs a "train" group that inference does not carry). Targets that
	// install the same set share the same install steps.
	Dependencies *TargetDependencies `yaml:"dependencies,omitempty" json:"dependencies,omitempty"`
	// Writable lists directories (relative to the working directory, or absolute) the user may
	// write, created empty and owned by the user. Default ["models"] for training, none
	// otherwise. A root user (uid 0) needs none, so none are created for it.
	Writable []string `yaml:"writable,omitempty" json:"writable,omitempty"`
	// WritableWorkdir gives the working directory itself to the user, so the code can create
	// new files and folders next to itself (mlflow.db, mlruns/, outputs/, lightning_logs/);
	// what is copied there, the venv and the base stay root's. Default true for training,
	// false otherwise (a server writes only where writable says).
	WritableWorkdir *bool `yaml:"writable-workdir,omitempty" json:"writable-workdir,omitempty"`

	// Test lists commands run inside the built image, at build time, before it is exported
	// (with the image's env, user and working directory, and no network). A failing command
	// fails the build with its output; nothing is exported.
	Test []Command `yaml:"test,omitempty" json:"test,omitempty"`
	// SmokeTest starts the image's command and requires its healthcheck to pass within the
	// start period plus retries*interval before export. Default true for a target with a
	// healthcheck and a command.
	SmokeTest *bool `yaml:"smoke-test,omitempty" json:"smoke-test,omitempty"`

	// Name is the target's key in Targets.
	Name string `yaml:"-" json:"-"`
	// serveDefault marks inference and the targets extending it: without a command they
	// serve src.api:app with uvicorn on the first exposed port.
	serveDefault bool
	// ownSystemPackages are the system packages the target lists itself, for validation.
	ownSystemPackages []string
}

// Copy copies one path of the build context into the image.
type Copy struct {
	// From is the path in the context (or, with Context, in that named build context).
	From string `yaml:"from" json:"from"`
	// To is the destination, relative to the working directory or absolute. Default: From.
	To string `yaml:"to,omitempty" json:"to,omitempty"`
	// Context names a build context (--build-context NAME=...) to copy from instead of the main one.
	Context string `yaml:"context,omitempty" json:"context,omitempty"`
}

// Command is an exec-form or shell-form command.
type Command struct {
	// Args in exec form.
	Args []string
	// Shell is true when the command was written as a string and runs in /bin/sh -c.
	Shell bool
}

// Port is an exposed port with its protocol.
type Port struct {
	Number   int
	Protocol string // tcp, udp or sctp
}

// Duration is a Go duration written as a string ("30s", "1m30s").
type Duration time.Duration

// Healthcheck configures Docker's HEALTHCHECK for the image. When Command is not set, the
// probe is a Python one-liner that GETs http://127.0.0.1:<Port><Path> (slim images have no curl).
type Healthcheck struct {
	// Disabled is true for "healthcheck: none".
	Disabled bool `yaml:"-" json:"-"`
	// Path is the HTTP path probed. Default "/health".
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// Port is the port probed. Default: the first exposed port.
	Port *int `yaml:"port,omitempty" json:"port,omitempty"`
	// Command replaces the HTTP probe with a command; exit 0 means healthy.
	Command *Command `yaml:"command,omitempty" json:"command,omitempty"`
	// Interval between probes. Default 30s.
	Interval *Duration `yaml:"interval,omitempty" json:"interval,omitempty"`
	// Timeout of one probe. Default 5s.
	Timeout *Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// StartPeriod is the grace period after start during which failures do not count. Default 10s.
	StartPeriod *Duration `yaml:"start-period,omitempty" json:"start-period,omitempty"`
	// StartInterval is the interval between probes during the start period. Default 2s.
	StartInterval *Duration `yaml:"start-interval,omitempty" json:"start-interval,omitempty"`
	// Retries is the number of consecutive failures that make the container unhealthy. Default 3.
	Retries *int `yaml:"retries,omitempty" json:"retries,omitempty"`
}

// Pos returns the range of the node at a field path ("targets.inference.expose[0]"), or of
// its nearest ancestor present in the file.
func (s *Spec) Pos(path string) Range {
	c := errs{pos: s.pos}
	return c.lookup(path)
}

// Has reports whether the file itself sets the field at path.
func (s *Spec) Has(path string) bool {
	_, ok := s.pos[path]
	return ok
}

// CopyDest is where a copy entry of t lands: its "to" as written when absolute, else under
// the target's workdir.
func (t *Target) CopyDest(cp Copy) string {
	if path.IsAbs(cp.To) {
		return cp.To
	}
	return path.Join(t.Workdir, cp.To)
}

// TargetNames returns the names of all targets, sorted.
func (s *Spec) TargetNames() []string {
	return sortedKeys(s.Targets)
}
