package initspec

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"gopkg.in/yaml.v3"
)

// repoFS builds a MapFS from path -> content; a path ending in "/" is an empty directory.
func repoFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for p, c := range files {
		if strings.HasSuffix(p, "/") {
			m[strings.TrimSuffix(p, "/")] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
			continue
		}
		m[p] = &fstest.MapFile{Data: []byte(c), Mode: 0o644}
	}
	return m
}

const fastapiApp = `from fastapi import FastAPI

app = FastAPI(title="svc")


@app.get("/health")
def health():
    return {"status": "ok"}
`

// want is what a generated spec must resolve to (zero fields are not checked).
type want struct {
	yamlLines      []string // the non-comment, non-blank lines after the syntax line
	base           string
	requirements   []string
	trainingCopy   []string
	trainingCmd    []string
	trainingPath   []string
	inferenceCopy  []string
	inferenceCmd   []string
	inferencePath  []string
	healthPath     string
	notes          []string // substrings, each in some note
	noNotes        []string // substrings in no note
	noDockerignore bool
	// trainingGroups are targets.training.dependencies.groups; specComments substrings of
	// the spec's comments (joined, unwrapped); noRequirementsLine: the spec sets no
	// requirements.
	trainingGroups     []string
	specComments       []string
	noRequirementsLine bool
}

