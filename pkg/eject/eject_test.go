package eject_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/distribution/reference"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mlbuild/mlbuild/internal/testkit"
	"github.com/mlbuild/mlbuild/pkg/eject"
	"github.com/mlbuild/mlbuild/pkg/llbgraph"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// update rewrites the golden files in testdata/ and the example Dockerfiles.
var update = testkit.Update

// richSpec uses most fields of the format (shared with the LLB and plan golden tests).
var richSpec = testkit.RichSpec

// oddSpec has the values that need quoting: spaces, quotes, dollars, backslashes, "#",
// "=", an empty value, non-ASCII, and a literal $PATH overriding PATH.
const oddSpec = `version: 1
workdir: "/srv/my app"
python: {venv: "/opt/my venv"}
requirements: [requirements.txt, reqs/extra.txt]
pip:
  find-links: [/wheels]
  trusted-hosts: [pypi.internal]
  args: [--constraint, "/tmp/mlbuild/requirements/reqs/it's.txt"]
  secrets:
    - {id: token}
env:
  QUOTES: "it's \"quoted\""
  DOLLAR: "$$HOME and $${X} and $$"
  BACKSLASH: 'C:\temp\new \'
  HASH: "# not a comment"
  EMPTY: ""
  SPACES: "  padded  "
  UNICODE: "héllo ✓"
  EQ: "a=b=c"
  PATH: "/custom/bin:$$PATH"
labels:
  "org.example/with space": "v 1"
  "quote'key": "<&>"
targets:
  odd:
    copy: [src, {from: "my data", to: "data dir"}, {from: configs/a.json, to: /etc/app/}]
    entrypoint: "exec python -m src.main \"$$@\""
    command: [--flag, "it's"]
    expose: [8080, "53/udp", "9/sctp"]
    healthcheck: {command: "curl -fs http://localhost:8080/ || exit 1", interval: 1m30s, timeout: 500ms, retries: 0}
    writable: [data dir, /var/lib/app]
    pythonpath: [/srv/my app, /opt/lib]
    user: {name: svc, uid: 1234, gid: 5678}
    labels: {org.opencontainers.image.base.name: custom}
    test: ["pytest -q", [python, -c, "import src"]]
  exec-probe:
    extends: odd
    entrypoint: [python, -m, src.main]
    healthcheck: {command: [python, -c, "import sys; sys.exit(0)"]}
`

// rootSpec runs as root, installs nothing, pins the base by digest, turns the healthcheck
// off and has a working directory with a trailing slash.
const rootSpec = `version: 1
workdir: /app/
base: python:3.12-slim@sha256:0000000000000000000000000000000000000000000000000000000000000002
requirements: []
user: {uid: 0}
targets:
  inference:
    healthcheck: none
    writable: [models]
`

// lockSpec installs a uv.lock, the "train" group in training, and builds the project.
const lockSpec = "version: 1\ndependencies: {from: uv.lock, project: true}\ntargets:\n  training:\n    dependencies: {groups: [train]}\n"

// locked are a lock's pins as the frontend generates them for training (shared with
// pkg/llbgraph's golden tests), with the lock's index.
var locked = &plan.Deps{Kind: spec.SourceUVLock, Source: "uv.lock", Locked: true, Packages: 2, Groups: []string{"train"}, Project: true,
	Generated: []byte("numpy==2.1.0 \\\n    --hash=sha256:1111111111111111111111111111111111111111111111111111111111111111\n" +
		"torch==2.4.0 \\\n    --hash=sha256:2222222222222222222222222222222222222222222222222222222222222222\n"),
	IndexURLs: []string{"https://download.pytorch.org/whl/cpu"}}

// pyprojectSpec installs what pyproject.toml declares, with an extra, for pip to resolve.
const pyprojectSpec = "version: 1\ndependencies: {from: pyproject.toml, extras: [serve]}\npip:\n  secrets: [{id: token, env: PIP_INDEX_URL}]\n"

var declared = &plan.Deps{Kind: spec.SourcePyproject, Source: "pyproject.toml", Extras: []string{"serve"},
	// EOF is a valid project name: the heredoc that writes the file takes another delimiter.
	Generated: []byte("fastapi>=0.110\nuvicorn[standard]>=0.29\nEOF\n")}

// subdirLocked: the lock of a project in the context's ml/ directory, whose project step
// builds that directory.
var subdirLocked = func() *plan.Deps {
	d := *locked
	d.Source, d.ProjectPath, d.Groups = "ml/uv.lock", "ml", nil
	return &d
}()

// cases are rendered with deps (nil: the spec's requirements files, as without a resolution).
var cases = []struct {
	name, src, target string
	deps              *plan.Deps
}{
	{"default-training", "version: 1\n", "training", nil},
	{"default-inference", "version: 1\n", "inference", nil},
	{"rich-inference", richSpec, "inference", nil},
	{"rich-batch", richSpec, "batch", nil},
	{"odd-values", oddSpec, "odd", nil},
	{"odd-exec-probe", oddSpec, "exec-probe", nil},
	{"root-no-requirements", rootSpec, "inference", nil},
	{"uvlock-training", lockSpec, "training", locked},
	{"pyproject-inference", pyprojectSpec, "inference", declared},
	{"requirements-project", "version: 1\ndependencies: {project: true}\n", "inference", nil},
	{"uvlock-subdir-project", "version: 1\ndependencies: {from: ml/uv.lock, project: true}\n", "inference", subdirLocked},
	{"system-training", systemSpec, "training", nil},
	{"system-inference", "version: 1\nsystem-packages: [libgomp1]\n", "inference", nil},
}

