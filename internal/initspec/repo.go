package initspec

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Bounds of the scan, so init stays quick on a large repository.
const (
	maxPyFiles   = 2000
	maxPyDepth   = 6 // directory levels below a code directory
	maxPySize    = 512 << 10
	maxTextSize  = 1 << 20 // requirements and ignore files
	maxReqFiles  = 32      // requirements files followed through -r
	maxTopModule = 40      // top-level modules copied one by one in a flat layout
)

var (
	identRe    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	secretRe   = regexp.MustCompile(`(?i)password|passwd|secret|token|api[_-]?key|private[_-]?key|credential`)
	safeNameRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.+@-]*$`)
)

// Directories that never hold the code of the images.
var notCodeDirs = map[string]bool{
	"tests": true, "test": true, "testing": true, "docs": true, "doc": true, "examples": true,
	"example": true, "benchmarks": true, "benchmark": true, "notebooks": true, "build": true,
	"dist": true, "site-packages": true, "node_modules": true, "venv": true, "env": true,
	"__pycache__": true, "configs": true, "config": true, "models": true,
	"scripts": true, "mlruns": true,
}

// Top-level modules that are tooling, not application code.
var notCodeModules = map[string]bool{
	"setup.py": true, "conftest.py": true, "noxfile.py": true, "fabfile.py": true,
	"tasks.py": true, "dodo.py": true,
}

// repo is one repository being looked at.
type repo struct {
	fsys  fs.FS
	notes []string

	ignore     *patternmatcher.PatternMatcher // the effective ignore file; nil if none
	ignoreName string                         // its name, when it exists
	excludedOK map[string]bool                // exclusions already noted

	py        map[string]*pyFile // parsed Python files by path
	scanned   []string           // paths of the Python files scanned for apps, in walk order
	truncated bool
	srcNames  map[string]bool // importable names directly under src/, when src/ has no __init__.py

	reqPkgs  map[string]bool // normalized names of the required packages
	reqKnown bool            // every requirements file could be read

	cands    []*appCand        // the app candidates found
	testText map[string]string // the test files, by path (read once)

	downloadsData bool // training downloads its data into data/ when it runs
}

func newRepo(fsys fs.FS) *repo {
	r := &repo{fsys: fsys, py: map[string]*pyFile{}, excludedOK: map[string]bool{}, reqPkgs: map[string]bool{}}
	r.loadIgnore()
	return r
}

func (r *repo) note(format string, args ...any) {
	r.notes = append(r.notes, sanitize(fmt.Sprintf(format, args...)))
}

func (r *repo) stat(p string) fs.FileInfo {
	fi, err := fs.Stat(r.fsys, p)
	if err != nil {
		return nil
	}
	return fi
}

// exists reports whether p exists in the repository, whatever the ignore file says.
func (r *repo) exists(p string) bool { return r.stat(p) != nil }

func (r *repo) isDir(p string) bool {
	fi := r.stat(p)
	return fi != nil && fi.IsDir()
}

func (r *repo) isFile(p string) bool {
	fi := r.stat(p)
	return fi != nil && fi.Mode().IsRegular()
}

// excluded reports whether the repository's ignore file keeps p out of the build context.
func (r *repo) excluded(p string) bool {
	if r.ignore == nil {
		return false
	}
	m, err := r.ignore.MatchesOrParentMatches(p)
	return err == nil && m
}

// inContext reports whether p exists (as a directory when dir is set, a regular file
// otherwise) and the ignore file lets it into the build context. An exclusion is noted.
func (r *repo) inContext(p string, dir bool) bool {
	if dir && !r.isDir(p) || !dir && !r.isFile(p) {
		return false
	}
	if r.excluded(p) {
		if !r.excludedOK[p] {
			r.excludedOK[p] = true
			r.note("%s exists but %s excludes it from the build context: treated as absent", show(p, dir), r.ignoreName)
		}
		return false
	}
	return true
}

func show(p string, dir bool) string {
	if dir {
		return p + "/"
	}
	return p
}

func (r *repo) read(p string, limit int64) ([]byte, error) {
	f, err := r.fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", p, limit)
	}
	return data, nil
}

// loadIgnore reads the ignore file BuildKit will use: mlbuild.yaml.dockerignore wins over
// .dockerignore.
func (r *repo) loadIgnore() {
	for _, name := range []string{SpecFile + ".dockerignore", IgnoreFile} {
		if !r.exists(name) {
			continue
		}
		r.ignoreName = name
		if name != IgnoreFile && r.exists(IgnoreFile) {
			r.note("%s exists, so BuildKit uses it instead of %s", name, IgnoreFile)
		}
		data, err := r.read(name, maxTextSize)
		if err != nil {
			r.note("cannot read %s: %v", name, err)
			return
		}
		patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
		if err == nil {
			r.ignore, err = patternmatcher.New(patterns)
		}
		if err != nil {
			r.ignore = nil
			r.note("cannot parse %s: %v", name, err)
		}
		return
	}
}

// topEntries lists the repository root, sorted by name.
func (r *repo) topEntries() []fs.DirEntry {
	ents, _ := fs.ReadDir(r.fsys, ".")
	return ents
}

// walkPy collects the Python files under dir (at most maxPyDepth levels down), skipping
// hidden, cache, virtualenv and test directories and test modules.
func (r *repo) walkPy(dir string) {
	fs.WalkDir(r.fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: skip it
		}
		if len(r.scanned) >= maxPyFiles {
			r.truncated = true
			return fs.SkipAll
		}
		name := d.Name()
		if d.IsDir() {
			if p == dir {
				return nil
			}
			if strings.HasPrefix(name, ".") || name == "__pycache__" || name == "node_modules" ||
				name == "site-packages" || name == "tests" || name == "test" || name == "testing" || name == "testdata" ||
				name == "fixtures" || name == "examples" || name == "docs" || name == "notebooks" ||
				strings.Count(strings.TrimPrefix(p, dir+"/"), "/") >= maxPyDepth || r.isFile(p+"/pyvenv.cfg") {
				return fs.SkipDir
			}
			return nil
		}
		if isPyModule(name) && d.Type().IsRegular() && !r.excluded(p) {
			r.scanned = append(r.scanned, p)
		}
		return nil
	})
}

// isPyModule reports whether name is a .py file that is not a test module.
func isPyModule(name string) bool {
	return strings.HasSuffix(name, ".py") && !strings.HasPrefix(name, "test_") &&
		!strings.HasSuffix(name, "_test.py") && name != "conftest.py"
}

// file returns the parsed Python file at p, or nil if it cannot be read or is too large.
func (r *repo) file(p string) *pyFile {
	if f, ok := r.py[p]; ok {
		return f
	}
	var f *pyFile
	if data, err := r.read(p, maxPySize); err == nil {
		f = parsePy(p, string(data))
	}
	r.py[p] = f
	return f
}

// module returns the import path of the Python file p for the image, where the repository
// is copied to the working directory (/app, on PYTHONPATH). root is "src" when src/ is a
// source root instead (the code imports the packages under src/ by their own names); the
// target then needs /app/src on its PYTHONPATH.
func (r *repo) module(p string) (mod, root string, ok bool) {
	rel := p
	if strings.HasPrefix(p, "src/") && r.srcRooted(p) {
		root, rel = "src", strings.TrimPrefix(p, "src/")
	} else if dir, rest, ok := strings.Cut(p, "/"); ok && dir != "src" && !strings.Contains(rest, "/") && r.flatRooted(dir) {
		root, rel = dir, rest
	}
	parts := strings.Split(strings.TrimSuffix(rel, ".py"), "/")
	if n := len(parts); parts[n-1] == "__init__" || parts[n-1] == "__main__" {
		parts = parts[:n-1]
	}
	if len(parts) == 0 {
		return "", "", false
	}
	for _, part := range parts {
		if !identRe.MatchString(part) || pyKeywords[part] {
			return "", "", false
		}
	}
	return strings.Join(parts, "."), root, true
}

// srcRooted reports whether the code of p (under src/) imports the modules under src/ by
// their own names ("from service.model import ..."), as in the src layout of an installable
// package. That needs /app/src on PYTHONPATH; "src.service.main" would fail to import.
func (r *repo) srcRooted(p string) bool {
	if r.isFile("src/__init__.py") {
		return false
	}
	if r.srcNames == nil {
		r.srcNames = map[string]bool{}
		ents, _ := fs.ReadDir(r.fsys, "src")
		for _, e := range ents {
			name := strings.TrimSuffix(e.Name(), ".py")
			if identRe.MatchString(name) && name != "src" && (e.IsDir() || strings.HasSuffix(e.Name(), ".py")) {
				r.srcNames[name] = true
			}
		}
	}
	group := []string{p}
	if rest := strings.TrimPrefix(p, "src/"); strings.Contains(rest, "/") {
		pkg := "src/" + rest[:strings.Index(rest, "/")] + "/"
		for _, q := range r.scanned {
			if strings.HasPrefix(q, pkg) && q != p {
				group = append(group, q)
			}
		}
	}
	for _, q := range group {
		if f := r.file(q); f != nil {
			for name := range f.imports {
				if r.srcNames[name] {
					return true
				}
			}
		}
	}
	return false
}

// flatRooted reports whether dir, a top-level folder without __init__.py, holds modules that
// import each other by their own names ("from predictor import Predictor" in
// serving/main.py): run from that folder (cd serving; uvicorn main:app), they need it on
// PYTHONPATH, and "serving.main" would not import.
func (r *repo) flatRooted(dir string) bool {
	if r.isFile(dir + "/__init__.py") {
		return false
	}
	ents, _ := fs.ReadDir(r.fsys, dir)
	names := map[string]bool{}
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".py"); ok && identRe.MatchString(n) {
			names[n] = true
		}
	}
	for n := range names {
		f := r.file(dir + "/" + n + ".py")
		if f == nil {
			continue
		}
		for imp := range f.imports {
			if names[imp] && imp != n && !r.isFile(imp+".py") && !r.isDir(imp) {
				return true
			}
		}
	}
	return false
}

// sanitize keeps a note or comment on one printable line.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

// list joins names for a note: "a", "a and b", "a, b and c".
func list(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// cleanRel cleans a path relative to the repository root; ok is false for paths that leave it.
func cleanRel(p string) (string, bool) {
	if path.IsAbs(p) {
		return "", false
	}
	c := path.Clean(p)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", false
	}
	return c, true
}
