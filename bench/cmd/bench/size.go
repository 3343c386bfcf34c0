package main

import (
	"archive/tar"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

type imageSize struct {
	Compressed   int64 `json:"compressed_bytes"`
	Uncompressed int64 `json:"uncompressed_bytes"`
	Layers       int   `json:"layers"`
	Duplicates   int   `json:"files_in_more_than_one_layer"`
}

// sizes measures the last pushed image of each builder and target.
func (e *env) sizes(host string, builders []*Builder) (map[string]imageSize, error) {
	out := map[string]imageSize{}
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
			var s imageSize
			s.Layers = len(layers)
			seen := map[string]int{}
			for _, l := range layers {
				sz, _ := l.Size()
				s.Compressed += sz
				rc, err := l.Uncompressed()
				if err != nil {
					return nil, err
				}
				tr := tar.NewReader(rc)
				for {
					h, err := tr.Next()
					if err != nil {
						break
					}
					if h.Typeflag == tar.TypeReg {
						s.Uncompressed += h.Size
						seen[h.Name]++
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
			out[b.Name+"/"+target] = s
		}
	}
	return out, nil
}
