#!/usr/bin/env bash
# ccbench when things go wrong, one property per mode:
#   ccbench_crash.sh MPIEXEC CCBENCH MODE
#   kill     SIGKILL mid-sweep: every row flushed before the kill survives in FILE.partial (a torn last
#            row is added by hand, as a kill inside a write leaves one); --resume keeps those rows byte
#            for byte, measures only the missing points and ends with each point exactly once
#   timeout  one rank frozen (SIGSTOP) mid-sweep: with --timeout the job ends with status != 0 and a
#            line naming the strategy, the size and the iteration, instead of hanging
set -uo pipefail
mpiexec=$1 ccbench=$2 mode=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
sweep=(-b 8 -e 4M -f 2 -s ring,rd,rabenseifner,mpi --check --no-progress)

# The ranks mpirun started (its children named like ccbench), so a parallel test's ranks are never touched.
ranks_of() { pgrep -P "$1" -f "$ccbench"; }

case "$mode" in
kill)
  "$mpiexec" -q -np 2 --bind-to none "$ccbench" "${sweep[@]}" -n 40 --csv "$tmp/out.csv" > "$tmp/run1.txt" 2>&1 &
  mp=$!
  # Kill once a third of the sweep's rows are in (20 sizes, 8 B to 4 MiB, x 4 strategies = 80 points).
  for _ in $(seq 600); do
    [ "$(cat "$tmp/out.csv.partial" 2>/dev/null | wc -l)" -gt 30 ] && break
    sleep 0.1
  done
  pids=$(ranks_of "$mp")
  kill -KILL "$mp" $pids 2> /dev/null
  wait "$mp" 2> /dev/null
  [ -f "$tmp/out.csv" ] && fail "a killed sweep left a final out.csv"
  before=$(($(wc -l < "$tmp/out.csv.partial") - 1))
  [ "$before" -ge 30 ] || fail "only $before rows survived the kill"
  cp "$tmp/out.csv.partial" "$tmp/before.csv"
  printf 'measured,allreduce,rabenseif' >> "$tmp/out.csv.partial"
  echo "killed after $before rows"

  "$mpiexec" -q -np 2 --bind-to none "$ccbench" "${sweep[@]}" -n 40 --csv "$tmp/out.csv" --resume \
    > "$tmp/run2.txt" 2> "$tmp/run2.err" || { cat "$tmp/run2.txt" "$tmp/run2.err"; fail "the resumed sweep failed"; }
  grep -q "dropped an unfinished last row" "$tmp/run2.err" || fail "no word about the torn row: $(cat "$tmp/run2.err")"
  grep "^# resumed" "$tmp/run2.txt"
  grep -q "^# resumed: $before rows kept, $before of this sweep's 80 points" "$tmp/run2.txt" || fail "resume did not keep $before points"
  rows=$(($(wc -l < "$tmp/out.csv") - 1))
  distinct=$(tail -n +2 "$tmp/out.csv" | cut -d, -f3,6,10 | sort -u | wc -l)
  [ "$rows" -eq 80 ] && [ "$distinct" -eq 80 ] || fail "expected 80 distinct points once each, got $rows rows, $distinct distinct"
  # The rows measured before the kill, unchanged and first.
  head -n $((before + 1)) "$tmp/out.csv" | cmp -s - "$tmp/before.csv" || fail "rows from before the kill changed"
  # Every point checked and right (the resumed ones included): the errors column is 0 everywhere.
  errs=$(tail -n +2 "$tmp/out.csv" | awk -F, '$18 != 0' | wc -l)
  [ "$errs" -eq 0 ] || fail "$errs rows with wrong elements or unchecked"
  ls "$tmp"/out.csv.partial "$tmp"/out.csv.resume > /dev/null 2>&1 && fail "left $(ls "$tmp"/out.csv.*)"
  [ "$failures" -eq 0 ] && echo "ok   killed after $before of 80 rows; resumed to 80 distinct rows, the first $before unchanged"
  ;;
timeout)
  "$mpiexec" -q -np 2 --bind-to none "$ccbench" -b 1M -e 1M -n 1000000 -s ring --no-progress --timeout 5 \
    > "$tmp/out.txt" 2> "$tmp/err.txt" &
  mp=$!
  sleep 3  # well inside the iterations
  pids=$(ranks_of "$mp")
  [ "$(echo "$pids" | wc -w)" -eq 2 ] || fail "expected 2 ranks, found '$pids'"
  frozen=$(echo "$pids" | tail -1)
  kill -STOP "$frozen"
  # The watchdog fires after 5 s without progress; 120 s means it did not.
  for _ in $(seq 1200); do kill -0 "$mp" 2> /dev/null || break; sleep 0.1; done
  if kill -0 "$mp" 2> /dev/null; then
    fail "still running 120 s after a rank froze"
    kill -KILL "$mp" $pids 2> /dev/null
  fi
  wait "$mp"
  rc=$?
  kill -KILL "$frozen" 2> /dev/null
  [ "$rc" -ne 0 ] || fail "exit status 0 after a rank froze"
  line=$(grep -- "--timeout" "$tmp/err.txt" | head -1)
  echo "$line"
  echo "$line" | grep -qE "rank [0-9]+: error: --timeout: no progress for [0-9]+ s in ring allreduce of 1 MiB f32 sum, (warm-up|timed) iteration [0-9]+" \
    || { fail "no --timeout line naming strategy, size and iteration"; cat "$tmp/err.txt"; }
  [ "$failures" -eq 0 ] && echo "ok   a frozen rank became a --timeout error (exit status $rc)"
  ;;
*) echo "ccbench_crash.sh: unknown mode '$mode'"; exit 2 ;;
esac
[ "$failures" -eq 0 ] && echo "ccbench_crash $mode: all passed" || { echo "ccbench_crash $mode: $failures failure(s)"; exit 1; }
