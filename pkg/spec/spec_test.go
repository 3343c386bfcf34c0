package spec

import (
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustLoad(t *testing.T, src string, args map[string]string) *Spec {
	t.Helper()
	s, err := Load("mlbuild.yaml", []byte(src), Options{BuildArgs: args})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func TestDefaults(t *testing.T) {
	s := mustLoad(t, "# syntax=example.com/mlbuild:1\nversion: 1\n", nil)
	if s.Base != "python:3.10-slim" || s.Workdir != "/app" || s.Python.Venv != "/opt/venv" || !*s.Python.SystemSitePackages {
		t.Errorf("spec defaults: base %q workdir %q venv %q", s.Base, s.Workdir, s.Python.Venv)
	}
	if diff := cmp.Diff([]string{"requirements.txt"}, s.Requirements); diff != "" {
		t.Errorf("requirements: %s", diff)
	}
	if diff := cmp.Diff([]string{"inference", "training"}, s.TargetNames()); diff != "" {
		t.Errorf("targets: %s", diff)
	}
	tr, inf := s.Targets["training"], s.Targets["inference"]
	if diff := cmp.Diff([]Copy{{From: "src", To: "src"}, {From: "configs", To: "configs"}}, tr.Copy); diff != "" {
		t.Errorf("training copy: %s", diff)
	}
	if diff := cmp.Diff([]Copy{{From: "src", To: "src"}, {From: "configs", To: "configs"}, {From: "models", To: "models"}}, inf.Copy); diff != "" {
		t.Errorf("inference copy: %s", diff)
	}
	if !slices.Equal(tr.Command.Args, []string{"python", "-m", "src.train"}) || tr.Command.Shell {
		t.Errorf("training command %+v", tr.Command)
	}
	if !slices.Equal(inf.Command.Args, []string{"python", "-m", "uvicorn", "src.api:app", "--host", "0.0.0.0", "--port", "8000"}) {
		t.Errorf("inference command %+v", inf.Command)
	}
	if *tr.User.UID != 10001 || *tr.User.GID != 10001 || tr.User.Name != "app" {
		t.Errorf("user %+v", tr.User)
	}
	h := inf.Healthcheck
	if h == nil || h.Path != "/health" || *h.Port != 8000 || time.Duration(*h.Interval) != 30*time.Second ||
		time.Duration(*h.Timeout) != 5*time.Second || time.Duration(*h.StartPeriod) != 10*time.Second ||
		time.Duration(*h.StartInterval) != 2*time.Second || *h.Retries != 3 {
		t.Errorf("healthcheck %+v", h)
	}
	if tr.Healthcheck != nil || len(tr.Expose) != 0 {
		t.Errorf("training has healthcheck %v expose %v", tr.Healthcheck, tr.Expose)
	}
	if !slices.Equal(tr.Writable, []string{"models"}) || len(inf.Writable) != 0 {
		t.Errorf("writable: training %v inference %v", tr.Writable, inf.Writable)
	}
	if s.DefaultTarget != "inference" {
		t.Errorf("default target %q", s.DefaultTarget)
	}
}

func TestOverrides(t *testing.T) {
	s := mustLoad(t, `version: 1
args: {PY: "3.11"}
base: python:${PY}-slim
env: {A: "1", B: "2"}
user: {uid: 1234}
targets:
  inference:
    expose: ["9000"]
    healthcheck: {path: /ready, retries: 5}
    env: {B: "3"}
  training:
    command: "python train.py --epochs 3"
    healthcheck: none
  eval:
    extends: training
    description: evaluation
    copy: [src, {from: data/eval, to: /data}]
`, map[string]string{"PY": "3.12"})
	if s.Base != "python:3.12-slim" {
		t.Errorf("base %q: --build-arg should override the declared default", s.Base)
	}
	inf := s.Targets["inference"]
	if inf.Command.Args[len(inf.Command.Args)-1] != "9000" || *inf.Healthcheck.Port != 9000 || inf.Healthcheck.Path != "/ready" || *inf.Healthcheck.Retries != 5 {
		t.Errorf("inference %+v %+v", inf.Command, inf.Healthcheck)
	}
	if diff := cmp.Diff(map[string]string{"A": "1", "B": "3"}, inf.Env); diff != "" {
		t.Errorf("env merge: %s", diff)
	}
	if *inf.User.UID != 1234 || *inf.User.GID != 1234 || inf.User.Name != "app" {
		t.Errorf("user %+v", inf.User)
	}
	tr := s.Targets["training"]
	if !tr.Command.Shell || tr.Command.Args[0] != "python train.py --epochs 3" || !tr.Healthcheck.Disabled {
		t.Errorf("training %+v %+v", tr.Command, tr.Healthcheck)
	}
	ev := s.Targets["eval"]
	if ev.Description != "evaluation" || !ev.Command.Shell || !slices.Equal(ev.Writable, []string{"models"}) {
		t.Errorf("eval did not extend training: %+v", ev)
	}
	if diff := cmp.Diff([]Copy{{From: "src", To: "src"}, {From: "data/eval", To: "/data"}}, ev.Copy); diff != "" {
		t.Errorf("eval copy: %s", diff)
	}
	if !s.Has("targets.eval.copy[1].to") || s.Pos("targets.eval.copy[1].to").Start.Line != 17 {
		t.Errorf("position of targets.eval.copy[1].to = %+v", s.Pos("targets.eval.copy[1].to"))
	}
}

func TestSameInputSameSpec(t *testing.T) {
	src := "version: 1\nenv: {Z: z, A: a, M: m}\ntargets:\n  b: {command: [x]}\n  a: {command: [y]}\n"
	first := mustLoad(t, src, nil)
	for i := 0; i < 10; i++ {
		if diff := cmp.Diff(first, mustLoad(t, src, nil), cmp.AllowUnexported(Spec{}, Target{})); diff != "" {
			t.Fatalf("load %d differs: %s", i, diff)
		}
	}
}

type wantErr struct {
	line, col int
	path      string
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []wantErr
	}{
		{"all at once", "version: 1\ntargets:\n  inference:\n    healthcheck:\n      interval: 30x\n    expose: [80000]\n    bogus: 1\nworkdir: app\n",
			[]wantErr{{5, 7, "targets.inference.healthcheck.interval"}, {6, 14, "targets.inference.expose[0]"}, {7, 5, "targets.inference.bogus"}}},
		{"validation after decoding", "version: 2\nworkdir: app\ntargets:\n  x: {}\n",
			[]wantErr{{1, 1, "version"}, {2, 1, "workdir"}, {4, 3, "targets.x.command"}}},
		{"missing version", "base: python:3.11-slim\n", []wantErr{{1, 1, "version"}}},
		{"syntax after content", "version: 1\n# syntax=x/y\n", []wantErr{{2, 1, ""}}},
		{"duplicate key", "version: 1\nbase: a\nbase: b\n", []wantErr{{3, 1, "base"}}},
		{"undefined arg", "version: 1\nbase: python:${NOPE}\n", []wantErr{{2, 1, "base"}}},
		{"credentials in index url", "version: 1\npip:\n  index-url: https://u:p@example.com/simple\n", []wantErr{{3, 3, "pip.index-url"}}},
		{"copy escapes context", "version: 1\ntargets:\n  training:\n    copy: [../secrets]\n", []wantErr{{4, 12, "targets.training.copy[0].from"}}},
		{"extends cycle", "version: 1\ntargets:\n  a: {extends: b}\n  b: {extends: a}\n", []wantErr{{3, 7, "targets.a.extends"}}},
		{"tabs", "version: 1\ntargets:\n\tinference: {}\n", []wantErr{{3, 1, ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("mlbuild.yaml", []byte(tc.src), Options{})
			var list Errors
			if !errors.As(err, &list) {
				t.Fatalf("err = %v, want Errors", err)
			}
			var got []wantErr
			for _, e := range list {
				got = append(got, wantErr{e.Range.Start.Line, e.Range.Start.Column, e.Path})
				if !strings.HasPrefix(e.Error(), "mlbuild.yaml:") {
					t.Errorf("error %q does not name the file", e.Error())
				}
			}
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing error at %d:%d %s; got %+v\n%v", w.line, w.col, w.path, got, err)
				}
			}
		})
	}
}

