package frontend_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlbuild/mlbuild/pkg/frontend"
	"github.com/mlbuild/mlbuild/pkg/llbgraph"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	commonexptypes "github.com/moby/buildkit/exporter/exptypes"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
)

// These tests run frontend.Build against the fake gateway client of fake_test.go. They
// assert on types, spec paths and positions (errdefs.Sources ranges) rather than on whole
// messages, so rewording an error does not break them.

const syntaxLine = "# syntax=ghcr.io/mlbuild/frontend:1\n"

func build(t *testing.T, f *fakeClient) (*gwclient.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return frontend.Build(ctx, f)
}

// mustBuild runs Build and requires success and a result with a reference.
func mustBuild(t *testing.T, f *fakeClient) *gwclient.Result {
	t.Helper()
	res, err := build(t, f)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if res == nil || res.Ref == nil {
		t.Fatalf("Build returned no image reference: %+v", res)
	}
	return res
}

// imageConfig is the image config the result hands the exporter.
func imageConfig(t *testing.T, res *gwclient.Result) dockerspec.DockerOCIImage {
	t.Helper()
	dt, ok := res.Metadata[exptypes.ExporterImageConfigKey]
	if !ok {
		t.Fatalf("result has no %s; metadata keys: %v", exptypes.ExporterImageConfigKey, keys(res.Metadata))
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(dt, &img); err != nil {
		t.Fatal(err)
	}
	return img
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// pos is a 1-based line and column in the spec.
type pos struct{ Line, Col int }

func (p pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// posOf finds the first occurrence of needle in text, computed from the text itself (not
// by pkg/spec), so a wrong position in the frontend or the spec package shows.
func posOf(t *testing.T, text, needle string) pos {
	t.Helper()
	i := strings.Index(text, needle)
	if i < 0 {
		t.Fatalf("%q is not in the spec", needle)
	}
	line := strings.Count(text[:i], "\n") + 1
	col := i - strings.LastIndex(text[:i], "\n")
	return pos{line, col}
}

// sourceStarts returns the start of every range of every errdefs source of err, checking
// that each source is the spec file.
func sourceStarts(t *testing.T, err error, specYAML string) []pos {
	t.Helper()
	var out []pos
	for _, s := range errdefs.Sources(err) {
		if s.Info == nil {
			t.Errorf("errdefs source without info: %v", s)
			continue
		}
		if s.Info.Filename != specFile {
			t.Errorf("errdefs source is %q, want %q", s.Info.Filename, specFile)
		}
		if string(s.Info.Data) != specYAML {
			t.Errorf("errdefs source data is not the spec file: %q", s.Info.Data)
		}
		for _, r := range s.Ranges {
			start := pos{int(r.Start.Line), int(r.Start.Character) + 1}
			if r.End == nil || r.End.Line < r.Start.Line {
				t.Errorf("range %v ends before it starts", r)
			}
			out = append(out, start)
		}
	}
	return out
}

// messagePositions are the "mlbuild.yaml:LINE:COL:" locations the error message names.
func messagePositions(err error) []pos {
	var out []pos
	for _, m := range regexp.MustCompile(regexp.QuoteMeta(specFile)+`:(\d+):(\d+):`).FindAllStringSubmatch(err.Error(), -1) {
		l, _ := strconv.Atoi(m[1])
		c, _ := strconv.Atoi(m[2])
		out = append(out, pos{l, c})
	}
	return out
}

func sortedPos(ps []pos) []pos {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b pos) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return ps
}

func containsAll(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

// ---------------------------------------------------------------------------------------
// 1. Options: target, build args, SOURCE_DATE_EPOCH

const targetsSpec = syntaxLine + `version: 1
targets:
  evaluate:
    extends: training
    description: Evaluate the model
`

// TestTarget: the target comes from the "target" option, defaults to the spec's default
// target, and an unknown one is refused before anything is solved, naming it and the targets
// the spec defines, located at the spec's "targets".
func TestTarget(t *testing.T) {
	for _, tc := range []struct {
		name, target string
		wantCmd      []string // nil: Build must fail
	}{
		{"default is inference", "", []string{"python", "-m", "uvicorn", "src.api:app", "--host", "0.0.0.0", "--port", "8000"}},
		{"training", "training", []string{"python", "-m", "src.train"}},
		{"declared target extending training", "evaluate", []string{"python", "-m", "src.train"}},
		{"unknown", "nope", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, targetsSpec)
			if tc.target != "" {
				f.withOpt("target", tc.target)
			}
			res, err := build(t, f)
			if tc.wantCmd == nil {
				if err == nil {
					t.Fatal("Build succeeded for an unknown target")
				}
				if res != nil {
					t.Errorf("Build returned a result with its error")
				}
				containsAll(t, "error", err.Error(), `"nope"`, "evaluate", "inference", "training")
				starts := sourceStarts(t, err, targetsSpec)
				if want := posOf(t, targetsSpec, "targets:"); !slices.Contains(starts, want) {
					t.Errorf("errdefs.Sources start at %v, want the range of targets (%v)", starts, want)
				}
				if n := len(f.solvesOf(kindImage)); n != 0 {
					t.Errorf("%d image solves for an unknown target, want none", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := imageConfig(t, res).Config.Cmd; !slices.Equal(got, tc.wantCmd) {
				t.Errorf("Cmd = %q, want %q", got, tc.wantCmd)
			}
			want := tc.target
			if want == "" {
				want = "inference"
			}
			img := f.image()
			if !img.HasName("[" + want) {
				t.Errorf("no vertex of target %s in the image: %q", want, img.Names())
			}
			for _, other := range []string{"training", "inference", "evaluate"} {
				if other != want && img.HasName("["+other+" ") {
					t.Errorf("the %s image has vertices of target %s: %q", want, other, img.Names())
				}
			}
		})
	}
}

const argsSpec = syntaxLine + `version: 1
args:
  GREETING: hello
  PY: "3.10"
base: python:${PY}-slim
env:
  GREETING: ${GREETING}-world
  ARCH: ${TARGETARCH}
`

// TestBuildArgs: --build-arg values (and the platform built-ins) are substituted into the
// spec, over the defaults declared under args; the base reference follows them too.
func TestBuildArgs(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		opts                 map[string]string
		wantEnv              []string
		wantBase, wantArchit string
	}{
		{"declared defaults", nil, []string{"GREETING=hello-world"}, "docker.io/library/python:3.10-slim", ""},
		{"build args override", map[string]string{"build-arg:GREETING": "bonjour", "build-arg:PY": "3.12"},
			[]string{"GREETING=bonjour-world"}, "docker.io/library/python:3.12-slim", ""},
		{"platform built-ins", map[string]string{"platform": "linux/arm64"},
			[]string{"ARCH=arm64", "GREETING=hello-world"}, "docker.io/library/python:3.10-slim", "arm64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, argsSpec)
			for k, v := range tc.opts {
				f.withOpt(k, v)
			}
			img := imageConfig(t, mustBuild(t, f))
			for _, e := range tc.wantEnv {
				if !slices.Contains(img.Config.Env, e) {
					t.Errorf("image Env %q lacks %q", img.Config.Env, e)
				}
			}
			if got := f.resolvedRefs(); !slices.Equal(got, []string{tc.wantBase}) {
				t.Errorf("resolved base images %q, want [%q]", got, tc.wantBase)
			}
			if tc.wantArchit != "" && img.Architecture != tc.wantArchit {
				t.Errorf("image architecture %q, want %q", img.Architecture, tc.wantArchit)
			}
		})
	}
}

// TestSourceDateEpoch: a valid SOURCE_DATE_EPOCH reaches the result (the exporter's epoch);
// a bad value fails the build with an error naming the variable and the value, before any
// image is solved.
func TestSourceDateEpoch(t *testing.T) {
	for _, tc := range []struct {
		value string
		ok    bool
	}{
		{"1700000000", true},
		{"yesterday", false},
		{"1.5e9", false},
	} {
		t.Run(tc.value, func(t *testing.T) {
			f := newFake(t, syntaxLine+"version: 1\n").withOpt("build-arg:SOURCE_DATE_EPOCH", tc.value)
			res, err := build(t, f)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if got := string(res.Metadata[commonexptypes.ExporterEpochKey]); got != tc.value {
					t.Errorf("result epoch %q, want %q", got, tc.value)
				}
				return
			}
			if err == nil {
				t.Fatal("Build accepted a bad SOURCE_DATE_EPOCH")
			}
			if res != nil {
				t.Error("Build returned a result with its error")
			}
			containsAll(t, "error", err.Error(), "SOURCE_DATE_EPOCH", tc.value)
			if n := len(f.solvesOf(kindImage)); n != 0 {
				t.Errorf("%d image solves with a bad SOURCE_DATE_EPOCH, want none", n)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------
// 2. Named contexts

// TestNamedContexts: --build-context models=DIR replaces the copied path models (with the
// secure excludes), and --build-context python:3.10-slim=docker-image://... replaces the
// base instead of resolving the spec's; without them the base is pinned to the digest the
// registry gives and every path comes from the main context.
func TestNamedContexts(t *testing.T) {
	const mirror = "mirror.example.com/library/python:3.10-slim@sha256:1111111111111111111111111111111111111111111111111111111111111111"
	const docker = "docker.io/library/python:3.10-slim"
	for _, tc := range []struct {
		name  string
		setup func(f *fakeClient)
		// modelsFrom is the source the models copy reads.
		modelsFrom string
		// wantBase is the base image source; wantResolved the refs the resolver is asked.
		wantBase     string
		wantResolved []string
		wantDigest   bool // base.digest label set
	}{
		{
			name:         "none",
			setup:        func(f *fakeClient) {},
			modelsFrom:   "local://context",
			wantBase:     "docker-image://" + docker + "@" + digest.FromString("manifest of "+docker).String(),
			wantResolved: []string{docker},
			wantDigest:   true,
		},
		{
			name: "models from a local directory",
			setup: func(f *fakeClient) {
				f.without("context", "models").withOpt("context:models", "local:models").
					withFile("models", "model.bin", "trained elsewhere")
			},
			modelsFrom:   "local://models",
			wantBase:     "docker-image://" + docker + "@" + digest.FromString("manifest of "+docker).String(),
			wantResolved: []string{docker},
			wantDigest:   true,
		},
		{
			name: "base from an image",
			setup: func(f *fakeClient) {
				f.withOpt("context:python:3.10-slim", "docker-image://"+mirror)
			},
			modelsFrom:   "local://context",
			wantBase:     "docker-image://" + mirror,
			wantResolved: []string{mirror},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, syntaxLine+"version: 1\n")
			tc.setup(f)
			res := mustBuild(t, f)
			img := f.image()

			var models []copyAction
			for _, c := range img.Copies() {
				if c.Dest == "/app/models" {
					models = append(models, c)
				}
				if c.From == "local://context" && strings.TrimPrefix(c.Src, "/") == "models" && tc.modelsFrom != "local://context" {
					t.Errorf("models is still copied from the main context: %+v", c)
				}
			}
			if len(models) != 1 || models[0].From != tc.modelsFrom {
				t.Errorf("copies into /app/models: %+v, want one from %s", models, tc.modelsFrom)
			}
			if tc.modelsFrom == "local://models" {
				for _, l := range img.Locals() {
					if l.Name == "models" && !slices.Contains(l.Excludes, "**/.git") {
						t.Errorf("the models context lacks the secure excludes: %q", l.Excludes)
					}
				}
			}

			var bases []string
			for _, s := range img.Sources() {
				if strings.HasPrefix(s, "docker-image://") {
					bases = append(bases, s)
				}
			}
			if !slices.Equal(bases, []string{tc.wantBase}) {
				t.Errorf("image sources %q, want the base %q only", bases, tc.wantBase)
			}
			if got := f.resolvedRefs(); !slices.Equal(got, tc.wantResolved) {
				t.Errorf("resolved %q, want %q", got, tc.wantResolved)
			}
			labels := imageConfig(t, res).Config.Labels
			if _, ok := labels[plan.LabelBaseDigest]; ok != tc.wantDigest {
				t.Errorf("label %s set: %v, want %v (labels %v)", plan.LabelBaseDigest, ok, tc.wantDigest, labels)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------
// 3. Explaining a failed build

const copySpec = syntaxLine + `version: 1
targets:
  inference:
    copy:
      - src
      - configs
      - models
`

var errImage = errors.New("fake: process \"/bin/sh -c cp\" did not complete successfully: exit code: 1")

// TestExplainFailure: when the image solve fails and a path the spec needs is not in the
// main context (missing or excluded), Build names the path and its spec path, located at its
// spec line; when every path is there (or comes from a named context), the solve's own error
// is returned.
func TestExplainFailure(t *testing.T) {
	type missing struct {
		path, specPath string
		at             string // text of the spec the error points at
	}
	models := missing{"models", "targets.inference.copy[2]", "models\n"}
	configs := missing{"configs", "targets.inference.copy[1]", "configs\n"}
	for _, tc := range []struct {
		name    string
		spec    string
		setup   func(f *fakeClient)
		missing []missing // none: the solve's error is returned
	}{
		{"models missing", copySpec, func(f *fakeClient) { f.without("context", "models") }, []missing{models}},
		{"models excluded by .dockerignore", copySpec, func(f *fakeClient) { f.withFile("context", ".dockerignore", "models\n") }, []missing{models}},
		{"two missing", copySpec, func(f *fakeClient) { f.without("context", "models").without("context", "configs") }, []missing{configs, models}},
		{"requirements missing", syntaxLine + "version: 1\n", func(f *fakeClient) { f.without("context", "requirements.txt") },
			[]missing{{"requirements.txt", "requirements: no dependency file", "version: 1"}}},
		{"all there", copySpec, func(f *fakeClient) {}, nil},
		{"models from a named context", copySpec, func(f *fakeClient) {
			f.without("context", "models").withOpt("context:models", "local:models").withFile("models", "model.bin", "x")
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.spec)
			f.imageErr = errImage
			tc.setup(f)
			res, err := build(t, f)
			if err == nil {
				t.Fatal("Build succeeded though the image solve failed")
			}
			if res != nil {
				t.Error("Build returned a result with its error")
			}
			if len(tc.missing) == 0 {
				if !errors.Is(err, errImage) {
					t.Errorf("error is not the solve's own error: %v", err)
				}
				if strings.Contains(err.Error(), "not in the build context") {
					t.Errorf("error blames the build context though every path is there: %v", err)
				}
				return
			}
			var wantAt []pos
			for _, m := range tc.missing {
				containsAll(t, "error", err.Error(), strconv.Quote(m.path), m.specPath)
				wantAt = append(wantAt, posOf(t, tc.spec, m.at))
			}
			for _, p := range []string{"src", "configs", "models", "requirements.txt"} {
				if !slices.ContainsFunc(tc.missing, func(m missing) bool { return m.path == p }) && strings.Contains(err.Error(), strconv.Quote(p)) {
					t.Errorf("error names %q, which is in the context: %v", p, err)
				}
			}
			starts := sourceStarts(t, err, tc.spec)
			if len(starts) == 0 {
				t.Fatalf("error carries no errdefs.Sources: %v", err)
			}
			for _, s := range starts {
				if !slices.Contains(wantAt, s) {
					t.Errorf("errdefs.Sources start at %v, want among %v", s, wantAt)
				}
			}
			// The check transfers only the paths it looks for.
			var follow []string
			for _, s := range f.solvesOf(kindLocal) {
				for _, l := range s.Graph.Locals() {
					if l.Name == "context" && slices.Contains(l.FollowPaths, tc.missing[0].path) {
						follow = l.FollowPaths
					}
				}
			}
			if follow == nil {
				t.Errorf("no read of the main context limited to the needed paths")
			}
		})
	}
}

// ---------------------------------------------------------------------------------------
// 4. Spec errors

// TestSpecErrors: every problem of a malformed spec comes back located: one errdefs source
// range per problem, starting where the message's "mlbuild.yaml:LINE:COL" says, which is
// where the problem is in the file. Nothing is solved or resolved.
func TestSpecErrors(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		at         []string // text each problem starts at, in file order
		paths      []string // spec paths the message names
		files      map[string]string
	}{
		{
			name: "bad port and unknown key",
			spec: syntaxLine + "version: 1\ntargets:\n  inference:\n    expose: [http]\n    comand: python app.py\n",
			at:   []string{"http]", "comand:"}, paths: []string{"targets.inference.expose[0]", "targets.inference.comand"},
		},
		{name: "unsupported version", spec: syntaxLine + "version: 2\n", at: []string{"version: 2"}, paths: []string{"version"}},
		{name: "tab indentation", spec: syntaxLine + "version: 1\ntargets:\n\tinference: {}\n", at: []string{"\tinference"}},
		{
			name: "undeclared build argument",
			spec: syntaxLine + "version: 1\nenv:\n  GREETING: ${NOPE}-x\n",
			at:   []string{"GREETING:"}, paths: []string{"env.GREETING"},
		},
		{
			// Located at the spec's list item, not in the lock: the build, lint and --call
			// check say the same.
			name: "misspelled group",
			spec: syntaxLine + "version: 1\ndependencies:\n  groups: [dev, docss]\n",
			at:   []string{"docss]"}, paths: []string{"dependencies.groups[1]", `did you mean "docs"?`},
			files: uvFiles(t),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.spec)
			for p, c := range tc.files {
				f.withFile("context", p, c)
			}
			res, err := build(t, f)
			if err == nil {
				t.Fatal("Build accepted a malformed spec")
			}
			if res != nil {
				t.Error("Build returned a result with its error")
			}
			var want []pos
			for _, a := range tc.at {
				want = append(want, posOf(t, tc.spec, a))
			}
			if got := sortedPos(sourceStarts(t, err, tc.spec)); !slices.Equal(got, want) {
				t.Errorf("errdefs.Sources start at %v, want %v\n%v", got, want, err)
			}
			if got := sortedPos(messagePositions(err)); !slices.Equal(got, want) {
				t.Errorf("message locations %v, want %v\n%v", got, want, err)
			}
			containsAll(t, "error", err.Error(), tc.paths...)
			for _, s := range errdefs.Sources(err) {
				if s.Info.Language != frontend.Lang {
					t.Errorf("source language %q, want %q", s.Info.Language, frontend.Lang)
				}
			}
			if n := len(f.solvesOf(kindImage)) + len(f.resolvedRefs()); n != 0 {
				t.Errorf("%d image solves or resolutions for a malformed spec", n)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------
// 5. Subrequests

const subrequestSpec = syntaxLine + `version: 1
args:
  PYTHON_VERSION: "3.10"
base: python:${PYTHON_VERSION}-slim
pip:
  secrets:
    - id: pipcreds
      env: PIP_INDEX_URL
targets:
  inference:
    description: Serves the model
  evaluate:
    extends: training
    description: Evaluates the model
`

// TestSubrequests: --call targets, outline and check, the describe request and our own
// schema request are answered from the spec alone (no image is built); an unknown request
// gets BuildKit's unsupported-subrequest error, which makes buildx fall back.
func TestSubrequests(t *testing.T) {
	for _, tc := range []struct {
		name  string
		req   string
		opts  map[string]string
		setup func(f *fakeClient)
		check func(t *testing.T, dt []byte)
	}{
		{name: "targets", req: targets.SubrequestsTargetsDefinition.Name, check: func(t *testing.T, dt []byte) {
			var l targets.List
			mustUnmarshal(t, dt, &l)
			var names []string
			for _, tg := range l.Targets {
				names = append(names, tg.Name)
				if tg.Default != (tg.Name == "inference") {
					t.Errorf("target %s: default = %v", tg.Name, tg.Default)
				}
				if tg.Base != "python:3.10-slim" {
					t.Errorf("target %s: base %q", tg.Name, tg.Base)
				}
				if want := map[string]string{"inference": "Serves the model", "evaluate": "Evaluates the model"}[tg.Name]; want != "" && tg.Description != want {
					t.Errorf("target %s: description %q, want %q", tg.Name, tg.Description, want)
				}
				if tg.Name == "evaluate" {
					if want := posOf(t, subrequestSpec, "evaluate:"); tg.Location == nil || locStart(tg.Location) != want {
						t.Errorf("target evaluate located at %v, want %v", tg.Location, want)
					}
				}
			}
			if !slices.Equal(names, []string{"evaluate", "inference", "training"}) {
				t.Errorf("targets %q", names)
			}
		}},
		{name: "outline", req: outline.SubrequestsOutlineDefinition.Name,
			opts: map[string]string{"build-arg:PYTHON_VERSION": "3.12", "build-arg:BUILDKIT_CACHE_MOUNT_NS": "team"},
			check: func(t *testing.T, dt []byte) {
				var o outline.Outline
				mustUnmarshal(t, dt, &o)
				if o.Name != "inference" || o.Description != "Serves the model — dependencies: requirements.txt (detected)" {
					t.Errorf("outline of %q (%q), want inference", o.Name, o.Description)
				}
				if len(o.Args) != 1 || o.Args[0].Name != "PYTHON_VERSION" || o.Args[0].Value != "3.12" {
					t.Errorf("args %+v, want PYTHON_VERSION=3.12", o.Args)
				} else if got, want := locStart(o.Args[0].Location), posOf(t, subrequestSpec, "PYTHON_VERSION:"); got != want {
					t.Errorf("arg located at %v, want %v", got, want)
				}
				if len(o.Secrets) != 1 || o.Secrets[0].Name != "pipcreds" || !o.Secrets[0].Required {
					t.Errorf("secrets %+v, want required pipcreds", o.Secrets)
				}
				if len(o.Cache) != 1 || o.Cache[0].ID != "team/mlbuild-pip" {
					t.Errorf("cache %+v, want team/mlbuild-pip", o.Cache)
				}
			}},
		{name: "outline of another target", req: outline.SubrequestsOutlineDefinition.Name, opts: map[string]string{"target": "evaluate"},
			check: func(t *testing.T, dt []byte) {
				var o outline.Outline
				mustUnmarshal(t, dt, &o)
				if o.Name != "evaluate" || len(o.Cache) != 1 || o.Cache[0].ID != "mlbuild-pip" {
					t.Errorf("outline %+v, want evaluate with cache mlbuild-pip", o)
				}
			}},
		{name: "lint", req: lint.SubrequestLintDefinition.Name,
			setup: func(f *fakeClient) { f.withFile("context", "requirements.txt", "fastapi==0.110.0\nnumpy\n") },
			check: func(t *testing.T, dt []byte) {
				var l lint.LintResults
				mustUnmarshal(t, dt, &l)
				if l.Error != nil {
					t.Errorf("lint error %v", l.Error)
				}
				if len(l.Sources) != 1 || l.Sources[0].Filename != specFile {
					t.Errorf("lint sources %v, want the spec", l.Sources)
				}
				rules := map[string]pos{}
				for _, w := range l.Warnings {
					rules[w.RuleName] = locStart(w.Location)
				}
				// numpy is unpinned: lint read requirements.txt from the context.
				for rule, at := range map[string]string{"PythonEndOfLife": "base:", "UnpinnedRequirement": "version: 1"} {
					got, ok := rules[rule]
					if !ok {
						t.Errorf("no %s warning in %v", rule, rules)
					} else if want := posOf(t, subrequestSpec, at); got.Line != want.Line {
						t.Errorf("%s at line %d, want %d", rule, got.Line, want.Line)
					}
				}
			}},
		{name: "describe", req: subrequests.RequestSubrequestsDescribe, check: func(t *testing.T, dt []byte) {
			containsAll(t, "describe", string(dt), targets.SubrequestsTargetsDefinition.Name, outline.SubrequestsOutlineDefinition.Name)
		}},
		{name: "schema", req: frontend.RequestSchema, check: func(t *testing.T, dt []byte) {
			want, err := spec.Schema()
			if err != nil {
				t.Fatal(err)
			}
			if string(dt) != string(want) {
				t.Errorf("schema subrequest returned %d bytes, not spec.Schema()", len(dt))
			}
		}},
		{name: "unknown", req: "frontend.nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, subrequestSpec).withOpt("requestid", tc.req)
			for k, v := range tc.opts {
				f.withOpt(k, v)
			}
			if tc.setup != nil {
				tc.setup(f)
			}
			res, err := build(t, f)
			if tc.check == nil {
				var unsupported *errdefs.UnsupportedSubrequestError
				if !errors.As(err, &unsupported) || unsupported.Name != tc.req {
					t.Errorf("error %v (%T), want an UnsupportedSubrequestError for %s", err, err, tc.req)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res == nil || res.Metadata["result.json"] == nil {
				t.Fatalf("no result.json in %v", res)
			}
			tc.check(t, res.Metadata["result.json"])
			if n := len(f.solvesOf(kindImage)) + len(f.solvesOf(kindCheck)) + len(f.resolvedRefs()); n != 0 {
				t.Errorf("the %s subrequest built or resolved %d things", tc.req, n)
			}
		})
	}
}

func mustUnmarshal(t *testing.T, dt []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(dt, v); err != nil {
		t.Fatalf("%v in %s", err, dt)
	}
}

// locStart is the 1-based start of a subrequest location's first range.
func locStart(l *pb.Location) pos {
	if l == nil || len(l.Ranges) == 0 || l.Ranges[0].Start == nil {
		return pos{}
	}
	return pos{int(l.Ranges[0].Start.Line), int(l.Ranges[0].Start.Character) + 1}
}

// ---------------------------------------------------------------------------------------
// 6. Checks

const checksSpec = syntaxLine + `version: 1
targets:
  inference:
    test:
      - python -c "import src.api"
      - pytest -q
`

// TestChecks: a failing check fails the build with its output, the spec path of the check
// at its line and "nothing was exported", and Build returns no result; passing checks let
// the image through.
// A failed check whose result is older than the build came from the cache (a smoke test that
// timed out once on a loaded machine): it runs again, cache ignored, and that run decides. A
// failure of this build's own run is final at once.
func TestChecksStaleFailureRerun(t *testing.T) {
	past := llbgraph.CheckResult{Exit: 1, Output: "timed out under load\n", RanAt: 1}
	now := llbgraph.CheckResult{Exit: 1, Output: "boom\n", RanAt: float64(time.Now().Add(time.Hour).Unix())}
	for _, tc := range []struct {
		name     string
		first    llbgraph.CheckResult
		fresh    *llbgraph.CheckResult
		reruns   int
		wantFail string // "" when the build succeeds
	}{
		{"cached failure, passes again", past, &llbgraph.CheckResult{RanAt: 2}, 1, ""},
		{"cached failure, fails again", past, &now, 1, "boom"},
		{"failure of this build", now, nil, 0, "boom"},
		{"no time recorded", llbgraph.CheckResult{Exit: 1, Output: "old runner\n"}, nil, 0, "old runner"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, checksSpec)
			f.checkResults["smoke test"] = tc.first
			if tc.fresh != nil {
				f.freshResults["smoke test"] = *tc.fresh
			}
			res, err := build(t, f)
			fresh := f.solvesOf(kindFreshCheck)
			if len(fresh) != tc.reruns {
				t.Fatalf("%d checks re-run with the cache ignored, want %d", len(fresh), tc.reruns)
			}
			for _, s := range fresh {
				if n := s.Graph.Name(s.Graph.Root); !strings.Contains(n, "smoke test") {
					t.Errorf("re-ran %q, want only the smoke test", n)
				}
			}
			if tc.wantFail == "" {
				if err != nil || res == nil || res.Ref == nil {
					t.Fatalf("build: %v (result %v), want the image", err, res)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantFail) {
				t.Fatalf("build error %v, want one with %q", err, tc.wantFail)
			}
		})
	}
}

func TestChecks(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fail     string // substring of the failing check's vertex name; "" for none
		specPath string
		at       string // spec text the error points at; "" not checked
	}{
		{"all pass", "", "", ""},
		{"test fails", "test[1]", "targets.inference.test[1]", "pytest -q"},
		{"smoke test fails", "smoke test", "targets.inference.healthcheck", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, checksSpec)
			if tc.fail != "" {
				f.checkResults[tc.fail] = llbgraph.CheckResult{Exit: 1, Output: "boom\n"}
			}
			res, err := build(t, f)
			var names []string
			for _, s := range f.solvesOf(kindCheck) {
				names = append(names, s.Graph.Name(s.Graph.Root))
			}
			if len(names) != 3 {
				t.Errorf("check solves %q, want 2 tests and the smoke test", names)
			}
			for _, n := range names {
				if !strings.Contains(n, "check") {
					t.Errorf("check vertex %q does not say check", n)
				}
			}
			if tc.fail == "" {
				if err != nil {
					t.Fatal(err)
				}
				if res == nil || res.Ref == nil {
					t.Fatal("no image returned though every check passed")
				}
				return
			}
			if err == nil {
				t.Fatal("Build succeeded though a check failed")
			}
			if res != nil {
				t.Error("Build returned a result though a check failed")
			}
			containsAll(t, "error", err.Error(), "boom", tc.specPath, "nothing was exported")
			if hint := "targets.inference.smoke-test: false"; strings.Contains(err.Error(), hint) != (tc.fail == "smoke test") {
				t.Errorf("the error says how to turn the smoke test off (%q) = %v, want it for the smoke test only: %v", hint, !(tc.fail == "smoke test"), err)
			}
			if strings.Count(err.Error(), "boom") != 1 {
				t.Errorf("the failing check's output appears %d times: %v", strings.Count(err.Error(), "boom"), err)
			}
			// The check's spec range is attached once: buildx prints every source it gets.
			if n := len(errdefs.Sources(err)); n != 1 {
				t.Errorf("error carries %d errdefs sources, want exactly 1: %v", n, err)
			}
			starts := sourceStarts(t, err, checksSpec)
			if len(starts) != 1 {
				t.Errorf("error carries %d source ranges, want 1: %v", len(starts), err)
			}
			if tc.at != "" {
				if want := posOf(t, checksSpec, tc.at); !slices.Contains(starts, want) {
					t.Errorf("errdefs.Sources start at %v, want %v", starts, want)
				}
			}
		})
	}
}

// ---------------------------------------------------------------------------------------
// 7. Builder capabilities

// sinceV08 are the LLB capabilities BuildKit added after v0.8 (Docker Engine 20.10) that the
// graph could use.
var sinceV08 = []apicaps.CapID{
	pb.CapMergeOp, pb.CapDiffOp, pb.CapExecSecretEnv, pb.CapSourceLocalDiffer,
	pb.CapFileCopyIncludeExcludePatterns, pb.CapExecMountTmpfsSize, pb.CapSourceDateEpoch,
	pb.CapFileCopyAlwaysReplaceExistingDestPaths, pb.CapExecValidExitCode, pb.CapSourceMetadataTransfer,
	pb.CapFileCopyRequiredPaths, pb.CapFileSymlinkCreate, pb.CapFileRmNoFollowSymlink,
}

// TestBuilderCaps: the builder's LLB capabilities pick the graph's shape. Without the merge
// and diff ops (Docker's graphdriver storage, Docker 20.10) the image definition has neither,
// the build still succeeds and its checks still run; with them the merge shape is used.
func TestBuilderCaps(t *testing.T) {
	for _, tc := range []struct {
		name      string
		caps      apicaps.CapSet
		wantMerge bool
	}{
		{"buildkitd", llbCapsWithout(nil, nil), true},
		{"graphdriver", llbCapsWithout(nil, []apicaps.CapID{pb.CapMergeOp, pb.CapDiffOp}), false},
		{"BuildKit v0.8", llbCapsWithout(sinceV08, nil), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, checksSpec)
			f.llbCaps = tc.caps
			mustBuild(t, f)
			img := f.image()
			merges, diffs := img.Count("merge"), img.Count("diff")
			if tc.wantMerge && (merges == 0 || diffs == 0) {
				t.Errorf("full builder: %d merge and %d diff ops, want the merge shape", merges, diffs)
			}
			if !tc.wantMerge && merges+diffs != 0 {
				t.Errorf("builder without merge/diff: the image has %d merge and %d diff ops", merges, diffs)
			}
			if n := len(f.solvesOf(kindCheck)); n != 3 {
				t.Errorf("%d check solves, want 3", n)
			}
			// Both shapes install the requirements with the persistent pip cache.
			if !slices.ContainsFunc(img.Mounts(), func(m execMount) bool { return m.Type == pb.MountType_CACHE && m.CacheID == "mlbuild-pip" }) {
				t.Errorf("no mlbuild-pip cache mount in the image: %+v", img.Mounts())
			}
		})
	}
}

// ---------------------------------------------------------------------------------------
// Lint warnings during a build

// TestBuildWarnings: a build sends the spec's lint warnings to the client, located at their
// spec lines in the spec file.
func TestBuildWarnings(t *testing.T) {
	s := syntaxLine + "version: 1\nbase: python:3.10-slim\n"
	f := newFake(t, s)
	mustBuild(t, f)
	f.mu.Lock()
	defer f.mu.Unlock()
	want := posOf(t, s, "base:")
	for _, w := range f.warnings {
		if !strings.Contains(w.Msg, "PythonEndOfLife") {
			continue
		}
		if len(w.Opts.Range) == 0 || int(w.Opts.Range[0].Start.Line) != want.Line {
			t.Errorf("PythonEndOfLife warning at %v, want line %d", w.Opts.Range, want.Line)
		}
		if w.Opts.SourceInfo == nil || w.Opts.SourceInfo.Filename != specFile {
			t.Errorf("warning source %v, want %s", w.Opts.SourceInfo, specFile)
		}
		return
	}
	t.Errorf("no PythonEndOfLife warning among %+v", f.warnings)
}

// TestRequirementsResolvedIntoPackageLayers: for requirements files with layers: packages,
// the frontend first asks pip what it would install (a dry run with a report, on a full
// builder only), then installs each package in a layer of its own with its hash; by default,
// with layers: single or on a builder without merge ops, one pip step.
func TestRequirementsResolvedIntoPackageLayers(t *testing.T) {
	h := strings.Repeat("ab", 32)
	report := `{"version": "1", "install": [
  {"download_info": {"url": "https://pypi.example/numpy.whl", "archive_info": {"hashes": {"sha256": "` + h + `"}}}, "metadata": {"name": "numpy", "version": "2.1.0"}},
  {"download_info": {"url": "https://pypi.example/torch.whl", "archive_info": {"hashes": {"sha256": "` + h + `"}}}, "metadata": {"name": "torch", "version": "2.4.0"}}]}`
	for _, tc := range []struct {
		name, spec string
		caps       *apicaps.CapSet
		resolves   int
		wantSteps  []string
	}{
		{"packages", syntaxLine + "version: 1\ndependencies: {layers: packages}\n", nil, 1, []string{"layer torch: torch==2.4.0", "layer numpy: numpy==2.1.0"}},
		{"default for requirements files", syntaxLine + "version: 1\n", nil, 0, []string{"pip install -r requirements.txt"}},
		{"single", syntaxLine + "version: 1\ndependencies: {layers: single}\n", nil, 0, []string{"pip install -r requirements.txt"}},
		{"graphdriver", syntaxLine + "version: 1\ndependencies: {layers: packages}\n", ptrTo(llbCapsWithout(nil, []apicaps.CapID{pb.CapMergeOp, pb.CapDiffOp})), 0, []string{"pip install -r requirements.txt"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.spec)
			f.pipReport = report
			if tc.caps != nil {
				f.llbCaps = *tc.caps
			}
			mustBuild(t, f)
			if n := len(f.solvesOf(kindResolve)); n != tc.resolves {
				t.Errorf("%d dry runs, want %d", n, tc.resolves)
			}
			names := strings.Join(f.image().Names(), "\n")
			for _, want := range tc.wantSteps {
				if !strings.Contains(names, want) {
					t.Errorf("no vertex with %q among:\n%s", want, names)
				}
			}
			if tc.resolves > 0 && strings.Contains(names, "pip install -r requirements.txt") {
				t.Errorf("the requirements were resolved, yet installed in one step:\n%s", names)
			}
		})
	}
}

// TestWheelsFetchedByBuilder: when the packages get a layer each and pip's report (or a
// lock) gives their wheels' URLs, the frontend asks the base's pip once which wheel tags its
// Python takes, and each layer whose wheel fits is fetched by the builder by its sha256 (an
// HTTP source with the checksum) and unpacked in a step with no network; a package with no
// fitting wheel keeps its pip step. With pip secrets (which may name another index) nothing
// is fetched directly and no tags are asked for.
func TestWheelsFetchedByBuilder(t *testing.T) {
	h := strings.Repeat("ab", 32)
	numpy := "numpy-2.1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
	torch := "torch-2.4.0-cp310-cp310-manylinux_2_17_aarch64.whl"
	report := `{"version": "1", "install": [
  {"download_info": {"url": "https://files.example/` + numpy + `", "archive_info": {"hashes": {"sha256": "` + h + `"}}}, "metadata": {"name": "numpy", "version": "2.1.0"}},
  {"download_info": {"url": "https://files.example/` + torch + `", "archive_info": {"hashes": {"sha256": "` + h + `"}}}, "metadata": {"name": "torch", "version": "2.4.0"}}]}`
	tags := "cp310-cp310-manylinux_2_36_x86_64\ncp310-cp310-manylinux_2_17_x86_64\ncp310-none-any\npy3-none-any\n"
	for _, tc := range []struct {
		name, spec string
		tagSolves  int
		wheels     []string
	}{
		{"fetched", "version: 1\ndependencies: {layers: packages}\n", 1, []string{numpy}},
		{"pip secrets", "version: 1\ndependencies: {layers: packages}\npip:\n  secrets: [{id: idx, env: PIP_INDEX_URL}]\n", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, syntaxLine+tc.spec)
			f.pipReport, f.wheelTags = report, tags
			mustBuild(t, f)
			if n := len(f.solvesOf(kindTags)); n != tc.tagSolves {
				t.Errorf("%d tag questions, want %d", n, tc.tagSolves)
			}
			img := f.image()
			names := strings.Join(img.Names(), "\n")
			var fetched []string
			for _, d := range img.Order {
				src := img.Ops[d].GetSource()
				if src == nil || !strings.HasPrefix(src.Identifier, "https://") {
					continue
				}
				fetched = append(fetched, path.Base(src.Identifier))
				if src.Attrs[pb.AttrHTTPChecksum] != "sha256:"+h {
					t.Errorf("%s fetched without its checksum: %v", src.Identifier, src.Attrs)
				}
			}
			if !slices.Equal(fetched, tc.wheels) {
				t.Errorf("fetched %v, want %v", fetched, tc.wheels)
			}
			if len(tc.wheels) == 0 {
				if !strings.Contains(names, "layer numpy: numpy==2.1.0") {
					t.Errorf("numpy is not installed by pip:\n%s", names)
				}
				return
			}
			if !strings.Contains(names, "install from requirements.txt, layer numpy: "+numpy) || !strings.Contains(names, "layer torch: torch==2.4.0") {
				t.Errorf("want numpy unpacked from its wheel and torch (no wheel for x86_64) installed by pip:\n%s", names)
			}
			for _, d := range img.Order {
				ex := img.Ops[d].GetExec()
				if ex != nil && strings.Contains(img.Name(d), "layer numpy") && ex.Network != pb.NetMode_NONE {
					t.Errorf("the wheel step has network %v", ex.Network)
				}
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }

// TestPlatformInVertexNames: step names carry the platform when a multi-platform build was
// requested, whatever the number of platforms this frontend received. buildx sends each node
// of a multi-node builder only its own platform with multi-platform=true, and the nodes' steps
// must still tell the platforms apart; a plain single-platform build keeps short names.
func TestPlatformInVertexNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts map[string]string
		// want is the label of each image solve's vertices, by architecture.
		want map[string]string
	}{
		{"default platform", nil, map[string]string{"amd64": "inference"}},
		{"one platform", map[string]string{"platform": "linux/arm64"}, map[string]string{"arm64": "inference"}},
		{"one node of a multi-node builder", map[string]string{"platform": "linux/arm64", "multi-platform": "true"},
			map[string]string{"arm64": "inference linux/arm64"}},
		{"BUILDKIT_MULTI_PLATFORM", map[string]string{"platform": "linux/amd64", "build-arg:BUILDKIT_MULTI_PLATFORM": "1"},
			map[string]string{"amd64": "inference linux/amd64"}},
		{"two platforms", map[string]string{"platform": "linux/amd64,linux/arm64"},
			map[string]string{"amd64": "inference linux/amd64", "arm64": "inference linux/arm64"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, syntaxLine+"version: 1\n")
			for k, v := range tc.opts {
				f.withOpt(k, v)
			}
			if _, err := build(t, f); err != nil {
				t.Fatal(err)
			}
			imgs := f.solvesOf(kindImage)
			if len(imgs) != len(tc.want) {
				t.Fatalf("%d image solves, want %d", len(imgs), len(tc.want))
			}
			seen := map[string]bool{}
			for _, s := range imgs {
				arch := s.Graph.Arch()
				want, ok := tc.want[arch]
				if !ok {
					t.Fatalf("an image solve for %q, want only %v", arch, keys(tc.want))
				}
				seen[arch] = true
				steps := 0
				for _, n := range s.Graph.Names() {
					if !strings.HasPrefix(n, "[inference") {
						continue
					}
					steps++
					if !strings.HasPrefix(n, "["+want+" ") && !strings.HasPrefix(n, "["+want+"]") {
						t.Errorf("%s image: vertex %q, want the label [%s]", arch, n, want)
					}
				}
				if steps < 3 {
					t.Errorf("%s image: %d named steps of the target: %q", arch, steps, s.Graph.Names())
				}
			}
			if len(seen) != len(tc.want) {
				t.Errorf("image solves for %v, want %v", keys(seen), keys(tc.want))
			}
		})
	}
}

// Arch is the architecture of the graph's base image (its first docker-image source).
func (g *llbGraph) Arch() string {
	for _, d := range g.Order {
		op := g.Ops[d]
		if src := op.GetSource(); src != nil && strings.HasPrefix(src.Identifier, "docker-image://") && op.Platform != nil {
			return op.Platform.Architecture
		}
	}
	return ""
}
