package plan_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlbuild/mlbuild/pkg/plan"
)

const systemSpec = `version: 1
system-packages: [libgomp1]
build-packages: [gcc]
run: ["python -m src.fetch"]
dependencies: {project: true}
targets:
  training:
    base: registry.example.com/cuda:12
    system-packages: [libgl1]
  evaluate:
    extends: inference
    command: [python, -m, src.evaluate]
`

// TestSystemAndRunSteps: the system packages come first, run steps after the dependencies
// and before the project and the code; the build packages are in no step (no layer).
func TestSystemAndRunSteps(t *testing.T) {
	s := load(t, systemSpec)
	p := newPlan(t, s, plan.Options{Target: "training", Shape: plan.ShapeCopy})
	kinds := map[plan.Kind]string{plan.System: "system", plan.User: "user", plan.Venv: "venv", plan.Pip: "pip", plan.Run: "run", plan.Project: "project", plan.Copy: "copy", plan.Workdir: "workdir"}
	var got []string
	for _, st := range p.Steps {
		got = append(got, kinds[st.Kind]+" "+st.What)
	}
	want := []string{
		"system apt-get install libgomp1 libgl1",
		"user create user app (10001:10001), writable models",
		"venv python3 -m venv --without-pip --system-site-packages /opt/venv",
		"pip pip install -r requirements.txt",
		"run run python -m src.fetch",
		"project pip install the project (pyproject.toml)",
		"copy copy src /app/src",
		"copy copy configs /app/configs",
		"workdir workdir /app writable by 10001:10001",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if p.Base != "registry.example.com/cuda:12" {
		t.Errorf("base %q", p.Base)
	}
	if p.BuildRoot == nil || !cmp.Equal(p.BuildRoot.Apt.Packages, []string{"libgomp1", "gcc"}) || p.DepsOnSystem {
		t.Errorf("pip runs on %+v (on the system step: %v); want the spec's system and build packages", p.BuildRoot, p.DepsOnSystem)
	}
	for _, h := range p.History() {
		if h == "mlbuild: apt-get install libgomp1 gcc" {
			t.Errorf("the build packages have a layer: %q", h)
		}
	}
	if r := p.Find(plan.Run).Run; r.User != "10001:10001" || r.Dir != "/app" || r.Home != "/home/app" || r.Argv[0] != "/bin/sh" {
		t.Errorf("run step %+v", r)
	}

	// Without build packages, the dependency steps run on the system step of a target that
	// adds none of its own, the one vertex; on the spec's list, in a step aside, otherwise.
	s = load(t, "version: 1\nsystem-packages: [libgomp1]\ntargets:\n  training:\n    system-packages: [libgl1]\n")
	if p := newPlan(t, s, plan.Options{Target: "inference"}); !p.DepsOnSystem || p.BuildRoot != nil {
		t.Errorf("inference: on the system step %v, aside %+v", p.DepsOnSystem, p.BuildRoot)
	}
	if p := newPlan(t, s, plan.Options{Target: "training"}); p.DepsOnSystem || p.BuildRoot == nil || !cmp.Equal(p.BuildRoot.Apt.Packages, []string{"libgomp1"}) {
		t.Errorf("training: on the system step %v, aside %+v", p.DepsOnSystem, p.BuildRoot)
	}
}

func TestSharing(t *testing.T) {
	s := load(t, systemSpec)
	for target, want := range map[string]string{
		"training":  "base registry.example.com/cuda:12; dependency steps its own; system packages libgomp1 libgl1",
		"inference": "base python:3.10-slim; dependency steps shared with evaluate; system packages libgomp1 (shared with evaluate)",
		"evaluate":  "base python:3.10-slim; dependency steps shared with inference; system packages libgomp1 (shared with inference)",
	} {
		if got := plan.DescribeBase(s, target); got != want {
			t.Errorf("%s: %q\nwant %q", target, got, want)
		}
	}
	if got := plan.DescribeBase(load(t, "version: 1\n"), "training"); got != "" {
		t.Errorf("one base, no system packages: %q, want nothing", got)
	}
}
