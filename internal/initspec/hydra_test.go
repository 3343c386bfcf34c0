package initspec

import (
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"
)

func TestHydraLiteral(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("task_name: train\npaths:\n  log_dir: logs\n"), &doc); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}":       "outputs",
		"${hydra:runtime.cwd}/logs/serve/${now:%H}":     "logs/serve",
		"logs/${task_name}/runs/${now:%Y-%m-%d}":        "logs/train/runs",
		"${paths.log_dir}/${task_name}/${now:%Y-%m-%d}": "logs/train",
		"${now:%Y-%m-%d}":      "",
		"${hydra:runtime.cwd}": "",
		"runs/baseline":        "runs/baseline",
		"./runs//x/":           "runs/x",
		"/tmp/hydra/${now:%H}": "/tmp/hydra",
	} {
		if got := hydraLiteral(in, doc.Content[0]); got != want {
			t.Errorf("hydraLiteral(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestHydraCommandOverride: the command's hydra.run.dir= wins over the config's, and a run
// directory that is the working directory itself needs no writable folder.
func TestHydraCommandOverride(t *testing.T) {
	files := func(mk string) fstest.MapFS {
		return fstest.MapFS{
			"requirements.txt": {Data: []byte("hydra-core\n")},
			"Makefile":         {Data: []byte(".PHONY: train\ntrain:\n\t" + mk + "\n")},
			"train.py": {Data: []byte("import hydra\n\n\n@hydra.main(version_base=None, config_path=\"conf\", config_name=\"config\")\n" +
				"def main(cfg):\n    pass\n\n\nif __name__ == \"__main__\":\n    main()\n")},
			"conf/config.yaml": {Data: []byte("hydra:\n  run:\n    dir: logs/${now:%H}\n")},
		}
	}
	for mk, want := range map[string]string{
		"python train.py": "writable: [models, logs]",
		"python train.py hydra.run.dir=runs/baseline":     "writable: [models, runs]",
		"python train.py 'hydra.run.dir=${now:%H-%M-%S}'": "",
	} {
		res, err := Detect(files(mk), Options{})
		if err != nil {
			t.Fatal(err)
		}
		spec := string(res.Spec)
		if want == "" {
			if strings.Contains(spec, "writable:") {
				t.Errorf("%s: a run directory in the working directory needs no writable folder:\n%s", mk, spec)
			}
			continue
		}
		if !strings.Contains(spec, want) {
			t.Errorf("%s: the spec lacks %q:\n%s", mk, want, spec)
		}
	}
}
