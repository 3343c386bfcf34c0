package pydeps

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWorkspace: a virtual uv workspace (testdata/uvworkspace, the shape of sqlrooms'
// python/ directory): members installed by name with what the lock resolves for them and
// the members they depend on; a virtual member brings its dependencies only; a path outside
// the workspace stays refused.
func TestWorkspace(t *testing.T) {
	data := readTestdata(t, "uvworkspace/uv.lock")
	lock, err := ParseUVLock("uv.lock", data)
	if err != nil {
		t.Fatal(err)
	}
	if members, virtual := Workspace(lock); !virtual || !cmp.Equal(members, []string{"feature-store", "ingest-api", "notebooks"}) {
		t.Errorf("Workspace = %v, %v", members, virtual)
	}
	project, err := ParsePyproject("pyproject.toml", readTestdata(t, "uvworkspace/pyproject.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if stale := StaleErrors(project, lock); stale != nil {
		t.Errorf("a virtual root is stale: %v", stale)
	}
	env := mustEnv(t, "linux", "amd64", "", "3.11.9")
	line := func(name string) int { return lineOf(t, data, "[[package]]\nname = \""+name+"\"") }
	at := func(name string) string { return "uv.lock:" + itoa(line(name)) }
	for _, tc := range []struct {
		name    string
		sel     Selection
		pins    []string
		members []Member
	}{
		{"the api and the member it depends on", Selection{Members: []string{"Ingest_API"}},
			[]string{"fastapi==0.115.0", "numpy==2.1.1"},
			[]Member{{Name: "feature-store", Dir: "feature-store", Build: true, Source: at("feature-store")}, {Name: "ingest-api", Dir: "ingest-api", Build: true, Source: at("ingest-api")}}},
		{"a member's extra and group", Selection{Members: []string{"ingest-api"}, Extras: []string{"metrics"}, Groups: []string{"dev"}},
			[]string{"fastapi==0.115.0", "numpy==2.1.1", "pytest==8.3.3", "urllib3==2.2.3"},
			[]Member{{Name: "feature-store", Dir: "feature-store", Build: true, Source: at("feature-store")}, {Name: "ingest-api", Dir: "ingest-api", Build: true, Source: at("ingest-api")}}},
		{"a virtual member", Selection{Members: []string{"notebooks"}},
			[]string{"numpy==2.1.1", "pytest==8.3.3"},
			[]Member{{Name: "feature-store", Dir: "feature-store", Build: true, Source: at("feature-store")}, {Name: "notebooks", Dir: "notebooks", Build: false, Source: at("notebooks")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pins, err := lock.Pins(env, tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.pins, pinList(pins)); diff != "" {
				t.Errorf("pins (-want +got):\n%s", diff)
			}
			members, err := WorkspaceMembers(lock, env, tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.members, members); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		})
	}

	_, err = lock.Pins(env, Selection{})
	wantLocated(t, err, "uv.lock", where{path: "manifest.members", line: 6, col: 1, msg: "uv.lock is a virtual workspace (its root pyproject.toml has no [project]): name the members to install in dependencies.members"})
	_, err = lock.Pins(env, Selection{Members: []string{"ingest"}})
	wantLocated(t, err, "uv.lock", where{path: "manifest.members", line: 6, col: 1, msg: `"ingest" is not a member of the workspace`})
	_, err = lock.Pins(env, Selection{Members: []string{"ingest-api"}, Extras: []string{"metric"}})
	wantLocated(t, err, "uv.lock", where{path: "package[2]", line: line("ingest-api"), col: 1, msg: `extra "metric" is not in the lock (it has "metrics") (did you mean "metrics"?)`})

	// A path dependency outside the workspace (../shared) stays refused where the lock has it.
	outside := edit(t, data, `source = { editable = "feature-store" }`, `source = { editable = "../feature-store" }`)
	lock, err = ParseUVLock("uv.lock", outside)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lock.Pins(env, Selection{Members: []string{"ingest-api"}})
	wantLocated(t, err, "uv.lock", where{path: "package[0].source", line: line("feature-store") + 3, col: 1, msg: `feature-store 0.2.0: a local editable source ("../feature-store") is neither the project itself nor a member of its workspace`})
}