// systemSpec is testkit.SystemSpec.
var systemSpec = testkit.SystemSpec

// load loads a spec for linux/amd64 (testkit.LoadSpec).
func load(t testing.TB, src string) *spec.Spec {
	t.Helper()
	return testkit.LoadSpec(t, src)
}

func ejectT(t testing.TB, s *spec.Spec, target string, deps *plan.Deps) []byte {
	t.Helper()
	df, err := eject.Dockerfile(s, target, eject.WithDeps(deps, "linux/amd64", "3.10"))
	if err != nil {
		t.Fatal(err)
	}
	return df
}

func TestGolden(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ejectT(t, load(t, tc.src), tc.target, tc.deps)
			golden(t, filepath.Join("testdata", tc.name+".Dockerfile"), got)
		})
	}
}

// TestExamples: the example project's Dockerfiles are the ejection of its spec.
func TestExamples(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "ml-pipeline")
	src, err := os.ReadFile(filepath.Join(dir, "mlbuild.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load("mlbuild.yaml", src, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"training", "inference"} {
		t.Run(target, func(t *testing.T) {
			golden(t, filepath.Join(dir, "docker", target, "Dockerfile"), ejectT(t, s, target, nil))
		})
	}
}

func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	testkit.Golden(t, file, got)
}

func TestDeterministic(t *testing.T) {
	for _, tc := range cases {
		first := ejectT(t, load(t, tc.src), tc.target, tc.deps)
		for i := 0; i < 20; i++ {
			if got := ejectT(t, load(t, tc.src), tc.target, tc.deps); !bytes.Equal(first, got) {
				t.Fatalf("%s: ejection %d differs from the first", tc.name, i)
			}
		}
	}
}

// secure are the paths every COPY from a context leaves out, written out here rather than
// taken from the code under test.
var secure = []string{"**/.git", "**/.env", "**/*.key", "**/*.pem", "**/*.tfstate", "**/*.tfstate.*", "**/.terraform"}

// wantCopies are the COPY instructions of each case's runtime stage, worked out by hand from
// the specs: the venv from the deps stage, then every copy entry at its destination (a
// relative "to" under the workdir, an absolute one as written).
var wantCopies = map[string][]copyInstr{
	"default-training": {
		{from: "deps", link: true, src: "/opt/venv", dst: "/opt/venv"},
		{link: true, excludes: secure, src: "src", dst: "/app/src"},
		{link: true, excludes: secure, src: "configs", dst: "/app/configs"},
		{from: "workdir", link: true, src: "/mlbuild/workdir/", dst: "/"},
	},
	"default-inference": {
		{from: "deps", link: true, src: "/opt/venv", dst: "/opt/venv"},
		{link: true, excludes: secure, src: "src", dst: "/app/src"},
		{link: true, excludes: secure, src: "configs", dst: "/app/configs"},
		{link: true, excludes: secure, src: "models", dst: "/app/models"},
	},
	"rich-inference": {
		{from: "deps", link: true, src: "/venv", dst: "/venv"},
		{link: true, excludes: secure, src: "src", dst: "/srv/src"},
		{from: "trained", link: true, excludes: secure, src: ".", dst: "/models"},
	},
	"rich-batch": {
		{from: "deps", link: true, src: "/venv", dst: "/venv"},
		{link: true, excludes: secure, src: "src", dst: "/srv/src"},
		{link: true, excludes: secure, src: "configs", dst: "/srv/configs"},
		{from: "workdir", link: true, src: "/mlbuild/workdir/", dst: "/"},
	},
	"odd-values": {
		{from: "deps", link: true, src: "/opt/my venv", dst: "/opt/my venv"},
		{link: true, excludes: secure, src: "src", dst: "/srv/my app/src"},
		{link: true, excludes: secure, src: "my data", dst: "/srv/my app/data dir"},
		{link: true, excludes: secure, src: "configs/a.json", dst: "/etc/app/"},
		{from: "workdir", link: true, src: "/mlbuild/workdir/", dst: "/"}, // the writable "data dir" the copy lands on
	},
	"odd-exec-probe": {
		{from: "deps", link: true, src: "/opt/my venv", dst: "/opt/my venv"},
		{link: true, excludes: secure, src: "src", dst: "/srv/my app/src"},
		{link: true, excludes: secure, src: "my data", dst: "/srv/my app/data dir"},
		{link: true, excludes: secure, src: "configs/a.json", dst: "/etc/app/"},
		{from: "workdir", link: true, src: "/mlbuild/workdir/", dst: "/"}, // the writable "data dir" the copy lands on
	},
	"root-no-requirements": {
		{link: true, excludes: secure, src: "src", dst: "/app/src"},
		{link: true, excludes: secure, src: "configs", dst: "/app/configs"},
		{link: true, excludes: secure, src: "models", dst: "/app/models"},
	},
	"uvlock-training": {
		{from: "deps", link: true, src: "/opt/venv", dst: "/opt/venv"},
		{link: true, excludes: secure, src: "src", dst: "/app/src"},
		{link: true, excludes: secure, src: "configs", dst: "/app/configs"},
		{from: "workdir", link: true, src: "/mlbuild/workdir/", dst: "/"},
	},
	"pyproject-inference": {
		{from: "deps", link: true, src: "/opt/venv", dst: "/opt/venv"},
		{link: true, excludes: secure, src: "src", dst: "/app/src"},
		{link: true, excludes: secure, src: "configs", dst: "/app/configs"},
		{link: true, excludes: secure, src: "models", dst: "/app/models"},
	},
	"uvlock-subdir-project": {
		{from: "deps", link: true, src: "/opt/venv", dst: "/opt/venv"},
		{link: true, excludes: secure, src: "src", dst: "/app/src"},
		{link: true, excludes: secure, src: "configs", dst: "/app/configs"},
		{link: true, excludes: secure, src: "models", dst: "/app/models"},
	},
	"system-training": {
		{from: "deps", link: true, src: "/opt/venv", dst: "/opt/venv"},
		{link: true, excludes: secure, src: "src", dst: "/app/src"},
		{link: true, excludes: secure, src: "configs", dst: "/app/configs"},
		{from: "workdir", link: true, src: "/mlbuild/workdir/", dst: "/"},
	},
	"system-inference": {
		{from: "deps", link: true, src: "/opt/venv", dst: "/opt/venv"},
		{link: true, excludes: secure, src: "src", dst: "/app/src"},
		{link: true, excludes: secure, src: "configs", dst: "/app/configs"},
		{link: true, excludes: secure, src: "models", dst: "/app/models"},
	},
	"requirements-project": {
		{from: "deps", link: true, src: "/opt/venv", dst: "/opt/venv"},
		{link: true, excludes: secure, src: "src", dst: "/app/src"},
		{link: true, excludes: secure, src: "configs", dst: "/app/configs"},
		{link: true, excludes: secure, src: "models", dst: "/app/models"},
	},
}

