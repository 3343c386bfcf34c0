package spec

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults of the format. docs/spec.md repeats them; keep the two in step.
const (
	DefaultBase          = "python:3.10-slim"
	DefaultWorkdir       = "/app"
	DefaultVenv          = "/opt/venv"
	DefaultUserName      = "app"
	DefaultUID           = 10001
	DefaultRequirements  = "requirements.txt"
	DefaultHealthPath    = "/health"
	DefaultTarget        = "inference"
	DefaultInferencePort = 8000
)

// Healthcheck defaults.
var (
	DefaultInterval      = Duration(30 * time.Second)
	DefaultTimeout       = Duration(5 * time.Second)
	DefaultStartPeriod   = Duration(10 * time.Second)
	DefaultStartInterval = Duration(2 * time.Second)
	DefaultRetries       = 3
)

// builtinTargets returns fresh copies of the two targets every spec has.
func builtinTargets() map[string]*Target {
	return map[string]*Target{
		"training": {
			Description: "Training image: runs python -m src.train",
			Copy:        []Copy{{From: "src"}, {From: "configs"}},
			Command:     &Command{Args: []string{"python", "-m", "src.train"}},
			Writable:    []string{"models"},
			// Training code writes next to itself (MLflow's mlruns/, Hydra's outputs/,
			// lightning_logs/): the workdir is the user's, the code in it stays root's.
			WritableWorkdir: ptr(true),
		},
		"inference": {
			Description:  "Inference image: serves src.api:app with uvicorn",
			Copy:         []Copy{{From: "src"}, {From: "configs"}, {From: "models"}},
			Expose:       []Port{{Number: DefaultInferencePort, Protocol: "tcp"}},
			Healthcheck:  &Healthcheck{},
			serveDefault: true,
		},
	}
}

// applyDefaults fills what the file leaves out: top-level defaults, the builtin targets,
// what each target inherits from the one it extends, and the rest of every target.
func applyDefaults(s *Spec, c *errs) {
	applyTopLevelDefaults(s)
	declared := s.Targets
	s.Targets = builtinTargets()
	resolveTargets(s, c, declared)
	for _, name := range sortedKeys(s.Targets) {
		finishTarget(s, s.Targets[name])
	}
	if s.DefaultTarget == "" {
		s.DefaultTarget = DefaultTarget
	}
}

// applyTopLevelDefaults fills the top-level fields the file leaves out.
func applyTopLevelDefaults(s *Spec) {
	if s.Base == "" {
		s.Base = DefaultBase
	}
	if s.Workdir == "" {
		s.Workdir = DefaultWorkdir
	}
	s.User = mergeUser(&User{Name: DefaultUserName, UID: ptr(DefaultUID)}, s.User)
	if s.Python == nil {
		s.Python = &Python{}
	}
	if s.Python.Venv == "" {
		s.Python.Venv = DefaultVenv
	}
	if s.Python.SystemSitePackages == nil {
		s.Python.SystemSitePackages = ptr(true)
	}
	if s.Requirements == nil {
		s.Requirements = []string{DefaultRequirements}
	}
	if s.Dependencies == nil {
		s.Dependencies = &Dependencies{}
	}
	if s.Dependencies.Layers == "" {
		s.Dependencies.Layers = LayersPackages
	}
	if s.Pip == nil {
		s.Pip = &Pip{}
	}
	defaultSecrets(s.Pip.Secrets)
	for i := range s.Run {
		s.Run[i].Path = fmt.Sprintf("run[%d]", i)
		defaultSecrets(s.Run[i].Secrets)
	}
}

// defaultSecrets mounts a secret with neither env nor target at /run/secrets/<id>.
func defaultSecrets(list []PipSecret) {
	for i := range list {
		if sec := &list[i]; sec.Env == "" && sec.Target == "" {
			sec.Target = "/run/secrets/" + sec.ID
		}
	}
}

// resolveTargets sets s.Targets to the builtin targets (already there) overlaid with the
// declared ones, each on top of the target it extends.
func resolveTargets(s *Spec, c *errs, declared map[string]*Target) {
	for _, name := range sortedKeys(declared) {
		if declared[name] == nil { // "targets: {training: }" keeps the defaults
			declared[name] = &Target{}
		}
		for i := range declared[name].Run {
			declared[name].Run[i].Path = fmt.Sprintf("targets.%s.run[%d]", name, i)
			defaultSecrets(declared[name].Run[i].Secrets)
		}
	}
	r := &resolver{s: s, c: c, declared: declared, resolved: map[string]bool{}, cycleReported: map[string]bool{}}
	for _, name := range allTargetNames(declared) {
		r.resolve(name, nil)
	}
}

