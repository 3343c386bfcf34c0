package ml

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Registry is an OCI registry of one system's own (go-containerregistry's, as `crane
// registry serve --disk DIR` runs it) on 127.0.0.1, with its blobs on disk: Dir/sha256/<hex>.
// What a push uploaded is the difference of [Registry.Blobs] before and after.
//
// Its blob store answers a HEAD from the file's size: crane's disk store hashes the whole
// blob on every HEAD (to check it), which would add a second per 150 MB layer to every push
// of an unchanged layer, a cost no production registry has.
type Registry struct {
	// Addr is host:port.
	Addr string
	Dir  string
	srv  *http.Server
}

// StartRegistry serves a registry with its blobs in dir (created if missing).
func StartRegistry(dir string) (*Registry, error) {
	if err := os.MkdirAll(filepath.Join(dir, "sha256"), 0o755); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Registry{Addr: ln.Addr().String(), Dir: dir}
	r.srv = &http.Server{Handler: registry.New(registry.WithBlobHandler(diskBlobs{dir}), registry.Logger(log.New(io.Discard, "", 0))), ReadHeaderTimeout: time.Minute}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// Close stops the server; the blobs stay in Dir.
func (r *Registry) Close() error { return r.srv.Close() }

// Blobs lists the blobs the registry holds: digest -> size.
func (r *Registry) Blobs() (map[string]int64, error) {
	out := map[string]int64{}
	ents, err := os.ReadDir(filepath.Join(r.Dir, "sha256"))
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
			out["sha256:"+e.Name()] = fi.Size()
		}
	}
	return out, nil
}

// NewBlobs is what after holds that before did not: the number of blobs and their bytes.
func NewBlobs(before, after map[string]int64) (n int, bytes int64) {
	for d, s := range after {
		if _, ok := before[d]; !ok {
			n++
			bytes += s
		}
	}
	return n, bytes
}

type diskBlobs struct{ dir string }

func (d diskBlobs) path(h v1.Hash) string { return filepath.Join(d.dir, h.Algorithm, h.Hex) }

func (d diskBlobs) Stat(_ context.Context, _ string, h v1.Hash) (int64, error) {
	fi, err := os.Stat(d.path(h))
	if errors.Is(err, os.ErrNotExist) {
		return 0, registry.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func (d diskBlobs) Get(_ context.Context, _ string, h v1.Hash) (io.ReadCloser, error) {
	f, err := os.Open(d.path(h))
	if errors.Is(err, os.ErrNotExist) {
		return nil, registry.ErrNotFound
	}
	return f, err
}

// Put writes the blob to a temporary file and renames it into place once the registry has
// verified its digest (it reads rc to the end, which fails on a mismatch).
func (d diskBlobs) Put(_ context.Context, _ string, h v1.Hash, rc io.ReadCloser) error {
	defer rc.Close()
	if err := os.MkdirAll(filepath.Join(d.dir, h.Algorithm), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(d.dir, "upload-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), d.path(h))
}

// Node is a second image store, as on a machine that runs the image: it holds the blobs of
// the image it runs (Dir/sha256/<hex>) and, to update, fetches those of the new image it does
// not have, then drops those the new image does not use.
type Node struct {
	Dir string
	// Ref is the image it runs (its manifest digest), "" at first.
	Ref string
}

// PullStats is what one update fetched.
type PullStats struct {
	Blobs   int     `json:"blobs"`
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
	// ManifestDiff is the bytes of the new manifest's blobs (config and layers) the old one
	// does not list: what the pull should fetch.
	ManifestDiff int64 `json:"manifest_diff_bytes"`
}

// Image returns the linux/amd64 image at ref (a plain-HTTP registry).
func Image(ref string) (v1.Image, error) {
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return nil, err
	}
	return remote.Image(r, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))
}

// blobs lists an image's config and layers: digest -> size.
func blobs(img v1.Image) (map[v1.Hash]int64, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	out := map[v1.Hash]int64{m.Config.Digest: m.Config.Size}
	for _, l := range m.Layers {
		out[l.Digest] = l.Size
	}
	return out, nil
}

// Update makes the node run the image at ref, fetching the blobs it lacks.
func (n *Node) Update(ref string) (PullStats, error) {
	var st PullStats
	start := time.Now()
	img, err := Image(ref)
	if err != nil {
		return st, err
	}
	want, err := blobs(img)
	if err != nil {
		return st, err
	}
	if n.Ref != "" {
		old, err := Image(n.Ref)
		if err != nil {
			return st, err
		}
		had, err := blobs(old)
		if err != nil {
			return st, err
		}
		for d, s := range want {
			if _, ok := had[d]; !ok {
				st.ManifestDiff += s
			}
		}
	} else {
		for _, s := range want {
			st.ManifestDiff += s
		}
	}
	dir := filepath.Join(n.Dir, "sha256")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return st, err
	}
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return st, err
	}
	for d := range want {
		p := filepath.Join(dir, d.Hex)
		if _, err := os.Stat(p); err == nil {
			continue
		}
		l, err := remote.Layer(r.Context().Digest(d.String()))
		if err != nil {
			return st, err
		}
		rc, err := l.Compressed()
		if err != nil {
			return st, err
		}
		f, err := os.Create(p + ".tmp")
		if err != nil {
			rc.Close()
			return st, err
		}
		nb, err := io.Copy(f, rc)
		rc.Close()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return st, fmt.Errorf("fetching %s: %w", d, err)
		}
		if err := os.Rename(p+".tmp", p); err != nil {
			return st, err
		}
		st.Blobs++
		st.Bytes += nb
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return st, err
	}
	for _, e := range ents {
		if _, ok := want[v1.Hash{Algorithm: "sha256", Hex: e.Name()}]; !ok {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	dg, err := img.Digest()
	if err != nil {
		return st, err
	}
	n.Ref = r.Context().Digest(dg.String()).String()
	st.Seconds = time.Since(start).Seconds()
	return st, nil
}