var defaultServe = func(target string) []string {
	return []string{"python", "-m", "uvicorn", target, "--host", "0.0.0.0", "--port", "8000"}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name string
		fsys fs.FS
		want want
	}{
		{
			name: "example",
			fsys: os.DirFS("../../examples/ml-pipeline"),
			want: want{
				yamlLines:      []string{"version: 1"},
				requirements:   []string{"requirements.txt"},
				trainingCopy:   []string{"src", "configs"},
				trainingCmd:    []string{"python", "-m", "src.train"},
				inferenceCopy:  []string{"src", "configs", "models"},
				inferenceCmd:   defaultServe("src.api:app"),
				healthPath:     "/health",
				noDockerignore: true,
				notes: []string{
					"requirements: requirements.txt",
					"code: src/",
					// The example's ejected Dockerfiles declare what the code says.
					"declared: read docker/inference/Dockerfile and docker/training/Dockerfile first",
					"training: docker/training/Dockerfile:" + exampleLine("training", "CMD ") + " runs python -m src.train: used",
					"inference: docker/inference/Dockerfile:" + exampleLine("inference", "CMD ") + " serves src.api:app: used",
					"healthcheck: GET /health, as docker/inference/Dockerfile:" + exampleLine("inference", "HEALTHCHECK ") + " declares",
					"training: writes models/ (src/train.py:",
					".dockerignore: kept; it has all the secure defaults",
					"mlbuild.yaml already exists",
				},
			},
		},
		{
			name: "flat package with requirements-prod",
			fsys: repoFS(map[string]string{
				"app/__init__.py":       "",
				"app/main.py":           fastapiApp,
				"app/model.py":          "def predict(x):\n    return x\n",
				"requirements-prod.txt": "fastapi==0.110.0\nuvicorn==0.29.0\n",
				"requirements-dev.txt":  "pytest==8.0.0\n",
				"tests/__init__.py":     "",
				"tests/test_api.py":     "from fastapi import FastAPI\napp = FastAPI()\n",
				"models/model.json":     "{}",
			}),
			want: want{
				requirements:  []string{"requirements-prod.txt"},
				trainingCopy:  []string{"app"},
				trainingCmd:   []string{"python", "-m", "src.train"},
				inferenceCopy: []string{"app", "models"},
				inferenceCmd:  defaultServe("app.main:app"),
				healthPath:    "/health",
				notes: []string{
					"installing requirements-prod.txt (skipped requirements-dev.txt)",
					"code: the app/ package (no src/)",
					"training: no entry point found",
					"inference: FastAPI app app.main:app in app/main.py",
					".dockerignore: written",
				},
			},
		},
		{
			name: "healthz route in a service package",
			fsys: repoFS(map[string]string{
				"src/__init__.py":         "",
				"src/train.py":            "print('train')\n",
				"src/service/__init__.py": "",
				"src/service/main.py": `"""Service.

app = FastAPI()  # in the docstring: not the app
"""
import fastapi
# app = FastAPI()

api: fastapi.FastAPI = fastapi.FastAPI()


@api.get("/healthz")
async def healthz():
    return {}


@api.post("/predict")
async def predict():
    return {}
`,
				"configs/train.json": "{}",
				"models/m.bin":       "x",
				"requirements.txt":   "fastapi\nuvicorn[standard]>=0.20\n",
			}),
			want: want{
				yamlLines: []string{"targets:", "inference:", "description: \"Inference image: serves src.service.main:api with uvicorn\"",
					"command: [python, -m, uvicorn, src.service.main:api, --host, 0.0.0.0, --port, \"8000\"]", "healthcheck:", "path: /healthz"},
				requirements:  []string{"requirements.txt"},
				trainingCopy:  []string{"src", "configs"},
				trainingCmd:   []string{"python", "-m", "src.train"},
				inferenceCopy: []string{"src", "configs", "models"},
				inferenceCmd:  defaultServe("src.service.main:api"),
				healthPath:    "/healthz",
				notes: []string{
					"inference: FastAPI app src.service.main:api in src/service/main.py",
					"healthcheck: the app has no /health route; probing /healthz, found at src/service/main.py:11",
				},
			},
		},
		{
			name: "no app",
			fsys: repoFS(map[string]string{
				"src/__init__.py":  "",
				"src/train.py":     "print('train')\n",
				"configs/a.yaml":   "a: 1\n",
				"requirements.txt": "numpy==1.26.4\n",
			}),
			want: want{
				requirements:  []string{"requirements.txt"},
				trainingCopy:  []string{"src", "configs"},
				trainingCmd:   []string{"python", "-m", "src.train"},
				inferenceCopy: []string{"src", "configs"},
				inferenceCmd:  defaultServe("src.api:app"),
				healthPath:    "/health",
				notes: []string{
					"inference: no ASGI app found",
					"the inference image serves src.api:app (src/api.py)",
					"inference: no models/ directory",
				},
			},
		},
		{
			name: "existing dockerignore without the secret patterns",
			fsys: repoFS(map[string]string{
				".dockerignore":    "# caches\n__pycache__\n**/__pycache__\n*.pyc\n.venv/\ndata/\nmlruns/\n.dvc/\n.agents\n",
				"src/__init__.py":  "",
				"src/api.py":       fastapiApp,
				"src/train.py":     "",
				"configs/x.json":   "{}",
				"models/x.json":    "{}",
				"requirements.txt": "fastapi\nuvicorn\n",
			}),
			want: want{
				yamlLines:      []string{"version: 1"},
				noDockerignore: true,
				notes: []string{
					".dockerignore: kept, but it lacks **/.git **/.env **/*.key **/*.pem **/*.tfstate **/*.tfstate.* **/.terraform: mlbuild leaves these out anyway",
				},
			},
		},
		{
			name: "existing dockerignore that excludes models and lacks caches",
			fsys: repoFS(map[string]string{
				".dockerignore":    ".git\n.env\n*.key\n*.pem\n*.tfstate\n*.tfstate.*\n.terraform\nmodels/\n",
				"src/__init__.py":  "",
				"src/api.py":       fastapiApp,
				"src/train.py":     "",
				"configs/x.json":   "{}",
				"models/x.json":    "{}",
				"requirements.txt": "fastapi\nuvicorn\n",
			}),
			want: want{
				inferenceCopy:  []string{"src", "configs"},
				noDockerignore: true,
				notes: []string{
					"models/ exists but .dockerignore excludes it from the build context",
					".dockerignore: kept, but it lacks **/__pycache__ **/*.pyc .venv/ data/ mlruns/ .dvc/cache/ .agents/: add them",
				},
			},
		},
		{
			name: "pyproject only",
			fsys: repoFS(map[string]string{
				"pyproject.toml":  "[project]\nname = \"x\"\ndependencies = [\"fastapi\"]\n",
				"src/__init__.py": "",
				"src/api.py":      fastapiApp,
				"src/train.py":    "",
				"configs/":        "",
				"models/":         "",
			}),
			want: want{
				yamlLines:          []string{"version: 1"}, // the frontend finds pyproject.toml
				noRequirementsLine: true,
				specComments:       []string{"Dependencies: pyproject.toml, which the frontend finds by itself"},
				notes: []string{
					"dependencies: pyproject.toml (the frontend finds it: nothing written); no lock, so pip resolves its ranges",
					"inference: pyproject.toml does not install uvicorn, which serves the app",
				},
			},
		},
		{
			name: "uv.lock with a train group, requires-python and a requirements.txt",
			fsys: repoFS(map[string]string{
				"pyproject.toml":   uvPyproject,
				"uv.lock":          uvLock,
				"requirements.txt": "fastapi\n",
				"src/__init__.py":  "",
				"src/api.py":       fastapiApp,
				"src/train.py":     "",
				"configs/":         "",
				"models/":          "",
			}),
			want: want{
				yamlLines:          []string{"version: 1", "base: python:3.11-slim", "targets:", "training:", "dependencies:", "groups: [train]"},
				base:               "python:3.11-slim",
				trainingGroups:     []string{"train"},
				noRequirementsLine: true,
				specComments: []string{"Dependencies: uv.lock, which the frontend finds by itself",
					"in one, under targets.<name>): dependencies: groups: [dev] extras: [gpu] pyproject.toml's requires-python >=3.11",
					"The group train of pyproject.toml: for training only."},
				notes: []string{
					"python: pyproject.toml's requires-python >=3.11: base python:3.11-slim",
					"dependencies: uv.lock (the frontend finds it: nothing written)",
					"dependencies: installing the group train in training",
					"dependencies: not installing the group dev (dependencies.groups installs it)",
					"dependencies: not installing the extra gpu",
					"dependencies: requirements.txt is not installed: the frontend takes uv.lock first",
				},
				noNotes: []string{"does not install uvicorn"},
			},
		},
		{
			name: "stale uv.lock, .python-version with a patch level",
			fsys: repoFS(map[string]string{
				".python-version": "3.12.3\n",
				"pyproject.toml":  strings.Replace(uvPyproject, `"uvicorn>=0.29"`, `"uvicorn>=0.30"`, 1),
				"uv.lock":         uvLock,
				"src/__init__.py": "",
				"src/api.py":      fastapiApp,
			}),
			want: want{
				base:           "python:3.12.3-slim", // the frontend checks .python-version exactly for a lock
				trainingGroups: []string{"train"},
				notes: []string{
					"python: .python-version asks for 3.12.3: base python:3.12.3-slim",
					"dependencies: uv.lock is out of date with pyproject.toml (2 differences, e.g. pyproject.toml:5:",
					"so builds refuse it: lock again",
				},
			},
		},
		{
			name: "pyproject.toml with tool settings only, and setup.py",
			fsys: repoFS(map[string]string{
				"pyproject.toml":  "[tool.ruff]\nline-length = 100\n",
				"setup.py":        "",
				"src/__init__.py": "",
				"src/train.py":    "",
			}),
			want: want{
				yamlLines:    []string{"version: 1", "requirements: []"},
				requirements: []string{},
				notes:        []string{"requirements: none; setup.py declares the dependencies, in a form mlbuild does not read"},
			},
		},
		{
			name: "poetry dependencies without a poetry.lock",
			fsys: repoFS(map[string]string{
				"pyproject.toml":  "[tool.poetry]\nname = \"x\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\nnumpy = \"^2\"\n",
				"src/__init__.py": "",
				"src/train.py":    "",
			}),
			want: want{
				yamlLines:    []string{"version: 1", "requirements: []"},
				requirements: []string{},
				notes:        []string{"pyproject.toml declares its dependencies for Poetry only ([tool.poetry]), which mlbuild installs from a poetry.lock: run poetry lock"},
			},
		},
		{
			name: "requires-python the default base satisfies",
			fsys: repoFS(map[string]string{
				"pyproject.toml":  "[project]\nname = \"x\"\nrequires-python = \">=3.9,<3.13\"\ndependencies = [\"numpy\"]\n",
				"src/__init__.py": "",
				"src/train.py":    "",
			}),
			want: want{
				notes: []string{"python: pyproject.toml's requires-python >=3.9,<3.13 holds for the default base python:3.10-slim"},
			},
		},
		{
			name: "src layout that imports its package absolutely",
			fsys: repoFS(map[string]string{
				"src/mlsvc/__init__.py": "",
				"src/mlsvc/api.py":      "from starlette.applications import Starlette\nfrom mlsvc.model import load\n\napplication = Starlette(routes=[\n    Route(\"/ready\", ready),\n])\n",
				"src/mlsvc/model.py":    "def load():\n    pass\n",
				"src/mlsvc/train.py":    "from mlsvc import model\n",
				"requirements/base.txt": "starlette==0.37.2\nuvicorn==0.29.0\n",
				"requirements/prod.txt": "-r base.txt\ngunicorn\n",
				"requirements/lint.txt": "ruff\n",
				"configs/":              "",
				"models/":               "",
			}),
			want: want{
				requirements:  []string{"requirements/base.txt", "requirements/prod.txt"},
				trainingCopy:  []string{"src", "configs"},
				trainingCmd:   []string{"python", "-m", "mlsvc.train"},
				trainingPath:  []string{"/app/src"},
				inferenceCopy: []string{"src", "configs", "models"},
				inferenceCmd:  defaultServe("mlsvc.api:application"),
				inferencePath: []string{"/app/src"},
				healthPath:    "/ready",
				notes: []string{
					"requirements: no requirements.txt; installing requirements/base.txt and requirements/prod.txt (skipped requirements/lint.txt)",
					"inference: Starlette app mlsvc.api:application in src/mlsvc/api.py",
				},
			},
		},
		{
			name: "top-level modules, python version, includes and local paths",
			fsys: repoFS(map[string]string{
				".python-version":       "3.12.3\n",
				"main.py":               "import fastapi\napp = fastapi.FastAPI()\n\n@app.get('/health')\ndef h():\n    return {}\n",
				"train.py":              "if __name__ == \"__main__\":\n    pass\n",
				"setup.py":              "",
				"requirements.txt":      "-r requirements/base.txt\n-e .\nuvicorn==0.29.0  # serve\n",
				"requirements/base.txt": "fastapi==0.110.0\n",
				"models/":               "",
			}),
			want: want{
				base:          "python:3.12-slim",
				requirements:  []string{"requirements.txt", "requirements/base.txt"},
				trainingCopy:  []string{"main.py", "train.py"},
				trainingCmd:   []string{"python", "train.py"},
				inferenceCopy: []string{"main.py", "train.py", "models"},
				inferenceCmd:  defaultServe("main:app"),
				healthPath:    "/health",
				notes: []string{
					"python: .python-version asks for 3.12: base python:3.12-slim",
					"requirements: requirements.txt includes requirements/base.txt (-r)",
					"requirements.txt:2: installs the local path .",
					"code: the top-level modules main.py and train.py (no src/ or package)",
				},
			},
		},
		{
			name: "scripts/train.py, config dir and GPU variant",
			fsys: repoFS(map[string]string{
				"src/__init__.py":      "",
				"src/api.py":           fastapiApp,
				"scripts/train.py":     "from src import api\n",
				"scripts/helpers.py":   "",
				"config/train.yaml":    "",
				"models/":              "",
				"requirements-cpu.txt": "torch==2.3.0+cpu\nuvicorn\n",
				"requirements-gpu.txt": "torch==2.3.0\nuvicorn\n",
			}),
			want: want{
				requirements:  []string{"requirements-cpu.txt"},
				trainingCopy:  []string{"src", "config", "scripts"},
				trainingCmd:   []string{"python", "scripts/train.py"},
				inferenceCopy: []string{"src", "config", "models"},
				inferenceCmd:  defaultServe("src.api:app"),
				notes: []string{
					"requirements-gpu.txt is a hardware variant of requirements-cpu.txt",
					"training: scripts/train.py runs as python scripts/train.py",
				},
			},
		},
		{
			name: "two apps, health route in a prefixed router",
			fsys: repoFS(map[string]string{
				"src/__init__.py":         "",
				"src/api.py":              "from fastapi import FastAPI\nfrom .routes import health\n\napp = FastAPI()\napp.include_router(health.router)\n",
				"src/admin.py":            "from starlette.applications import Starlette\nadmin = Starlette()\n",
				"src/routes/__init__.py":  "",
				"src/routes/health.py":    "from fastapi import APIRouter\n\nrouter = APIRouter(prefix=\"/ops\", tags=[\"ops\"])\n\n\n@router.get(\"/livez\")\ndef livez():\n    return {}\n",
				"src/train.py":            "",
				"configs/":                "",
				"models/":                 "",
				"requirements.txt":        "fastapi\nuvicorn\n",
				"tests/test_health.py":    "@app.get('/health')\n",
				"src/tests/test_local.py": "@app.get('/health')\n",
			}),
			want: want{
				yamlLines:    []string{"targets:", "inference:", "healthcheck:", "path: /ops/livez"},
				inferenceCmd: defaultServe("src.api:app"),
				healthPath:   "/ops/livez",
				notes: []string{
					"inference: also found the app src.admin:admin; serving src.api:app, chosen for 1 route",
					"healthcheck: the app has no /health route; probing /ops/livez, found at src/routes/health.py:6",
				},
			},
		},
		{
			name: "empty repository",
			fsys: repoFS(map[string]string{"README.md": "hi\n"}),
			want: want{
				requirements:  []string{},
				trainingCopy:  []string{},
				inferenceCopy: []string{},
				notes:         []string{"code: no code found", "requirements: no requirements file found"},
			},
		},
		{
			name: "a factory nothing calls is served with --factory, over a flask app",
			fsys: repoFS(map[string]string{
				"web/__init__.py":  "from flask import Flask\napp = Flask(__name__)\n",
				"svc/__init__.py":  "",
				"svc/factory.py":   "from fastapi import FastAPI\n\ndef create_app():\n    return FastAPI()\n",
				"requirements.txt": "flask\n",
			}),
			want: want{
				trainingCopy:  []string{"svc", "web"},
				inferenceCopy: []string{"svc", "web"},
				inferenceCmd:  []string{"python", "-m", "uvicorn", "svc.factory:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000"},
				healthPath:    "/docs",
				notes: []string{
					"inference: FastAPI app svc.factory:create_app (a factory: uvicorn --factory) in svc/factory.py",
					"inference: no requirements file names uvicorn",
					"probing FastAPI's /docs page",
				},
			},
		},
		{
			name: "a flask app without gunicorn runs on Flask's server, noted",
			fsys: repoFS(map[string]string{
				"web/__init__.py":  "from flask import Flask\napp = Flask(__name__)\n",
				"requirements.txt": "flask\n",
			}),
			want: want{
				inferenceCmd: []string{"python", "-m", "flask", "--app", "web:app", "run", "--host", "0.0.0.0", "--port", "8000"},
				notes:        []string{"runs on Flask's development server", "add gunicorn"},
			},
		},
		{
			name: "an app that reads .env at import is told the file stays out; a hub model id that is a local folder is no download",
			fsys: repoFS(map[string]string{
				"app/__init__.py":         "",
				"app/main.py":             "from dotenv import load_dotenv\nfrom fastapi import FastAPI\nfrom transformers import AutoModel\n\nload_dotenv()\nmodel = AutoModel.from_pretrained(\"models/bert\")\napp = FastAPI()\n\n\n@app.get(\"/health\")\ndef health():\n    return {}\n",
				"models/bert/config.json": "{}",
				".env":                    "TOKEN=x\n",
				"requirements.txt":        "fastapi\nuvicorn\npython-dotenv\ntransformers\n",
			}),
			want: want{
				inferenceCmd: []string{"python", "-m", "uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"},
				notes:        []string{"app/main.py:5 reads .env, which the secure excludes keep out"},
				noNotes:      []string{"smoke test off"},
			},
		},
		{
			name: "a flask factory with a prefixed blueprint, app.run's port and gunicorn",
			fsys: repoFS(map[string]string{
				"service/__init__.py": "from flask import Flask\n\n\ndef create_app():\n    app = Flask(__name__)\n    from .routes import bp\n    app.register_blueprint(bp)\n    return app\n",
				"service/routes.py":   "from flask import Blueprint, jsonify\n\nbp = Blueprint(\"api\", __name__, url_prefix=\"/api\")\n\n\n@bp.route(\"/health\")\ndef health():\n    return jsonify(ok=True)\n",
				"run.py":              "from service import create_app\n\napp = create_app()\n\nif __name__ == \"__main__\":\n    app.run(host=\"0.0.0.0\", port=5050)\n",
				"requirements.txt":    "flask==3.0.3\ngunicorn==22.0.0\n",
			}),
			want: want{
				inferenceCmd: []string{"python", "-m", "gunicorn", "--bind", "0.0.0.0:5050", "run:app"},
				healthPath:   "/api/health",
				notes:        []string{"Flask app run:app in run.py"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Detect(tc.fsys, Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("spec:\n%s\nnotes:\n  %s", res.Spec, strings.Join(res.Notes, "\n  "))
			s := mustLoad(t, res.Spec, DefaultFrontend)
			w := tc.want
			if w.yamlLines != nil {
				var got []string
				for _, l := range strings.Split(string(res.Spec), "\n") {
					if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
						got = append(got, l)
					}
				}
				if !containsInOrder(got, w.yamlLines) {
					t.Errorf("spec lines %q do not contain %q in order", got, w.yamlLines)
				}
				if slices.Equal(w.yamlLines, []string{"version: 1"}) && !slices.Equal(got, w.yamlLines) {
					t.Errorf("want a defaults-only spec, got lines %q", got)
				}
			}
			check := func(what string, want, got any, set bool) {
				t.Helper()
				if set {
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s (-want +got):\n%s", what, diff)
					}
				}
			}
			tr, inf := s.Targets["training"], s.Targets["inference"]
			check("base", w.base, s.Base, w.base != "")
			check("requirements", w.requirements, s.Requirements, w.requirements != nil && len(w.requirements) > 0)
			if w.requirements != nil && len(w.requirements) == 0 && len(s.Requirements) != 0 {
				t.Errorf("requirements = %q, want []", s.Requirements)
			}
			check("training copy", w.trainingCopy, froms(tr.Copy), w.trainingCopy != nil)
			check("training command", w.trainingCmd, tr.Command.Args, w.trainingCmd != nil)
			check("training pythonpath", w.trainingPath, tr.PythonPath, w.trainingPath != nil)
			check("inference copy", w.inferenceCopy, froms(inf.Copy), w.inferenceCopy != nil)
			check("inference command", w.inferenceCmd, inf.Command.Args, w.inferenceCmd != nil)
			check("inference pythonpath", w.inferencePath, inf.PythonPath, w.inferencePath != nil)
			check("healthcheck path", w.healthPath, inf.Healthcheck.Path, w.healthPath != "")
			if w.trainingPath == nil && !slices.Equal(tr.PythonPath, []string{"/app"}) {
				t.Errorf("training pythonpath %q", tr.PythonPath)
			}
			for _, n := range w.notes {
				if !slices.ContainsFunc(res.Notes, func(got string) bool { return strings.Contains(got, n) }) {
					t.Errorf("no note contains %q", n)
				}
			}
			for _, n := range w.noNotes {
				if slices.ContainsFunc(res.Notes, func(got string) bool { return strings.Contains(got, n) }) {
					t.Errorf("a note contains %q", n)
				}
			}
			var groups []string
			if d := tr.Dependencies; d != nil {
				groups = d.Groups
			}
			check("training groups", w.trainingGroups, groups, w.trainingGroups != nil)
			comments := specComments(res.Spec)
			for _, c := range w.specComments {
				if !strings.Contains(comments, c) {
					t.Errorf("the spec's comments lack %q:\n%s", c, comments)
				}
			}
			if w.noRequirementsLine && s.Has("requirements") {
				t.Errorf("the spec sets requirements")
			}
			for _, n := range res.Notes {
				if n == "" || strings.ContainsAny(n, "\n\r") {
					t.Errorf("note %q is not one line", n)
				}
			}
			if w.noDockerignore != (res.Dockerignore == nil) {
				t.Errorf("dockerignore written = %v, want %v", res.Dockerignore != nil, !w.noDockerignore)
			}
			if res.Dockerignore != nil {
				checkDockerignore(t, res.Dockerignore, s)
			}
			again, err := Detect(tc.fsys, Options{})
			if err != nil || !bytes.Equal(again.Spec, res.Spec) || !slices.Equal(again.Notes, res.Notes) || !bytes.Equal(again.Dockerignore, res.Dockerignore) {
				t.Errorf("a second Detect gave another result (err %v)", err)
			}
		})
	}
}

