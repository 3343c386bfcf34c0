#!/usr/bin/env bash
# make check-generated: runs `make generate` on a copy of this tree and fails, listing them, when
# a generated file there differs from this tree's (a source changed without `make generate`, or
# a generated file was edited by hand). Only the generated files below are compared, so other
# uncommitted changes neither fail the check nor are looked at, and this tree is never written
# (in a clean clone, as in CI, that is `make generate && git diff --exit-code -- <those files>`).
# The copy holds what git sees (tracked and untracked files, .gitignore applied); outside a git
# checkout, everything but .git, bin and .mlbuild.
set -euo pipefail
cd "$(dirname "$0")/.."
# What `make generate` writes: keep in step with the Makefile's generate target.
GENERATED=(
  pkg/spec/mlbuild.schema.json docs/mlbuild.schema.json   # go generate ./pkg/spec
  pkg/plan/testdata                                       # go test ./pkg/plan -run TestPlanSnapshots -update
  pkg/llbgraph/testdata                                   # go test ./pkg/llbgraph -update
  pkg/eject/testdata examples/ml-pipeline/docker          # go test ./pkg/eject -update
  README.md                                               # go run ./bench/cmd/benchtable (its bench region)
)
log() { printf 'check-generated: %s\n' "$*" >&2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlbuild-check-generated.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi; done |
    tar --null -T - -cf - | tar -C "$tmp" -xf -
else
  tar --exclude=./.git --exclude=./bin --exclude=./.mlbuild -cf - . | tar -C "$tmp" -xf -
fi

log "running make generate on a copy of the tree ($tmp)"
if ! make -s -C "$tmp" generate ${GO:+GO="$GO"} >"$tmp.log" 2>&1; then
  cat "$tmp.log" >&2; rm -f "$tmp.log"
  log "make generate failed (output above); the generated files could not be checked"
  exit 1
fi
rm -f "$tmp.log"

# Every file under the generated paths in the copy: what git sees plus what generate made.
changed=()
while IFS= read -r f; do
  if [ ! -e "$f" ]; then changed+=("A $f") # made by generate, missing here
  elif ! cmp -s "$f" "$tmp/$f"; then changed+=("M $f"); fi
done < <(cd "$tmp" && for p in "${GENERATED[@]}"; do if [ -e "$p" ]; then find "$p" -type f; fi; done | sort -u)

if [ ${#changed[@]} -eq 0 ]; then
  log "ok: the generated files are what make generate makes (${GENERATED[*]})"
  exit 0
fi
log "these generated files are not what make generate makes from this tree (M: differs, A: missing here):"
printf '  %s\n' "${changed[@]}" >&2
for c in "${changed[@]}"; do
  f=${c#? }
  [ "${c%% *}" = M ] && diff -u --label "$f (this tree)" --label "$f (make generate)" "$f" "$tmp/$f" || true
done | head -n 200 >&2
log "run make generate, review the diff and commit the files"
exit 1
