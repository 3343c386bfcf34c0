package initspec

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/pydeps"
	"github.com/mlbuild/mlbuild/pkg/spec"
)

var pyVersionRe = regexp.MustCompile(`^(?:cpython-|python-?)?3\.([0-9]+)(\.[0-9]+)?`)

// defaultPython is the Python version of spec.DefaultBase.
const defaultPython = "3.10"

// pythonBase reads the Python version the repository asks for (.python-version, runtime.txt,
// a Dockerfile's FROM python:3.X, pyproject.toml's requires-python) and returns a python slim
// base that has it, when it is not the default one, with the Python version the images get.
// The lock's pins come first: a base whose Python the lock cannot install on (its
// requires-python, or a package with wheels only for newer Pythons and no sdist) is replaced
// by the lowest python:3.X-slim it installs on, noting the conflict.
func (r *repo) pythonBase(deps *depSource, d *declared) (base, why, python string) {
	base, why, python, from := r.declaredPython(deps, d)
	evidence := deps.refuses(python)
	if evidence == "" {
		return base, why, python
	}
	for _, v := range pythonOrder {
		if strings.HasPrefix(python+".", v+".") || deps.refuses(v) != "" {
			continue
		}
		b := "python:" + v + "-slim"
		switch {
		case from == ".python-version":
			r.note("python: .python-version asks for %s, but %s cannot install on it (%s): base %s; change .python-version to %s too, or builds refuse the base", python, deps.file, evidence, b, v)
		case from != "":
			r.note("python: %s asks for %s, but %s cannot install on it (%s): base %s, the lowest Python the lock installs on", from, python, deps.file, evidence, b)
		default:
			r.note("python: %s cannot install on Python %s (%s): base %s, the lowest Python the lock installs on", deps.file, python, evidence, b)
		}
		why := fmt.Sprintf("%s cannot install on Python %s (%s): the lowest Python it installs on.", deps.file, python, evidence)
		if from != "" {
			why = fmt.Sprintf("%s asks for Python %s, but %s cannot install on it (%s): the lowest Python it installs on.", from, python, deps.file, evidence)
		}
		if b == spec.DefaultBase {
			return "", "", v
		}
		return b, why, v
	}
	// No Python helps: not a matter of the base (a package without a hash or a Linux wheel);
	// the dependencies' note says why builds fail.
	return base, why, python
}

// pythonOrder are the Pythons of the python:3.X-slim images init picks from: the default
// first, then newer ones, then older ones.
var pythonOrder = []string{"3.10", "3.11", "3.12", "3.13", "3.14", "3.9", "3.8"}

// refuses is why the lock cannot be installed on Python v ("3.11", or "3.11.4") for
// linux/amd64, "" when it can (or there is no lock to ask): the lock's requires-python, or a
// pinned package with no sdist and no wheel for that Python, located in the lock.
func (d *depSource) refuses(v string) string {
	if d == nil || d.lock == nil || d.broken {
		return ""
	}
	if strings.Count(v, ".") == 1 {
		v += ".99" // the newest release of the line, which python:3.X-slim follows
	}
	env, err := pydeps.NewEnv("linux", "amd64", "", v)
	if err != nil {
		return ""
	}
	if _, err := d.lock.Pins(env, pydeps.Selection{}); err != nil {
		msg := oneLine(err)
		// The first clause names the package or the constraint; the rest lists wheels.
		if i := strings.Index(msg, "; "); i > 0 {
			msg = msg[:i]
		}
		return msg
	}
	return ""
}

