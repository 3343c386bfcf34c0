package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/mlbuild/mlbuild/bench/ml"
	"github.com/mlbuild/mlbuild/pkg/plan"
)

// mlImage is the last image a system pushed, taken apart.
type mlImage struct {
	imageSize
	// BaseCompressed is the compressed bytes of the base's layers in it.
	BaseCompressed int64 `json:"base_compressed_bytes"`
	// Installed is what the pinned wheels install (modules and libraries, no bytecode or
	// metadata): the venv's content minus it is pip's and compileall's addition.
	Installed int64 `json:"installed_bytes_of_pinned_wheels"`
	Pins      int   `json:"pinned_packages"`
	// LayerSizes are the compressed sizes of the layers above the base, in order.
	LayerSizes []int64 `json:"layer_sizes_above_base"`
}

// measure takes the system's last image apart: bytes by place (base layers, venv, app,
// other), layers, files in more than one layer.
func (m *mlEnv) measure(s *mlSystem) (mlImage, error) {
	var out mlImage
	base, err := ml.Image(m.base)
	if err != nil {
		return out, err
	}
	baseLayers, err := base.Layers()
	if err != nil {
		return out, err
	}
	img, err := ml.Image(s.tag(s.reg))
	if err != nil {
		return out, err
	}
	layers, err := img.Layers()
	if err != nil {
		return out, err
	}
	if out.imageSize, err = sizeOf(layers, len(baseLayers)); err != nil {
		return out, err
	}
	for i, l := range layers {
		sz, _ := l.Size()
		if i < len(baseLayers) {
			out.BaseCompressed += sz
		} else {
			out.LayerSizes = append(out.LayerSizes, sz)
		}
	}
	out.Installed, err = m.set.Installed(s.pins)
	out.Pins = len(s.pins)
	return out, err
}

func medianOf(ss []mlSample, f func(mlSample) float64) (med, lo, hi float64) {
	var xs []float64
	for _, s := range ss {
		xs = append(xs, f(s))
	}
	if len(xs) == 0 {
		return 0, 0, 0
	}
	sort.Float64s(xs)
	return median(xs), xs[0], xs[len(xs)-1]
}

