package pydeps

import (
	"strings"
	"testing"
)

func TestEvalMarker(t *testing.T) {
	linux := mustEnv(t, "linux", "amd64", "", "3.11.9")
	arm := mustEnv(t, "linux", "arm64", "", "3.10.14")
	mac := mustEnv(t, "darwin", "arm64", "", "3.12.4")
	win := mustEnv(t, "windows", "amd64", "", "3.11.9")
	kernel := linux
	kernel.PlatformRelease = "6.1.0"
	ubuntu := linux
	ubuntu.PlatformRelease = "5.15.0-91-generic"
	rc := mustEnv(t, "linux", "amd64", "", "3.13.0rc1")
	tricky := `python_version >= "3.10" and (sys_platform == "linux" or platform_machine == "arm64")`
	tests := []struct {
		marker         string
		env            Env
		extras, groups []string
		want           bool
	}{
		{tricky, linux, nil, nil, true},
		{tricky, mac, nil, nil, true},
		{tricky, win, nil, nil, false},
		{"", linux, nil, nil, true},
		{"   ", linux, nil, nil, true},
		{`extra == "Foo_Bar"`, linux, []string{"foo-bar"}, nil, true},
		{`extra == "Foo_Bar"`, linux, []string{"foo.bar"}, nil, true},
		{`extra == "Foo_Bar"`, linux, nil, nil, false},
		{`extra == "Foo_Bar"`, linux, []string{"foo"}, nil, false},
		{`extra != "foo"`, linux, []string{"foo"}, nil, false},
		{`extra == 'a' and extra == 'b'`, linux, []string{"a", "b"}, nil, true},
		{`python_version < "3.11"`, linux, nil, nil, false},
		{`python_version < "3.11"`, arm, nil, nil, true},
		{`python_version > "3.11"`, linux, nil, nil, false},
		{`python_full_version > "3.11"`, linux, nil, nil, true},
		{`python_full_version >= "3.11.0rc1"`, linux, nil, nil, true},
		{`python_full_version >= "3.13"`, rc, nil, nil, false},
		{`python_full_version >= "3.13.0a1"`, rc, nil, nil, true},
		{`python_full_version < "3.13"`, rc, nil, nil, false},
		{`python_version == "3.11.*"`, linux, nil, nil, true},
		{`python_full_version == "3.11.*"`, linux, nil, nil, true},
		{`python_full_version != "3.11.*"`, linux, nil, nil, false},
		{`python_version ~= "3.10"`, linux, nil, nil, true},
		{`python_version ~= "3.10"`, mustEnv(t, "linux", "amd64", "", "4.0"), nil, nil, false},
		{`"3.10" <= python_version`, linux, nil, nil, true},
		{`"3.12" <= python_version`, linux, nil, nil, false},
		{`python_version == "3.1"`, mustEnv(t, "linux", "amd64", "", "3.10"), nil, nil, false},
		{`python_version > "3.9"`, mustEnv(t, "linux", "amd64", "", "3.10"), nil, nil, true},
		{`python_version in "3.10 3.11"`, linux, nil, nil, true},
		{`python_version not in "3.10 3.12"`, linux, nil, nil, true},
		{`platform_release >= "5.10"`, linux, nil, nil, false},
		{`platform_release >= "5.10"`, kernel, nil, nil, true},
		{`platform_release >= "5.10"`, ubuntu, nil, nil, true},
		{`platform_release < "5.10"`, ubuntu, nil, nil, false},
		{`implementation_version == "3.11.9"`, linux, nil, nil, true},
		{`"linux" in sys_platform`, linux, nil, nil, true},
		{`"win" not in sys_platform`, linux, nil, nil, true},
		{`sys_platform == 'linux' and implementation_name == "cpython" and platform_python_implementation == 'CPython'`, linux, nil, nil, true},
		{`os_name == "nt" and platform_system == "Windows"`, win, nil, nil, true},
		{`os.name == "posix" and sys.platform == "darwin" and platform.machine == "arm64"`, mac, nil, nil, true},
		{`platform_machine == "aarch64"`, arm, nil, nil, true},
		{`platform_machine == "x86_64"`, arm, nil, nil, false},
		{`'cpu' in extras`, linux, []string{"CPU"}, nil, true},
		{`'cpu' not in extras`, linux, []string{"CPU"}, nil, false},
		{`'dev' in dependency_groups`, linux, nil, []string{"Dev"}, true},
		{`'dev' not in dependency_groups`, linux, nil, []string{"Dev"}, false},
		{`'dev' in dependency_groups`, linux, nil, nil, false},
		{`python_version < "3.11" or platform_machine == "x86_64" and sys_platform == "darwin"`, linux, nil, nil, false},
		{`(python_version < "3.11" or platform_machine == "x86_64") and sys_platform == "linux"`, linux, nil, nil, true},
		{`((((python_version>='3.8'))))and(((platform_system=="Linux")))`, linux, nil, nil, true},
		{`sys_platform < "m"`, linux, nil, nil, true},
		{`"a" == "a"`, linux, nil, nil, true},
	}
	for _, tt := range tests {
		got, err := EvalMarker(tt.marker, tt.env, tt.extras, tt.groups)
		if err != nil {
			t.Errorf("EvalMarker(%q): %v", tt.marker, err)
			continue
		}
		if got != tt.want {
			t.Errorf("EvalMarker(%q) on %s %s extras %v groups %v = %t, want %t", tt.marker, envTag(tt.env), tt.env.PythonFullVersion, tt.extras, tt.groups, got, tt.want)
		}
	}
}

func TestEvalMarkerErrors(t *testing.T) {
	env := mustEnv(t, "linux", "amd64", "", "3.11.9")
	tests := map[string]string{
		`python_version >= `:            "expected a variable or a quoted string",
		`python_verison == "3.10"`:      `unknown variable "python_verison"`,
		`sys_platform ~= "linux"`:       "~= is not defined",
		`(python_version == "3"`:        "expected ')'",
		`python_version == "3.10`:       "unterminated string",
		`python_version = "3.10"`:       "expected a comparison operator",
		`python_version == "3" and`:     "expected a variable",
		`python_version == "3" or or`:   "unknown variable \"or\"",
		`extra < "x"`:                   "< is not defined on extras",
		`extras == dependency_groups`:   "compares two variables",
		`python_version == "3" garbage`: `unexpected "garbage"`,
		strings.Repeat("(", 100) + `"a"=="a"` + strings.Repeat(")", 100): "nested more than",
	}
	for marker, want := range tests {
		_, err := EvalMarker(marker, env, nil, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("EvalMarker(%q) error = %v, want one containing %q", marker, err, want)
		}
	}
}

func TestMarkerString(t *testing.T) {
	tests := map[string]string{
		`python_version>="3.8"and(sys_platform=='linux' or os.name == "nt")`: `python_version >= "3.8" and (sys_platform == "linux" or os_name == "nt")`,
		`a_var_free == 1`: "",
		`"x" in extras`:   `"x" in extras`,
		`platform_machine not in 'x86_64 "amd64"'`: `platform_machine not in 'x86_64 "amd64"'`,
	}
	for in, want := range tests {
		m, err := parseMarker(in)
		if want == "" {
			if err == nil {
				t.Errorf("parseMarker(%q) succeeded", in)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := m.String(); got != want {
			t.Errorf("String(%q) = %s, want %s", in, got, want)
		}
		again, err := parseMarker(m.String())
		if err != nil || again.String() != want {
			t.Errorf("reparsing %q: %v, %v", want, again, err)
		}
	}
}
