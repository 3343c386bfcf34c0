package frontend

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/mlbuild/mlbuild/pkg/depsrc"
	"github.com/mlbuild/mlbuild/pkg/llbgraph"
	"github.com/mlbuild/mlbuild/pkg/plan"
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
		if s.Has(spec.TargetPath(name)) {
			tg.Location = b.location(s, spec.TargetPath(name))
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
	files, rerr := b.readFiles(ctx, depsrc.BuildPaths(s), plan.InternalReadDeps)
	d, derr := depsrc.FindForBuild(s, files.read)
	if rerr != nil {
		derr = rerr
	}
	what := depsrc.Describe(s, t, d, derr)
	if base := plan.DescribeBase(s, target); base != "" {
		what = base + "; " + what
	}
	o := &outline.Outline{Name: target, Description: joinDescription(t.Description, what), Sources: [][]byte{b.src.Data}}
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
	if d.Installs(s) {
		o.Cache = append(o.Cache, outline.CacheMount{ID: plan.PipCacheMountID(b.bc.CacheIDNamespace), Location: b.location(s, depsrc.SpecPath(s))})
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

// lint answers --call check: the spec's lint warnings, and those about its dependency files
// (see depsrc.Warning), each located in the file it is about. It reads the files it checks from
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
	files, err := b.readFiles(ctx, depsrc.Paths(s), plan.InternalReadLintFiles)
	if err != nil {
		files = contextFiles{} // nothing could be read: lint what the spec says
	}
	deps, warnings, derr := depsrc.Check(s, files.read)
	for _, w := range warnings {
		src := idx
		if w.File != s.File {
			dt, _ := deps.File(w.File)
			src = res.AddSource(fileSource(w.File, dt))
		}
		res.AddWarning(w.Rule.Name, w.Rule.Description, spec.LintURL, w.Message, src, parserRanges(w.Range))
	}
	if derr != nil {
		res.Error = &lint.BuildError{Message: deps.LintError(derr).Error(), Location: b.lintLocation(res, idx, deps, derr)}
	}
	return res, nil
}

// lintLocation locates a lint build error: in the dependency file it is about (added to the
// sources), else in the spec.
func (b *builder) lintLocation(res *lint.LintResults, specIdx int, d *depsrc.Source, err error) pb.Location {
	list := spec.Located(err)
	if len(list) == 0 {
		return pb.Location{SourceIndex: -1}
	}
	e := list[0]
	idx := specIdx
	if e.File != "" && e.File != b.src.Filename {
		dt, ok := d.File(e.File)
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
