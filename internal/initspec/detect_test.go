package initspec

import (
	"io/fs"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

func TestLogicalLines(t *testing.T) {
	src := "\ufeff\"\"\"Doc.\n\napp = FastAPI()\n\"\"\"\nimport os  # app = FastAPI()\n" +
		"@router.get(\n    \"/health\",\n    summary='x',\n)\ndef h():\n    return {\"a\": '#'}\n" +
		"x = 'a' \\\n    'b'\n\tif y:\n  z = (1,\n2)\n"
	var got []string
	for _, l := range logicalLines(src) {
		got = append(got, strings.Join([]string{strconv.Itoa(l.n), strconv.Itoa(l.indent), l.code}, "|"))
	}
	want := []string{
		`1|0|""`,
		`5|0|import os`,
		`6|0|@router.get(     "/health",     summary='x', )`,
		`10|0|def h():`,
		`11|4|return {"a": '#'}`,
		`12|0|x = 'a'      'b'`,
		`14|8|if y:`,
		`15|2|z = (1, 2)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCalls(t *testing.T) {
	code := `(BASE / "logs").mkdir(parents=True); Path("a").write_text(json.dumps({"k": f(1, 2)})); os.makedirs(d, exist_ok=True)`
	var got []string
	for _, c := range calls(code) {
		got = append(got, c.fn+"<"+c.recv+">("+c.args+")")
	}
	want := []string{
		`mkdir<(BASE / "logs")>(parents=True)`,
		`write_text<Path("a")>(json.dumps({"k": f(1, 2)}))`,
		`dumps<json>({"k": f(1, 2)})`,
		`f<>(1, 2)`,
		`Path<>("a")`,
		`makedirs<os>(d, exist_ok=True)`,
	}
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	pos, kw := splitArgs(`model, "a, b", path=os.path.join("x", "y"), *rest, mode == 1`)
	if diff := cmp.Diff([]string{"model", `"a, b"`, "mode == 1"}, pos); diff != "" {
		t.Errorf("positional (-want +got):\n%s", diff)
	}
	if kw["path"] != `os.path.join("x", "y")` {
		t.Errorf("keywords %v", kw)
	}
}

func TestStrLit(t *testing.T) {
	for in, want := range map[string][2]string{
		`"a/b"`:            {"a/b", ""},
		`r'C:\x'`:          {`C:\x`, ""},
		`f"models/{name}"`: {"models/", "partial"},
		`f"{x}.pkl"`:       {"", "partial"},
		`"a\tb"`:           {"a\tb", ""},
		`b"x"`:             {"x", ""},
	} {
		v, partial, ok := strLit(in)
		p := ""
		if partial {
			p = "partial"
		}
		if !ok || v != want[0] || p != want[1] {
			t.Errorf("strLit(%s) = %q %v %v, want %q", in, v, partial, ok, want)
		}
	}
	for _, bad := range []string{`x`, `"a" + "b"`, `"unterminated`, `u`} {
		if _, _, ok := strLit(bad); ok {
			t.Errorf("strLit(%s) ok", bad)
		}
	}
}

// TestEvalPaths: the path expressions of real training and serving code.
func TestEvalPaths(t *testing.T) {
	files := map[string]string{
		"pkg/config.py": `from pathlib import Path
import os
BASE_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS = BASE_DIR / "artifacts"
MODEL_PATH = os.getenv("MODEL_PATH", str(ARTIFACTS / "model.pkl"))
`,
		"pkg/train.py": `import os
from pkg.config import ARTIFACTS
OUT = os.environ.get("OUT_DIR", "outputs")
LOGS = os.path.join(os.getcwd(), "logs", f"{stamp}.log")
def run(out_dir="results", model_dir: str = "ckpt"):
    x = 1
class Cfg:
    report_path: str = os.path.join("reports", "r.json")
p.add_argument("--save-dir", default="saved")
os.environ.setdefault("CACHE_DIR", ".cache/feat")
class Job:
    def __init__(self, work_dir="work"):
        self.work_dir = work_dir
        self.tmp = Path(work_dir) / "tmp"
@click.command()
@click.option("--output-dir", default="data/processed")
@click.option("--log", "log_dir", default="logs")
@click.argument("input_dir", default="inputs/raw", type=click.Path(exists=True))
def cli(output_dir, log_dir, input_dir):
    pass
params = yaml.safe_load(open("params.yaml"))["prepare"]
dparams = dvc.api.params_show()
`,
		"params.yaml": "prepare:\n  out_dir: data/prepared\n",
	}
	r := newRepo(repoFS(files))
	f := r.file("pkg/train.py")
	ev := &evaluator{r: r, env: map[string]envFact{"DECLARED": {value: "/app/declared/x.bin"}}, files: []*pyFile{r.file("pkg/config.py"), f}}
	for expr, want := range map[string]string{
		`"a/./b/../c.txt"`:                             "a/c.txt",
		`os.path.join("models", "m.pkl")`:              "models/m.pkl",
		`Path("data") / "cache" / name`:                "data/cache (partial)",
		`ARTIFACTS / "x.bin"`:                          "artifacts/x.bin",
		`MODEL_PATH`:                                   "artifacts/model.pkl ($MODEL_PATH)",
		`OUT + "/m.json"`:                              "outputs/m.json ($OUT_DIR)",
		`LOGS`:                                         "logs (partial)",
		`os.path.dirname(LOGS)`:                        "logs (partial)",
		`out_dir`:                                      "results",
		`self.cfg.report_path`:                         "reports/r.json",
		`args.save_dir`:                                "saved",
		`os.environ["DECLARED"]`:                       "declared/x.bin ($DECLARED)",
		`"file:./mlruns"`:                              "mlruns",
		`"sqlite:///mlflow.db"`:                        "mlflow.db [sqlite]",
		`f"runs:/{run_id}/model"`:                      "runs:/ [runs]",
		`Path(__file__).parent / "static"`:             "pkg/static",
		`os.path.join(os.path.dirname(__file__), "w")`: "pkg/w",
		`"/app/models/m.pt"`:                           "models/m.pt",
		`"/opt/ml/model"`:                              "/opt/ml/model",
		`os.getenv("X") or "fallback"`:                 "fallback",
		`f"{out_dir}/m.pkl"`:                           "results/m.pkl",
		`f"{OUT}/x/{name}.bin"`:                        "outputs/x (partial) ($OUT_DIR)",
		`f"{unknown}/x.bin"`:                           ". (partial)",
		`self.work_dir`:                                "work",
		`self.tmp / "a.txt"`:                           "work/tmp/a.txt",
		`os.environ["CACHE_DIR"]`:                      ".cache/feat ($CACHE_DIR)",
		`"{}/a/{name}.pkl".format(OUT, name=x)`:        "outputs/a (partial) ($OUT_DIR)",
		`"{0}/{1}".format(out_dir, "m.pkl")`:           "results/m.pkl",
		`output_dir`:                                   "data/processed",
		`log_dir`:                                      "logs",
		`input_dir`:                                    "inputs/raw",
		`params["out_dir"]`:                            "data/prepared",
		`dparams["prepare"]["out_dir"]`:                "data/prepared",
	} {
		v, ok := ev.eval(expr, f, 100, 0)
		got := "unknown"
		if ok {
			got = v.p
			if v.partial {
				got += " (partial)"
			}
			if v.env != "" {
				got += " ($" + v.env + ")"
			}
			if v.scheme != "" {
				got += " [" + v.scheme + "]"
			}
		}
		if got != want {
			t.Errorf("%s: got %s, want %s", expr, got, want)
		}
	}
	for _, expr := range []string{`"../outside"`, `Path.home() / "x"`, `"~/.cache"`, `unknown_name`, `Path(__file__).parent.parent.parent`} {
		if v, ok := ev.eval(expr, f, 100, 0); ok {
			t.Errorf("%s: evaluated to %+v, want unknown", expr, v)
		}
	}
}

func TestDecodeText(t *testing.T) {
	utf16le := func(s string) []byte {
		out := []byte{0xFF, 0xFE}
		for _, u := range utf16.Encode([]rune(s)) {
			out = append(out, byte(u), byte(u>>8))
		}
		return out
	}
	for name, tc := range map[string]struct {
		in        []byte
		text, enc string
		err       bool
	}{
		"utf-8":      {in: []byte("numpy\n"), text: "numpy\n"},
		"utf-8 bom":  {in: []byte("\xEF\xBB\xBFnumpy\n"), text: "numpy\n", enc: "UTF-8 with a byte order mark"},
		"utf-16 le":  {in: utf16le("numpy==1.26\r\nfastapi é\r\n"), text: "numpy==1.26\r\nfastapi é\r\n", enc: "UTF-16 (little-endian)"},
		"utf-16 be":  {in: []byte{0xFE, 0xFF, 0, 'x', 0, '\n'}, text: "x\n", enc: "UTF-16 (big-endian)"},
		"no bom nul": {in: []byte{'x', 0, '\n', 0}, err: false, text: "x\x00\n\x00"},
		"latin-1":    {in: []byte("caf\xe9\n"), err: true},
		"utf-32":     {in: []byte{0xFF, 0xFE, 0, 0, 'x', 0, 0, 0}, err: true},
	} {
		text, enc, err := decodeText(tc.in)
		if (err != nil) != tc.err || err == nil && (text != tc.text || enc != tc.enc) {
			t.Errorf("%s: %q %q %v", name, text, enc, err)
		}
	}
}

func TestAnalyzeCommand(t *testing.T) {
	for in, want := range map[string]string{
		"uvicorn app.main:app --host 0.0.0.0 --port 8080":                 "uvicorn target=app.main:app port=8080",
		"python -m uvicorn svc.api:create_app --factory --port=9000":      "uvicorn target=svc.api:create_app factory port=9000",
		"gunicorn -k uvicorn.workers.UvicornWorker -b 0.0.0.0:5000 m:app": "gunicorn asgi target=m:app port=5000",
		"gunicorn --bind :8000 web:app":                                   "gunicorn target=web:app port=8000",
		"poetry run python scripts/train.py --epochs 3":                   "python script=scripts/train.py",
		"PYTHONPATH=. python3 -u -m src.train":                            "python module=src.train",
		"cd src && python train.py > log.txt":                             "python script=src/train.py shell appdir=src",
		"uvicorn --port 8080 --host 0.0.0.0 pkg.serve:app":                "uvicorn target=pkg.serve:app port=8080",
		"fastapi run app/main.py --port 80":                               "fastapi script=app/main.py port=80",
		"uvicorn main:app --app-dir src":                                  "uvicorn target=main:app appdir=src",
		"dvc repro":                                                       "dvc",
		"":                                                                "",
	} {
		c := analyzeShell(in, envMap{"PORT": "7000"})
		var got []string
		if len(c.words) > 0 {
			got = append(got, c.words[0])
		}
		if c.asgi && c.server == "gunicorn" {
			got = append(got, "asgi")
		}
		for _, kv := range [][2]string{{"target", c.target}, {"script", c.script}, {"module", c.module}} {
			if kv[1] != "" {
				got = append(got, kv[0]+"="+kv[1])
			}
		}
		if c.factory {
			got = append(got, "factory")
		}
		if c.port != 0 {
			got = append(got, "port="+strconv.Itoa(c.port))
		}
		if c.shell != "" {
			got = append(got, "shell")
		}
		if c.appDir != "" {
			got = append(got, "appdir="+c.appDir)
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("%q: got %q, want %q", in, g, want)
		}
	}
	if c := analyzeShell("uvicorn a:app --port ${PORT:-8123}", envMap{}); c.port != 8123 {
		t.Errorf("a default port: %d", c.port)
	}
	if c := analyzeShell("uvicorn a:app --port $PORT", envMap{"PORT": "7000"}); c.port != 7000 {
		t.Errorf("a port from ENV: %d", c.port)
	}
}

// TestDetectDeclared: what Dockerfiles declare, and where the code contradicts them.
func TestDetectDeclared(t *testing.T) {
	app := "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get(\"/ping\")\ndef ping():\n    return {}\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		lines []string // spec lines, in order
		notes []string
	}{
		{
			name: "a HEALTHCHECK on a path the app does not serve is overruled",
			files: map[string]string{
				"Dockerfile":      "FROM python:3.10-slim\nHEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1\nCMD uvicorn svc.main:app --host 0.0.0.0\n",
				"svc/__init__.py": "", "svc/main.py": app, "requirements.txt": "fastapi\nuvicorn\n",
			},
			lines: []string{"healthcheck:", "path: /ping"},
			notes: []string{"healthcheck: Dockerfile:2 probes GET /, which the app does not serve (init followed all its routes)"},
		},
		{
			name: "a privileged port is served on 8000",
			files: map[string]string{
				"Dockerfile":      "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\nEXPOSE 80\nCMD [\"uvicorn\", \"svc.main:app\", \"--host\", \"0.0.0.0\", \"--port\", \"80\"]\n",
				"svc/__init__.py": "", "svc/main.py": app, "requirements.txt": "fastapi\nuvicorn\n",
			},
			lines: []string{"base: python:3.11-slim", "command: [python, -m, uvicorn, svc.main:app, --host, 0.0.0.0, --port, \"8000\"]"},
			notes: []string{"serves on port 80, which a non-root user cannot always bind: the image serves on 8000 instead; publish it as 80 (-p 80:8000)"},
		},
		{
			name: "RUN python train_model.py is the training command; ENV MODEL_PATH moves with WORKDIR",
			files: map[string]string{
				"Dockerfile": "FROM python:3.10\nWORKDIR /srv\nCOPY . .\nRUN pip install -r requirements.txt && python train_model.py\nENV MODEL_PATH=/srv/churn.joblib\n" +
					"EXPOSE 8080\nCMD [\"uvicorn\", \"app:app\", \"--host\", \"0.0.0.0\", \"--port\", \"8080\"]\n",
				"app.py":           "import os, joblib\nfrom fastapi import FastAPI\nmodel = joblib.load(os.environ[\"MODEL_PATH\"])\napp = FastAPI()\n@app.get(\"/health\")\ndef h():\n    return {}\n",
				"train_model.py":   "import joblib\nif __name__ == \"__main__\":\n    joblib.dump({}, \"churn.joblib\")\n",
				"requirements.txt": "fastapi\nuvicorn\njoblib\n",
			},
			lines: []string{"command: [python, train_model.py]", "expose: [8080]", "MODEL_PATH: /app/churn.joblib"},
			notes: []string{
				"training: Dockerfile RUN (Dockerfile:4) runs python train_model.py: used",
				"training: writes files in the working directory itself (train_model.py:3 joblib.dump)",
				"inference: the app loads churn.joblib ($MODEL_PATH) (app.py:3 joblib.load), which the repository does not hold; training writes it (train_model.py:3 joblib.dump)",
			},
		},
		{
			name: "a compose service's port and an app beside src/",
			files: map[string]string{
				"compose.yaml":    "services:\n  web:\n    build: .\n    ports: [\"8501:9100\"]\n",
				"src/__init__.py": "", "src/train.py": "if __name__ == '__main__':\n    pass\n",
				"api/main.py": app, "requirements.txt": "fastapi\nuvicorn\n",
			},
			lines: []string{"copy: [src, api]", "command: [python, -m, uvicorn, api.main:app, --host, 0.0.0.0, --port, \"9100\"]", "expose: [9100]", "path: /ping"},
			notes: []string{"inference: port 9100, as compose.yaml:4 (the compose ports of web) says"},
		},
		{
			name: "a script that fits and writes a model is the training entry; a Streamlit page that fits is not",
			files: map[string]string{
				"fit_page.py":      "import streamlit as st\nfrom sklearn.linear_model import Ridge\nm = Ridge()\nm.fit([[1]], [1])\nopen('last.txt', 'w').write('x')\nst.write('hi')\n",
				"make_model.py":    "import joblib\nfrom sklearn.linear_model import Ridge\nreg = Ridge()\nreg.fit([[1]], [1])\njoblib.dump(reg, 'model/reg.pkl')\n",
				"api/main.py":      app,
				"requirements.txt": "fastapi\nuvicorn\n",
			},
			lines: []string{"command: [python, make_model.py]", "writable: [models, model]"},
			notes: []string{"training: no file named for training; make_model.py fits a model (make_model.py:4 reg.fit) and writes files: it is the entry"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Detect(repoFS(tc.files), Options{})
			if err != nil {
				t.Fatal(err)
			}
			mustLoad(t, res.Spec, DefaultFrontend)
			var got []string
			for _, l := range strings.Split(string(res.Spec), "\n") {
				if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
					got = append(got, l)
				}
			}
			if !containsInOrder(got, tc.lines) {
				t.Errorf("spec lines %q do not contain %q in order\n%s", got, tc.lines, res.Spec)
			}
			for _, n := range tc.notes {
				if !slices.ContainsFunc(res.Notes, func(g string) bool { return strings.Contains(g, n) }) {
					t.Errorf("no note contains %q:\n  %s", n, strings.Join(res.Notes, "\n  "))
				}
			}
		})
	}
}

