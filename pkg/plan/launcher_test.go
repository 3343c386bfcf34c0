package plan

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPipLauncher runs the pip steps' launcher with a stand-in pip package: with pip's
// runner file it execs the venv's interpreter on that runner with pip's arguments; without
// it, it runs "python3 -m pip --python VENV ..." with _PIP_RUNNING_IN_SUBPROCESS unset (set,
// pip would ignore --python and install into the base).
func TestPipLauncher(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH")
	}
	report := "import os, sys\nprint(os.path.basename(sys.argv[0]), sys.argv[1:], os.environ.get('_PIP_RUNNING_IN_SUBPROCESS'))\n"
	for _, tc := range []struct {
		name   string
		runner bool
		want   string
	}{
		{"runner", true, "__pip-runner__.py ['install', 'x'] 1"},
		{"no runner", false, "__main__.py ['--python', '" + py + "', 'install', 'x'] None"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			pip := filepath.Join(dir, "pip")
			if err := os.Mkdir(pip, 0o755); err != nil {
				t.Fatal(err)
			}
			files := map[string]string{"__init__.py": "", "__main__.py": report}
			if tc.runner {
				files["__pip-runner__.py"] = report
			}
			for n, c := range files {
				if err := os.WriteFile(filepath.Join(pip, n), []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(py, "-c", pipLauncher, py, "install", "x")
			cmd.Env = append(os.Environ(), "PYTHONPATH="+dir, "_PIP_RUNNING_IN_SUBPROCESS=1")
			out, err := cmd.CombinedOutput()
			if got := strings.TrimSpace(string(out)); err != nil || got != tc.want {
				t.Errorf("launcher: %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}
