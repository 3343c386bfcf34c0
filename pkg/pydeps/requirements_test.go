package pydeps

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRequirements(t *testing.T) {
	pins := []Pin{
		{Name: "Torch", Version: "2.4.1+cpu", Index: "https://download.pytorch.org/whl/cpu", Hashes: []string{"sha256:bb", "sha256:aa"}},
		{Name: "tiny_model.utils", URL: "https://example.com/t-0.1.tar.gz", Hashes: []string{"sha256:cc"}},
		{Name: "numpy", Version: "2.1.1", Hashes: []string{"sha256:dd"}},
		{Name: "torchvision", Version: "0.19.1+cpu", Index: "https://download.pytorch.org/whl/cpu", Hashes: []string{"sha256:ee"}},
		{Name: "private", Version: "1.0", Index: "https://pypi.example.com/simple", Hashes: []string{"sha256:ff"}},
	}
	want := `numpy==2.1.1 \
    --hash=sha256:dd
private==1.0 \
    --hash=sha256:ff
tiny_model.utils @ https://example.com/t-0.1.tar.gz \
    --hash=sha256:cc
Torch==2.4.1+cpu \
    --hash=sha256:aa \
    --hash=sha256:bb
torchvision==0.19.1+cpu \
    --hash=sha256:ee
`
	if got := string(Requirements(pins)); got != want {
		t.Errorf("Requirements:\n%s\nwant:\n%s", got, want)
	}
	// The same pins in another order give the same bytes, and the input is not changed.
	reversed := make([]Pin, len(pins))
	for i, p := range pins {
		reversed[len(pins)-1-i] = p
	}
	for i := 0; i < 25; i++ {
		if got := string(Requirements(reversed)); got != want {
			t.Fatalf("Requirements of reversed pins differs:\n%s", got)
		}
	}
	if pins[0].Hashes[0] != "sha256:bb" || pins[0].Name != "Torch" {
		t.Errorf("Requirements changed its input: %+v", pins[0])
	}
	if got := Requirements(nil); len(got) != 0 {
		t.Errorf("Requirements(nil) = %q", got)
	}
}

func TestIndexes(t *testing.T) {
	cpu, private := "https://download.pytorch.org/whl/cpu", "https://pypi.example.com/simple"
	tests := []struct {
		pins []Pin
		want []string
	}{
		{nil, nil},
		{[]Pin{{Name: "a"}, {Name: "b", URL: "https://x/b.tar.gz"}}, nil},
		{[]Pin{{Name: "torch", Index: cpu}, {Name: "numpy"}}, []string{"https://pypi.org/simple", cpu}},
		{[]Pin{{Name: "p", Index: private}, {Name: "torch", Index: cpu}, {Name: "t2", Index: cpu}}, []string{cpu, private}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Indexes(tt.pins)); diff != "" {
			t.Errorf("Indexes(%v) (-want +got):\n%s", tt.pins, diff)
		}
	}
}

// TestPinsDeterministic parses and pins each lock many times and compares the results.
func TestPinsDeterministic(t *testing.T) {
	project, err := ParsePyproject("pyproject.toml", readTestdata(t, "poetry21/pyproject.toml"))
	if err != nil {
		t.Fatal(err)
	}
	parsers := map[string]func([]byte) (Lock, error){
		"uv/uv.lock":           func(b []byte) (Lock, error) { return ParseUVLock("uv.lock", b) },
		"poetry21/poetry.lock": func(b []byte) (Lock, error) { return ParsePoetryLock("poetry.lock", b, project) },
		"pylock/pylock.toml":   func(b []byte) (Lock, error) { return ParsePylock("pylock.toml", b) },
	}
	env := mustEnv(t, "linux", "arm64", "", "3.10.14")
	for file, parse := range parsers {
		data := readTestdata(t, file)
		var first string
		for i := 0; i < 25; i++ {
			lock, err := parse(data)
			if err != nil {
				t.Fatal(err)
			}
			pins, err := lock.Pins(env, Selection{Groups: []string{"dev"}})
			if err != nil {
				t.Fatal(err)
			}
			got := string(Requirements(pins))
			if i == 0 {
				first = got
			} else if got != first {
				t.Fatalf("%s: run %d differs", file, i)
			}
		}
	}
}
