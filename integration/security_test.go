package integration

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlbuild/mlbuild/internal/testkit/pyindex"
)

// layerFiles lists every path in every layer of an image, and whether needle occurs in any
// file's content.
func (e *testEnv) layerFiles(t *testing.T, ref string, needle string) (files []string, hits []string) {
	t.Helper()
	img, _ := e.image(t, ref)
	layers, err := img.Layers()
	must(t, err)
	for i, l := range layers {
		rc, err := l.Uncompressed()
		must(t, err)
		eachTarEntry(t, rc, func(h *tar.Header, r io.Reader) {
			files = append(files, h.Name)
			if needle != "" {
				dt, _ := io.ReadAll(r)
				if bytes.Contains(dt, []byte(needle)) || strings.Contains(h.Name, needle) || strings.Contains(h.Linkname, needle) {
					hits = append(hits, fmt.Sprintf("layer %d: %s", i, h.Name))
				}
			}
		})
		rc.Close()
	}
	return files, hits
}

var planted = map[string]string{
	".git/config":          "[core]\n",
	"data/train.csv":       "a,b\n1,2\n",
	"mlruns/0/meta.yaml":   "x: 1\n",
	"secret.pem":           "-----BEGIN PRIVATE KEY-----\n",
	"id.key":               "key\n",
	"src/nested/inner.pem": "-----BEGIN CERTIFICATE-----\n",
	".env":                 "TOKEN=abc\n",
	"terraform.tfstate":    "{}\n",
	"public.crt":           "cert\n",
}

// TestDockerignore: with the example's .dockerignore and with none at all, planted secrets and
// data never reach the image, even when the spec copies the whole context.
func TestDockerignore(t *testing.T) {
	e := bed(t)
	spec := "version: 1\ntargets:\n  everything:\n    copy: [\".\"]\n    command: [python, -c, \"print(1)\"]\n"
	cases := []struct {
		name         string
		dockerignore string // "" = the example's, "-" = none
		absent       []string
		present      []string
	}{
		{"example-dockerignore", "", []string{".git/config", "data/train.csv", "mlruns/0/meta.yaml", "secret.pem", "id.key", "src/nested/inner.pem", ".env", "terraform.tfstate"}, []string{"public.crt", "src/api.py"}},
		{"no-dockerignore", "-", []string{".git/config", "secret.pem", "id.key", "src/nested/inner.pem", ".env", "terraform.tfstate"}, []string{"data/train.csv", "public.crt"}},
		{"explicit-reinclude", "data/\n!secret.pem\n", []string{"data/train.csv", "id.key", ".git/config"}, []string{"secret.pem"}},
		// <spec>.dockerignore takes precedence over .dockerignore, as for Dockerfiles.
		{"spec-dockerignore", "spec:public.crt\n", []string{"public.crt", "secret.pem", ".git/config"}, []string{"data/train.csv"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			edits := map[string]string{"mlbuild.yaml": spec}
			for k, v := range planted {
				edits[k] = v
			}
			switch {
			case tc.dockerignore == "-":
				edits[".dockerignore"] = ""
			case tc.dockerignore == "":
			case strings.HasPrefix(tc.dockerignore, "spec:"):
				edits[".dockerignore"] = "mlruns/\n"
				edits["mlbuild.yaml.dockerignore"] = strings.TrimPrefix(tc.dockerignore, "spec:")
			default:
				edits[".dockerignore"] = tc.dockerignore
			}
			dir := e.project(t, edits)
			res, err := e.build(t, InProcess, dir, buildOpts{target: "everything", push: "it/ignore"})
			if err != nil {
				t.Fatal(err)
			}
			files, _ := e.layerFiles(t, res.ref, "")
			for _, p := range tc.absent {
				if slices.Contains(files, "app/"+p) {
					t.Errorf("%s reached the image", p)
				}
			}
			for _, p := range tc.present {
				if !slices.Contains(files, "app/"+p) {
					t.Errorf("%s is missing from the image (it should be copied)", p)
				}
			}
		})
	}
}

