package main

// The ML-sized benchmarks of issues 13 and 23 ("go run ./bench/cmd/bench -workload ml" and
// "-workload ml-large", or bench/ml.sh for both): a generated environment of realistic size
// (bench/ml), installed by every system compared, side by side, each with its own package
// index, pip cache id, project copy, registry and "running node". Writes
// bench/results/<workload>.{md,json}.
//
// ml (about 340 MB, 26 packages) runs every scenario: cold (idle and beside a CPU burner),
// no-op, src edit, add and bump a small package, bump the big one, registry cache. ml-large
// (about 1.5 GB, 124 packages) runs cold, add, bump small and bump big, -ml-large-reps times
// each (default 1: a full install takes a minute and a half on two cores), and its cold build
// is also the warm scenarios' first build: each system keeps the daemon of its cold build.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/mlbuild/mlbuild/bench/ml"
	"github.com/mlbuild/mlbuild/internal/testbed"
	"github.com/mlbuild/mlbuild/internal/testkit/pyindex"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"
)

var (
	workload    = flag.String("workload", "example", `"example": the ml-pipeline example against bench/baseline (results latest.*); "ml": the ML-sized environment of issue 13 (results ml.*); "ml-large": the GB-scale one of issue 23 (results ml-large.*); "system": image bytes of a target needing a compiler, mlbuild build-packages vs a single-stage Dockerfile (results system-bytes.*)`)
	mlReps      = flag.Int("ml-reps", 2, "ml: repetitions of the light warm scenarios (no-op, src edit, add and bump a small package)")
	mlHeavyReps = flag.Int("ml-heavy-reps", 1, "ml: repetitions of the heavy warm scenarios (bump the big package; registry cache on an empty daemon)")
	mlColdReps  = flag.Int("ml-cold-reps", 3, "ml: repetitions of the cold build (each on a fresh daemon and an empty registry)")
	mlLoadReps  = flag.Int("ml-cold-loaded-reps", 3, "ml: repetitions of the cold build beside the CPU burner (-ml-load)")
	mlLoad      = flag.Float64("ml-load", 1, "ml: the cold-loaded scenario's background load, in cores kept busy by a CPU burner in the bench process beside every system's cold build (default 1: half of a 2-core runner, another job's worth)")
	mlLargeReps = flag.Int("ml-large-reps", 1, "ml-large: repetitions of each scenario (cold, add and bump a small package, bump the big package)")
	mlSystemsF  = flag.String("ml-systems", "auto", `ml: comma-separated systems among mlbuild-packages, mlbuild-single, dockerfile; "auto": all three when the spec accepts dependencies.layers, else mlbuild-single (today's one layer) and dockerfile`)
	mlCacheDir  = flag.String("ml-cache", "", "ml: where the generated wheels are kept (default $MLBUILD_CACHE/bench-ml, else ~/.cache/mlbuild/bench-ml)")
	mlPrepare   = flag.Bool("ml-prepare", false, "ml: only generate the wheels (if not cached) and print the workload")
	mlSmoke     = flag.Bool("ml-smoke", false, "ml: keep mlbuild's default smoke test (off by default: no Dockerfile has one, and the example benchmark measures its cost)")
)

// mlSystem is one system compared, with its own state.
type mlSystem struct {
	Name string
	// Layers is the dependencies.layers the spec sets ("" leaves the field out).
	Layers     string
	Dockerfile bool

	dir   string // the project (the build context)
	dfDir string // the Dockerfile's directory (Dockerfile systems)
	index *pyindex.Index
	reg   *ml.Registry // where the warm scenarios push
	node  *ml.Node
	pins  ml.Pins
	// the next version or package each "add"/"bump" step takes
	nextAdd, nextSmall, nextBig int
	// lastEdit is what the last edit did, for the next sample.
	lastEdit string
}

