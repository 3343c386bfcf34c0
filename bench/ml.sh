#!/usr/bin/env bash
# The ML-sized benchmark of issue 13: mlbuild (per-package layers, one layer) against the
# hand-written Dockerfile on a generated environment of ~340 MB (bench/ml). Needs the test bed
# (make up; rebuild the frontend image from the tree with hack/up.sh first when it changed).
# Writes bench/results/ml.{md,json}; never touches latest.* / previous.*.
# Flags go to the bench: bash bench/ml.sh -ml-reps 3 -ml-heavy-reps 2 -only 1-cold,2-noop
set -euo pipefail
cd "$(dirname "$0")/.."
set -a && . .mlbuild/env && set +a
export PATH=$MLBUILD_BIN:$PATH
export MLBUILD_DOCKERFILE_FRONTEND=${MLBUILD_DOCKERFILE_FRONTEND:-$(bash hack/dockerfile-frontend-image.sh "$MLBUILD_REGISTRY")}
exec go run ./bench/cmd/bench -workload ml "$@"