// resolver resolves "extends", each target once, reporting unknown targets and cycles.
type resolver struct {
	s        *Spec
	c        *errs
	declared map[string]*Target
	// resolved targets are final in s.Targets; cycleReported members have had their error.
	resolved, cycleReported map[string]bool
}

// resolve returns the target name, overlaid on what it extends; stack is the extends chain
// that led to it.
func (r *resolver) resolve(name string, stack []string) *Target {
	if r.resolved[name] {
		return r.s.Targets[name]
	}
	if r.reportCycle(name, stack) {
		return &Target{}
	}
	user := r.declared[name]
	t := overlay(r.base(name, user, stack), user)
	t.Name = name
	r.s.Targets[name] = t
	r.resolved[name] = true
	return t
}

// reportCycle reports whether name is already on stack, recording the cycle once per member.
func (r *resolver) reportCycle(name string, stack []string) bool {
	for i, n := range stack {
		if n == name {
			cycle := append(slices.Clone(stack[i:]), name)
			for _, member := range stack[i:] {
				if !r.cycleReported[member] {
					r.c.at(TargetPath(member, "extends"), "extends forms a cycle: %s", strings.Join(cycle, " -> "))
					r.cycleReported[member] = true
				}
			}
			return true
		}
	}
	return false
}

// base returns what the target's own fields overlay: the target it extends, else its
// builtin, else a target that copies src and configs.
func (r *resolver) base(name string, user *Target, stack []string) *Target {
	base := r.s.Targets[name]
	if base == nil {
		base = &Target{Copy: []Copy{{From: "src"}, {From: "configs"}}}
	}
	if user == nil || user.Extends == "" {
		return base
	}
	if r.declared[user.Extends] == nil && r.s.Targets[user.Extends] == nil {
		r.c.at(TargetPath(name, "extends"), "unknown target %q%s", user.Extends, suggest(user.Extends, allTargetNames(r.declared)))
		return base
	}
	base = clone(r.resolve(user.Extends, append(stack, name)))
	base.Description = ""
	return base
}

// finishTarget fills the fields that depend on the rest of the spec.
func finishTarget(s *Spec, t *Target) {
	if t.Workdir == "" {
		t.Workdir = s.Workdir
	}
	if t.Base == "" {
		t.Base = s.Base
	}
	t.ownSystemPackages = t.SystemPackages
	t.SystemPackages = union(s.SystemPackages, t.SystemPackages)
	t.Run = append(slices.Clone(s.Run), t.Run...)
	t.User = mergeUser(s.User, t.User)
	if t.PythonPath == nil {
		t.PythonPath = []string{t.Workdir}
	}
	env := maps.Clone(s.Env)
	if env == nil {
		env = map[string]string{}
	}
	maps.Copy(env, t.Env)
	t.Env = env
	labels := maps.Clone(s.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, t.Labels)
	t.Labels = labels
	for i := range t.Copy {
		if t.Copy[i].To == "" {
			t.Copy[i].To = t.Copy[i].From
		}
	}
	port := 0
	if len(t.Expose) > 0 {
		port = t.Expose[0].Number
	}
	if t.Command == nil && t.Entrypoint == nil && t.serveDefault && port != 0 {
		// The venv's python runs the server: a uvicorn console script on PATH may be the
		// base image's own, run by a Python that does not see the venv's packages.
		t.Command = &Command{Args: []string{"python", "-m", "uvicorn", "src.api:app", "--host", "0.0.0.0", "--port", strconv.Itoa(port)}}
	}
	if t.WritableWorkdir == nil {
		t.WritableWorkdir = ptr(false)
	}
	if t.SmokeTest == nil {
		t.SmokeTest = ptr(t.Healthcheck != nil && !t.Healthcheck.Disabled && (t.Command != nil || t.Entrypoint != nil))
	}
	if h := t.Healthcheck; h != nil && !h.Disabled {
		if h.Path == "" {
			h.Path = DefaultHealthPath
		}
		if h.Port == nil && port != 0 {
			h.Port = ptr(port)
		}
		h.Interval = orDefault(h.Interval, DefaultInterval)
		h.Timeout = orDefault(h.Timeout, DefaultTimeout)
		h.StartPeriod = orDefault(h.StartPeriod, DefaultStartPeriod)
		h.StartInterval = orDefault(h.StartInterval, DefaultStartInterval)
		h.Retries = orDefault(h.Retries, DefaultRetries)
	}
}

