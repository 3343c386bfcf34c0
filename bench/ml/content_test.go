package ml

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBinaryIsDeterministic(t *testing.T) {
	sum := func(seed uint64) [32]byte {
		h := sha256.New()
		if err := Binary(h, seed, 1<<20+123); err != nil {
			t.Fatal(err)
		}
		var s [32]byte
		copy(s[:], h.Sum(nil))
		return s
	}
	if sum(1) != sum(1) {
		t.Fatal("same seed, different bytes")
	}
	if sum(1) == sum(2) {
		t.Fatal("different seeds, same bytes")
	}
	var b bytes.Buffer
	if err := Binary(&b, 3, 10000); err != nil || b.Len() != 10000 {
		t.Fatalf("len %d, err %v", b.Len(), err)
	}
}

type countW struct{ n int64 }

func (c *countW) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// gzipStats compresses r with Go's gzip at the default level (what BuildKit uses for layers).
func gzipStats(t *testing.T, r io.Reader) (in, out int64, d time.Duration) {
	var c countW
	zw := gzip.NewWriter(&c)
	start := time.Now()
	in, err := io.Copy(zw, r)
	if err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return in, c.n, time.Since(start)
}

// TestCalibrate prints the gzip ratio and speed of the generated content next to the host's
// large shared libraries (MLBUILD_CALIBRATE=1 go test -run Calibrate -v ./bench/ml).
func TestCalibrate(t *testing.T) {
	if os.Getenv("MLBUILD_CALIBRATE") == "" {
		t.Skip("set MLBUILD_CALIBRATE=1")
	}
	report := func(name string, in, out int64, d time.Duration) {
		t.Logf("%-40s %6.1f MB  gzip %.2f×  %5.1f MB/s", name, float64(in)/1e6, float64(in)/float64(out), float64(in)/1e6/d.Seconds())
	}
	var buf bytes.Buffer
	if err := Binary(&buf, 42, 64<<20); err != nil {
		t.Fatal(err)
	}
	in, out, d := gzipStats(t, bytes.NewReader(buf.Bytes()))
	report("generated Binary", in, out, d)
	src := Source(7, 4<<20)
	in, out, d = gzipStats(t, bytes.NewReader([]byte(src)))
	report("generated Source", in, out, d)
	if p, err := exec.LookPath("python3"); err == nil {
		f := filepath.Join(t.TempDir(), "m.py")
		os.WriteFile(f, []byte(Source(7, 200000)), 0o644)
		out, err := exec.Command(p, "-c", "import py_compile, os, sys; c = py_compile.compile(sys.argv[1], doraise=True); print(os.path.getsize(c) / os.path.getsize(sys.argv[1]))", f).CombinedOutput()
		if err != nil {
			t.Fatalf("generated source does not compile: %s", out)
		}
		t.Logf("generated Source: .pyc / .py = %s (CPython 3.11's own modules: 1.24)", strings.TrimSpace(string(out)))
	}
	for _, f := range []string{"/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1", "/usr/lib/x86_64-linux-gnu/libicudata.so.72.1", "/usr/lib/x86_64-linux-gnu/libz3.so.4",
		"/usr/lib/x86_64-linux-gnu/librsvg-2.so.2.48.0", "/usr/lib/x86_64-linux-gnu/libasan.so.8.0.0"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		in, out, d := gzipStats(t, io.LimitReader(fh, 64<<20))
		fh.Close()
		report(filepath.Base(f), in, out, d)
	}
}
