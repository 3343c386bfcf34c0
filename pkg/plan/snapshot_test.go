package plan_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlbuild/mlbuild/internal/testkit"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/spec"
)

// snapshotSpecs are the specs whose plans are kept as snapshots: the example's (the defaults),
// a rich one that sets nearly every field, and one with system and build packages, run steps
// and a base per target.
var snapshotSpecs = map[string]string{
	"default": "version: 1\n",
	"rich":    testkit.RichSpec,
	"system":  systemSpec,
}

// TestPlanSnapshots: the plan of every target of the default and the rich spec, as JSON (what
// frontend plan prints), is testdata/<spec>-<target>.json; -update rewrites them. The plan
// also reads back from its JSON unchanged.
func TestPlanSnapshots(t *testing.T) {
	for name, src := range snapshotSpecs {
		s, err := spec.Load("mlbuild.yaml", []byte(src), spec.Options{BuildArgs: map[string]string{"TARGETARCH": "amd64"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, target := range s.TargetNames() {
			t.Run(name+"-"+target, func(t *testing.T) {
				p := newPlan(t, s, plan.Options{Target: target})
				got, err := plan.JSON(p)
				if err != nil {
					t.Fatal(err)
				}
				var back plan.Plan
				if err := json.Unmarshal(got, &back); err != nil {
					t.Fatal(err)
				}
				again, err := plan.JSON(&back)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(again, got) {
					t.Errorf("the plan does not read back from its JSON unchanged:\n%s", cmp.Diff(string(got), string(again)))
				}
				testkit.Golden(t, filepath.Join("testdata", name+"-"+target+".json"), got)
			})
		}
	}
}
