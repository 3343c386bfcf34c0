package pydeps

import (
	"testing"

	"github.com/mlbuild/mlbuild/pkg/located"
)

func TestTOMLPositions(t *testing.T) {
	data := []byte(`top = 1
a.b."c.d" = "x"

[[pkg]]
name = "first"

[[pkg]]
name = "second"
list = [
    { k = "v" },
    [1, 2],
]

  [[pkg.wheels]]
  url = "u"

[pkg.meta]
"quoted key" = true
`)
	d, err := parseTOML("f.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]located.Position{
		"top":                      {Line: 1, Column: 1},
		"a.b":                      {Line: 2, Column: 1},
		`a.b."c.d"`:                {Line: 2, Column: 1},
		"pkg":                      {Line: 4, Column: 1},
		"pkg[0]":                   {Line: 4, Column: 1},
		"pkg[0].name":              {Line: 5, Column: 1},
		"pkg[1]":                   {Line: 7, Column: 1},
		"pkg[1].list[0]":           {Line: 10, Column: 5},
		"pkg[1].list[0].k":         {Line: 10, Column: 7},
		"pkg[1].list[1]":           {Line: 11, Column: 6},
		"pkg[1].list[1][1]":        {Line: 11, Column: 9},
		"pkg[1].wheels[0]":         {Line: 14, Column: 3},
		"pkg[1].wheels[0].url":     {Line: 15, Column: 3},
		"pkg[1].meta":              {Line: 17, Column: 1},
		`pkg[1].meta."quoted key"`: {Line: 18, Column: 1},
		// Paths the file does not write point at their nearest ancestor.
		"pkg[1].meta.absent":         {Line: 17, Column: 1},
		`pkg[1].meta."quoted key".x`: {Line: 18, Column: 1},
		"nothing":                    {Line: 1, Column: 1},
	}
	for path, want := range tests {
		if got := d.lookup(path).Start; got != want {
			t.Errorf("lookup(%s) = %d:%d, want %d:%d", path, got.Line, got.Column, want.Line, want.Column)
		}
	}
	if got := d.lookup("pkg[1].list[0]").End; got.Line != 10 {
		t.Errorf("an element's range ends at line %d", got.Line)
	}
	if d.line("pkg[1].name") != "f.toml:8" {
		t.Errorf("line = %s", d.line("pkg[1].name"))
	}
}

func TestTOMLErrors(t *testing.T) {
	for name, tt := range map[string]struct {
		data      string
		line, col int
	}{
		"duplicate key":      {"a = 1\na = 2\n", 2, 1},
		"redefined table":    {"[a]\nx = 1\n[a]\n", 3, 2},
		"unterminated array": {"a = [1,\n", 1, 8},
		"invalid UTF-8":      {"a = \"\xff\"\n", 1, 6},
		"bad escape":         {"a = \"\\q\"\n", 1, 6},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseTOML("f.toml", []byte(tt.data))
			wantLocated(t, err, "f.toml", where{path: "", line: tt.line, col: tt.col, msg: "invalid TOML"})
		})
	}
}