// declaredPython is pythonBase before the lock is asked, with what decided the version:
// ".python-version", "runtime.txt", a Dockerfile's line, or "" (the default or requires-python).
func (r *repo) declaredPython(deps *depSource, d *declared) (base, why, python, from string) {
	requires := ""
	if pr := r.pyproject(deps); pr != nil {
		requires = pr.RequiresPython
	}
	for _, f := range []string{".python-version", "runtime.txt"} {
		data, err := r.read(f, 4096)
		if err != nil {
			continue
		}
		line := strings.TrimSpace(strings.SplitN(strings.TrimPrefix(string(data), "\ufeff"), "\n", 2)[0])
		m := pyVersionRe.FindStringSubmatch(strings.ToLower(line))
		if m == nil {
			r.note("python: cannot read a CPython 3 version from %s (%q): the base stays %s", f, line, spec.DefaultBase)
			return "", "", defaultPython, ""
		}
		v := "3." + m[1]
		if f == ".python-version" && deps != nil && m[2] != "" {
			// The frontend installs a lock or a pyproject.toml only on the Python
			// .python-version pins: a patch level needs that exact image.
			v += m[2]
		}
		if requires != "" && !pythonSatisfies(requires, v) {
			r.note("python: %s asks for %s, but pyproject.toml's requires-python %s excludes it: builds refuse one of the two, fix them", f, v, requires)
		}
		for i, dv := range d.pyVers {
			if !strings.HasPrefix(v+".", dv+".") {
				r.note("python: %s builds FROM python:%s, but %s asks for %s: using %s", d.python[i], dv, f, v, f)
				break
			}
		}
		b := "python:" + v + "-slim"
		if b == spec.DefaultBase {
			r.note("python: %s asks for %s, the default base %s", f, v, spec.DefaultBase)
			return "", "", v, f
		}
		r.note("python: %s asks for %s: base %s", f, v, b)
		why := fmt.Sprintf("%s asks for Python %s.", f, v)
		if strings.Count(v, ".") == 2 {
			why = fmt.Sprintf("%s pins Python %s, which the frontend requires exactly to install %s.", f, v, deps.file)
		}
		return b, why, v, f
	}
	for i, v := range d.pyVers {
		at := d.python[i]
		if requires != "" && !pythonSatisfies(requires, v) {
			r.note("python: %s builds FROM python:%s, which pyproject.toml's requires-python %s excludes: ignored", at, v, requires)
			continue
		}
		b := "python:" + v + "-slim"
		if b == spec.DefaultBase {
			r.note("python: %s builds FROM python:%s, the default base's Python", at, v)
			return "", "", v, at.String()
		}
		r.note("python: %s builds FROM python:%s: base %s", at, v, b)
		return b, fmt.Sprintf("%s builds FROM python:%s.", at, v), v, at.String()
	}
	if requires == "" {
		return "", "", defaultPython, ""
	}
	// The newest first of the supported releases after the default, then older ones.
	for _, v := range pythonOrder {
		if !pythonSatisfies(requires, v) {
			continue
		}
		b := "python:" + v + "-slim"
		if b == spec.DefaultBase {
			r.note("python: pyproject.toml's requires-python %s holds for the default base %s", requires, spec.DefaultBase)
			return "", "", v, ""
		}
		r.note("python: pyproject.toml's requires-python %s: base %s", requires, b)
		return b, fmt.Sprintf("pyproject.toml's requires-python %s: the first Python from %s on that satisfies it.", requires, defaultPython), v, ""
	}
	r.note("python: no python:3.X-slim image satisfies pyproject.toml's requires-python %s: set base", requires)
	return "", "", defaultPython, ""
}

// pythonSatisfies reports whether the Python v ("3.12", or "3.12.4") satisfies the PEP 440
// specifier set requires. A floating "3.12" stands for the newest 3.12 release, which the
// python:3.12-slim image follows.
func pythonSatisfies(requires, v string) bool {
	if strings.Count(v, ".") == 1 {
		v += ".99"
	}
	ok, err := pydeps.MatchSpecifier(requires, v)
	return err != nil || ok
}

// pyproject is the parsed pyproject.toml of the repository's root, nil when there is none or
// it does not parse (deps has it already when it is the dependency source).
func (r *repo) pyproject(deps *depSource) *pydeps.Project {
	if deps != nil && deps.project != nil {
		return deps.project
	}
	if !r.inContext("pyproject.toml", false) {
		return nil
	}
	data, err := r.read("pyproject.toml", maxTextSize)
	if err != nil {
		return nil
	}
	pr, err := pydeps.ParsePyproject("pyproject.toml", data)
	if err != nil {
		return nil
	}
	return pr
}
