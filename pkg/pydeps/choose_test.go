package pydeps

import "testing"

// TestChooseWheel picks, as pip does, the wheel whose best tag comes first in the
// interpreter's list; a higher build number breaks a tie; none when no tag fits.
func TestChooseWheel(t *testing.T) {
	// The head and tail of what pip's get_supported() lists for CPython 3.10 on glibc 2.36
	// x86_64, best first.
	tags := []string{
		"cp310-cp310-manylinux_2_36_x86_64", "cp310-cp310-manylinux_2_17_x86_64", "cp310-cp310-manylinux2014_x86_64", "cp310-cp310-linux_x86_64",
		"cp310-abi3-manylinux_2_17_x86_64", "cp39-abi3-manylinux_2_17_x86_64",
		"py3-none-manylinux_2_17_x86_64", "cp310-none-any", "py3-none-any", "py2.py3-none-any",
	}
	for _, tc := range []struct {
		name  string
		files []string
		want  int
	}{
		{"platform over others", []string{
			"numpy-2.0.0-cp310-cp310-musllinux_1_1_x86_64.whl",
			"numpy-2.0.0-cp310-cp310-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
			"numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
			"numpy-2.0.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
		}, 3},
		{"specific over pure", []string{"pkg-1.0-py3-none-any.whl", "pkg-1.0-cp39-abi3-manylinux_2_17_x86_64.whl"}, 1},
		{"build number breaks a tie", []string{"pkg-1.0-1-py3-none-any.whl", "pkg-1.0-2-py3-none-any.whl"}, 1},
		{"pure", []string{"six-1.16.0-py2.py3-none-any.whl"}, 0},
		{"nothing fits", []string{"pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", "pkg-1.0.tar.gz", "pkg-1.0-bad.whl"}, -1},
	} {
		got, ok := ChooseWheel(tc.files, tags)
		if !ok {
			got = -1
		}
		if got != tc.want {
			t.Errorf("%s: chose %d, want %d", tc.name, got, tc.want)
		}
	}
}
