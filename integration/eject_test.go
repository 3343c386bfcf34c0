package integration

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"
)

// TestEjectedDockerfileMatches: the example's ejected Dockerfiles (docker/<target>/Dockerfile,
// kept current by a unit test) build on BuildKit's own Dockerfile frontend into images with
// the same config as the frontend's (the base digest label aside, which an ejected file
// cannot know).
func TestEjectedDockerfileMatches(t *testing.T) {
	e := bed(t)
	dir := e.project(t, nil)
	for _, target := range []string{"training", "inference"} {
		t.Run(target, func(t *testing.T) {
			res, err := e.build(t, InProcess, dir, buildOpts{target: target, push: "it/eject-mlbuild"})
			if err != nil {
				t.Fatal(err)
			}
			_, want := e.image(t, res.ref)

			// The "# syntax=docker/dockerfile:1" line would fetch docker/dockerfile from Docker
			// Hub, which is not reachable here; the built-in frontend reads the same syntax.
			df, err := os.ReadFile(filepath.Join(dir, "docker", target, "Dockerfile"))
			must(t, err)
			dfDir := t.TempDir()
			must(t, os.WriteFile(filepath.Join(dfDir, "Dockerfile"), []byte(strings.TrimPrefix(string(df), "# syntax=docker/dockerfile:1\n")), 0o644))
			ctxFS, err := fsutil.NewFS(dir)
			must(t, err)
			dfFS, err := fsutil.NewFS(dfDir)
			must(t, err)
			tag := e.registry + "/it/eject-dockerfile:" + target
			_, err = e.client(t).Solve(context.Background(), nil, client.SolveOpt{
				Frontend:    "dockerfile.v0",
				LocalMounts: map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS},
				Exports: []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{
					"name": tag, "push": "true", "registry.insecure": "true"}}},
			}, nil)
			if err != nil {
				t.Fatalf("build the ejected Dockerfile: %v", err)
			}
			_, got := e.image(t, tag)
			w, g := want.Config, got.Config
			delete(w.Labels, "org.opencontainers.image.base.digest")
			for _, f := range []struct {
				name      string
				want, got any
			}{
				{"Env", w.Env, g.Env}, {"Cmd", w.Cmd, g.Cmd}, {"Entrypoint", w.Entrypoint, g.Entrypoint},
				{"User", w.User, g.User}, {"WorkingDir", w.WorkingDir, g.WorkingDir},
				{"ExposedPorts", w.ExposedPorts, g.ExposedPorts}, {"Healthcheck", w.Healthcheck, g.Healthcheck},
				{"Labels", w.Labels, g.Labels},
			} {
				if !reflect.DeepEqual(f.want, f.got) {
					t.Errorf("%s differs:\n mlbuild:    %v\n dockerfile: %v", f.name, f.want, f.got)
				}
			}
		})
	}
}
