package pydeps

import (
	"fmt"
	"regexp"
	"strings"
)

// Env is a PEP 508 marker environment: the values of the marker variables on the target
// platform and Python. The kernel's platform_release and platform_version are not known for
// a build target and are empty.
type Env struct {
	OSName                       string // os_name: "posix"
	SysPlatform                  string // sys_platform: "linux"
	PlatformMachine              string // platform_machine: "x86_64", "aarch64"
	PlatformSystem               string // platform_system: "Linux"
	PlatformRelease              string // platform_release
	PlatformVersion              string // platform_version
	PythonVersion                string // python_version: "3.11"
	PythonFullVersion            string // python_full_version: "3.11.9"
	ImplementationName           string // implementation_name: "cpython"
	ImplementationVersion        string // implementation_version: "3.11.9"
	PlatformPythonImplementation string // platform_python_implementation: "CPython"
}

// systems maps GOOS to os_name, sys_platform and platform_system.
var systems = map[string][3]string{
	"linux":   {"posix", "linux", "Linux"},
	"darwin":  {"posix", "darwin", "Darwin"},
	"windows": {"nt", "win32", "Windows"},
	"freebsd": {"posix", "freebsd", "FreeBSD"},
}

// machines maps GOARCH (and GOARCH/variant) to platform_machine on Linux.
var machines = map[string]string{
	"amd64":    "x86_64",
	"arm64":    "aarch64",
	"arm":      "armv7l",
	"arm/v7":   "armv7l",
	"arm/v6":   "armv6l",
	"arm/v5":   "armv5tel",
	"386":      "i686",
	"ppc64le":  "ppc64le",
	"ppc64":    "ppc64",
	"s390x":    "s390x",
	"riscv64":  "riscv64",
	"mips64le": "mips64",
	"loong64":  "loongarch64",
}

// pythonVersionPattern takes the leading version of an image tag or version string:
// "3.10.14", "3.10", "3.11-standin", "3.13.0rc1-slim".
var pythonVersionPattern = regexp.MustCompile(`^(\d+)\.(\d+)(\.\d+)?((?:a|b|rc)\d+)?`)

// NewEnv is the marker environment of a CPython on the platform goos/goarch/variant (as
// OCI platforms spell them: "linux", "arm64", "v8"). pythonVersion is "3.10.14", "3.10" or
// a tag such as "3.11-standin"; its leading version is taken, so python_version is "3.10"
// and python_full_version the version as given ("3.10" when no patch level is known).
func NewEnv(goos, goarch, variant, pythonVersion string) (Env, error) {
	sys, ok := systems[goos]
	if !ok {
		return Env{}, fmt.Errorf("unsupported operating system %q (supported: linux, darwin, windows, freebsd)", goos)
	}
	machine, err := platformMachine(goos, goarch, variant)
	if err != nil {
		return Env{}, err
	}
	m := pythonVersionPattern.FindStringSubmatch(strings.TrimPrefix(strings.TrimSpace(pythonVersion), "v"))
	if m == nil {
		return Env{}, fmt.Errorf("python version %q does not start with MAJOR.MINOR", pythonVersion)
	}
	full := m[0]
	return Env{
		OSName: sys[0], SysPlatform: sys[1], PlatformSystem: sys[2], PlatformMachine: machine,
		PythonVersion: m[1] + "." + m[2], PythonFullVersion: full,
		ImplementationName: "cpython", ImplementationVersion: full,
		PlatformPythonImplementation: "CPython",
	}, nil
}

// platformMachine is platform.machine() for an OCI architecture: Linux's uname names, with
// macOS's "arm64" and Windows's "AMD64" and "ARM64".
func platformMachine(goos, goarch, variant string) (string, error) {
	switch {
	case goos == "darwin" && goarch == "arm64":
		return "arm64", nil
	case goos == "windows" && goarch == "amd64":
		return "AMD64", nil
	case goos == "windows" && goarch == "arm64":
		return "ARM64", nil
	case goos == "windows" && goarch == "386":
		return "x86", nil
	}
	if variant != "" {
		if m, ok := machines[goarch+"/"+variant]; ok {
			return m, nil
		}
	}
	if m, ok := machines[goarch]; ok {
		return m, nil
	}
	return "", fmt.Errorf("unsupported architecture %q", strings.TrimSuffix(goarch+"/"+variant, "/"))
}
