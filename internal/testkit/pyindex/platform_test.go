package pyindex

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFilesAndPlatformWheels: Files lists every wheel of a project (pure and platform ones)
// with the URL it is served at and the sha256 of the bytes served there; a platform wheel
// carries its tag in its name and in WHEEL, and its own files.
func TestFilesAndPlatformWheels(t *testing.T) {
	native := func(arch string) Package {
		return Package{Name: "MLB.Native", Version: "1.0", Files: map[string]string{"mlb_native/__init__.py": "ARCH = " + `"` + arch + `"` + "\n"}}
	}
	ix := startIndex(t, []Package{{Name: "mlb-native", Version: "0.9"}},
		WithPlatformWheel(native("x86_64"), "manylinux2014_x86_64"),
		WithPlatformWheel(native("aarch64"), "manylinux2014_aarch64"))
	files := ix.Files("mlb_native")
	var names []string
	for _, f := range files {
		names = append(names, f.Filename)
	}
	want := "MLB_Native-1.0-py3-none-manylinux2014_aarch64.whl MLB_Native-1.0-py3-none-manylinux2014_x86_64.whl mlb_native-0.9-py3-none-any.whl"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("Files = %s, want %s", got, want)
	}
	for _, f := range files {
		r := get(t, f.URL)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: status %d", f.URL, r.status)
		}
		sum := sha256.Sum256(r.body)
		if hex.EncodeToString(sum[:]) != f.SHA256 || len(r.body) != f.Size {
			t.Errorf("%s: served %d bytes with sha256 %x; Files says %d bytes, %s", f.Filename, len(r.body), sum, f.Size, f.SHA256)
		}
		_, content, _ := readZip(t, r.body)
		arch, ok := strings.CutPrefix(strings.TrimSuffix(f.Filename, ".whl"), "MLB_Native-1.0-py3-none-manylinux2014_")
		if !ok {
			continue // the pure wheel
		}
		if tag := "Tag: py3-none-manylinux2014_" + arch + "\n"; !strings.Contains(content["MLB_Native-1.0.dist-info/WHEEL"], tag) {
			t.Errorf("%s: WHEEL = %q, want %q", f.Filename, content["MLB_Native-1.0.dist-info/WHEEL"], tag)
		}
		if got := content["mlb_native/__init__.py"]; got != `ARCH = "`+arch+`"`+"\n" {
			t.Errorf("%s: mlb_native/__init__.py = %q", f.Filename, got)
		}
	}
	if ix.Files("nope") != nil {
		t.Error("Files of an unknown project is not nil")
	}
	if _, err := Start(nil, WithPlatformWheel(native("x"), "Bad-Tag")); err == nil {
		t.Error("Start accepted an invalid platform tag")
	}
}

// TestPipPicksPlatformWheel: real pip, asked for linux/aarch64, downloads the aarch64 wheel.
func TestPipPicksPlatformWheel(t *testing.T) {
	requirePip(t)
	ix := startIndex(t, nil,
		WithPlatformWheel(Package{Name: "mlb-native", Version: "1.0"}, "manylinux2014_x86_64"),
		WithPlatformWheel(Package{Name: "mlb-native", Version: "1.0"}, "manylinux2014_aarch64"))
	dest := t.TempDir()
	out, err := pip(t, "download", "--no-deps", "--only-binary=:all:", "--platform", "manylinux2014_aarch64",
		"--python-version", "3.11", "--index-url", ix.URL, "--dest", dest, "mlb-native==1.0")
	if err != nil {
		t.Fatalf("pip download: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dest, "mlb_native-1.0-py3-none-manylinux2014_aarch64.whl")); err != nil {
		entries, _ := os.ReadDir(dest)
		t.Errorf("aarch64 wheel not downloaded (%v); dest has %v\n%s", err, entries, out)
	}
}
