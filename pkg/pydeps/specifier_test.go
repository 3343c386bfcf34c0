package pydeps

import (
	"strings"
	"testing"
)

func TestMatchSpecifier(t *testing.T) {
	tests := []struct {
		spec, version string
		want          bool
	}{
		{"~=3.10", "3.10", true},
		{"~=3.10", "3.11.2", true},
		{"~=3.10", "4.0", false},
		{"~=3.10", "3.9.18", false},
		{"~=3.10.2", "3.10.5", true},
		{"~=3.10.2", "3.11", false},
		{"~=2.2.post3", "2.3", true},
		{"==3.10.*", "3.10.14", true},
		{"==3.10.*", "3.10", true},
		{"==3.10.*", "3.10.0rc1", true},
		{"==3.10.*", "3.1", false},
		{"==3.10.*", "3.100", false},
		{"==3.*", "3.12.1", true},
		{"!=3.11.*", "3.11.9", false},
		{"!=3.11.*", "3.12", true},
		{"!=3.11.*", "3.1", true},
		{">=3.9,<3.13", "3.12.4", true},
		{">=3.9,<3.13", "3.13.0", false},
		{">=3.9,<3.13", "3.13.0a1", false},
		{">=3.9,<3.13", "3.8.19", false},
		{">=3.9,<3.13", "3.9", true},
		{" >= 3.9 , < 4 ", "3.12", true},
		{"<3.13rc2", "3.13rc1", true},
		{"<3.13", "3.12.99", true},
		{">3.11", "3.11.post1", false},
		{">3.11.post1", "3.11.post2", true},
		{">3.11", "3.11.1", true},
		{">3.11", "3.11+local", false},
		{">3.11", "3.12+local", true},
		{"<=3.10", "3.10.0", true},
		{"<=3.10", "3.10.1", false},
		{"<=3.10", "3.10+cpu", true},
		{"==2.4.0+cpu", "2.4.0+cpu", true},
		{"==2.4.0+cpu", "2.4.0", false},
		{"==2.4.0", "2.4.0+cpu", true},
		{"!=2.4.0", "2.4.0+cu121", false},
		{"===foo", "FOO", true},
		{"===1.0", "1.0.0", false},
		{"", "1.0", true},
		{">=1!1.0", "2.0", false},
		{">=1.0", "1!0.1", true},
		{"==1.0.post1", "1.0-1", true},
		{"==1.0a1", "1.0-ALPHA.1", true},
		{">=1.0.dev1", "1.0a1", true},
	}
	for _, tt := range tests {
		got, err := MatchSpecifier(tt.spec, tt.version)
		if err != nil {
			t.Errorf("MatchSpecifier(%q, %q): %v", tt.spec, tt.version, err)
			continue
		}
		if got != tt.want {
			t.Errorf("MatchSpecifier(%q, %q) = %t, want %t", tt.spec, tt.version, got, tt.want)
		}
	}
}

func TestMatchSpecifierErrors(t *testing.T) {
	tests := []struct{ spec, version, want string }{
		{"=>3.9", "3.9", "no operator"},
		{"3.10", "3.10", "no operator"},
		{"~=3", "3.10", "two release segments"},
		{"==3.*.1", "3.10", "not a PEP 440 version"},
		{">=3.10.*", "3.10", "not a PEP 440 version"},
		{"==3.10a1.*", "3.10", "wildcard"},
		{"<=1.0+local", "1.0", "local version label"},
		{"===", "1.0", "=== needs one word"},
		{">=3", "not-a-version", `"not-a-version" is not a PEP 440 version`},
		{">=99999999999999999999999", "1", "too large"},
	}
	for _, tt := range tests {
		_, err := MatchSpecifier(tt.spec, tt.version)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("MatchSpecifier(%q, %q) error = %v, want one containing %q", tt.spec, tt.version, err, tt.want)
		}
	}
}

func TestVersionOrder(t *testing.T) {
	// PEP 440's example ordering, and local labels after the public version.
	ordered := []string{
		"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456",
		"1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0",
		"1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.1.dev1", "1!0.1",
	}
	for i := 0; i+1 < len(ordered); i++ {
		a, err := parseVersion(ordered[i])
		if err != nil {
			t.Fatal(err)
		}
		b, err := parseVersion(ordered[i+1])
		if err != nil {
			t.Fatal(err)
		}
		if compareVersions(a, b) >= 0 || compareVersions(b, a) <= 0 {
			t.Errorf("%s is not before %s", ordered[i], ordered[i+1])
		}
	}
	for a, b := range map[string]string{"1.0": "1.0.0", "v1.0": "1.0", "1.0-ALPHA.1": "1.0a1", "1.0c1": "1.0rc1", "1.0-r4": "1.0.post4", "1.0.DEV": "1.0.dev0"} {
		va, _ := parseVersion(a)
		vb, _ := parseVersion(b)
		if compareVersions(va, vb) != 0 {
			t.Errorf("%s != %s", a, b)
		}
	}
	if v, _ := parseVersion("1!2.0.0-Preview.3.post-4.dev+Ubuntu-1"); v.String() != "1!2.0.0rc3.post4.dev0+ubuntu.1" {
		t.Errorf("normal form %s", v)
	}
}

func TestPoetryConstraint(t *testing.T) {
	tests := []struct {
		constraint, version string
		want                bool
	}{
		{"^3.10", "3.12.1", true},
		{"^3.10", "4.0", false},
		{"^3.10", "3.9", false},
		{"^0.2.3", "0.2.9", true},
		{"^0.2.3", "0.3.0", false},
		{"^0.0.3", "0.0.4", false},
		{"^0", "0.9", true},
		{"~3.10", "3.10.9", true},
		{"~3.10", "3.11", false},
		{"~3", "3.99", true},
		{"~=3.10", "3.11", true},
		{">=3.9,<4.0", "3.12", true},
		{">= 3.9, < 3.12", "3.12", false},
		{">=1 <2", "1.5", true},
		{"3.10.*", "3.10.2", true},
		{"3.10.x", "3.11", false},
		{"1.2", "1.2.0", true},
		{"=1.2", "1.2.0", true},
		{"*", "7", true},
		{"", "7", true},
		{"1.2 || 2.0", "2.0", true},
		{"^1.2 || ^3", "2.0", false},
		{"^1.2 | ^3", "3.1", true},
	}
	for _, tt := range tests {
		got, err := matchPoetry(tt.constraint, tt.version)
		if err != nil {
			t.Errorf("matchPoetry(%q, %q): %v", tt.constraint, tt.version, err)
			continue
		}
		if got != tt.want {
			t.Errorf("matchPoetry(%q, %q) = %t, want %t", tt.constraint, tt.version, got, tt.want)
		}
	}
}
