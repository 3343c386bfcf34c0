//go:build unix

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// giveToDirOwner makes the files init wrote belong to the owner of the directory they are
// in, when init runs as root and that directory belongs to someone else: "docker run -v
// "$PWD:/src" -w /src IMAGE init" runs as root in the container, and the files it leaves
// in the bind mount must be the invoking user's to edit. Elsewhere (not root, or a
// directory root owns) it changes nothing.
func giveToDirOwner(dir string, files []string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || (st.Uid == 0 && st.Gid == 0) {
		return nil
	}
	for _, f := range files {
		if err := os.Lchown(filepath.Join(dir, f), int(st.Uid), int(st.Gid)); err != nil {
			return fmt.Errorf("init: giving %s to the owner of %s: %w", f, dir, err)
		}
	}
	return nil
}
