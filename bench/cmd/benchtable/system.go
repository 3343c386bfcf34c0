package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// systemRun is bench/results/system-bytes.json (make bench-system): the image bytes of a
// target needing a compiler, mlbuild's build-packages against a single-stage Dockerfile.
type systemRun struct {
	Run           string `json:"run"`
	BuildPackages string `json:"build_packages"`
	Images        map[string]struct {
		Compressed        int64 `json:"compressed_bytes"`
		Uncompressed      int64 `json:"uncompressed_bytes"`
		Layers            int   `json:"layers"`
		AboveBase         int64 `json:"compressed_bytes_above_base"`
		UncompressedAbove int64 `json:"uncompressed_bytes_above_base"`
		Gcc               bool  `json:"gcc_in_image"`
		Extension         bool  `json:"extension_installed"`
	} `json:"images"`
}

// renderSystem is the README's paragraph and table of the compiler bench, "" when
// bench/results has no system-bytes.json.
func renderSystem(dir string) (string, error) {
	var r systemRun
	if found, err := readResult(filepath.Join(dir, "system-bytes.json"), &r); !found || err != nil {
		return "", err
	}
	m, okM := r.Images["system-mlbuild"]
	d, okD := r.Images["system-dockerfile"]
	if !okM || !okD {
		return "", fmt.Errorf("system-bytes.json: want images system-mlbuild and system-dockerfile")
	}
	var b strings.Builder
	b.WriteString(wrap(fmt.Sprintf("A target needing a compiler ([system-bytes.md](bench/results/system-bytes.md), `make bench-system`, run %s): the example's training target plus an sdist with a C extension, which needs %s. mlbuild with `build-packages` against the usual single-stage Dockerfile (`apt-get install` the same packages, lists removed, `pip install`), the same buildkitd, sizes read from the registry; the base is the test bed's stand-in (Debian's Python, %.1f MB compressed). Image bytes do not depend on the loaded machine (between runs only file times change: compressed bytes move by a few hundred bytes, uncompressed ones not at all); no time is compared here.",
		strings.TrimSuffix(strings.Replace(r.Run, "T", " ", 1), "Z")+" UTC", r.BuildPackages, float64(d.Compressed-d.AboveBase)/1e6)))
	b.WriteString("\n| image | compressed | uncompressed | layers | compressed above base | gcc in image | extension built and installed |\n|---|---|---|---|---|---|---|\n")
	yn := func(x bool) string {
		if x {
			return "yes"
		}
		return "no"
	}
	mb := func(n int64) string {
		if n < 1e6 {
			return fmt.Sprintf("%.1f kB", float64(n)/1e3)
		}
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	row := func(label string, s int64, u int64, l int, above int64, gcc, ext bool) {
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s | %s |\n", label, mb(s), mb(u), l, mb(above), yn(gcc), yn(ext))
	}
	row("mlbuild (`build-packages`)", m.Compressed, m.Uncompressed, m.Layers, m.AboveBase, m.Gcc, m.Extension)
	row("single-stage Dockerfile", d.Compressed, d.Uncompressed, d.Layers, d.AboveBase, d.Gcc, d.Extension)
	return b.String(), nil
}
