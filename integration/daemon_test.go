package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
)

// daemon is a buildkitd started by a test, as a root process with its own empty state, the
// same configuration as the test bed's (registry mirror) and Debian's runc.
type daemon struct {
	host, root, cfg string
	cmd             *exec.Cmd
	log             *os.File
}

func (e *testEnv) startDaemon(t *testing.T) *daemon {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("starting a buildkitd needs root")
	}
	bin := filepath.Join(e.bin, "buildkitd")
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no buildkitd binary at %s (MLBUILD_BIN)", bin)
	}
	dir, err := os.MkdirTemp("", "mlbuild-it-buildkitd-")
	must(t, err)
	cfg := filepath.Join(dir, "buildkitd.toml")
	must(t, os.WriteFile(cfg, []byte(`[registry."`+e.registry+`"]
  http = true
  insecure = true
[registry."docker.io"]
  mirrors = ["`+e.registry+`"]
`), 0o644))
	d := &daemon{host: "unix://" + filepath.Join(dir, "buildkitd.sock"), root: filepath.Join(dir, "root"), cfg: cfg}
	d.start(t)
	t.Cleanup(func() {
		d.stop()
		_ = exec.Command("umount", "-R", d.root).Run()
		_ = os.RemoveAll(dir)
	})
	return d
}

func (d *daemon) start(t *testing.T) {
	t.Helper()
	log, err := os.Create(filepath.Join(filepath.Dir(d.cfg), "buildkitd.log"))
	must(t, err)
	d.log = log
	d.cmd = exec.Command(filepath.Join(theEnv.bin, "buildkitd"), "--root", d.root, "--addr", d.host, "--config", d.cfg)
	d.cmd.Stdout, d.cmd.Stderr = log, log
	must(t, d.cmd.Start())
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		c, err := client.New(context.Background(), d.host)
		if err == nil {
			_, err = c.ListWorkers(context.Background())
			c.Close()
			if err == nil {
				return
			}
		}
	}
	dt, _ := os.ReadFile(log.Name())
	t.Fatalf("buildkitd did not start:\n%s", dt)
}

// kill stops the daemon with SIGKILL, as a crash would.
func (d *daemon) kill() {
	if d.cmd != nil && d.cmd.Process != nil {
		_ = d.cmd.Process.Kill()
		_ = d.cmd.Wait()
	}
	d.cmd = nil
}

func (d *daemon) stop() {
	if d.cmd != nil && d.cmd.Process != nil {
		_ = d.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = d.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = d.cmd.Process.Kill()
			<-done
		}
	}
	d.cmd = nil
	if d.log != nil {
		d.log.Close()
	}
}

// on returns a copy of the environment that builds on this daemon.
func (e *testEnv) on(d *daemon) *testEnv {
	c := *e
	c.host = d.host
	return &c
}
