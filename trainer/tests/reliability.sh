#!/usr/bin/env bash
# Reliability round 2 (issue 18), one defect per mode; every run is bounded by timeout(1), so a
# regression fails instead of hanging CTest:
#   reliability.sh MPIEXEC CCTRAIN CCBENCH MODE
#   agree             a bad flag or path found on one rank only, or ranks started with different
#                     arguments: one line, exit status 2 on every rank, before any training step
#   resume_csv        --resume with --csv keeps the rows up to the checkpoint (from FILE, or from the
#                     FILE.partial a kill -9 left) and appends the resumed steps: steps 0..N-1 once each,
#                     the same losses as an uninterrupted run; an old CSV with other columns is refused
#   watchdog_default  no --timeout: the watchdog is on (600 s, or CCBENCH_TIMEOUT) in cctrain and ccbench,
#                     and a frozen rank ends the job; --timeout 0 turns it off; the sidecars record it
#   sigterm           SIGTERM/SIGINT: every rank stops cleanly and exits 128 + the signal, whether mpirun
#                     or the ranks got the signal
set -uo pipefail
mpiexec=$1 cctrain=$2 ccbench=$3 mode=$4
source "$(dirname "$0")/cctrain_lib.sh"
unset CCBENCH_TIMEOUT  # a default set by whoever runs the tests would change what is tested
mounted=""
trap '[ -n "$mounted" ] && umount "$mounted"; rm -rf "$tmp"' EXIT

# The table's step rows (two leading spaces, then the step number): training ran.
trained() { grep -q '^  *[0-9][0-9]* ' "$1"; }
# Waits up to $2 seconds for process $1 to end; returns 1 (and kills it and $3...) if it did not.
ends_within() {
  local pid=$1 secs=$2
  shift 2
  for _ in $(seq $((secs * 10))); do kill -0 "$pid" 2> /dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" "$@" 2> /dev/null
  return 1
}
# mpirun's ranks (its children that run $2), for signalling one of them.
ranks_of() { pgrep -P "$1" -f "$2"; }

case "$mode" in
agree)
  # expect NAME WANT MPIRUN-ARGS...: exit status 2 within 60 s, stderr one line holding WANT, no training.
  expect() {
    local name=$1 want=$2
    shift 2
    timeout -k 5 60 "$mpiexec" -q --bind-to none "$@" > "$tmp/stdout" 2> "$tmp/stderr"
    local rc=$?
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then fail "$name: still running after 60 s (a rank waits forever)"
    elif [ "$rc" -ne 2 ]; then fail "$name: exit status $rc, expected 2"; cat "$tmp/stderr"
    elif [ "$(grep -c . "$tmp/stderr")" -ne 1 ] || ! grep -qF -- "$want" "$tmp/stderr"; then
      fail "$name: expected one line naming '$want', got:"; cat "$tmp/stderr"
    elif trained "$tmp/stdout"; then fail "$name: the error came after training steps"
    else echo "ok   $name: $(cat "$tmp/stderr")"; fi
  }
  args=(--no-progress "${tiny[@]}" -b 4 --steps 20)
  touch "$tmp/file"
  # A read-only directory: root writes through permission bits, not through a read-only mount. Without
  # the right to mount, a path under a regular file (ENOTDIR) stands in for it.
  mkdir "$tmp/ro"
  if mount -t tmpfs -o ro,size=1m tmpfs "$tmp/ro" 2> /dev/null; then mounted=$tmp/ro; ro=$tmp/ro
  else echo "(no read-only mount allowed: $tmp/file/dir stands in)"; ro=$tmp/file/dir; fi

  # Output paths are written by rank 0; every rank must leave with its verdict, before training.
  expect "--out-dir missing" "--out-dir" -np 2 "$cctrain" "${args[@]}" --compare ring --out-dir "$tmp/missing"
  expect "--out-dir read-only" "--out-dir" -np 2 "$cctrain" "${args[@]}" --compare ring --out-dir "$ro"
  expect "--out-dir a file" "--out-dir" -np 2 "$cctrain" "${args[@]}" --compare ring --out-dir "$tmp/file"
  expect "--csv read-only" "--csv" -np 2 "$cctrain" "${args[@]}" --csv "$ro/run.csv"
  expect "--csv under a file" "--csv" -np 2 "$cctrain" "${args[@]}" --csv "$tmp/file/run.csv"
  expect "--checkpoint missing dir" "--checkpoint" -np 2 "$cctrain" "${args[@]}" --checkpoint "$tmp/missing/run.ckpt"
  expect "--save-model read-only" "--save-model" -np 2 "$cctrain" "${args[@]}" --save-model "$ro/model.bin"

  # Ranks started with different arguments (MPMD): refused as ccbench refuses them, naming the rank.
  expect "different --sync" "rank 1: was started with other arguments" \
    -np 1 "$cctrain" "${args[@]}" --sync warp : -np 1 "$cctrain" "${args[@]}" --sync ring
  expect "different --steps" "rank 1: was started with other arguments" \
    -np 1 "$cctrain" "${args[@]}" : -np 1 "$cctrain" "${args[@]}" --steps 21

  # Inputs every rank reads, missing on one rank only (same command, rank 1 in a directory without
  # the file, as a node without it): the lowest such rank is named.
  mkdir "$tmp/a" "$tmp/b"
  printf 'hello world, this is a small text file for the trainer\n%.0s' $(seq 20) > "$tmp/a/text.txt"
  (cd "$tmp/a" && timeout 60 "$mpiexec" -q --bind-to none -np 1 "$cctrain" "${args[@]}" --steps 2 \
    --checkpoint run.ckpt --save-model model.bin > /dev/null 2>&1) || fail "making the checkpoint and model"
  expect "--data on rank 0 only" "rank 1: text.txt" -np 1 -wdir "$tmp/a" "$cctrain" "${args[@]}" --data text.txt \
    : -np 1 -wdir "$tmp/b" "$cctrain" "${args[@]}" --data text.txt
  expect "--init on rank 0 only" "rank 1: model.bin" -np 1 -wdir "$tmp/a" "$cctrain" "${args[@]}" --init model.bin \
    : -np 1 -wdir "$tmp/b" "$cctrain" "${args[@]}" --init model.bin
  expect "--resume on rank 0 only" "rank 1: run.ckpt" -np 1 -wdir "$tmp/a" "$cctrain" "${args[@]}" --resume run.ckpt \
    : -np 1 -wdir "$tmp/b" "$cctrain" "${args[@]}" --resume run.ckpt
  ;;