func TestSuggestion(t *testing.T) {
	_, err := Load("mlbuild.yaml", []byte("version: 1\ntargets:\n  inference:\n    healthchek: none\n"), Options{})
	if err == nil || !strings.Contains(err.Error(), `did you mean "healthcheck"`) {
		t.Errorf("err = %v", err)
	}
}

func TestExtensionsAllowed(t *testing.T) {
	mustLoad(t, "version: 1\nx-team: ml\ntargets:\n  inference:\n    x-owner: me\n", nil)
}

func TestLint(t *testing.T) {
	s := mustLoad(t, "version: 1\nbase: python\nargs: {API_TOKEN: x}\nuser: {uid: 0}\npip:\n  args: [--no-cache-dir]\nenv: {DB_PASSWORD: hunter2}\ntargets:\n  worker:\n    command: [x]\n    healthcheck: {command: [true]}\n", nil)
	rules := map[string]int{}
	for _, w := range Lint(s, map[string][]byte{"requirements.txt": []byte("numpy==1.26.4\npandas>=2\n# comment\n-r other.txt\n")}) {
		rules[w.Rule.Name]++
		if w.Range.Start.Line < 1 {
			t.Errorf("warning %s has no position", w.Rule.Name)
		}
	}
	want := map[string]int{"UnpinnedBaseImage": 1, "SecretInArg": 1, "RootUser": 1, "PipNoCacheDir": 1, "SecretInEnv": 1, "HealthcheckWithoutPort": 1, "UnpinnedRequirement": 1}
	if diff := cmp.Diff(want, rules); diff != "" {
		t.Errorf("lint rules (-want +got):\n%s", diff)
	}
}

