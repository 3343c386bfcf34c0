// Package schemagen generates the JSON schema of mlbuild.yaml from the spec's Go types and
// the validator's tables (go generate ./pkg/spec runs its gen command); pkg/spec's tests
// check that the checked-in schema is what it generates.
package schemagen

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mlbuild/mlbuild/pkg/spec"
)

// SchemaID is the schema's $id.
const SchemaID = "https://github.com/mlbuild/mlbuild/docs/mlbuild.schema.json"

// Patterns of the custom forms. They must mean the same in Go's RE2 (this test) and in
// ECMA-262 (editors), so they use neither lookaround nor backreferences.
const (
	// argRefPattern finds a ${NAME} or ${NAME:-default} build argument (load.go's argRe):
	// such a value is only checked once substituted.
	argRefPattern = `\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}`
	// portNumber is 1-65535, as strconv.Atoi reads it (leading zeros and + allowed).
	portNumber  = `\+?0*([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])`
	portPattern = `^` + portNumber + `(/(tcp|udp|sctp))?$`
	// durationPattern is what time.ParseDuration accepts, without a sign or the bare "0":
	// validation wants a positive duration.
	durationUnits   = `(ns|us|µs|μs|ms|s|m|h)`
	durationPattern = `^\+?(([0-9]+(\.[0-9]*)?|\.[0-9]+)` + durationUnits + `)+$`
	zeroDuration    = `^\+?((0+(\.0*)?|\.0+)` + durationUnits + `)+$`
	extensionKey    = `^x-`
)

// quotedInt is the pattern of an integer field's value written as a string: a port's for
// the port range, else digits (validation then checks the range).
func quotedInt(r spec.IntRange) string {
	if r.Min == 1 && r.Max == spec.MaxPort {
		return `^` + portNumber + `$`
	}
	return `^\+?[0-9]+$`
}

var (
	commandType  = reflect.TypeFor[spec.Command]()
	portType     = reflect.TypeFor[spec.Port]()
	durationType = reflect.TypeFor[spec.Duration]()
	stringType   = reflect.TypeFor[string]()
)

// scalar is the schema of a string field: the decoder takes any scalar as written
// ("8000", "true" and "1.5" are strings), but no mapping, list or empty value.
func scalar() *jsonschema.Schema {
	return &jsonschema.Schema{Extras: map[string]any{"type": []string{"string", "number", "boolean"}}}
}

func ref(name string) *jsonschema.Schema { return &jsonschema.Schema{Ref: "#/$defs/" + name} }

func uint64p(n uint64) *uint64 { return &n }

func num(n int64) json.Number { return json.Number(fmt.Sprint(n)) }

// nullable lets a field be empty ("healthcheck:"): the decoder leaves a pointer nil then.
func nullable(s *jsonschema.Schema) *jsonschema.Schema {
	null := &jsonschema.Schema{Type: "null"}
	if s.AnyOf != nil && reflect.DeepEqual(*s, jsonschema.Schema{AnyOf: s.AnyOf, Description: s.Description}) {
		s.AnyOf = append(s.AnyOf, null) // no anyOf in an anyOf
		return s
	}
	desc := s.Description
	s.Description = ""
	return &jsonschema.Schema{Description: desc, AnyOf: []*jsonschema.Schema{s, null}}
}

