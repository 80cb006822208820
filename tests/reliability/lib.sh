# Helpers for the reliability tests (sourced). Each test gets a fresh $tmp, removed on exit, and counts
# its failures; `finish` ends it with status 1 when any check failed.
set -uo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
finish() {
  if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
  echo "all checks passed"
}

# refused WANT CMD...: CMD must exit 2 within 60 s with exactly one distinct line on stderr (every rank
# may print it) containing WANT, and print nothing on stdout (the check came before any work).
refused() {
  local want=$1
  shift
  timeout 60 "$@" > "$tmp/refused.out" 2> "$tmp/refused.err"
  local rc=$? distinct
  distinct=$(sed 's/^rank [0-9]*: //' "$tmp/refused.err" | sort -u | grep -c .)
  if [ "$rc" -ne 2 ]; then
    fail "($*): exit status $rc, want 2; stderr: $(head -3 "$tmp/refused.err")"
  elif [ "$distinct" -ne 1 ] || ! grep -qF -- "$want" "$tmp/refused.err"; then
    fail "($*): want one line naming '$want', got: $(cat "$tmp/refused.err")"
  elif [ -s "$tmp/refused.out" ]; then
    fail "($*): printed before refusing: $(head -2 "$tmp/refused.out")"
  else
    ok "($*): $(head -1 "$tmp/refused.err")"
  fi
}

# File type letter as stat prints it: "regular file", "fifo", "character special file", "symbolic link".
kind() { stat -c %F "$1" 2>/dev/null || echo missing; }
