package frontend

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/llbgraph"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/pydeps"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// requestHandler answers --call targets, outline and check ourselves, so buildx never falls
// back to the Dockerfile frontend (which would try to parse YAML as a Dockerfile).
func (b *builder) requestHandler() dockerui.RequestHandler {
	return dockerui.RequestHandler{
		ListTargets: b.listTargets,
		Outline:     b.outline,
		Lint:        b.lint,
		AllowOther:  true, // our own requests are answered by customSubrequest
	}
}

func (b *builder) location(s *spec.Spec, path string) *pb.Location {
	return &pb.Location{SourceIndex: 0, Ranges: []*pb.Range{llbgraph.PBRange(s.Pos(path))}}
}

func (b *builder) listTargets(ctx context.Context) (*targets.List, error) {
	s, err := b.load(nil)
	if err != nil {
		return nil, err
	}
	list := &targets.List{Sources: [][]byte{b.src.Data}}
	for _, name := range s.TargetNames() {
		t := s.Targets[name]
		tg := targets.Target{Name: name, Description: t.Description, Default: name == s.DefaultTarget, Base: s.BaseOf(t)}
		if s.Has("targets." + name) {
			tg.Location = b.location(s, "targets."+name)
		}
		list.Targets = append(list.Targets, tg)
	}
	return list, nil
}

// outline answers --call outline: the target's build arguments, pip secrets and pip cache,
// and, after its description (outline has no field of its own for it, and buildx prints
// the description), where its dependencies come from. That costs one small read of the
// context (the dependency files only), no image and no resolution.
func (b *builder) outline(ctx context.Context) (*outline.Outline, error) {
	s, target, err := b.loadTarget(nil)
	if err != nil {
		return nil, err
	}
	t := s.Targets[target]
	d, derr := b.readDeps(ctx, s)
	what := describeDeps(s, t, d, derr)
	if base := plan.DescribeBase(s, target); base != "" {
		what = base + "; " + what
	}
	desc := joinDescription(t.Description, what)
	o := &outline.Outline{Name: target, Description: desc, Sources: [][]byte{b.src.Data}}
	for _, k := range slices.Sorted(maps.Keys(s.Args)) {
		a := outline.Arg{Name: k, Value: s.Args[k]}
		if v, ok := b.bc.BuildArgs[k]; ok {
			a.Value = v
		}
		a.Location = b.location(s, "args."+k)
		o.Args = append(o.Args, a)
	}
	for i, sec := range s.Pip.Secrets {
		o.Secrets = append(o.Secrets, outline.Secret{Name: sec.ID, Required: !sec.Optional, Location: b.location(s, fmt.Sprintf("pip.secrets[%d]", i))})
	}
	for _, r := range t.Run {
		for i, sec := range r.Secrets {
			o.Secrets = append(o.Secrets, outline.Secret{Name: sec.ID, Required: !sec.Optional, Location: b.location(s, fmt.Sprintf("%s.secrets[%d]", r.Path, i))})
		}
	}
	if installs(s, d) {
		o.Cache = append(o.Cache, outline.CacheMount{ID: plan.PipCacheMountID(b.bc.CacheIDNamespace), Location: b.location(s, depsPath(s))})
	}
	return o, nil
}

// joinDescription appends what to a target's description.
func joinDescription(desc, what string) string {
	if desc == "" {
		return what
	}
	return desc + " — " + what
}

// describeDeps says where target t's dependencies come from, for the outline:
// "dependencies: uv.lock (detected; groups: train; extras: gpu; project installed)". A
// source the build could not use is still named (as found, or as the spec names it); --call
// check and the build say why.
func describeDeps(s *spec.Spec, t *spec.Target, d *depFiles, err error) string {
	files, named := s.DependencyFiles()
	var notes []string
	source := ""
	switch {
	case d == nil && !named:
		return "dependencies: none found (see --call check)"
	case d == nil:
		source = strings.Join(files, " ")
	case d.kind == spec.SourceRequirements && len(d.requirements) == 0:
		source = "none (requirements: [])"
	default:
		source = d.source
		if !named {
			notes = append(notes, "detected")
		}
	}
	if err != nil {
		notes = append(notes, "unusable: see --call check")
	}
	groups, extras := s.Selection(t)
	if len(groups) > 0 {
		notes = append(notes, "groups: "+strings.Join(groups, ", "))
	}
	if len(extras) > 0 {
		notes = append(notes, "extras: "+strings.Join(extras, ", "))
	}
	if s.InstallsProject() {
		notes = append(notes, "project installed")
	}
	if len(notes) == 0 {
		return "dependencies: " + source
	}
	return "dependencies: " + source + " (" + strings.Join(notes, "; ") + ")"
}

