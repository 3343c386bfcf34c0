package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
			requireSeen(t, "the inference rebuild", res, "pip install", "copy src", "copy configs", "copy models")
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
			requireSeen(t, "the training build", res, "pip install")
			if n := res.ran("pip install"); n != 0 {
				t.Errorf("the second target ran pip %d times, want 0", n)
			}
			res, err = e.build(t, m, dir, buildOpts{target: "training", push: "it/cache"})
			if err != nil {
				t.Fatal(err)
			}
			requireSeen(t, "the no-op rebuild", res, "pip install", "copy src", "copy configs")
			work := 0
			for _, v := range res.vertices {
				if !isWork(v.Name) {
					continue
				}
				work++
				if !v.Cached && v.Completed != nil {
					t.Errorf("no-op rebuild executed %q", v.Name)
				}
			}
			if work == 0 {
				t.Errorf("the no-op rebuild's progress has no work vertex (isWork matched none of %d vertices): vertex names changed?", len(res.vertices))
			}
		})
	}
}

// requireSeen fails the test unless every substr names at least one vertex of res's progress,
// so that asserting "ran 0 times" cannot pass because the vertex was renamed.
func requireSeen(t *testing.T, what string, res *buildResult, substrs ...string) {
	t.Helper()
	var missing []string
	for _, s := range substrs {
		if res.seen(s) == 0 {
			missing = append(missing, fmt.Sprintf("%q", s))
		}
	}
	if len(missing) > 0 {
		names := make([]string, 0, len(res.vertices))
		for _, v := range res.vertices {
			names = append(names, v.Name)
		}
		slices.Sort(names)
		t.Fatalf("%s: no vertex named %s in the progress; the vertices were:\n%s", what, strings.Join(missing, ", "), strings.Join(names, "\n"))
	}
}

// isWork tells work vertices (our numbered steps, the checks and the export gate) from the
// source vertices that always run (load definition, metadata, context transfer).
func isWork(name string) bool {
	if len(name) == 0 || name[0] != '[' || startsWith(name, "[internal]") || startsWith(name, "[test]") {
		return false
	}
	return containsStep(name) || strings.Contains(name, " check] ") || strings.Contains(name, "] image, once ")
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

// TestRegistryCacheCarriesChecks: the checks are part of the exported image's graph, so a
// registry cache exported with mode=max carries their results. A fresh daemon importing it
// builds the same image without pip and without starting the app again; once the app
// changes, the smoke test runs again.
func TestRegistryCacheCarriesChecks(t *testing.T) {
	e := bed(t)
	dir := e.project(t, nil)
	ref := fmt.Sprintf("%s/it/checks-cache:%d", e.registry, time.Now().UnixNano())
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "1700000000"}

	first, err := e.on(e.startDaemon(t)).build(t, Syntax, dir, buildOpts{target: "inference", push: "it/checks-cache", cacheTo: ref, buildArgs: epoch})
	if err != nil {
		t.Fatal(err)
	}
	if n := smokeRuns(first); n != 1 {
		t.Fatalf("the first build ran the smoke test %d times, want 1", n)
	}

	fresh := e.on(e.startDaemon(t))
	second, err := fresh.build(t, Syntax, dir, buildOpts{target: "inference", push: "it/checks-cache", cacheFrom: ref, buildArgs: epoch})
	if err != nil {
		t.Fatal(err)
	}
	if n := smokeRuns(second); n != 0 {
		t.Errorf("with the registry cache the smoke test ran %d times, want 0", n)
	}
	if n := second.ran("pip install"); n != 0 {
		t.Errorf("with the registry cache pip ran %d times, want 0", n)
	}
	if first.ref[strings.Index(first.ref, "@"):] != second.ref[strings.Index(second.ref, "@"):] {
		t.Errorf("the image built from the imported cache differs: %s vs %s", first.ref, second.ref)
	}

	f, err := os.OpenFile(filepath.Join(dir, "src", "api.py"), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteString("\n# edited by TestRegistryCacheCarriesChecks\n")
	must(t, err)
	f.Close()
	third, err := fresh.build(t, Syntax, dir, buildOpts{target: "inference", push: "it/checks-cache", cacheFrom: ref, buildArgs: epoch})
	if err != nil {
		t.Fatal(err)
	}
	if n := smokeRuns(third); n != 1 {
		t.Errorf("after a src/ edit the smoke test ran %d times, want 1", n)
	}
}

// smokeRuns counts the smoke test's own exec among the executed vertices (not the steps that
// keep its result and gate the export).
func smokeRuns(r *buildResult) int {
	n := 0
	for _, v := range r.vertices {
		if strings.Contains(v.Name, "smoke test") && strings.HasSuffix(v.Name, "wait for the healthcheck") && !v.Cached && v.Completed != nil {
			n++
		}
	}
	return n
}
