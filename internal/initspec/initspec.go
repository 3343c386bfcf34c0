// Package initspec implements "frontend init": it looks at a Python ML repository and
// proposes an mlbuild.yaml that states only what differs from the defaults of the format
// (docs/spec.md), plus a .dockerignore with the secure defaults.
//
// Detection is heuristic and read-only, in this order:
//
//   - What the repository declares, each fact kept with its file and line: Dockerfiles (the
//     CMD or ENTRYPOINT that serves or trains, EXPOSE, a HEALTHCHECK URL, FROM python:3.X,
//     COPY sources, ENV), compose services (command, ports, healthcheck, environment), the
//     train stage of dvc.yaml and its outs, Makefile train and serve targets, a Procfile,
//     pyproject.toml's [project.scripts] and requires-python, .python-version. A declared
//     fact wins over what the code suggests, and a note says so; a declared fact the code
//     proves wrong (a HEALTHCHECK path the app does not serve) is noted and overruled.
//   - The code: the dependency source and requirements files (decoded as pip does: BOMs,
//     UTF-16), the code directories (src/, packages, modules, namespace packages followed
//     through the imports of the entries), the training entry point, the ASGI app (a
//     module-level object or a factory; with several, the one with the most evidence), its
//     routes through include_router prefixes and its health route, the port a uvicorn.run
//     passes.
//   - What the code does with the file system, from the path expressions it passes to open,
//     os.makedirs, Path.mkdir, pandas, joblib, torch, logging handlers, MLflow (its default
//     ./mlruns store) and the project's own save/load helpers: the directories training and
//     the app write become writable entries of their target (the code stays read-only and
//     the user non-root), and the directory the app loads its model from is copied to the
//     path it reads.
//
// Everything it decides, or could not decide, is reported as a one-line note for the user
// with its evidence, and every value that differs from the defaults carries a comment in the
// spec. The spec it generates always loads with spec.Load; Detect fails rather than return
// one that does not.
package initspec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/distribution/reference"
	"github.com/mlbuild/mlbuild/pkg/spec"
)

// Names of the files init writes, and the frontend image of the generated "# syntax=" line.
const (
	SpecFile        = "mlbuild.yaml"
	IgnoreFile      = ".dockerignore"
	DefaultFrontend = "ghcr.io/mlbuild/frontend:1"
)

// Options are the inputs of Detect and Write.
type Options struct {
	// Dir is the repository root Write looks at and writes to. Default ".". Detect ignores it.
	Dir string
	// Frontend is the image named on the spec's "# syntax=" line. Default DefaultFrontend.
	Frontend string
	// Force lets Write replace an existing mlbuild.yaml. An existing .dockerignore is never
	// replaced: Detect reports the secure defaults it lacks instead.
	Force bool
}

// Result is what init proposes.
type Result struct {
	// Spec is the content of mlbuild.yaml: "# syntax=" on line 1, "version: 1", then only
	// the fields that differ from the defaults, with short comments.
	Spec []byte
	// Dockerignore is the content of a new .dockerignore, or nil when the repository already
	// has one (.dockerignore or mlbuild.yaml.dockerignore); Notes then list what it lacks.
	Dockerignore []byte
	// Notes say what was detected and what the user may have to do, one line each.
	Notes []string
}

// ExistsError is returned by Write when a file it would write already exists.
// errors.Is(err, fs.ErrExist) holds for it.
type ExistsError struct {
	// Path of the existing file.
	Path string
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s already exists; not overwriting it (use --force to replace it)", e.Path)
}

// Is makes errors.Is(err, fs.ErrExist) true.
func (e *ExistsError) Is(target error) bool { return target == fs.ErrExist }

// Detect looks at the repository in fsys and returns the files init would write. It only
// reads through fsys and writes nothing.
func Detect(fsys fs.FS, opt Options) (*Result, error) {
	frontend := opt.Frontend
	if frontend == "" {
		frontend = DefaultFrontend
	}
	if err := checkFrontend(frontend); err != nil {
		return nil, err
	}
	if _, err := fs.ReadDir(fsys, "."); err != nil {
		return nil, fmt.Errorf("init: cannot read the repository: %w", err)
	}
	r := newRepo(fsys)
	p := r.plan()
	if !opt.Force && r.exists(SpecFile) {
		r.note("%s already exists: it is kept unless you overwrite it (--force)", SpecFile)
	}
	res := &Result{Spec: render(frontend, p)}
	if _, err := spec.Load(SpecFile, res.Spec, spec.Options{}); err != nil {
		return nil, fmt.Errorf("init: the generated spec does not load (this is a bug in init): %w\n%s", err, res.Spec)
	}
	res.Dockerignore = r.dockerignore(p)
	res.Notes = r.notes
	return res, nil
}

// Write runs Detect on opt.Dir and writes mlbuild.yaml and, when the repository has none,
// .dockerignore. It refuses to replace an existing mlbuild.yaml unless opt.Force is set;
// the error (an *ExistsError) names the file. On error nothing has been written, except
// when the file system fails half way.
func Write(opt Options) (*Result, error) {
	dir := opt.Dir
	if dir == "" {
		dir = "."
	}
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("init: %s is not a directory", dir)
	}
	res, err := Detect(os.DirFS(dir), opt)
	if err != nil {
		return nil, err
	}
	specPath := filepath.Join(dir, SpecFile)
	if !opt.Force {
		if _, err := os.Lstat(specPath); err == nil {
			return nil, &ExistsError{Path: specPath}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if res.Dockerignore != nil {
		// Never replaced, even with Force: Detect saw none, so one appearing now is someone
		// else's.
		if err := writeFile(filepath.Join(dir, IgnoreFile), res.Dockerignore, false); err != nil {
			return nil, err
		}
	}
	if err := writeFile(specPath, res.Spec, opt.Force); err != nil {
		return nil, err
	}
	return res, nil
}

func writeFile(path string, data []byte, overwrite bool) error {
	flag := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if overwrite {
		flag = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &ExistsError{Path: path}
		}
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func checkFrontend(ref string) error {
	if strings.ContainsFunc(ref, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("init: frontend image %q must not contain spaces or control characters", ref)
	}
	if _, err := reference.ParseNormalizedNamed(ref); err != nil {
		return fmt.Errorf("init: frontend image %q is not an image reference: %v", ref, err)
	}
	return nil
}