// specComments are the comment lines of a spec, without "#", joined by spaces.
func specComments(data []byte) string {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "# syntax=") {
			out = append(out, strings.TrimSpace(strings.TrimPrefix(l, "#")))
		}
	}
	return strings.Join(out, " ")
}

// uvPyproject and uvLock are a project locked with uv, consistent with each other: FastAPI
// and uvicorn, the extra "gpu", the groups "dev" and "train".
const uvPyproject = `[project]
name = "svc"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["fastapi>=0.110", "uvicorn>=0.29"]

[project.optional-dependencies]
gpu = ["cupy>=13"]

[dependency-groups]
dev = ["pytest>=8"]
train = ["lightgbm>=4"]
`

var uvLock = `version = 1
revision = 3
requires-python = ">=3.11"
` + uvPackage("cupy", "13.0.0", "1") + uvPackage("fastapi", "0.110.0", "2") + uvPackage("lightgbm", "4.3.0", "3") +
	uvPackage("pytest", "8.2.0", "4") + `
[[package]]
name = "svc"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "fastapi" },
    { name = "uvicorn" },
]

[package.optional-dependencies]
gpu = [
    { name = "cupy" },
]

[package.dev-dependencies]
dev = [
    { name = "pytest" },
]
train = [
    { name = "lightgbm" },
]

[package.metadata]
requires-dist = [
    { name = "cupy", marker = "extra == 'gpu'", specifier = ">=13" },
    { name = "fastapi", specifier = ">=0.110" },
    { name = "uvicorn", specifier = ">=0.29" },
]
provides-extras = ["gpu"]

[package.metadata.requires-dev]
dev = [{ name = "pytest", specifier = ">=8" }]
train = [{ name = "lightgbm", specifier = ">=4" }]
` + uvPackage("uvicorn", "0.29.0", "5")

