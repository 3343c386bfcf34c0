package main

import (
	"archive/tar"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

type imageSize struct {
	Compressed   int64 `json:"compressed_bytes"`
	Uncompressed int64 `json:"uncompressed_bytes"`
	Layers       int   `json:"layers"`
	Duplicates   int   `json:"files_in_more_than_one_layer"`
	// Content bytes by where they are: the base image's layers, the venv (/opt/venv), the
	// app (/app), and anything else the build added (users, home, leftovers).
	Base  int64 `json:"base_bytes"`
	Venv  int64 `json:"venv_bytes"`
	App   int64 `json:"app_bytes"`
	Other int64 `json:"other_bytes"`
}

// Overhead is the share of the image beyond base + installed packages + app files.
func (s imageSize) Overhead() float64 {
	return float64(s.Other) / float64(s.Base+s.Venv+s.App)
}

// sizes measures the last pushed image of each builder and target.
func (e *env) sizes(host string, builders []*Builder) (map[string]imageSize, error) {
	out := map[string]imageSize{}
	baseRef, err := name.ParseReference(e.baseRef, name.Insecure)
	if err != nil {
		return nil, err
	}
	base, err := remote.Image(baseRef, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))
	if err != nil {
		return nil, err
	}
	baseLayers, err := base.Layers()
	if err != nil {
		return nil, err
	}
	for _, b := range builders {
		for _, target := range []string{"training", "inference"} {
			ref, err := name.ParseReference(e.tag(b, target), name.Insecure)
			if err != nil {
				return nil, err
			}
			img, err := remote.Image(ref, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", ref, err)
			}
			layers, err := img.Layers()
			if err != nil {
				return nil, err
			}
			s, err := sizeOf(layers, len(baseLayers))
			if err != nil {
				return nil, err
			}
			out[b.Name+"/"+target] = s
		}
	}
	return out, nil
}

// sizeOf measures an image's layers, the first nBase of them the base's: compressed and
// content bytes by place, layers, and files that are in more than one layer.
func sizeOf(layers []v1.Layer, nBase int) (imageSize, error) {
	s := imageSize{Layers: len(layers)}
	seen := map[string]int{}
	for i, l := range layers {
		sz, _ := l.Size()
		s.Compressed += sz
		rc, err := l.Uncompressed()
		if err != nil {
			return s, err
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			if h.Typeflag != tar.TypeReg {
				continue
			}
			s.Uncompressed += h.Size
			seen[h.Name]++
			switch p := strings.TrimPrefix(h.Name, "./"); {
			case i < nBase:
				s.Base += h.Size
			case strings.HasPrefix(p, "opt/venv/"):
				s.Venv += h.Size
			case strings.HasPrefix(p, "app/"):
				s.App += h.Size
			default:
				s.Other += h.Size
			}
		}
		_, _ = io.Copy(io.Discard, rc)
		rc.Close()
	}
	for _, n := range seen {
		if n > 1 {
			s.Duplicates++
		}
	}
	return s, nil
}