// TestCorpusFacts states, for each corpus repository, the facts (checked by hand against the
// repository's code) that the spec init writes for it must hold, so a golden file rewritten
// with -update cannot lose them unnoticed, and logs the corpus score: the repositories whose
// facts all hold, and the facts that hold (go test -run TestCorpusFacts -v).
func TestCorpusFacts(t *testing.T) {
	facts := map[string][]string{
		"flat-src":           {"command: [python, -m, train]", "pythonpath: [/app/src]", "path: /"},
		"package-layout":     {"command: [python, -m, churn.train_model]", "writable: [models, artifacts, reports]", "copy: [churn, config, artifacts]", "path: /healthcheck"},
		"app-beside-src":     {"writable: [models, logs, artifacts]", "copy: [src, app, artifacts]", "command: [python, -m, uvicorn, app.main:app"},
		"factory-app":        {"command: [python, -m, uvicorn, service.main:app", "path: /api/healthz", "writable: [models, outputs]"},
		"routers-prefix":     {"path: /api/v1/system/health"},
		"dockerfile-port":    {"base: python:3.11-slim", "command: [python, training/train.py, --out, model]", "writable: [models, model]", "expose: [8080]", "path: /healthz", "MODEL_PATH: /app/model/model.json"},
		"dvc-pipeline":       {"command: \"python src/prepare.py && python pipeline/training_pipeline.py --params params.yaml\"", "copy: [src, pipeline, params.yaml]", "writable: [models, artifacts, metrics, data]", "data/ (src/prepare.py:3 .to_parquet)"},
		"utf16-requirements": {"copy: [main.py, train.py, model.joblib]"},
		"mlruns-store":       {"writable: [models, mlruns]", "copy: [serve.py, train.py, mlruns]"},
		"logs-at-import":     {"writable: [models, outputs]", "writable: [logs, data]"},
		"namespace-packages": {"copy: [src, configs, common]"},
		"two-apps-evidence":  {"command: [python, -m, uvicorn, service.api:api"},
		"procfile-makefile":  {"command: [python, scripts/train_classifier.py, --epochs, \"3\"]", "command: [python, -m, uvicorn, app.main:app", "copy: [app, weights]"},
		"pyproject-scripts":  {"base: python:3.11-slim", "from recsys.cli import train", "expose: [9000]"},
		"compose":            {"command: [python, -m, src.pipeline.train]", "expose: [5000]", "MODEL_DIR: /app/outputs/model", "copy: [src, outputs]"},
		"bin-train":          {"command: [python, bin/train-model]", "writable: [models, checkpoints]", "socket.create_connection"},
		"flask-templates-gunicorn": {"command: [python, train.py]", "command: [python, -m, gunicorn, -w, \"2\", -b, 0.0.0.0:5000, app:app]",
			"expose: [5000]", "copy: [app.py, train.py, model.joblib, templates]", "healthcheck: GET /health"},
		"hub-model-at-import": {"command: [python, -m, training.train]", "command: [python, -m, uvicorn, api.main:app", "smoke-test: false",
			"api/main.py:6 transformers.pipeline downloads distilbert-base-uncased-finetuned-sst-2-english", "copy: [api, training]",
			"training: the image downloads its data when it runs (training/train.py:12 load_dataset to ~/.cache/huggingface/datasets)"},
		"port-arg-env":           {"expose: [7860]", "command: [python, -m, uvicorn, app.main:app, --host, 0.0.0.0, --port, \"7860\"]", "copy: [app, models]"},
		"port-settings-constant": {"expose: [8501]", "command: [python, -m, uvicorn, service.server:app, --host, 0.0.0.0, --port, \"8501\"]", "command: [python, -m, pipeline.train]", "path: /healthz", "copy: [pipeline, service, artifacts]"},
		"makefile-prerequisites": {"command: \"python src/data/make_dataset.py data/interim && python src/features/build_features.py data/interim data/processed && python src/models/train_model.py --config configs/train.yaml\"",
			"training: the image downloads its data when it runs (src/data/make_dataset.py:10 fetch_california_housing to ~/scikit_learn_data)"},
		"credential-at-import": {"smoke-test: false", "app/main.py:7 os.environ[\"OPENAI_API_KEY\"]", "command: [python, -m, uvicorn, app.main:app"},
		"service-subfolder-flat": {"requirements: [service/requirements.txt, training/requirements.txt]", "command: [python, -m, uvicorn, main:app",
			"pythonpath: [/app/service]", "command: [python, training/train.py]"},
		"dev-group-import": {"command: [python, -m, src.forecast.train]", "dependencies:\n      groups: [dev]", "command: [python, -m, uvicorn, src.forecast.api:app"},
		"stages-main-flask": {"command: [python, main.py]", "pythonpath: [/app, /app/src]", "copy: [src, config, app.py, templates]",
			"command: [python, -m, flask, --app, app:app, run, --host, 0.0.0.0, --port, \"8080\"]", "expose: [8080]"},
		"lightning-predict-service": {"command: [python, -m, training.train]", "writable: [lightning_logs]",
			"app/predictor.py:8 L.Trainer (default_root_dir unset: lightning_logs/)", "copy: [app, training]"},
		"catboost-retrain-endpoint": {"writable: [catboost_info, models]", "service/app.py:17 CatBoostClassifier (train_dir unset: catboost_info/)), models/"},
		"yaml-config-logdir":        {"writable: [logs]", "src/api.py:12 os.makedirs (configs/config.yaml:6 logging.log_dir)", "src/train.py:11 joblib.dump (configs/config.yaml:3 model.path)"},
		"hydra-src-train": {"command: [python, src/train.py, --config-name, train, \"trainer.max_epochs=5\", \"model.hidden=64\"]", "copy: [src, conf]",
			"training: copying conf/: the code reads conf at run time (src/train.py:10 hydra.main)"},
		"start-script-cd": {"command: \"cd app && exec python -m uvicorn main:app --host 0.0.0.0 --port 8080\"", "pythonpath: [/app/app]", "expose: [8080]",
			"Declared by Dockerfile (Dockerfile:7) via start.sh (start.sh:5)"},
		"uv-lock-wheel-only":           {"base: python:3.11-slim", "uv.lock:14:1: package[1]: onnxruntime 1.22.1: no sdist, and no wheel for linux/x86_64 CPython 3.10"},
		"poetry-lock-python":           {"base: python:3.11-slim", "Dockerfile:1 asks for 3.10, but poetry.lock cannot install on it (poetry.lock:39:1: metadata.python-versions: the lock is for Python >=3.11,<3.13)"},
		"abs-model-getenv":             {"MODEL_PATH: /app/models/fraud.joblib", "copy: [serving, models]"},
		"abs-model-const":              {"copy: [api, {from: ml/models, to: models}]", "command: [python, -m, uvicorn, api.main:app"},
		"hydra-run-dir-config":         {"writable: [models, experiments]", "copy: [api, configs, train.py]", "configs/train.yaml:9 hydra.run.dir", "hydra.job.chdir: true"},
		"hydra-group-run-dir":          {"writable: [models, logs]", "configs/hydra/default.yaml:3 hydra.run.dir"},
		"hydra-run-dir-copied":         {"copy: [serving, train.py, conf, experiments]", "writable: [models, experiments]", "conf/config.yaml:7 hydra.run.dir"},
		"hydra-serve-run-dir":          {"writable: [logs]", "conf/serve.yaml:7 hydra.run.dir", "writable: [models, outputs]"},
		"model-path-arg":               {"MODEL_PATH: /app/models/model.pkl", "Dockerfile:3 sets /opt/ml/model/model.pkl, where the image has no model", "copy: [app, models]"},
		"pylock-python-version":        {"base: python:3.12-slim", "change .python-version to 3.12 too"},
		"hydra-cli-overrides":          {"writable: [models, experiments]", "configs/experiment.yaml:10 hydra.run.dir", "hydra.job.chdir: true"},
		"end-to-end-template":          {"command: [python, -m, src.pipeline.training_pipeline]", "writable: [models, artifacts, logs]", "writable: [logs]", "path: /"},
		"fit-script-any-name":          {"command: [python, model_generator.py]", "copy: [model_generator.py, server.py, houses.csv]", "writable: [models, model]"},
		"mlflow-model-folder":          {"copy: [main.py, model]", "the app loads its model model/ from there (main.py:5 mlflow.sklearn.load_model)"},
		"makefile-run-train":           {"command: [python, -c, \"from genre.interface.main import train; train()\"]", "writable: [models, registry]", "command: [python, -m, uvicorn, genre.api.fast:app"},
		"compose-prebuilt-services":    {"expose: [8001]", "command: [python, -m, uvicorn, service.main:app, --host, 0.0.0.0, --port, \"8001\"]", "healthcheck: GET /health, route found at service/main.py:9"},
		"makefile-shell-substitution":  {"command: \"python3 src/train.py --run-name run-$$(date +%s) --stamp $$(date +%Y%m%d) --epochs 3\""},
		"committed-artifacts-input":    {"copy: [src, artifacts]", "writable: [models, artifacts]", "copy: [src, service, artifacts]"},
		"dockerfile-prod-requirements": {"requirements: [requirements_prod.txt]", "command: [python, -m, taxi.train]", "Dockerfile:6 serves on $PORT, which the Dockerfile does not set"},
		"lifespan-env-exit":            {"smoke-test: false", "src/digits/app.py:14 exits when MODEL_CHECKPOINT is unset (line 16)", "command: [python, -m, uvicorn, digits.app:app"},
		"train-endpoint-helper":        {"path: /status\n    # The app writes models/ (svc/framework.py:14 os.makedirs; svc/framework.py:15 open).\n    writable: [models]"},
		"env-convert-at-import":        {"smoke-test: false", "src/env.py:8 int(os.getenv(\"DB_PORT\")) (a TypeError when it is unset)", "path: /api/health"},
		"hub-model-in-function":        {"the app downloads distilbert-base-uncased from the Hugging Face Hub when it runs (genres/text.py:5 AutoTokenizer.from_pretrained)", "command: [python, -m, genres.train]"},
		"gunicorn-bind-port-env":       {"command: [python, -m, gunicorn, --bind, \":8000\", --workers, \"1\", --threads, \"8\", --timeout, \"0\", app:app]", "copy: [app.py, assets]", "serves on $PORT, which the Dockerfile does not set"},
		"dotenv-values-at-import":      {"smoke-test: false", "src/predict_app.py:9 config[\"APP_TOKEN\"] of dotenv_values", "command: [python, -m, gunicorn, -b, 0.0.0.0, -w, \"1\", src.predict_app:app]"},
		"makefile-python-shell-var": {"command: [python, src/train_local.py]", "Makefile target train (Makefile:7) runs python src/train_local.py: used",
			"env:\n      MLFLOW_TRACKING_URI: http://127.0.0.1:5000", "in a container is the container itself"},
		"mlflow-train-endpoint": {"copy: [server]\n    # The FastAPI app", "writable: [db, mlruns]"},
		"committed-data-csv":    {"copy: [app.py, train_model.py, data]", "command: [python, train_model.py]", ".dockerignore: left out data/"},
		"justfile-dotenv-port":  {"command: [python, -m, trainer.fit, --epochs, \"5\"]", "command: [python, -m, uvicorn, server.main:app, --host, 0.0.0.0, --port, \"6100\"]", "expose: [6100]"},
		"minio-model-at-import": {"smoke-test: false", "serving/storage.py:17 client.fget_object calls a MinIO client (made at line 9)", "command: [python, -m, uvicorn, serving.main:app"},
		"s3-db-at-import": {"smoke-test: false", "api/app.py:7 boto3.client(\"s3\").download_file calls an S3 client",
			"api/db.py:8 engine.connect calls a database engine (made at line 7)", "command: [python, train.py]"},
		"mlflow-registry-at-import": {"smoke-test: false", "serve.py:9 mlflow.pyfunc.load_model(\"models:/fraud-detector/Production\") loads from the MLflow tracking server"},
		"clients-constructed-only":  {"command: [python, -m, uvicorn, app.main:app", "healthcheck: GET /health"},
		"env-loop-at-import":        {"smoke-test: false", "service/config.py:7 os.environ[key] for key in MODEL_NAME, MODEL_VERSION", "service/config.py:9 os.environ[name] for name in FEATURE_STORE_URL, FEATURE_STORE_TOKEN"},
		"dvc-stages-file-order": {"command: \"python src/data/download.py && python src/data/process_data.py data/raw data/processed && python src/models/train_model.py data/processed models\"",
			"dvc repro runs evaluate after stage train_model", "writable: [models, data]"},
		"makefile-env-prefix": {"command: [python, scripts/train.py, --epochs, \"3\"]", "pythonpath: [/app/src, /app/lib]",
			"env:\n      MLFLOW_TRACKING_URI: file:./mlruns", "copy: [src, scripts, lib]"},
		"makefile-env-chain":          {"command: \"SEED=7 python features.py && MLFLOW_TRACKING_URI=sqlite:///mlflow.db python train.py\""},
		"env-set-at-import":           {"command: [python, -m, uvicorn, app.main:app", "healthcheck: GET /health"},
		"settings-class-imported":     {"smoke-test: false", "app/main.py:5 Settings() fills required fields from the environment: POSTGRES_SERVER (app/core/config.py:6), POSTGRES_PASSWORD (app/core/config.py:7)", "path: /api/health"},
		"serve-env-prefix":            {"env:\n      APP_MODE: api\n      TOKENIZERS_PARALLELISM: \"false\"", "command: [python, -m, uvicorn, app.main:app"},
		"url-model-at-import":         {"smoke-test: false", "main.py:13 urlopen downloads https://storage.googleapis.com/loan-models/status_classifier.joblib", "copy: [main.py, models]"},
		"settings-required-at-import": {"smoke-test: false", "src/recsys/config.py:18 Settings() fills required fields from the environment: api_key (line 12), vector_db_url (line 13)"},
		"compose-sibling-services": {"command: [python, -m, uvicorn, main:app, --host, 0.0.0.0, --port, \"8000\"]", "pythonpath: [/app/nlu]",
			"docker-compose.yml:8 (the compose ports of chat) says 5005, but that service builds chat/, not the app (nlu/main.py): not used"},
		"dockerfile-copy-folder-workdir": {"command: \"cd web && exec python -m uvicorn server:app --host 0.0.0.0 --port 8000\"",
			"command: \"cd web && exec python train.py\"", "{from: ., to: web/model, context: trained}", "writable: [web/model]"},
		"saved-pretrained-dir": {"command: [python, finetune.py]", "add {from: ticket_intents, to: ticket_intents, context: trained}"},
		"dvc-tracked-input": {"training: the code reads red-wine.csv at run time (train.py:9 pd.read_csv), which DVC tracks (red-wine.csv.dvc)",
			"command: [python, train.py]", "writable: [models, artifacts]"},
		"environ-assign-at-import": {"command: [python, -m, uvicorn, app:app", "command: [python, train.py]"},
		"fit-log-mlflow": {"command: [python, experiment.py]", "writable: [models, mlruns]",
			"experiment.py fits a model (experiment.py:12 forest.fit) and tracks the run in MLflow (experiment.py:13 mlflow.start_run)"},
		"mlflow-tracking-server": {"smoke-test: false", "service.py:8 registry.get_latest_versions contacts the MLflow tracking server http://mlflow:5000",
			"training: it logs to the MLflow tracking server http://127.0.0.1:5000 (train.py:9 mlflow.set_tracking_uri)", "command: [python, train.py]"},
		"service-helper-defaults": {"writable: [logs, feedback]", "logs/ (monitoring/tracker.py:8 os.makedirs", "feedback/ (monitoring/store.py:10 self.root.mkdir",
			"copy: [monitoring, service, models]"},
		"download-torchvision-archive": {"writable: [models, data]", "data/ (train.py:17 z.extractall; train.py:22 datasets.MNIST)",
			"training: the image downloads its data when it runs (train.py:14 open to glyphs.zip, train.py:22 datasets.MNIST to data/)"},
		"default-arg-writes": {"writable: [models, data, checkpoints, runs]", "data/ (forecast/prepare.py:7 train.to_csv",
			"runs/ (forecast/trainer.py:22 self.log_dir.mkdir", "training writes it (forecast/trainer.py:21 joblib.dump)"},
		"getenv-default-writes": {"writable: [models, outputs, .cache, artifacts]", "outputs/ (pipeline/train.py:13 os.makedirs",
			"artifacts/ (pipeline/train.py:25 joblib.dump)", ".cache/ (pipeline/train.py:22 os.makedirs)"},
		"copied-folder-written": {"copy: [src, artifacts]", "writable: [models, artifacts]", "copy: [src, app, artifacts]",
			"# The app writes artifacts/ (app/main.py:20 open).\n    writable: [artifacts]",
			"inference: the app writes app/ (app/main.py:22 open), which holds its code, copied root-owned: it cannot write there"},
		"download-data-at-train": {"writable: [models, data]", "training: the image downloads its data when it runs (src/data/fetch.py:15 urllib.request.urlretrieve to data/raw/bikes.csv",
			"src/data/fetch.py:18 open to data/raw/weather.csv", "src/data/fetch.py:22 api.dataset_download_files to data/external/",
			"src/data/fetch.py:23 fetch_openml to data/openml/", "it writes the data into data/, which the image does not copy"},
	}
	// Notes that must not be written for a case.
	absent := map[string][]string{"committed-data-csv": {"data/ is kept out of the build context"},
		"clients-constructed-only": {"smoke-test: false"}, "env-set-at-import": {"smoke-test: false"}, "serve-env-prefix": {"smoke-test: false"}, "url-model-at-import": {"gdown.download"}, "settings-required-at-import": {"experiment (line"},
		"compose-sibling-services": {"expose: [5005]", "MLFLOW_S3_ENDPOINT_URL:"},
		"environ-assign-at-import": {"smoke-test: false", "a KeyError when it is unset"},
		"saved-pretrained-dir":     {"downloads ticket_intents from the Hugging Face Hub", "smoke-test: false"},
		"download-data-at-train":   {"data/ is kept out of the build context"}}
	ignores := map[string][]string{"mlruns-store": {"!mlruns/"}, "committed-data-csv": {"!data/"}}
	dirs, _ := filepath.Glob("testdata/corpus/*")
	var repos, right, all, held int
	defer func() {
		t.Logf("corpus score: %d of %d repositories fully right, %d of %d facts", right, repos, held, all)
	}()
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			want, ok := facts[name]
			if !ok {
				t.Fatalf("no facts for %s: add them here", name)
			}
			res, err := Detect(os.DirFS(filepath.Join(dir, "repo")), Options{})
			if err != nil {
				t.Fatal(err)
			}
			spec := string(res.Spec) + "\n" + strings.Join(res.Notes, "\n")
			repos++
			ok = true
			for _, f := range want {
				all++
				if !strings.Contains(spec, f) {
					t.Errorf("the spec lacks %q", f)
					ok = false
					continue
				}
				held++
			}
			for _, f := range absent[name] {
				all++
				if strings.Contains(spec, f) {
					t.Errorf("a note says %q", f)
					ok = false
					continue
				}
				held++
			}
			if ok {
				right++
			}
			ignore, _ := os.ReadFile(filepath.Join(dir, "dockerignore.golden"))
			for _, f := range ignores[name] {
				if excl := strings.TrimPrefix(f, "!"); strings.Contains("\n"+string(ignore), "\n"+excl+"\n") {
					t.Errorf(".dockerignore excludes %s", excl)
				}
			}
			notes, _ := os.ReadFile(filepath.Join(dir, "notes.golden"))
			if name == "utf16-requirements" {
				for _, n := range []string{"UTF-16 (little-endian)", "pywin32 installs on Windows only", "file:///C:/ci/scikit-learn", "writes files in the working directory itself"} {
					if !strings.Contains(string(notes), n) {
						t.Errorf("no note on %s", n)
					}
				}
				if strings.Contains(string(notes), "names uvicorn") {
					t.Errorf("a false note on uvicorn: the UTF-16 file names it")
				}
			}
		})
	}
}

