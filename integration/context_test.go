package integration

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// transferred sums what buildx's plain progress says was sent of the main context
// ("transferring context: 1.23kB done", "… 31.47MB 0.1s done"), in bytes.
func transferred(t *testing.T, out string) float64 {
	t.Helper()
	units := map[string]float64{"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}
	re := regexp.MustCompile(`transferring context: ([0-9.]+)(B|kB|MB|GB)( [0-9.]+m?s)? done`)
	total, n := 0.0, 0
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		total += v * units[m[2]]
		n++
	}
	if n == 0 {
		t.Fatalf("no \"transferring context: … done\" line in the build's progress:\n%s", tailString(out, 3000))
	}
	return total
}

// TestContextTransferLimitedToSpecPaths: a large data folder that .dockerignore does not
// exclude (common in ML repositories) is never sent to the builder: the frontend transfers
// only the paths the spec reads. Copying the whole context sends it, which shows the
// measurement sees such a folder.
func TestContextTransferLimitedToSpecPaths(t *testing.T) {
	e := bed(t)
	t.Parallel()
	big := make([]byte, 30<<20) // incompressible, like real data
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	dir := e.project(t, nil)
	must(t, os.MkdirAll(filepath.Join(dir, "datasets"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "datasets", "train.bin"), big, 0o644))

	repo := fmt.Sprintf("it/context-%d", time.Now().UnixNano())
	out, err := buildxPlain(t, e, dir, "inference", repo)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, tailString(out, 3000))
	}
	if sent := transferred(t, out); sent > 5e6 {
		t.Errorf("the build sent %.1f MB of the context; the spec reads src, configs, models and requirements.txt (a few kB), not datasets/ (30 MB)", sent/1e6)
	}

	// The same folder copied into the image is sent: the measurement is not blind to it.
	spec, err := os.ReadFile(filepath.Join(dir, "mlbuild.yaml"))
	must(t, err)
	whole := strings.Replace(string(spec), "version: 1\n", "version: 1\ntargets:\n  inference:\n    copy: [src, configs, models, datasets]\n", 1)
	if whole == string(spec) {
		t.Fatal("fixture: no \"version: 1\" line to extend")
	}
	must(t, os.WriteFile(filepath.Join(dir, "mlbuild.yaml"), []byte(whole), 0o644))
	out, err = buildxPlain(t, e, dir, "inference", repo)
	if err != nil {
		t.Fatalf("build copying datasets/: %v\n%s", err, tailString(out, 3000))
	}
	if sent := transferred(t, out); sent < 25e6 {
		t.Errorf("copying datasets/ sent only %.1f MB; want the 30 MB folder", sent/1e6)
	}
}