// Generate reflects spec.Spec into the JSON Schema of mlbuild.yaml, with the validator's
// tables (spec.IntRanges, spec.KeyPatterns, spec.MaxPort). It reads the doc comments of the
// spec package's sources in dir.
func Generate(dir string) ([]byte, error) {
	pkg := reflect.TypeFor[spec.Spec]().PkgPath()
	r := &jsonschema.Reflector{
		FieldNameTag:   "yaml",
		ExpandedStruct: true,
		Anonymous:      true,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			switch t {
			case commandType, portType, durationType:
				return ref(t.Name())
			case stringType:
				return scalar()
			}
			return nil
		},
	}
	if err := r.AddGoComments(pkg, dir); err != nil {
		return nil, err
	}
	for k, v := range r.CommentMap {
		r.CommentMap[k] = unwrapComment(v)
	}
	typeDoc := func(t reflect.Type) string { return r.CommentMap[pkg+"."+t.Name()] }

	root := r.Reflect(&spec.Spec{})
	root.ID = SchemaID
	root.Title = "mlbuild.yaml"
	root.Description = "The spec file of the mlbuild BuildKit frontend: the container images of a Python ML project. docs/spec.md documents every field."
	defs := root.Definitions

	for _, t := range structTypes(reflect.TypeFor[spec.Spec]()) {
		obj := root
		if t.Name() != "Spec" {
			obj = defs[t.Name()]
		}
		if obj == nil || obj.Properties == nil {
			return nil, fmt.Errorf("no object schema reflected for %s", t)
		}
		if err := finishObject(t, obj); err != nil {
			return nil, err
		}
	}

	defs["ArgRef"] = &jsonschema.Schema{
		Type:        "string",
		Pattern:     argRefPattern,
		Description: `A value with a ${NAME} or ${NAME:-default} build argument, checked once substituted.`,
	}
	defs["Command"] = &jsonschema.Schema{
		Description: typeDoc(commandType),
		AnyOf: []*jsonschema.Schema{
			withKeywords(scalar(), func(s *jsonschema.Schema) {
				s.Pattern = `\S`
				s.Description = "Shell form: run by /bin/sh -c."
			}),
			{Type: "array", Items: scalar(), MinItems: uint64p(1), Description: "Exec form: the program and its arguments."},
		},
	}
	defs["Port"] = &jsonschema.Schema{
		Description: typeDoc(portType) + ` A number, or "N", "N/tcp", "N/udp" or "N/sctp".`,
		AnyOf: []*jsonschema.Schema{
			{Type: "integer", Minimum: num(1), Maximum: num(spec.MaxPort)},
			{Type: "string", Pattern: portPattern},
			ref("ArgRef"),
		},
	}
	defs["Duration"] = &jsonschema.Schema{
		Description: typeDoc(durationType) + " At least 1ms; a bare number is not a duration.",
		AnyOf: []*jsonschema.Schema{
			{Type: "string", Pattern: durationPattern, Not: &jsonschema.Schema{Pattern: zeroDuration}},
			ref("ArgRef"),
		},
	}
	// The short forms of Copy and Healthcheck.
	copyObj := defs["Copy"]
	defs["Copy"] = &jsonschema.Schema{
		Description: copyObj.Description,
		AnyOf: []*jsonschema.Schema{
			withKeywords(scalar(), func(s *jsonschema.Schema) {
				s.MinLength = uint64p(1)
				s.Description = "The path in the context, copied to the same path under the working directory."
			}),
			withKeywords(copyObj, func(s *jsonschema.Schema) { s.Description = "" }),
		},
	}
	runObj := defs["RunStep"]
	defs["RunStep"] = &jsonschema.Schema{
		Description: runObj.Description,
		AnyOf: []*jsonschema.Schema{
			withKeywords(scalar(), func(s *jsonschema.Schema) {
				s.Pattern = `\S`
				s.Description = "The command alone, run by /bin/sh -c."
			}),
			{Type: "array", Items: scalar(), MinItems: uint64p(1), Description: "The command alone, in exec form."},
			withKeywords(runObj, func(s *jsonschema.Schema) { s.Description = ""; s.Required = []string{"command"} }),
		},
	}
	hcObj := defs["Healthcheck"]
	defs["Healthcheck"] = &jsonschema.Schema{
		Description: hcObj.Description,
		AnyOf: []*jsonschema.Schema{
			{Const: "none", Description: "No healthcheck, not even one inherited from the base image."},
			withKeywords(hcObj, func(s *jsonschema.Schema) { s.Description = "" }),
			ref("ArgRef"), // "healthcheck: ${HC}" with HC=none
		},
	}

	b, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	out := append(unescapeHTML(b), '\n')
	var before, after any
	if err := json.Unmarshal(b, &before); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(out, &after); err != nil || !reflect.DeepEqual(before, after) {
		return nil, fmt.Errorf("unescaping changed the schema (%v)", err)
	}
	return out, nil
}