func (m *mlEnv) writeML(results []mlScenario, primed map[string]mlSample, images map[string]mlImage, names []string, layersField bool, genSeconds float64, took time.Duration) error {
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	pins := m.w.Initial()
	var wheelBytes, installed int64
	for n, v := range pins {
		w, _ := m.set.Lookup(n, v)
		wheelBytes += w.Size
		installed += w.Installed
	}
	bigPkg, smallPkg := m.w.ByRole(ml.RoleBig)[0], m.w.ByRole(ml.RoleSmallBump)[0]
	big, _ := m.set.Lookup(bigPkg.Name, bigPkg.Versions[0])
	small, _ := m.set.Lookup(smallPkg.Name, smallPkg.Versions[0])
	var md strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&md, format, args...) }
	title, daemons := "an ML-sized environment", "one buildkitd for the warm scenarios, every system on it"
	if m.large {
		title, daemons = "a GB-scale ML environment", "each system's cold build on a fresh buildkitd that it keeps for the warm scenarios"
	}
	p("# mlbuild vs a hand-written Dockerfile: %s\n\n", title)
	p("Run %s, %.0f min in all, on %d CPUs (`go run ./bench/cmd/bench -workload %s`, or `bash bench/ml.sh`). The inference target of the example (src, configs, models) on an environment of generated packages; %s.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), took.Minutes(), runtime.NumCPU(), m.w.Name, daemons)
	var loads []float64
	for _, r := range results {
		for _, ss := range r.Samples {
			for _, x := range ss {
				loads = append(loads, x.Load1)
			}
		}
	}
	sort.Float64s(loads)
	p("Frontend image `%s` (built %s); Dockerfile frontend `%s`; tree at %s when the run started. The machine's one-minute load average when a build started: median %.1f, max %.1f (on 2 CPUs: the bench's own daemons and, at times, other work on the machine; every sample's, at its start and end, is in %s.json and in the tables below).\n\n",
		m.frontend, m.frontendCreated, m.dfFrontend, m.head, median(loads), loads[len(loads)-1], m.w.Name)
	p("## Workload\n\n")
	p("- %d packages at first, installing %s of modules and shared libraries from %s of wheels (%.2f×); the largest, %s, installs %s from a %s wheel; the small one bumped, %s, %s. Names are made up (`mlb-…`); %s.\n",
		len(pins), mb(installed), mb(wheelBytes), float64(installed)/float64(wheelBytes), big.Project, mb(big.Installed), mb(big.Size), small.Project, mb(small.Installed), m.w.About)
	p("- Content: `bench/ml` writes each shared library as 4 KiB blocks from a PRNG seeded by package, version and path (same seed, same bytes: the wheels and their hashes never change; generated once into `%s`, %s): 8%% noise, 72%% \"code\" (short snippets from a per-file dictionary and bytes of a skewed distribution), 20%% repeats of a recent block with every 128th byte changed. Calibrated on this machine's large libraries with Go's gzip at the default level (BuildKit's layer compression): generated 2.43× at 44 MB/s, libLLVM-15 2.51× at 42 MB/s, libicudata 2.44× at 51 MB/s, libz3 2.21× at 38 MB/s, librsvg 2.81× at 48 MB/s (`MLBUILD_CALIBRATE=1 go test -run Calibrate -v ./bench/ml`). Python modules (5–100%% of a package) are generated functions that compile, ~4.5×.\n",
		m.set.Dir, map[bool]string{true: "taken from the cache this run", false: fmt.Sprintf("generated this run in %.0f s", genSeconds)}[genSeconds < 5])
	p("- Every system installs the same pins with their sha256: mlbuild from `uv.lock` (with `pyproject.toml`), rendered like `integration/testdata/deps` with the index URL and the wheels' hashes and sizes; the Dockerfile from `requirements.txt` written from the lock (`name==version --hash=sha256:…`, pip's hash-checking mode).\n\n")
	p("## Systems\n\n")
	for _, n := range names {
		switch n {
		case "mlbuild-packages":
			p("- **mlbuild-packages**: `dependencies: {layers: packages}`: a layer per package up to %d packages; beyond, the %d largest in a layer each and the rest in %d groups by a hash of their name. The lock gives the wheels' URLs, so BuildKit fetches each wheel by its sha256 and a step without pip unpacks it (the base's pip is asked once which wheel tags it takes).\n", plan.MaxDepLayers, plan.MaxDepLayers-plan.PackageGroups, plan.PackageGroups)
		case "mlbuild-single":
			if layersField {
				p("- **mlbuild-single**: `dependencies: {layers: single}`: every package in one layer.\n")
			} else {
				p("- **mlbuild-single**: mlbuild as it is today (no `dependencies.layers` yet): every package in one layer.\n")
			}
		case "dockerfile":
			p("- **dockerfile**: `bench/baseline/docker/inference/Dockerfile` (multi-stage, requirements first, pip cache mount, venv copied with `COPY --link`) through BuildKit's Dockerfile frontend as a `# syntax=` image pinned by digest.\n")
		}
	}
	smoke := "with `smoke-test: false` (no Dockerfile has one; `make bench` measures its cost)"
	if *mlSmoke {
		smoke = "with its default smoke test"
	}
	p("\nmlbuild runs %s, from its `# syntax=` image pinned by digest. Each system has its own package index (own port, own download counts), pip cache id (`BUILDKIT_CACHE_MOUNT_NS`), copy of the project, registry (go-containerregistry's, blobs on disk, own port: bytes pushed = blobs new in it after the build, manifests aside) and running node (an image store that holds the previous image and fetches the new one's missing blobs). The order of the systems rotates between repetitions.\n\n", smoke)

	col := func(title string, f func(mlSample) float64, fmtv func(float64) string, ranges bool, ratio bool) {
		p("| scenario |")
		for _, n := range names {
			p(" %s |", n)
		}
		if ratio {
			for _, n := range names {
				if n != "dockerfile" {
					p(" %s / dockerfile |", n)
				}
			}
		}
		p("\n|---|")
		for range names {
			p("---|")
		}
		if ratio {
			for _, n := range names {
				if n != "dockerfile" {
					p("---|")
				}
			}
		}
		p("\n")
		for _, r := range results {
			p("| %s (%d) |", r.Name, r.Reps)
			meds := map[string]float64{}
			for _, n := range names {
				med, lo, hi := medianOf(r.Samples[n], f)
				meds[n] = med
				if ranges && len(r.Samples[n]) > 1 {
					p(" %s [%s–%s] |", fmtv(med), fmtv(lo), fmtv(hi))
				} else {
					p(" %s |", fmtv(med))
				}
			}
			if ratio {
				for _, n := range names {
					if n != "dockerfile" {
						if meds["dockerfile"] > 0 {
							p(" **%.2f×** |", meds[n]/meds["dockerfile"])
						} else {
							p(" – |")
						}
					}
				}
			}
			p("\n")
		}
		p("\n")
	}
	secs := func(x float64) string { return fmt.Sprintf("%.1f", x) }
	bytesf := func(x float64) string { return mb(int64(x)) }
	p("## Wall time, s\n\nMedian [min–max] of the repetitions (their number in brackets after the scenario). The registry-cache rows time the build on the empty daemon that imports the cache (the exporting build on the warm daemon is in ml.json).\n\n")
	col("wall", func(s mlSample) float64 { return s.Wall }, secs, true, true)
	p("## Bytes pushed to the registry\n\nMedian per build: layer and config blobs the registry did not have. Cold builds push to an empty registry (base layers included); registry-cache rows: the import build's push (the exporting build's, cache included, is in ml.json).\n\n")
	col("pushed", func(s mlSample) float64 { return float64(s.PushedBytes) }, bytesf, false, true)
	p("## Bytes a running node pulls to update\n\nMedian per build: the node holds the image of the system's previous build and fetches the blobs of the new one it lacks (0: the image did not change, or only its manifest did).\n\n")
	var nodeRows []mlScenario
	for _, r := range results {
		if !strings.HasPrefix(r.Name, "1-cold") {
			nodeRows = append(nodeRows, r)
		}
	}
	saved := results
	results = nodeRows
	col("node", func(s mlSample) float64 {
		if s.Node == nil {
			return 0
		}
		return float64(s.Node.Bytes)
	}, bytesf, false, true)
	p("Time the node's update took (fetching from the local registry), median s:\n\n")
	col("node s", func(s mlSample) float64 {
		if s.Node == nil {
			return 0
		}
		return s.Node.Seconds
	}, func(x float64) string { return fmt.Sprintf("%.2f", x) }, false, false)
	results = saved
	p("## Layers in the image\n\n")
	col("layers", func(s mlSample) float64 { return float64(s.Layers) }, func(x float64) string { return fmt.Sprintf("%.0f", x) }, false, false)

	p("## Load average\n\nThe machine's one-minute load average when each build started → when it ended, median of the repetitions (every sample's in %s.json); cold-loaded runs beside the bench's CPU burner (%.1f cores busy).\n\n", m.w.Name, *mlLoad)
	p("| scenario |")
	for _, n := range names {
		p(" %s |", n)
	}
	p("\n|---|%s\n", strings.Repeat("---|", len(names)))
	for _, r := range results {
		p("| %s |", r.Name)
		for _, n := range names {
			a, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Load1 })
			b, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Load1End })
			p(" %.1f → %.1f |", a, b)
		}
		p("\n")
	}
	p("\n")
	p("## Where the time goes\n\nMedians, s. *Steps*: time any build step ran (vertices in parallel counted once); *pip*: the part pip steps ran (download, install, compile); *export*: BuildKit's \"exporting layers\" (tar and gzip of the new layers); *push*: \"pushing layers\" and the manifest; *rest*: wall − steps − export − push (frontend start, resolving, context transfer; on a fresh daemon pulling and unpacking the base and the frontend; cache import/export).\n\n")
	for _, sc := range []string{"1-cold", "1-cold-loaded", "5-bump-small-package", "6-bump-big-package"} {
		var r *mlScenario
		for i := range results {
			if results[i].Name == sc {
				r = &results[i]
			}
		}
		if r == nil {
			continue
		}
		p("- %s:", sc)
		for i, n := range names {
			w, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Wall })
			in, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Install })
			ex, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Export })
			pu, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Push })
			sep := ";"
			if i == len(names)-1 {
				sep = "."
			}
			p(" %s %.1f s = pip %.0f%%, export %.0f%%, push %.0f%%%s", n, w, 100*in/w, 100*ex/w, 100*pu/w, sep)
		}
		p("\n")
	}
	p("\n| scenario | system | wall | steps | pip | export | push | rest |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		for _, n := range names {
			w, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Wall })
			st, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Steps })
			in, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Install })
			ex, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Export })
			pu, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Push })
			rest, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Wall - s.Steps - s.Export - s.Push })
			p("| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", r.Name, n, w, st, in, ex, pu, rest)
		}
	}
	p("\n## Downloads from each system's index\n\nMedian wheel files and bytes per build (a download counted at the size of the wheel pinned).\n\n")
	col("downloads", func(s mlSample) float64 { return float64(s.Downloads) }, func(x float64) string { return fmt.Sprintf("%.0f", x) }, false, false)
	col("download bytes", func(s mlSample) float64 { return float64(s.DownloadBytes) }, bytesf, false, false)

	p("## Images\n\nThe last image of each system (after all scenarios: %d pins). Content bytes by place: the base's layers, the venv (`/opt/venv`), `/app`, anything else; *wheels' content* is what the pinned wheels hold (modules and libraries): the venv beyond it is bytecode and install metadata.\n\n", len(m.systems[0].pins))
	p("| system | compressed | of which base | uncompressed | layers | files in >1 layer | base | venv | wheels' content | app | other | overhead (other / base+venv+app) |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, n := range names {
		im := images[n]
		p("| %s | %s | %s | %s | %d | %d | %s | %s | %s | %s | %s | %.3f%% |\n", n, mb(im.Compressed), mb(im.BaseCompressed), mb(im.Uncompressed), im.Layers, im.Duplicates,
			mb(im.Base), mb(im.Venv), mb(im.Installed), mb(im.App), mb(im.Other), 100*im.Overhead())
	}
	p("\nLayers above the base (compressed): ")
	for _, n := range names {
		var parts []string
		for _, s := range images[n].LayerSizes {
			parts = append(parts, mb(s))
		}
		p("%s: %s. ", n, strings.Join(parts, ", "))
	}
	p("\n\n")

	// Targets of issues 13 and 23, computed.
	p("## Targets of issues 13 and 23 (measured, not asserted)\n\nFor mlbuild-packages. The environment: the compressed layers above the base of its last image (%s). A package's own compressed size: its wheel's.\n\n", mb(images["mlbuild-packages"].Compressed-images["mlbuild-packages"].BaseCompressed))
	find := func(name string) *mlScenario {
		for i := range results {
			if results[i].Name == name {
				return &results[i]
			}
		}
		return nil
	}
	for _, n := range names {
		if n != "mlbuild-packages" {
			continue
		}
		env := images[n].Compressed - images[n].BaseCompressed
		for _, sc := range []string{"4-add-small-package", "5-bump-small-package"} {
			r := find(sc)
			if r == nil {
				continue
			}
			push, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return float64(s.PushedBytes) })
			node, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 {
				if s.Node == nil {
					return 0
				}
				return float64(s.Node.Bytes)
			})
			own, _, hiOwn := medianOf(r.Samples[n], func(s mlSample) float64 {
				if w, ok := m.editedWheel(s.Edit); ok && w.Size > 0 {
					return float64(s.PushedBytes) / float64(w.Size)
				}
				return 0
			})
			w, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Wall })
			wd, _, _ := medianOf(r.Samples["dockerfile"], func(s mlSample) float64 { return s.Wall })
			p("- %s, %s: pushed %.2f%% of the environment (target ≤ 1%%), node pulls %.2f%% (≤ 1%%), pushed %.1f× the package's own compressed size (max %.1f×; ≤ 2×), wall %.2f× the Dockerfile (≤ 0.25×).\n", n, sc, 100*push/float64(env), 100*node/float64(env), own, hiOwn, w/wd)
		}
		for _, c := range []struct {
			sc     string
			target float64
		}{{"1-cold", 0.75}, {"1-cold-loaded", 0.9}} {
			if r := find(c.sc); r != nil {
				w, _, _ := medianOf(r.Samples[n], func(s mlSample) float64 { return s.Wall })
				wd, _, _ := medianOf(r.Samples["dockerfile"], func(s mlSample) float64 { return s.Wall })
				p("- %s, %s: %.2f× the Dockerfile (≤ %.2f×); image %s vs the Dockerfile's %s; %d layers.\n", n, c.sc, w/wd, c.target, mb(images[n].Compressed), mb(images["dockerfile"].Compressed), images[n].Layers)
			}
		}
	}
	p("\n## Each repetition of the cold builds and the dependency changes\n\nWhat changed, then wall time, bytes pushed and the load average at the build's start per system (beyond %d packages a package added or bumped may land in one of the name groups with the packages already there: the bytes pushed depend on which).\n\n", plan.MaxDepLayers)
	p("| scenario | rep | change |")
	for _, n := range names {
		p(" %s |", n)
	}
	p("\n|---|---|---|%s\n", strings.Repeat("---|", len(names)))
	for _, r := range results {
		if !strings.Contains(r.Name, "package") && !strings.Contains(r.Name, "bump") && !strings.HasPrefix(r.Name, "1-cold") {
			continue
		}
		for i := 0; i < r.Reps; i++ {
			edit := ""
			if ss := r.Samples[names[0]]; i < len(ss) {
				edit = ss[i].Edit
			}
			p("| %s | %d | %s |", r.Name, i, edit)
			for _, n := range names {
				if ss := r.Samples[n]; i < len(ss) {
					p(" %.1f s, %s, load %.1f |", ss[i].Wall, mb(ss[i].PushedBytes), ss[i].Load1)
				} else {
					p(" |")
				}
			}
			p("\n")
		}
	}
	p("\n## Checks\n\n")
	checks, outliers := m.checks(results)
	if len(checks) == 0 {
		p("No contradiction found: every node pull fetched exactly the blobs by which the manifests differ; no-op builds pushed, pulled and downloaded nothing and ran no step; no build pushed more than its image or a node pulled more than was pushed.\n")
	}
	for _, c := range checks {
		p("- %s\n", c)
	}
	if len(outliers) > 0 {
		p("\nSlow outliers (more than 1.5× and 1 s over the median of their repetitions):\n\n")
	}
	for _, c := range outliers {
		p("- %s\n", c)
	}
	checks = append(checks, outliers...)
	if m.large {
		p("\n## Repetitions\n\n%d of each scenario per system (-ml-large-reps: a full install of this environment takes minutes on two cores, and the cold build doubles as the warm scenarios' first build). Order per repetition in %s.json (`order`).\n", *mlLargeReps, m.w.Name)
	} else {
		p("\n## Repetitions\n\nCold: %d per system (each starts a daemon and fills its pip cache: about a minute), cold beside the burner: %d; no-op, src edit, add and bump a small package: %d; bump the big package and the two registry-cache scenarios: %d. Order per repetition in %s.json (`order`).\n",
			*mlColdReps, *mlLoadReps, *mlReps, *mlHeavyReps, m.w.Name)
	}
	for _, r := range results {
		p("\n<details><summary>%s: executed steps, last repetition</summary>\n\n", r.Name)
		for _, n := range names {
			ss := r.Samples[n]
			if len(ss) > 0 {
				p("- %s: %s\n", n, strings.Join(ss[len(ss)-1].Executing, "; "))
			}
		}
		p("\n</details>\n")
	}

	type summaryRow struct {
		Scenario string                        `json:"scenario"`
		Median   map[string]map[string]float64 `json:"median"`
	}
	var summary []summaryRow
	for _, r := range results {
		row := summaryRow{Scenario: r.Name, Median: map[string]map[string]float64{}}
		for _, n := range names {
			get := func(f func(mlSample) float64) float64 { v, _, _ := medianOf(r.Samples[n], f); return v }
			row.Median[n] = map[string]float64{
				"wall_s": get(func(s mlSample) float64 { return s.Wall }), "steps_s": get(func(s mlSample) float64 { return s.Steps }),
				"install_s": get(func(s mlSample) float64 { return s.Install }), "export_layers_s": get(func(s mlSample) float64 { return s.Export }),
				"push_s": get(func(s mlSample) float64 { return s.Push }), "pushed_bytes": get(func(s mlSample) float64 { return float64(s.PushedBytes) }),
				"node_pull_bytes": get(func(s mlSample) float64 {
					if s.Node == nil {
						return 0
					}
					return float64(s.Node.Bytes)
				}),
				"layers": get(func(s mlSample) float64 { return float64(s.Layers) }), "image_compressed_bytes": get(func(s mlSample) float64 { return float64(s.ImageBytes) }),
				"index_downloads": get(func(s mlSample) float64 { return float64(s.Downloads) }),
			}
		}
		summary = append(summary, row)
	}
	js, _ := json.MarshalIndent(map[string]any{
		"run":       map[string]any{"time": time.Now().UTC().Format(time.RFC3339), "frontend": m.frontend, "dockerfile_frontend": m.dfFrontend, "tree": m.head, "frontend_created": m.frontendCreated, "minutes": took.Minutes(), "cpus": runtime.NumCPU(), "systems": names, "layers_field": layersField, "smoke_test": *mlSmoke, "burner_cores": *mlLoad, "reps": m.reps()},
		"workload":  map[string]any{"name": m.w.Name, "packages": m.w.Packages, "wheels": m.set.Wheels, "key": m.set.Key, "initial_installed_bytes": installed, "initial_wheel_bytes": wheelBytes, "generated_seconds": genSeconds},
		"summary":   summary,
		"scenarios": results,
		"primed":    primed,
		"images":    images,
		"checks":    checks,
	}, "", "  ")
	if err := os.WriteFile(filepath.Join(*outDir, m.w.Name+".json"), js, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*outDir, m.w.Name+".md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	fmt.Print(md.String())
	return nil
}

