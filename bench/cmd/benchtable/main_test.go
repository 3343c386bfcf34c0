package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	resultsDir = "../../results"
	readmePath = "../../../README.md"
)

// TestREADMEIsCurrent fails when the README's bench region is not what the checked-in results
// give: a new `make bench` run without `make generate`, or a figure edited by hand.
func TestREADMEIsCurrent(t *testing.T) {
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	region, err := Render(resultsDir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Splice(readme, region)
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	if string(want) != string(readme) {
		got := string(readme)
		if i, j := strings.Index(got, beginMarker), strings.Index(got, endMarker); i >= 0 && j > i {
			got = got[i : j+len(endMarker)]
		}
		t.Errorf("README.md's bench region is not what bench/results gives; run go run ./bench/cmd/benchtable (or make generate)\n--- README.md has:\n%s\n--- bench/results gives:\n%s", got, region)
	}
}

func copyResults(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(resultsDir, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// One run gives one table row and no run-to-run figure; two give the spread between them.
func TestRenderRuns(t *testing.T) {
	one, err := Render(copyResults(t, "latest.json", "latest.md", "go-bench.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"| checked in |", "Only one run is checked in", "0.46 ms", "2026-11-26 14:22 UTC"} {
		if !strings.Contains(one, s) {
			t.Errorf("one run: %q missing from\n%s", s, one)
		}
	}
	for _, s := range []string{"| previous |", "moved by up to", "±"} {
		if strings.Contains(one, s) {
			t.Errorf("one run: %q in\n%s", s, one)
		}
	}
	two, err := Render(copyResults(t, "latest.json", "latest.md", "previous.json", "previous.md", "go-bench.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"| checked in |", "| previous |", "moved by up to"} {
		if !strings.Contains(two, s) {
			t.Errorf("two runs: %q missing from\n%s", s, two)
		}
	}
	if !strings.HasPrefix(two, beginMarker+"\n") || !strings.HasSuffix(two, endMarker+"\n") {
		t.Errorf("region not enclosed in its markers:\n%s", two)
	}
	if _, err := Render(copyResults(t, "latest.json", "latest.md")); err == nil {
		t.Error("no go-bench.txt: want an error, not a region without the LLB figure")
	}
}

func TestSplice(t *testing.T) {
	doc := "a\n" + beginMarker + "\nold\n" + endMarker + "\nb\n"
	region := beginMarker + "\nnew\n" + endMarker + "\n"
	got, err := Splice([]byte(doc), region)
	if err != nil {
		t.Fatal(err)
	}
	if want := "a\n" + region + "b\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	again, err := Splice(got, region)
	if err != nil || string(again) != string(got) {
		t.Errorf("second splice changed the document (%v): %q", err, again)
	}
	for _, bad := range []string{
		"no markers\n",
		beginMarker + "\nonly the start\n",
		endMarker + "\n" + beginMarker + "\n",
		beginMarker + "\n" + endMarker + "\n" + beginMarker + "\n" + endMarker + "\n",
	} {
		if _, err := Splice([]byte(bad), region); err == nil {
			t.Errorf("Splice(%q): want an error", bad)
		}
	}
}

func TestGoBenchMs(t *testing.T) {
	f := filepath.Join(t.TempDir(), "go-bench.txt")
	out := "goos: linux\nBenchmarkSpecToLLBX-2 10 999 ns/op\nBenchmarkSpecToLLB-2   \t    2570\t    457663 ns/op\t  172085 B/op\nPASS\n"
	if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	ms, err := goBenchMs(f, "BenchmarkSpecToLLB")
	if err != nil || ms != 0.457663 {
		t.Errorf("got %v, %v; want 0.457663 ms", ms, err)
	}
	if _, err := goBenchMs(f, "BenchmarkOther"); err == nil {
		t.Error("missing benchmark: want an error")
	}
}

// The compiler bench's paragraph comes from system-bytes.json, and is absent without it.
func TestRenderSystem(t *testing.T) {
	got, err := renderSystem(copyResults(t, "system-bytes.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"`make bench-system`", "| mlbuild (`build-packages`) |", "| single-stage Dockerfile |", "| no | yes |", "| yes | yes |"} {
		if !strings.Contains(got, s) {
			t.Errorf("no %q in:\n%s", s, got)
		}
	}
	if got, err := renderSystem(t.TempDir()); err != nil || got != "" {
		t.Errorf("without system-bytes.json: %q, %v", got, err)
	}
}

// TestRenderMLLarge: an ml-large.json gives its own paragraph and table, the cold-loaded row
// included; without one, nothing.
func TestRenderMLLarge(t *testing.T) {
	dir := t.TempDir()
	if got, err := renderML(dir, "ml-large"); err != nil || got != "" {
		t.Fatalf("no ml-large.json: %q, %v", got, err)
	}
	js := `{"run": {"time": "2026-12-07T21:00:00Z"}, "workload": {"packages": [{"role": ""}, {"role": "add"}], "initial_installed_bytes": 1532000000},
  "summary": [{"scenario": "1-cold", "median": {"dockerfile": {"wall_s": 100, "pushed_bytes": 600e6, "node_pull_bytes": 0, "layers": 12},
    "mlbuild-packages": {"wall_s": 80, "pushed_bytes": 620e6}, "mlbuild-single": {"wall_s": 90, "pushed_bytes": 600e6}}}]}`
	if err := os.WriteFile(filepath.Join(dir, "ml-large.json"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := renderML(dir, "ml-large")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[ml-large.md](bench/results/ml-large.md)", "1 generated packages installing 1532 MB", "| cold | 0.80× | 1.03× | – | 0.90× | 1.00× | – |"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
}
