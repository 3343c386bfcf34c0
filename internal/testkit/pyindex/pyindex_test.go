package pyindex

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// client does not follow redirects (so they can be checked) and never uses a
// proxy.
var client = &http.Client{
	Transport: &http.Transport{Proxy: nil},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
	Timeout: 30 * time.Second,
}

func startIndex(t *testing.T, pkgs []Package, opts ...Option) *Index {
	t.Helper()
	ix, err := Start(pkgs, opts...)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := ix.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return ix
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, method, rawURL string, setAuth func(*http.Request)) response {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if setAuth != nil {
		setAuth(req)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, rawURL, err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

func get(t *testing.T, rawURL string) response { t.Helper(); return do(t, http.MethodGet, rawURL, nil) }

var hrefRE = regexp.MustCompile(`<a href="([^"]*)"`)

// links returns the hrefs of a page resolved against base.
func links(t *testing.T, base string, body []byte) []*url.URL {
	t.Helper()
	b, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	var out []*url.URL
	for _, m := range hrefRE.FindAllSubmatch(body, -1) {
		u, err := b.Parse(html.UnescapeString(string(m[1])))
		if err != nil {
			t.Fatalf("bad href %q: %v", m[1], err)
		}
		out = append(out, u)
	}
	return out
}

func readZip(t *testing.T, data []byte) (names []string, files map[string]string, zr *zip.Reader) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("wheel is not a zip: %v", err)
	}
	files = map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		files[f.Name] = string(b)
	}
	return names, files, zr
}

// checkRecord verifies that RECORD lists every entry exactly once with the
// right hash and size, and itself with empty hash and size.
func checkRecord(t *testing.T, recordName string, names []string, files map[string]string) {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(files[recordName])).ReadAll()
	if err != nil {
		t.Fatalf("RECORD is not CSV: %v", err)
	}
	seen := map[string]bool{}
	for _, row := range rows {
		if len(row) != 3 {
			t.Fatalf("RECORD row %q: want 3 fields", row)
		}
		name, hash, size := row[0], row[1], row[2]
		if seen[name] {
			t.Errorf("RECORD lists %s twice", name)
		}
		seen[name] = true
		content, ok := files[name]
		if !ok {
			t.Errorf("RECORD lists %s which is not in the wheel", name)
			continue
		}
		if name == recordName {
			if hash != "" || size != "" {
				t.Errorf("RECORD's own row = %q, want empty hash and size", row)
			}
			continue
		}
		sum := sha256.Sum256([]byte(content))
		if want := "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]); hash != want {
			t.Errorf("RECORD hash for %s = %s, want %s", name, hash, want)
		}
		if want := strconv.Itoa(len(content)); size != want {
			t.Errorf("RECORD size for %s = %s, want %s", name, size, want)
		}
	}
	for _, n := range names {
		if !seen[n] {
			t.Errorf("wheel entry %s missing from RECORD", n)
		}
	}
}

