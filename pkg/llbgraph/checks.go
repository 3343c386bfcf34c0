package llbgraph

import (
	_ "embed"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/mlbuild/mlbuild/pkg/plan"
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
	plan.Check
	State llb.State
	// Fresh is State with the check's run ignoring the cache: a failure read from State may be
	// an earlier build's (a smoke test that timed out on a loaded machine is cached like any
	// result), and solving Fresh runs the check again on the same image.
	Fresh llb.State
}

// CheckResult is the content of ResultFile.
type CheckResult struct {
	Exit   int    `json:"exit"`
	Output string `json:"output"`
	// RanAt is when the check ran (Unix seconds, the worker's clock); 0 in results written
	// before it was recorded.
	RanAt float64 `json:"ran_at"`
}

// RanBefore reports whether the check ran before t: its result came from the cache.
func (r CheckResult) RanBefore(t time.Time) bool {
	return r.RanAt > 0 && r.RanAt < float64(t.UnixNano())/1e9
}

// checks are the plan's checks, each run in final with the image's config.
func (g *graph) checks(final llb.State, img *dockerspec.DockerOCIImage) []Check {
	var out []Check
	for _, chk := range g.p.Checks {
		args := map[string]any{"kind": chk.Kind, "argv": chk.Argv}
		switch chk.Kind {
		case plan.CheckCommand:
			args["timeout"] = chk.Timeout.Seconds()
		case plan.CheckSmoke:
			args["probe"] = chk.Probe
			args["deadline"] = chk.Deadline.Seconds()
			args["interval"] = chk.Interval.Seconds()
			args["probe_timeout"] = chk.ProbeTimeout.Seconds()
			if chk.Port != 0 {
				args["port"] = chk.Port
			}
		}
		out = append(out, g.check(final, img, chk, args))
	}
	return out
}

// check runs the runner in the final filesystem with the image's env, user and workdir, no
// network but loopback, and copies the result it leaves there into a state of its own. The
// runner goes inline (python3 -c): a file op without inputs would re-run on every build.
func (g *graph) check(final llb.State, img *dockerspec.DockerOCIImage, chk plan.Check, args map[string]any) Check {
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
	result := func(extra ...llb.RunOption) llb.State {
		ro := append(slices.Clone(ro), withConstraints(g.named(g.p.CheckName(chk, plan.CheckRun), chk.SpecPath)))
		run := final.Run(append(ro, extra...)...).Root()
		return llb.Scratch().File(llb.Copy(run, runnerResult, ResultFile), g.named(g.p.CheckName(chk, plan.CheckKeepResult), "")...)
	}
	return Check{Check: chk, State: result(), Fresh: result(llb.IgnoreCache)}
}

// gate returns the image to export: the same layers as final, merged once more with an empty
// diff of every check's result. The diffs add no layer and no file, but they make the image
// depend on its checks, so the checks run in the same solve and a cache export
// (--cache-to mode=max) carries their results: a daemon importing that cache does not run
// them again for the same image.
func (g *graph) gate(layers []llb.State, checks []Check) llb.State {
	deps := slices.Clone(layers)
	for _, chk := range checks {
		deps = append(deps, llb.Diff(chk.State, chk.State, g.named(g.p.CheckName(chk.Check, plan.CheckPassed), "")...))
	}
	return llb.Merge(deps, g.named(g.p.GateName(), "")...)
}