resume_csv)
  args=(--no-progress -L 2 -C 64 --heads 2 -T 16 --markov-vocab 16 --warmup 1 -b 8 --steps 1000 --sync ring
        --val-every 100)
  bounded() { timeout -k 5 120 "$mpiexec" -q -np 2 --bind-to none "$cctrain" "${args[@]}" "$@" > "$tmp/log" 2>&1; }
  # The columns a deterministic run repeats bit for bit (not the times).
  same_columns() { cut -d, -f1-6,14,15 "$1"; }
  bounded --csv "$tmp/whole.csv" || { cat "$tmp/log"; fail "uninterrupted run"; }
  # 1. Stopped at step 300: run.csv holds steps 0..299, committed.
  bounded --stop-at 300 --checkpoint "$tmp/run.ckpt" --checkpoint-every 10 --csv "$tmp/run.csv" || { cat "$tmp/log"; fail "--stop-at 300"; }
  # 2. Resumed, then killed (-9) mid-run: run.csv.partial is newer than run.csv and goes past the last
  #    checkpoint; a torn last row is added by hand, as a kill inside a write leaves one.
  rows() { local n; n=$(grep -c '^[0-9]' "$1" 2> /dev/null); echo "${n:-0}"; }
  "$mpiexec" -q -np 2 --bind-to none "$cctrain" "${args[@]}" --resume "$tmp/run.ckpt" --checkpoint "$tmp/run.ckpt" \
    --checkpoint-every 10 --csv "$tmp/run.csv" > "$tmp/log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do [ "$(rows "$tmp/run.csv.partial")" -ge 500 ] && break; sleep 0.05; done
  kill -KILL "$pid" $(ranks_of "$pid" "$cctrain") 2> /dev/null
  wait "$pid" 2> /dev/null
  last=$(tail -1 "$tmp/run.csv.partial" | cut -d, -f1)
  echo "killed at step $last ($(rows "$tmp/run.csv.partial") rows in run.csv.partial)"
  [ "${last:-0}" -ge 450 ] && [ "$last" -lt 999 ] || fail "the kill did not land mid-run (last row: step $last)"
  printf '%s,ring,1.23' "$((last + 1))" >> "$tmp/run.csv.partial"
  # 3. Resumed to the end.
  bounded --resume "$tmp/run.ckpt" --checkpoint "$tmp/run.ckpt" --csv "$tmp/run.csv" || { cat "$tmp/log"; fail "resume"; }
  steps=$(tail -n +2 "$tmp/run.csv" | cut -d, -f1 | tr '\n' ' ')
  if [ "$steps" != "$(seq -s ' ' 0 999) " ]; then
    fail "run.csv: expected steps 0..999 once each in order, got $(rows "$tmp/run.csv") rows: $(echo "$steps" | cut -c1-80)..."
  elif [ -e "$tmp/run.csv.partial" ]; then fail "run.csv.partial left behind"
  elif ! cmp -s <(same_columns "$tmp/whole.csv") <(same_columns "$tmp/run.csv"); then
    fail "run.csv: step, loss, val_loss, lr, grad_norm or bytes differ from the uninterrupted run"
    diff <(same_columns "$tmp/whole.csv") <(same_columns "$tmp/run.csv") | head -5
  else echo "ok   stopped at 300, killed at $last, resumed twice: steps 0..999 once each, losses bit for bit"; fi

  # An old CSV with other columns is not mixed with this run's: one line naming --csv, nothing touched.
  bounded --stop-at 20 --checkpoint "$tmp/short.ckpt" || { cat "$tmp/log"; fail "--stop-at 20"; }
  printf 'step,loss\n0,1.5\n' > "$tmp/other.csv"
  cp "$tmp/other.csv" "$tmp/other.before"
  timeout -k 5 120 "$mpiexec" -q -np 2 --bind-to none "$cctrain" "${args[@]}" --resume "$tmp/short.ckpt" \
    --csv "$tmp/other.csv" > /dev/null 2> "$tmp/err"
  rc=$?
  if [ "$rc" -ne 2 ] || [ "$(grep -c . "$tmp/err")" -ne 1 ] || ! grep -q -- "--csv" "$tmp/err"; then
    fail "other columns: exit $rc, expected 2 and one line naming --csv, got:"; cat "$tmp/err"
  elif ! cmp -s "$tmp/other.csv" "$tmp/other.before" || [ -e "$tmp/other.csv.partial" ]; then
    fail "other columns: the old CSV was touched"
  else echo "ok   an old CSV with other columns: $(cat "$tmp/err")"; fi
  ;;

