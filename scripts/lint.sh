#!/usr/bin/env bash
# Static analysis of the project's C code: cppcheck (warning, performance, portability checks) must report
# nothing beyond the reviewed false positives in scripts/cppcheck-suppressions.txt.
#
#   scripts/lint.sh        exit 1 and the findings when there are any
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cppcheck >/dev/null || { echo "lint.sh: cppcheck not found (apt-get install cppcheck)" >&2; exit 2; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! cppcheck --std=c11 --enable=warning,performance,portability --inline-suppr --quiet -j "$(nproc)" \
  --suppressions-list=scripts/cppcheck-suppressions.txt -I . -D_POSIX_C_SOURCE=200809L \
  --template='{file}:{line}: {severity}: {message} [{id}]' \
  common kernels/*.c compress collectives/*.c collectives/tests sim trainer fuzz netcluster > "$log" 2>&1; then
  cat "$log" >&2
  echo "lint.sh: cppcheck failed to run" >&2
  exit 2
fi
out=$(grep -E '^[^ ]+:[0-9]+: ' "$log" || true)
if [ -n "$out" ]; then
  echo "$out"
  echo "lint.sh: $(echo "$out" | wc -l) cppcheck finding(s)" >&2
  exit 1
fi
echo "lint.sh: cppcheck clean ($(ls common/*.c kernels/*.c compress/*.c collectives/*.c sim/*.c trainer/*.c fuzz/*.c netcluster/*.c | wc -l) source files and their tests)"
