package llbgraph

import (
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// numbered matches the name of a vertex that does a numbered step's work, or turns it into a
// layer; checks and the gate have names of their own.
var (
	numbered   = regexp.MustCompile(`^\[(inference|training|batch)( linux/[a-z0-9]+)? (\d+)/(\d+)\] (.+?)(: layer)?$`)
	unnumbered = regexp.MustCompile(`^\[((inference|training|batch)( linux/[a-z0-9]+)?( check)?|internal)\] .+$`)
)

// TestVertexNames checks, in every shape, that every vertex has a name in the one format the
// naming helper writes, and that the steps are numbered 1..m with m the number of steps
// named: no step is counted that has no vertex, and none is named twice with different work.
func TestVertexNames(t *testing.T) {
	for _, tc := range []struct {
		name, src, target string
		copyShape         bool
	}{
		{"default-inference", "version: 1\n", "inference", false},
		{"default-inference-copy", "version: 1\n", "inference", true},
		{"rich-batch", richSpec, "batch", false},
		{"rich-inference-copy", richSpec, "inference", true},
		{"tests", "version: 1\ntargets:\n  inference:\n    test: [\"pytest -q\"]\n", "inference", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t, tc.src)
			opt := testOptions(s, tc.target)
			if tc.copyShape {
				opt.Caps = engineCaps(sinceV08, nil)
			}
			_, def := buildWith(t, s, opt)
			steps := map[int]string{}
			total := -1
			for _, md := range def.Metadata {
				name := md.Description["llb.customname"]
				if name == "" {
					continue // the base image and the context sources: named by the frontend
				}
				m := numbered.FindStringSubmatch(name)
				if m == nil {
					if !unnumbered.MatchString(name) {
						t.Errorf("vertex %q is not in the naming format", name)
					}
					continue
				}
				n, _ := strconv.Atoi(m[3])
				tot, _ := strconv.Atoi(m[4])
				if total >= 0 && tot != total {
					t.Errorf("vertex %q counts %d steps, another counts %d", name, tot, total)
				}
				total = tot
				if prev, ok := steps[n]; ok && prev != m[5] {
					t.Errorf("step %d is both %q and %q", n, prev, m[5])
				}
				steps[n] = m[5]
			}
			var nums []int
			for n := range steps {
				nums = append(nums, n)
			}
			slices.Sort(nums)
			if len(nums) != total || nums[0] != 1 || nums[len(nums)-1] != total {
				t.Errorf("steps named %v, total %d: want 1..%d each named", nums, total, total)
			}
		})
	}
}
