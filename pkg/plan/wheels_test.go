package plan

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// wheelFile is one member of a test wheel.
type wheelFile struct {
	name, body string
	mode       fs.FileMode
}

// writeWheel writes a wheel with files (and its WHEEL and METADATA), returning its path and
// sha256.
func writeWheel(t *testing.T, dir, file, dist, purelib string, files []wheelFile) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	info := dist + ".dist-info/"
	all := append([]wheelFile{
		{info + "WHEEL", "Wheel-Version: 1.0\nGenerator: mlbuild-test\nRoot-Is-Purelib: " + purelib + "\nTag: py3-none-any\n", 0o644},
		{info + "METADATA", "Metadata-Version: 2.1\nName: " + strings.SplitN(dist, "-", 2)[0] + "\nVersion: " + strings.SplitN(dist, "-", 2)[1] + "\n", 0o644},
	}, files...)
	var record strings.Builder
	for _, f := range all {
		record.WriteString(f.name + ",,\n")
	}
	all = append(all, wheelFile{info + "RECORD", record.String() + info + "RECORD,,\n", 0o644})
	for _, f := range all {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		h.SetMode(f.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, file)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return p, hex.EncodeToString(sum[:])
}

// venvTree lists a venv's files below it (path: mode and content), without the venv's own
// files (those before any install) and without files only pip writes.
func venvTree(t *testing.T, venv string, before map[string]bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(venv, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || before[p[len(venv):]] {
			return err
		}
		rel := p[len(venv):]
		base := filepath.Base(rel)
		if base == "INSTALLER" || base == "RECORD" || base == "REQUESTED" || base == "direct_url.json" || strings.Contains(rel, "__pycache__") {
			return nil
		}
		fi, _ := d.Info()
		dt, _ := os.ReadFile(p)
		out[rel] = fi.Mode().String() + " " + string(dt)
		return nil
	})
	return out
}