// uvPackage is a locked package with one wheel whose hash is made of the digit h.
func uvPackage(name, version, h string) string {
	return fmt.Sprintf(`
[[package]]
name = %q
version = %q
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://files.pythonhosted.org/packages/xx/%s-%s-py3-none-any.whl", hash = "sha256:%s", size = 1000 },
]
`, name, version, name, version, strings.Repeat(h, 64))
}

// mustLoad checks the syntax line and that the spec loads.
func mustLoad(t *testing.T, data []byte, frontend string) *spec.Spec {
	t.Helper()
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if string(first) != "# syntax="+frontend {
		t.Errorf("first line %q, want # syntax=%s", first, frontend)
	}
	s, err := spec.Load(SpecFile, data, spec.Options{})
	if err != nil {
		t.Fatalf("spec.Load: %v\n%s", err, data)
	}
	return s
}

func containsInOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func froms(cs []spec.Copy) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.From)
	}
	return out
}

// checkDockerignore checks a generated .dockerignore: it parses, excludes every secure
// default and none of what the spec reads.
func checkDockerignore(t *testing.T, data []byte, s *spec.Spec) {
	t.Helper()
	patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{".git", ".env", "a/.env", "x.key", "certs/x.pem", "terraform.tfstate", "infra/terraform.tfstate.backup",
		".terraform", "__pycache__", "src/pkg/__pycache__", "src/x.pyc", ".venv", "data", "data/train.csv", "mlruns/0", ".dvc/cache", ".agents"} {
		if m, _ := pm.MatchesOrParentMatches(p); !m {
			t.Errorf(".dockerignore does not exclude %s", p)
		}
	}
	needed := slices.Clone(s.Requirements)
	for _, tg := range s.Targets {
		needed = append(needed, froms(tg.Copy)...)
	}
	for _, p := range needed {
		if m, _ := pm.MatchesOrParentMatches(p); m {
			t.Errorf(".dockerignore excludes %s, which the spec reads", p)
		}
	}
}

