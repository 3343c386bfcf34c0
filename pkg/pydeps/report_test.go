package pydeps

import (
	"strings"
	"testing"
)

// TestParsePipReport reads pip's report as pip 23 writes it: an index wheel, a direct URL
// archive; a directory or VCS requirement means no pins.
func TestParsePipReport(t *testing.T) {
	h := strings.Repeat("ab", 32)
	report := `{"version": "1", "pip_version": "23.0.1", "install": [
  {"download_info": {"url": "https://files.example/numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "archive_info": {"hash": "sha256=` + h + `", "hashes": {"sha256": "` + h + `"}}},
   "is_direct": false, "requested": true, "metadata": {"name": "numpy", "version": "2.1.0"}},
  {"download_info": {"url": "https://example.com/Foo-1.0.tar.gz", "archive_info": {"hash": "sha256=` + strings.ToUpper(h) + `"}},
   "is_direct": true, "requested": true, "metadata": {"name": "Foo", "version": "1.0"}}
], "environment": {}}`
	pins, ok, err := ParsePipReport([]byte(report))
	if err != nil || !ok || len(pins) != 2 {
		t.Fatalf("pins %+v, ok %v, err %v", pins, ok, err)
	}
	if pins[0].Name != "Foo" || pins[0].URL != "https://example.com/Foo-1.0.tar.gz" || pins[0].Hashes[0] != "sha256:"+h {
		t.Errorf("direct archive pin %+v", pins[0])
	}
	if pins[1].Name != "numpy" || pins[1].URL != "" || pins[1].Version != "2.1.0" {
		t.Errorf("index pin %+v", pins[1])
	}
	if got := string(Requirements(pins[1:])); got != "numpy==2.1.0 \\\n    --hash=sha256:"+h+"\n" {
		t.Errorf("requirement %q", got)
	}
	dir := `{"version": "1", "install": [{"download_info": {"url": "file:///src", "dir_info": {}}, "is_direct": true, "metadata": {"name": "proj", "version": "0.1"}}]}`
	if _, ok, err := ParsePipReport([]byte(dir)); ok || err != nil {
		t.Errorf("a directory requirement gave ok %v, err %v; want not ok, no error", ok, err)
	}
	if _, _, err := ParsePipReport([]byte(`{"version": "2", "install": []}`)); err == nil {
		t.Error("report version 2 accepted")
	}
	if _, _, err := ParsePipReport([]byte(`{"version": `)); err == nil {
		t.Error("truncated report accepted")
	}
}
