#!/usr/bin/env bash
# The integration part of "make test": runs ./integration against the test bed in .mlbuild/env,
# printing one line per test and, on failure, the failing output. Exits with go test's status
# (or 1 when MLBUILD_REQUIRE_ALL=1 and a test skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .mlbuild/env ] || { echo "test: .mlbuild/env is missing: run make up first (make test does)" >&2; exit 1; }
set -a; . .mlbuild/env; set +a
export PATH="$MLBUILD_BIN:$PATH"
log=.mlbuild/integration.log
# Created before go test starts, so the view below never races the background redirection.
: >"$log"
go test -count=1 -timeout 45m -v ./integration/ "$@" >"$log" 2>&1 &
pid=$!
# Only a view of the log: grep exits 1 when nothing matches, which must neither stop the script
# (set -e) while go test still runs nor stand for the tests' result, taken from wait below.
tail -n +1 -f "$log" --pid=$pid | grep --line-buffered -E '^(--- |    --- |ok|FAIL|panic)|mlbuild-test: buildkitd' || true
status=0
wait $pid || status=$?
printf 'phase integration tests: %d s\n' "$SECONDS" >&2
if [ $status -ne 0 ]; then
  echo "---- integration failed; failures from $log:"
  grep -E -B2 -A25 -- '--- FAIL' "$log" | head -300 || true
fi
# In CI (MLBUILD_REQUIRE_ALL=1, set by .ci/run) a skipped test is a failure: the test bed is
# meant to give every test what it needs, and a green run must not hide a test that never ran.
if [ "${MLBUILD_REQUIRE_ALL:-}" = 1 ] && grep -q -- '--- SKIP' "$log"; then
  echo "---- MLBUILD_REQUIRE_ALL=1 and these tests skipped:"
  grep -A2 -- '--- SKIP' "$log" || true
  status=1
fi
exit $status