type mlSample struct {
	Wall float64 `json:"wall_s"`
	// Burner is the cores the CPU burner kept busy during the build (cold-loaded), 0 if none.
	Burner float64 `json:"burner_cores,omitempty"`
	// Steps is the time any work vertex of the build ran (union of their intervals);
	// Install the part of it the dependency install steps (pip's, or mlbuild's wheel steps) ran; Export "exporting layers" (compression);
	// Push "pushing layers" and the manifest; CacheExport/CacheImport the cache vertices.
	Steps       float64 `json:"steps_s"`
	Install     float64 `json:"install_s"`
	Export      float64 `json:"export_layers_s"`
	Push        float64 `json:"push_s"`
	CacheExport float64 `json:"cache_export_s,omitempty"`
	CacheImport float64 `json:"cache_import_s,omitempty"`
	Executed    int     `json:"executed_work_vertices"`
	Cached      int     `json:"cached_work_vertices"`
	// Pushed is what the registry received: blobs (layers, config; manifests aside) new in it.
	PushedBlobs int    `json:"pushed_blobs"`
	PushedBytes int64  `json:"pushed_bytes"`
	Layers      int    `json:"layers"`
	ImageBytes  int64  `json:"image_compressed_bytes"`
	Digest      string `json:"digest"`
	// Downloads from the system's index during the build (wheel files) and their bytes
	// (each download counted at the size of the wheel the project pins).
	Downloads     int   `json:"index_downloads"`
	DownloadBytes int64 `json:"index_download_bytes"`
	// Node is the update of the system's running node to the image just pushed.
	Node *ml.PullStats `json:"node_update,omitempty"`
	// Exporter is, in the registry-cache scenario, the build on the warm daemon that
	// exported the cache (the sample itself is the import on an empty daemon).
	Exporter *mlSample `json:"cache_exporter,omitempty"`
	// Edit is what the scenario changed before this build; Load1 the machine's one-minute
	// load average when the build started (other work on the machine shows there).
	Edit  string  `json:"edit,omitempty"`
	Load1 float64 `json:"load1"`
	// Load1End is the one-minute load average when the build ended.
	Load1End  float64  `json:"load1_end"`
	Executing []string `json:"executed,omitempty"`
}

type mlScenario struct {
	Name    string                `json:"name"`
	What    string                `json:"what"`
	Reps    int                   `json:"reps"`
	Order   [][]string            `json:"order"`
	Samples map[string][]mlSample `json:"samples"`
}

type mlEnv struct {
	w *ml.Workload
	// large: ml-large's scenarios (see the file's doc).
	large                               bool
	registry, frontend, dfFrontend, bin string
	head, frontendCreated               string // the tree's commit at the start; the frontend image's build time
	base                                string
	set                                 *ml.Set
	prebuilt                            []pyindex.Prebuilt
	tmp                                 string
	systems                             []*mlSystem
	primed                              map[string]mlSample
	log                                 []string
}

func (m *mlEnv) logf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	fmt.Fprintln(os.Stderr, "bench-ml: "+s)
}

