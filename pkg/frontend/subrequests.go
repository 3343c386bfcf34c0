package frontend

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/mlbuild/mlbuild/pkg/llbgraph"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/spec"
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
		tg := targets.Target{Name: name, Description: t.Description, Default: name == s.DefaultTarget, Base: s.Base}
		if s.Has("targets." + name) {
			tg.Location = b.location(s, "targets."+name)
		}
		list.Targets = append(list.Targets, tg)
	}
	return list, nil
}

func (b *builder) outline(ctx context.Context) (*outline.Outline, error) {
	s, target, err := b.loadTarget(nil)
	if err != nil {
		return nil, err
	}
	t := s.Targets[target]
	o := &outline.Outline{Name: target, Description: t.Description, Sources: [][]byte{b.src.Data}}
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
	if len(s.Requirements) > 0 {
		o.Cache = append(o.Cache, outline.CacheMount{ID: plan.PipCacheMountID(b.bc.CacheIDNamespace), Location: b.location(s, "requirements")})
	}
	return o, nil
}

func (b *builder) lint(ctx context.Context) (*lint.LintResults, error) {
	res := &lint.LintResults{}
	idx := res.AddSource(b.src.SourceMap)
	s, err := b.load(nil)
	if err != nil {
		res.Error = &lint.BuildError{Message: err.Error()}
		return res, nil
	}
	for _, w := range spec.Lint(s, b.readRequirements(ctx, s)) {
		r := llbgraph.PBRange(w.Range)
		res.AddWarning(w.Rule, w.Description, w.URL, w.Message, idx, []parser.Range{{
			Start: parser.Position{Line: int(r.Start.Line), Character: int(r.Start.Character)},
			End:   parser.Position{Line: int(r.End.Line), Character: int(r.End.Character)},
		}})
	}
	return res, nil
}

// readRequirements reads the requirements files from the context, for lint; files that
// cannot be read are left out.
func (b *builder) readRequirements(ctx context.Context, s *spec.Spec) map[string][]byte {
	out := map[string][]byte{}
	if len(s.Requirements) == 0 {
		return out
	}
	ref, err := b.readContext(ctx, s.Requirements, "load requirements files")
	if err != nil {
		return out
	}
	for _, r := range s.Requirements {
		if dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: r}); err == nil {
			out[r] = dt
		}
	}
	return out
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