// TestLintReadsUTF16Requirements: a requirements file saved by Windows' pip freeze (UTF-16
// with a byte order mark) is read as pip reads it: one unpinned requirement, no garbage.
func TestLintReadsUTF16Requirements(t *testing.T) {
	s, err := Load("mlbuild.yaml", []byte("version: 1\nbase: python:3.10-slim@sha256:"+strings.Repeat("0", 64)+"\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := "numpy==1.26.4\r\nflask\r\n"
	utf16le := []byte{0xFF, 0xFE}
	for _, r := range text {
		utf16le = append(utf16le, byte(r), 0)
	}
	var unpinned []string
	for _, w := range Lint(s, map[string][]byte{"requirements.txt": utf16le}) {
		if w.Rule.Name == "UnpinnedRequirement" {
			unpinned = append(unpinned, w.Message)
		}
	}
	if len(unpinned) != 1 || !strings.Contains(unpinned[0], `"flask"`) {
		t.Errorf("UnpinnedRequirement warnings %q, want one for flask", unpinned)
	}
}

// TestLintRulesDocumented: the lint registry and the rule table of docs/spec.md name the
// same rules in the same order, so a rule added to one and not the other fails here.
func TestLintRulesDocumented(t *testing.T) {
	dt, err := os.ReadFile("../../docs/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Za-z]+)` \\| ").FindAllStringSubmatch(string(dt[strings.Index(string(dt), "| Rule | When |"):]), -1) {
		documented = append(documented, m[1])
	}
	var registered []string
	for _, r := range Rules {
		registered = append(registered, r.Name)
	}
	if !slices.Equal(documented[:min(len(documented), len(registered))], registered) {
		t.Errorf("docs/spec.md documents %v, the registry holds %v", documented, registered)
	}
}
