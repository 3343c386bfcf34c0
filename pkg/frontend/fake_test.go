package frontend_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/containerd/platforms"
	"github.com/mlbuild/mlbuild/pkg/llbgraph"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	apipb "github.com/moby/buildkit/util/apicaps/pb"
	"github.com/moby/patternmatcher"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	fstypes "github.com/tonistiigi/fsutil/types"
)

// This file is a fake of BuildKit's gateway client (gwclient.Client), good enough to run
// frontend.Build with no daemon:
//
//   - BuildOpts serves the frontend options (filename, target, build-arg:*, context:NAME,
//     requestid, platform) and the builder's capabilities.
//   - Solve decodes the request's LLB and answers by what it is: a definition made only of
//     local:// sources (the spec, .dockerignore, the context paths the frontend reads) gets a
//     reference serving that local's in-memory files, filtered by the source's followpaths,
//     include and exclude patterns; a check (its last vertex copies llbgraph.ResultFile) gets
//     a reference serving its result; anything else is the image, answered with imageErr or
//     an empty reference.
//   - ResolveImageConfig returns a python:3.10-slim-like config and a digest.
//
// Every solve, image resolution and warning is recorded for the tests to inspect.

// specFile is the name the tests give the spec (buildx -f mlbuild.yaml).
const specFile = "mlbuild.yaml"

// The kinds of solve the fake tells apart.
type solveKind int

const (
	kindLocal      solveKind = iota // only local:// sources: the frontend reads files
	kindCheck                       // a check: its result file
	kindImage                       // the image
	kindResolve                     // pip install --dry-run --report of requirements files
	kindFreshCheck                  // a check solved with its cache ignored
	kindTags                        // the base's pip asked which wheel tags its Python takes
)

func (k solveKind) String() string {
	return [...]string{"local", "check", "image", "resolve", "fresh check", "tags"}[k]
}

// solved is one recorded Solve call.
type solved struct {
	Req   gwclient.SolveRequest
	Kind  solveKind
	Graph *llbGraph
}

// warning is one recorded Warn call.
type warning struct {
	Msg  string
	Opts gwclient.WarnOpts
}

type fakeClient struct {
	t *testing.T

	opts    map[string]string
	llbCaps apicaps.CapSet
	caps    apicaps.CapSet
	// locals holds the files of each local source by name ("context", "dockerfile", named
	// contexts); directories are implied by the paths.
	locals map[string]map[string][]byte
	inputs map[string]llb.State
	// imageErr, when set, is the error of every image solve.
	imageErr error
	// checkResults gives the result of the checks whose last vertex's name contains the key;
	// the others pass.
	checkResults map[string]llbgraph.CheckResult
	// freshResults replace checkResults for a check solved with its cache ignored (the re-run
	// of a failure an earlier build left in the cache).
	freshResults map[string]llbgraph.CheckResult
	// pipReport is what pip's dry run of requirements files reports ("": nothing to install).
	pipReport string
	// wheelTags is what the base image's pip answers when asked which wheel tags its Python
	// takes (one a line; "" for a pip that cannot say).
	wheelTags string

	mu       sync.Mutex
	solves   []*solved
	resolved []string
	warnings []warning
}

var _ gwclient.Client = (*fakeClient)(nil)

// defaultContext is a project like examples/ml-pipeline: every path the default targets copy.
func defaultContext() map[string][]byte {
	return map[string][]byte{
		"src/__init__.py":     nil,
		"src/api.py":          []byte("from fastapi import FastAPI\napp = FastAPI()\n"),
		"src/train.py":        []byte("print('training')\n"),
		"configs/config.yaml": []byte("lr: 0.1\n"),
		"models/model.bin":    []byte("weights"),
		"requirements.txt":    []byte("fastapi==0.110.0\nuvicorn==0.29.0\n"),
	}
}

// newFake returns a fake builder with every capability, the spec as mlbuild.yaml in the
// "dockerfile" local and defaultContext as the main context.
func newFake(t *testing.T, specYAML string) *fakeClient {
	t.Helper()
	return &fakeClient{
		t:       t,
		opts:    map[string]string{"filename": specFile},
		llbCaps: pb.Caps.CapSet(pb.Caps.All()),
		caps:    gwpb.Caps.CapSet(gwpb.Caps.All()),
		locals: map[string]map[string][]byte{
			"dockerfile": {specFile: []byte(specYAML)},
			"context":    defaultContext(),
		},
		checkResults: map[string]llbgraph.CheckResult{},
		freshResults: map[string]llbgraph.CheckResult{},
	}
}

