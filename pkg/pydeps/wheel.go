package pydeps

import (
	"strconv"
	"strings"
)

// wheelFits reports whether an artifact could be installed on env: an sdist, a file whose
// name the lock does not give, or a wheel whose tags (PEP 425) include one that env
// accepts. Where a name cannot be read it answers yes: it only decides whether to report
// that a package has nothing for env.
func wheelFits(file string, env Env) bool {
	if !strings.HasSuffix(strings.ToLower(file), ".whl") {
		return true
	}
	if i := strings.LastIndexByte(file, '/'); i >= 0 {
		file = file[i+1:]
	}
	parts := strings.Split(file[:len(file)-len(".whl")], "-")
	if len(parts) != 5 && len(parts) != 6 {
		return true
	}
	py, abi, plat := parts[len(parts)-3], parts[len(parts)-2], parts[len(parts)-1]
	return anyTag(py, func(t string) bool { return pythonTagFits(t, abi, env) }) &&
		anyTag(plat, func(t string) bool { return platformTagFits(t, env) })
}

// anyTag applies fits to each tag of a compressed tag set ("py2.py3").
func anyTag(set string, fits func(string) bool) bool {
	for _, t := range strings.Split(set, ".") {
		if fits(t) {
			return true
		}
	}
	return false
}

// pythonTagFits decides a python tag for CPython env: "py3", "py3X" for X up to env's,
// "cp3X" for env's exactly, or up to env's with the stable ABI (abi3).
func pythonTagFits(tag, abi string, env Env) bool {
	major, minor, ok := pythonMajorMinor(env.PythonVersion)
	if !ok {
		return true
	}
	impl, digits := tag, ""
	for i := 0; i < len(tag); i++ {
		if tag[i] >= '0' && tag[i] <= '9' {
			impl, digits = tag[:i], tag[i:]
			break
		}
	}
	if otherPythons[impl] {
		return false
	}
	if digits == "" || int(digits[0]-'0') != major {
		return impl != "py" && impl != "cp" // unknown tags are given the benefit of the doubt
	}
	tagMinor := -1
	if len(digits) > 1 {
		tagMinor, _ = strconv.Atoi(digits[1:])
	}
	switch impl {
	case "py":
		return tagMinor <= minor
	case "cp":
		if strings.HasSuffix(abi, "t") && strings.HasPrefix(abi, "cp") {
			return false // free-threaded builds
		}
		if strings.Contains(abi, "abi3") {
			return tagMinor <= minor
		}
		return tagMinor == minor
	}
	return true
}

// otherPythons are the python tags of implementations other than CPython.
var otherPythons = map[string]bool{"pp": true, "ip": true, "jy": true, "graalpy": true}

func pythonMajorMinor(v string) (int, int, bool) {
	ma, mi, ok := strings.Cut(v, ".")
	major, err1 := strconv.Atoi(ma)
	minor, err2 := strconv.Atoi(mi)
	return major, minor, ok && err1 == nil && err2 == nil && major >= 0 && major < 10
}

// platformTagFits decides a platform tag for env's operating system and machine.
func platformTagFits(tag string, env Env) bool {
	m := env.PlatformMachine
	if tag == "any" || m == "" {
		return true
	}
	switch env.SysPlatform {
	case "linux":
		return (strings.HasPrefix(tag, "manylinux") || strings.HasPrefix(tag, "musllinux") || strings.HasPrefix(tag, "linux_")) &&
			strings.HasSuffix(tag, "_"+m)
	case "darwin":
		return strings.HasPrefix(tag, "macosx_") &&
			(strings.HasSuffix(tag, "_"+m) || strings.Contains(tag, "universal") || (m == "x86_64" && (strings.HasSuffix(tag, "_intel") || strings.Contains(tag, "_fat"))))
	case "win32":
		return map[string]string{"AMD64": "win_amd64", "x86": "win32", "ARM64": "win_arm64"}[m] == tag
	}
	return true
}

// ChooseWheel is the index in files (wheel file names) of the wheel pip would install on
// an interpreter that supports tags, given best first as pip lists them (pip's
// compatibility_tags.get_supported(), or packaging's sys_tags():
// "cp310-cp310-manylinux_2_36_x86_64"): the one whose best tag comes first in that list,
// then the higher build number, then the first. ok is false when none of them fits: pip
// would then take the sdist, or fail.
func ChooseWheel(files []string, tags []string) (_ int, ok bool) {
	rank := make(map[string]int, len(tags))
	for i, t := range tags {
		if _, seen := rank[t]; !seen {
			rank[t] = i
		}
	}
	best, bestRank, bestBuild := -1, 0, 0
	for i, f := range files {
		r, build, fits := wheelRank(f, rank)
		if !fits {
			continue
		}
		if best < 0 || r < bestRank || (r == bestRank && build > bestBuild) {
			best, bestRank, bestBuild = i, r, build
		}
	}
	return best, best >= 0
}

// wheelRank is the best rank among the tags of a wheel's file name (the product of its
// compressed tag sets) and its build number (0 without one); fits is false when its name
// cannot be read or none of its tags is ranked.
func wheelRank(file string, rank map[string]int) (best, build int, fits bool) {
	if !strings.HasSuffix(strings.ToLower(file), ".whl") {
		return 0, 0, false
	}
	parts := strings.Split(file[:len(file)-len(".whl")], "-")
	if len(parts) != 5 && len(parts) != 6 {
		return 0, 0, false
	}
	if len(parts) == 6 {
		digits := parts[2]
		for i, c := range digits {
			if c < '0' || c > '9' {
				digits = digits[:i]
				break
			}
		}
		build, _ = strconv.Atoi(digits)
	}
	n := len(parts)
	for _, py := range strings.Split(parts[n-3], ".") {
		for _, abi := range strings.Split(parts[n-2], ".") {
			for _, plat := range strings.Split(parts[n-1], ".") {
				if r, ok := rank[py+"-"+abi+"-"+plat]; ok && (!fits || r < best) {
					best, fits = r, true
				}
			}
		}
	}
	return best, build, fits
}
