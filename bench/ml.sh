#!/usr/bin/env bash
# The ML-sized benchmarks of issues 13 and 23: mlbuild (a layer per package, one layer) against
# the hand-written Dockerfile on two generated environments (bench/ml): "ml" (~340 MB, 26
# packages: cold idle and beside a CPU burner, no-op, src edit, add/bump a small package, bump
# the big one, registry cache) and then "ml-large" (~1.5 GB, 124 packages: cold, add, bump
# small, bump big, once each by default). On two cores, "ml" took 17 minutes with these defaults
# (2026-12-08); "ml-large" took 22 minutes at its last run (per-package pip steps). Needs the test bed
# (make up; rebuild the frontend image from the tree with hack/up.sh first when it changed).
# Writes bench/results/ml.{md,json} and ml-large.{md,json}; never touches latest.* / previous.*.
# Flags go to both runs (the defaults: 3 cold and 3 loaded cold repetitions, 2 of the light warm
# scenarios, 1 of the heavy ones and of each ml-large scenario, aiming at 45 minutes in all):
# bash bench/ml.sh -ml-reps 2 -ml-heavy-reps 1 -ml-large-reps 1 -ml-load 1
# MLBUILD_BENCH_WORKLOADS="ml" (or "ml-large") runs one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
set -a && . .mlbuild/env && set +a
export PATH=$MLBUILD_BIN:$PATH
export MLBUILD_DOCKERFILE_FRONTEND=${MLBUILD_DOCKERFILE_FRONTEND:-$(bash hack/dockerfile-frontend-image.sh "$MLBUILD_REGISTRY")}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/bench" ./bench/cmd/bench
for w in ${MLBUILD_BENCH_WORKLOADS:-ml ml-large}; do
	"$bin/bench" -workload "$w" "$@"
done