// withOpt sets a frontend option (--opt k=v, build-arg:K, context:NAME, requestid, ...).
func (f *fakeClient) withOpt(k, v string) *fakeClient {
	f.opts[k] = v
	return f
}

// withFile adds or replaces a file of a local.
func (f *fakeClient) withFile(local, name, content string) *fakeClient {
	if f.locals[local] == nil {
		f.locals[local] = map[string][]byte{}
	}
	f.locals[local][name] = []byte(content)
	return f
}

// without removes a path (a file, or a directory with everything under it) from a local.
func (f *fakeClient) without(local, p string) *fakeClient {
	for name := range f.locals[local] {
		if name == p || strings.HasPrefix(name, p+"/") {
			delete(f.locals[local], name)
		}
	}
	return f
}

// llbCapsWithout is every LLB capability, with the given ones left out (missing) or turned off with a reason
// (disabled, as dockerd does on graphdriver storage).
func llbCapsWithout(missing, disabled []apicaps.CapID) apicaps.CapSet {
	var list []*apipb.APICap
	for _, c := range pb.Caps.All() {
		id := apicaps.CapID(c.ID)
		switch {
		case slices.Contains(missing, id):
		case slices.Contains(disabled, id):
			list = append(list, &apipb.APICap{ID: c.ID, Enabled: false, DisabledReasonMsg: "only enabled with containerd image store backend"})
		default:
			list = append(list, c)
		}
	}
	return pb.Caps.CapSet(list)
}

func (f *fakeClient) BuildOpts() gwclient.BuildOpts {
	return gwclient.BuildOpts{
		// dockerui writes into its copy of Opts: hand out a fresh one each time.
		Opts:      maps.Clone(f.opts),
		SessionID: "fake-session",
		Workers:   []gwclient.WorkerInfo{{ID: "fake", Platforms: []ocispecs.Platform{platforms.MustParse("linux/amd64")}}},
		Product:   "mlbuild-fake",
		LLBCaps:   f.llbCaps,
		Caps:      f.caps,
	}
}

func (f *fakeClient) Inputs(ctx context.Context) (map[string]llb.State, error) {
	return maps.Clone(f.inputs), nil
}

func (f *fakeClient) NewContainer(ctx context.Context, req gwclient.NewContainerRequest) (gwclient.Container, error) {
	return nil, fmt.Errorf("fake: containers are not supported")
}

func (f *fakeClient) Warn(ctx context.Context, dgst digest.Digest, msg string, opts gwclient.WarnOpts) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.warnings = append(f.warnings, warning{Msg: msg, Opts: opts})
	return nil
}

// pythonConfig is a python:3.10-slim-like image config for a platform.
func pythonConfig(p ocispecs.Platform) []byte {
	img := map[string]any{
		"architecture": p.Architecture,
		"os":           p.OS,
		"config": map[string]any{
			"Env": []string{
				"PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"LANG=C.UTF-8",
				"PYTHON_VERSION=3.10.19",
			},
			"Cmd": []string{"python3"},
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{digest.FromString("base layer").String()}},
	}
	if p.Variant != "" {
		img["variant"] = p.Variant
	}
	dt, _ := json.Marshal(img)
	return dt
}

func (f *fakeClient) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	f.mu.Lock()
	f.resolved = append(f.resolved, ref)
	f.mu.Unlock()
	p := platforms.DefaultSpec()
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	return ref, digest.FromString("manifest of " + ref), pythonConfig(p), nil
}

func (f *fakeClient) ResolveSourceMetadata(ctx context.Context, op *pb.SourceOp, opt sourceresolver.Opt) (*sourceresolver.MetaResponse, error) {
	ref, ok := strings.CutPrefix(op.Identifier, "docker-image://")
	if !ok {
		return nil, fmt.Errorf("fake: no metadata for %s", op.Identifier)
	}
	_, dgst, dt, err := f.ResolveImageConfig(ctx, ref, opt)
	if err != nil {
		return nil, err
	}
	return &sourceresolver.MetaResponse{Op: op, Image: &sourceresolver.ResolveImageResponse{Digest: dgst, Config: dt}}, nil
}