// TestStructure checks the layout every ejection shares.
func TestStructure(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t, tc.src)
			df := ejectT(t, s, tc.target, tc.deps)
			lines := strings.Split(string(df), "\n")
			if lines[0] != "# syntax=docker/dockerfile:1" {
				t.Errorf("first line %q", lines[0])
			}
			want := fmt.Sprintf("# Generated by `frontend dockerfile --target %s` from mlbuild.yaml; edits are overwritten.", tc.target)
			if lines[1] != want {
				t.Errorf("second line %q, want %q", lines[1], want)
			}
			stages := interpret(t, df, baseConfig())
			var names []string
			for _, st := range stages {
				names = append(names, st.name)
			}
			wantNames := []string{"deps", "runtime"}
			if tc.deps == nil && len(s.Requirements) == 0 {
				wantNames = []string{"runtime"}
			}
			if pl := planOf(t, s, tc.target, tc.deps); pl.Find(plan.Workdir) != nil {
				// The working directory, or a writable directory a copy lands on, owned by the
				// user, linked in after the copies.
				wantNames = slices.Insert(wantNames, len(wantNames)-1, "workdir")
			}
			if !slices.Equal(names, wantNames) {
				t.Errorf("stages %v, want %v", names, wantNames)
			}
			rt := stages[len(stages)-1]
			if diff := cmp.Diff(wantCopies[tc.name], rt.copies, cmp.AllowUnexported(copyInstr{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("COPY instructions (-want +got):\n%s", diff)
			}
			tg := s.Targets[tc.target]
			for _, c := range tg.Test {
				if !strings.Contains(string(df), "\n#   test[") || !strings.Contains(string(df), c.Args[len(c.Args)-1]) {
					t.Errorf("the comment does not list test %q", c.Args)
				}
			}
		})
	}
}

// baseConfig is the base image config both builds start from. It has an entrypoint, a
// command, a working directory, a user and a label, which mlbuild replaces or keeps; it has
// no exposed ports and no healthcheck, which a Dockerfile cannot drop (see the package doc).
func baseConfig() dockerspec.DockerOCIImageConfig {
	return dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{
		Env:        []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"},
		Entrypoint: []string{"/docker-entrypoint.sh"},
		Cmd:        []string{"python3"},
		WorkingDir: "/base",
		User:       "nobody",
		Labels:     map[string]string{"maintainer": "base image", "org.opencontainers.image.title": "base"},
	}}
}

var amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}

