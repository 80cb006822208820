#!/usr/bin/env bash
# Bounded fuzzing of every parser that reads outside input (libFuzzer + ASan + UBSan, clang):
#
#   scripts/fuzz.sh [--seconds N] [--jobs J] [HARNESS...]
#
# Harnesses (fuzz/*.c): strategy, profile, csv, nccltests, ccbench_text, trainer_files; default all, N = 60 s each.
# Builds build-fuzz with clang, fuzzes each harness from its seed corpus fuzz/corpus/<name>/ (new
# inputs go to build-fuzz/corpus/<name>/, not into the repository), and prints executions per harness.
# A crash stops that harness: its input is saved as build-fuzz/crashes/<name>/crash-*; copy it into
# fuzz/corpus/<name>/ once fixed, and the fuzz_replay_<name> test keeps it fixed. Exit 1 if any crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
jobs=1
harnesses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) harnesses+=("$1") ;;
  esac
  shift
done
[ ${#harnesses[@]} -gt 0 ] || harnesses=(strategy profile csv nccltests ccbench_text trainer_files)
command -v clang >/dev/null || { echo "fuzz.sh: clang not found (apt-get install clang)" >&2; exit 2; }

build=build-fuzz
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCCBENCH_FUZZ=ON \
  -DCCBENCH_ENABLE_CUDA=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target $(printf 'fuzz_%s ' "${harnesses[@]}") >/dev/null

crashed=0
printf '%-14s %12s %10s %8s\n' harness executions exec/s result
for h in "${harnesses[@]}"; do
  [ -d "fuzz/corpus/$h" ] || { echo "fuzz.sh: no harness '$h' (fuzz/corpus/$h missing)" >&2; exit 2; }
  mkdir -p "$build/corpus/$h" "$build/crashes/$h"
  log="$build/fuzz_$h.log"
  set +e
  # libFuzzer writes its per-job logs (fuzz-N.log) into the working directory: the build's, not ours.
  (cd "$build" && "fuzz/fuzz_$h" -max_total_time="$seconds" -jobs="$jobs" -workers="$jobs" -print_final_stats=1 \
    -artifact_prefix="crashes/$h/" "corpus/$h" "../fuzz/corpus/$h") >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
  rate=$(awk -v e="$execs" -v s="$seconds" 'BEGIN {printf "%.0f", e / s}')
  result=ok
  if [ $rc -ne 0 ]; then result="CRASH (see $log)"; crashed=1; fi
  printf '%-14s %12s %10s %8s\n' "$h" "$execs" "$rate" "$result"
done
exit $crashed
