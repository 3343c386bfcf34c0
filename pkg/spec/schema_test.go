package spec_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlbuild/mlbuild/internal/testkit"
	validator "github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/mlbuild/mlbuild/pkg/spec/internal/schemagen"
)

// update regenerates pkg/spec/mlbuild.schema.json and docs/mlbuild.schema.json.
var update = testkit.Update

// The generated schema is checked in twice: embedded by Schema() and published in docs/.
var (
	schemaFile     = "mlbuild.schema.json"
	docsSchemaFile = filepath.Join("..", "..", "docs", "mlbuild.schema.json")
)

const schemaID = schemagen.SchemaID

// TestSchemaIsCurrent: the two checked-in schemas and Schema() are what go generate
// ./pkg/spec makes from the types and the validator's tables (-update writes them too).
func TestSchemaIsCurrent(t *testing.T) {
	want, err := schemagen.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		for _, p := range []string{schemaFile, docsSchemaFile} {
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("wrote %s and %s", schemaFile, docsSchemaFile)
		return
	}
	const hint = "run go generate ./pkg/spec (or make generate)"
	for _, p := range []string{schemaFile, docsSchemaFile} {
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v; %s", err, hint)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what the Go types generate; %s", p, hint)
		}
	}
	got, err := spec.Schema()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Schema() is not what the Go types generate; %s", hint)
	}
	got[0] = 'X'
	if again, _ := spec.Schema(); again[0] != '{' {
		t.Errorf("Schema() returned its own buffer: the caller changed the next result")
	}
}

// draft7Keywords are the keywords the schema may use. yaml-language-server validates with
// draft-07 semantics whatever $schema says, so the schema keeps to keywords that mean the
// same in draft-07 and 2020-12 ($defs is only a place $ref points into).
var draft7Keywords = map[string]bool{
	"$schema": true, "$id": true, "$ref": true, "$defs": true, "title": true, "description": true,
	"type": true, "const": true, "anyOf": true, "not": true,
	"properties": true, "patternProperties": true, "additionalProperties": true,
	"propertyNames": true, "required": true, "items": true, "minItems": true,
	"minLength": true, "pattern": true, "minimum": true, "maximum": true,
}

func TestSchemaKeywords(t *testing.T) {
	data, err := spec.Schema()
	if err != nil {
		t.Fatal(err)
	}
	var root any
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, s any)
	walk = func(path string, s any) {
		obj, ok := s.(map[string]any)
		if !ok {
			if _, isBool := s.(bool); !isBool {
				t.Errorf("%s: %T is not a schema", path, s)
			}
			return
		}
		for k, v := range obj {
			p := path + "/" + k
			switch {
			case !draft7Keywords[k]:
				t.Errorf("%s: keyword %q is not in draft7Keywords", path, k)
			case k == "$defs" || k == "properties" || k == "patternProperties":
				for name, sub := range v.(map[string]any) {
					walk(p+"/"+name, sub)
				}
			case k == "anyOf":
				for i, sub := range v.([]any) {
					walk(fmt.Sprintf("%s/%d", p, i), sub)
				}
			case k == "not" || k == "items" || k == "additionalProperties" || k == "propertyNames":
				walk(p, v)
			}
		}
	}
	walk("#", root)
}

// compileSchema compiles the embedded schema; the compiler also checks it against the
// draft 2020-12 meta-schema.
func compileSchema(t testing.TB) *validator.Schema {
	t.Helper()
	data, err := spec.Schema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := validator.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := validator.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schemaID)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// yamlToJSON decodes a YAML document into the JSON value an editor validates.
func yamlToJSON(data []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	b, err := json.Marshal(stringKeys(v))
	if err != nil {
		return nil, err
	}
	return validator.UnmarshalJSON(bytes.NewReader(b))
}

