#!/usr/bin/env bash
# The README's "run it" command: sets up what it needs (hack/up.sh at MLBUILD_UP=demo unless
# MLBUILD_UP says otherwise: no linux/arm64 stand-in, no Docker 29 engines), builds the training
# and inference images of examples/ml-pipeline with `docker buildx build -f mlbuild.yaml` through
# the "# syntax=" directive (pointed at the locally built frontend), pushes them to the local
# registry, runs training, starts inference and prints its /health and one /predict answer.
# Every phase prints "phase NAME: N s" on stderr; the end repeats them all with the total.
# MLBUILD_DEMO_PORT (default 8000) and MLBUILD_DEMO_NAME (container name prefix, default
# mlbuild-demo) keep a second demo apart from the first.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/timing.sh
MLBUILD_PHASE_LOG=$(mktemp)
export MLBUILD_PHASE_LOG
CLEANUP_INFERENCE=
on_exit() {
  local status=$?
  if [ -n "$CLEANUP_INFERENCE" ]; then docker rm -f "$NAME-inference" >/dev/null 2>&1 || true; fi
  if [ -s "$MLBUILD_PHASE_LOG" ]; then
    printf '\n\033[1mmake demo phases (%s):\033[0m\n' "$([ $status = 0 ] && echo done || echo "failed, exit $status")" >&2
    sed 's/^/  /' "$MLBUILD_PHASE_LOG" >&2
  fi
  rm -f "$MLBUILD_PHASE_LOG"
}
trap on_exit EXIT
MLBUILD_UP=${MLBUILD_UP:-demo} bash hack/up.sh
set -a; . .mlbuild/env; set +a
export PATH="$MLBUILD_BIN:$PATH"
step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
fail() { printf '\n\033[1;31mdemo failed: %s\033[0m\n' "$*" >&2; exit 1; }

EX=examples/ml-pipeline
PORT=${MLBUILD_DEMO_PORT:-8000}
NAME=${MLBUILD_DEMO_NAME:-mlbuild-demo}
for target in training inference; do
  phase "build $target"
  step "docker buildx build -f mlbuild.yaml --target $target (frontend: $MLBUILD_FRONTEND)"
  docker buildx build --builder mlbuild --progress=plain \
    -f "$EX/mlbuild.yaml" --target "$target" \
    --build-arg BUILDKIT_SYNTAX="$MLBUILD_FRONTEND" \
    -t "$MLBUILD_REGISTRY/mlbuild-demo/$target:latest" --push "$EX" \
    || fail "building $target; the error above points at the spec line"
done

if ! docker info >/dev/null 2>&1; then
  step "no Docker engine answers: the images are in $MLBUILD_REGISTRY/mlbuild-demo/; skipping docker run"
  phase_total "make demo"
  exit 0
fi
phase "docker pull"
TRAIN=$MLBUILD_REGISTRY/mlbuild-demo/training:latest
INFER=$MLBUILD_REGISTRY/mlbuild-demo/inference:latest
docker pull -q "$TRAIN" >/dev/null && docker pull -q "$INFER" >/dev/null

phase "run training"
step "docker run training (its default command: python -m src.train)"
docker rm -f "$NAME-train" "$NAME-inference" >/dev/null 2>&1 || true
docker run --name "$NAME-train" "$TRAIN" || fail "training exited non-zero"
docker cp "$NAME-train:/app/models/model.json" - | tar -xO | head -c 300; echo
docker rm "$NAME-train" >/dev/null

phase "run inference"
step "docker run -p $PORT:8000 inference"
docker run -d --name "$NAME-inference" -p "127.0.0.1:$PORT:8000" "$INFER" >/dev/null
CLEANUP_INFERENCE=1
for _ in $(seq 60); do curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.5; done
step "GET /health"
curl -fsS "http://127.0.0.1:$PORT/health" || { docker logs "$NAME-inference"; fail "inference did not answer /health"; }
echo
step "POST /predict"
curl -fsS -X POST -H 'content-type: application/json' \
  -d '{"instances": [[0.1, 0.2, 0.3, 0.4], [1, 0, 0, 0]]}' "http://127.0.0.1:$PORT/predict"
echo
step "the image's own healthcheck (from its config), run inside the container"
test_json=$(docker inspect "$INFER" --format '{{json .Config.Healthcheck.Test}}')
eval "probe=($(jq -r '.[1:] | @sh' <<<"$test_json"))"
docker exec "$NAME-inference" "${probe[@]}" && echo "healthcheck ${probe[0]} ...: exit 0"
sleep 1
docker inspect "$NAME-inference" --format 'docker health status: {{.State.Health.Status}}'
step "done: images $TRAIN and $INFER"
phase_total "make demo"
