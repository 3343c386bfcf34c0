package spec

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSystemPackagesRunAndTargetBase(t *testing.T) {
	s := mustLoad(t, `version: 1
system-packages: [libgomp1]
build-packages: [gcc, libc6-dev]
run:
  - python -c "print(1)"
  - name: fetch weights
    command: [python, -m, fetch]
    secrets: [{id: hf, env: HF_TOKEN}, {id: netrc}]
    cache: [/home/app/.cache]
targets:
  training:
    base: registry.example.com/cuda:12
    system-packages: [libgl1, libgomp1]
    run: [echo training]
  batch:
    extends: training
    command: [python, -m, src.batch]
`, nil)
	tr, inf, batch := s.Targets["training"], s.Targets["inference"], s.Targets["batch"]
	if got := []string{tr.Base, inf.Base, batch.Base}; !cmp.Equal(got, []string{"registry.example.com/cuda:12", "python:3.10-slim", "registry.example.com/cuda:12"}) {
		t.Errorf("bases: %v", got)
	}
	if diff := cmp.Diff([]string{"libgomp1", "libgl1"}, tr.SystemPackages); diff != "" {
		t.Errorf("training system packages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"libgomp1"}, inf.SystemPackages); diff != "" {
		t.Errorf("inference system packages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"libgomp1", "libgl1"}, batch.SystemPackages); diff != "" {
		t.Errorf("batch inherits training's list (-want +got):\n%s", diff)
	}
	want := []RunStep{
		{Command: &Command{Args: []string{`python -c "print(1)"`}, Shell: true}, Path: "run[0]"},
		{Name: "fetch weights", Command: &Command{Args: []string{"python", "-m", "fetch"}},
			Secrets: []PipSecret{{ID: "hf", Env: "HF_TOKEN"}, {ID: "netrc", Target: "/run/secrets/netrc"}},
			Cache:   []string{"/home/app/.cache"}, Path: "run[1]"},
		{Command: &Command{Args: []string{"echo training"}, Shell: true}, Path: "targets.training.run[0]"},
	}
	if diff := cmp.Diff(want, tr.Run); diff != "" {
		t.Errorf("training run (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, batch.Run); diff != "" {
		t.Errorf("batch run, inherited (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want[:2], inf.Run, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("inference run (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"gcc", "libc6-dev"}, s.BuildPackages); diff != "" {
		t.Errorf("build packages: %s", diff)
	}
}

func TestNoAptBase(t *testing.T) {
	for ref, want := range map[string]bool{
		"python:3.10-slim": false, "python:3.12-alpine": true, "alpine:3.20": true, "alpine": true,
		"gcr.io/distroless/python3-debian12": true, "nvidia/cuda:12.4.1-runtime-ubuntu22.04": false,
		"python:3.12-alpine3.20": true, "debian:bookworm": false,
	} {
		if got := NoAptBase(ref); got != want {
			t.Errorf("NoAptBase(%q) = %v, want %v", ref, got, want)
		}
	}
}

func TestLintCompilerInImage(t *testing.T) {
	s := mustLoad(t, "version: 1\nsystem-packages: [libgomp1, build-essential, libpq-dev]\n", nil)
	var got []string
	for _, w := range Lint(s, nil) {
		if w.Rule == RuleCompilerInImage {
			got = append(got, fmt.Sprintf("%d:%d %s", w.Range.Start.Line, w.Range.Start.Column, w.Message))
		}
	}
	want := []string{
		"2:29 build-essential is a build tool or headers: list it under build-packages, present only where pip runs and in no layer",
		"2:46 libpq-dev is a build tool or headers: list it under build-packages, present only where pip runs and in no layer",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