// frontendBuild plans and renders the target as the frontend would on baseConfig, without a daemon.
func frontendBuild(t *testing.T, s *spec.Spec, target string, deps *plan.Deps) *llbgraph.Result {
	t.Helper()
	named, err := reference.ParseNormalizedNamed(s.Base)
	if err != nil {
		t.Fatal(err)
	}
	name := reference.TagNameOnly(named).String()
	local := func(opts ...llb.LocalOption) llb.State {
		return llb.Local("context", append([]llb.LocalOption{llb.SharedKeyHint("context")}, opts...)...)
	}
	p, err := plan.New(s, plan.Options{Target: target, Deps: deps, Contexts: []string{"trained"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := llbgraph.Render(p, llbgraph.Options{
		Platform:     amd64,
		Base:         llb.Image(name, llb.Platform(amd64)),
		BaseImage:    &dockerspec.DockerOCIImage{Config: baseConfig()},
		BaseName:     name,
		BaseDigest:   "sha256:0000000000000000000000000000000000000000000000000000000000000001",
		Context:      local(),
		Requirements: local(llb.FollowPaths(s.Requirements)),
		Contexts:     map[string]llb.State{"trained": llb.Local("trained")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestConfigMatchesFrontend compares the config the Dockerfile declares, applied to the base
// config the way BuildKit's Dockerfile frontend applies it, with llbgraph's.
func TestConfigMatchesFrontend(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t, tc.src)
			want := frontendBuild(t, s, tc.target, tc.deps).Image.Config
			stages := interpret(t, ejectT(t, s, tc.target, tc.deps), baseConfig())
			got := stages[len(stages)-1].cfg

			// The one documented difference: the digest label.
			if want.Labels[plan.LabelBaseDigest] == "" {
				t.Fatal("the frontend set no base.digest label")
			}
			delete(want.Labels, plan.LabelBaseDigest)

			type view struct {
				Env, Entrypoint, Cmd []string
				User, WorkingDir     string
				ExposedPorts         map[string]struct{}
				Healthcheck          *dockerspec.HealthcheckConfig
				Labels               map[string]string
			}
			v := func(c dockerspec.DockerOCIImageConfig) view {
				return view{c.Env, c.Entrypoint, c.Cmd, c.User, c.WorkingDir, c.ExposedPorts, c.Healthcheck, c.Labels}
			}
			if diff := cmp.Diff(v(want), v(got), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("image config (-frontend +Dockerfile):\n%s", diff)
			}
		})
	}
}

// TestStepsMatchLLB compares the RUN steps with the frontend's exec ops: the user script
// byte for byte, and the venv, pip and project steps by what they do (the commands /bin/sh
// runs, the working directory, environment, cache, secrets and what each sees of the
// context: the requirements files, the generated requirements file, or the whole context).
func TestStepsMatchLLB(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t, tc.src)
			res := frontendBuild(t, s, tc.target, tc.deps)
			def, err := res.State.Marshal(context.Background(), llb.Platform(amd64))
			if err != nil {
				t.Fatal(err)
			}
			var userOp, venvOp, pipOp, projectOp *pb.ExecOp
			var runOps []*pb.ExecOp // build-time commands
			var aptScripts []string // the apt steps' scripts
			var generated []byte    // the file the frontend writes for the pip step
			for _, dt := range def.Def {
				var op pb.Op
				if err := op.UnmarshalVT(dt); err != nil {
					t.Fatal(err)
				}
				if mk := op.GetFile().GetActions(); len(mk) == 1 && mk[0].GetMkfile() != nil {
					generated = mk[0].GetMkfile().Data
				}
				ex := op.GetExec()
				if ex == nil {
					continue
				}
				switch args := ex.Meta.Args; {
				case len(args) > 3 && args[3] == "mlbuild-pip" && ex.Meta.Cwd == plan.ProjectDir:
					projectOp = ex
				case len(args) > 3 && args[3] == "mlbuild-pip":
					pipOp = ex
				case len(args) == 3 && strings.Contains(args[2], "python3 -m venv"):
					venvOp = ex
				case len(args) == 3 && strings.HasPrefix(args[2], "set -eu\ngrep"):
					userOp = ex
				case len(args) == 3 && strings.HasPrefix(args[2], "set -eu\nmkdir -p ") && strings.Contains(args[2], "&& chmod 0755 "):
					// the workdir step (writable-workdir): the plan's script, which the
					// Dockerfile runs in its workdir stage under another root
					p, err := plan.New(s, plan.Options{Target: tc.target, Deps: tc.deps, Contexts: []string{"trained"}})
					if err != nil {
						t.Fatal(err)
					}
					if st := p.Find(plan.Workdir); st == nil || st.Script != args[2] {
						t.Errorf("workdir exec %q is not the plan's Workdir step", args[2])
					}
				case len(args) == 4 && strings.HasPrefix(args[2], "# mlbuild check runner"):
					// a check: runs the built image, builds nothing (no Dockerfile step)
				case len(args) == 3 && strings.Contains(args[2], "\napt-get install "):
					aptScripts = append(aptScripts, args[2]+"\n")
				case slices.ContainsFunc(ex.Meta.Env, func(kv string) bool { return strings.HasPrefix(kv, "HOME=") }):
					runOps = append(runOps, ex)
				default:
					t.Fatalf("unexpected exec op %q", args)
				}
			}
			stages := interpret(t, ejectT(t, s, tc.target, tc.deps), baseConfig())
			rt := stages[len(stages)-1]
			// The apt steps byte for byte (the system packages in the runtime stage, the
			// packages pip runs on in the deps stage), and as many build-time commands.
			var gotApt []string
			gotRuns := 0
			for i := range stages {
				stages[i].runs = slices.DeleteFunc(stages[i].runs, func(r runInstr) bool {
					switch {
					case strings.Contains(r.script, "\napt-get install "):
						gotApt = append(gotApt, r.script)
						return true
					case strings.HasPrefix(r.script, "export HOME="):
						gotRuns++
						return true
					}
					return false
				})
			}
			rt = stages[len(stages)-1]
			slices.Sort(aptScripts)
			slices.Sort(gotApt)
			if diff := cmp.Diff(slices.Compact(aptScripts), slices.Compact(gotApt)); diff != "" {
				t.Errorf("apt steps (-llbgraph +Dockerfile):\n%s", diff)
			}
			if gotRuns != len(runOps) {
				t.Errorf("%d build-time commands in the Dockerfile, %d in the LLB", gotRuns, len(runOps))
			}

			if userOp == nil {
				if len(rt.runs) != 0 {
					t.Errorf("the frontend has no user step, the Dockerfile has %d RUN", len(rt.runs))
				}
			} else {
				if len(rt.runs) != 1 {
					t.Fatalf("runtime stage has %d RUN, want 1", len(rt.runs))
				}
				r := rt.runs[0]
				if r.script != userOp.Meta.Args[2]+"\n" {
					t.Errorf("user script:\n%s\nwant (llbgraph):\n%s", r.script, userOp.Meta.Args[2])
				}
				if userOp.Network != pb.NetMode_NONE || r.network != "none" {
					t.Errorf("network: llbgraph %v, RUN --network=%s", userOp.Network, r.network)
				}
				if !hasTmpfs(userOp, "/tmp") || len(r.mounts) != 1 || r.mounts[0].Type != instructions.MountTypeTmpfs || r.mounts[0].Target != "/tmp" {
					t.Errorf("no tmpfs on /tmp: %+v", r.mounts)
				}
			}

			if venvOp == nil {
				if len(stages) != 1 {
					t.Errorf("the frontend installs nothing, the Dockerfile has %d stages", len(stages))
				}
				return
			}
			deps := stages[0]
			installs := []*pb.ExecOp{venvOp}
			for _, op := range []*pb.ExecOp{pipOp, projectOp} {
				if op != nil {
					installs = append(installs, op)
				}
			}
			if deps.name != "deps" || len(deps.runs) != len(installs) {
				t.Fatalf("no deps stage with %d RUNs (venv, pip, project), as the LLB has: %+v", len(installs), deps)
			}
			v := deps.runs[0]
			if diff := cmp.Diff(runShell(t, venvOp.Meta.Args...), runShell(t, "/bin/sh", "-c", v.script)); diff != "" {
				t.Errorf("commands of the venv step (-llbgraph +Dockerfile):\n%s", diff)
			}
			if v.network != "none" || venvOp.Network != pb.NetMode_NONE {
				t.Errorf("the venv step has network %q in the Dockerfile, %v in the LLB; want none", v.network, venvOp.Network)
			}
			if !hasTmpfs(venvOp, "/tmp") || len(v.mounts) != 1 || v.mounts[0].Type != instructions.MountTypeTmpfs {
				t.Errorf("the venv step has no tmpfs on /tmp: %+v", v.mounts)
			}
			for i, op := range installs[1:] {
				r := deps.runs[i+1]
				what := "pip"
				if op == projectOp {
					what = "project"
				}
				comparePip(t, what, op, r)
				var binds, wantBinds []string
				for _, m := range r.mounts {
					if m.Type == instructions.MountTypeBind {
						binds = append(binds, fmt.Sprintf("%s -> %s ro=%t from=%q", m.Source, m.Target, m.ReadOnly, m.From))
					}
				}
				switch {
				case op == projectOp:
					// The project's directory of the main context, writable (the writes are
					// dropped), as llbgraph mounts it.
					dir := "."
					if tc.deps != nil && tc.deps.ProjectPath != "" {
						dir = tc.deps.ProjectPath
					}
					wantBinds = []string{fmt.Sprintf("%s -> %s ro=false from=\"\"", dir, plan.ProjectDir)}
					if !hasMount(op, plan.ProjectDir, false, path.Clean("/"+dir)) {
						t.Errorf("llbgraph's project step has no writable mount of %s at %s", dir, plan.ProjectDir)
					}
				case tc.deps != nil && tc.deps.Generated != nil:
					// No bind: the generated file is written into the stage where llbgraph mounts it.
					file := path.Join(plan.RequirementsDir, path.Base(tc.deps.Source)+".txt")
					if got, ok := deps.files[file]; !ok || got != string(tc.deps.Generated) || string(generated) != got {
						t.Errorf("generated requirements at %s: %q (found %t), want %q, llbgraph writes %q", file, got, ok, tc.deps.Generated, generated)
					}
					if !hasMount(op, plan.RequirementsDir, true, "/") {
						t.Errorf("llbgraph's pip step has no read-only mount at %s", plan.RequirementsDir)
					}
				default:
					for _, req := range s.Requirements {
						wantBinds = append(wantBinds, fmt.Sprintf("%s -> %s ro=true from=\"\"", req, path.Join(op.Meta.Cwd, req)))
					}
				}
				if diff := cmp.Diff(wantBinds, binds); diff != "" {
					t.Errorf("%s: context mounts (-want +got):\n%s", what, diff)
				}
			}
		})
	}
}