// checks lists numbers that contradict each other or what a scenario should do, and the
// samples far slower than the others of their scenario and system.
func (m *mlEnv) checks(results []mlScenario) (out, outliers []string) {
	for _, r := range results {
		for _, n := range sortedKeys(r.Samples) {
			for i, s := range r.Samples[n] {
				where := fmt.Sprintf("%s/%s rep %d", r.Name, n, i)
				if s.Node != nil && s.Node.Bytes != s.Node.ManifestDiff {
					out = append(out, fmt.Sprintf("%s: the node fetched %d bytes, the manifests differ by %d", where, s.Node.Bytes, s.Node.ManifestDiff))
				}
				if med, _, _ := medianOf(r.Samples[n], func(x mlSample) float64 { return x.Wall }); s.Wall > 1.5*med && s.Wall-med > 1 {
					outliers = append(outliers, fmt.Sprintf("%s: %.1f s, %.1f× the median of its repetitions (load average %.1f when it started; pip %.1f s, export %.1f s): noise from other work on the machine, most likely", where, s.Wall, s.Wall/med, s.Load1, s.Install, s.Export))
				}
				if r.Name == "2-noop" && (s.PushedBytes > 0 || s.Downloads > 0 || s.Executed > 0 || (s.Node != nil && s.Node.Bytes > 0)) {
					out = append(out, fmt.Sprintf("%s: a no-op build pushed %d bytes, downloaded %d wheels, ran %d steps, the node pulled %v", where, s.PushedBytes, s.Downloads, s.Executed, s.Node))
				}
				if s.PushedBytes > s.ImageBytes+1<<20 && !strings.HasPrefix(r.Name, "1-cold") {
					out = append(out, fmt.Sprintf("%s: pushed %d bytes, more than the image's %d", where, s.PushedBytes, s.ImageBytes))
				}
				if s.Node != nil && !strings.HasPrefix(r.Name, "1-cold") && s.Node.Bytes > s.PushedBytes+1<<20 && !strings.HasPrefix(r.Name, "7-") && !strings.HasPrefix(r.Name, "8-") {
					out = append(out, fmt.Sprintf("%s: the node pulled %d bytes, the build pushed only %d", where, s.Node.Bytes, s.PushedBytes))
				}
			}
		}
	}
	return out, outliers
}

// reps are the repetitions of the run, for the JSON.
func (m *mlEnv) reps() map[string]int {
	if m.large {
		return map[string]int{"each": *mlLargeReps}
	}
	return map[string]int{"cold": *mlColdReps, "cold_loaded": *mlLoadReps, "light": *mlReps, "heavy": *mlHeavyReps}
}

// editedWheel is the wheel a sample's edit added or bumped to ("added NAME VERSION", "NAME
// OLD -> NEW").
func (m *mlEnv) editedWheel(edit string) (ml.Wheel, bool) {
	f := strings.Fields(edit)
	switch {
	case len(f) == 3 && f[0] == "added":
		return m.set.Lookup(f[1], f[2])
	case len(f) == 4 && f[2] == "->":
		return m.set.Lookup(f[0], f[3])
	}
	return ml.Wheel{}, false
}