func runML() error {
	w, ok := ml.ByName(*workload)
	if !ok {
		return fmt.Errorf("unknown workload %q", *workload)
	}
	started := time.Now()
	cache := *mlCacheDir
	if cache == "" {
		c := os.Getenv("MLBUILD_CACHE")
		if c == "" {
			home, _ := os.UserHomeDir()
			c = filepath.Join(home, ".cache", "mlbuild")
		}
		cache = filepath.Join(c, "bench-ml")
	}
	if w != ml.ML { // each workload's wheels in a directory of their own
		cache += "-" + strings.TrimPrefix(w.Name, "ml-")
	}
	m := &mlEnv{w: w, large: w == ml.LargeWorkload}
	t0 := time.Now()
	set, err := w.Generate(cache, m.logf)
	if err != nil {
		return err
	}
	genSeconds := time.Since(t0).Seconds()
	m.set = set
	m.logf("workload %s in %s (%.1f s)", set.Key, set.Dir, genSeconds)
	if *mlPrepare {
		return printWorkload(w, set)
	}
	m.registry, m.frontend, m.bin, m.dfFrontend = os.Getenv("MLBUILD_REGISTRY"), os.Getenv("MLBUILD_FRONTEND_PINNED"), os.Getenv("MLBUILD_BIN"), os.Getenv("MLBUILD_DOCKERFILE_FRONTEND")
	if m.registry == "" || m.frontend == "" || m.bin == "" || m.dfFrontend == "" {
		return fmt.Errorf("MLBUILD_REGISTRY, MLBUILD_FRONTEND_PINNED, MLBUILD_BIN, MLBUILD_DOCKERFILE_FRONTEND not set: run bench/ml.sh")
	}
	if m.prebuilt, err = set.Prebuilt(); err != nil {
		return err
	}
	m.tmp, err = os.MkdirTemp("", "mlbuild-bench-ml-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(m.tmp)
	// The base under a repository of its own (the example benchmark bumps its copy).
	m.base = m.registry + "/bench-ml/python:3.10-slim"
	if out, err := exec.Command(filepath.Join(m.bin, "crane"), "copy", "--insecure", m.registry+"/library/python:3.10-slim", m.base).CombinedOutput(); err != nil {
		return fmt.Errorf("crane copy: %v\n%s", err, out)
	}
	if out, err := exec.Command("git", "log", "-1", "--format=%h %ci").Output(); err == nil {
		m.head = strings.TrimSpace(string(out))
	}
	if img, err := ml.Image(m.frontend); err == nil {
		if cf, err := img.ConfigFile(); err == nil {
			m.frontendCreated = cf.Created.UTC().Format("2006-01-02 15:04:05 UTC")
		}
	}
	names, layersField, err := m.pickSystems()
	if err != nil {
		return err
	}
	m.logf("systems: %s (the spec accepts dependencies.layers: %t)", strings.Join(names, ", "), layersField)
	for _, n := range names {
		s, err := m.newSystem(n, layersField)
		if err != nil {
			return err
		}
		defer s.index.Close()
		defer s.reg.Close()
		m.systems = append(m.systems, s)
	}

	m.primed = map[string]mlSample{}
	var results []mlScenario
	run := func(name, what string, n int, f func(s *mlSystem, rep int) (mlSample, error)) error {
		if !wanted(name) {
			return nil
		}
		res := mlScenario{Name: name, What: what, Reps: n, Samples: map[string][]mlSample{}}
		for rep := 0; rep < n; rep++ {
			var order []string
			for i := range m.systems { // the order rotates between repetitions
				s := m.systems[(i+rep)%len(m.systems)]
				order = append(order, s.Name)
				smp, err := f(s, rep)
				if err != nil {
					return fmt.Errorf("%s/%s rep %d: %w", name, s.Name, rep, err)
				}
				node := ""
				if smp.Node != nil {
					node = fmt.Sprintf(" node pulls %s", mb(smp.Node.Bytes))
				}
				m.logf("%-24s %-17s rep %d: %6.1fs (steps %.1f, install %.1f, export %.1f, push %.1f) pushed %s in %d blobs, %d layers, %d downloads%s; load %.1f-%.1f (burner %.1f cores); %s",
					name, s.Name, rep, smp.Wall, smp.Steps, smp.Install, smp.Export, smp.Push, mb(smp.PushedBytes), smp.PushedBlobs, smp.Layers, smp.Downloads, node, smp.Load1, smp.Load1End, smp.Burner, smp.Edit)
				res.Samples[s.Name] = append(res.Samples[s.Name], smp)
			}
			res.Order = append(res.Order, order)
		}
		results = append(results, res)
		return nil
	}

	if m.large {
		if err := m.runLarge(run); err != nil {
			return err
		}
	} else if err := m.runAll(run); err != nil {
		return err
	}
	images := map[string]mlImage{}
	for _, s := range m.systems {
		img, err := m.measure(s)
		if err != nil {
			return err
		}
		images[s.Name] = img
	}
	return m.writeML(results, m.primed, images, names, layersField, genSeconds, time.Since(started))
}

// mlRun runs one scenario: n repetitions of f for every system, the order rotating.
type mlRun func(name, what string, n int, f func(s *mlSystem, rep int) (mlSample, error)) error

// runAll runs ml's scenarios: cold on fresh daemons, then every warm scenario on one daemon.
func (m *mlEnv) runAll(run mlRun) error {
	// 1. Cold: a fresh daemon (empty cache and pip cache) and an empty registry per build;
	// then the same beside a CPU burner.
	if err := run("1-cold", "fresh buildkitd, empty pip cache, empty registry", *mlColdReps, m.cold(0)); err != nil {
		return err
	}
	if err := run("1-cold-loaded", fmt.Sprintf("as 1-cold, beside a CPU burner keeping %.1f cores busy (-ml-load) from before the build to its end", *mlLoad), *mlLoadReps, m.cold(*mlLoad)); err != nil {
		return err
	}
	d, err := testbed.Start(filepath.Join(m.bin, "buildkitd"), m.registry)
	if err != nil {
		return err
	}
	defer d.Remove()
	for _, s := range m.systems {
		smp, err := m.build(d.Host, s, s.reg, nil)
		if err != nil {
			return fmt.Errorf("priming %s: %w", s.Name, err)
		}
		st, err := s.node.Update(s.tag(s.reg))
		if err != nil {
			return err
		}
		smp.Node = &st
		m.primed[s.Name] = smp
		m.logf("primed %s: %.1fs, pushed %s, node's first pull %s", s.Name, smp.Wall, mb(smp.PushedBytes), mb(st.Bytes))
	}
	warm := func(edit func(s *mlSystem, rep int) error) func(s *mlSystem, rep int) (mlSample, error) {
		return m.warm(func(*mlSystem) string { return d.Host }, edit)
	}
	scenarios := []struct {
		name, what string
		n          int
		edit       func(s *mlSystem, rep int) error
	}{
		{"2-noop", "rebuild, nothing changed", *mlReps, nil},
		{"3-src-edit", "a comment appended to src/model.py", *mlReps, m.editSrc},
		{"4-add-small-package", "one small package added to the lock", *mlReps, m.addSmall},
		{"5-bump-small-package", m.bumpWhat(ml.RoleSmallBump), *mlReps, m.bumpSmall},
		{"6-bump-big-package", m.bumpWhat(ml.RoleBig), *mlHeavyReps, m.bumpBig},
	}
	for _, sc := range scenarios {
		if err := run(sc.name, sc.what, sc.n, warm(sc.edit)); err != nil {
			return err
		}
	}
	if err := run("7-registry-cache", "the warm daemon exports its cache (mode=max) to the system's registry; a fresh daemon imports it and builds", *mlHeavyReps, m.registryCache(d.Host, nil)); err != nil {
		return err
	}
	if err := run("8-registry-cache-bump-small", "as 7, with "+m.w.ByRole(ml.RoleSmallBump)[0].Name+" bumped before the fresh daemon builds (an ephemeral CI runner building a change; its pip cache is empty)", *mlHeavyReps, m.registryCache(d.Host, m.bumpSmall)); err != nil {
		return err
	}
	return nil
}

// runLarge runs ml-large's scenarios: cold, each system on a fresh daemon and pushing to its
// own (empty) registry, the daemon kept as that system's warm daemon and the node updated, so
// the cold build is also the first build of the warm scenarios (no priming build: a full
// install of 1.5 GB takes a minute and a half on two cores); then add and bump a small
// package and bump the big one, on each system's own daemon.
func (m *mlEnv) runLarge(run mlRun) error {
	daemons := map[string]*testbed.Daemon{}
	defer func() {
		for _, d := range daemons {
			d.Remove()
		}
	}()
	cold := func(s *mlSystem, rep int) (mlSample, error) {
		if old := daemons[s.Name]; old != nil { // a second repetition starts from scratch
			old.Remove()
			delete(daemons, s.Name)
			s.reg.Close()
			reg, err := ml.StartRegistry(filepath.Join(m.tmp, fmt.Sprintf("registry-%s-%d", s.Name, rep)))
			if err != nil {
				return mlSample{}, err
			}
			s.reg = reg
			s.node = &ml.Node{Dir: filepath.Join(m.tmp, fmt.Sprintf("node-%s-%d", s.Name, rep))}
		}
		d, err := testbed.Start(filepath.Join(m.bin, "buildkitd"), m.registry)
		if err != nil {
			return mlSample{}, err
		}
		daemons[s.Name] = d
		smp, err := m.build(d.Host, s, s.reg, nil)
		if err != nil {
			return smp, err
		}
		st, err := s.node.Update(s.tag(s.reg))
		smp.Node = &st
		m.primed[s.Name] = smp
		return smp, err
	}
	if err := run("1-cold", "fresh buildkitd, empty pip cache, empty registry (the system's own, kept with the daemon for the warm scenarios)", *mlLargeReps, cold); err != nil {
		return err
	}
	host := func(s *mlSystem) string { return daemons[s.Name].Host }
	for _, sc := range []struct {
		name, what string
		edit       func(s *mlSystem, rep int) error
	}{
		{"4-add-small-package", "one small package added to the lock", m.addSmall},
		{"5-bump-small-package", m.bumpWhat(ml.RoleSmallBump), m.bumpSmall},
		{"6-bump-big-package", m.bumpWhat(ml.RoleBig), m.bumpBig},
	} {
		if !wanted(sc.name) {
			continue
		}
		if daemons[m.systems[0].Name] == nil {
			return fmt.Errorf("%s needs 1-cold (the warm daemons)", sc.name)
		}
		if err := run(sc.name, sc.what, *mlLargeReps, m.warm(host, sc.edit)); err != nil {
			return err
		}
	}
	return nil
}

// warm is the step of a warm scenario: edit, build on the system's warm daemon, update its node.
func (m *mlEnv) warm(host func(*mlSystem) string, edit func(s *mlSystem, rep int) error) func(s *mlSystem, rep int) (mlSample, error) {
	return func(s *mlSystem, rep int) (mlSample, error) {
		if edit != nil {
			if err := edit(s, rep); err != nil {
				return mlSample{}, err
			}
		}
		smp, err := m.build(host(s), s, s.reg, nil)
		if err != nil {
			return smp, err
		}
		st, err := s.node.Update(s.tag(s.reg))
		smp.Node = &st
		return smp, err
	}
}

// bumpWhat describes the bump of the package with role r.
func (m *mlEnv) bumpWhat(r string) string {
	p := m.w.ByRole(r)[0]
	return fmt.Sprintf("%s bumped (%g MiB)", p.Name, p.MiB)
}

func wanted(name string) bool {
	if *only == "" {
		return true
	}
	for _, s := range strings.Split(*only, ",") {
		if s == name {
			return true
		}
	}
	return false
}

// pickSystems returns the systems to compare and whether the spec has dependencies.layers:
// whether the spec package this bench was built with (the tree's, as "frontend lint" reads
// it) accepts "layers: packages". It is asked in-process, not through "go run ./cmd/frontend
// lint", so a half-edited file elsewhere in the tree cannot make the answer "no".
func (m *mlEnv) pickSystems() ([]string, bool, error) {
	_, err := spec.Load("mlbuild.yaml", []byte("version: 1\ndependencies:\n  layers: packages\n"), spec.Options{})
	layersField := err == nil
	if !layersField {
		m.logf("the spec refuses dependencies.layers: %v", err)
	}
	names := []string{"mlbuild-single", "dockerfile"}
	if layersField {
		names = []string{"mlbuild-packages", "mlbuild-single", "dockerfile"}
	}
	if *mlSystemsF != "auto" {
		names = strings.Split(*mlSystemsF, ",")
	}
	for _, n := range names {
		if n == "mlbuild-packages" && !layersField {
			return nil, false, fmt.Errorf("mlbuild-packages asked for, but the spec refuses dependencies.layers: %v", err)
		}
		if n != "mlbuild-packages" && n != "mlbuild-single" && n != "dockerfile" {
			return nil, false, fmt.Errorf("unknown system %q", n)
		}
	}
	return names, layersField, nil
}

func writeFiles(dir string, files map[string]string) error {
	for p, c := range files {
		f := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(f, []byte(c), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// newSystem sets up a system: its index, registry, node, project and spec or Dockerfile.
func (m *mlEnv) newSystem(name string, layersField bool) (*mlSystem, error) {
	s := &mlSystem{Name: name, pins: m.w.Initial()}
	switch name {
	case "dockerfile":
		s.Dockerfile = true
	case "mlbuild-packages":
		s.Layers = "packages"
	case "mlbuild-single":
		if layersField {
			s.Layers = "single"
		}
	}
	var err error
	if s.index, err = pyindex.StartPrebuilt(m.prebuilt); err != nil {
		return nil, err
	}
	if s.reg, err = ml.StartRegistry(filepath.Join(m.tmp, "registry-"+name)); err != nil {
		return nil, err
	}
	s.node = &ml.Node{Dir: filepath.Join(m.tmp, "node-"+name)}
	s.dir = filepath.Join(m.tmp, "project-"+name)
	for _, sub := range []string{"src", "configs", "models"} {
		if err := os.CopyFS(filepath.Join(s.dir, sub), os.DirFS(filepath.Join("examples/ml-pipeline", sub))); err != nil {
			return nil, err
		}
	}
	if s.Dockerfile {
		df, err := os.ReadFile("bench/baseline/docker/inference/Dockerfile")
		if err != nil {
			return nil, err
		}
		s.dfDir = filepath.Join(m.tmp, "dockerfile-"+name)
		df = append([]byte("# syntax="+m.dfFrontend+"\n"), df...)
		if err := writeFiles(s.dfDir, map[string]string{"Dockerfile": string(df)}); err != nil {
			return nil, err
		}
	} else {
		spec := fmt.Sprintf("# syntax=%s\nversion: 1\nbase: %s\n# pip keeps files from a plain-HTTP index in its cache only for a trusted host.\npip:\n  trusted-hosts: [127.0.0.1]\n", m.frontend, m.base)
		if s.Layers != "" {
			spec += "dependencies:\n  layers: " + s.Layers + "\n"
		}
		if !*mlSmoke {
			spec += "targets:\n  inference:\n    smoke-test: false\n"
		}
		if err := writeFiles(s.dir, map[string]string{"mlbuild.yaml": spec}); err != nil {
			return nil, err
		}
	}
	return s, s.writeDeps(m.set)
}

// writeDeps writes the system's dependency files for its pins: uv.lock and pyproject.toml for
// mlbuild, requirements.txt (the same pins and hashes) for the Dockerfile.
func (s *mlSystem) writeDeps(set *ml.Set) error {
	files, err := set.Files(s.pins, s.index.URL)
	if err != nil {
		return err
	}
	if s.Dockerfile {
		return writeFiles(s.dir, map[string]string{"requirements.txt": files["requirements.txt"]})
	}
	delete(files, "requirements.txt")
	return writeFiles(s.dir, files)
}

func (s *mlSystem) tag(reg *ml.Registry) string { return reg.Addr + "/bench-ml/app:latest" }

// downloads is the index's wheel downloads so far, and their bytes at the pinned sizes.
func (s *mlSystem) downloads(w *ml.Workload) (map[string]int, error) {
	out := map[string]int{}
	for _, p := range w.Packages {
		out[p.Name] = s.index.Downloads(p.Name)
	}
	return out, nil
}

func (m *mlEnv) editSrc(s *mlSystem, rep int) error {
	s.lastEdit = "src/model.py"
	return appendFile(filepath.Join(s.dir, "src", "model.py"), fmt.Sprintf("\n# bench edit %d %d\n", rep, time.Now().UnixNano()))
}

func (m *mlEnv) addSmall(s *mlSystem, rep int) error {
	adds := m.w.ByRole(ml.RoleAdd)
	if s.nextAdd >= len(adds) {
		return fmt.Errorf("the workload has %d packages to add; ask for fewer repetitions", len(adds))
	}
	p := adds[s.nextAdd]
	s.nextAdd++
	s.pins[p.Name] = p.Versions[0]
	s.lastEdit = "added " + p.Name + " " + p.Versions[0]
	return s.writeDeps(m.set)
}

func (m *mlEnv) bump(s *mlSystem, role string, next *int) error {
	ps := m.w.ByRole(role)
	p := ps[0]
	*next++
	if *next >= len(p.Versions) {
		return fmt.Errorf("%s has %d versions; ask for fewer repetitions", p.Name, len(p.Versions))
	}
	s.lastEdit = fmt.Sprintf("%s %s -> %s", p.Name, s.pins[p.Name], p.Versions[*next])
	s.pins[p.Name] = p.Versions[*next]
	return s.writeDeps(m.set)
}

func (m *mlEnv) bumpSmall(s *mlSystem, rep int) error {
	return m.bump(s, ml.RoleSmallBump, &s.nextSmall)
}
func (m *mlEnv) bumpBig(s *mlSystem, rep int) error { return m.bump(s, ml.RoleBig, &s.nextBig) }

// cold returns the step of the cold scenarios: a build on a fresh daemon pushing to an empty
// registry, beside a CPU burner keeping load cores busy if load > 0 (started before the daemon,
// stopped when the build ends).
func (m *mlEnv) cold(load float64) func(s *mlSystem, rep int) (mlSample, error) {
	return func(s *mlSystem, rep int) (mlSample, error) {
		if load > 0 {
			stop := burn(load)
			defer stop()
		}
		d, err := testbed.Start(filepath.Join(m.bin, "buildkitd"), m.registry)
		if err != nil {
			return mlSample{}, err
		}
		defer d.Remove()
		dir := filepath.Join(m.tmp, fmt.Sprintf("cold-registry-%s-%d-%g", s.Name, rep, load))
		reg, err := ml.StartRegistry(dir)
		if err != nil {
			return mlSample{}, err
		}
		defer os.RemoveAll(dir)
		defer reg.Close()
		smp, err := m.build(d.Host, s, reg, nil)
		smp.Burner = load
		return smp, err
	}
}

// registryCache returns the step of the registry-cache scenarios: the warm daemon at host
// exports its cache to the system's registry, then (after edit, if not nil) a fresh daemon
// imports it and builds.
func (m *mlEnv) registryCache(host string, edit func(s *mlSystem, rep int) error) func(s *mlSystem, rep int) (mlSample, error) {
	return func(s *mlSystem, rep int) (mlSample, error) {
		ref := s.reg.Addr + "/bench-ml/cache:inference"
		exp, err := m.build(host, s, s.reg, &cacheOpt{export: ref})
		if err != nil {
			return exp, err
		}
		if edit != nil {
			if err := edit(s, rep); err != nil {
				return mlSample{}, err
			}
		}
		fresh, err := testbed.Start(filepath.Join(m.bin, "buildkitd"), m.registry)
		if err != nil {
			return mlSample{}, err
		}
		defer fresh.Remove()
		smp, err := m.build(fresh.Host, s, s.reg, &cacheOpt{importRef: ref})
		if err != nil {
			return smp, err
		}
		exp.Executing = nil
		smp.Exporter = &exp
		st, err := s.node.Update(s.tag(s.reg))
		smp.Node = &st
		return smp, err
	}
}

// build builds the system's inference image on the daemon at host and pushes it to reg.
func (m *mlEnv) build(host string, s *mlSystem, reg *ml.Registry, co *cacheOpt) (mlSample, error) {
	ctx := context.Background()
	load := loadavg()
	before, err := reg.Blobs()
	if err != nil {
		return mlSample{}, err
	}
	dl0, _ := s.downloads(m.w)
	c, err := client.New(ctx, host)
	if err != nil {
		return mlSample{}, err
	}
	defer c.Close()
	attrs := map[string]string{"build-arg:BUILDKIT_CACHE_MOUNT_NS": "bench-ml-" + s.Name}
	dfDir := s.dir
	if s.Dockerfile {
		dfDir = s.dfDir
		attrs["filename"] = "Dockerfile"
		attrs["build-arg:BASE"] = m.base
		attrs["build-arg:PIP_INDEX_URL"] = s.index.URL
		attrs["build-arg:PIP_TRUSTED_HOST"] = "127.0.0.1"
	} else {
		attrs["filename"] = "mlbuild.yaml"
		attrs["target"] = "inference"
	}
	ctxFS, err := fsutil.NewFS(s.dir)
	if err != nil {
		return mlSample{}, err
	}
	dfFS, err := fsutil.NewFS(dfDir)
	if err != nil {
		return mlSample{}, err
	}
	tag := s.tag(reg)
	so := client.SolveOpt{
		Frontend: "dockerfile.v0", FrontendAttrs: attrs,
		LocalMounts: map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS},
		Exports: []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{
			"name": tag, "push": "true", "registry.insecure": "true"}}},
	}
	if co != nil && co.export != "" {
		so.CacheExports = []client.CacheOptionsEntry{{Type: "registry", Attrs: map[string]string{"ref": co.export, "mode": "max", "registry.insecure": "true"}}}
	}
	if co != nil && co.importRef != "" {
		so.CacheImports = []client.CacheOptionsEntry{{Type: "registry", Attrs: map[string]string{"ref": co.importRef, "registry.insecure": "true"}}}
	}
	ch := make(chan *client.SolveStatus)
	vertices := map[string]*client.Vertex{}
	type span struct{ start, end time.Time }
	statuses := map[string]span{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for st := range ch {
			for _, v := range st.Vertexes {
				vertices[v.Digest.String()] = v
			}
			for _, vs := range st.Statuses {
				sp := statuses[vs.ID]
				if vs.Started != nil && (sp.start.IsZero() || vs.Started.Before(sp.start)) {
					sp.start = *vs.Started
				}
				if vs.Completed != nil && vs.Completed.After(sp.end) {
					sp.end = *vs.Completed
				}
				statuses[vs.ID] = sp
			}
		}
	}()
	start := time.Now()
	_, err = c.Solve(ctx, nil, so, ch)
	wall := time.Since(start).Seconds()
	<-done
	if err != nil {
		return mlSample{}, err
	}
	smp := mlSample{Wall: wall, Load1: load, Load1End: loadavg(), Edit: s.lastEdit}
	s.lastEdit = ""
	var steps, install []interval
	for _, v := range vertices {
		switch {
		case strings.HasPrefix(v.Name, "exporting cache"):
			smp.CacheExport += vdur(v)
		case strings.HasPrefix(v.Name, "importing cache"):
			smp.CacheImport += vdur(v)
		case isSource(v.Name):
		case v.Cached:
			smp.Cached++
		case v.Completed != nil && v.Started != nil:
			smp.Executed++
			iv := interval{*v.Started, *v.Completed}
			steps = append(steps, iv)
			if strings.Contains(v.Name, "pip install") || strings.Contains(v.Name, "pip --python") || strings.Contains(v.Name, "__pip-runner__") ||
				(strings.Contains(v.Name, "install from ") && !strings.Contains(v.Name, ": fetch ")) {
				install = append(install, iv)
			}
			smp.Executing = append(smp.Executing, fmt.Sprintf("%s (%.2fs)", v.Name, vdur(v)))
		}
	}
	sort.Strings(smp.Executing)
	smp.Steps, smp.Install = union(steps), union(install)
	for id, sp := range statuses {
		d := 0.0
		if !sp.start.IsZero() && !sp.end.IsZero() {
			d = sp.end.Sub(sp.start).Seconds()
		}
		switch {
		case id == "exporting layers":
			smp.Export += d
		case id == "pushing layers" || strings.HasPrefix(id, "pushing manifest"):
			smp.Push += d
		}
	}
	after, err := reg.Blobs()
	if err != nil {
		return smp, err
	}
	smp.PushedBlobs, smp.PushedBytes = ml.NewBlobs(before, after)
	dl1, _ := s.downloads(m.w)
	for name, n := range dl1 {
		if k := n - dl0[name]; k > 0 {
			smp.Downloads += k
			if w, ok := m.set.Lookup(name, s.pins[name]); ok {
				smp.DownloadBytes += int64(k) * w.Size
			}
		}
	}
	img, err := ml.Image(tag)
	if err != nil {
		return smp, err
	}
	mf, err := img.Manifest()
	if err != nil {
		return smp, err
	}
	dg, _ := img.Digest()
	smp.Digest = dg.String()
	smp.Layers = len(mf.Layers)
	for _, l := range mf.Layers {
		smp.ImageBytes += l.Size
	}
	return smp, nil
}

// loadavg is the machine's one-minute load average (0 if unknown).
func loadavg() float64 {
	var l float64
	if dt, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Sscan(string(dt), &l)
	}
	return l
}