func TestDetectFrontend(t *testing.T) {
	fsys := repoFS(map[string]string{"src/api.py": fastapiApp, "requirements.txt": "fastapi\nuvicorn\n"})
	res, err := Detect(fsys, Options{Frontend: "registry.example.com/mlbuild/frontend:2@sha256:" + strings.Repeat("a", 64)})
	if err != nil {
		t.Fatal(err)
	}
	mustLoad(t, res.Spec, "registry.example.com/mlbuild/frontend:2@sha256:"+strings.Repeat("a", 64))
	for _, bad := range []string{"Upper/Case", "a b", "x\nversion: 2"} {
		if _, err := Detect(fsys, Options{Frontend: bad}); err == nil {
			t.Errorf("frontend %q: no error", bad)
		}
	}
}

// A data/ package is code here: the new .dockerignore must not exclude it.
func TestDockerignoreKeepsCopiedPaths(t *testing.T) {
	res, err := Detect(repoFS(map[string]string{
		"data/__init__.py": "",
		"data/train.py":    "",
		"requirements.txt": "numpy\n",
	}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := mustLoad(t, res.Spec, DefaultFrontend)
	if got := froms(s.Targets["training"].Copy); !slices.Equal(got, []string{"data"}) {
		t.Errorf("training copy %q", got)
	}
	checkDockerignoreNeeds(t, res.Dockerignore, "data")
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "left out data/") }) {
		t.Errorf("no note on the data/ pattern: %q", res.Notes)
	}
}