// comparePip compares a pip RUN with llbgraph's exec op: working directory, environment,
// network, cache and secrets, and the commands its script runs.
func comparePip(t *testing.T, what string, op *pb.ExecOp, r runInstr) {
	t.Helper()
	if r.cwd != op.Meta.Cwd {
		t.Errorf("%s: runs in %q, llbgraph in %q", what, r.cwd, op.Meta.Cwd)
	}
	var wantEnv, gotEnv []string
	for _, kv := range op.Meta.Env {
		if strings.HasPrefix(kv, "PIP_") || strings.HasPrefix(kv, "PYTHON") {
			wantEnv = append(wantEnv, kv)
		}
	}
	for _, kv := range r.env {
		if !slices.Contains(baseConfig().Env, kv) {
			gotEnv = append(gotEnv, kv)
		}
	}
	slices.Sort(wantEnv)
	slices.Sort(gotEnv)
	if diff := cmp.Diff(wantEnv, gotEnv); diff != "" {
		t.Errorf("%s: environment (-llbgraph +Dockerfile):\n%s", what, diff)
	}
	if diff := cmp.Diff(llbMounts(op), runMounts(r.mounts)); diff != "" {
		t.Errorf("%s: cache and secrets (-llbgraph +Dockerfile):\n%s", what, diff)
	}
	if r.network != "default" {
		t.Errorf("%s: runs with --network=%s", what, r.network)
	}
	want := runShell(t, op.Meta.Args...)
	got := runShell(t, "/bin/sh", "-c", r.script)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: commands (-llbgraph +Dockerfile):\n%s", what, diff)
	}
}