// installs reports whether the target runs pip (and so uses pip's cache mount).
func installs(s *spec.Spec, d *depFiles) bool {
	switch {
	case s.InstallsProject():
		return true
	case d == nil:
		files, named := s.DependencyFiles()
		return !named || len(files) > 0
	}
	return d.kind != spec.SourceRequirements || len(d.requirements) > 0
}

// depsPath is the spec path that says where the dependencies come from.
func depsPath(s *spec.Spec) string {
	for _, p := range []string{"requirements", "dependencies.from", "dependencies"} {
		if s.Has(p) {
			return p
		}
	}
	return "requirements"
}

// lint answers --call check: the spec's lint warnings, and those about its dependency files
// (see DepWarning), each located in the file it is about. It reads the files it checks from
// the context in one small solve; a dependency file the build could not read or parse is
// the lint's build error, located in that file.
func (b *builder) lint(ctx context.Context) (*lint.LintResults, error) {
	res := &lint.LintResults{}
	idx := res.AddSource(b.src.SourceMap)
	s, err := b.load(nil)
	if err != nil {
		res.Error = &lint.BuildError{Message: err.Error()}
		return res, nil
	}
	files := b.readLintFiles(ctx, s)
	deps, derr := FindDeps(s, func(p string) ([]byte, bool) { dt, ok := files[p]; return dt, ok })
	if derr == nil {
		derr = deps.CheckSelection(s)
	}
	for _, w := range spec.Lint(s, deps.Requirements()) {
		res.AddWarning(w.Rule, w.Description, w.URL, w.Message, idx, parserRanges(w.Range))
	}
	for _, w := range deps.Lint(s) {
		src := idx
		if w.File != s.File {
			src = res.AddSource(fileSource(w.File, deps.files[w.File]))
		}
		res.AddWarning(w.Rule, w.Description, lintURL, w.Message, src, parserRanges(w.Range))
	}
	if derr != nil {
		res.Error = &lint.BuildError{Message: deps.LintError(derr).Error(), Location: b.lintLocation(res, idx, deps, derr)}
	}
	return res, nil
}

// lintURL documents the lint rules.
const lintURL = "https://github.com/mlbuild/mlbuild/blob/main/docs/spec.md#lint-warnings"

// readLintFiles reads, in one solve limited to them, the files lint checks: the dependency
// files (see DepPaths). Files that cannot be read are left out.
func (b *builder) readLintFiles(ctx context.Context, s *spec.Spec) map[string][]byte {
	out := map[string][]byte{}
	paths := DepPaths(s)
	ref, err := b.readContext(ctx, paths, "read the requirements and dependency files")
	if err != nil {
		return out
	}
	for _, p := range paths {
		if dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: p}); err == nil {
			out[p] = dt
		}
	}
	return out
}

// lintLocation locates a lint build error: in the dependency file it is about (added to the
// sources), else in the spec.
func (b *builder) lintLocation(res *lint.LintResults, specIdx int, d *Deps, err error) pb.Location {
	var e *spec.Error
	var list spec.Errors
	switch {
	case errors.As(err, &list) && len(list) > 0:
		e = list[0]
	case errors.As(err, &e):
	default:
		return pb.Location{SourceIndex: -1}
	}
	idx := specIdx
	if e.File != "" && e.File != b.src.Filename {
		dt, ok := d.files[e.File]
		if !ok {
			return pb.Location{SourceIndex: -1}
		}
		idx = res.AddSource(fileSource(e.File, dt))
	}
	return pb.Location{SourceIndex: int32(idx), Ranges: []*pb.Range{llbgraph.PBRange(e.Range)}}
}

// fileSource is a dependency file as a lint source.
func fileSource(name string, dt []byte) *llb.SourceMap {
	sm := llb.NewSourceMap(nil, name, "toml", dt)
	if spec.SourceKind(name) == spec.SourceRequirements {
		sm.Language = "text"
	}
	sm.Definition = &llb.Definition{} // lint.AddSource reads it
	return sm
}

