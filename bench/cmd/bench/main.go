// Command bench compares mlbuild with the hand-written baseline Dockerfiles in
// bench/baseline, side by side on the same buildkitd, alternating A B A B, and writes the
// medians and the ratio mlbuild/baseline per scenario to bench/results/ (Markdown and JSON).
// Run it with "make bench" (which starts the test bed first). It times builds; tests never do.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mlbuild/mlbuild/internal/testbed"
	"github.com/mlbuild/mlbuild/internal/testkit/pyindex"
	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"
)

// Builder is one of the systems compared.
type Builder struct {
	Name string
	// solveOpt returns the frontend attributes and local mounts for a target.
	files func(target string) (frontend string, attrs map[string]string, dockerfileDir string)
	// pipVertex tells the builder's pip step among the vertices.
	pipVertex func(name string) bool
}

type sample struct {
	Wall        float64  `json:"wall_s"`
	Executed    int      `json:"executed_work_vertices"`
	Cached      int      `json:"cached_work_vertices"`
	Sources     int      `json:"source_vertices"`
	PipRuns     int      `json:"pip_runs"`
	ContextByte int64    `json:"context_bytes"`
	Downloads   int      `json:"index_downloads,omitempty"`
	OldRefetch  int      `json:"unchanged_packages_refetched,omitempty"`
	Executing   []string `json:"executed,omitempty"`
}

type scenarioResult struct {
	Name    string              `json:"name"`
	Samples map[string][]sample `json:"samples"`
}

var (
	reps     = flag.Int("reps", 5, "repetitions per scenario and builder")
	coldReps = flag.Int("cold-reps", 3, "repetitions of the cold scenarios (each starts fresh daemons)")
	outDir   = flag.String("out", "bench/results", "where to write results")
	only     = flag.String("only", "", "comma-separated scenario names to run (default all)")
)