// hasMount reports whether the exec op bind-mounts the directory selector of an input at
// dest, read-only or not.
func hasMount(ex *pb.ExecOp, dest string, readonly bool, selector string) bool {
	for _, m := range ex.Mounts {
		if m.Dest == dest && m.MountType == pb.MountType_BIND && m.Readonly == readonly && path.Clean("/"+m.Selector) == selector {
			return true
		}
	}
	return false
}

func hasTmpfs(ex *pb.ExecOp, dest string) bool {
	for _, m := range ex.Mounts {
		if m.Dest == dest && m.MountType == pb.MountType_TMPFS {
			return true
		}
	}
	return false
}

// llbMounts describes the cache and secret mounts and secret env vars of an exec op.
func llbMounts(ex *pb.ExecOp) []string {
	var out []string
	for _, m := range ex.Mounts {
		switch m.MountType {
		case pb.MountType_CACHE:
			out = append(out, fmt.Sprintf("cache id=%s target=%s sharing=%s", m.CacheOpt.ID, m.Dest, m.CacheOpt.Sharing))
		case pb.MountType_SECRET:
			out = append(out, fmt.Sprintf("secret id=%s target=%s required=%t", m.SecretOpt.ID, m.Dest, !m.SecretOpt.Optional))
		}
	}
	for _, e := range ex.Secretenv {
		out = append(out, fmt.Sprintf("secret id=%s env=%s required=%t", e.ID, e.Name, !e.Optional))
	}
	slices.Sort(out)
	return out
}

// runMounts describes the cache and secret mounts of a RUN like llbMounts.
func runMounts(mounts []*instructions.Mount) []string {
	var out []string
	for _, m := range mounts {
		switch m.Type {
		case instructions.MountTypeCache:
			sharing := map[instructions.ShareMode]pb.CacheSharingOpt{instructions.MountSharingShared: pb.CacheSharingOpt_SHARED,
				instructions.MountSharingPrivate: pb.CacheSharingOpt_PRIVATE, instructions.MountSharingLocked: pb.CacheSharingOpt_LOCKED}[m.CacheSharing]
			out = append(out, fmt.Sprintf("cache id=%s target=%s sharing=%s", m.CacheID, m.Target, sharing))
		case instructions.MountTypeSecret:
			if m.Env != nil && m.Target == "" {
				out = append(out, fmt.Sprintf("secret id=%s env=%s required=%t", m.CacheID, *m.Env, m.Required))
			} else {
				out = append(out, fmt.Sprintf("secret id=%s target=%s required=%t", m.CacheID, m.Target, m.Required))
			}
		}
	}
	slices.Sort(out)
	return out
}

// runShell runs argv (a /bin/sh invocation) with a python3, a touch and a find that only
// record their arguments (touch and find with their names first), and returns the recorded
// calls, sorted: a pipeline's commands run at once, so only the set of calls is stable.
func runShell(t *testing.T, argv ...string) [][]string {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	dir := t.TempDir()
	// One write per call (\037 between words, \036 after the call), so calls that run at
	// once do not interleave.
	for name, first := range map[string]string{"python3": "", "touch": "touch", "find": "find"} {
		rec := "#!/bin/sh\nrec='" + first + "'\nfor a in \"$@\"; do rec=\"$rec$(printf '\\037')$a\"; done\nprintf '%s\\036' \"$rec\" >> \"$LOG\"\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(rec), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	log := filepath.Join(dir, "log")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=" + dir, "LOG=" + log}
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%q: %v\n%s", argv, err, out)
	}
	dt, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var calls [][]string
	for _, rec := range strings.Split(strings.TrimSuffix(string(dt), "\036"), "\036") {
		words := strings.Split(rec, "\037")
		if words[0] == "" {
			words = words[1:] // python3: its arguments only
		}
		calls = append(calls, words)
	}
	slices.SortFunc(calls, func(a, b []string) int { return slices.Compare(a, b) })
	return calls
}

// TestHealthcheckJSON: the default probe is a multi-line program; the exec form keeps its
// line breaks as \n escapes and BuildKit's parser decodes them.
func TestHealthcheckJSON(t *testing.T) {
	s := load(t, "version: 1\n")
	df := ejectT(t, s, "inference", nil)
	probe := plan.HTTPProbe(8000, "/health", 5*time.Second)
	if !strings.Contains(probe, "\n") {
		t.Fatal("the probe has no line break")
	}
	stages := interpret(t, df, baseConfig())
	h := stages[len(stages)-1].cfg.Healthcheck
	if h == nil || !slices.Equal(h.Test, []string{"CMD", "python3", "-c", probe}) {
		t.Errorf("healthcheck %+v", h)
	}
}

