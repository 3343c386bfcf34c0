package integration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mlbuild/mlbuild/internal/testbed"
)

// startDaemon starts a fresh buildkitd (a root process with an empty state) for one test.
func (e *testEnv) startDaemon(t *testing.T) *testbed.Daemon {
	t.Helper()
	skipUnless(t, os.Geteuid() == 0, "root: starting a buildkitd needs root (euid %d)", os.Geteuid())
	bin := filepath.Join(e.bin, "buildkitd")
	_, err := os.Stat(bin)
	skipUnless(t, err == nil, "a buildkitd binary at %s (MLBUILD_BIN): %v", bin, err)
	d, err := testbed.Start(bin, e.registry)
	must(t, err)
	t.Cleanup(d.Remove)
	return d
}

// on returns a copy of the environment that builds on this daemon.
func (e *testEnv) on(d *testbed.Daemon) *testEnv {
	c := *e
	c.host = d.Host
	return &c
}
