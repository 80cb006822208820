#!/usr/bin/env bash
# Builds ccbench and runs every test:  scripts/test.sh
#   1. the release build and every CTest test (GPU tests skip without a GPU);
#   2. static analysis: scripts/lint.sh (cppcheck, zero findings);
#   3. the AddressSanitizer + UndefinedBehaviorSanitizer build (preset asan, build-asan/) and its
#      tests labelled unit or fuzz (the fuzz corpus replays), plus the MPI collectives at np 2
#      (Open MPI's own leaks are not reported: ASAN_OPTIONS=detect_leaks=0 for MPI programs).
# Environment: BUILD_DIR (default build), CTEST_ARGS (extra ctest arguments for stage 1, e.g. "-L unit"),
# CCBENCH_TEST_STAGES (default "release lint asan").
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-deps.sh --tests --netcluster
stages=${CCBENCH_TEST_STAGES:-release lint asan}
jobs=$(nproc)

for stage in $stages; do
  case "$stage" in
  release)
    build=${BUILD_DIR:-build}
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
    cmake --build "$build" -j "$jobs"
    # MPI tests declare how many ranks they start (PROCESSORS), so -j never piles them on the cores.
    # shellcheck disable=SC2086
    ctest --test-dir "$build" --output-on-failure --no-tests=error -j "$jobs" ${CTEST_ARGS:-}
    ;;
  lint)
    scripts/lint.sh
    ;;
  asan)
    cmake --preset asan
    cmake --build --preset asan -j "$jobs"
    ctest --preset asan --no-tests=error -j "$jobs" -L 'unit|fuzz'
    ctest --preset asan --no-tests=error -j "$jobs" -R '^(collectives_np2|compressed_np2)$'
    ;;
  *) echo "test.sh: unknown stage '$stage' in CCBENCH_TEST_STAGES" >&2; exit 2 ;;
  esac
done
echo "test.sh: all stages passed ($stages)"
