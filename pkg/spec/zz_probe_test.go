package spec_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlbuild/mlbuild/pkg/spec"
)

func TestZZProbe(t *testing.T) {
	files, _ := filepath.Glob(os.Getenv("PROBE"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		s, err := spec.Load("mlbuild.yaml", data, spec.Options{})
		fmt.Printf("=== %s\n", filepath.Base(f))
		var es spec.Errors
		if err == nil {
			fmt.Printf("  OK targets=%v\n", s.TargetNames())
			continue
		}
		if !errors.As(err, &es) {
			fmt.Printf("  NON-Errors: %v\n", err)
			continue
		}
		for _, e := range es {
			fmt.Printf("  %d:%d-%d:%d %q %s\n", e.Range.Start.Line, e.Range.Start.Column, e.Range.End.Line, e.Range.End.Column, e.Path, e.Msg)
		}
	}
}