// TestKnownDifferences pins the differences the package documentation lists.
func TestKnownDifferences(t *testing.T) {
	t.Run("shell probe with a line break", func(t *testing.T) {
		s := load(t, "version: 1\ntargets:\n  inference:\n    healthcheck:\n      command: |\n        test -f /tmp/ready\n        curl -fs localhost:8000\n")
		stages := interpret(t, ejectT(t, s, "inference", nil), baseConfig())
		cmd := "test -f /tmp/ready\ncurl -fs localhost:8000\n"
		if h := stages[len(stages)-1].cfg.Healthcheck; h == nil || !slices.Equal(h.Test, []string{"CMD", "/bin/sh", "-c", cmd}) {
			t.Errorf("healthcheck %+v", h)
		}
		if h := frontendBuild(t, s, "inference", nil).Image.Config.Healthcheck; !slices.Equal(h.Test, []string{"CMD-SHELL", cmd}) {
			t.Errorf("frontend healthcheck %+v", h)
		}
	})
	t.Run("shell probe that reads as JSON", func(t *testing.T) {
		s := load(t, "version: 1\ntargets:\n  inference:\n    healthcheck: {command: '[ \"ok\" ]'}\n")
		stages := interpret(t, ejectT(t, s, "inference", nil), baseConfig())
		if h := stages[len(stages)-1].cfg.Healthcheck; h == nil || !slices.Equal(h.Test, []string{"CMD", "/bin/sh", "-c", `[ "ok" ]`}) {
			t.Errorf("healthcheck %+v", h)
		}
	})
	t.Run("base without PATH", func(t *testing.T) {
		base := baseConfig()
		base.Env = []string{"LANG=C.UTF-8"}
		stages := interpret(t, ejectT(t, load(t, "version: 1\n"), "training", nil), base)
		got := stages[len(stages)-1].cfg.Env[:3]
		want := []string{"LANG=C.UTF-8", "PATH=/opt/venv/bin:" + defaultPath, "VIRTUAL_ENV=/opt/venv"}
		if !slices.Equal(got, want) { // mlbuild: LANG, VIRTUAL_ENV, PATH
			t.Errorf("env starts with %q, want %q", got, want)
		}
	})
	t.Run("base ports and healthcheck", func(t *testing.T) {
		base := baseConfig()
		base.ExposedPorts = map[string]struct{}{"5000/tcp": {}}
		base.Healthcheck = &dockerspec.HealthcheckConfig{Test: []string{"CMD", "true"}}
		stages := interpret(t, ejectT(t, load(t, "version: 1\n"), "training", nil), base)
		cfg := stages[len(stages)-1].cfg
		if len(cfg.ExposedPorts) != 1 || cfg.Healthcheck == nil {
			t.Errorf("the Dockerfile dropped the base's ports or healthcheck: %+v %+v", cfg.ExposedPorts, cfg.Healthcheck)
		}
	})
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, target, want string }{
		{"unknown target", "version: 1\n", "nope", `targets: unknown target "nope" (known: inference, training)`},
		{"line break in env", "version: 1\nenv: {A: \"x\\ny\"}\n", "training", "env.A"},
		{"= in label key", "version: 1\nlabels: {\"a=b\": c}\n", "training", `key "a=b"`},
		{"space in requirements", "version: 1\nrequirements: [\"my reqs.txt\"]\n", "training", "requirements[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := eject.Dockerfile(load(t, tc.src), tc.target)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := eject.Dockerfile(nil, "training"); err == nil {
		t.Error("no error for a nil spec")
	}
}

// --- A test-only interpreter of the Dockerfiles this package writes ---------------------
//
// It parses with BuildKit's parser and instructions packages and expands words with BuildKit's
// shell lexer, as dockerfile2llb does, then applies the instructions to an image config the
// way dockerfile2llb's dispatch functions do (ENV, LABEL, ARG, WORKDIR, USER, EXPOSE,
// HEALTHCHECK, CMD, ENTRYPOINT), and records RUN and COPY. Unlike dockerfile2llb_test.go,
// which runs the real converter, it shows each step and works from any base config.

type stageResult struct {
	name   string
	cfg    dockerspec.DockerOCIImageConfig
	runs   []runInstr
	copies []copyInstr
	// files are the files a COPY heredoc writes, by absolute path.
	files map[string]string
}

type runInstr struct {
	network string
	mounts  []*instructions.Mount
	script  string
	env     []string
	cwd     string
}

