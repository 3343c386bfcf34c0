package integration

import (
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/errdefs"
)

// TestChecksGateExport: spec tests and the default smoke test run inside the built image at
// build time; a failure fails the build with the output and the spec line, and nothing is
// pushed. Through the two ways most users build: in-process and buildx.
func TestChecksGateExport(t *testing.T) {
	e := bed(t)
	failingTest := "version: 1\ntargets:\n  inference:\n    test:\n      - [python, -c, \"import src.api, sys; print('imports fine')\"]\n      - \"echo checking model; test -f /app/models/missing.bin || { echo no model file; exit 3; }\"\n"
	// The app prints 100 lines first, then uvicorn a long traceback: the error shows the last
	// 40 lines of it all, the exception's among them, not the first lines printed.
	brokenApp := map[string]string{"src/api.py": "for i in range(100):\n    print('loading shard', i)\nraise RuntimeError('model store unreachable: boom')\n"}
	cases := []struct {
		name      string
		edits     map[string]string
		wantErr   []string
		wantLine  int32
		wantBuilt bool
	}{
		{"failing-test", map[string]string{"mlbuild.yaml": failingTest}, []string{"test[1]", "exit 3", "no model file"}, 7, false},
		{"broken-app-smoke", brokenApp, []string{"smoke test", "boom", "exited with code", "(last 40 of ", "targets.inference.smoke-test: false"}, 0, false},
		{"smoke-test-off", mergeEdits(brokenApp, map[string]string{"mlbuild.yaml": "version: 1\ntargets:\n  inference:\n    smoke-test: false\n"}), nil, 0, true},
		{"passing", map[string]string{"mlbuild.yaml": "version: 1\ntargets:\n  inference:\n    test: [\"python -c 'import src.api'\"]\n"}, nil, 0, true},
	}
	for _, m := range []Mode{InProcess, Buildx} {
		for _, tc := range cases {
			t.Run(string(m)+"/"+tc.name, func(t *testing.T) {
				dir := e.project(t, tc.edits)
				repo := "it/checks-" + tc.name + "-" + string(m)
				_, err := e.build(t, m, dir, buildOpts{target: "inference", push: repo})
				if tc.wantBuilt {
					if err != nil {
						t.Fatalf("build failed: %v", err)
					}
					return
				}
				if err == nil {
					t.Fatal("the build passed; the check should have failed it")
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error lacks %q:\n%v", w, err)
					}
				}
				if strings.Contains(err.Error(), "loading shard 0\n") {
					t.Errorf("the error shows more than the app's last lines:\n%v", err)
				}
				if m == InProcess && tc.wantLine > 0 {
					var lines []int32
					for _, s := range errdefs.Sources(err) {
						for _, r := range s.Ranges {
							lines = append(lines, r.Start.Line)
						}
					}
					if !slices.Contains(lines, tc.wantLine) {
						t.Errorf("source lines %v, want %d", lines, tc.wantLine)
					}
				}
				if tags := e.tags(t, repo); len(tags) != 0 {
					t.Errorf("a failed check still pushed %v", tags)
				}
			})
		}
	}
}

func mergeEdits(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