func checkDockerignoreNeeds(t *testing.T, data []byte, paths ...string) {
	t.Helper()
	patterns, _ := ignorefile.ReadAll(bytes.NewReader(data))
	for _, p := range paths {
		if m, _ := patternmatcher.MatchesOrParentMatches(p, patterns); m {
			t.Errorf(".dockerignore excludes %s:\n%s", p, data)
		}
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	for p, c := range map[string]string{
		"src/__init__.py":  "",
		"src/api.py":       fastapiApp,
		"src/train.py":     "",
		"configs/a.json":   "{}",
		"models/m.json":    "{}",
		"requirements.txt": "fastapi\nuvicorn\n",
	} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Write(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	specPath, ignorePath := filepath.Join(dir, SpecFile), filepath.Join(dir, IgnoreFile)
	for path, want := range map[string][]byte{specPath: res.Spec, ignorePath: res.Dockerignore} {
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v, content differs from the Result", path, err)
		}
	}
	mustLoad(t, res.Spec, DefaultFrontend)

	// A second run refuses to overwrite and names the file.
	if err := os.WriteFile(specPath, []byte("# syntax=mine\nversion: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Write(Options{Dir: dir})
	var exists *ExistsError
	if !errors.As(err, &exists) || exists.Path != specPath || !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), specPath) {
		t.Fatalf("second Write: %v, want an ExistsError naming %s", err, specPath)
	}
	if got, _ := os.ReadFile(specPath); string(got) != "# syntax=mine\nversion: 1\n" {
		t.Errorf("mlbuild.yaml was changed: %q", got)
	}

	// Force replaces the spec but keeps the user's .dockerignore.
	if err := os.WriteFile(ignorePath, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = Write(Options{Dir: dir, Force: true, Frontend: "example.com/mlbuild:1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(specPath); !bytes.Equal(got, res.Spec) || !bytes.HasPrefix(got, []byte("# syntax=example.com/mlbuild:1\n")) {
		t.Errorf("forced mlbuild.yaml: %q", got)
	}
	if got, _ := os.ReadFile(ignorePath); string(got) != "mine\n" || res.Dockerignore != nil {
		t.Errorf(".dockerignore replaced: %q", got)
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "lacks") }) {
		t.Errorf("no note on the lacking .dockerignore: %q", res.Notes)
	}

	if _, err := Write(Options{Dir: filepath.Join(dir, "missing")}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Write to a missing directory: %v", err)
	}
}

func TestScalar(t *testing.T) {
	for _, s := range []string{"src", "src.api:app", "0.0.0.0", "8000", "--host", "true", "no", "null", "~", "1e3",
		"0x1F", "a: b", "a #b", "[x]", "-", "-x", "Training image: runs python -m src.train", "x:", "é", "tab\there", "q\"uote"} {
		for _, doc := range []string{"k: " + scalar(s), "k: [" + scalar(s) + "]"} {
			var v map[string]any
			if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
				t.Errorf("%q: %v", doc, err)
				continue
			}
			got := v["k"]
			if l, ok := got.([]any); ok && len(l) == 1 {
				got = l[0]
			}
			if got != s {
				t.Errorf("%q reads back as %#v, want %q", doc, got, s)
			}
		}
	}
	if got := scalar("a$b"); got != `"a$$b"` {
		t.Errorf("scalar(a$b) = %s", got)
	}
}

