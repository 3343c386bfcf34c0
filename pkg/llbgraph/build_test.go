package llbgraph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/containerd/platforms"
	"github.com/google/go-cmp/cmp"
	"github.com/mlbuild/mlbuild/internal/testkit"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// update rewrites the golden files in testdata/ (go test ./pkg/llbgraph -update).
var update = testkit.Update

const baseRef = "docker.io/library/python:3.10-slim@sha256:0000000000000000000000000000000000000000000000000000000000000001"

var amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}

// testOpts are a build's Options and what the frontend gives plan.New for it.
type testOpts struct {
	Options
	Target string
	// ShowPlatform labels the vertices with the platform too (multi-platform builds).
	ShowPlatform bool
	Deps         *plan.Deps
}

// Build is what the frontend does for one target: plan.New, then Render. The plan goes
// through its JSON form first, so every golden also shows that Render needs nothing the
// printed plan does not hold.
func Build(s *spec.Spec, opt testOpts) (*Result, error) {
	label := opt.Target
	if opt.ShowPlatform {
		label = plan.Label(opt.Target, platforms.Format(opt.Platform))
	}
	p, err := plan.New(s, plan.Options{Target: opt.Target, Shape: ShapeFor(opt.Caps),
		Contexts: slices.Sorted(maps.Keys(opt.Contexts)), Label: label, Deps: opt.Deps})
	if err != nil {
		return nil, err
	}
	dt, err := plan.JSON(p)
	if err != nil {
		return nil, err
	}
	var printed plan.Plan
	if err := json.Unmarshal(dt, &printed); err != nil {
		return nil, err
	}
	return Render(&printed, opt.Options)
}

