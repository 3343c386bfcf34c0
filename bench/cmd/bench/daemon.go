package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/moby/buildkit/client"
)

type daemon struct {
	host, dir string
	cmd       *exec.Cmd
}

// startDaemon starts a buildkitd with an empty state, configured like the test bed's.
func startDaemon(e *env) (*daemon, error) {
	dir, err := os.MkdirTemp("", "mlbuild-bench-buildkitd-")
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "buildkitd.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("[registry.%q]\n  http = true\n  insecure = true\n[registry.\"docker.io\"]\n  mirrors = [%q]\n", e.registry, e.registry)), 0o644); err != nil {
		return nil, err
	}
	d := &daemon{host: "unix://" + filepath.Join(dir, "buildkitd.sock"), dir: dir}
	log, err := os.Create(filepath.Join(dir, "buildkitd.log"))
	if err != nil {
		return nil, err
	}
	d.cmd = exec.Command(filepath.Join(e.bin, "buildkitd"), "--root", filepath.Join(dir, "root"), "--addr", d.host, "--config", cfg)
	d.cmd.Stdout, d.cmd.Stderr = log, log
	if err := d.cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		c, err := client.New(context.Background(), d.host)
		if err == nil {
			_, err = c.ListWorkers(context.Background())
			c.Close()
			if err == nil {
				return d, nil
			}
		}
	}
	d.stop()
	return nil, fmt.Errorf("buildkitd did not start; see %s", log.Name())
}

func (d *daemon) stop() {
	if d.cmd.Process != nil {
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
	_ = exec.Command("umount", "-R", filepath.Join(d.dir, "root")).Run()
	_ = os.RemoveAll(d.dir)
}