func TestBuildWheel(t *testing.T) {
	p := Package{
		Name:    "mlb-extra",
		Version: "1.2.3",
		Files: map[string]string{
			"mlb_extra/__init__.py":  "from .core import X\n",
			"mlb_extra/core.py":      "X = 42\n",
			"mlb_extra/data/a,b.txt": "comma in name\n",
			"top_level_module.py":    "",
		},
		Requires: []string{"mlb-base>=1.0", `numpy; python_version >= "3.8"`},
	}
	fn, data, err := buildWheel(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := "mlb_extra-1.2.3-py3-none-any.whl"; fn != want {
		t.Errorf("filename = %s, want %s", fn, want)
	}
	names, files, zr := readZip(t, data)
	wantNames := []string{
		"mlb_extra/__init__.py",
		"mlb_extra/core.py",
		"mlb_extra/data/a,b.txt",
		"top_level_module.py",
		"mlb_extra-1.2.3.dist-info/METADATA",
		"mlb_extra-1.2.3.dist-info/WHEEL",
		"mlb_extra-1.2.3.dist-info/RECORD",
	}
	if strings.Join(names, "\n") != strings.Join(wantNames, "\n") {
		t.Errorf("entries =\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(wantNames, "\n"))
	}
	for path, content := range p.Files {
		if files[path] != content {
			t.Errorf("%s = %q, want %q", path, files[path], content)
		}
	}
	for _, f := range zr.File {
		if !f.Modified.Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s modified %v, want 1980-01-01", f.Name, f.Modified)
		}
	}
	wantMeta := "Metadata-Version: 2.1\nName: mlb-extra\nVersion: 1.2.3\n" +
		"Requires-Dist: mlb-base>=1.0\nRequires-Dist: numpy; python_version >= \"3.8\"\n"
	if got := files["mlb_extra-1.2.3.dist-info/METADATA"]; got != wantMeta {
		t.Errorf("METADATA =\n%s\nwant\n%s", got, wantMeta)
	}
	wheelMeta := files["mlb_extra-1.2.3.dist-info/WHEEL"]
	for _, line := range []string{"Wheel-Version: 1.0", "Root-Is-Purelib: true", "Tag: py3-none-any"} {
		if !strings.Contains(wheelMeta, line+"\n") {
			t.Errorf("WHEEL lacks %q:\n%s", line, wheelMeta)
		}
	}
	if !strings.Contains(wheelMeta, "Generator: ") {
		t.Errorf("WHEEL lacks Generator:\n%s", wheelMeta)
	}
	checkRecord(t, "mlb_extra-1.2.3.dist-info/RECORD", names, files)

	// Deterministic: same input, same bytes.
	_, again, err := buildWheel(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Error("building the same package twice gave different bytes")
	}
}

func TestBuildWheelDefaultModule(t *testing.T) {
	fn, data, err := buildWheel(Package{Name: "Mlb.Default-Pkg", Version: "0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Mlb_Default_Pkg-0.1-py3-none-any.whl"; fn != want {
		t.Errorf("filename = %s, want %s", fn, want)
	}
	names, files, _ := readZip(t, data)
	if got, want := files["mlb_default_pkg/__init__.py"], "__version__ = \"0.1\"\n"; got != want {
		t.Errorf("default module = %q, want %q (entries %q)", got, want, names)
	}
	if len(names) != 4 {
		t.Errorf("entries = %q, want module + METADATA, WHEEL, RECORD", names)
	}
	checkRecord(t, "Mlb_Default_Pkg-0.1.dist-info/RECORD", names, files)
}

func TestStartRejectsInvalidPackages(t *testing.T) {
	for name, pkgs := range map[string][]Package{
		"empty name":      {{Name: "", Version: "1.0"}},
		"bad name":        {{Name: "-bad", Version: "1.0"}},
		"empty version":   {{Name: "ok", Version: ""}},
		"dash in version": {{Name: "ok", Version: "1.0-1"}},
		"absolute path":   {{Name: "ok", Version: "1", Files: map[string]string{"/etc/x": ""}}},
		"dotdot path":     {{Name: "ok", Version: "1", Files: map[string]string{"../x.py": ""}}},
		"unclean path":    {{Name: "ok", Version: "1", Files: map[string]string{"a//b.py": ""}}},
		"dist-info clash": {{Name: "ok", Version: "1", Files: map[string]string{"ok-1.dist-info/METADATA": ""}}},
		"newline in req":  {{Name: "ok", Version: "1", Requires: []string{"a\nName: evil"}}},
		"duplicate wheel": {{Name: "ok-pkg", Version: "1"}, {Name: "ok.pkg", Version: "1"}},
	} {
		if ix, err := Start(pkgs); err == nil {
			ix.Close()
			t.Errorf("%s: Start succeeded, want error", name)
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"Foo":          "foo",
		"foo_bar":      "foo-bar",
		"Foo.Bar-_Baz": "foo-bar-baz",
		"a--b__c..d":   "a-b-c-d",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestServe(t *testing.T) {
	ix := startIndex(t, []Package{
		{Name: "MLB_Extra", Version: "1.0.0"},
		{Name: "MLB_Extra", Version: "2.0.0"},
		{Name: "other.pkg", Version: "0.1"},
	})
	u, err := url.Parse(ix.URL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Path != "/simple/" || u.Port() == "" {
		t.Fatalf("URL = %s, want http://127.0.0.1:PORT/simple/", ix.URL)
	}
	root := "http://" + u.Host

	// Root page lists the normalised projects.
	r := get(t, ix.URL)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s: status %d, content-type %q", ix.URL, r.status, r.header.Get("Content-Type"))
	}
	var projects []string
	for _, l := range links(t, ix.URL, r.body) {
		projects = append(projects, l.Path)
	}
	if got, want := strings.Join(projects, " "), "/simple/mlb-extra/ /simple/other-pkg/"; got != want {
		t.Errorf("root links = %s, want %s", got, want)
	}

	// Redirects: no trailing slash, non-normalised names, /simple.
	for from, to := range map[string]string{
		"/simple":            "/simple/",
		"/simple/mlb-extra":  "/simple/mlb-extra/",
		"/simple/MLB_Extra/": "/simple/mlb-extra/",
		"/simple/Other.Pkg":  "/simple/other-pkg/",
	} {
		r := get(t, root+from)
		if r.status != http.StatusMovedPermanently || r.header.Get("Location") != to {
			t.Errorf("GET %s: status %d Location %q, want 301 to %s", from, r.status, r.header.Get("Location"), to)
		}
	}
	// Unknown things are 404.
	for _, p := range []string{"/simple/nope/", "/simple/nope", "/files/nope-1.0-py3-none-any.whl", "/", "/other", "/simple/mlb-extra/x/"} {
		if r := get(t, root+p); r.status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, r.status)
		}
	}
	if r := do(t, http.MethodPost, ix.URL, nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", r.status)
	}

	// Project page: one link per version with a correct sha256 fragment.
	page := ix.URL + "mlb-extra/"
	r = get(t, page)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: status %d", page, r.status)
	}
	fileLinks := links(t, page, r.body)
	if len(fileLinks) != 2 {
		t.Fatalf("project page has %d links, want 2:\n%s", len(fileLinks), r.body)
	}
	wantFiles := []string{"MLB_Extra-1.0.0-py3-none-any.whl", "MLB_Extra-2.0.0-py3-none-any.whl"}
	for i, l := range fileLinks {
		if l.Path != "/files/"+wantFiles[i] {
			t.Errorf("link %d = %s, want /files/%s", i, l.Path, wantFiles[i])
		}
		hexSum, ok := strings.CutPrefix(l.Fragment, "sha256=")
		if !ok {
			t.Errorf("link %s has no sha256 fragment", l)
		}
		if ix.Downloads("mlb-extra") != i {
			t.Errorf("Downloads before GET %d = %d, want %d", i, ix.Downloads("mlb-extra"), i)
		}
		if hr := do(t, http.MethodHead, l.String(), nil); hr.status != http.StatusOK || len(hr.body) != 0 {
			t.Errorf("HEAD %s: status %d body %d bytes", l, hr.status, len(hr.body))
		}
		fr := get(t, l.String())
		if fr.status != http.StatusOK {
			t.Fatalf("GET %s: status %d", l, fr.status)
		}
		sum := sha256.Sum256(fr.body)
		if got := hex.EncodeToString(sum[:]); got != hexSum {
			t.Errorf("sha256 of %s = %s, link says %s", l.Path, got, hexSum)
		}
		names, files, _ := readZip(t, fr.body)
		checkRecord(t, strings.TrimSuffix(wantFiles[i], "-py3-none-any.whl")+".dist-info/RECORD", names, files)
	}
	// Downloads counts GETs of wheels per normalised project (not HEADs).
	for _, n := range []string{"mlb-extra", "MLB_Extra", "mlb.extra"} {
		if got := ix.Downloads(n); got != 2 {
			t.Errorf("Downloads(%q) = %d, want 2", n, got)
		}
	}
	if got := ix.Downloads("other-pkg"); got != 0 {
		t.Errorf("Downloads(other-pkg) = %d, want 0", got)
	}
	// Requests so far: 1 root + 4 redirects + 6 not-found + 1 POST + 1 page + 2*(HEAD+GET).
	if got, want := ix.Requests(), 1+4+6+1+1+4; got != want {
		t.Errorf("Requests() = %d, want %d", got, want)
	}
	if ix.AuthURL() != ix.URL {
		t.Errorf("AuthURL() without auth = %s, want URL %s", ix.AuthURL(), ix.URL)
	}
}

func TestConcurrentDownloads(t *testing.T) {
	ix := startIndex(t, []Package{{Name: "conc", Version: "1"}})
	wheelURL := strings.TrimSuffix(ix.URL, "/simple/") + "/files/conc-1-py3-none-any.whl"
	const n = 25
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Get(wheelURL)
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			_ = ix.Downloads("conc")
			_ = ix.Requests()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := ix.Downloads("conc"); got != n {
		t.Errorf("Downloads = %d, want %d", got, n)
	}
	if got := ix.Requests(); got != n {
		t.Errorf("Requests = %d, want %d", got, n)
	}
}

func TestBasicAuth(t *testing.T) {
	const user, pass = "alice", "p@ss:w/rd"
	ix := startIndex(t, []Package{{Name: "secret-pkg", Version: "1.0"}}, WithBasicAuth(user, pass))
	base := strings.TrimSuffix(ix.URL, "/simple/")
	targets := []string{ix.URL, ix.URL + "secret-pkg/", base + "/files/secret_pkg-1.0-py3-none-any.whl"}

	for _, target := range targets {
		for name, setAuth := range map[string]func(*http.Request){
			"no credentials": nil,
			"wrong password": func(r *http.Request) { r.SetBasicAuth(user, "nope") },
			"wrong user":     func(r *http.Request) { r.SetBasicAuth("bob", pass) },
			"bearer token":   func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+pass) },
		} {
			r := do(t, http.MethodGet, target, setAuth)
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s, %s: status %d, want 401", target, name, r.status)
			}
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%s, %s: WWW-Authenticate = %q", target, name, r.header.Get("WWW-Authenticate"))
			}
		}
	}
	if got := ix.Downloads("secret-pkg"); got != 0 {
		t.Errorf("Downloads after 401s = %d, want 0", got)
	}
	for _, target := range targets {
		r := do(t, http.MethodGet, target, func(r *http.Request) { r.SetBasicAuth(user, pass) })
		if r.status != http.StatusOK {
			t.Errorf("%s with credentials: status %d, want 200", target, r.status)
		}
	}
	if got := ix.Downloads("secret-pkg"); got != 1 {
		t.Errorf("Downloads = %d, want 1", got)
	}
	if got, want := ix.Requests(), len(targets)*5; got != want {
		t.Errorf("Requests = %d, want %d", got, want)
	}

	// AuthURL embeds the (escaped) credentials and works as-is.
	au, err := url.Parse(ix.AuthURL())
	if err != nil {
		t.Fatalf("AuthURL %q: %v", ix.AuthURL(), err)
	}
	if p, _ := au.User.Password(); au.User.Username() != user || p != pass {
		t.Errorf("AuthURL user info = %v, want %s:%s", au.User, user, pass)
	}
	au.User = nil
	if au.String() != ix.URL {
		t.Errorf("AuthURL without user info = %s, want %s", au, ix.URL)
	}
	// net/http turns URL user info into Basic auth.
	if r := get(t, ix.AuthURL()); r.status != http.StatusOK {
		t.Errorf("GET AuthURL: status %d, want 200", r.status)
	}
}

