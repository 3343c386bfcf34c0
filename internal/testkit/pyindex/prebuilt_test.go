package pyindex

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// streamedWheel writes a wheel with a streamed "library" (1.2 MB) and a small module.
func streamedWheel(t *testing.T, version string) (string, []byte) {
	t.Helper()
	lib := StreamedFile{Path: "mlb_big/_lib/libbig.so", Executable: true, Write: func(w io.Writer) error {
		_, err := w.Write(bytes.Repeat([]byte(version+"0123456789abcdef"), 1<<16))
		return err
	}}
	var buf bytes.Buffer
	fn, err := WriteStreamedWheel(&buf, Package{Name: "MLB.Big", Version: version, Files: map[string]string{"mlb_big/__init__.py": "V = " + `"` + version + `"` + "\n"}},
		"manylinux2014_x86_64", []StreamedFile{lib})
	if err != nil {
		t.Fatal(err)
	}
	return fn, buf.Bytes()
}

// TestWriteStreamedWheel: deterministic bytes, the platform tag in the name and WHEEL, RECORD
// with every entry's sha256 and size, the executable bit kept.
func TestWriteStreamedWheel(t *testing.T) {
	fn, data := streamedWheel(t, "1.0")
	if fn != "MLB_Big-1.0-py3-none-manylinux2014_x86_64.whl" {
		t.Fatalf("file name %s", fn)
	}
	if _, again := streamedWheel(t, "1.0"); !bytes.Equal(data, again) {
		t.Fatal("the same wheel written twice differs")
	}
	_, files, zr := readZip(t, data)
	if w := files["MLB_Big-1.0.dist-info/WHEEL"]; !strings.Contains(w, "Tag: py3-none-manylinux2014_x86_64\n") || !strings.Contains(w, "Root-Is-Purelib: false\n") {
		t.Errorf("WHEEL = %q", w)
	}
	for _, line := range strings.Split(strings.TrimSpace(files["MLB_Big-1.0.dist-info/RECORD"]), "\n") {
		parts := strings.Split(line, ",")
		if parts[0] == "MLB_Big-1.0.dist-info/RECORD" {
			continue
		}
		sum := sha256.Sum256([]byte(files[parts[0]]))
		if want := "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]); parts[1] != want {
			t.Errorf("RECORD %s: %s, want %s", parts[0], parts[1], want)
		}
	}
	for _, f := range zr.File {
		if f.Name == "mlb_big/_lib/libbig.so" && f.Mode().Perm() != 0o755 {
			t.Errorf("libbig.so mode %v", f.Mode())
		}
	}
}

// TestStartPrebuilt: two indexes over the same bytes serve them with their hashes and count
// downloads each on its own; real pip installs from one.
func TestStartPrebuilt(t *testing.T) {
	var wheels []Prebuilt
	for _, v := range []string{"1.0", "1.1"} {
		fn, data := streamedWheel(t, v)
		wheels = append(wheels, Prebuilt{Filename: fn, Data: data})
	}
	a, err := StartPrebuilt(wheels)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := StartPrebuilt(wheels)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	files := a.Files("mlb-big")
	if len(files) != 2 {
		t.Fatalf("Files = %v", files)
	}
	r := get(t, files[1].URL)
	sum := sha256.Sum256(r.body)
	if r.status != http.StatusOK || hex.EncodeToString(sum[:]) != files[1].SHA256 || !bytes.Equal(r.body, wheels[1].Data) {
		t.Fatalf("GET %s: %d, sha256 %x, want %s", files[1].URL, r.status, sum, files[1].SHA256)
	}
	if a.Downloads("mlb-big") != 1 || b.Downloads("mlb-big") != 0 {
		t.Errorf("downloads a=%d b=%d, want 1 and 0", a.Downloads("mlb-big"), b.Downloads("mlb-big"))
	}
	if _, err := StartPrebuilt([]Prebuilt{{Filename: "nope.zip"}}); err == nil {
		t.Error("StartPrebuilt accepted a file that is not a wheel")
	}
	requirePip(t)
	target := t.TempDir()
	if out, err := pip(t, "install", "--index-url", b.URL, "--target", target, "mlb-big==1.1"); err != nil {
		t.Fatalf("pip install: %v\n%s", err, out)
	}
	st, err := os.Stat(filepath.Join(target, "mlb_big", "_lib", "libbig.so"))
	if err != nil || st.Size() != int64(len("1.10123456789abcdef"))<<16 || st.Mode().Perm()&0o100 == 0 {
		t.Errorf("installed libbig.so: %v %v", st, err)
	}
}
