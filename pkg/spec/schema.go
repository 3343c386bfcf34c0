package spec

import (
	"bytes"
	_ "embed"
)

//go:generate go run ./internal/schemagen/gen mlbuild.schema.json ../../docs/mlbuild.schema.json

// schemaJSON is the generated JSON Schema; see [Schema].
//
//go:embed mlbuild.schema.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) of mlbuild.yaml, indented, with a trailing
// newline, for editors: yaml-language-server picks it up from a
// "# yaml-language-server: $schema=..." comment or from its yaml.schemas setting. The bytes
// are the same on every call and the caller may modify them.
//
// The schema is generated from the Go types of this package, not written by hand, but not
// at run time: the frontend's binary has no sources to read the doc comments from.
// The generator (internal/schemagen, run by go generate) reflects [Spec] with
// github.com/invopop/jsonschema, takes the descriptions from the doc comments in this
// directory (AddGoComments), adds the custom YAML forms (Command, Copy, Port, Duration,
// "healthcheck: none", x- extension keys, empty values of pointer fields) and the validation
// rules a schema can carry, read from the validator's own tables ([IntRanges], [KeyPatterns],
// [MaxPort]), and writes two copies: pkg/spec/mlbuild.schema.json, embedded here, and
// docs/mlbuild.schema.json, published for editors (go:embed cannot reach docs/).
// TestSchemaIsCurrent checks both. After changing types.go or the tables, regenerate them
// with
//
//	go generate ./pkg/spec
//
// Every file [Load] accepts is valid against the schema, except that the schema wants
// "version: 1" unquoted. The converse does not hold: rules that span fields or files
// (extends, default-target, duplicate ports or destinations, a command per target), the
// path, URL, name and image-reference checks, and durations under 1ms are left to [Load].
// The error is always nil.
func Schema() ([]byte, error) {
	return bytes.Clone(schemaJSON), nil
}
