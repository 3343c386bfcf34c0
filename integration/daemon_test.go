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
	if os.Geteuid() != 0 {
		t.Skip("starting a buildkitd needs root")
	}
	bin := filepath.Join(e.bin, "buildkitd")
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no buildkitd binary at %s (MLBUILD_BIN)", bin)
	}
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
