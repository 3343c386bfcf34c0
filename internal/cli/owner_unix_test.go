//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/mlbuild/mlbuild/internal/initspec"
)

// As root (the image's user) in a directory someone else owns (the bind mount of "docker
// run -v $PWD:/src"), init leaves files that owner can edit.
func TestInitAsRootGivesFilesToTheDirectoryOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the case is init running as root in the image")
	}
	dir := filepath.Dir(project(t, map[string]string{"requirements.txt": "numpy\n", "src/train.py": "print(1)\n"}))
	const uid, gid = 12345, 23456
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := run(t, "init", "--dir", dir); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{initspec.SpecFile, initspec.IgnoreFile} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != uid || st.Gid != gid {
			t.Errorf("%s owned by %d:%d, want the directory's %d:%d", f, st.Uid, st.Gid, uid, gid)
		}
	}
	// A directory root owns: the files stay root's.
	dir = filepath.Dir(project(t, map[string]string{"requirements.txt": "numpy\n"}))
	if out, errOut, code := run(t, "init", "--dir", dir); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	fi, err := os.Stat(filepath.Join(dir, initspec.SpecFile))
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 {
		t.Errorf("in root's directory the spec is owned by %d, want 0", st.Uid)
	}
}
