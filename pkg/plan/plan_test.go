package plan_test

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/spec"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func load(t *testing.T, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Load("mlbuild.yaml", []byte(src), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newPlan(t *testing.T, s *spec.Spec, opt plan.Options) *plan.Plan {
	t.Helper()
	p, err := plan.New(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// summary is a plan's steps as "kind what" lines, written out by hand in the tests.
func summary(p *plan.Plan) []string {
	kinds := map[plan.Kind]string{plan.User: "user", plan.Venv: "venv", plan.Pip: "pip", plan.Copy: "copy", plan.Workdir: "workdir", plan.Assemble: "assemble"}
	var out []string
	for _, st := range p.Steps {
		line := kinds[st.Kind] + " " + st.Name
		if st.Copy != nil {
			line += fmt.Sprintf(" <- %q:%s", st.Copy.Context, st.Copy.From)
		}
		out = append(out, line)
	}
	return out
}

// TestSteps checks the steps of the default inference target in both shapes: the numbering
// counts exactly the steps named, and only the merge shape has an assemble step.
func TestSteps(t *testing.T) {
	s := load(t, "version: 1\n")
	merge := newPlan(t, s, plan.Options{Target: "inference"})
	want := []string{
		"user [inference 1/7] create user app (10001:10001)",
		"venv [inference 2/7] python3 -m venv --without-pip --system-site-packages /opt/venv",
		"pip [inference 3/7] pip install -r requirements.txt",
		`copy [inference 4/7] copy src /app/src <- "":src`,
		`copy [inference 5/7] copy configs /app/configs <- "":configs`,
		`copy [inference 6/7] copy models /app/models <- "":models`,
		"assemble [inference 7/7] assemble 7 layers",
	}
	if diff := cmp.Diff(want, summary(merge)); diff != "" {
		t.Errorf("merge shape (-want +got):\n%s", diff)
	}
	cp := newPlan(t, s, plan.Options{Target: "inference", Shape: plan.ShapeCopy, Label: "inference linux/arm64"})
	want = []string{
		"user [inference linux/arm64 1/6] create user app (10001:10001)",
		"venv [inference linux/arm64 2/6] python3 -m venv --without-pip --system-site-packages /opt/venv",
		"pip [inference linux/arm64 3/6] pip install -r requirements.txt",
		`copy [inference linux/arm64 4/6] copy src /app/src <- "":src`,
		`copy [inference linux/arm64 5/6] copy configs /app/configs <- "":configs`,
		`copy [inference linux/arm64 6/6] copy models /app/models <- "":models`,
	}
	if diff := cmp.Diff(want, summary(cp)); diff != "" {
		t.Errorf("copy shape (-want +got):\n%s", diff)
	}
	if got := merge.Steps[0].LayerName(); got != "[inference 1/7] create user app (10001:10001): layer" {
		t.Errorf("layer name %q", got)
	}
}

// TestNamedContextIsAnInput checks that a context named like a copied path replaces it in
// the plan, and that the spec itself is left as it was.
func TestNamedContextIsAnInput(t *testing.T) {
	s := load(t, "version: 1\n")
	before := fmt.Sprintf("%+v", *s.Targets["inference"])
	copies := s.Targets["inference"].Copy
	p := newPlan(t, s, plan.Options{Target: "inference", Contexts: []string{"models", "unrelated"}})
	st := p.Steps[5]
	if st.Copy == nil || st.Copy.Context != "models" || st.Copy.From != "." || st.Copy.Dest != "/app/models" {
		t.Fatalf("copy step for models: %+v", st.Copy)
	}
	if p.Steps[3].Copy.Context != "" {
		t.Errorf("src should come from the main context: %+v", p.Steps[3].Copy)
	}
	if after := fmt.Sprintf("%+v", *s.Targets["inference"]); after != before || !reflect.DeepEqual(copies, s.Targets["inference"].Copy) {
		t.Errorf("plan.New changed the spec:\nbefore %s\nafter  %s", before, after)
	}
	// The main-context paths it needs leave models out.
	var paths []string
	for _, n := range p.MainContextPaths() {
		paths = append(paths, n.Path+"@"+n.SpecPath)
	}
	want := []string{"requirements.txt@requirements[0]", "src@targets.inference.copy[0]", "configs@targets.inference.copy[1]"}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("main context paths (-want +got):\n%s", diff)
	}
	if got := plan.ContextNames(s.Targets["inference"]); !reflect.DeepEqual(got, []string{"src", "configs", "models"}) {
		t.Errorf("context names %v", got)
	}
}

