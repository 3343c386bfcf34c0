package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"github.com/mlbuild/mlbuild/pkg/depsrc"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// The CLI takes the spec's directory as the build context, as "docker buildx build -f
// mlbuild.yaml ." from that directory does.

// contextExcludes are the patterns that keep paths of the spec's directory out of the build
// context: the secure defaults, then the spec's own ignore file (mlbuild.yaml.dockerignore
// beside it), else the directory's .dockerignore, as dockerui reads them.
func contextExcludes(specFile string) ([]string, error) {
	excludes := slices.Clone(plan.SecureExcludes)
	for _, name := range []string{specFile + ".dockerignore", filepath.Join(filepath.Dir(specFile), ".dockerignore")} {
		f, err := os.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		user, err := ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return append(excludes, user...), nil
	}
	return excludes, nil
}

// contextReader reads files of the build context (the spec's directory) by their
// slash-separated path: a file the excludes leave out, or that is not a regular file, is
// not there.
func contextReader(specFile string) (func(string) ([]byte, bool), error) {
	excludes, err := contextExcludes(specFile)
	if err != nil {
		return nil, err
	}
	pm, err := patternmatcher.New(excludes)
	if err != nil {
		return nil, fmt.Errorf("exclude patterns: %w", err)
	}
	dir := filepath.Dir(specFile)
	return func(p string) ([]byte, bool) {
		if excluded, err := pm.MatchesOrParentMatches(p); err != nil || excluded {
			return nil, false
		}
		name := filepath.Join(dir, filepath.FromSlash(p))
		if fi, err := os.Stat(name); err != nil || !fi.Mode().IsRegular() {
			return nil, false
		}
		dt, err := os.ReadFile(name)
		return dt, err == nil
	}, nil
}

// findDeps finds and parses the spec's dependency files in its directory, as a build of that
// directory would. On error the Deps hold what could be read and parsed.
func findDeps(s *spec.Spec, specFile string) (*depsrc.Source, error) {
	read, err := contextReader(specFile)
	if err != nil {
		return nil, err
	}
	return depsrc.Find(s, read)
}

// withLines adds to each located error in a dependency file the line it points at.
func withLines(err error, d *depsrc.Source) error {
	list := spec.Located(err)
	if list == nil {
		return err
	}
	var b strings.Builder
	b.WriteString(err.Error())
	for _, e := range list {
		dt, ok := d.File(e.File)
		if !ok || e.Range.Start.Line < 1 {
			continue
		}
		lines := strings.Split(string(dt), "\n")
		if n := e.Range.Start.Line; n <= len(lines) {
			fmt.Fprintf(&b, "\n  %s:%d | %s", e.File, n, strings.TrimRight(lines[n-1], "\r"))
		}
	}
	return errors.New(b.String())
}

// pythonTag takes the Python version from a python image's tag: "3.12" of "python:3.12-slim",
// "3.12.4" of "python:3.12.4-bookworm".
var pythonTag = regexp.MustCompile(`^(\d+\.\d+(?:\.\d+)?)(?:$|[^0-9.])`)

// basePython is the Python version of the spec's base image as its tag names it, for an
// official python image (docker.io/library/python, or any repository named python); "" when
// the tag does not say.
func basePython(base string) string {
	named, err := reference.ParseNormalizedNamed(base)
	if err != nil {
		return ""
	}
	tagged, ok := named.(reference.Tagged)
	if p := reference.Path(named); !ok || (p != "python" && !strings.HasSuffix(p, "/python")) {
		return ""
	}
	if m := pythonTag.FindStringSubmatch(tagged.Tag()); m != nil {
		return m[1]
	}
	return ""
}
