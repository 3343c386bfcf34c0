package spec_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/spec"
)

// goodSpecs are valid specs that use most of the format; they seed FuzzLoad and must load.
var goodSpecs = map[string]string{
	"minimal": "# syntax=ghcr.io/mlbuild/frontend:1\nversion: 1\n",

	"rich": `# syntax=ghcr.io/mlbuild/frontend:1
# check=error=true
version: 1
base: python:3.12-slim
args:
  TORCH_VERSION: "2.4.0"
  PORT: "9000"
workdir: /srv/app
user:
  name: ml
  uid: 1234
  gid: 1234
python:
  venv: /opt/venv
  system-site-packages: false
requirements:
  - requirements.txt
  - requirements/serve.txt
pip:
  index-url: https://pypi.example.com/simple
  extra-index-urls: [https://download.pytorch.org/whl/cpu]
  find-links: [wheels]
  trusted-hosts: [pypi.example.com]
  args: [--prefer-binary]
  secrets:
    - id: netrc
      target: /root/.netrc
    - id: pypi-token
      env: PIP_TOKEN
      optional: true
env:
  PYTHONUNBUFFERED: "1"
  TORCH_VERSION: ${TORCH_VERSION}
labels:
  org.opencontainers.image.source: https://github.com/example/repo
default-target: api
x-notes: extensions are ignored
targets:
  training:
    description: Trains the model
    copy: [src, configs, {from: data/sample.csv, to: data/sample.csv}]
    command: [python, -m, src.train, --config, configs/train.json]
    writable: [models, checkpoints]
    user: {uid: 2000}
  inference:
    expose: [8000, "9090/udp"]
    healthcheck:
      path: /ready
      interval: 15s
      timeout: 2s
      start-period: 1m
      start-interval: 500ms
      retries: 5
  api:
    extends: inference
    description: API on a custom port
    expose: ["${PORT}"]
    command: uvicorn src.api:app --host 0.0.0.0 --port ${PORT}
    env: {WORKERS: "4"}
  worker:
    entrypoint: [python, -m]
    command: [src.worker]
    healthcheck: none
    pythonpath: [/srv/app, /srv/lib]
    workdir: /srv/worker
  batch:
    extends: worker
    copy:
      - from: models
        context: weights
    healthcheck:
      command: ["python", "-c", "import sys; sys.exit(0)"]
`,

	"anchors-crlf": strings.ReplaceAll(`# syntax=ghcr.io/mlbuild/frontend:1
version: 1
x-env: &common-env
  LOG_LEVEL: info
  OMP_NUM_THREADS: "1"
targets:
  training:
    env: *common-env
    user: {uid: 0}
  inference:
    env: *common-env
    healthcheck: none
    command: "exec uvicorn src.api:app --port $$PORT"
  eval:
    extends: training
    command: python -m src.eval
    writable: []
`, "\n", "\r\n"),

	"defaults-overridden": `version: 1
base: ghcr.io/example/python:3.11@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
requirements: []
targets:
  training:
  inference:
    expose: ["8080/tcp"]
    healthcheck:
      port: 8080
      command: [python, -c, "print('ok')"]
`,
}

func examplePath() string {
	return filepath.Join("..", "..", "examples", "ml-pipeline", "mlbuild.yaml")
}

// TestGoodSeeds keeps the valid fuzz seeds valid, so the fuzzer starts from real specs.
func TestGoodSeeds(t *testing.T) {
	seeds := map[string][]byte{}
	for name, s := range goodSpecs {
		seeds[name] = []byte(s)
	}
	ex, err := os.ReadFile(examplePath())
	if err != nil {
		t.Fatal(err)
	}
	seeds["examples/ml-pipeline"] = ex
	for name, data := range seeds {
		t.Run(name, func(t *testing.T) {
			s, err := spec.Load(corpusFile, data, spec.Options{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			checkGood(t, data, s)
		})
	}
}

func FuzzLoad(f *testing.F) {
	bad, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range append(bad, examplePath()) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range goodSpecs {
		f.Add([]byte(s))
	}
	for _, gc := range generatedCases {
		if gc.Name != "gen-huge-file" { // a 1 MiB seed would only slow the fuzzer down
			f.Add(gc.Data())
		}
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		s, err := loadWithDeadline(t, data)
		if !bytes.Equal(data, orig) {
			t.Fatalf("Load modified its input")
		}
		if err != nil {
			es := asErrors(t, s, err)
			for _, e := range es {
				if e == nil {
					t.Fatalf("nil *spec.Error in %v", es)
				}
				// Whole-file problems (empty, binary, too big, not a mapping) are reported
				// at 1:1 or at their line, so even they have a line >= 1.
				if e.Range.Start.Line < 1 || e.Range.Start.Column < 1 {
					t.Errorf("error %q at path %q: Start = %d:%d, want line and column >= 1", e.Msg, e.Path, e.Range.Start.Line, e.Range.Start.Column)
				}
				if strings.TrimSpace(e.Msg) == "" {
					t.Errorf("error at %d:%d path %q has an empty message", e.Range.Start.Line, e.Range.Start.Column, e.Path)
				}
				if e.File != corpusFile {
					t.Errorf("error %q: File = %q, want %q", e.Msg, e.File, corpusFile)
				}
			}
			// Every error points into the file: a line it has (or the one after its last
			// line break, for an error at the end).
			lines := bytes.Count(data, []byte("\n")) + 1
			for _, e := range es {
				if e.Range.Start.Line > lines {
					t.Errorf("error %q at path %q: line %d, but the file has %d lines", e.Msg, e.Path, e.Range.Start.Line, lines)
				}
			}
			return
		}
		checkGood(t, data, s)
	})
}

// loadDeadline bounds one Load: a spec is at most 1 MiB and Load does no I/O, so an input
// that takes this long is a hang (or a resource blow-up) to report, not a slow machine.
const loadDeadline = 10 * time.Second

// loadWithDeadline runs Load and fails the test, with the input, if it does not return in time.
func loadWithDeadline(t *testing.T, data []byte) (*spec.Spec, error) {
	t.Helper()
	type result struct {
		s   *spec.Spec
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := spec.Load(corpusFile, data, spec.Options{})
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(loadDeadline):
		t.Fatalf("Load did not return within %v on this %d-byte input:\n%q", loadDeadline, len(data), data)
		return nil, nil
	}
}

// checkGood checks a successfully loaded spec.
func checkGood(t *testing.T, data []byte, s *spec.Spec) {
	t.Helper()
	if s == nil {
		t.Fatalf("Load returned neither a spec nor an error")
	}
	if s.Version != 1 {
		t.Errorf("Version = %d after a successful Load", s.Version)
	}
	for _, name := range []string{"training", "inference"} {
		tg := s.Targets[name]
		if tg == nil {
			t.Errorf("target %q is missing; targets: %v", name, s.TargetNames())
			continue
		}
		if tg.Name != name {
			t.Errorf("target %q has Name %q", name, tg.Name)
		}
	}
	if s.Targets[s.DefaultTarget] == nil {
		t.Errorf("default target %q is not a target (%v)", s.DefaultTarget, s.TargetNames())
	}
	// A spec that loads is valid: every target of it plans, and its plan prints.
	for _, name := range s.TargetNames() {
		p, err := plan.New(s, plan.Options{Target: name})
		if err != nil {
			t.Errorf("target %s of a spec that loaded does not plan: %v", name, err)
			continue
		}
		if _, err := plan.JSON(p); err != nil {
			t.Errorf("the plan of target %s does not print: %v", name, err)
		}
	}
}