// TestCopyShapeLeavesCopyDestsToTheCopy: a writable directory that a copy also creates is
// made by the user step in the merge shape only.
func TestCopyShapeLeavesCopyDestsToTheCopy(t *testing.T) {
	s := load(t, "version: 1\ntargets:\n  inference:\n    writable: [models, cache]\n")
	merge := newPlan(t, s, plan.Options{Target: "inference"}).Find(plan.User).Script
	cp := newPlan(t, s, plan.Options{Target: "inference", Shape: plan.ShapeCopy}).Find(plan.User).Script
	if !strings.Contains(merge, "mkdir -p /app/models /app/cache && chown 10001:10001 /app/models /app/cache") {
		t.Errorf("merge user script:\n%s", merge)
	}
	if !strings.Contains(cp, "mkdir -p /app/cache && chown 10001:10001 /app/cache") || strings.Contains(cp, "/app/models") {
		t.Errorf("copy user script:\n%s", cp)
	}
}

// TestWritableWorkdir: training's working directory is the user's by default, in a step
// after the copies (so its entry replaces theirs) in both shapes; inference's is not;
// writable-workdir turns it on and off per target, and a root user or the workdir / get none.
func TestWritableWorkdir(t *testing.T) {
	s := load(t, "version: 1\n")
	for _, shape := range []plan.Shape{plan.ShapeMerge, plan.ShapeCopy} {
		p := newPlan(t, s, plan.Options{Target: "training", Shape: shape})
		var kinds []plan.Kind
		for _, st := range p.Steps {
			kinds = append(kinds, st.Kind)
		}
		want := []plan.Kind{plan.User, plan.Venv, plan.Pip, plan.Copy, plan.Copy, plan.Workdir}
		if shape == plan.ShapeMerge {
			want = append(want, plan.Assemble)
		}
		if !slices.Equal(kinds, want) {
			t.Errorf("%s: steps %v, want %v", shape, summary(p), want)
		}
		st := p.Find(plan.Workdir)
		if !slices.Equal(st.Dirs, []string{"/app"}) || st.UID != 10001 || st.GID != 10001 || st.SpecPath != "targets.training" ||
			st.Name != "[training 6/"+fmt.Sprint(len(p.Steps))+"] workdir /app writable by 10001:10001" ||
			st.History != "mlbuild: workdir /app writable by 10001:10001" ||
			st.Script != "set -eu\nmkdir -p /app && chown 10001:10001 /app && chmod 0755 /app" {
			t.Errorf("%s: workdir step %+v", shape, st)
		}
	}
	if newPlan(t, s, plan.Options{Target: "inference"}).Find(plan.Workdir) != nil {
		t.Error("inference's working directory is the user's by default")
	}
	for src, want := range map[string]bool{
		"version: 1\ntargets:\n  training:\n    writable-workdir: false\n":                    false,
		"version: 1\ntargets:\n  inference:\n    writable-workdir: true\n":                    true,
		"version: 1\ntargets:\n  nightly:\n    extends: training\n":                           true,
		"version: 1\ntargets:\n  nightly:\n    command: [python, x.py]\n":                     false,
		"version: 1\nuser: {uid: 0}\ntargets:\n  inference:\n    writable-workdir: true\n":    false,
		"version: 1\nworkdir: /\ntargets:\n  inference:\n    writable-workdir: true\n":        false,
		"version: 1\nworkdir: /srv/app\ntargets:\n  inference:\n    writable-workdir: true\n": true,
	} {
		s := load(t, src)
		target := "inference"
		for name := range s.Targets {
			if name != "training" && name != "inference" || strings.Contains(src, "  "+name+":") {
				target = name
			}
		}
		st := newPlan(t, s, plan.Options{Target: target}).Find(plan.Workdir)
		if (st != nil) != want {
			t.Errorf("%q: workdir step %v, want %v", src, st != nil, want)
		}
		if st != nil && strings.Contains(src, "writable-workdir") && st.SpecPath != "targets."+target+".writable-workdir" {
			t.Errorf("%q: spec path %s", src, st.SpecPath)
		}
	}
}

