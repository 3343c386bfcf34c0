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

frontend-binaries: ## static frontend binaries for linux/amd64 and linux/arm64 (bin/frontend-linux-<arch>)
	@mkdir -p bin
	for arch in amd64 arm64; do CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build $(GOFLAGS_BUILD) -o bin/frontend-linux-$$arch ./cmd/frontend || exit 1; done

unit: ## unit tests only (no daemon)
	$(GO) test -short ./...

test: up ## everything: unit tests, then the integration suite against the real daemon
	$(GO) vet ./...
	$(GO) test -short ./...
	bash hack/test.sh

lint: ## go vet and gofmt
	$(GO) vet ./...
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt needed" && exit 1)

update-golden: ## regenerate golden LLB files
	$(GO) test ./pkg/llbgraph/ -update

frontend-image: up ## build the frontend image (linux/amd64 + linux/arm64) and push it to the local registry (make up does this)
	@true

up: ## start the local test bed (registry, buildkitd, base stand-in, frontend image, buildx builder)
	@bash hack/up.sh

down: ## stop the test bed
	@bash hack/down.sh

demo: up ## build both images of examples/ml-pipeline with buildx, run training and inference
	@bash hack/demo.sh

fuzz: ## fuzz the spec loader for FUZZTIME (default 10m)
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime $(or $(FUZZTIME),10m) ./pkg/spec/

load: up ## 8 concurrent builds of the example on one fresh buildkitd (also part of make test)
	set -a && . .mlbuild/env && set +a && $(GO) test -count=1 -run TestConcurrentBuilds -v ./integration/

verify: lint unit ## lint and unit tests

.PHONY: fuzz load help build frontend-binaries unit test lint update-golden frontend-image up down demo verify FORCE
FORCE:

bench: up ## benchmark mlbuild against bench/baseline Dockerfiles; writes bench/results/latest.{md,json}
	set -a && . .mlbuild/env && set +a && \
	  export MLBUILD_DOCKERFILE_FRONTEND=$$(bash hack/dockerfile-frontend-image.sh $$MLBUILD_REGISTRY) && \
	  $(GO) run ./bench/cmd/bench $(BENCHFLAGS)
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/llbgraph/ | tee bench/results/go-bench.txt

.PHONY: bench