// TestUnpackWheels installs wheels of the shapes the format allows (packages in purelib and
// platlib roots, .data/scripts with #!python, .data/data, .data/headers, an executable
// module, console and GUI entry points) with unpackWheels into one venv and with pip into
// another: the files and modes are the same (scripts aside, which both point at their own
// venv and are run instead), the entry points run, and pip, reading the RECORD unpackWheels
// wrote, uninstalls every file. A wrong sha256 and a path out of the venv are refused.
func TestUnpackWheels(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH")
	}
	if out, err := exec.Command(py, "-m", "pip", "--version").CombinedOutput(); err != nil {
		t.Fatalf("python3 has no pip, which this test installs the reference with: %v\n%s", err, out)
	}
	dir := t.TempDir()
	pure, pureSum := writeWheel(t, dir, "mlb_pure-1.0-py3-none-any.whl", "mlb_pure-1.0", "true", []wheelFile{
		{"mlb_pure/__init__.py", "def main():\n    print('pure main')\n\ndef gui():\n    print('pure gui')\n", 0o644},
		{"mlb_pure/tool.py", "#!/usr/bin/env python\nprint('tool')\n", 0o755},
		{"mlb_pure/data/vocab.txt", "a\nb\n", 0o644},
		{"mlb_pure-1.0.data/scripts/mlb-pure-script", "#!python\nimport mlb_pure\nmlb_pure.main()\n", 0o644},
		{"mlb_pure-1.0.data/data/share/mlb-pure/readme.txt", "shared\n", 0o644},
		{"mlb_pure-1.0.data/headers/mlb_pure.h", "int x;\n", 0o644},
		{"mlb_pure-1.0.dist-info/entry_points.txt", "[console_scripts]\nmlb-pure = mlb_pure:main\n\n[gui_scripts]\nmlb-pure-gui = mlb_pure:gui [extra]\n", 0o644},
	})
	plat, platSum := writeWheel(t, dir, "mlb_plat-2.0-py3-none-any.whl", "mlb_plat-2.0", "false", []wheelFile{
		{"mlb_plat/__init__.py", "VALUE = 2\n", 0o644},
		{"mlb_plat/_native.so", "\x7fELF not really", 0o755},
		{"mlb_plat-2.0.data/purelib/mlb_plat_extra.py", "EXTRA = 1\n", 0o644},
	})

	mkvenv := func(name string) (string, map[string]bool) {
		v := filepath.Join(dir, name)
		if out, err := exec.Command(py, "-m", "venv", "--without-pip", v).CombinedOutput(); err != nil {
			t.Fatalf("venv: %v\n%s", err, out)
		}
		before := map[string]bool{}
		filepath.WalkDir(v, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				before[p[len(v):]] = true
			}
			return err
		})
		return v, before
	}
	ref, refBefore := mkvenv("by-pip")
	if out, err := exec.Command(py, "-m", "pip", "--python", filepath.Join(ref, "bin", "python"), "install", "--no-deps", "--no-compile",
		"--disable-pip-version-check", "--no-index", pure, plat).CombinedOutput(); err != nil {
		t.Fatalf("pip install: %v\n%s", err, out)
	}
	ours, oursBefore := mkvenv("by-mlbuild")
	unpack := func(args ...string) ([]byte, error) {
		return exec.Command(filepath.Join(ours, "bin", "python"), append([]string{"-I", "-c", unpackWheels}, args...)...).CombinedOutput()
	}
	if out, err := unpack(pure, pureSum, plat, platSum); err != nil {
		t.Fatalf("unpackWheels: %v\n%s", err, out)
	}

	want, got := venvTree(t, ref, refBefore), venvTree(t, ours, oursBefore)
	scripts := []string{"/bin/mlb-pure", "/bin/mlb-pure-gui", "/bin/mlb-pure-script"}
	for _, s := range scripts {
		if !strings.HasPrefix(got[s], "-rwxr-xr-x #!"+filepath.Join(ours, "bin", "python")+"\n") {
			t.Errorf("%s: %q, want an executable script for the venv's python", s, got[s])
		}
		delete(want, s)
		delete(got, s)
	}
	var diffs []string
	for k, v := range want {
		if got[k] != v {
			diffs = append(diffs, k+": pip "+strings.Fields(v)[0]+", unpackWheels "+strings.Join(strings.Fields(got[k] + " missing")[:1], ""))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, k+": only unpackWheels writes it")
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 || len(want) < 8 {
		t.Errorf("unpackWheels and pip differ (%d files compared):\n%s", len(want), strings.Join(diffs, "\n"))
	}

	for cmd, wantOut := range map[string]string{"mlb-pure": "pure main", "mlb-pure-gui": "pure gui", "mlb-pure-script": "pure main"} {
		out, err := exec.Command(filepath.Join(ours, "bin", cmd)).CombinedOutput()
		if strings.TrimSpace(string(out)) != wantOut || err != nil {
			t.Errorf("%s: %q (%v), want %q", cmd, out, err, wantOut)
		}
	}
	out, err := exec.Command(filepath.Join(ours, "bin", "python"), "-c",
		"import importlib.metadata as m, mlb_plat, mlb_plat_extra; print(m.version('mlb-pure'), m.version('mlb-plat'), m.distribution('mlb-pure').read_text('INSTALLER').strip())").CombinedOutput()
	if got := strings.TrimSpace(string(out)); err != nil || got != "1.0 2.0 mlbuild" {
		t.Errorf("metadata: %q (%v), want %q", got, err, "1.0 2.0 mlbuild")
	}

	if out, err := exec.Command(py, "-m", "pip", "--python", filepath.Join(ours, "bin", "python"), "uninstall", "-y",
		"--disable-pip-version-check", "mlb-pure", "mlb-plat").CombinedOutput(); err != nil {
		t.Fatalf("pip uninstall: %v\n%s", err, out)
	}
	if left := venvTree(t, ours, oursBefore); len(left) > 0 {
		t.Errorf("pip uninstall left files RECORD did not list: %v", left)
	}

	if out, err := unpack(pure, strings.Repeat("0", 64)); err == nil || !strings.Contains(string(out), "mlb_pure-1.0-py3-none-any.whl: sha256 "+pureSum+", the lock records "+strings.Repeat("0", 64)) {
		t.Errorf("a wrong sha256: %v\n%s", err, out)
	}
	evil, evilSum := writeWheel(t, dir, "mlb_evil-1.0-py3-none-any.whl", "mlb_evil-1.0", "true", []wheelFile{{"../../../evil.py", "x", 0o644}})
	if out, err := unpack(evil, evilSum); err == nil || !strings.Contains(string(out), "unsafe path '../../../evil.py'") {
		t.Errorf("a path out of the venv: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "evil.py")); err == nil {
		t.Error("the unsafe path was written")
	}
}
