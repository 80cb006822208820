# Shared by cctrain_e2e.sh and cctrain_cuda_e2e.sh, sourced once $mpiexec and $cctrain are set: a temp
# directory removed on exit, the failure count, run NP ARGS... (cctrain on NP ranks, output in
# $tmp/log), the tiny model's flags, and finish NAME, which prints the verdict and sets the exit status.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
run() {
  local np=$1
  shift
  "$mpiexec" -q -np "$np" --bind-to none "$cctrain" --no-progress "$@" > "$tmp/log" 2>&1
}
tiny=(-L 2 -C 32 --heads 2 -T 16 --markov-vocab 16 --warmup 1)
finish() {
  if [ "$failures" -eq 0 ]; then echo "$1: all passed"; else echo "$1: $failures failure(s)"; exit 1; fi
}