func main() {
	flag.Parse()
	run := run
	if *workload == "ml" || *workload == "ml-large" { // the ML-sized environments of issues 13 and 23: ml.go
		run = runML
	}
	if *workload == "system" { // image bytes with a compiler, issue 20: system.go
		run = runSystem
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type env struct {
	registry, frontend, bin string
	dockerfileFrontend      string // "# syntax=" image of the Dockerfile frontend, pinned
	project                 string // working copy of the example
	index                   *pyindex.Index
	baseRef                 string // bench base repository (bumped by scenario 6)
}

// run sets the bench up, runs the scenarios (cold first, then on one warm daemon) and writes
// the results.
func run() error {
	e, err := newEnv()
	if err != nil {
		return err
	}
	ix, err := startIndex()
	if err != nil {
		return err
	}
	defer ix.Close()
	e.index = ix
	e.baseRef = e.registry + "/bench/python:3.10-slim"
	if err := e.bumpBase(0); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "mlbuild-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	builders, err := e.setUp(dir)
	if err != nil {
		return err
	}
	r := newRunner(builders)
	// 1. Cold: both targets on a fresh buildkitd state (cache mounts empty too).
	if err := r.scenario("1-cold-both-targets", e.coldBoth, *coldReps); err != nil {
		return err
	}
	// Warm scenarios share one daemon, primed once per builder.
	d, err := testbed.Start(filepath.Join(e.bin, "buildkitd"), e.registry)
	if err != nil {
		return err
	}
	defer d.Remove()
	if err := e.warmScenarios(r, d.Host); err != nil {
		return err
	}
	sizes, err := e.sizes(d.Host, builders)
	if err != nil {
		return err
	}
	return write(r.results, sizes)
}

// newEnv reads the test bed's settings from the environment "make bench" sets.
func newEnv() (*env, error) {
	// The "# syntax=" image pinned by digest, as we advise users: a tag costs a registry round
	// trip on every build.
	e := &env{registry: os.Getenv("MLBUILD_REGISTRY"), frontend: os.Getenv("MLBUILD_FRONTEND_PINNED"), bin: os.Getenv("MLBUILD_BIN"),
		dockerfileFrontend: os.Getenv("MLBUILD_DOCKERFILE_FRONTEND")}
	if e.registry == "" || e.frontend == "" || e.bin == "" || e.dockerfileFrontend == "" {
		return nil, fmt.Errorf("MLBUILD_REGISTRY, MLBUILD_FRONTEND_PINNED, MLBUILD_BIN, MLBUILD_DOCKERFILE_FRONTEND not set: run via make bench")
	}
	return e, nil
}

// startIndex starts the local package index with the packages scenario 5 adds.
func startIndex() (*pyindex.Index, error) {
	var pkgs []pyindex.Package
	for i := 0; i < 40; i++ {
		pkgs = append(pkgs, pyindex.Package{Name: fmt.Sprintf("mlb-bench-%d", i), Version: "1.0"})
	}
	return pyindex.Start(pkgs)
}

// setUp writes the project and the baseline Dockerfiles under dir and returns the builders
// compared, in table order.
func (e *env) setUp(dir string) ([]*Builder, error) {
	e.project = filepath.Join(dir, "project")
	if err := os.CopyFS(e.project, os.DirFS("examples/ml-pipeline")); err != nil {
		return nil, err
	}
	if err := e.writeSpecs(); err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs("bench/baseline/docker")
	// The baseline as Dockerfile users run it: "# syntax=" names the Dockerfile frontend image,
	// pinned by digest like ours, so both pay for starting an external frontend.
	syntaxDir := filepath.Join(dir, "baseline-syntax")
	if err := e.writeSyntaxBaseline(abs, syntaxDir); err != nil {
		return nil, err
	}
	return e.builders(abs, syntaxDir), nil
}

// writeSpecs writes the project's mlbuild.yaml and its variant without the smoke test.
func (e *env) writeSpecs() error {
	// The local index replaces PyPI for both builders (PyPI is not reachable here, and pip
	// would wait for it on every new requirement). It is plain HTTP, and pip keeps files from
	// such an index in its cache only for a trusted host: trusting it gives both builders
	// the caching they get from PyPI over HTTPS.
	spec := fmt.Sprintf("# syntax=%s\nversion: 1\nbase: %s\npip:\n  index-url: %q\n  trusted-hosts: [127.0.0.1]\n", e.frontend, e.baseRef, e.index.URL)
	if err := os.WriteFile(filepath.Join(e.project, "mlbuild.yaml"), []byte(spec), 0o644); err != nil {
		return err
	}
	// The same spec without the smoke test, to separate the cost of proving the image starts
	// from the cost of building it.
	noSmoke := spec + "targets:\n  inference:\n    smoke-test: false\n"
	return os.WriteFile(filepath.Join(e.project, "mlbuild-nosmoke.yaml"), []byte(noSmoke), 0o644)
}

// writeSyntaxBaseline copies the baseline Dockerfiles from abs to syntaxDir with a
// "# syntax=" line naming the pinned Dockerfile frontend image.
func (e *env) writeSyntaxBaseline(abs, syntaxDir string) error {
	for _, t := range []string{"training", "inference"} {
		df, err := os.ReadFile(filepath.Join(abs, t, "Dockerfile"))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(syntaxDir, t), 0o755); err != nil {
			return err
		}
		df = append([]byte("# syntax="+e.dockerfileFrontend+"\n"), df...)
		if err := os.WriteFile(filepath.Join(syntaxDir, t, "Dockerfile"), df, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// builders returns the systems compared: mlbuild with and without its smoke test, and the
// baseline Dockerfiles through "# syntax=" (in syntaxDir) and built in (in abs).
func (e *env) builders(abs, syntaxDir string) []*Builder {
	mlbuildPip := func(n string) bool { return strings.Contains(n, "pip install") && !strings.HasSuffix(n, ": layer") }
	baselinePip := func(n string) bool { return strings.Contains(n, "pip --python") || strings.Contains(n, "pip install") }
	baseline := func(dfRoot string) func(string) (string, map[string]string, string) {
		return func(target string) (string, map[string]string, string) {
			return "dockerfile.v0", map[string]string{"filename": "Dockerfile", "build-arg:BASE": e.baseRef,
				"build-arg:PIP_INDEX_URL": e.index.URL, "build-arg:PIP_TRUSTED_HOST": "127.0.0.1"}, filepath.Join(dfRoot, target)
		}
	}
	return []*Builder{
		{Name: "mlbuild", files: func(target string) (string, map[string]string, string) {
			return "dockerfile.v0", map[string]string{"filename": "mlbuild.yaml", "target": target}, e.project
		}, pipVertex: mlbuildPip},
		{Name: "mlbuild-nosmoke", files: func(target string) (string, map[string]string, string) {
			return "dockerfile.v0", map[string]string{"filename": "mlbuild-nosmoke.yaml", "target": target}, e.project
		}, pipVertex: mlbuildPip},
		{Name: "dockerfile-syntax", files: baseline(syntaxDir), pipVertex: baselinePip},
		{Name: "dockerfile-builtin", files: baseline(abs), pipVertex: baselinePip},
	}
}

type cacheOpt struct{ export, importRef string }

// buildBoth builds training then inference in one client session and sums the samples.
func (e *env) buildBoth(host string, b *Builder, co *cacheOpt) (sample, error) {
	var total sample
	for _, target := range []string{"training", "inference"} {
		s, err := e.build(host, b, target, co)
		if err != nil {
			return total, err
		}
		total.Wall += s.Wall
		total.Executed += s.Executed
		total.Cached += s.Cached
		total.Sources += s.Sources
		total.PipRuns += s.PipRuns
		total.ContextByte += s.ContextByte
		total.Executing = append(total.Executing, s.Executing...)
	}
	return total, nil
}

func (e *env) tag(b *Builder, target string) string {
	return fmt.Sprintf("%s/bench/%s-%s:latest", e.registry, b.Name, target)
}

func (e *env) build(host string, b *Builder, target string, co *cacheOpt) (sample, error) {
	ctx := context.Background()
	c, err := client.New(ctx, host)
	if err != nil {
		return sample{}, err
	}
	defer c.Close()
	fe, attrs, dfDir := b.files(target)
	ctxFS, err := fsutil.NewFS(e.project)
	if err != nil {
		return sample{}, err
	}
	dfFS, err := fsutil.NewFS(dfDir)
	if err != nil {
		return sample{}, err
	}
	so := client.SolveOpt{
		Frontend: fe, FrontendAttrs: attrs,
		LocalMounts: map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS},
		Exports: []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{
			"name": e.tag(b, target), "push": "true", "registry.insecure": "true"}}},
	}
	if co != nil && co.export != "" {
		so.CacheExports = []client.CacheOptionsEntry{{Type: "registry", Attrs: map[string]string{"ref": co.export + "-" + target, "mode": "max", "registry.insecure": "true"}}}
	}
	if co != nil && co.importRef != "" {
		so.CacheImports = []client.CacheOptionsEntry{{Type: "registry", Attrs: map[string]string{"ref": co.importRef + "-" + target, "registry.insecure": "true"}}}
	}
	ch := make(chan *client.SolveStatus)
	vertices := map[string]*client.Vertex{}
	ctxBytes := map[string]int64{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range ch {
			for _, v := range s.Vertexes {
				vertices[v.Digest.String()] = v
			}
			for _, st := range s.Statuses {
				if strings.HasPrefix(st.ID, "transferring context") {
					ctxBytes[st.Vertex.String()+st.ID] = st.Current
				}
			}
		}
	}()
	start := time.Now()
	_, err = c.Solve(ctx, nil, so, ch)
	wall := time.Since(start).Seconds()
	<-done
	if err != nil {
		return sample{}, err
	}
	s := sample{Wall: wall}
	for _, n := range ctxBytes {
		s.ContextByte += n
	}
	for _, v := range vertices {
		if isSource(v.Name) {
			s.Sources++
			continue
		}
		if v.Cached {
			s.Cached++
			continue
		}
		if v.Completed != nil {
			s.Executed++
			d := 0.0
			if v.Started != nil {
				d = v.Completed.Sub(*v.Started).Seconds()
			}
			s.Executing = append(s.Executing, fmt.Sprintf("%s (%.2fs)", v.Name, d))
			if b.pipVertex(v.Name) {
				s.PipRuns++
			}
		}
	}
	sort.Strings(s.Executing)
	return s, nil
}

// isSource tells the vertices every build runs (definition, metadata, context transfer,
// export) from work vertices (exec, file, merge, diff).
func isSource(name string) bool {
	for _, p := range []string{"[internal]", "load metadata", "exporting", "resolve image config", "load build definition", "load .dockerignore", "pushing", "importing cache", "exporting cache"} {
		if strings.Contains(name, p) {
			return true
		}
	}
	return strings.Contains(name, "FROM ") && !strings.Contains(name, "RUN")
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(s)
	return err
}

// bumpBase pushes the stand-in base under the bench repository with a revision label, which
// gives it a new digest (same layers, as a rebuilt base with unchanged files would have).
func (e *env) bumpBase(rev int) error {
	crane := filepath.Join(e.bin, "crane")
	src := e.registry + "/library/python:3.10-slim"
	if out, err := exec.Command(crane, "copy", "--insecure", src, e.baseRef).CombinedOutput(); err != nil {
		return fmt.Errorf("crane copy: %v\n%s", err, out)
	}
	if out, err := exec.Command(crane, "mutate", "--insecure", "--label", fmt.Sprintf("mlbuild.bench.revision=%d-%d", rev, time.Now().UnixNano()), e.baseRef).CombinedOutput(); err != nil {
		return fmt.Errorf("crane mutate: %v\n%s", err, out)
	}
	return nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// systems are the builders in table order; ratios are mlbuild (with and without its smoke
// test) over the Dockerfile baseline (through its "# syntax=" image, and built into buildkitd).
var systems = []string{"mlbuild", "mlbuild-nosmoke", "dockerfile-syntax", "dockerfile-builtin"}

type ratio struct{ num, den, label string }

var ratios = []ratio{
	{"mlbuild", "dockerfile-syntax", "mlbuild / Dockerfile (# syntax=)"},
	{"mlbuild-nosmoke", "dockerfile-syntax", "mlbuild no smoke / Dockerfile (# syntax=)"},
	{"mlbuild", "dockerfile-builtin", "mlbuild / Dockerfile (built-in)"},
	{"mlbuild-nosmoke", "dockerfile-builtin", "mlbuild no smoke / Dockerfile (built-in)"},
}

func write(results []scenarioResult, sizes map[string]imageSize) error {
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# mlbuild vs hand-written Dockerfiles\n\nRun %s; medians of the repetitions (min–max in brackets); both targets per build; same buildkitd, builders alternating in the order of the columns.\n\n", time.Now().UTC().Format(time.RFC3339))
	md.WriteString("- **mlbuild**: `# syntax=` frontend image pinned by digest, as buildx users run it; its default includes the smoke test (start the inference server and wait for its healthcheck before export), which no Dockerfile does.\n")
	md.WriteString("- **mlbuild no smoke**: the same spec with `smoke-test: false`, to separate proving the image starts from building it.\n")
	md.WriteString("- **Dockerfile (# syntax=)**: the baseline Dockerfiles with `# syntax=` naming BuildKit's Dockerfile frontend image (built from the same BuildKit version, pinned by digest), which is what `# syntax=docker/dockerfile:1` users run.\n")
	md.WriteString("- **Dockerfile (built-in)**: the baseline through the Dockerfile frontend compiled into buildkitd (no frontend container).\n\n")
	md.WriteString("| scenario | mlbuild s | mlbuild no smoke s | Dockerfile (# syntax=) s | Dockerfile (built-in) s |")
	for _, r := range ratios {
		md.WriteString(" " + r.label + " |")
	}
	md.WriteString("\n|---|---|---|---|---|" + strings.Repeat("---|", len(ratios)) + "\n")
	type row struct {
		Scenario string             `json:"scenario"`
		Median   map[string]float64 `json:"median_s"`
		Ratios   map[string]float64 `json:"ratios"`
	}
	var rows []row
	stat := func(r scenarioResult, b string, f func(sample) float64) (med, lo, hi float64) {
		var xs []float64
		for _, s := range r.Samples[b] {
			xs = append(xs, f(s))
		}
		if len(xs) == 0 {
			return 0, 0, 0
		}
		sort.Float64s(xs)
		return median(xs), xs[0], xs[len(xs)-1]
	}
	for _, r := range results {
		rw := row{Scenario: r.Name, Median: map[string]float64{}, Ratios: map[string]float64{}}
		fmt.Fprintf(&md, "| %s |", r.Name)
		for _, b := range systems {
			m, lo, hi := stat(r, b, func(s sample) float64 { return s.Wall })
			rw.Median[b] = m
			fmt.Fprintf(&md, " %.2f [%.2f–%.2f] |", m, lo, hi)
		}
		for _, ra := range ratios {
			x := rw.Median[ra.num] / rw.Median[ra.den]
			rw.Ratios[ra.num+"/"+ra.den] = x
			if ra.num == "mlbuild" && ra.den == "dockerfile-syntax" {
				fmt.Fprintf(&md, " **%.2f×** |", x)
			} else {
				fmt.Fprintf(&md, " %.2f× |", x)
			}
		}
		md.WriteString("\n")
		rows = append(rows, rw)
	}
	md.WriteString("\n## Work done (medians; columns in the order mlbuild / no smoke / # syntax= / built-in)\n\n| scenario | work vertices executed | work vertices cached | pip runs | context bytes sent | new package downloads | unchanged packages fetched again |\n|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		col := func(f func(sample) float64) string {
			var parts []string
			for _, b := range systems {
				m, _, _ := stat(r, b, f)
				parts = append(parts, fmt.Sprintf("%.0f", m))
			}
			return strings.Join(parts, " / ")
		}
		fmt.Fprintf(&md, "| %s | %s | %s | %s | %s | %s | %s |\n", r.Name,
			col(func(s sample) float64 { return float64(s.Executed) }),
			col(func(s sample) float64 { return float64(s.Cached) }),
			col(func(s sample) float64 { return float64(s.PipRuns) }),
			col(func(s sample) float64 { return float64(s.ContextByte) }),
			col(func(s sample) float64 { return float64(s.Downloads) }),
			col(func(s sample) float64 { return float64(s.OldRefetch) }))
	}
	fmt.Fprintf(&md, "\n## Images\n\nContent bytes split by where they are: base layers, the venv, /app, and anything else the build added (overhead = other / (base + venv + app)).\n\n| image | compressed bytes | uncompressed bytes | layers | files duplicated across layers | base | venv | app | other | overhead |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, k := range sortedKeys(sizes) {
		s := sizes[k]
		fmt.Fprintf(&md, "| %s | %d | %d | %d | %d | %d | %d | %d | %d | %.3f%% |\n", k, s.Compressed, s.Uncompressed, s.Layers, s.Duplicates,
			s.Base, s.Venv, s.App, s.Other, 100*s.Overhead())
	}
	for _, r := range results {
		fmt.Fprintf(&md, "\n<details><summary>%s: executed work vertices, last repetition</summary>\n\n", r.Name)
		for _, b := range systems {
			ss := r.Samples[b]
			if len(ss) > 0 {
				fmt.Fprintf(&md, "- %s: %s\n", b, strings.Join(ss[len(ss)-1].Executing, "; "))
			}
		}
		fmt.Fprintf(&md, "\n</details>\n")
	}
	js, _ := json.MarshalIndent(map[string]any{"summary": rows, "scenarios": results, "images": sizes}, "", "  ")
	if err := os.WriteFile(filepath.Join(*outDir, "latest.json"), js, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*outDir, "latest.md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	fmt.Print(md.String())
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