// TestPipIndexAndSecret: a requirement served only by a local index is really downloaded and
// installed; a private index behind basic auth works with its URL passed as a BuildKit secret,
// and the credential appears in no layer, no config and no history entry.
func TestPipIndexAndSecret(t *testing.T) {
	e := bed(t)
	ver := fmt.Sprintf("1.0.%d", time.Now().UnixNano())
	password := fmt.Sprintf("pw-%d-s3cr3t", time.Now().UnixNano())
	plain, err := pyindex.Start([]pyindex.Package{{Name: "mlb-extra", Version: ver}})
	must(t, err)
	defer plain.Close()
	private, err := pyindex.Start([]pyindex.Package{{Name: "mlb-private", Version: ver}}, pyindex.WithBasicAuth("ml", password))
	must(t, err)
	defer private.Close()

	reqs := "fastapi==0.92.0\nuvicorn==0.17.6\nnumpy==1.24.2\nmlb-extra==" + ver + "\nmlb-private==" + ver + "\n"
	spec := fmt.Sprintf("version: 1\npip:\n  extra-index-urls: [%q]\n  secrets:\n    - id: private-index\n      env: PIP_INDEX_URL\n", plain.URL)
	dir := e.project(t, map[string]string{"requirements.txt": reqs, "mlbuild.yaml": spec})

	for _, m := range []Mode{InProcess, Buildx} {
		t.Run(string(m), func(t *testing.T) {
			var refs []string
			for _, target := range []string{"inference", "training"} {
				res, err := e.build(t, m, dir, buildOpts{target: target, push: "it/pip-" + target,
					secrets: map[string][]byte{"private-index": []byte(private.AuthURL())}})
				if err != nil {
					t.Fatalf("build %s: %v", target, err)
				}
				refs = append(refs, res.ref)
				if strings.Contains(res.logs, password) {
					t.Errorf("the credential appears in the build log")
				}
			}
			if plain.Downloads("mlb-extra") < 1 || private.Downloads("mlb-private") < 1 {
				t.Errorf("downloads: mlb-extra %d, mlb-private %d; pip did not fetch from the indexes", plain.Downloads("mlb-extra"), private.Downloads("mlb-private"))
			}
			rep := e.runInBuildKit(t, refs[0], "exec", nil, "python3", "-c", "import mlb_extra, mlb_private; print(mlb_extra.__version__, mlb_private.__version__)")
			if rep.Exit != 0 || strings.TrimSpace(rep.Stdout) != ver+" "+ver {
				t.Fatalf("installed packages: exit %d stdout %q stderr %q", rep.Exit, rep.Stdout, rep.Stderr)
			}
			for _, ref := range refs {
				_, hits := e.layerFiles(t, ref, password)
				if len(hits) > 0 {
					t.Errorf("%s: the credential is in layers: %v", ref, hits)
				}
				img, cfg := e.image(t, ref)
				raw, _ := img.RawConfigFile()
				manifest, _ := img.RawManifest()
				hist, _ := json.Marshal(cfg.History)
				for what, dt := range map[string][]byte{"config": raw, "manifest": manifest, "history": hist} {
					if bytes.Contains(dt, []byte(password)) {
						t.Errorf("%s: the credential is in the %s", ref, what)
					}
				}
			}
		})
	}
}

// TestSymlinksLeavingTheContext: a copied path that is a symlink out of the context (and a
// symlink inside a copied directory) never brings the outside content into the image. BuildKit
// copies such a link as a link, left dangling in the image; refusing the build would do too,
// but only for that reason: an error that names neither link is a failure of its own.
func TestSymlinksLeavingTheContext(t *testing.T) {
	e := bed(t)
	outside := t.TempDir()
	marker := fmt.Sprintf("outside-the-context-%d", time.Now().UnixNano())
	must(t, os.WriteFile(filepath.Join(outside, "secret.txt"), []byte(marker), 0o644))
	// No smoke test: without its model the app would report unhealthy, which is not the point here.
	dir := e.project(t, map[string]string{"models": "", "mlbuild.yaml": "version: 1\ntargets:\n  inference:\n    smoke-test: false\n"})
	// The image path of each link, and where it points outside the context.
	links := map[string]string{
		"app/models":       outside,
		"app/src/leak.txt": filepath.Join(outside, "secret.txt"),
	}
	must(t, os.Symlink(links["app/models"], filepath.Join(dir, "models")))
	must(t, os.Symlink(links["app/src/leak.txt"], filepath.Join(dir, "src", "leak.txt")))
	res, err := e.build(t, InProcess, dir, buildOpts{target: "inference", push: "it/symlinks"})
	if err != nil {
		if msg := err.Error(); !strings.Contains(msg, outside) && !strings.Contains(msg, "/models") && !strings.Contains(msg, "leak.txt") {
			t.Fatalf("the build failed, but not on a symlink leaving the context (the error names neither link nor %s): %v", outside, err)
		}
		logf(t, "build refused: %v", firstLine(err))
		if tags := e.tags(t, "it/symlinks"); len(tags) != 0 {
			t.Errorf("a failed build pushed %v", tags)
		}
		return
	}
	entries := e.layerEntries(t, res.ref)
	for _, p := range slices.Sorted(maps.Keys(links)) {
		h, ok := entries[p]
		switch {
		case !ok:
			t.Errorf("/%s is not in the image: the test no longer exercises the link", p)
		case h.Typeflag != tar.TypeSymlink:
			t.Errorf("/%s is a %s in the image, not the symlink: the link was followed", p, typeName(h.Typeflag))
		case h.Linkname != links[p]:
			t.Errorf("/%s links to %q, want %q as in the context", p, h.Linkname, links[p])
		}
	}
	if _, hits := e.layerFiles(t, res.ref, marker); len(hits) > 0 {
		t.Errorf("content from outside the context reached the image: %v", hits)
	}
}

// layerEntries is the tar header of every path of an image, as its last layer leaves it.
func (e *testEnv) layerEntries(t *testing.T, ref string) map[string]*tar.Header {
	t.Helper()
	img, _ := e.image(t, ref)
	layers, err := img.Layers()
	must(t, err)
	entries := map[string]*tar.Header{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		must(t, err)
		eachTarEntry(t, rc, func(h *tar.Header, _ io.Reader) {
			entries[strings.TrimSuffix(h.Name, "/")] = h
		})
		rc.Close()
	}
	return entries
}

func typeName(flag byte) string {
	switch flag {
	case tar.TypeReg:
		return "regular file"
	case tar.TypeDir:
		return "directory"
	case tar.TypeSymlink:
		return "symlink"
	case tar.TypeLink:
		return "hard link"
	}
	return fmt.Sprintf("tar entry of type %q", flag)
}