type interval struct{ a, b time.Time }

// union is the total time covered by ivs (vertices that ran in parallel count once).
func union(ivs []interval) float64 {
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].a.Before(ivs[j].a) })
	var total time.Duration
	var cur *interval
	for i := range ivs {
		iv := ivs[i]
		if cur != nil && !iv.a.After(cur.b) {
			if iv.b.After(cur.b) {
				cur.b = iv.b
			}
			continue
		}
		if cur != nil {
			total += cur.b.Sub(cur.a)
		}
		cur = &iv
	}
	if cur != nil {
		total += cur.b.Sub(cur.a)
	}
	return total.Seconds()
}

func vdur(v *client.Vertex) float64 {
	if v.Started == nil || v.Completed == nil {
		return 0
	}
	return v.Completed.Sub(*v.Started).Seconds()
}

func mb(n int64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

// printWorkload prints the generated packages (for -ml-prepare).
func printWorkload(w *ml.Workload, set *ml.Set) error {
	pins := w.Initial()
	var installed, wheels int64
	for _, w := range set.Wheels {
		mark := " "
		if pins[w.Project] == w.Version {
			mark = "*"
			installed += w.Installed
			wheels += w.Size
		}
		fmt.Printf("%s %-55s wheel %9s installs %9s (%.2f×) %4d files\n", mark, w.Filename, mb(w.Size), mb(w.Installed), float64(w.Installed)/float64(w.Size), w.Files)
	}
	fmt.Printf("initial set (*): %d packages, wheels %s, installed %s; %d CPUs\n", len(pins), mb(wheels), mb(installed), runtime.NumCPU())
	return nil
}