func withKeywords(s *jsonschema.Schema, f func(*jsonschema.Schema)) *jsonschema.Schema {
	f(s)
	return s
}

// finishObject adds to the schema of struct type t what reflection cannot know: extension
// keys, empty values of pointer fields, the integer forms and ranges, and key patterns.
func finishObject(t reflect.Type, obj *jsonschema.Schema) error {
	obj.PatternProperties = map[string]*jsonschema.Schema{extensionKey: jsonschema.TrueSchema}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		if js, _, _ := strings.Cut(f.Tag.Get("json"), ","); js != name {
			return fmt.Errorf("%s.%s: yaml name %q, json name %q", t.Name(), f.Name, name, js)
		}
		p, ok := obj.Properties.Get(name)
		if !ok {
			return fmt.Errorf("%s.%s: not reflected", t.Name(), f.Name)
		}
		key := t.Name() + "." + name
		desc := p.Description
		base := f.Type
		if base.Kind() == reflect.Pointer {
			base = base.Elem()
		}
		switch {
		case key == "Spec.version":
			p = &jsonschema.Schema{Type: "integer", Const: 1}
		case base.Kind() == reflect.Int:
			rule, ok := spec.IntRanges[key]
			if !ok {
				return fmt.Errorf("%s: integer field without a rule in spec.IntRanges", key)
			}
			i := &jsonschema.Schema{Type: "integer", Minimum: num(rule.Min)}
			if rule.Max != 0 {
				i.Maximum = num(rule.Max)
			}
			p = &jsonschema.Schema{AnyOf: []*jsonschema.Schema{i, {Type: "string", Pattern: quotedInt(rule)}, ref("ArgRef")}}
		}
		if pat, ok := spec.KeyPatterns[key]; ok {
			p.PropertyNames = &jsonschema.Schema{Pattern: pat}
		}
		if base.Kind() == reflect.Map && base.Elem().Kind() == reflect.Pointer {
			// "targets: {training: }" keeps the defaults; x- keys are extensions.
			p.AdditionalProperties = nullable(p.AdditionalProperties)
			p.PatternProperties = map[string]*jsonschema.Schema{extensionKey: jsonschema.TrueSchema}
		}
		p.Description = desc
		if f.Type.Kind() == reflect.Pointer {
			p = nullable(p)
		}
		obj.Properties.Set(name, p)
	}
	return nil
}

// structTypes lists t and the struct types reachable from its fields, except the custom
// forms, in a fixed order.
func structTypes(t reflect.Type) []reflect.Type {
	var out []reflect.Type
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] || t == commandType || t == portType {
			return
		}
		seen[t] = true
		out = append(out, t)
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && f.Tag.Get("yaml") != "-" {
				walk(f.Type)
			}
		}
	}
	walk(t)
	return out
}

// unwrapComment joins the lines of a doc comment paragraph.
func unwrapComment(s string) string {
	paras := strings.Split(strings.TrimSpace(s), "\n\n")
	for i, p := range paras {
		paras[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.Join(paras, "\n\n")
}

// unescapeHTML undoes encoding/json's \u003c, \u003e and \u0026, so descriptions such as
// "/run/secrets/<id>" stay readable in the file.
func unescapeHTML(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) {
			if c, ok := map[string]byte{"003c": '<', "003e": '>', "0026": '&'}[string(b[i+2:i+6])]; ok {
				out = append(out, c)
				i += 5
				continue
			}
		}
		out = append(out, b[i], b[i+1]) // an escape sequence: keep both bytes together
		i++
	}
	return out
}
