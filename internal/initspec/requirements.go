package initspec

import (
	"fmt"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

var (
	reqNameRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*`)
	nameSepRe  = regexp.MustCompile(`[-_.]+`)
	tokenSepRe = regexp.MustCompile(`[^a-z0-9]+`)
	cudaRe     = regexp.MustCompile(`^(gpu|cuda|cu[0-9]+|rocm[0-9.]*)$`)
)

// Tokens of a requirements file name that mark it as not needed by the images.
var devTokens = map[string]bool{
	"dev": true, "devel": true, "develop": true, "development": true,
	"test": true, "tests": true, "testing": true,
	"lint": true, "linting": true, "linter": true, "linters": true,
	"doc": true, "docs": true, "documentation": true,
}

// Files that declare dependencies in a form mlbuild does not install from (it reads
// requirements files, pyproject.toml and the locks of spec.DetectOrder).
var otherManifests = []string{
	"setup.py", "setup.cfg", "requirements.in", "Pipfile", "environment.yml", "environment.yaml", "conda.yaml",
}

// dockerCopyReqRe and dockerPipReqRe find the requirements file a Dockerfile installs: copied
// to a requirements.txt ("COPY requirements_prod.txt requirements.txt") or named by pip -r.
var (
	dockerCopyReqRe = regexp.MustCompile(`(?im)^\s*(?:COPY|ADD)\s+(?:--\S+\s+)*(\S+)\s+(\S*requirements\.txt)\s*$`)
	dockerPipReqRe  = regexp.MustCompile(`(?im)^\s*RUN\s.*\bpip3?\s+install\b[^\n]*?\s(?:-r|--requirement)[\s=]+(\S+)`)
)

// dockerfileRequirements is the root requirements file other than requirements.txt that a
// Dockerfile of the repository installs, with where; "" when none does.
func (r *repo) dockerfileRequirements(variants []string) (string, string) {
	for _, df := range r.dockerfiles() {
		data, err := r.read(df, maxTextSize)
		if err != nil {
			continue
		}
		text := string(data)
		var cands [][]int
		cands = append(cands, dockerCopyReqRe.FindAllStringSubmatchIndex(text, -1)...)
		cands = append(cands, dockerPipReqRe.FindAllStringSubmatchIndex(text, -1)...)
		for _, m := range cands {
			src := strings.TrimPrefix(text[m[2]:m[3]], "./")
			if src == "requirements.txt" || devLike(src) || !slices.Contains(variants, src) || !r.inContext(src, false) {
				continue
			}
			return src, fmt.Sprintf("%s:%d", df, strings.Count(text[:m[0]], "\n")+1)
		}
	}
	return "", ""
}

// requirements picks the requirements files and returns them with a comment for the spec
// (empty when the list is the default one).
func (r *repo) requirements() (files []string, why string) {
	variants := r.requirementVariants()
	var used, dev []string
	for _, v := range variants {
		if devLike(v) {
			dev = append(dev, v)
		} else {
			used = append(used, v)
		}
	}
	sub := r.folderRequirements()
	dockerReq, dockerAt := r.dockerfileRequirements(variants)
	switch {
	case dockerReq != "":
		// The repository's own Dockerfile installs another file (COPY requirements_prod.txt
		// requirements.txt): what the image needs, the others being for development.
		files = []string{dockerReq}
		why = fmt.Sprintf("%s installs %s.", dockerAt, dockerReq)
		r.note("requirements: %s installs %s: used", dockerAt, dockerReq)
		if r.isFile("requirements.txt") {
			used = slices.DeleteFunc(used, func(v string) bool { return v == dockerReq })
			r.note("requirements: requirements.txt is not installed: the Dockerfile does not install it; list it under requirements if the images need it")
		}
	case r.inContext("requirements.txt", false):
		files = []string{"requirements.txt"}
		r.note("requirements: requirements.txt")
	case len(used) == 0 && len(sub) > 0:
		// A service and a training folder, each with its own requirements.txt: the images
		// share one dependency step, so both install both.
		files = sub
		why = "No requirements file at the root: those of the folders the code is in."
		r.note("requirements: none at the root; installing those of the code's folders: %s", list(sub))
	case len(used) > 0:
		cpu, gpu := hardwareVariants(used)
		if len(cpu) > 0 && len(gpu) > 0 {
			used = slices.DeleteFunc(used, func(v string) bool { return slices.Contains(gpu, v) })
		}
		files = used
		why = "No requirements.txt: the requirements files the images need"
		if len(dev) > 0 {
			why += " (not " + strings.Join(dev, ", ") + ")"
		}
		why += "."
		r.note("requirements: no requirements.txt; installing %s%s", list(used), skipped(dev))
		if len(cpu) > 0 && len(gpu) > 0 {
			r.note("requirements: %s %s hardware %s of %s: switch to %s for GPU images",
				list(gpu), plural(len(gpu), "is a", "are"), plural(len(gpu), "variant", "variants"), list(cpu), plural(len(gpu), "it", "them"))
		}
	default:
		files = []string{}
		var found []string
		for _, m := range otherManifests {
			if r.isFile(m) {
				found = append(found, m)
			}
		}
		switch {
		case len(found) > 0:
			why = fmt.Sprintf("No dependency file mlbuild reads, only %s.", list(found))
			r.note("requirements: none; %s declares the dependencies, in a form mlbuild does not read (it installs "+
				"requirements files, pyproject.toml, pylock.toml, uv.lock or poetry.lock): set requirements: []; write them to "+
				"requirements.txt (e.g. pip-compile) or a pyproject.toml and remove that line", list(found))
		case len(dev) > 0:
			why = fmt.Sprintf("Only development requirements (%s): nothing to install in the images.", strings.Join(dev, ", "))
			r.note("requirements: none for the images (skipped %s): set requirements: [], so the images get only what the base image ships", list(dev))
		default:
			why = "No requirements file: the images get only what the base image ships."
			r.note("requirements: no requirements file found: set requirements: [] (pip is skipped)")
		}
		r.reqKnown = false
		return files, why
	}
	files, includes := r.followIncludes(files)
	if files[0] == "requirements.txt" {
		unused := slices.DeleteFunc(slices.Clone(used), func(v string) bool { return slices.Contains(files, v) })
		if len(unused) > 0 {
			r.note("requirements: also found %s: not installed; list %s under requirements if the images need %s",
				list(unused), plural(len(unused), "it", "them"), plural(len(unused), "it", "them"))
		}
	}
	if len(includes) > 0 {
		inc := fmt.Sprintf("%s %s through -r: the pip step sees only the listed files.", list(includes), plural(len(includes), "is included", "are included"))
		if why == "" {
			why = inc
		} else {
			why += " " + inc
		}
	}
	if slices.Equal(files, []string{"requirements.txt"}) {
		why = ""
	}
	return files, why
}

// folderRequirements are the requirements.txt files of the top-level folders (a service's,
// a training folder's), in the build context.
func (r *repo) folderRequirements() []string {
	var out []string
	ents, _ := fs.ReadDir(r.fsys, ".")
	for _, e := range ents {
		if p := e.Name() + "/requirements.txt"; e.IsDir() && !strings.HasPrefix(e.Name(), ".") && r.inContext(p, false) {
			out = append(out, p)
		}
	}
	return out
}

func skipped(dev []string) string {
	if len(dev) == 0 {
		return ""
	}
	return " (skipped " + list(dev) + ")"
}

// requirementVariants lists requirements*.txt at the root and requirements/*.txt, other
// than requirements.txt, in the build context.
func (r *repo) requirementVariants() []string {
	var out []string
	for _, e := range r.topEntries() {
		n := e.Name()
		if n != "requirements.txt" && strings.HasPrefix(n, "requirements") && strings.HasSuffix(n, ".txt") {
			if !safeNameRe.MatchString(n) {
				r.note("skipped the requirements file %q: its name has unusual characters", n)
			} else if r.inContext(n, false) {
				out = append(out, n)
			}
		}
	}
	if r.isDir("requirements") {
		ents, _ := fs.ReadDir(r.fsys, "requirements")
		for _, e := range ents {
			n := e.Name()
			if !strings.HasSuffix(n, ".txt") {
				continue
			}
			if !safeNameRe.MatchString(n) {
				r.note("skipped the requirements file %q: its name has unusual characters", "requirements/"+n)
			} else if r.inContext("requirements/"+n, false) {
				out = append(out, "requirements/"+n)
			}
		}
	}
	return out
}

func nameTokens(p string) []string {
	base := strings.ToLower(strings.TrimSuffix(p, ".txt"))
	var out []string
	for _, t := range tokenSepRe.Split(base, -1) {
		if t != "" && t != "requirements" && t != "requirement" && t != "reqs" {
			out = append(out, t)
		}
	}
	return out
}

func devLike(p string) bool {
	return slices.ContainsFunc(nameTokens(p), func(t string) bool { return devTokens[t] })
}

// hardwareVariants splits files named for CPU and for GPU builds.
func hardwareVariants(files []string) (cpu, gpu []string) {
	for _, f := range files {
		toks := nameTokens(f)
		switch {
		case slices.Contains(toks, "cpu"):
			cpu = append(cpu, f)
		case slices.ContainsFunc(toks, cudaRe.MatchString):
			gpu = append(gpu, f)
		}
	}
	return cpu, gpu
}

// followIncludes reads the requirements files, records the packages they name, and adds
// the files they include with -r: the pip step mounts only the listed files, so an
// included file that is not listed is missing there. Lines the pip step cannot satisfy
// (constraints files, local paths) are noted.
func (r *repo) followIncludes(files []string) (out, added []string) {
	out = slices.Clone(files)
	r.reqKnown = true
	for i := 0; i < len(out); i++ {
		f := out[i]
		raw, err := r.read(f, maxTextSize)
		if err != nil {
			r.reqKnown = false
			r.note("cannot read %s: %v", f, err)
			continue
		}
		data, enc, err := decodeText(raw)
		if err != nil {
			r.reqKnown = false
			r.note("%s: %v: pip cannot read it either; save it as UTF-8", f, err)
			continue
		}
		if enc != "" {
			r.note("requirements: %s is %s (a Windows pip freeze?): pip reads it as init did; UTF-8 is safer for other tools", f, enc)
		}
		for _, rl := range reqLines(data) {
			kind, arg := parseReqLine(rl.text)
			where := fmt.Sprintf("%s:%d", f, rl.n)
			switch kind {
			case "pkg":
				r.reqPkgs[normalizePkg(arg)] = true
				r.checkPlatform(where, arg, rl.text)
			case "r", "c":
				if strings.Contains(arg, "://") {
					r.reqKnown = false
					continue
				}
				p, ok := cleanRel(path.Join(path.Dir(f), arg))
				if !ok || path.IsAbs(arg) {
					r.reqKnown = false
					r.note("%s: %s is outside the build context, so the pip step cannot read it", where, arg)
					continue
				}
				if !r.inContext(p, false) {
					r.reqKnown = false
					r.note("%s: %s does not exist", where, p)
					continue
				}
				if kind == "c" {
					r.note("%s: the constraints file %s (-c) is not visible to the pip step, which mounts only the "+
						"files listed under requirements: pin the versions in the requirements files instead", where, p)
					continue
				}
				if !slices.Contains(out, p) {
					if len(out) >= maxReqFiles {
						r.reqKnown = false
						continue
					}
					out = append(out, p)
					added = append(added, p)
					r.note("requirements: %s includes %s (-r), which is listed too: the pip step sees only the listed files", f, p)
				}
			case "local":
				r.note("%s: installs the local path %s, which the pip step cannot see (it mounts only the "+
					"requirements files): remove the line, or install a built wheel from an index", where, arg)
			}
		}
	}
	return out, added
}

type reqLine struct {
	n    int // number of the first line
	text string
}

// reqLines returns the logical lines of a requirements file, continuations joined.
func reqLines(data string) []reqLine {
	var out []reqLine
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		start, l := i+1, strings.TrimRight(lines[i], "\r")
		for strings.HasSuffix(l, `\`) && i+1 < len(lines) {
			i++
			l = strings.TrimSuffix(l, `\`) + " " + strings.TrimRight(lines[i], "\r")
		}
		out = append(out, reqLine{start, l})
	}
	return out
}

// parseReqLine classifies one requirements line: "pkg" (arg: the project name), "r" or "c"
// (arg: the included file), "local" (arg: the path), or "" for anything else.
func parseReqLine(l string) (kind, arg string) {
	if strings.HasPrefix(strings.TrimSpace(l), "#") {
		return "", ""
	}
	if i := strings.Index(l, " #"); i >= 0 {
		l = l[:i]
	}
	if i := strings.Index(l, "\t#"); i >= 0 {
		l = l[:i]
	}
	fields := strings.Fields(l)
	if len(fields) == 0 {
		return "", ""
	}
	opt, val := fields[0], ""
	if k := strings.IndexByte(opt, '='); strings.HasPrefix(opt, "--") && k > 0 {
		opt, val = opt[:k], opt[k+1:]
	} else if len(fields) > 1 {
		val = fields[1]
	}
	switch {
	case opt == "-r" || opt == "--requirement":
		return "r", val
	case opt == "-c" || opt == "--constraint":
		return "c", val
	case strings.HasPrefix(opt, "-r") && len(opt) > 2 && !strings.HasPrefix(opt, "--"):
		return "r", opt[2:]
	case strings.HasPrefix(opt, "-c") && len(opt) > 2 && !strings.HasPrefix(opt, "--"):
		return "c", opt[2:]
	case opt == "-e" || opt == "--editable":
		if isLocalPath(val) {
			return "local", val
		}
		return "", ""
	case strings.HasPrefix(opt, "-"):
		return "", ""
	case isLocalPath(opt):
		return "local", opt
	}
	if m := reqNameRe.FindString(opt); m != "" && !strings.Contains(opt, "://") {
		return "pkg", m
	}
	return "", ""
}

func isLocalPath(s string) bool {
	return s == "." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || strings.HasPrefix(s, "/") ||
		strings.HasPrefix(s, "file:") || strings.HasPrefix(s, ".[")
}

// decodeText decodes a requirements file as pip does (spec.DecodeText).
func decodeText(data []byte) (text, enc string, err error) { return spec.DecodeText(data) }

// Packages that install on one operating system only: pip fails on them in a Linux image,
// unless an environment marker skips them there.
var platformOnly = map[string]string{
	"pywin32": "Windows", "pypiwin32": "Windows", "pywinpty": "Windows", "pywin32-ctypes": "Windows",
	"wmi": "Windows", "comtypes": "Windows", "winshell": "Windows", "windows-curses": "Windows",
	"pyreadline": "Windows", "pyreadline3": "Windows", "win32-setctime": "Windows", "winkerberos": "Windows",
	"pythonwin": "Windows", "win-unicode-console": "Windows", "pyobjc": "macOS", "pyobjc-core": "macOS",
	"appnope": "macOS", "tensorflow-macos": "macOS", "tensorflow-metal": "macOS", "mlx": "macOS",
}

// checkPlatform notes a requirement pip cannot install in a Linux image: a package for
// another operating system without a marker, or a file on the machine that froze it.
func (r *repo) checkPlatform(where, name, line string) {
	_, marker, hasMarker := strings.Cut(line, ";")
	if osName, ok := platformOnly[normalizePkg(name)]; ok && (!hasMarker || !strings.Contains(marker, "platform")) {
		platform := map[string]string{"Windows": "win32", "macOS": "darwin"}[osName]
		r.note("%s: %s installs on %s only, so pip fails on it in the Linux images: remove it, or add a marker (%s ; sys_platform == %q)",
			where, name, osName, name, platform)
		return
	}
	if _, url, ok := strings.Cut(line, "@"); ok && strings.HasPrefix(strings.TrimSpace(url), "file:") {
		r.note("%s: %s comes from a file on the machine that froze the list (%s), which the build cannot see: pin a version instead",
			where, name, strings.Fields(strings.TrimSpace(url))[0])
	}
}

func normalizePkg(name string) string {
	return nameSepRe.ReplaceAllString(strings.ToLower(name), "-")
}