// TestDetectMangled: on the corpus repositories with files cut, doubled or with stray
// brackets, quotes and control characters, Detect never panics and what it returns loads
// (Detect itself fails when the spec would not: paths with wildcards, a "/" to make
// writable, a health path with a quote were such bugs).
func TestDetectMangled(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/corpus/*/repo")
	rng := rand.New(rand.NewSource(1))
	for _, dir := range dirs {
		base := fstest.MapFS{}
		err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				data, err := fs.ReadFile(os.DirFS(dir), p)
				base[p] = &fstest.MapFile{Data: data, Mode: 0o644}
				return err
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for iter := range 40 {
			m := fstest.MapFS{}
			for _, p := range slices.Sorted(maps.Keys(base)) {
				data := slices.Clone(base[p].Data)
				if len(data) > 0 && rng.Intn(2) == 0 {
					i := rng.Intn(len(data))
					switch rng.Intn(4) {
					case 0:
						data = data[:i]
					case 1:
						data[i] = "()[]{}\"'\\#:=/*?\n\t\x00"[rng.Intn(18)]
					case 2:
						data = slices.Insert(data, i, []byte(`"""(((["[*`)...)
					case 3:
						data = append(data, data[:i]...)
					}
				}
				m[p] = &fstest.MapFile{Data: data, Mode: 0o644}
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%s, mangling %d: panic: %v", dir, iter, r)
					}
				}()
				if _, err := Detect(m, Options{}); err != nil {
					t.Errorf("%s, mangling %d: %v", dir, iter, err)
				}
			}()
		}
	}
}

// TestImportBlockers: the calls at import that need a service, and the constructions that do
// not.
func TestImportBlockers(t *testing.T) {
	for src, want := range map[string]string{
		"import redis\nr = redis.Redis(host='redis')\nr.ping()\n":                                                                  "r.ping calls a Redis client (made at line 2), which needs its server",
		"import redis\nredis.Redis(host='redis').ping()\n":                                                                         `redis.Redis(host='redis').ping calls a Redis client, which needs its server`,
		"import psycopg2\nconn = psycopg2.connect(dsn)\n":                                                                          "psycopg2.connect connects to a database",
		"from sqlalchemy import create_engine\ncreate_engine(URL).connect()\n":                                                     "create_engine(URL).connect calls a database engine, which needs its server",
		"import mlflow\nm = mlflow.sklearn.load_model(f\"runs:/{RUN}/model\")\n":                                                   `mlflow.sklearn.load_model("runs:/") loads from the MLflow tracking server`,
		"import os\nfor a, b in [(\"X\", 1)]:\n    v = os.environ[a]\n":                                                            "os.environ[a] for a in X (a KeyError when one is unset)",
		"import os\nKEYS = load()\nvals = [os.environ[k] for k in KEYS]\n":                                                         "os.environ[k] for each k in KEYS (a KeyError when one is unset)",
		"import os\nos.environ[\"A\"] = os.environ[\"B\"]\n":                                                                       `os.environ["B"] (a KeyError when it is unset)`,
		"import os\ntry:\n    x = os.environ[\"A\"]\nexcept ImportError:\n    x = None\n":                                          `os.environ["A"] (a KeyError when it is unset)`,
		"import os\nif \"A\" in os.environ:\n    x = os.environ[\"A\"]\ny = os.environ[\"C\"]\n":                                   `os.environ["C"] (a KeyError when it is unset)`,
		"import os\nfor k in KEYS:\n    if k in os.environ:\n        cfg[k] = os.environ[k]\n":                                     "",
		"import os\nx = os.environ[\"A\"] if \"A\" in os.environ else None\n":                                                      "",
		"import os\nos.environ[\"A\"] = os.getenv(\"A\", \"1\")\nx = os.environ[\"A\"]\n":                                          "",
		"import os\nos.environ.setdefault(\"A\", \"1\")\nx = os.environ[\"A\"]\n":                                                  "",
		"import os\nos.environ[\"A\"]=os.environ[\"B\"]\n":                                                                         `os.environ["B"] (a KeyError when it is unset)`,
		"import mlflow\nmlflow.set_tracking_uri(\"http://m:5000\")\nc = mlflow.MlflowClient()\nv = c.get_latest_versions(\"m\")\n": "c.get_latest_versions contacts the MLflow tracking server http://m:5000",
		"import mlflow\nc = mlflow.MlflowClient()\nv = c.get_latest_versions(\"m\")\n":                                             "",
		"import redis\nr = redis.Redis()\ntry:\n    r.ping()\nexcept redis.exceptions.ConnectionError:\n    r = None\n":            "",
		"import redis\nr = redis.Redis()\ntry:\n    r.ping()\nexcept ImportError:\n    r = None\n":                                 "r.ping calls a Redis client (made at line 2), which needs its server",
		"e = create_engine(os.environ.get(\"DB\", \"postgresql://db/app\"))\nBase.metadata.create_all(bind=e)\n":                   "Base.metadata.create_all creates tables through a database engine (made at line 1), which needs its server",
		"e = create_engine(\"sqlite:///./app.db\")\nBase.metadata.create_all(bind=e)\n":                                            "",
		"import redis\nr = redis.Redis()\ndef f():\n    r.ping()\n":                                                                "",
		"from sqlalchemy import create_engine\ne = create_engine('sqlite:///a.db')\ne.connect()\n":                                 "",
		"import boto3\ns3 = boto3.client('s3')\nb = s3.Bucket\n":                                                                   "",
		"from pydantic_settings import BaseSettings\nclass S(BaseSettings):\n    a: int = 1\n    b: Optional[str]\ns = S()\n":      "",
	} {
		f := parsePy("m.py", src)
		var got []string
		for _, s := range f.startup {
			got = append(got, s.what)
		}
		if want == "" && len(got) > 0 || want != "" && !slices.Contains(got, want) {
			t.Errorf("%q: startup %q, want %q", src, got, want)
		}
	}
}

// TestDVCReproOrder: the training command runs the stages dvc repro runs before the training
// stage, in its order: file order, each stage after the stages whose outs it depends on.
func TestDVCReproOrder(t *testing.T) {
	r := newRepo(repoFS(map[string]string{
		"dvc.yaml": `stages:
  fetch:
    cmd: dvc pull data/raw.dvc
  featurize:
    cmd: python feat.py
    deps: [data/raw]
    outs: [data/features]
  prepare:
    cmd: python prep.py
    outs: [data/raw]
  train:
    cmd: python train.py
    deps: [data/features]
  report:
    cmd: python report.py
`,
		"feat.py": "", "prep.py": "", "train.py": "", "report.py": "",
	}))
	d := &declared{env: map[string]envFact{}}
	r.readDVC(d)
	if len(d.train) != 1 || d.train[0].shell != "python prep.py && python feat.py && python train.py" {
		t.Fatalf("train %+v", d.train)
	}
	want := []string{
		"training: dvc.yaml stage train depends on the outs of prepare, featurize: the command runs those stages first, as dvc repro does",
		"training: dvc repro runs fetch before stage train; it runs no Python of the repository, so the command leaves it out: add it to targets.training.command if training needs its output",
		"training: dvc repro runs report after stage train: not in the training command, which ends with training",
	}
	if diff := cmp.Diff(want, d.notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

// TestMakefileEnvPrefix: a recipe's VAR=value before python, with make's $(CURDIR) or
// $(PWD) for the Makefile's directory, becomes the target's env and pythonpath.
func TestMakefileEnvPrefix(t *testing.T) {
	for _, recipe := range []string{
		"PYTHONPATH=$(CURDIR)/src MODE=fast python -m pkg.train",
		"env PYTHONPATH=$(PWD)/src MODE=fast python -m pkg.train",
	} {
		res, err := Detect(repoFS(map[string]string{
			"Makefile":            "train:\n\t" + recipe + "\n",
			"src/pkg/__init__.py": "",
			"src/pkg/train.py":    "if __name__ == \"__main__\":\n    print(1)\n",
			"requirements.txt":    "numpy\n",
		}), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"command: [python, -m, pkg.train]", "pythonpath: [/app/src]", "MODE: fast"} {
			if !strings.Contains(string(res.Spec), want) {
				t.Errorf("%s: the spec lacks %q:\n%s", recipe, want, res.Spec)
			}
		}
	}
}