func TestParseReqLine(t *testing.T) {
	for line, want := range map[string][2]string{
		"numpy==1.26": {"pkg", "numpy"},
		"Uvicorn[standard]>=0.2 ; python_version>'3'": {"pkg", "Uvicorn"},
		"-r base.txt":                  {"r", "base.txt"},
		"--requirement=base.txt":       {"r", "base.txt"},
		"-rbase.txt":                   {"r", "base.txt"},
		"-c constraints.txt":           {"c", "constraints.txt"},
		"-e .":                         {"local", "."},
		"-e git+https://x/y.git#egg=y": {"", ""},
		"./wheels/a.whl":               {"local", "./wheels/a.whl"},
		"--index-url https://x":        {"", ""},
		"# comment":                    {"", ""},
		"torch @ https://x/t.whl":      {"pkg", "torch"},
	} {
		k, a := parseReqLine(line)
		if k != want[0] || a != want[1] {
			t.Errorf("%q: %q %q, want %q", line, k, a, want)
		}
	}
}

// exampleLine is the line number of the first line of the example's ejected Dockerfile for
// target that starts with prefix (its CMD, its HEALTHCHECK): the notes init writes cite it,
// and it moves whenever the ejected steps change.
func exampleLine(target, prefix string) string {
	data, err := os.ReadFile("../../examples/ml-pipeline/docker/" + target + "/Dockerfile")
	if err != nil {
		panic(err)
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, prefix) {
			return strconv.Itoa(i + 1)
		}
	}
	panic("no " + prefix + "line in the example's " + target + " Dockerfile")
}
