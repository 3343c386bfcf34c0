package pyindex

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"
)

// CExtSdistName is the file name of CExtSdist's source distribution.
const CExtSdistName = "mlb-cext-1.0.tar.gz"

// CExtSdist returns the source distribution of mlb-cext 1.0: a C extension (mlb_cext.add) that
// only builds with a C compiler and Python's headers. Its bytes are the same on every call.
func CExtSdist() []byte {
	files := map[string]string{
		"mlb-cext-1.0/PKG-INFO": "Metadata-Version: 2.1\nName: mlb-cext\nVersion: 1.0\n",
		"mlb-cext-1.0/setup.py": "from setuptools import setup, Extension\n" +
			"setup(name='mlb-cext', version='1.0', ext_modules=[Extension('mlb_cext', ['mlb_cext.c'])])\n",
		"mlb-cext-1.0/mlb_cext.c": `#define PY_SSIZE_T_CLEAN
#include <Python.h>
static PyObject *add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
    return PyLong_FromLong(a + b);
}
static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "a + b"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "mlb_cext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_mlb_cext(void) { return PyModule_Create(&module); }
`,
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for k := range files {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, p := range names {
		// Writes to a bytes.Buffer do not fail.
		_ = tw.WriteHeader(&tar.Header{Name: p, Mode: 0o644, Size: int64(len(files[p])), ModTime: time.Unix(315532800, 0), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(files[p]))
	}
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

// SdistServer serves a PEP 503 index whose one project is mlb-cext, as CExtSdist.
type SdistServer struct {
	URL string // the index URL (".../simple")
	srv *http.Server
}

// StartCExtSdist serves CExtSdist's index on host (127.0.0.1: loopback only; any other host:
// all addresses, the URL naming host, e.g. a Docker bridge's gateway).
func StartCExtSdist(host string) (*SdistServer, error) {
	sdist := CExtSdist()
	mux := http.NewServeMux()
	mux.HandleFunc("/simple/mlb-cext/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><html><body><a href="/files/%s">%s</a></body></html>`, CExtSdistName, CExtSdistName)
	})
	mux.HandleFunc("/files/"+CExtSdistName, func(w http.ResponseWriter, r *http.Request) { w.Write(sdist) })
	addr := "127.0.0.1:0"
	if host != "127.0.0.1" {
		addr = ":0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &SdistServer{URL: fmt.Sprintf("http://%s:%d/simple", host, ln.Addr().(*net.TCPAddr).Port), srv: &http.Server{Handler: mux}}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server.
func (s *SdistServer) Close() error { return s.srv.Close() }
