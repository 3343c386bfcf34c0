package integration

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// workdirProbe is training code that writes next to itself as MLflow and Hydra do: a new
// folder with a file in it and a SQLite database in the working directory, then tries to
// change its own copied source and to add a file to its copied folder. It prints what each
// attempt gave as JSON, and exits 0 either way.
const workdirProbe = `import json, os, sqlite3
out = {}
committed_config = os.path.join("configs", sorted(os.listdir("configs"))[0])
def attempt(name, f):
    try:
        f()
        out[name] = "ok"
    except Exception as e:  # OSError, or sqlite3.OperationalError
        out[name] = type(e).__name__
def folder():
    os.makedirs("mlruns/0", exist_ok=True)
    with open("mlruns/0/meta.yaml", "w") as f:
        f.write("name: Default\n")
def db():
    con = sqlite3.connect("mlflow.db")
    con.execute("create table runs (id text)")
    con.execute("insert into runs values ('r1')")
    con.commit()
    con.close()
def edit():
    with open("src/train.py", "a") as f:
        f.write("# changed\n")
def add():
    open("src/new.py", "w").close()
def add_config():
    open("configs/added.yaml", "w").close()
def edit_config():
    with open(committed_config, "a") as f:
        f.write("# changed\n")
attempt("folder", folder)
attempt("sqlite", db)
attempt("edit_source", edit)
attempt("add_to_copied_folder", add)
attempt("add_to_configs", add_config)
attempt("edit_config", edit_config)
out["workdir_owner"] = os.stat(".").st_uid
out["source_owner"] = os.stat("src/train.py").st_uid
out["configs_owner"] = os.stat("configs").st_uid
print(json.dumps(out, sort_keys=True))
`

// TestTrainingWritesItsWorkdir: the training image's working directory belongs to the user,
// in both shapes (buildkitd's merge, and the copy shape of Docker 20.10's own builder): its
// code creates a folder and a SQLite file there, and still cannot change a copied source file
// or add to a copied folder. With writable-workdir: false the workdir stays root's. A copied
// folder listed in writable (configs) is the user's in both shapes: new files can be made in
// it, the copied ones stay root's.
func TestTrainingWritesItsWorkdir(t *testing.T) {
	e := bed(t)
	want := map[string]any{"folder": "ok", "sqlite": "ok", "edit_source": "PermissionError",
		"add_to_copied_folder": "PermissionError", "workdir_owner": float64(10001), "source_owner": float64(0),
		"add_to_configs": "PermissionError", "edit_config": "PermissionError", "configs_owner": float64(0)}
	off := map[string]any{"folder": "PermissionError", "sqlite": "OperationalError", "edit_source": "PermissionError",
		"add_to_copied_folder": "PermissionError", "workdir_owner": float64(0), "source_owner": float64(0),
		"add_to_configs": "PermissionError", "edit_config": "PermissionError", "configs_owner": float64(0)}
	// configs/ copied and writable: the code adds files beside the committed ones, which stay
	// root's; the working directory stays root's (writable-workdir: false).
	copiedWritable := map[string]any{"folder": "PermissionError", "sqlite": "OperationalError", "edit_source": "PermissionError",
		"add_to_copied_folder": "PermissionError", "workdir_owner": float64(0), "source_owner": float64(0),
		"add_to_configs": "ok", "edit_config": "PermissionError", "configs_owner": float64(10001)}
	check := func(t *testing.T, where, stdout string, want map[string]any) {
		t.Helper()
		var got map[string]any
		if err := json.Unmarshal([]byte(lastLine(stdout)), &got); err != nil {
			t.Fatalf("%s: the probe printed no report: %v\n%s", where, err, stdout)
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: %s = %v, want %v (report %v)", where, k, got[k], w, got)
			}
		}
	}
	// The base by the registry's address: Docker 20.10's own builder does not use buildkitd's
	// docker.io mirror.
	base := "version: 1\nbase: " + e.registry + "/library/python:3.10-slim\n"
	for _, tc := range []struct {
		name, spec string
		want       map[string]any
	}{
		{"default", base + "targets:\n  training:\n    command: [python, -m, src.probe]\n", want},
		{"off", base + "targets:\n  training:\n    writable-workdir: false\n    command: [python, -m, src.probe]\n", off},
		{"copied-writable", base + "targets:\n  training:\n    writable-workdir: false\n    writable: [models, configs]\n    command: [python, -m, src.probe]\n", copiedWritable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := e.project(t, map[string]string{"mlbuild.yaml": tc.spec, "src/probe.py": workdirProbe})
			res, err := e.build(t, Buildx, dir, buildOpts{target: "training", push: "it/workdir-" + tc.name})
			if err != nil {
				t.Fatal(err)
			}
			rep := e.runInBuildKit(t, res.ref, "train", nil)
			if rep.Exit != 0 {
				t.Fatalf("merge shape: the probe exited %d\n%s\n%s", rep.Exit, rep.Stdout, rep.Stderr)
			}
			check(t, "merge shape (buildkitd)", rep.Stdout, tc.want)

			if !e.docker {
				skipUnless(t, false, "a Docker engine (docker info): its own builder (no merge op) builds the copy shape")
			}
			eng := dockerEngine{name: "docker-20.10", run: true}
			tag := fmt.Sprintf("mlbuild-it/workdir-%s:%d", tc.name, time.Now().UnixNano())
			if out, err := eng.cmd("build", "--progress=plain", "-f", filepath.Join(dir, "mlbuild.yaml"), "--target", "training", "-t", tag, dir).CombinedOutput(); err != nil {
				t.Fatalf("docker build: %v\n%s", err, out)
			} else if strings.Contains(string(out), "] assemble ") {
				t.Fatalf("Docker 20.10's builder assembled with a merge op:\n%s", out)
			}
			defer eng.cmd("rmi", "-f", tag).Run()
			out, err := eng.cmd("run", "--rm", "--network", "none", tag).CombinedOutput()
			if err != nil {
				t.Fatalf("docker run: %v\n%s", err, out)
			}
			check(t, "copy shape (Docker 20.10)", string(out), tc.want)
		})
	}
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