watchdog_default)
  # The default in --help: 600 s without the variable, CCBENCH_TIMEOUT's value with it.
  for tool in "$cctrain" "$ccbench"; do
    name=$(basename "$tool")
    if [ "$tool" = "$cctrain" ]; then quick=("${tiny[@]}" -b 4 --steps 3); else quick=(-b 8 -e 64 -s ring); fi
    default=$(timeout 60 "$mpiexec" -q -np 1 "$tool" --help | sed -n '/--timeout/,$p' | tr -s ' \n' ' ')
    echo "$default" | grep -q '(default: 600)' || fail "$name --help: no '(default: 600)' for --timeout: $default"
    default=$(CCBENCH_TIMEOUT=45 timeout 60 "$mpiexec" -q -np 1 "$tool" --help | sed -n '/--timeout/,$p' | tr -s ' \n' ' ')
    echo "$default" | grep -q '(default: 45)' || fail "$name --help with CCBENCH_TIMEOUT=45: $default"
    # A bad value is refused like a bad flag: one line naming the variable, status 2.
    CCBENCH_TIMEOUT=soon timeout 60 "$mpiexec" -q -np 2 --bind-to none "$tool" --no-progress "${quick[@]}" > /dev/null 2> "$tmp/err"
    rc=$?
    if [ "$rc" -ne 2 ] || [ "$(grep -c . "$tmp/err")" -ne 1 ] || ! grep -q "CCBENCH_TIMEOUT" "$tmp/err"; then
      fail "$name with CCBENCH_TIMEOUT=soon: exit $rc, expected 2 and one line naming CCBENCH_TIMEOUT:"; cat "$tmp/err"
    else echo "ok   $name: $(cat "$tmp/err")"; fi
  done

  # Waits until the run of mpirun $1 is under way: cctrain printed its first step, ccbench (whose rows
  # come only once a size is done) had its ranks running for 2 s.
  under_way() {
    if [ "$2" = "$cctrain" ]; then
      for _ in $(seq 600); do grep -q '^  *[0-9]' "$tmp/log" && break; sleep 0.05; done
    else  # the table's header is printed (and flushed) when the timed sweep starts
      for _ in $(seq 600); do [ "$(ranks_of "$1" "$2" | wc -l)" -eq 2 ] && grep -q 'strategy' "$tmp/log" && break; sleep 0.05; done
    fi
  }
  # freeze NAME TOOL ARGS...: CCBENCH_TIMEOUT=2, no --timeout; one rank frozen once the run is under way
  # must end the job with the watchdog's line within 60 s.
  freeze() {
    local name=$1 tool=$2
    shift 2
    CCBENCH_TIMEOUT=2 "$mpiexec" -q -np 2 --bind-to none "$tool" --no-progress "$@" > "$tmp/log" 2> "$tmp/err" &
    local pid=$! ranks frozen rc
    under_way "$pid" "$tool"
    ranks=$(ranks_of "$pid" "$tool")
    frozen=$(echo "$ranks" | tail -1)
    kill -STOP "$frozen"
    if ! ends_within "$pid" 60 $ranks; then fail "$name: still running 60 s after a rank froze (no watchdog)"; fi
    wait "$pid"
    rc=$?
    kill -KILL "$frozen" 2> /dev/null
    line=$(grep -- "--timeout" "$tmp/err" | head -1)
    if [ "$rc" -ne 0 ] && echo "$line" | grep -qE "rank [01]: error: --timeout: no progress for [0-9]+ s in "; then
      echo "ok   $name: exit $rc, $line"
    else fail "$name: exit $rc, expected the watchdog's line"; cat "$tmp/err"; fi
  }
  freeze "cctrain, CCBENCH_TIMEOUT=2" "$cctrain" "${tiny[@]}" -b 4 --steps 1000000
  freeze "ccbench, CCBENCH_TIMEOUT=2" "$ccbench" -b 1M -e 1M -n 1000000 -s ring

  # thaw NAME TOOL ARGS...: CCBENCH_TIMEOUT=2 with --timeout 0; one rank frozen for 5 s mid-run, then
  # continued: the run finishes normally.
  thaw() {
    local name=$1 tool=$2
    shift 2
    CCBENCH_TIMEOUT=2 "$mpiexec" -q -np 2 --bind-to none "$tool" --no-progress --timeout 0 "$@" > "$tmp/log" 2> "$tmp/err" &
    local pid=$! ranks frozen rc
    under_way "$pid" "$tool"
    ranks=$(ranks_of "$pid" "$tool")
    frozen=$(echo "$ranks" | tail -1)
    kill -STOP "$frozen" || fail "$name: the run ended before a rank could be frozen"
    sleep 5
    kill -CONT "$frozen"
    ends_within "$pid" 120 $ranks || fail "$name: still running 120 s after the rank continued"
    wait "$pid"
    rc=$?
    if [ "$rc" -eq 0 ]; then echo "ok   $name: a rank frozen for 5 s, the run finished (exit 0)"
    else fail "$name: exit $rc with --timeout 0"; cat "$tmp/err"; fi
  }
  thaw "cctrain --timeout 0" "$cctrain" "${tiny[@]}" -b 4 --steps 8000 --csv "$tmp/off.csv"
  thaw "ccbench --timeout 0" "$ccbench" -b 1M -e 1M -n 30000 -s ring --csv "$tmp/off_bench.csv"

  # The sidecars say which timeout ran: 0 (off) above, 600 by default, CCBENCH_TIMEOUT's value with it.
  recorded() { sed -n 's/.*"timeout_s": *\([0-9.e+]*\).*/\1/p' "$1"; }
  timeout 120 "$mpiexec" -q -np 2 --bind-to none "$cctrain" --no-progress "${tiny[@]}" -b 4 --steps 3 \
    --csv "$tmp/default.csv" > /dev/null 2>&1 || fail "cctrain: short run"
  CCBENCH_TIMEOUT=45 timeout 120 "$mpiexec" -q -np 2 --bind-to none "$ccbench" --no-progress -b 8 -e 64 -f 2 -s ring \
    --csv "$tmp/env_bench.csv" > /dev/null 2>&1 || fail "ccbench: short run"
  for spec in "off.csv 0" "off_bench.csv 0" "default.csv 600" "env_bench.csv 45"; do
    set -- $spec
    got=$(recorded "$tmp/$1.meta.json")
    if [ "$got" = "$2" ]; then echo "ok   $1.meta.json: timeout_s $got"
    else fail "$1.meta.json: timeout_s '$got', expected $2"; fi
  done
  ;;

