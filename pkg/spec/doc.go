// Package spec decodes, defaults and validates mlbuild.yaml, the file from which the mlbuild
// frontend builds the container images of a Python ML project.
//
// Contract:
//   - It performs no I/O: callers hand it the file's bytes and the build arguments.
//   - Decoding is strict. A key that is not part of the format is an error unless it starts
//     with "x-" (extensions). Duplicate keys are errors.
//   - Every problem in a file is reported at once, as an [Errors] value whose elements are
//     [*Error]: each names the file, the line and column, the field path
//     ("targets.inference.healthcheck.interval") and what is wrong with the value.
//   - The result of [Load] is fully defaulted: every target has its copy list, command, env,
//     user, working directory and healthcheck filled in, so later stages need no defaults of
//     their own. The same input always gives the same [Spec].
//
// A minimal file is
//
//	# syntax=ghcr.io/mlbuild/frontend:1
//	version: 1
//
// which yields two targets, "training" and "inference", on python:3.10-slim. docs/spec.md
// documents every field.
package spec