func (f *fakeClient) Solve(ctx context.Context, req gwclient.SolveRequest) (*gwclient.Result, error) {
	if req.Definition == nil || req.Frontend != "" {
		return nil, fmt.Errorf("fake: only LLB definitions are solved (frontend %q)", req.Frontend)
	}
	g, err := decodeDef(req.Definition)
	if err != nil {
		return nil, err
	}
	s := &solved{Req: req, Graph: g, Kind: kindImage}
	var ref gwclient.Reference
	switch {
	case g.localOnly():
		s.Kind = kindLocal
		src := g.Locals()[0]
		files, err := f.visible(src)
		if err != nil {
			return nil, err
		}
		ref = &fakeRef{def: req.Definition, files: files}
	case g.isResolve():
		s.Kind = kindResolve
		report := f.pipReport
		if report == "" {
			report = `{"version": "1", "install": []}`
		}
		ref = &fakeRef{def: req.Definition, files: map[string][]byte{"report.json": []byte(report)}}
	case g.isTags():
		s.Kind = kindTags
		ref = &fakeRef{def: req.Definition, files: map[string][]byte{"tags": []byte(f.wheelTags)}}
	case g.isCheck():
		s.Kind = kindCheck
		r := llbgraph.CheckResult{Exit: 0, Output: ""}
		name := g.Name(g.Root)
		results := f.checkResults
		if ignoresCache(req.Definition) {
			s.Kind, results = kindFreshCheck, f.freshResults
		}
		for k, v := range results {
			if strings.Contains(name, k) {
				r = v
			}
		}
		dt, _ := json.Marshal(r)
		ref = &fakeRef{def: req.Definition, files: map[string][]byte{strings.TrimPrefix(llbgraph.ResultFile, "/"): dt}}
	default:
		ref = &fakeRef{def: req.Definition, files: map[string][]byte{}}
	}
	f.mu.Lock()
	f.solves = append(f.solves, s)
	f.mu.Unlock()
	if s.Kind == kindImage && f.imageErr != nil {
		return nil, f.imageErr
	}
	res := gwclient.NewResult()
	res.SetRef(ref)
	return res, nil
}

// visible returns the files of a local source that its followpaths, include and exclude
// patterns let through, as the file transfer would.
// ignoresCache reports whether any vertex of def is solved with its cache ignored.
func ignoresCache(def *pb.Definition) bool {
	for _, m := range def.Metadata {
		if m.IgnoreCache {
			return true
		}
	}
	return false
}

func (f *fakeClient) visible(src localSource) (map[string][]byte, error) {
	all, ok := f.locals[src.Name]
	if !ok {
		return nil, fmt.Errorf("fake: no local %q was passed", src.Name)
	}
	var excl, incl *patternmatcher.PatternMatcher
	var err error
	if len(src.Excludes) > 0 {
		if excl, err = patternmatcher.New(src.Excludes); err != nil {
			return nil, err
		}
	}
	if len(src.Includes) > 0 {
		if incl, err = patternmatcher.New(src.Includes); err != nil {
			return nil, err
		}
	}
	out := map[string][]byte{}
	for name, dt := range all {
		if len(src.FollowPaths) > 0 && !slices.ContainsFunc(src.FollowPaths, func(fp string) bool {
			fp = strings.TrimPrefix(path.Clean("/"+fp), "/")
			return name == fp || strings.HasPrefix(name, fp+"/")
		}) {
			continue
		}
		if excl != nil {
			if m, err := excl.MatchesOrParentMatches(name); err != nil || m {
				continue
			}
		}
		if incl != nil {
			if m, err := incl.MatchesOrParentMatches(name); err != nil || !m {
				continue
			}
		}
		out[name] = dt
	}
	return out, nil
}

// solvesOf returns the recorded solves of a kind, in call order.
func (f *fakeClient) solvesOf(k solveKind) []*solved {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*solved
	for _, s := range f.solves {
		if s.Kind == k {
			out = append(out, s)
		}
	}
	return out
}

// image returns the one image solve, failing the test if there is not exactly one.
func (f *fakeClient) image() *llbGraph {
	f.t.Helper()
	imgs := f.solvesOf(kindImage)
	if len(imgs) != 1 {
		f.t.Fatalf("want 1 image solve, got %d", len(imgs))
	}
	return imgs[0].Graph
}

func (f *fakeClient) resolvedRefs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.resolved)
}

// fakeRef serves files from memory.
type fakeRef struct {
	def   *pb.Definition
	files map[string][]byte
}

