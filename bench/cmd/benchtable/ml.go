package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// mlRun is the part of bench/results/ml.json (the ML-sized benchmark, bash bench/ml.sh) the
// README quotes.
type mlRun struct {
	Run struct {
		Time    string   `json:"time"`
		Minutes float64  `json:"minutes"`
		Systems []string `json:"systems"`
	} `json:"run"`
	Workload struct {
		Packages []struct {
			Role string `json:"role"`
		} `json:"packages"`
		InstalledBytes   int64 `json:"initial_installed_bytes"`
		InitialWheelByte int64 `json:"initial_wheel_bytes"`
	} `json:"workload"`
	Summary []struct {
		Scenario string `json:"scenario"`
		Median   map[string]struct {
			Wall   float64 `json:"wall_s"`
			Pushed float64 `json:"pushed_bytes"`
			Pulled float64 `json:"node_pull_bytes"`
			Layers float64 `json:"layers"`
		} `json:"median"`
	} `json:"summary"`
}

// renderML is the README's paragraph and table of an ML-sized benchmark (name "ml", the
// environment of issue 13, or "ml-large", the GB-scale one of issue 23), "" when
// bench/results has no <name>.json.
func renderML(dir, name string) (string, error) {
	var r mlRun
	if found, err := readResult(filepath.Join(dir, name+".json"), &r); !found || err != nil {
		return "", err
	}
	initial := 0 // the packages the first build installs; the "add" ones come later
	for _, p := range r.Workload.Packages {
		if p.Role != "add" {
			initial++
		}
	}
	var b strings.Builder
	when := strings.TrimSuffix(strings.Replace(r.Run.Time, "T", " ", 1), "Z") + " UTC"
	if name == "ml-large" {
		b.WriteString(wrap(fmt.Sprintf("A GB-scale environment ([ml-large.md](bench/results/ml-large.md), `bash bench/ml.sh`, run %s): %d generated packages installing %.0f MB, more than the 64 dependency layers mlbuild makes (the 32 largest get a layer each, the others share 32 groups by name), each system's cold build on a fresh daemon it keeps for the changes. Medians over the hand-written Dockerfile, as above:",
			when, initial, float64(r.Workload.InstalledBytes)/1e6)))
	} else {
		b.WriteString(wrap(fmt.Sprintf("An ML-sized environment ([ml.md](bench/results/ml.md), `bash bench/ml.sh`, run %s): %d generated packages installing %.0f MB (one of them about half of it), from a `uv.lock`, the example's code, one daemon, each system with its own index, cache ids, registry and a node that pulls each new image. Medians, mlbuild with a layer per package (the default) and with one layer, over the hand-written Dockerfile; time, bytes pushed, bytes the node pulls (no-op, src edit and registry cache take tenths of a second for every system: read those ratios as equal):",
			when, initial, float64(r.Workload.InstalledBytes)/1e6)))
	}
	b.WriteString("\n| scenario | per package: time | pushed | pulled | one layer: time | pushed | pulled |\n|---|---|---|---|---|---|---|\n")
	ratio := func(a, base float64) string {
		if base == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f×", a/base)
	}
	for _, s := range r.Summary {
		d, ok := s.Median["dockerfile"]
		if !ok {
			continue
		}
		row := "| " + strings.TrimLeft(strings.TrimLeft(s.Scenario, "0123456789"), "-") + " |"
		for _, sys := range []string{"mlbuild-packages", "mlbuild-single"} {
			m := s.Median[sys]
			row += " " + ratio(m.Wall, d.Wall) + " | " + ratio(m.Pushed, d.Pushed) + " | " + ratio(m.Pulled, d.Pulled) + " |"
		}
		b.WriteString(row + "\n")
	}
	return b.String(), nil
}
