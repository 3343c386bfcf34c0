# Phase timing for hack/*.sh (sourced): "phase NAME: N s" on stderr when a phase ends, and a
# total. When MLBUILD_PHASE_LOG names a file the lines are appended there too, so a caller
# (hack/demo.sh) can repeat all of them, its own and up.sh's, in one summary at the end.
#   phase NAME       ends the running phase (if any) and starts NAME
#   phase_end        ends the running phase
#   phase_total WHAT ends the running phase and prints "phase total (WHAT): N s" since sourcing
#   phase_report NAME SECONDS   prints a phase timed elsewhere (a background job)
_phase_now() { local t=${EPOCHREALTIME/[.,]/}; echo "${t:-$(( $(date +%s) * 1000000 ))}"; }
_phase_t0=$(_phase_now)
_phase_name=
_phase_start=0
_phase_print() { # NAME MICROSECONDS
  local line
  line=$(printf 'phase %s: %d.%d s' "$1" $(( $2 / 1000000 )) $(( $2 % 1000000 / 100000 )))
  printf '\033[1m%s\033[0m\n' "$line" >&2
  if [ -n "${MLBUILD_PHASE_LOG:-}" ]; then echo "$line" >>"$MLBUILD_PHASE_LOG" || true; fi
}
phase_end() {
  [ -n "$_phase_name" ] || return 0
  _phase_print "$_phase_name" $(( $(_phase_now) - _phase_start ))
  _phase_name=
}
phase() {
  phase_end
  _phase_name=$1
  _phase_start=$(_phase_now)
}
phase_report() {
  _phase_print "$1" $(( $2 * 1000000 ))
}
phase_total() {
  phase_end
  _phase_print "total ($1)" $(( $(_phase_now) - _phase_t0 ))
}