func clean(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

func (r *fakeRef) ToState() (llb.State, error) {
	op, err := llb.NewDefinitionOp(r.def)
	if err != nil {
		return llb.State{}, err
	}
	return llb.NewState(op), nil
}

func (r *fakeRef) Evaluate(ctx context.Context) error { return nil }

func (r *fakeRef) ReadFile(ctx context.Context, req gwclient.ReadRequest) ([]byte, error) {
	dt, ok := r.files[clean(req.Filename)]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: req.Filename, Err: fs.ErrNotExist}
	}
	if req.Range != nil {
		start := min(req.Range.Offset, len(dt))
		end := len(dt)
		if req.Range.Length > 0 {
			end = min(start+req.Range.Length, len(dt))
		}
		dt = dt[start:end]
	}
	return slices.Clone(dt), nil
}

func (r *fakeRef) StatFile(ctx context.Context, req gwclient.StatRequest) (*fstypes.Stat, error) {
	p := clean(req.Path)
	if dt, ok := r.files[p]; ok {
		return &fstypes.Stat{Path: path.Base(p), Mode: 0o644, Size: int64(len(dt))}, nil
	}
	for name := range r.files {
		if p == "" || strings.HasPrefix(name, p+"/") {
			return &fstypes.Stat{Path: path.Base(p), Mode: uint32(os.ModeDir | 0o755)}, nil
		}
	}
	return nil, &fs.PathError{Op: "stat", Path: req.Path, Err: fs.ErrNotExist}
}

func (r *fakeRef) ReadDir(ctx context.Context, req gwclient.ReadDirRequest) ([]*fstypes.Stat, error) {
	dir := clean(req.Path)
	seen := map[string]*fstypes.Stat{}
	for name, dt := range r.files {
		rest := name
		if dir != "" {
			var ok bool
			if rest, ok = strings.CutPrefix(name, dir+"/"); !ok {
				continue
			}
		}
		child, _, isDir := strings.Cut(rest, "/")
		if req.IncludePattern != "" {
			if m, _ := path.Match(req.IncludePattern, child); !m {
				continue
			}
		}
		if isDir {
			seen[child] = &fstypes.Stat{Path: child, Mode: uint32(os.ModeDir | 0o755)}
		} else {
			seen[child] = &fstypes.Stat{Path: child, Mode: 0o644, Size: int64(len(dt))}
		}
	}
	if len(seen) == 0 && dir != "" {
		return nil, &fs.PathError{Op: "readdir", Path: req.Path, Err: fs.ErrNotExist}
	}
	out := make([]*fstypes.Stat, 0, len(seen))
	for _, k := range slices.Sorted(maps.Keys(seen)) {
		out = append(out, seen[k])
	}
	return out, nil
}

// llbGraph is a decoded LLB definition.
type llbGraph struct {
	Ops   map[digest.Digest]*pb.Op
	Meta  map[digest.Digest]*pb.OpMetadata
	Order []digest.Digest // in definition order
	// Root is the vertex the definition returns.
	Root digest.Digest
}

func decodeDef(def *pb.Definition) (*llbGraph, error) {
	g := &llbGraph{Ops: map[digest.Digest]*pb.Op{}, Meta: map[digest.Digest]*pb.OpMetadata{}}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			return nil, fmt.Errorf("fake: decode op: %w", err)
		}
		d := digest.FromBytes(dt)
		g.Ops[d] = &op
		g.Order = append(g.Order, d)
		if md, ok := def.Metadata[string(d)]; ok {
			g.Meta[d] = md
		}
	}
	if len(g.Order) == 0 {
		return nil, fmt.Errorf("fake: empty definition")
	}
	// The last op has no operation of its own: it points at the result.
	last := g.Ops[g.Order[len(g.Order)-1]]
	if last.Op != nil || len(last.Inputs) != 1 {
		return nil, fmt.Errorf("fake: definition does not end with its return op")
	}
	g.Root = digest.Digest(last.Inputs[0].Digest)
	return g, nil
}

// Name is the vertex's custom name (llb.customname), as progress shows it.
func (g *llbGraph) Name(d digest.Digest) string {
	if md := g.Meta[d]; md != nil {
		return md.Description["llb.customname"]
	}
	return ""
}

