package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCache: after editing only a file in src/, the rebuild's pip step is cached; building
// the second target after the first runs pip zero times; a no-op rebuild runs no work step.
func TestCache(t *testing.T) {
	e := bed(t)
	dir := e.project(t, nil)
	for _, m := range []Mode{InProcess, Buildx} {
		t.Run(string(m), func(t *testing.T) {
			if _, err := e.build(t, m, dir, buildOpts{target: "inference", push: "it/cache"}); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(filepath.Join(dir, "src", "api.py"), os.O_APPEND|os.O_WRONLY, 0)
			must(t, err)
			_, err = f.WriteString(fmt.Sprintf("\n# edited by TestCache/%s at %d\n", m, time.Now().UnixNano()))
			must(t, err)
			f.Close()
			res, err := e.build(t, m, dir, buildOpts{target: "inference", push: "it/cache"})
			if err != nil {
				t.Fatal(err)
			}
			if n := res.ran("pip install"); n != 0 || res.cached("pip install") == 0 {
				t.Errorf("after a src/ edit pip ran %d times (cached %d); want 0 runs", n, res.cached("pip install"))
			}
			if res.ran("copy src") != 1 {
				t.Errorf("after a src/ edit the src copy ran %d times, want 1", res.ran("copy src"))
			}
			if n := res.ran("copy configs") + res.ran("copy models"); n != 0 {
				t.Errorf("after a src/ edit %d other copies re-ran", n)
			}
			res, err = e.build(t, m, dir, buildOpts{target: "training", push: "it/cache"})
			if err != nil {
				t.Fatal(err)
			}
			if n := res.ran("pip install"); n != 0 {
				t.Errorf("the second target ran pip %d times, want 0", n)
			}
			res, err = e.build(t, m, dir, buildOpts{target: "training", push: "it/cache"})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range res.vertices {
				if !v.Cached && v.Completed != nil && isWork(v.Name) {
					t.Errorf("no-op rebuild executed %q", v.Name)
				}
			}
		})
	}
}

// isWork tells work vertices (our numbered steps) from the source vertices that always run
// (load definition, metadata, context transfer).
func isWork(name string) bool {
	return len(name) > 0 && name[0] == '[' && !startsWith(name, "[internal]") && !startsWith(name, "[test]") && containsStep(name)
}

func startsWith(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

func containsStep(name string) bool {
	for i := 0; i+1 < len(name) && name[i] != ']'; i++ {
		if name[i] == '/' {
			return true
		}
	}
	return false
}
