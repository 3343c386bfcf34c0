package pyindex

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestCExtSdist(t *testing.T) {
	a, b := CExtSdist(), CExtSdist()
	if !bytes.Equal(a, b) {
		t.Fatalf("two calls give different bytes")
	}
	gz, err := gzip.NewReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	if got := strings.Join(names, " "); got != "mlb-cext-1.0/PKG-INFO mlb-cext-1.0/mlb_cext.c mlb-cext-1.0/setup.py" {
		t.Errorf("entries: %s", got)
	}

	s, err := StartCExtSdist("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, err := http.Get(s.URL + "/mlb-cext/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `href="/files/`+CExtSdistName+`"`) {
		t.Fatalf("project page: %s", page)
	}
	resp, err = http.Get(strings.TrimSuffix(s.URL, "/simple") + "/files/" + CExtSdistName)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, a) {
		t.Errorf("served %d bytes, not the sdist's %d", len(got), len(a))
	}
}
