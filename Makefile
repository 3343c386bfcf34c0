# mlbuild — run "make help" for the list of targets.
SHELL := /bin/bash
GO ?= go
GOFLAGS_BUILD := -trimpath -ldflags "-s -w"

.DEFAULT_GOAL := help

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_\/-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: bin/frontend ## build the frontend binary into bin/
bin/frontend: FORCE
	@mkdir -p bin
	CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o bin/frontend ./cmd/frontend

FRONTEND_ARCHES ?= amd64 arm64
frontend-binaries: ## static frontend binaries for linux/amd64 and linux/arm64 (bin/frontend-linux-<arch>; FRONTEND_ARCHES picks)
	@mkdir -p bin
	for arch in $(FRONTEND_ARCHES); do CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build $(GOFLAGS_BUILD) -o bin/frontend-linux-$$arch ./cmd/frontend || exit 1; done

release: ## build and push the frontend image: make release REGISTRY=ghcr.io/mlbuild VERSION=X.Y.Z (reproducible, multi-platform, provenance + SBOM; tags X.Y.Z, X.Y, X; IMAGE_NAME=published name to verify a release)
	@REGISTRY="$(REGISTRY)" VERSION="$(VERSION)" IMAGE_NAME="$(IMAGE_NAME)" bash hack/release.sh

dist: ## the CLI for linux/darwin/windows x amd64/arm64 into dist/ with SHA256SUMS: make dist VERSION=X.Y.Z [REGISTRY=...] (after make release: pinned by its digest)
	@VERSION="$(VERSION)" REGISTRY="$(REGISTRY)" IMAGE_NAME="$(IMAGE_NAME)" bash hack/dist.sh

unit: ## unit tests only (no daemon); the gateway glue also under the race detector
	$(GO) test -short ./...
	$(GO) test -short -race ./pkg/frontend/

test: up ## everything: vet, unit tests, generated files current, then the integration suite against the real daemon
	$(GO) vet ./...
	$(GO) test -short ./...
	$(GO) test -short -race ./pkg/frontend/
	bash hack/check-generated.sh
	bash hack/test.sh

lint: ## go vet and gofmt
	$(GO) vet ./...
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt needed" && exit 1)

update-golden: ## regenerate golden LLB files only (make generate does all generated files)
	$(GO) test ./pkg/llbgraph/ -update

generate: ## regenerate the generated files: JSON schema, plan snapshots, golden LLB, ejected Dockerfiles, README bench figures
	$(GO) generate ./pkg/spec
	$(GO) test -count=1 -run '^TestPlanSnapshots$$' ./pkg/plan -update
	$(GO) test -count=1 ./pkg/llbgraph -update
	$(GO) test -count=1 ./pkg/eject -update
	$(GO) run ./bench/cmd/benchtable

check-generated: ## fail, listing them, if generated files differ from what make generate makes (runs it on a copy)
	@bash hack/check-generated.sh

frontend-image: up ## build the frontend image (linux/amd64 + linux/arm64) and push it to the local registry (make up does this)
	@true

up: ## start the whole test bed (registry, buildkitd, amd64+arm64 base stand-in, frontend image, buildx builder, two-node builder mlbuild-multi, Docker 29 engines)
	@bash hack/up.sh

up-demo: ## start only what make demo needs (no arm64 stand-in, no Docker 29 engines; make up adds them later)
	@MLBUILD_UP=demo bash hack/up.sh

down: ## stop the test bed
	@bash hack/down.sh

demo: ## make up-demo, then build both images of examples/ml-pipeline with buildx, run training and inference
	@bash hack/demo.sh

fuzz: ## fuzz the spec loader for FUZZTIME (default 10m)
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime $(or $(FUZZTIME),10m) ./pkg/spec/

load: up ## 8 concurrent builds of the example on one fresh buildkitd (also part of make test)
	set -a && . .mlbuild/env && set +a && $(GO) test -count=1 -run TestConcurrentBuilds -v ./integration/

verify: lint unit check-generated ## lint, unit tests, generated files current

.PHONY: release dist fuzz load help build frontend-binaries unit test lint update-golden generate check-generated frontend-image up up-demo down demo verify FORCE
FORCE:

bench: up ## benchmark mlbuild against bench/baseline Dockerfiles; writes bench/results/latest.{md,json} (the run before: previous.*) and the README's figures
	set -a && . .mlbuild/env && set +a && \
	  export MLBUILD_DOCKERFILE_FRONTEND=$$(bash hack/dockerfile-frontend-image.sh $$MLBUILD_REGISTRY) && \
	  for f in latest.json latest.md; do [ ! -f bench/results/$$f ] || cp bench/results/$$f bench/results/$$f.tmp; done && \
	  $(GO) run ./bench/cmd/bench $(BENCHFLAGS) && \
	  for f in json md; do [ ! -f bench/results/latest.$$f.tmp ] || mv bench/results/latest.$$f.tmp bench/results/previous.$$f; done
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/llbgraph/ | tee bench/results/go-bench.txt
	$(GO) run ./bench/cmd/benchtable

.PHONY: bench

bench-system: ## image bytes of a target needing a compiler: mlbuild build-packages vs a single-stage Dockerfile; writes bench/results/system-bytes.{md,json} (needs make up)
	set -a && . .mlbuild/env && set +a && $(GO) run ./bench/cmd/bench -workload system
	$(GO) run ./bench/cmd/benchtable

.PHONY: bench-system