type copyInstr struct {
	from     string
	link     bool
	excludes []string
	src, dst string
}

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func interpret(t *testing.T, df []byte, base dockerspec.DockerOCIImageConfig) []*stageResult {
	t.Helper()
	res, err := parser.Parse(bytes.NewReader(df))
	if err != nil {
		t.Fatalf("BuildKit's parser rejects the Dockerfile: %v\n%s", err, df)
	}
	for _, w := range res.Warnings {
		t.Errorf("parser warning: %s", w.Short)
	}
	parsed, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		t.Fatalf("BuildKit's instructions package rejects the Dockerfile: %v\n%s", err, df)
	}
	lex := shell.NewLex(res.EscapeToken)
	meta := map[string]string{}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				v, _, err := lex.ProcessWord(*kv.Value, shell.EnvsFromSlice(nil))
				if err != nil {
					t.Fatal(err)
				}
				meta[kv.Key] = v
			}
		}
	}

	var stages []*stageResult
	for _, st := range parsed {
		img, _, err := lex.ProcessWord(st.BaseName, shell.EnvsFromSlice([]string{"BASE=" + meta["BASE"]}))
		if err != nil || img != meta["BASE"] {
			t.Fatalf("FROM %s is %q, not the BASE argument", st.BaseName, img)
		}
		cfg := base
		cfg.Env = slices.Clone(base.Env)
		cfg.Labels = maps.Clone(base.Labels)
		cfg.ExposedPorts = maps.Clone(base.ExposedPorts)
		if !slices.ContainsFunc(cfg.Env, func(kv string) bool { return strings.HasPrefix(kv, "PATH=") }) {
			cfg.Env = append(cfg.Env, "PATH="+defaultPath) // dockerfile2llb: PATH is always set
		}
		cur := &stageResult{name: st.Name, cfg: cfg}
		stages = append(stages, cur)
		args := map[string]string{}
		cmdSet := false
		env := func() []string { // the state's env: the config's and the stage's ARGs
			e := slices.Clone(cur.cfg.Env)
			for _, k := range slices.Sorted(maps.Keys(args)) {
				e = append(e, k+"="+args[k])
			}
			return e
		}
		expander := func(word string) (string, error) {
			out, _, err := lex.ProcessWord(word, shell.EnvsFromSlice(env()))
			return out, err
		}
		for _, cmd := range st.Commands {
			if ex, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
				if _, isArg := cmd.(*instructions.ArgCommand); !isArg {
					if err := ex.Expand(expander); err != nil {
						t.Fatalf("%s: %v", cmd.Name(), err)
					}
				}
			}
			switch c := cmd.(type) {
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					if kv.Value != nil {
						v, err := expander(*kv.Value)
						if err != nil {
							t.Fatal(err)
						}
						args[kv.Key] = v
					} else if v, ok := meta[kv.Key]; ok {
						args[kv.Key] = v
					} // else: not passed, so not set
				}
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					cur.cfg.Env = addEnv(cur.cfg.Env, kv.Key, kv.Value)
				}
			case *instructions.LabelCommand:
				if cur.cfg.Labels == nil {
					cur.cfg.Labels = map[string]string{}
				}
				for _, kv := range c.Labels {
					cur.cfg.Labels[kv.Key] = kv.Value
				}
			case *instructions.WorkdirCommand:
				p := c.Path // an absolute path is kept as it is (system.NormalizeWorkdir)
				if !path.IsAbs(p) {
					p = path.Join(cur.cfg.WorkingDir, p)
				}
				cur.cfg.WorkingDir = p
			case *instructions.UserCommand:
				cur.cfg.User = c.User
			case *instructions.ExposeCommand:
				if cur.cfg.ExposedPorts == nil {
					cur.cfg.ExposedPorts = map[string]struct{}{}
				}
				for _, p := range c.Ports {
					words, err := lex.ProcessWords(p, shell.EnvsFromSlice(env()))
					if err != nil {
						t.Fatal(err)
					}
					for _, w := range words {
						if !strings.Contains(w, "/") {
							w += "/tcp"
						}
						cur.cfg.ExposedPorts[strings.ToLower(w)] = struct{}{}
					}
				}
			case *instructions.HealthCheckCommand:
				h := *c.Health
				cur.cfg.Healthcheck = &h
			case *instructions.CmdCommand:
				cur.cfg.Cmd = shellForm(c.ShellDependantCmdLine)
				cmdSet = true
			case *instructions.EntrypointCommand:
				cur.cfg.Entrypoint = shellForm(c.ShellDependantCmdLine)
				if !cmdSet {
					cur.cfg.Cmd = nil
				}
			case *instructions.RunCommand:
				if len(c.Files) != 1 || !c.PrependShell {
					t.Fatalf("%s: not a RUN with one heredoc", c.String())
				}
				cur.runs = append(cur.runs, runInstr{network: instructions.GetNetwork(c), mounts: instructions.GetMounts(c),
					script: c.Files[0].Data, env: env(), cwd: cur.cfg.WorkingDir})
			case *instructions.CopyCommand:
				if len(c.SourceContents) == 1 && len(c.SourcePaths) == 0 && c.From == "" && !c.Link && c.Chown == "" && c.Chmod == "" {
					dst := c.DestPath
					if !path.IsAbs(dst) {
						dst = path.Join(cur.cfg.WorkingDir, dst)
					}
					if cur.files == nil {
						cur.files = map[string]string{}
					}
					cur.files[dst] = c.SourceContents[0].Data
					continue
				}
				if len(c.SourcePaths) != 1 || c.Chown != "" || c.Chmod != "" || c.Parents {
					t.Fatalf("unexpected %s", c.String())
				}
				cur.copies = append(cur.copies, copyInstr{from: c.From, link: c.Link, excludes: c.ExcludePatterns, src: c.SourcePaths[0], dst: c.DestPath})
			default:
				t.Fatalf("unexpected instruction %s", cmd.Name())
			}
		}
	}
	if len(stages) == 0 {
		t.Fatal("no stage")
	}
	return stages
}

// shellForm is a CMD or ENTRYPOINT's argv: exec form as is, shell form in /bin/sh -c.
func shellForm(c instructions.ShellDependantCmdLine) []string {
	if c.PrependShell {
		return append([]string{"/bin/sh", "-c"}, strings.Join(c.CmdLine, " "))
	}
	return c.CmdLine
}

// addEnv is dockerfile2llb's: replace in place or append.
func addEnv(env []string, k, v string) []string {
	for i, kv := range env {
		if key, _, _ := strings.Cut(kv, "="); key == k {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

// planOf is target's plan, for what a test expects of its ejection.
func planOf(t testing.TB, s *spec.Spec, target string, deps *plan.Deps) *plan.Plan {
	t.Helper()
	p, err := plan.New(s, plan.Options{Target: target, Deps: deps})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