// Names lists every vertex name, in definition order.
func (g *llbGraph) Names() []string {
	var out []string
	for _, d := range g.Order {
		if n := g.Name(d); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// HasName reports whether a vertex name contains sub.
func (g *llbGraph) HasName(sub string) bool {
	return slices.ContainsFunc(g.Names(), func(n string) bool { return strings.Contains(n, sub) })
}

// Sources lists the identifiers of the source ops (docker-image://..., local://...).
func (g *llbGraph) Sources() []string {
	var out []string
	for _, d := range g.Order {
		if src := g.Ops[d].GetSource(); src != nil {
			out = append(out, src.Identifier)
		}
	}
	return out
}

// localSource is a local:// source op with the transfer options the fake honours.
type localSource struct {
	Name                            string
	FollowPaths, Includes, Excludes []string
}

func jsonList(s string) []string {
	var out []string
	if s != "" {
		_ = json.Unmarshal([]byte(s), &out)
	}
	return out
}

func toLocal(src *pb.SourceOp) (localSource, bool) {
	name, ok := strings.CutPrefix(src.GetIdentifier(), "local://")
	if !ok {
		return localSource{}, false
	}
	return localSource{
		Name:        name,
		FollowPaths: jsonList(src.Attrs[pb.AttrFollowPaths]),
		Includes:    jsonList(src.Attrs[pb.AttrIncludePatterns]),
		Excludes:    jsonList(src.Attrs[pb.AttrExcludePatterns]),
	}, true
}

// Locals lists the local:// sources, in definition order.
func (g *llbGraph) Locals() []localSource {
	var out []localSource
	for _, d := range g.Order {
		if l, ok := toLocal(g.Ops[d].GetSource()); ok {
			out = append(out, l)
		}
	}
	return out
}

// localOnly: the definition is nothing but local sources (the frontend reading files).
func (g *llbGraph) localOnly() bool {
	n := 0
	for _, d := range g.Order[:len(g.Order)-1] {
		if _, ok := toLocal(g.Ops[d].GetSource()); !ok {
			return false
		}
		n++
	}
	return n > 0
}

// isCheck: the definition returns a check's result file (llbgraph's Check.State).
// isResolve: the definition returns the output of pip's dry run (plan.ResolveStep).
func (g *llbGraph) isResolve() bool {
	ex := g.Ops[g.Root].GetExec()
	return ex != nil && slices.Contains(ex.Meta.Args, "--dry-run")
}

func (g *llbGraph) isTags() bool {
	ex := g.Ops[g.Root].GetExec()
	return ex != nil && strings.Contains(strings.Join(ex.Meta.Args, " "), "get_supported")
}

func (g *llbGraph) isCheck() bool {
	file := g.Ops[g.Root].GetFile()
	if file == nil {
		return false
	}
	for _, a := range file.Actions {
		if cp := a.GetCopy(); cp != nil && path.Clean(cp.Dest) == llbgraph.ResultFile {
			return true
		}
	}
	return false
}

// Count returns how many ops of a kind the definition holds: "merge", "diff", "exec",
// "file", "source".
func (g *llbGraph) Count(kind string) int {
	n := 0
	for _, d := range g.Order {
		op := g.Ops[d]
		var has bool
		switch kind {
		case "merge":
			has = op.GetMerge() != nil
		case "diff":
			has = op.GetDiff() != nil
		case "exec":
			has = op.GetExec() != nil
		case "file":
			has = op.GetFile() != nil
		case "source":
			has = op.GetSource() != nil
		}
		if has {
			n++
		}
	}
	return n
}

// copyAction is one copy of a file op.
type copyAction struct {
	Vertex    string // the file op's name
	Src, Dest string
	// From is the identifier of the source op the copy reads from when it reads one
	// directly (local://context, local://models), else "".
	From string
}

// Copies lists every copy action.
func (g *llbGraph) Copies() []copyAction {
	var out []copyAction
	for _, d := range g.Order {
		op := g.Ops[d]
		file := op.GetFile()
		if file == nil {
			continue
		}
		for _, a := range file.Actions {
			cp := a.GetCopy()
			if cp == nil {
				continue
			}
			c := copyAction{Vertex: g.Name(d), Src: cp.Src, Dest: cp.Dest}
			if i := a.SecondaryInput; i >= 0 && int(i) < len(op.Inputs) {
				if src := g.Ops[digest.Digest(op.Inputs[i].Digest)].GetSource(); src != nil {
					c.From = src.Identifier
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// execMount is one mount of an exec op.
type execMount struct {
	Vertex  string
	Dest    string
	Type    pb.MountType
	CacheID string
}

// Mounts lists the mounts of every exec op.
func (g *llbGraph) Mounts() []execMount {
	var out []execMount
	for _, d := range g.Order {
		ex := g.Ops[d].GetExec()
		if ex == nil {
			continue
		}
		for _, m := range ex.Mounts {
			em := execMount{Vertex: g.Name(d), Dest: m.Dest, Type: m.MountType}
			if m.CacheOpt != nil {
				em.CacheID = m.CacheOpt.ID
			}
			out = append(out, em)
		}
	}
	return out
}