func TestCloseIdempotent(t *testing.T) {
	ix, err := Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := get(t, ix.URL); r.status != http.StatusOK {
		t.Errorf("empty index root: status %d", r.status)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := client.Get(ix.URL); err == nil {
		t.Error("GET after Close succeeded")
	}
}

// ---- tests with a real pip ----

// requirePip skips the test if `python3 -m pip` is not usable, or fails it with
// MLBUILD_REQUIRE_ALL=1 (CI, where .ci/run installs python3-pip): the same rule as the
// integration package's skipUnless, which a test file of this package cannot import.
func requirePip(t *testing.T) {
	t.Helper()
	out, err := exec.Command("python3", "-m", "pip", "--version").CombinedOutput()
	if err == nil {
		return
	}
	what := fmt.Sprintf("python3 -m pip, for the real pip tests: %v", err)
	if out = bytes.TrimSpace(out); len(out) > 0 {
		what += ": " + string(out)
	}
	if os.Getenv("MLBUILD_REQUIRE_ALL") == "1" {
		t.Fatalf("missing prerequisite: %s; MLBUILD_REQUIRE_ALL=1 forbids skipping", what)
	}
	t.Skipf("missing prerequisite: %s", what)
}

// pip runs `python3 -m pip args...` isolated from the user's and the machine's
// pip configuration (config files, PIP_* variables, proxies).
func pip(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch uk := strings.ToUpper(k); {
		case strings.HasPrefix(uk, "PIP_"), uk == "HTTP_PROXY", uk == "HTTPS_PROXY", uk == "ALL_PROXY", uk == "NO_PROXY",
			uk == "PYTHONPATH", uk == "PYTHONHOME":
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"PIP_CONFIG_FILE="+os.DevNull,
		"PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_NO_CACHE_DIR=1",
		"PIP_NO_INPUT=1",
		"PIP_KEYRING_PROVIDER=disabled",
		"PYTHONNOUSERSITE=1",
		"NO_PROXY=127.0.0.1,localhost",
		"no_proxy=127.0.0.1,localhost",
	)
	cmd := exec.Command("python3", append([]string{"-m", "pip"}, args...)...)
	cmd.Env = env
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestPipDownload(t *testing.T) {
	requirePip(t)
	ix := startIndex(t, []Package{
		{Name: "mlb-dl", Version: "1.0.0"},
		{Name: "mlb-dl", Version: "1.1.0"},
	})
	dest := t.TempDir()
	out, err := pip(t, "download", "--no-deps", "--index-url", ix.URL, "--dest", dest, "mlb-dl==1.0.0")
	if err != nil {
		t.Fatalf("pip download: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dest, "mlb_dl-1.0.0-py3-none-any.whl"))
	if err != nil {
		t.Fatalf("downloaded wheel: %v\npip output:\n%s", err, out)
	}
	_, want, err := buildWheel(Package{Name: "mlb-dl", Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	// The served wheel is the built one with the index's own archive comment.
	sum := sha256.Sum256(data)
	served := ""
	for _, f := range ix.Files("mlb-dl") {
		if f.Filename == "mlb_dl-1.0.0-py3-none-any.whl" {
			served = f.SHA256
		}
	}
	if hex.EncodeToString(sum[:]) != served || !bytes.HasPrefix(data, want[:len(want)-2]) || bytes.Equal(data, want) {
		t.Error("downloaded wheel is not the built one with the index's comment")
	}
	if got := ix.Downloads("mlb-dl"); got != 1 {
		t.Errorf("Downloads = %d, want 1\npip output:\n%s", got, out)
	}
}

func TestPipInstall(t *testing.T) {
	requirePip(t)
	ix := startIndex(t, []Package{
		{
			Name:     "mlb-app",
			Version:  "2.0",
			Files:    map[string]string{"mlb_app/__init__.py": "import mlb_base\nVALUE = mlb_base.VALUE + 1\n"},
			Requires: []string{"mlb_base>=1.0"},
		},
		{Name: "MLB.Base", Version: "0.9", Files: map[string]string{"mlb_base/__init__.py": "VALUE = 0\n"}},
		{Name: "MLB.Base", Version: "1.5", Files: map[string]string{"mlb_base/__init__.py": "VALUE = 41\n"}},
	})
	target := t.TempDir()
	out, err := pip(t, "install", "--index-url", ix.URL, "--target", target, "mlb-app==2.0")
	if err != nil {
		t.Fatalf("pip install: %v\n%s", err, out)
	}
	for path, want := range map[string]string{
		"mlb_app/__init__.py":  "import mlb_base\nVALUE = mlb_base.VALUE + 1\n",
		"mlb_base/__init__.py": "VALUE = 41\n",
	} {
		got, err := os.ReadFile(filepath.Join(target, filepath.FromSlash(path)))
		if err != nil {
			t.Errorf("installed file: %v\npip output:\n%s", err, out)
		} else if string(got) != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	for _, dir := range []string{"mlb_app-2.0.dist-info", "MLB_Base-1.5.dist-info"} {
		if _, err := os.Stat(filepath.Join(target, dir, "RECORD")); err != nil {
			t.Errorf("installed metadata: %v", err)
		}
	}
	if got := ix.Downloads("mlb-app"); got != 1 {
		t.Errorf("Downloads(mlb-app) = %d, want 1", got)
	}
	if got := ix.Downloads("mlb-base"); got != 1 {
		t.Errorf("Downloads(mlb-base) = %d, want 1", got)
	}

	// The installed package actually imports.
	cmd := exec.Command("python3", "-c", "import mlb_app; print(mlb_app.VALUE)")
	cmd.Env = append(os.Environ(), "PYTHONPATH="+target)
	if got, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(got)) != "42" {
		t.Errorf("import mlb_app: %v, output %q, want 42", err, got)
	}
}

func TestPipAuth(t *testing.T) {
	requirePip(t)
	ix := startIndex(t, []Package{{Name: "mlb-private", Version: "3.1"}}, WithBasicAuth("ci", "s3cr3t"))

	// Without credentials pip gets 401 and (with no input allowed) fails.
	out, err := pip(t, "download", "--no-deps", "--index-url", ix.URL, "--dest", t.TempDir(), "mlb-private==3.1")
	if err == nil {
		t.Errorf("pip download without credentials succeeded:\n%s", out)
	}
	if ix.Requests() == 0 { // so pip failed because of the 401, not because it never reached the server
		t.Errorf("pip made no request to the index:\n%s", out)
	}
	if ix.Downloads("mlb-private") != 0 {
		t.Errorf("Downloads = %d after unauthenticated pip, want 0", ix.Downloads("mlb-private"))
	}

	target := t.TempDir()
	out, err = pip(t, "install", "--index-url", ix.AuthURL(), "--target", target, "mlb-private==3.1")
	if err != nil {
		t.Fatalf("pip install with AuthURL: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(target, "mlb_private", "__init__.py"))
	if err != nil {
		t.Fatalf("installed module: %v\npip output:\n%s", err, out)
	}
	if want := "__version__ = \"3.1\"\n"; string(got) != want {
		t.Errorf("mlb_private/__init__.py = %q, want %q", got, want)
	}
	if got := ix.Downloads("mlb-private"); got != 1 {
		t.Errorf("Downloads = %d, want 1", got)
	}
}