// parserRanges is a spec range as lint ranges count: lines from 1, characters from 0.
func parserRanges(r spec.Range) []parser.Range {
	pr := llbgraph.PBRange(r)
	return []parser.Range{{
		Start: parser.Position{Line: int(pr.Start.Line), Character: int(pr.Start.Character)},
		End:   parser.Position{Line: int(pr.End.Line), Character: int(pr.End.Character)},
	}}
}

// Deps are the dependency files of a build context, found and parsed as a build finds and
// parses them (the spec's source, else the first of spec.DetectOrder the context has), from
// files read by the caller: the frontend's lint reads them from the context, the CLI
// (frontend lint, frontend dockerfile) from the spec's directory.
type Deps struct {
	d *depFiles
	// files are the files found, by path in the context: the dependency files, and the
	// locks DepPaths adds for lint.
	files map[string][]byte
}

// DepPaths are the paths of the context FindDeps reads for s: the spec's dependency source
// (the requirements files it names, or every file of spec.DetectOrder) with the
// pyproject.toml and .python-version beside it, and, where the spec names requirements
// files or a pyproject.toml, the locks lint looks for beside them.
func DepPaths(s *spec.Spec) []string {
	var out []string
	add := func(ps ...string) {
		for _, p := range ps {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	if files, named := s.DependencyFiles(); named && len(files) > 0 && spec.SourceKind(files[0]) == spec.SourceRequirements {
		add(files...)
	}
	_, want := depPaths(s)
	add(want...)
	add(lockCandidates(s)...)
	return out
}

// FindDeps finds and parses the dependency files of s with read, which returns a file of the
// build context by its slash-separated path, or false when the context has no such file.
// Its errors are those of a build: the spec's source missing, or nothing found (located in
// the spec), a dependency file that does not parse or a stale lock (located in that file).
// The Deps it returns are never nil: on error they hold the files read and what could be
// parsed, for Lint and File; Kind, Source and Resolve need a FindDeps without error.
func FindDeps(s *spec.Spec, read func(path string) ([]byte, bool)) (*Deps, error) {
	out := &Deps{files: map[string][]byte{}}
	for _, p := range DepPaths(s) {
		if dt, ok := read(p); ok {
			out.files[p] = dt
		}
	}
	d, err := pickDeps(s, out.files)
	out.d = d // on error, parsed as far as it went (nil when no source was found)
	return out, err
}

// CheckSelection is an error, located at the spec's list item with the closest name, for
// each group or extra of the spec and of the targets named (every target when none is) that
// the dependency source does not have. It needs a FindDeps without error.
func (d *Deps) CheckSelection(s *spec.Spec, targets ...string) error {
	return d.d.checkSelection(s, targets...)
}

// Kind is the kind of the dependency source, one of spec.Source*.
func (d *Deps) Kind() string { return d.d.kind }

// Source is the file the dependencies come from (the requirements files, space-separated).
func (d *Deps) Source() string { return d.d.source }

// File is a file FindDeps read, for showing the lines of an error located in it.
func (d *Deps) File(p string) ([]byte, bool) {
	dt, ok := d.files[p]
	return dt, ok
}

// Resolve is target's plan.Deps for platform p and the base image's Python version python
// (unused for requirements files), as a build resolves it.
func (d *Deps) Resolve(s *spec.Spec, target string, p ocispecs.Platform, python string) (*plan.Deps, error) {
	t := s.Targets[target]
	if t == nil {
		return nil, s.UnknownTarget(target)
	}
	return d.d.resolve(s, t, p, python)
}

// Requirements are the requirements files the build installs, as read, for the spec's
// UnpinnedRequirement rule (spec.Lint): none when the dependencies come from a lock or a
// pyproject.toml.
func (d *Deps) Requirements() map[string][]byte {
	out := map[string][]byte{}
	if d.d == nil || d.d.kind != spec.SourceRequirements {
		return out
	}
	for _, r := range d.d.requirements {
		if dt, ok := d.files[r]; ok {
			out[r] = dt
		}
	}
	return out
}

// DepWarning is a lint warning about the dependency files, located in the file it is about:
// the spec (File is the spec's file name) or a dependency file (its path in the context).
type DepWarning struct {
	Rule, Description, Message string
	File                       string
	Range                      spec.Range
}

// The rules of the dependency lint.
const (
	// RuleStaleLock: pyproject.toml declares what the lock does not record
	// (pydeps.StaleErrors); builds refuse such a lock.
	RuleStaleLock = "StaleLock"
	// RuleLockNotUsed: the context has a lock, but the spec installs from requirements files
	// or a pyproject.toml.
	RuleLockNotUsed = "LockNotUsed"
)

// Lint returns the warnings about the dependency files: each difference between a lock and
// the pyproject.toml beside it (pydeps.StaleErrors), located in the file it is about; and a
// lock that the spec's source (requirements files, a pyproject.toml) leaves unused, located
// at the spec's source. It works on what FindDeps could parse, also when it failed.
func (d *Deps) Lint(s *spec.Spec) []DepWarning {
	var out []DepWarning
	if d.d == nil {
		return out
	}
	for _, e := range d.stale() {
		msg := e.Msg
		if e.Path != "" {
			msg = e.Path + ": " + msg
		}
		out = append(out, DepWarning{Rule: RuleStaleLock, File: e.File, Range: e.Range, Message: msg,
			Description: "The lock does not record what pyproject.toml declares: builds refuse it until it is locked again."})
	}
	for _, l := range lockCandidates(s) {
		if _, ok := d.files[l]; ok {
			fix := "set dependencies.from: " + l
			if s.Has("requirements") {
				fix += " and remove requirements"
			}
			out = append(out, DepWarning{Rule: RuleLockNotUsed, File: s.File, Range: s.Locate(depsPath(s)),
				Description: "A lock is in the build context, but the spec installs from another file: the lock's versions and hashes are not used.",
				Message:     fmt.Sprintf("%s is in the context but dependencies come from %s; to install the lock, %s", l, d.d.source, fix)})
		}
	}
	return out
}

// stale are the differences between the lock and its pyproject.toml.
func (d *Deps) stale() spec.Errors {
	if d.d == nil || d.d.lock == nil || d.d.project == nil {
		return nil
	}
	return pydeps.StaleErrors(d.d.project, d.d.lock)
}

// LintError is how lint reports FindDeps's error err: for a lock out of date with its
// pyproject.toml, one sentence (Lint has a warning for each difference); else err itself.
func (d *Deps) LintError(err error) error {
	if n := len(d.stale()); n > 0 && err != nil {
		what := "differences"
		if n == 1 {
			what = "difference"
		}
		return fmt.Errorf("%s is out of date with %s (%d %s): builds refuse it until it is locked again",
			d.d.source, path.Join(path.Dir(d.d.source), "pyproject.toml"), n, what)
	}
	return err
}

// lockCandidates are the locks lint looks for when the spec names requirements files or a
// pyproject.toml as the source: those of spec.DetectOrder in the context's root and beside
// the source.
func lockCandidates(s *spec.Spec) []string {
	files, named := s.DependencyFiles()
	if !named || len(files) == 0 {
		return nil
	}
	if k := spec.SourceKind(files[0]); k != spec.SourceRequirements && k != spec.SourcePyproject {
		return nil
	}
	var out []string
	for _, dir := range []string{".", path.Dir(files[0])} {
		for _, f := range spec.DetectOrder {
			if p := path.Join(dir, f); isLock(p) && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

func isLock(p string) bool {
	switch spec.SourceKind(p) {
	case spec.SourcePylock, spec.SourceUVLock, spec.SourcePoetryLock:
		return true
	}
	return false
}

// RequestSchema is the subrequest that returns the JSON schema of the spec
// (buildctl build ... --opt requestid=frontend.mlbuild.schema).
const RequestSchema = "frontend.mlbuild.schema"

func (b *builder) customSubrequest(req string) (*gwclient.Result, error) {
	if req != RequestSchema {
		return nil, errdefs.NewUnsupportedSubrequestError(req)
	}
	dt, err := spec.Schema()
	if err != nil {
		return nil, err
	}
	res := gwclient.NewResult()
	res.AddMeta("result.json", dt)
	res.AddMeta("result.txt", dt)
	res.AddMeta("version", []byte("1"))
	return res, nil
}