func testOptions(s *spec.Spec, target string) testOpts {
	local := func(opts ...llb.LocalOption) llb.State {
		return llb.Local("context", append([]llb.LocalOption{llb.SharedKeyHint("context"), llb.LocalUniqueID("golden")}, opts...)...)
	}
	return testOpts{Target: target, Options: Options{
		Platform:     amd64,
		Base:         llb.Image(baseRef, llb.Platform(amd64)),
		BaseImage:    &dockerspec.DockerOCIImage{Config: dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{Env: []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"}, Cmd: []string{"python3"}}}},
		BaseName:     "docker.io/library/python:3.10-slim",
		BaseDigest:   "sha256:0000000000000000000000000000000000000000000000000000000000000001",
		Context:      local(),
		Requirements: local(llb.FollowPaths(s.Requirements)),
		Contexts:     map[string]llb.State{"trained": llb.Local("trained", llb.LocalUniqueID("golden"))},
	}}
}

// load loads a spec for linux/amd64 (testkit.LoadSpec).
func load(t testing.TB, src string) *spec.Spec {
	t.Helper()
	return testkit.LoadSpec(t, src)
}

// render decodes a marshalled definition into a stable, readable text: one op per block,
// in marshal order, with its name.
func render(t testing.TB, def *llb.Definition, skip map[string]bool) string {
	t.Helper()
	var b strings.Builder
	for i, dt := range def.Def {
		if skip[string(digestOf(dt))] {
			continue
		}
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		dgst := digestOf(dt)
		md := def.Metadata[dgst]
		name := ""
		if md.Description != nil {
			name = md.Description["llb.customname"]
		}
		js, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(&op)
		if err != nil {
			t.Fatal(err)
		}
		var norm bytes.Buffer
		_ = json.Indent(&norm, bytes.TrimSpace(js), "", "  ")
		fmt.Fprintf(&b, "# op %d %s %s\n%s\n\n", i, dgst, name, norm.String())
	}
	return b.String()
}

// richSpec uses most fields of the format; shared with pkg/eject and pkg/spec's schema tests.
var richSpec = testkit.RichSpec

// systemSpec is testkit.SystemSpec.
var systemSpec = testkit.SystemSpec

func TestGolden(t *testing.T) {
	// Cases ending in "-copy" are for a builder without merge and diff ops (Docker Engine 20.10).
	// A lock's pins as the frontend generates them, with the project built after them.
	locked := &plan.Deps{Kind: spec.SourceUVLock, Source: "uv.lock", Locked: true, Packages: 2, Groups: []string{"train"}, Project: true,
		Generated: []byte("numpy==2.1.0 \\\n    --hash=sha256:1111111111111111111111111111111111111111111111111111111111111111\n" +
			"torch==2.4.0 \\\n    --hash=sha256:2222222222222222222222222222222222222222222222222222222222222222\n"),
		IndexURLs: []string{"https://download.pytorch.org/whl/cpu"}}
	// The same pins laid out a layer per large package, the rest grouped.
	perPackage := *locked
	perPackage.Layers = spec.LayersPackages
	perPackage.Pins = []plan.Pin{
		{Name: "numpy", Version: "2.1.0", Size: 15 << 20, Requirement: []byte("numpy==2.1.0 \\\n    --hash=sha256:1111111111111111111111111111111111111111111111111111111111111111\n")},
		{Name: "torch", Version: "2.4.0", Size: 800 << 20, Requirement: []byte("torch==2.4.0 \\\n    --hash=sha256:2222222222222222222222222222222222222222222222222222222222222222\n")},
	}
	cases := []struct {
		name, src, target string
		deps              *plan.Deps
	}{
		{"uvlock-packages-training", "version: 1\ndependencies: {from: uv.lock, project: true}\ntargets:\n  training:\n    dependencies: {groups: [train]}\n", "training", &perPackage},
		{"tests-and-smoke", "version: 1\ntargets:\n  inference:\n    test: [\"pytest -q\", [python, -c, \"import src.api\"]]\n", "inference", nil},
		{"default-training", "version: 1\n", "training", nil},
		{"default-inference", "version: 1\n", "inference", nil},
		{"rich-inference", richSpec, "inference", nil},
		{"rich-batch", richSpec, "batch", nil},
		{"default-inference-copy", "version: 1\n", "inference", nil},
		{"rich-inference-copy", richSpec, "inference", nil},
		{"uvlock-training", "version: 1\ndependencies: {from: uv.lock, project: true}\ntargets:\n  training:\n    dependencies: {groups: [train]}\n", "training", locked},
		{"uvlock-training-copy", "version: 1\ndependencies: {from: uv.lock, project: true}\ntargets:\n  training:\n    dependencies: {groups: [train]}\n", "training", locked},
		{"system-training", systemSpec, "training", nil},
		{"system-training-copy", systemSpec, "training", nil},
		{"system-inference", "version: 1\nsystem-packages: [libgomp1]\n", "inference", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t, tc.src)
			opt := testOptions(s, tc.target)
			opt.Deps = tc.deps
			if strings.HasSuffix(tc.name, "-copy") {
				opt.Caps = engineCaps(sinceV08, nil)
			}
			res, def := buildWith(t, s, opt)
			cfg, err := json.MarshalIndent(res.Image, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got := render(t, def, nil) + "# image config\n" + string(cfg) + "\n"
			seen := map[string]bool{}
			for _, dt := range def.Def {
				seen[string(digestOf(dt))] = true
			}
			for _, c := range res.Checks {
				cdef, err := c.State.Marshal(context.Background(), llb.Platform(amd64))
				if err != nil {
					t.Fatal(err)
				}
				got += fmt.Sprintf("\n# check %q at %s (new ops only)\n", c.Name, c.SpecPath) + render(t, cdef, seen)
			}
			testkit.Golden(t, filepath.Join("testdata", tc.name+".golden"), []byte(got))
		})
	}
}

// buildAndMarshal loads src, builds target and marshals its state for linux/amd64.
func buildAndMarshal(t testing.TB, src, target string) (*Result, *llb.Definition) {
	t.Helper()
	s := load(t, src)
	return buildWith(t, s, testOptions(s, target))
}

// buildWith builds s with opt and marshals the result's state for linux/amd64.
func buildWith(t testing.TB, s *spec.Spec, opt testOpts) (*Result, *llb.Definition) {
	t.Helper()
	res, err := Build(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	def, err := res.State.Marshal(context.Background(), llb.Platform(amd64))
	if err != nil {
		t.Fatal(err)
	}
	return res, def
}

// TestDeterministic marshals the same spec 25 times, from freshly loaded specs, and requires
// identical bytes for the definition (ops and metadata) and the config.
func TestDeterministic(t *testing.T) {
	var first []byte
	for i := 0; i < 25; i++ {
		res, def := buildAndMarshal(t, richSpec, "inference")
		cfg, _ := json.Marshal(res.Image)
		var b bytes.Buffer
		for _, dt := range def.Def {
			b.Write(dt)
		}
		keys := make([]string, 0, len(def.Metadata))
		for k := range def.Metadata {
			keys = append(keys, string(k))
		}
		slices.Sort(keys)
		for _, k := range keys {
			md := def.Metadata[digestFromString(k)]
			dt, _ := json.Marshal(md)
			b.WriteString(k)
			b.Write(dt)
		}
		b.Write(cfg)
		if i == 0 {
			first = b.Bytes()
		} else if !bytes.Equal(first, b.Bytes()) {
			t.Fatalf("marshal %d differs from the first", i)
		}
	}
}

// TestConfigOnlyChangesKeepLLB: labels, healthcheck, expose, command and env are image config
// only; changing them leaves every op that builds a layer unchanged, so no layer rebuilds.
// Only the checks (which run the image as configured) and the export gate after them change.
func TestConfigOnlyChangesKeepLLB(t *testing.T) {
	ops := func(src string) []string {
		_, def := buildAndMarshal(t, src, "inference")
		var out []string
		checks := 0
		for _, dt := range def.Def {
			dgst := digestOf(dt)
			name := def.Metadata[dgst].Description["llb.customname"]
			var op pb.Op
			if err := op.UnmarshalVT(dt); err != nil {
				t.Fatal(err)
			}
			if op.Op == nil {
				continue // the terminal op: points at whichever vertex is exported
			}
			if strings.Contains(name, " check] ") || strings.Contains(name, "] image, once ") {
				checks++
				continue
			}
			out = append(out, string(dgst))
		}
		if checks == 0 {
			t.Fatal("no check or gate vertex found: the filter above is stale")
		}
		return out
	}
	a := ops("version: 1\n")
	b := ops("version: 1\nlabels: {a: b}\nenv: {X: y}\ntargets:\n  inference:\n    healthcheck: {interval: 3s, path: /ready}\n    command: [python, -m, src.serve]\n    expose: [8000, 9000]\n")
	if !slices.Equal(a, b) {
		t.Errorf("config-only changes changed the LLB:\n%v\n%v", a, b)
	}
}

func TestImageConfig(t *testing.T) {
	s := load(t, richSpec)
	res, err := Build(s, testOptions(s, "inference"))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Image.Config
	wantEnv := []string{"PATH=/venv/bin:/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "VIRTUAL_ENV=/venv", "PYTHONPATH=/srv",
		"PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1", "ARCH=amd64", "MODEL_NAME=ridge", "WORKERS=2"}
	if diff := cmp.Diff(wantEnv, c.Env); diff != "" {
		t.Errorf("Env (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"python", "-m", "uvicorn", "src.api:app", "--host", "0.0.0.0", "--port", "9000"}, c.Cmd); diff != "" {
		t.Errorf("Cmd (-want +got):\n%s", diff)
	}
	if c.Entrypoint != nil {
		t.Errorf("Entrypoint = %q, want none", c.Entrypoint)
	}
	if diff := cmp.Diff(map[string]struct{}{"9000/tcp": {}, "9001/udp": {}}, c.ExposedPorts); diff != "" {
		t.Errorf("ExposedPorts (-want +got):\n%s", diff)
	}
	if c.User != "2000:2000" || c.WorkingDir != "/srv" {
		t.Errorf("User %q WorkingDir %q", c.User, c.WorkingDir)
	}
	if c.Labels[plan.LabelBaseName] != "docker.io/library/python:3.10-slim" || c.Labels["org.opencontainers.image.title"] != "demo" || c.Labels[plan.LabelBaseDigest] == "" {
		t.Errorf("Labels = %v", c.Labels)
	}
	h := c.Healthcheck
	if h == nil || h.Interval != 5*time.Second || h.Timeout != 5*time.Second || h.StartPeriod != 10*time.Second || h.StartInterval != 2*time.Second || h.Retries != 3 {
		t.Fatalf("Healthcheck = %+v", h)
	}
	if len(h.Test) != 4 || h.Test[0] != "CMD" || h.Test[1] != "python3" || !strings.Contains(h.Test[3], "http://127.0.0.1:9000/ready") {
		t.Errorf("Healthcheck.Test = %q", h.Test)
	}
	if res.Image.OS != "linux" || res.Image.Architecture != "amd64" {
		t.Errorf("platform %s/%s", res.Image.OS, res.Image.Architecture)
	}

	// Shell-form command, no healthcheck, no port for a custom target.
	res, err = Build(s, testOptions(s, "batch"))
	if err != nil {
		t.Fatal(err)
	}
	c = res.Image.Config
	if diff := cmp.Diff([]string{"/bin/sh", "-c", "python -m src.score --all"}, c.Cmd); diff != "" {
		t.Errorf("batch Cmd (-want +got):\n%s", diff)
	}
	if c.Healthcheck != nil || len(c.ExposedPorts) != 0 {
		t.Errorf("batch healthcheck %v ports %v", c.Healthcheck, c.ExposedPorts)
	}

	// healthcheck: none writes NONE, overriding a base image's healthcheck.
	s = load(t, "version: 1\ntargets:\n  inference:\n    healthcheck: none\n")
	res, err = Build(s, testOptions(s, "inference"))
	if err != nil {
		t.Fatal(err)
	}
	if h := res.Image.Config.Healthcheck; h == nil || !slices.Equal(h.Test, []string{"NONE"}) {
		t.Errorf("healthcheck none = %+v", h)
	}
}

// TestHistoryMatchesLayers: one history entry per layer the graph adds, dated by the epoch.
func TestHistoryMatchesLayers(t *testing.T) {
	s := load(t, "version: 1\n")
	opt := testOptions(s, "inference")
	epoch := time.Unix(1700000000, 0).UTC()
	opt.Epoch = &epoch
	res, err := Build(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	// user, venv, pip, src, configs, models
	if n := len(res.Image.History); n != 6 {
		t.Fatalf("history has %d entries, want 6: %+v", n, res.Image.History)
	}
	for _, h := range res.Image.History {
		if h.Created == nil || !h.Created.Equal(epoch) {
			t.Errorf("history %q created %v, want the epoch", h.CreatedBy, h.Created)
		}
	}
	if res.Image.Created == nil || !res.Image.Created.Equal(epoch) {
		t.Errorf("created %v", res.Image.Created)
	}
}

func TestUnknownTarget(t *testing.T) {
	s := load(t, "version: 1\n")
	if _, err := Build(s, testOptions(s, "nope")); err == nil || !strings.Contains(err.Error(), `unknown target "nope"`) {
		t.Errorf("err = %v", err)
	}
}

// BenchmarkSpecToLLB measures the frontend's own work for the example: parse, validate,
// default, convert and marshal one target.
func BenchmarkSpecToLLB(b *testing.B) {
	src, err := os.ReadFile("../../examples/ml-pipeline/mlbuild.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := spec.Load("mlbuild.yaml", src, spec.Options{})
		if err != nil {
			b.Fatal(err)
		}
		res, err := Build(s, testOptions(s, "inference"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := res.State.Marshal(context.Background(), llb.Platform(amd64)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSpecLoad is the parse + validate part alone, on the rich spec.
func BenchmarkSpecLoad(b *testing.B) {
	for b.Loop() {
		if _, err := spec.Load("mlbuild.yaml", []byte(richSpec), spec.Options{BuildArgs: map[string]string{"TARGETARCH": "amd64"}}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestExportGatedOnChecks: the exported state is the assembled image's layers merged with an
// empty diff (lower = upper) of every check's result, and nothing else, so the image gains no
// layer while it depends on its checks.
func TestExportGatedOnChecks(t *testing.T) {
	res, def := buildAndMarshal(t, "version: 1\ntargets:\n  inference:\n    test: [\"python -c 'import src'\"]\n", "inference")
	if len(res.Checks) != 2 {
		t.Fatalf("want a test and the smoke test, got %d checks", len(res.Checks))
	}
	ops := map[digest.Digest]*pb.Op{}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		ops[digestOf(dt)] = &op
	}
	head := ops[digestOf(def.Def[len(def.Def)-1])].Inputs[0].Digest
	gate := ops[digest.Digest(head)].GetMerge()
	if gate == nil {
		t.Fatalf("the exported vertex is not a merge: %v", ops[digest.Digest(head)])
	}
	inputs := ops[digest.Digest(head)].Inputs
	checkHeads := map[digest.Digest]bool{}
	for _, chk := range res.Checks {
		cdef, err := chk.State.Marshal(context.Background(), llb.Platform(amd64))
		if err != nil {
			t.Fatal(err)
		}
		checkHeads[digestOf(cdef.Def[len(cdef.Def)-2])] = true // the op before the terminal one
	}
	var layers []string
	gated := map[digest.Digest]bool{}
	for _, in := range inputs {
		op := ops[digest.Digest(in.Digest)]
		if d := op.GetDiff(); d != nil && op.Inputs[d.Lower.Input].Digest == op.Inputs[d.Upper.Input].Digest {
			lower := op.Inputs[d.Lower.Input]
			if !checkHeads[digest.Digest(lower.Digest)] {
				t.Errorf("an empty diff in the gate is not of a check result: %v", op)
			}
			gated[digest.Digest(lower.Digest)] = true
			continue
		}
		layers = append(layers, in.Digest)
	}
	if len(gated) != len(res.Checks) {
		t.Errorf("the gate depends on %d of %d checks", len(gated), len(res.Checks))
	}
	// The layers are those of the assembled image the checks ran in.
	var assembled []string
	for _, op := range ops {
		if op.GetMerge() != nil && op != ops[digest.Digest(head)] {
			for _, in := range op.Inputs {
				assembled = append(assembled, in.Digest)
			}
		}
	}
	if !slices.Equal(layers, assembled) {
		t.Errorf("gate layers %v differ from the assembled image's %v", layers, assembled)
	}
}
