// Package testbed starts throw-away buildkitd daemons for the integration suite and the
// benchmark: a root process with its own empty state, Debian's runc and a configuration that
// knows the local registry (plain HTTP, and the docker.io mirror that serves the base stand-in).
package testbed

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/moby/buildkit/client"
)

// Daemon is a buildkitd started by Start.
type Daemon struct {
	// Host is the daemon's address (unix://...).
	Host string
	// Dir holds the state, the socket, the config and buildkitd.log.
	Dir string
	bin string
	cmd *exec.Cmd
	log *os.File
}

// Start starts buildkitd (the binary at bin) with an empty state in a new temporary directory.
func Start(bin, registry string) (*Daemon, error) {
	dir, err := os.MkdirTemp("", "mlbuild-buildkitd-")
	if err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf("[registry.%q]\n  http = true\n  insecure = true\n[registry.\"docker.io\"]\n  mirrors = [%q]\n", registry, registry)
	if err := os.WriteFile(filepath.Join(dir, "buildkitd.toml"), []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	d := &Daemon{Host: "unix://" + filepath.Join(dir, "buildkitd.sock"), Dir: dir, bin: bin}
	if err := d.Restart(); err != nil {
		d.Remove()
		return nil, err
	}
	return d, nil
}

// Restart starts the daemon again on its existing state (after Kill or Stop).
func (d *Daemon) Restart() error {
	log, err := os.OpenFile(filepath.Join(d.Dir, "buildkitd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	d.log = log
	d.cmd = exec.Command(d.bin, "--root", filepath.Join(d.Dir, "root"), "--addr", d.Host, "--config", filepath.Join(d.Dir, "buildkitd.toml"))
	d.cmd.Stdout, d.cmd.Stderr = log, log
	if err := d.cmd.Start(); err != nil {
		return err
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		c, err := client.New(context.Background(), d.Host)
		if err == nil {
			_, err = c.ListWorkers(context.Background())
			c.Close()
			if err == nil {
				return nil
			}
		}
	}
	d.Stop()
	dt, _ := os.ReadFile(log.Name())
	return fmt.Errorf("buildkitd did not start:\n%s", dt)
}

// Kill stops the daemon with SIGKILL, as a crash would.
func (d *Daemon) Kill() {
	if d.cmd != nil && d.cmd.Process != nil {
		_ = d.cmd.Process.Kill()
		_ = d.cmd.Wait()
	}
	d.cmd = nil
}

// Stop stops the daemon gracefully (SIGINT, then SIGKILL after 20s).
func (d *Daemon) Stop() {
	if d.cmd != nil && d.cmd.Process != nil {
		_ = d.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = d.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = d.cmd.Process.Kill()
			<-done
		}
	}
	d.cmd = nil
	if d.log != nil {
		d.log.Close()
	}
}

// Remove stops the daemon and deletes its state.
func (d *Daemon) Remove() {
	d.Stop()
	_ = exec.Command("umount", "-R", filepath.Join(d.Dir, "root")).Run()
	_ = os.RemoveAll(d.Dir)
}
