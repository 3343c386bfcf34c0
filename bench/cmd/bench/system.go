package main

// The image bytes of a target needing a compiler (issue 20, "go run ./bench/cmd/bench
// -workload system", or "make bench-system"): the example's training target plus mlb-cext, an
// sdist with a C extension served by a local index, built by mlbuild with build-packages (the
// compiler where pip runs, in no layer) and by the usual single-stage Dockerfile that installs
// the compiler with apt and pip-installs on top. Both go through the test bed's buildkitd and
// are pushed to its registry; the bytes are read back from there. Bytes do not depend on how
// loaded the machine is; no time is measured.

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/mlbuild/mlbuild/internal/testkit/pyindex"
)

// systemBuildPackages are what the sdist needs on the stand-in base (Debian's Python, without
// its headers).
const systemBuildPackages = "gcc, libc6-dev, python3-dev"

// systemDockerfile is the single-stage Dockerfile most projects write for a dependency that
// compiles: the compiler installed with apt (lists removed in the same RUN), pip on top.
const systemDockerfile = `# The usual single-stage Dockerfile for a dependency that needs a compiler.
ARG BASE=python:3.10-slim
FROM ${BASE}
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_BREAK_SYSTEM_PACKAGES=1
ARG PIP_INDEX_URL PIP_TRUSTED_HOST
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev python3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --no-build-isolation -r requirements.txt
COPY src/ src/
COPY configs/ configs/
CMD ["python", "-m", "src.train"]
`

// systemImage is what is recorded per image.
type systemImage struct {
	Ref               string `json:"ref"`
	Compressed        int64  `json:"compressed_bytes"`   // sum of the manifest's layer sizes
	Uncompressed      int64  `json:"uncompressed_bytes"` // sum of the layers' uncompressed tar sizes
	Layers            int    `json:"layers"`
	AboveBase         int64  `json:"compressed_bytes_above_base"`
	UncompressedAbove int64  `json:"uncompressed_bytes_above_base"`
	LayersAbove       int    `json:"layers_above_base"`
	Gcc               bool   `json:"gcc_in_image"`        // usr/bin/gcc (or the versioned driver) in the final file system
	PythonH           bool   `json:"python_h_in_image"`   // Python.h in the final file system
	Extension         bool   `json:"extension_installed"` // mlb_cext's shared object in the final file system
}

// runSystem builds both images and writes bench/results/system-bytes.{md,json}.
func runSystem() error {
	e := &env{registry: os.Getenv("MLBUILD_REGISTRY"), frontend: os.Getenv("MLBUILD_FRONTEND_PINNED")}
	host := os.Getenv("BUILDKIT_HOST")
	if e.registry == "" || e.frontend == "" || host == "" {
		return fmt.Errorf("MLBUILD_REGISTRY, MLBUILD_FRONTEND_PINNED, BUILDKIT_HOST not set: run via make bench-system")
	}
	ix, err := pyindex.StartCExtSdist("127.0.0.1")
	if err != nil {
		return err
	}
	defer ix.Close()
	e.baseRef = e.registry + "/library/python:3.10-slim"
	dir, err := os.MkdirTemp("", "mlbuild-bench-system-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	e.project = filepath.Join(dir, "project")
	if err := os.CopyFS(e.project, os.DirFS("examples/ml-pipeline")); err != nil {
		return err
	}
	reqs, err := os.ReadFile(filepath.Join(e.project, "requirements.txt"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(e.project, "requirements.txt"), append(reqs, "mlb-cext==1.0\n"...), 0o644); err != nil {
		return err
	}
	// --no-build-isolation: the sdist builds with the base's setuptools (the local index has
	// only mlb-cext), for both builders.
	spec := fmt.Sprintf("# syntax=%s\nversion: 1\nbase: %s\nbuild-packages: [%s]\npip:\n  index-url: %q\n  trusted-hosts: [127.0.0.1]\n  args: [--no-build-isolation]\n",
		e.frontend, e.baseRef, systemBuildPackages, ix.URL)
	if err := os.WriteFile(filepath.Join(e.project, "mlbuild.yaml"), []byte(spec), 0o644); err != nil {
		return err
	}
	dfDir := filepath.Join(dir, "dockerfile")
	if err := os.MkdirAll(dfDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dfDir, "Dockerfile"), []byte(systemDockerfile), 0o644); err != nil {
		return err
	}
	builders := []*Builder{
		{Name: "system-mlbuild", files: func(target string) (string, map[string]string, string) {
			return "dockerfile.v0", map[string]string{"filename": "mlbuild.yaml", "target": target}, e.project
		}, pipVertex: func(string) bool { return false }},
		{Name: "system-dockerfile", files: func(string) (string, map[string]string, string) {
			return "dockerfile.v0", map[string]string{"filename": "Dockerfile", "build-arg:BASE": e.baseRef,
				"build-arg:PIP_INDEX_URL": ix.URL, "build-arg:PIP_TRUSTED_HOST": "127.0.0.1"}, dfDir
		}, pipVertex: func(string) bool { return false }},
	}
	base, err := remoteImage(e.baseRef)
	if err != nil {
		return err
	}
	baseLayers, err := base.Layers()
	if err != nil {
		return err
	}
	out := map[string]systemImage{}
	for _, b := range builders {
		fmt.Fprintf(os.Stderr, "bench: building %s (training)\n", b.Name)
		if _, err := e.build(host, b, "training", nil); err != nil {
			return fmt.Errorf("%s: %w", b.Name, err)
		}
		ref := e.tag(b, "training")
		img, err := remoteImage(ref)
		if err != nil {
			return err
		}
		s, err := measureSystem(img, len(baseLayers))
		if err != nil {
			return fmt.Errorf("%s: %w", ref, err)
		}
		s.Ref = ref
		out[b.Name] = s
	}
	return writeSystem(out, spec)
}

func remoteImage(ref string) (v1.Image, error) {
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return nil, err
	}
	img, err := remote.Image(r, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	return img, nil
}

// measureSystem reads an image's layers (the first nBase the base's) and the file system they
// make: whiteouts remove what lower layers added, so a compiler deleted later counts as absent
// (its bytes still count in the layers).
func measureSystem(img v1.Image, nBase int) (systemImage, error) {
	layers, err := img.Layers()
	if err != nil {
		return systemImage{}, err
	}
	s := systemImage{Layers: len(layers), LayersAbove: len(layers) - nBase}
	present := map[string]bool{}
	for i, l := range layers {
		sz, err := l.Size()
		if err != nil {
			return s, err
		}
		rc, err := l.Uncompressed()
		if err != nil {
			return s, err
		}
		cw := &countingReader{r: rc}
		tr := tar.NewReader(cw)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				rc.Close()
				return s, err
			}
			p := path.Clean(strings.TrimPrefix(h.Name, "./"))
			dir, base := path.Split(p)
			switch {
			case base == ".wh..wh..opq":
				for k := range present {
					if strings.HasPrefix(k, dir) {
						delete(present, k)
					}
				}
			case strings.HasPrefix(base, ".wh."):
				gone := dir + strings.TrimPrefix(base, ".wh.")
				for k := range present {
					if k == gone || strings.HasPrefix(k, gone+"/") {
						delete(present, k)
					}
				}
			default:
				present[p] = true
			}
		}
		_, _ = io.Copy(io.Discard, cw)
		rc.Close()
		s.Compressed += sz
		s.Uncompressed += cw.n
		if i >= nBase {
			s.AboveBase += sz
			s.UncompressedAbove += cw.n
		}
	}
	for p := range present {
		switch {
		case p == "usr/bin/gcc" || strings.HasPrefix(p, "usr/bin/x86_64-linux-gnu-gcc"):
			s.Gcc = true
		case strings.HasSuffix(p, "/Python.h"):
			s.PythonH = true
		case strings.Contains(path.Base(p), "mlb_cext") && strings.HasSuffix(p, ".so"):
			s.Extension = true
		}
	}
	return s, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// systemOrder is the table's row order.