// TestWritableCopiedDirs: a writable directory that a copy lands on or in (artifacts/ holds
// committed files the code reads and writes new ones into) is given to the user after the
// copies, in both shapes, beside the working directory when that is the user's too; one
// that no copy touches stays the user step's alone.
func TestWritableCopiedDirs(t *testing.T) {
	for _, tc := range []struct {
		src, target string
		dirs        []string
		what        string
	}{
		{"version: 1\ntargets:\n  inference:\n    copy: [src, artifacts, app]\n    writable: [artifacts, app/model, cache]\n", "inference",
			[]string{"/app/artifacts", "/app/app/model"}, "/app/artifacts, /app/app/model writable by 10001:10001"},
		{"version: 1\ntargets:\n  training:\n    copy: [src, artifacts]\n    writable: [models, artifacts]\n", "training",
			[]string{"/app", "/app/artifacts"}, "workdir /app, /app/artifacts writable by 10001:10001"},
	} {
		s := load(t, tc.src)
		for _, shape := range []plan.Shape{plan.ShapeMerge, plan.ShapeCopy} {
			p := newPlan(t, s, plan.Options{Target: tc.target, Shape: shape})
			st := p.Find(plan.Workdir)
			if st == nil {
				t.Fatalf("%s %s: no step gives the copied writable directories to the user: %v", tc.target, shape, summary(p))
			}
			if !slices.Equal(st.Dirs, tc.dirs) || !strings.HasSuffix(st.Name, "] "+tc.what) ||
				!strings.Contains(st.Script, "chown 10001:10001 "+strings.Join(tc.dirs, " ")) || st.SpecPath != "targets."+tc.target+".writable" && tc.target == "inference" {
				t.Errorf("%s %s: step %+v", tc.target, shape, st)
			}
			if last := p.Steps[len(p.Steps)-1]; last.Kind != plan.Workdir && (shape == plan.ShapeCopy || p.Steps[len(p.Steps)-2].Kind != plan.Workdir) {
				t.Errorf("%s %s: the step is not after the copies: %v", tc.target, shape, summary(p))
			}
		}
	}
}

// TestConfigApply checks the env order and PATH on bases with and without PATH, and that
// the base config is not changed.
func TestConfigApply(t *testing.T) {
	s := load(t, `version: 1
targets:
  inference:
    env: {PYTHONPATH: /x, A: "1"}
    labels: {team: ml}
`)
	c := newPlan(t, s, plan.Options{Target: "inference"}).Config
	base := &dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{
		Env:          []string{"LANG=C.UTF-8", "PATH=/usr/bin:/bin"},
		ExposedPorts: map[string]struct{}{"1234/tcp": {}},
		Labels:       map[string]string{"base": "yes"},
		Cmd:          []string{"python3"},
	}}
	got := c.Apply(base, "docker.io/library/python:3.10-slim", "sha256:abc")
	wantEnv := []string{"LANG=C.UTF-8", "PATH=/opt/venv/bin:/usr/bin:/bin", "VIRTUAL_ENV=/opt/venv", "PYTHONPATH=/x",
		"PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1", "A=1"}
	if diff := cmp.Diff(wantEnv, got.Env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]struct{}{"8000/tcp": {}}, got.ExposedPorts); diff != "" {
		t.Errorf("ports (-want +got):\n%s", diff)
	}
	wantLabels := map[string]string{"base": "yes", "team": "ml", plan.LabelBaseName: "docker.io/library/python:3.10-slim", plan.LabelBaseDigest: "sha256:abc"}
	if diff := cmp.Diff(wantLabels, got.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if base.Env[1] != "PATH=/usr/bin:/bin" || len(base.Labels) != 1 {
		t.Errorf("Apply changed the base config: %v %v", base.Env, base.Labels)
	}
	noReqs := newPlan(t, load(t, "version: 1\nrequirements: []\n"), plan.Options{Target: "training"}).Config.Apply(nil, "", "")
	if noReqs.Env[0] != "PATH="+plan.DefaultPath {
		t.Errorf("a base without PATH gets %q first, want the default PATH", noReqs.Env[0])
	}
}

