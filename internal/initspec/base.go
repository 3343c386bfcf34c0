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
func (r *repo) pythonBase(deps *depSource, d *declared) (base, why, python string) {
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
			return "", "", defaultPython
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
			return "", "", v
		}
		r.note("python: %s asks for %s: base %s", f, v, b)
		why := fmt.Sprintf("%s asks for Python %s.", f, v)
		if strings.Count(v, ".") == 2 {
			why = fmt.Sprintf("%s pins Python %s, which the frontend requires exactly to install %s.", f, v, deps.file)
		}
		return b, why, v
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
			return "", "", v
		}
		r.note("python: %s builds FROM python:%s: base %s", at, v, b)
		return b, fmt.Sprintf("%s builds FROM python:%s.", at, v), v
	}
	if requires == "" {
		return "", "", defaultPython
	}
	// The newest first of the supported releases after the default, then older ones.
	for _, minor := range []int{10, 11, 12, 13, 14, 9, 8} {
		v := fmt.Sprintf("3.%d", minor)
		if !pythonSatisfies(requires, v) {
			continue
		}
		b := "python:" + v + "-slim"
		if b == spec.DefaultBase {
			r.note("python: pyproject.toml's requires-python %s holds for the default base %s", requires, spec.DefaultBase)
			return "", "", v
		}
		r.note("python: pyproject.toml's requires-python %s: base %s", requires, b)
		return b, fmt.Sprintf("pyproject.toml's requires-python %s: the first Python from %s on that satisfies it.", requires, defaultPython), v
	}
	r.note("python: no python:3.X-slim image satisfies pyproject.toml's requires-python %s: set base", requires)
	return "", "", defaultPython
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