sigterm)
  # Each rank runs under a wrapper that records its exit status (mpirun reports only one status). The
  # wrapper ignores the signals itself (the rank installs its own handlers) and leaves only once every
  # rank's status is recorded: the first wrapper to leave makes mpirun kill the others' at once.
  cat > "$tmp/status.sh" << 'EOF'
#!/usr/bin/env bash
trap '' TERM INT
"$@"
rc=$?
echo "$rc" > "$STATUS_DIR/rank.$OMPI_COMM_WORLD_RANK"
for _ in $(seq 50); do [ "$(ls "$STATUS_DIR"/rank.* | wc -l)" -ge "$OMPI_COMM_WORLD_SIZE" ] && break; sleep 0.1; done
exit "$rc"
EOF
  chmod +x "$tmp/status.sh"
  export STATUS_DIR=$tmp
  args=(--no-progress -L 2 -C 64 --heads 2 -T 16 --markov-vocab 16 --warmup 1 -b 8 --steps 1000000 --sync ring)
  rows() { local n; n=$(grep -c '^[0-9]' "$1" 2> /dev/null); echo "${n:-0}"; }
  # stop SIG TARGET WANT_MPIRUN: SIG to mpirun or to the ranks once 20 steps are done; every rank must
  # exit 128 + SIG after the checkpoint and the CSV are written; mpirun's status must be WANT_MPIRUN
  # ("nonzero": Open MPI's mpirun, signalled itself, tears the job down and exits 1).
  stop() {
    local sig=$1 target=$2 want=$3 code
    code=$((128 + $(kill -l "$sig")))
    rm -f "$tmp"/run.* "$tmp"/rank.*
    "$mpiexec" -q -np 2 --bind-to none "$tmp/status.sh" "$cctrain" "${args[@]}" --checkpoint "$tmp/run.ckpt" \
      --csv "$tmp/run.csv" > "$tmp/log" 2>&1 &
    local pid=$! rc ranks=""
    for _ in $(seq 600); do [ "$(rows "$tmp/run.csv.partial")" -ge 20 ] && break; sleep 0.05; done
    for w in $(pgrep -P "$pid"); do ranks="$ranks $(pgrep -P "$w")"; done
    if [ "$target" = mpirun ]; then kill -"$sig" "$pid"; else kill -"$sig" $ranks; fi
    ends_within "$pid" 60 $ranks || fail "$sig to $target: still running after 60 s"
    wait "$pid"
    rc=$?
    local name="$sig to $target" stopped
    stopped=$(sed -n "s/^# SIG$sig: stopped after step \([0-9]*\) of .*/\1/p" "$tmp/log")
    if [ -z "$stopped" ]; then fail "$name: no clean-stop line"; cat "$tmp/log"; return; fi
    [ -e "$tmp/run.ckpt" ] && [ "$(rows "$tmp/run.csv")" -eq "$((stopped + 1))" ] \
      || fail "$name: checkpoint or CSV (steps 0..$stopped) missing"
    for r in 0 1; do
      if [ ! -e "$tmp/rank.$r" ]; then fail "$name: rank $r left no exit status (killed before it could exit)"
      elif [ "$(cat "$tmp/rank.$r")" -ne "$code" ]; then fail "$name: rank $r exited $(cat "$tmp/rank.$r"), expected $code"; fi
    done
    if [ "$want" = nonzero ] && [ "$rc" -eq 0 ]; then fail "$name: mpirun exited 0"
    elif [ "$want" != nonzero ] && [ "$rc" -ne "$want" ]; then fail "$name: mpirun exited $rc, expected $want"; fi
    echo "$name: stopped after step $stopped; ranks $(cat "$tmp"/rank.* 2> /dev/null | tr '\n' ' ')(want $code), mpirun $rc"
  }
  stop TERM mpirun nonzero
  stop TERM ranks 143
  stop INT ranks 130
  ;;
*) echo "reliability.sh: unknown mode '$mode'"; exit 2 ;;
esac
finish "reliability $mode"
