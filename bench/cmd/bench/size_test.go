package main

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func tarLayer(t *testing.T, files map[string]string) v1.Layer {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(content))
	}
	tw.Close()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b.Bytes())), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestSizeOf: content bytes by place, and a file in two layers counted once as a duplicate.
func TestSizeOf(t *testing.T) {
	layers := []v1.Layer{
		tarLayer(t, map[string]string{"usr/lib/x": "1234"}),
		tarLayer(t, map[string]string{"opt/venv/a.py": "12", "etc/passwd": "1"}),
		tarLayer(t, map[string]string{"app/src/m.py": "123", "etc/passwd": "12"}),
	}
	s, err := sizeOf(layers, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s.Layers != 3 || s.Base != 4 || s.Venv != 2 || s.App != 3 || s.Other != 3 || s.Uncompressed != 12 || s.Duplicates != 1 || s.Compressed == 0 {
		t.Errorf("sizeOf = %+v", s)
	}
}