// overlay returns base with every field the user set replaced (env and labels are merged,
// healthcheck fields are overlaid one by one).
func overlay(base, user *Target) *Target {
	t := clone(base)
	if user == nil {
		return t
	}
	if user.Description != "" {
		t.Description = user.Description
	}
	t.Extends = user.Extends
	if user.Base != "" {
		t.Base = user.Base
	}
	if user.SystemPackages != nil {
		t.SystemPackages = user.SystemPackages
	}
	if user.Run != nil {
		t.Run = user.Run
	}
	if user.Copy != nil {
		t.Copy = user.Copy
	}
	if user.Command != nil {
		t.Command = user.Command
	}
	if user.Entrypoint != nil {
		t.Entrypoint = user.Entrypoint
	}
	if user.Env != nil {
		if t.Env == nil {
			t.Env = map[string]string{}
		}
		maps.Copy(t.Env, user.Env)
	}
	if user.Labels != nil {
		if t.Labels == nil {
			t.Labels = map[string]string{}
		}
		maps.Copy(t.Labels, user.Labels)
	}
	if user.Expose != nil {
		t.Expose = user.Expose
	}
	if uh := user.Healthcheck; uh != nil {
		if uh.Disabled || t.Healthcheck == nil || t.Healthcheck.Disabled {
			h := *uh
			t.Healthcheck = &h
		} else {
			h := *t.Healthcheck
			if uh.Path != "" {
				h.Path = uh.Path
			}
			h.Port = firstSet(uh.Port, h.Port)
			if uh.Command != nil {
				h.Command = uh.Command
			}
			h.Interval = firstSet(uh.Interval, h.Interval)
			h.Timeout = firstSet(uh.Timeout, h.Timeout)
			h.StartPeriod = firstSet(uh.StartPeriod, h.StartPeriod)
			h.StartInterval = firstSet(uh.StartInterval, h.StartInterval)
			h.Retries = firstSet(uh.Retries, h.Retries)
			t.Healthcheck = &h
		}
	}
	if user.User != nil {
		t.User = mergeUser(t.User, user.User)
	}
	if user.Workdir != "" {
		t.Workdir = user.Workdir
	}
	if user.PythonPath != nil {
		t.PythonPath = user.PythonPath
	}
	if user.Writable != nil {
		t.Writable = user.Writable
	}
	if user.Dependencies != nil {
		t.Dependencies = user.Dependencies
	}
	if user.Test != nil {
		t.Test = user.Test
	}
	if user.SmokeTest != nil {
		t.SmokeTest = user.SmokeTest
	}
	if user.WritableWorkdir != nil {
		t.WritableWorkdir = user.WritableWorkdir
	}
	return t
}

func mergeUser(base, over *User) *User {
	u := &User{}
	if base != nil {
		*u = *base
	}
	if over == nil {
		over = &User{}
	}
	if over.Name != "" {
		u.Name = over.Name
	}
	if over.UID != nil {
		u.UID = over.UID
		if over.GID == nil {
			u.GID = nil
		}
		if over.Name == "" && *over.UID == 0 {
			u.Name = "root"
		}
	}
	if over.GID != nil {
		u.GID = over.GID
	}
	if u.GID == nil && u.UID != nil {
		u.GID = ptr(*u.UID)
	}
	return u
}

func clone(t *Target) *Target {
	c := *t
	c.Copy = append([]Copy(nil), t.Copy...)
	c.Expose = append([]Port(nil), t.Expose...)
	c.Env = maps.Clone(t.Env)
	c.Labels = maps.Clone(t.Labels)
	c.Writable = append([]string(nil), t.Writable...)
	c.Test = append([]Command(nil), t.Test...)
	c.SystemPackages = slices.Clone(t.SystemPackages)
	c.Run = slices.Clone(t.Run)
	c.PythonPath = append([]string(nil), t.PythonPath...)
	if t.PythonPath == nil {
		c.PythonPath = nil
	}
	if t.Healthcheck != nil {
		h := *t.Healthcheck
		c.Healthcheck = &h
	}
	return &c
}

func allTargetNames(declared map[string]*Target) []string {
	names := map[string]bool{"training": true, "inference": true}
	for n := range declared {
		names[n] = true
	}
	return sortedKeys(names)
}

func ptr[T any](v T) *T { return &v }

// union is a then the members of b that a lacks, each once, in order.
func union(a, b []string) []string {
	var out []string
	for _, v := range append(slices.Clone(a), b...) {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func orDefault[T any](p *T, def T) *T {
	if p == nil {
		return ptr(def)
	}
	return p
}

func firstSet[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}
