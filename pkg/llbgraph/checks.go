package llbgraph

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

//go:embed runner.py
var runnerPy []byte

// ResultFile is where a check's outcome is found in its State.
const ResultFile = "/result.json"

// runnerResult is where the runner writes it inside the image.
const runnerResult = "/tmp/mlbuild-check/result.json"

// Check is a command run inside the built image before it is exported: a spec test or the
// smoke test. Solve State and read ResultFile ({"exit": N, "output": "..."}) to learn the
// outcome; the check itself never fails the solve. State holds that one file and nothing
// else, so reading it never needs the image's layers (after a registry cache import, say).
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
		argv := CommandArgs(&c)
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
		args := map[string]any{"kind": "smoke", "argv": cmd, "probe": probe, "deadline": deadline.Seconds(),
			// Poll fast: the build waits on this, and a probe is cheap next to a build.
			"interval": 0.2, "probe_timeout": max(h.Timeout, time.Second).Seconds()}
		if hc := t.Healthcheck; hc != nil && hc.Command == nil && hc.Port != nil {
			// The default HTTP probe cannot pass before its port accepts connections: the
			// runner waits for that with a cheap connect every 20ms instead of a probe.
			args["port"] = *hc.Port
		}
		out = append(out, g.check(final, img, "smoke test: start "+strings.Join(cmd, " ")+" and wait for the healthcheck", specPath, args))
	}
	return out
}

// check runs the runner in the final filesystem with the image's env, user and workdir, no
// network but loopback, and copies the result it leaves there into a state of its own. The
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
	run := final.Run(ro...).Root()
	keep := append([]llb.ConstraintsOpt{llb.WithCustomNamef("[%s check] %s: keep the result", g.label(), name)}, g.opt.Constraints...)
	res := llb.Scratch().File(llb.Copy(run, runnerResult, ResultFile), keep...)
	return Check{Name: name, SpecPath: specPath, State: res}
}

// gate returns the image to export: the same layers as final, merged once more with an empty
// diff of every check's result. The diffs add no layer and no file, but they make the image
// depend on its checks, so the checks run in the same solve and a cache export
// (--cache-to mode=max) carries their results: a daemon importing that cache does not run
// them again for the same image.
func (g *graph) gate(layers []llb.State, checks []Check) llb.State {
	deps := slices.Clone(layers)
	for _, chk := range checks {
		c := append([]llb.ConstraintsOpt{llb.WithCustomNamef("[%s check] %s: passed", g.label(), chk.Name)}, g.opt.Constraints...)
		deps = append(deps, llb.Diff(chk.State, chk.State, c...))
	}
	c := append([]llb.ConstraintsOpt{llb.WithCustomNamef("[%s] image, once %d check(s) passed", g.label(), len(checks))}, g.opt.Constraints...)
	return llb.Merge(deps, c...)
}