var systemOrder = []string{"system-mlbuild", "system-dockerfile"}

func writeSystem(imgs map[string]systemImage, spec string) error {
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	label := map[string]string{"system-mlbuild": "mlbuild (`build-packages`)", "system-dockerfile": "single-stage Dockerfile"}
	var md strings.Builder
	fmt.Fprintf(&md, "# Image bytes of a target needing a compiler\n\nRun %s (`make bench-system`). The example's training target plus `mlb-cext`, an sdist with a C extension served by a local index, which needs %s on the stand-in base (Debian's Python without its headers). Both built by the same buildkitd and pushed to the test bed's registry; the figures are read back from the registry. Bytes do not depend on the load on the machine (same base, same Debian archive state, same sources); only the file times a build writes change between runs, so compressed bytes move by a few hundred bytes while uncompressed bytes stay the same. No time is measured here.\n\n", time.Now().UTC().Format(time.RFC3339), systemBuildPackages)
	md.WriteString("- **mlbuild (`build-packages`)**: `build-packages: [" + systemBuildPackages + "]`, installed where pip runs and in no layer.\n")
	md.WriteString("- **single-stage Dockerfile**: `apt-get install` of the same packages (`--no-install-recommends`, lists removed in the same `RUN`), `pip install --no-cache-dir -r requirements.txt`, `COPY src configs`.\n\n")
	md.WriteString("| image | compressed bytes | uncompressed bytes | layers | compressed above base | uncompressed above base | layers above base | gcc in image | Python.h in image | extension installed |\n|---|---|---|---|---|---|---|---|---|---|\n")
	yn := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	for _, k := range systemOrder {
		s := imgs[k]
		fmt.Fprintf(&md, "| %s | %d | %d | %d | %d | %d | %d | %s | %s | %s |\n", label[k], s.Compressed, s.Uncompressed, s.Layers,
			s.AboveBase, s.UncompressedAbove, s.LayersAbove, yn(s.Gcc), yn(s.PythonH), yn(s.Extension))
	}
	m, d := imgs["system-mlbuild"], imgs["system-dockerfile"]
	if m.AboveBase > 0 {
		fmt.Fprintf(&md, "\nAbove the base, mlbuild adds %d compressed bytes (the venv with the compiled extension, the app, the user), the Dockerfile %d (the compiler, headers and their libraries, then the same): %.0f× as many. gcc and Python.h are read from the image's final file system (whiteouts applied).\n", m.AboveBase, d.AboveBase, float64(d.AboveBase)/float64(m.AboveBase))
	}
	fmt.Fprintf(&md, "\n<details><summary>the spec and the Dockerfile</summary>\n\n```yaml\n%s```\n\n```dockerfile\n%s```\n\n</details>\n", spec, systemDockerfile)
	js, _ := json.MarshalIndent(map[string]any{"run": time.Now().UTC().Format(time.RFC3339), "build_packages": systemBuildPackages, "images": imgs}, "", "  ")
	if err := os.WriteFile(filepath.Join(*outDir, "system-bytes.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*outDir, "system-bytes.md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	fmt.Print(md.String())
	return nil
}