// TestChecks checks when the smoke test applies and its timing.
func TestChecks(t *testing.T) {
	for _, tc := range []struct {
		name, src, target string
		want              []string
	}{
		{"inference smoke", "version: 1\n", "inference", []string{"smoke targets.inference.healthcheck port=8000"}},
		{"training has no healthcheck", "version: 1\n", "training", nil},
		{"smoke off", "version: 1\ntargets:\n  inference:\n    smoke-test: false\n", "inference", nil},
		{"healthcheck none", "version: 1\ntargets:\n  inference:\n    healthcheck: none\n", "inference", nil},
		{"tests then smoke", "version: 1\ntargets:\n  inference:\n    test: [\"pytest -q\"]\n    healthcheck: {command: [\"true\"]}\n", "inference",
			[]string{"command targets.inference.test[0] port=0", "smoke targets.inference.healthcheck port=0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan(t, load(t, tc.src), plan.Options{Target: tc.target})
			var got []string
			for _, c := range p.Checks {
				got = append(got, fmt.Sprintf("%s %s port=%d", c.Kind, c.SpecPath, c.Port))
				if c.Kind == plan.CheckSmoke && (c.Deadline < 30*time.Second || c.Deadline > 5*time.Minute) {
					t.Errorf("deadline %v out of [30s, 5m]", c.Deadline)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("checks (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUnknownTarget: a located error with a suggestion.
func TestUnknownTarget(t *testing.T) {
	_, err := plan.New(load(t, "version: 1\ntargets:\n  inference:\n    expose: [9000]\n"), plan.Options{Target: "inferense"})
	var se *spec.Error
	if !errors.As(err, &se) || se.Path != "targets" || se.Range.Start.Line != 2 || !strings.Contains(se.Msg, `did you mean "inference"`) {
		t.Fatalf("error %v (%#v)", err, se)
	}
}

// TestContextReads: only the copied paths and the project's directory are read from the main
// context, unless one of them is its root.
func TestContextReads(t *testing.T) {
	s := load(t, "version: 1\n")
	if got := newPlan(t, s, plan.Options{Target: "inference"}).ContextReads(); !reflect.DeepEqual(got, []string{"configs", "models", "src"}) {
		t.Errorf("inference reads %v", got)
	}
	if got := newPlan(t, s, plan.Options{Target: "inference", Contexts: []string{"models"}}).ContextReads(); !reflect.DeepEqual(got, []string{"configs", "src"}) {
		t.Errorf("with models from a named context, inference reads %v", got)
	}
	project := &plan.Deps{Kind: spec.SourceUVLock, Source: "svc/uv.lock", Generated: []byte("x==1\n"), Project: true, ProjectPath: "svc"}
	if got := newPlan(t, s, plan.Options{Target: "training", Deps: project}).ContextReads(); !reflect.DeepEqual(got, []string{"configs", "src", "svc"}) {
		t.Errorf("with the project in svc/, training reads %v", got)
	}
	project.ProjectPath = "."
	if got := newPlan(t, s, plan.Options{Target: "training", Deps: project}).ContextReads(); got != nil {
		t.Errorf("with the project at the root, training reads %v, want all (nil)", got)
	}
	all := load(t, "version: 1\ntargets:\n  inference:\n    copy: [{from: ., to: /app}]\n")
	if got := newPlan(t, all, plan.Options{Target: "inference"}).ContextReads(); got != nil {
		t.Errorf("copying the whole context reads %v, want all (nil)", got)
	}
}

// lockedDeps are the deps of a lock whose pins are named, with sizes.
func lockedDeps(sizes map[string]int64) *plan.Deps {
	d := &plan.Deps{Kind: spec.SourceUVLock, Source: "uv.lock", Locked: true, Layers: spec.LayersPackages}
	for _, n := range slices.Sorted(maps.Keys(sizes)) {
		req := []byte(n + "==1.0 \\\n    --hash=sha256:" + strings.Repeat("a", 64) + "\n")
		d.Pins = append(d.Pins, plan.Pin{Name: n, Version: "1.0", Size: sizes[n], Requirement: req})
		d.Generated = append(d.Generated, req...)
	}
	d.Packages = len(d.Pins)
	return d
}

// layers maps each pip layer's label to the packages it installs.
func layers(t *testing.T, p *plan.Plan) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, st := range p.Steps {
		if st.Kind != plan.Pip {
			continue
		}
		if !st.Pip.Alone {
			t.Errorf("%s does not install into the bare venv", st.Name)
		}
		label := strings.TrimSuffix(strings.TrimPrefix(st.Pip.Requirements[0], "uv.lock."), ".txt")
		out[label] = string(st.Pip.Generated)
	}
	return out
}

// TestPackageLayers: up to the cap, every package gets a layer of its own, so adding a
// package adds one layer and bumping one changes one layer; every other layer stays as it was.
func TestPackageLayers(t *testing.T) {
	s := load(t, "version: 1\n")
	sizes := map[string]int64{"torch": 0, "big-blob": 200 << 20, "numpy": 1 << 20, "six": 10_000, "idna": 60_000,
		"pyyaml": 700_000, "click": 90_000, "rich": 240_000, "nvidia-cublas-cu12": 0, "tqdm": 78_000}
	for i := 0; len(sizes) < 30; i++ {
		sizes[fmt.Sprintf("pkg-%02d", i)] = int64(1000 * (i + 1))
	}
	before := layers(t, newPlan(t, s, plan.Options{Target: "training", Deps: lockedDeps(sizes)}))
	if len(before) != 30 {
		t.Errorf("%d layers for 30 packages, want one each: %v", len(before), slices.Sorted(maps.Keys(before)))
	}
	for name, content := range before {
		if !strings.HasPrefix(content, name+"==") || strings.Count(content, "==") != 1 {
			t.Errorf("layer %s: %q, want that package alone", name, content)
		}
	}
	// Add one small package and bump another: only their layers change, and the added
	// package's layer is new.
	sizes["attrs"] = 50_000
	after := lockedDeps(sizes)
	for i := range after.Pins {
		if after.Pins[i].Name == "six" {
			after.Pins[i].Requirement = []byte("six==1.1 \\\n    --hash=sha256:" + strings.Repeat("b", 64) + "\n")
		}
	}
	var changed []string
	got := layers(t, newPlan(t, s, plan.Options{Target: "training", Deps: after}))
	for label, content := range got {
		if before[label] != content {
			changed = append(changed, label)
		}
	}
	slices.Sort(changed)
	if !slices.Equal(changed, []string{"attrs", "six"}) || len(got) != 31 {
		t.Errorf("layers changed: %v (%d layers), want attrs (new) and six of 31", changed, len(got))
	}
	// The copy shape, and "layers: single", install everything in one step.
	single := lockedDeps(sizes)
	single.Layers = spec.LayersSingle
	for _, p := range []*plan.Plan{
		newPlan(t, s, plan.Options{Target: "training", Deps: single}),
		newPlan(t, s, plan.Options{Target: "training", Deps: lockedDeps(sizes), Shape: plan.ShapeCopy}),
	} {
		if n := strings.Count(strings.Join(summary(p), "\n"), "\npip "); n != 1 {
			t.Errorf("%d pip steps, want 1:\n%s", n, strings.Join(summary(p), "\n"))
		}
	}
}

// TestPackageLayersBeyondTheCap: more packages than plan.MaxDepLayers give at most that many
// layers; the largest (by size, then known to be large by name) keep a layer each, and adding a
// small package changes only its group's layer.
func TestPackageLayersBeyondTheCap(t *testing.T) {
	s := load(t, "version: 1\n")
	sizes := map[string]int64{"torch": 0, "triton": 0, "nvidia-cudnn-cu12": 0}
	for i := 0; len(sizes) < 130; i++ {
		sizes[fmt.Sprintf("pkg-%03d", i)] = int64(1000 * (i + 1))
	}
	before := layers(t, newPlan(t, s, plan.Options{Target: "training", Deps: lockedDeps(sizes)}))
	if len(before) > plan.MaxDepLayers {
		t.Fatalf("%d layers for 130 packages, over the cap %d", len(before), plan.MaxDepLayers)
	}
	own := 0
	for label, content := range before {
		if strings.HasPrefix(label, "group-") {
			continue
		}
		own++
		if !strings.HasPrefix(content, label+"==") || strings.Count(content, "==") != 1 {
			t.Errorf("layer %s: %q, want that package alone", label, content)
		}
	}
	if own != plan.MaxDepLayers-plan.PackageGroups {
		t.Errorf("%d packages have a layer of their own, want %d", own, plan.MaxDepLayers-plan.PackageGroups)
	}
	// The largest by size (pkg-126, 127 kB) and the known names of unknown size; not the smallest.
	for _, name := range []string{"pkg-126", "pkg-100", "torch", "nvidia-cudnn-cu12"} {
		if before[name] == "" {
			t.Errorf("%s has no layer of its own", name)
		}
	}
	if before["pkg-000"] != "" {
		t.Error("the smallest package has a layer of its own")
	}
	sizes["attrs"] = 500
	var changed []string
	for label, content := range layers(t, newPlan(t, s, plan.Options{Target: "training", Deps: lockedDeps(sizes)})) {
		if before[label] != content {
			changed = append(changed, label)
			if !strings.Contains(content, "attrs==") {
				t.Errorf("layer %s changed though attrs is not in it", label)
			}
		}
	}
	if len(changed) != 1 || !strings.HasPrefix(changed[0], "group-") {
		t.Errorf("layers changed: %v, want attrs's group", changed)
	}
}

// TestWorkspaceMembers: each workspace member is a step of its own after the locked
// packages, built from its directory into the bare venv when the packages get layers of
// their own, located at the spec's members, and the context read is only their directories
// (not the rest of the workspace).
func TestWorkspaceMembers(t *testing.T) {
	s := load(t, "version: 1\ndependencies: {from: python/uv.lock}\ntargets:\n  inference:\n    dependencies: {members: [api]}\n")
	d := lockedDeps(map[string]int64{"fastapi": 1000})
	d.Source = "python/uv.lock"
	d.Members = []plan.Member{
		{Name: "features", Path: "python/features", SpecPath: "targets.inference.dependencies.members"},
		{Name: "api", Path: "python/api", SpecPath: "targets.inference.dependencies.members"},
	}
	p := newPlan(t, s, plan.Options{Target: "inference", Deps: d, Shape: plan.ShapeMerge})
	var members []string
	for _, st := range p.Steps {
		if st.Kind != plan.Project {
			continue
		}
		members = append(members, st.What+" <- "+st.Pip.ProjectPath)
		if !st.Pip.Alone || st.SpecPath != "targets.inference.dependencies.members" || p.Locate(st.SpecPath).Start.Line != 5 {
			t.Errorf("%s: alone %v, spec path %s at line %d", st.Name, st.Pip.Alone, st.SpecPath, p.Locate(st.SpecPath).Start.Line)
		}
	}
	want := []string{
		"pip install the workspace member features (python/features/pyproject.toml) <- /python/features",
		"pip install the workspace member api (python/api/pyproject.toml) <- /python/api",
	}
	if diff := cmp.Diff(want, members); diff != "" {
		t.Errorf("member steps (-want +got):\n%s", diff)
	}
	if got := p.ContextReads(); !reflect.DeepEqual(got, []string{"configs", "models", "python/api", "python/features", "src"}) {
		t.Errorf("inference reads %v", got)
	}
}
