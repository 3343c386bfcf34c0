package llbgraph

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

//go:embed runner.py
var runnerPy []byte

// ResultFile is where a check's outcome is found in its State.
const ResultFile = "/tmp/mlbuild-check/result.json"

// Check is a command run inside the built image before it is exported: a spec test or the
// smoke test. Solve State and read ResultFile ({"exit": N, "output": "..."}) to learn the
// outcome; the check itself never fails the solve.
type Check struct {
	// Name is shown in errors ("test[0]: pytest -q", "smoke test").
	Name string
	// SpecPath locates the check in the spec (targets.inference.test[0]).
	SpecPath string
	State    llb.State
}

// CheckResult is the content of ResultFile.
type CheckResult struct {
	Exit   int    `json:"exit"`
	Output string `json:"output"`
}

func (g *graph) checks(final llb.State, img *dockerspec.DockerOCIImage) []Check {
	t := g.t
	var out []Check
	for i, c := range t.Test {
		argv := commandArgs(&c)
		out = append(out, g.check(final, img, fmt.Sprintf("test[%d]: %s", i, strings.Join(argv, " ")),
			fmt.Sprintf("targets.%s.test[%d]", t.Name, i),
			map[string]any{"kind": "command", "argv": argv, "timeout": 3600}))
	}
	h := img.Config.Healthcheck
	cmd := append(append([]string{}, img.Config.Entrypoint...), img.Config.Cmd...)
	if *t.SmokeTest && h != nil && len(h.Test) > 1 && h.Test[0] != "NONE" && len(cmd) > 0 {
		probe := h.Test[1:]
		if h.Test[0] == "CMD-SHELL" {
			probe = []string{"/bin/sh", "-c", h.Test[1]}
		}
		deadline := min(h.StartPeriod+time.Duration(h.Retries)*h.Interval, 5*time.Minute)
		deadline = max(deadline, 30*time.Second)
		specPath := "targets." + t.Name + ".smoke-test"
		if !g.s.Has(specPath) {
			specPath = "targets." + t.Name + ".healthcheck"
		}
		out = append(out, g.check(final, img, "smoke test: start "+strings.Join(cmd, " ")+" and wait for the healthcheck", specPath,
			map[string]any{"kind": "smoke", "argv": cmd, "probe": probe, "deadline": deadline.Seconds(),
				// Poll fast: the build waits on this, and a probe is cheap next to a build.
				"interval": 0.2, "probe_timeout": max(h.Timeout, time.Second).Seconds()}))
	}
	return out
}

// check runs the runner in the final filesystem with the image's env, user and workdir, no
// network but loopback, and returns the exec's root, where the runner leaves its result. The
// runner goes inline (python3 -c): a file op without inputs would re-run on every build.
func (g *graph) check(final llb.State, img *dockerspec.DockerOCIImage, name, specPath string, args map[string]any) Check {
	js, _ := json.Marshal(args)
	ro := []llb.RunOption{
		llb.Args([]string{"python3", "-c", string(runnerPy), string(js)}),
		llb.Network(pb.NetMode_NONE),
		llb.User(img.Config.User),
		llb.Dir(img.Config.WorkingDir),
	}
	for _, kv := range img.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		ro = append(ro, llb.AddEnv(k, v))
	}
	c := append([]llb.ConstraintsOpt{llb.WithCustomNamef("[%s check] %s", g.label(), name)}, g.opt.Constraints...)
	if g.opt.SourceMap != nil {
		c = append(c, g.opt.SourceMap.Location([]*pb.Range{g.rangeOf(specPath)}))
	}
	ro = append(ro, withConstraints(c))
	return Check{Name: name, SpecPath: specPath, State: final.Run(ro...).Root()}
}