// stringKeys turns the map[any]any yaml.v3 makes for non-string keys (1: x) into JSON objects.
func stringKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = stringKeys(e)
		}
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = stringKeys(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = stringKeys(e)
		}
	}
	return v
}

func validateYAML(sch *validator.Schema, data []byte) error {
	v, err := yamlToJSON(data)
	if err != nil {
		return fmt.Errorf("not YAML: %w", err)
	}
	return sch.Validate(v)
}

// richSpec reads the spec the LLB and eject golden tests build.
func richSpec(t *testing.T) []byte {
	t.Helper()
	return []byte(testkit.RichSpec)
}

// docBlock is a ```yaml block of docs/spec.md.
type docBlock struct {
	Line    int
	Section string // the enclosing "## " heading
	Text    string
}

func docsYAMLBlocks(t *testing.T) []docBlock {
	f, err := os.Open(filepath.Join("..", "..", "docs", "spec.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		blocks  []docBlock
		cur     *docBlock
		indent  string
		section string
		n       int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(line, "## "):
			section = strings.TrimPrefix(line, "## ")
		case cur == nil && trimmed == "```yaml":
			indent = line[:len(line)-len(strings.TrimLeft(line, " "))]
			cur = &docBlock{Line: n, Section: section}
		case cur != nil && trimmed == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.Text += strings.TrimPrefix(line, indent) + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks
}

// Specs written for this test: the forms an editor must not flag. Each also loads.
var schemaEdgeSpecs = map[string]string{
	"empty-values": `version: 1
user:
python:
pip:
targets:
  training:
  inference:
    healthcheck:
      interval:
      timeout:
      retries:
      port:
      command:
    command:
    entrypoint:
    smoke-test:
    user:
      uid:
      gid:
`,
	"forms": `# syntax=ghcr.io/mlbuild/frontend:1
version: 1
x-shared: &probe {path: /ready, interval: 1m30s}
args: {PORT: "9000", INTERVAL: 250ms, RETRIES: "4"}
env: {WORKERS: 2, DEBUG: true, RATIO: 0.5}
labels: {org.example.revision: 3}
user: {name: ml, uid: "2000", gid: 2000, x-note: quoted uid}
python: {venv: /venv, system-site-packages: false, x-note: n}
pip:
  x-note: n
  secrets:
    - {id: tok, env: TOKEN, optional: true, x-note: n}
targets:
  x-notes: {anything: [1, 2]}
  inference:
    x-owner: me
    expose: ["${PORT}", 9001/udp, "9002/sctp", 9003, "09004/tcp"]
    healthcheck:
      x-why: test
      port: ${PORT}
      interval: ${INTERVAL}
      timeout: .5s
      start-period: 1h2m3.5s
      start-interval: 2s
      retries: ${RETRIES}
  worker:
    description: 42
    copy: [src, {from: data, to: /data, x-note: n}, {from: ., to: models, context: trained}]
    command: python -m worker --port $${PORT:-1}
    test: ["pytest -q", [python, -c, "import src"], [python, -m, pytest, 3]]
    healthcheck: none
    smoke-test: false
  serve:
    extends: inference
    command: [uvicorn, src.api:app, --port, 9000]
    healthcheck: *probe
`,
}

func TestSchemaAcceptsValidSpecs(t *testing.T) {
	sch := compileSchema(t)
	docs := map[string][]byte{"richSpec": richSpec(t)}
	ex, err := os.ReadFile(filepath.Join("..", "..", "examples", "ml-pipeline", "mlbuild.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	docs["examples/ml-pipeline"] = ex
	for name, s := range goodSpecs {
		docs["goodSpecs/"+name] = []byte(s)
	}
	for name, s := range schemaEdgeSpecs {
		docs["edge/"+name] = []byte(s)
	}
	for name, data := range docs {
		t.Run(name, func(t *testing.T) {
			if strings.HasPrefix(name, "edge/") {
				if _, err := spec.Load("mlbuild.yaml", data, spec.Options{}); err != nil {
					t.Fatalf("the test spec does not load, fix it: %v", err)
				}
			}
			if err := validateYAML(sch, data); err != nil {
				t.Errorf("schema rejects a valid spec:\n%s\n%v", data, err)
			}
		})
	}
}

// TestSchemaAcceptsDocsExamples validates the YAML examples of docs/spec.md: complete specs
// as they are, fragments as the top level of a spec or as a target. The examples of the
// Errors section are wrong on purpose.
func TestSchemaAcceptsDocsExamples(t *testing.T) {
	sch := compileSchema(t)
	var full, errorExamples int
	for _, b := range docsYAMLBlocks(t) {
		t.Run(fmt.Sprintf("line%d", b.Line), func(t *testing.T) {
			var v any
			if err := yaml.Unmarshal([]byte(b.Text), &v); err != nil {
				t.Fatalf("docs/spec.md:%d: not YAML: %v", b.Line, err)
			}
			doc, ok := stringKeys(v).(map[string]any)
			if !ok {
				t.Fatalf("docs/spec.md:%d: not a mapping", b.Line)
			}
			if b.Section == "Errors" {
				errorExamples++
				if err := validateYAML(sch, []byte(b.Text)); err == nil {
					t.Errorf("docs/spec.md:%d: schema accepts the example of a bad spec", b.Line)
				}
				return
			}
			if b.Section == "Full example" {
				full++
			}
			candidates := []map[string]any{
				{"version": 1, "targets": map[string]any{"t": doc}},
			}
			if _, ok := doc["version"]; ok {
				candidates = []map[string]any{doc} // a complete spec must be valid as it is
			} else {
				top := map[string]any{"version": 1}
				for k, e := range doc {
					top[k] = e
				}
				candidates = append(candidates, top)
			}
			var errs []error
			for _, c := range candidates {
				err := validateValue(sch, c)
				if err == nil {
					return
				}
				errs = append(errs, err)
			}
			t.Errorf("docs/spec.md:%d: schema rejects the example:\n%s\n%v", b.Line, b.Text, errors.Join(errs...))
		})
	}
	if full != 1 || errorExamples == 0 {
		t.Errorf("found %d full examples and %d error examples in docs/spec.md; the sections moved?", full, errorExamples)
	}
}

func validateValue(sch *validator.Schema, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	doc, err := validator.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return sch.Validate(doc)
}

// schemaLevelBad are files of testdata/bad whose mistake the schema itself can see.
var schemaLevelBad = []string{
	"10-top-level-list.yaml",
	"11-top-level-scalar.yaml",
	"12-list-where-mapping-targets.yaml",
	"13-list-where-mapping-env.yaml",
	"14-mapping-where-string-base.yaml",
	"15-mapping-where-string-copy-to.yaml",
	"16-string-for-int-uid.yaml",
	"17-string-for-int-retries.yaml",
	"18-float-version.yaml",
	"19-bool-yes.yaml",
	"20-bool-as-int.yaml",
	"21-unknown-key-top.yaml",
	"22-unknown-key-target.yaml",
	"23-unknown-key-healthcheck.yaml",
	"24-unknown-key-user.yaml",
	"25-unknown-key-python.yaml",
	"26-unknown-key-pip.yaml",
	"27-unknown-key-pip-secret.yaml",
	"28-unknown-key-copy-item.yaml",
	"29-misspelled-top-requirements.yaml",
	"30-misspelled-target-healthcheck.yaml",
	"31-misspelled-healthcheck-interval.yaml",
	"32-misspelled-copy-from.yaml",
	"33-duration-unknown-unit.yaml",
	"34-duration-negative.yaml",
	"35-duration-zero.yaml",
	"36-duration-without-unit.yaml",
	"37-port-zero.yaml",
	"38-port-too-large.yaml",
	"39-port-unknown-protocol.yaml",
	"40-port-not-a-number.yaml",
	"41-healthcheck-port-zero.yaml",
	"42-healthcheck-port-too-large.yaml",
	"45-missing-version.yaml",
	"46-version-2.yaml",
	"47-version-empty.yaml",
	"58-env-invalid-name-target.yaml",
	"59-env-invalid-name-top.yaml",
	"60-target-name-invalid.yaml",
	"72-user-negative-uid-target.yaml",
	"77-healthcheck-maybe.yaml",
}

// More schema-level mistakes, each one a spec that Load rejects too.
var schemaBadSpecs = map[string]string{
	"command-empty-list":      "version: 1\ntargets:\n  t:\n    command: []\n",
	"command-blank":           "version: 1\ntargets:\n  t:\n    command: \"  \"\n",
	"command-mapping":         "version: 1\ntargets:\n  t:\n    command: {run: x}\n",
	"test-item-empty":         "version: 1\ntargets:\n  t:\n    command: x\n    test: [~]\n",
	"copy-without-from":       "version: 1\ntargets:\n  t:\n    command: x\n    copy: [{to: /x}]\n",
	"copy-empty-item":         "version: 1\ntargets:\n  t:\n    command: x\n    copy: [src, ~]\n",
	"secret-without-id":       "version: 1\npip:\n  secrets: [{env: TOKEN}]\n",
	"target-list":             "version: 1\ntargets:\n  t: [command]\n",
	"requirements-empty":      "version: 1\nrequirements:\n",
	"workdir-empty":           "version: 1\nworkdir:\n",
	"env-value-list":          "version: 1\nenv: {A: [1]}\n",
	"duration-number":         "version: 1\ntargets:\n  inference:\n    healthcheck: {interval: 0.5}\n",
	"version-string-2":        "version: \"2\"\n",
	"healthcheck-list":        "version: 1\ntargets:\n  inference:\n    healthcheck: [none]\n",
	"port-with-uppercase-tcp": "version: 1\ntargets:\n  inference:\n    expose: [8000/TCP]\n",
	"smoke-test-string":       "version: 1\ntargets:\n  inference:\n    smoke-test: \"true\"\n",
}

func TestSchemaRejectsMalformedSpecs(t *testing.T) {
	sch := compileSchema(t)
	docs := map[string][]byte{}
	for _, name := range schemaLevelBad {
		data, err := os.ReadFile(filepath.Join("testdata", "bad", name))
		if err != nil {
			t.Fatal(err)
		}
		docs["testdata/bad/"+name] = data
	}
	for name, s := range schemaBadSpecs {
		docs[name] = []byte(s)
	}
	for name, data := range docs {
		t.Run(name, func(t *testing.T) {
			if _, err := spec.Load("mlbuild.yaml", data, spec.Options{}); err == nil {
				t.Fatalf("the test spec loads; it should be malformed")
			}
			err := validateYAML(sch, data)
			if err == nil {
				t.Fatalf("schema accepts a malformed spec:\n%s", data)
			}
			t.Logf("%v", err)
		})
	}
}

// FuzzSchemaAcceptsLoadable checks that the schema never flags a spec the frontend accepts
// (except a quoted version, which the schema wants as the integer 1).
func FuzzSchemaAcceptsLoadable(f *testing.F) {
	sch := compileSchema(f)
	for _, s := range goodSpecs {
		f.Add([]byte(s))
	}
	for _, s := range schemaEdgeSpecs {
		f.Add([]byte(s))
	}
	bad, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range bad {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := spec.Load("mlbuild.yaml", data, spec.Options{}); err != nil {
			return
		}
		v, err := yamlToJSON(data)
		if err != nil {
			return // not representable as JSON (.inf, .nan)
		}
		if m, ok := v.(map[string]any); ok {
			if _, quoted := m["version"].(string); quoted {
				return
			}
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("schema rejects a spec that loads:\n%s\n%v", data, err)
		}
	})
}
