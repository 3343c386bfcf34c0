package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
)

// TestConcurrentBuilds: 8 builds of the example at once on one fresh buildkitd all succeed
// with identical digests.
func TestConcurrentBuilds(t *testing.T) {
	e := bed(t)
	ed := e.on(e.startDaemon(t))
	dir := e.project(t, nil)
	const n = 8
	// The builds run on goroutines of their own, which must not end the test (t.Fatal): they
	// use tryBuild and leave their result in their slot; the test's goroutine reports.
	digests := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := ed.tryBuild(t, InProcess, dir, buildOpts{target: "inference", push: fmt.Sprintf("it/concurrent-%d", i)})
			if err != nil {
				errs[i] = err
				return
			}
			_, dgst, ok := strings.Cut(res.ref, "@")
			if !ok {
				errs[i] = fmt.Errorf("pushed %q, not a repository@digest", res.ref)
				return
			}
			digests[i] = dgst
		}()
	}
	wg.Wait()
	want := ""
	for i := 0; i < n; i++ {
		switch {
		case errs[i] != nil:
			t.Errorf("build %d: %v", i, errs[i])
		case want == "":
			want = digests[i]
		case digests[i] != want:
			t.Errorf("build %d digest %s, the first successful build's %s", i, digests[i], want)
		}
	}
	if !t.Failed() {
		logf(t, "%d concurrent builds, digest %s", n, want)
	}
}

// slowSpec makes the inference build spend time in a check, so a test can interrupt it there.
const slowSpec = "version: 1\ntargets:\n  inference:\n    test: [\"sleep 60\"]\n"

// waitForVertex builds in the background and calls onStart once a vertex whose name contains
// substr has started.
func waitForVertex(t *testing.T, host, dir, substr string, onStart func(), ctx context.Context) error {
	c, err := client.New(context.Background(), host)
	must(t, err)
	defer c.Close()
	e := *theEnv
	e.host = host
	ch := make(chan *client.SolveStatus)
	var once sync.Once
	go func() {
		for s := range ch {
			for _, v := range s.Vertexes {
				if v.Started != nil && strings.Contains(v.Name, substr) {
					once.Do(onStart)
				}
			}
		}
	}()
	so, _ := solveOptFor(t, &e, dir, buildOpts{target: "inference", push: "it/interrupted"})
	_, err = c.Build(ctx, so, "mlbuild-test", frontendBuild, ch)
	return err
}

// TestCancelledBuild: a build cancelled midway (client context cancelled) leaves no image at
// its tag, and the next build succeeds.
func TestCancelledBuild(t *testing.T) {
	e := bed(t)
	dir := e.project(t, map[string]string{"mlbuild.yaml": slowSpec})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	err := waitForVertex(t, e.host, dir, "sleep 60", cancel, ctx)
	if err == nil {
		t.Fatal("the cancelled build succeeded")
	}
	logf(t, "cancelled after %s: %v", time.Since(start).Round(time.Millisecond), firstLine(err))
	if time.Since(start) > 50*time.Second {
		t.Errorf("cancelling took %s: the build was not interrupted", time.Since(start))
	}
	if tags := e.tags(t, "it/interrupted"); len(tags) != 0 {
		t.Errorf("a cancelled build pushed %v", tags)
	}
	dir = e.project(t, nil)
	if _, err := e.build(t, InProcess, dir, buildOpts{target: "inference", push: "it/after-cancel"}); err != nil {
		t.Fatalf("the build after a cancelled one failed: %v", err)
	}
}

// TestDaemonKilled: buildkitd killed (SIGKILL) during a build; restarted on the same state, the
// next build succeeds.
func TestDaemonKilled(t *testing.T) {
	e := bed(t)
	d := e.startDaemon(t)
	dir := e.project(t, map[string]string{"mlbuild.yaml": slowSpec})
	err := waitForVertex(t, d.Host, dir, "sleep 60", func() { d.Kill() }, context.Background())
	if err == nil {
		t.Fatal("the build survived its daemon being killed")
	}
	logf(t, "build on the killed daemon: %v", firstLine(err))
	if tags := e.tags(t, "it/interrupted"); len(tags) != 0 {
		t.Errorf("an interrupted build pushed %v", tags)
	}
	must(t, d.Restart())
	ed := e.on(d)
	if _, err := ed.build(t, InProcess, e.project(t, nil), buildOpts{target: "inference", push: "it/after-kill"}); err != nil {
		t.Fatalf("the build after restarting buildkitd failed: %v", err)
	}
}

// TestClearMessages: a missing spec, a context without requirements.txt and an unreachable
// index each give a clear message, never a Go panic or stack trace.
func TestClearMessages(t *testing.T) {
	e := bed(t)
	cases := []struct {
		name  string
		edits map[string]string
		file  string
		want  []string
	}{
		{"missing-spec", nil, "nope.yaml", []string{"nope.yaml", "no such file"}},
		{"no-requirements", map[string]string{"requirements.txt": ""}, "", []string{`requirements: no dependency file is in the build context`, `"requirements.txt"`}},
		{"no-models", map[string]string{"models": ""}, "", []string{`targets.inference.copy[2]: "models" is not in the build context`, "--build-context models=DIR"}},
		{"unreachable-index", map[string]string{"requirements.txt": "mlb-unreachable==1.0\n", "mlbuild.yaml": "version: 1\npip:\n  index-url: http://127.0.0.1:9/simple\n"},
			"", []string{"pip", "mlb-unreachable", "127.0.0.1:9"}},
	}
	for _, m := range []Mode{InProcess, Buildx} {
		for _, tc := range cases {
			t.Run(string(m)+"/"+tc.name, func(t *testing.T) {
				dir := e.project(t, tc.edits)
				o := buildOpts{target: "inference", push: "it/messages", file: tc.file}
				res, err := e.build(t, m, dir, o)
				if err == nil {
					t.Fatal("the build succeeded")
				}
				msg := err.Error()
				if res != nil {
					msg += res.logs
				}
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Errorf("message lacks %q:\n%s", w, firstLines(msg, 40))
					}
				}
				for _, bad := range []string{"panic:", "goroutine ", "runtime error"} {
					if strings.Contains(err.Error(), bad) {
						t.Errorf("message contains %q:\n%s", bad, err)
					}
				}
			})
		}
	}
}

func firstLine(err error) string { return firstLines(err.Error(), 1) }

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}
