package pydeps

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewEnv(t *testing.T) {
	tests := []struct {
		goos, goarch, variant, python string
		want                          Env
	}{{
		"linux", "amd64", "", "3.10.14",
		Env{OSName: "posix", SysPlatform: "linux", PlatformSystem: "Linux", PlatformMachine: "x86_64", PythonVersion: "3.10", PythonFullVersion: "3.10.14",
			ImplementationName: "cpython", ImplementationVersion: "3.10.14", PlatformPythonImplementation: "CPython"},
	}, {
		"linux", "arm64", "v8", "3.10",
		Env{OSName: "posix", SysPlatform: "linux", PlatformSystem: "Linux", PlatformMachine: "aarch64", PythonVersion: "3.10", PythonFullVersion: "3.10",
			ImplementationName: "cpython", ImplementationVersion: "3.10", PlatformPythonImplementation: "CPython"},
	}, {
		"linux", "arm", "v7", "3.11-standin",
		Env{OSName: "posix", SysPlatform: "linux", PlatformSystem: "Linux", PlatformMachine: "armv7l", PythonVersion: "3.11", PythonFullVersion: "3.11",
			ImplementationName: "cpython", ImplementationVersion: "3.11", PlatformPythonImplementation: "CPython"},
	}, {
		"darwin", "arm64", "", "3.13.0rc1-slim",
		Env{OSName: "posix", SysPlatform: "darwin", PlatformSystem: "Darwin", PlatformMachine: "arm64", PythonVersion: "3.13", PythonFullVersion: "3.13.0rc1",
			ImplementationName: "cpython", ImplementationVersion: "3.13.0rc1", PlatformPythonImplementation: "CPython"},
	}, {
		"windows", "amd64", "", "3.12.4",
		Env{OSName: "nt", SysPlatform: "win32", PlatformSystem: "Windows", PlatformMachine: "AMD64", PythonVersion: "3.12", PythonFullVersion: "3.12.4",
			ImplementationName: "cpython", ImplementationVersion: "3.12.4", PlatformPythonImplementation: "CPython"},
	}}
	for _, tt := range tests {
		got, err := NewEnv(tt.goos, tt.goarch, tt.variant, tt.python)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("NewEnv(%s, %s, %s, %s) (-want +got):\n%s", tt.goos, tt.goarch, tt.variant, tt.python, diff)
		}
	}
	machines := map[string]string{"386": "i686", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64", "arm/v6": "armv6l", "arm": "armv7l"}
	for platform, want := range machines {
		arch, variant, _ := strings.Cut(platform, "/")
		if got := mustEnv(t, "linux", arch, variant, "3.12").PlatformMachine; got != want {
			t.Errorf("linux/%s: platform_machine %q, want %q", platform, got, want)
		}
	}
}

func TestNewEnvErrors(t *testing.T) {
	for _, tt := range []struct{ goos, goarch, python, want string }{
		{"plan9", "amd64", "3.12", "unsupported operating system"},
		{"linux", "wasm", "3.12", "unsupported architecture"},
		{"linux", "amd64", "latest", "does not start with MAJOR.MINOR"},
		{"linux", "amd64", "3", "does not start with MAJOR.MINOR"},
	} {
		_, err := NewEnv(tt.goos, tt.goarch, "", tt.python)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewEnv(%s, %s, %s) error = %v, want %q", tt.goos, tt.goarch, tt.python, err, tt.want)
		}
	}
}

func TestWheelFits(t *testing.T) {
	linux311 := mustEnv(t, "linux", "amd64", "", "3.11.9")
	arm310 := mustEnv(t, "linux", "arm64", "", "3.10")
	mac := mustEnv(t, "darwin", "arm64", "", "3.12")
	tests := []struct {
		file string
		env  Env
		want bool
	}{
		{"numpy-2.1.1.tar.gz", linux311, true},
		{"", linux311, true},
		{"six-1.16.0-py2.py3-none-any.whl", linux311, true},
		{"numpy-2.1.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", linux311, true},
		{"numpy-2.1.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", arm310, false},
		{"numpy-2.1.1-cp310-cp310-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", arm310, true},
		{"numpy-2.1.1-cp312-cp312-manylinux_2_17_x86_64.whl", linux311, false},
		{"numpy-2.1.1-cp311-cp311-musllinux_1_1_x86_64.whl", linux311, true},
		{"numpy-2.1.1-cp311-cp311-win_amd64.whl", linux311, false},
		{"numpy-2.1.1-cp311-cp311-macosx_14_0_arm64.whl", linux311, false},
		{"numpy-2.1.1-cp312-cp312-macosx_14_0_arm64.whl", mac, true},
		{"orjson-3.10.7-cp312-cp312-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2.whl", mac, true},
		{"cryptography-43.0.1-cp39-abi3-manylinux_2_28_x86_64.whl", linux311, true},
		{"cryptography-43.0.1-cp312-abi3-manylinux_2_28_x86_64.whl", linux311, false},
		{"torch-2.4.1+cpu-cp311-cp311-linux_x86_64.whl", linux311, true},
		{"torch-2.4.1%2Bcpu-cp311-cp311-linux_x86_64.whl", linux311, true},
		{"numpy-2.1.1-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl", linux311, false},
		{"numpy-2.1.1-cp313-cp313t-manylinux_2_17_x86_64.whl", mustEnv(t, "linux", "amd64", "", "3.13"), false},
		{"futures-3.0.5-py2-none-any.whl", linux311, false},
		{"black-24.8.0-1-py3-none-any.whl", linux311, true},
		{"weird.whl", linux311, true},
	}
	for _, tt := range tests {
		if got := wheelFits(tt.file, tt.env); got != tt.want {
			t.Errorf("wheelFits(%q, %s %s) = %t, want %t", tt.file, envTag(tt.env), tt.env.PythonVersion, got, tt.want)
		}
	}
}
