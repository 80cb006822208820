#!/usr/bin/env bash
# cctrain end to end, one property per mode:
#   cctrain_e2e.sh MPIEXEC CCTRAIN CMP_MODELS MODE
#   dp        P ranks with global batch G end with the parameters 1 rank with batch G ends with
#   resume    10 steps == 5 steps, checkpoint, resume for 5 (bit-identical), with and without compression;
#             the same command run twice gives the same parameters, bit for bit
#   converge  the Markov source's loss falls to within 0.1 nats of its exact floor
#   bad_input every bad input: non-zero exit, one line naming the flag or file, nothing overwritten
#   kill      SIGTERM mid-run: a clean stop (checkpoint, CSV with every finished step, exit 128+15);
#             SIGKILL mid-run: the last periodic checkpoint and every flushed row survive; both resume
#             to the same parameters as an uninterrupted run, bit for bit
#   hang      one rank frozen mid-run: --timeout turns the hang into an error naming phase, strategy, step
#   overlap   --overlap on (buckets averaged on a communication thread during backward) and off end with
#             the same parameters, bit for bit, with small buckets of packed pieces, compressors and 1-4
#             threads per rank; the CSV has the exposed communication column
set -uo pipefail
mpiexec=$1 cctrain=$2 cmp_models=$3 mode=$4
source "$(dirname "$0")/cctrain_lib.sh"

case "$mode" in
dp)
  run 1 "${tiny[@]}" -b 12 --steps 5 --save-model "$tmp/p1.bin" || { cat "$tmp/log"; fail "1 rank"; }
  for spec in "4 ring" "4 rabenseifner" "3 rd" "3 tree" "2 mpi" "4 hier:ring/ring"; do
    set -- $spec
    extra=()
    [ "$2" = "hier:ring/ring" ] && extra=(--ranks-per-node 2)
    if ! run "$1" "${tiny[@]}" -b 12 --steps 5 --sync "$2" "${extra[@]}" --save-model "$tmp/p$1.bin"; then
      cat "$tmp/log"; fail "$2 on $1 ranks did not run"; continue
    fi
    # f32 rounding: the ranks' partial sums add in another order than one rank's single sum.
    if "$cmp_models" "$tmp/p1.bin" "$tmp/p$1.bin" 5e-6; then echo "ok   $2 on $1 ranks == 1 rank"
    else fail "$2 on $1 ranks differs from 1 rank"; fi
  done
  ;;
overlap)
  for spec in "2 ring 1" "3 rabenseifner 1" "2 ring+topk:0.1+ef 2" "2 rabenseifner+powersgd:2+ef 1" "2 mpi 1" \
              "2 ring+int8 1" "1 ring 4"; do
    set -- $spec
    args=("${tiny[@]}" -b 12 --steps 6 --sync "$2" --bucket 3K --threads "$3")
    for ov in on off; do
      run "$1" "${args[@]}" --overlap "$ov" --save-model "$tmp/$ov.bin" --csv "$tmp/$ov.csv" \
        || { cat "$tmp/log"; fail "$2 --overlap $ov did not run"; continue 2; }
    done
    if "$cmp_models" "$tmp/on.bin" "$tmp/off.bin" 0; then echo "ok   $2 on $1 ranks, $3 thread(s): overlap on == off, bit for bit"
    else fail "$2 on $1 ranks: overlap on and off differ"; fi
    col=$(head -1 "$tmp/on.csv" | tr , '\n' | grep -n '^exposed_comm_ms$' | cut -d: -f1)
    if [ -z "$col" ]; then fail "$2: no exposed_comm_ms column"
    elif ! awk -F, -v c="$col" 'NR > 1 && !($c >= 0) { bad = 1 } END { exit bad }' "$tmp/on.csv"; then
      fail "$2: an exposed_comm_ms that is not a time"
    fi
  done
  ;;
resume)
  for spec in "1 ring" "2 ring+topk:0.1+ef" "2 rabenseifner+powersgd:2+ef" "2 ring+int8"; do
    set -- $spec
    args=("${tiny[@]}" -b 8 --steps 10 --sync "$2")
    run "$1" "${args[@]}" --save-model "$tmp/whole.bin" || { cat "$tmp/log"; fail "$2: 10 steps"; continue; }
    run "$1" "${args[@]}" --stop-at 5 --checkpoint "$tmp/run.ckpt" || { cat "$tmp/log"; fail "$2: 5 steps"; continue; }
    run "$1" "${args[@]}" --resume "$tmp/run.ckpt" --checkpoint "$tmp/run.ckpt" --save-model "$tmp/resumed.bin" \
      || { cat "$tmp/log"; fail "$2: resume"; continue; }
    if "$cmp_models" "$tmp/whole.bin" "$tmp/resumed.bin" 0; then echo "ok   $2: 5 + resumed 5 == 10 steps, bit for bit"
    else fail "$2: resumed run differs"; fi
    # Determinism: the same command again gives the same bits (stochastic rounding and sampling included).
    run "$1" "${args[@]}" --save-model "$tmp/again.bin" || { cat "$tmp/log"; fail "$2: second run"; continue; }
    if "$cmp_models" "$tmp/whole.bin" "$tmp/again.bin" 0; then echo "ok   $2: the same command twice, bit for bit"
    else fail "$2: two runs of the same command differ"; fi
  done
  ;;
converge)
  run 1 -L 2 -C 64 --heads 4 -T 32 -b 16 --markov-vocab 16 --markov-order 2 --lr 1e-2 --warmup 20 --steps 1000 \
    --val-every 1000 --val-batches 32 || { cat "$tmp/log"; fail "training run"; }
  floor=$(sed -n 's/.*loss floor \([0-9.]*\) nats.*/\1/p' "$tmp/log")
  val=$(sed -n 's/^# done: .* validation \([0-9.]*\),.*/\1/p' "$tmp/log")
  first=$(awk '$1 == "0" { print $2 }' "$tmp/log")
  echo "loss at step 0 $first, final validation loss $val, floor $floor"
  if [ -z "$floor" ] || [ -z "$val" ]; then fail "no floor or validation loss in the log"; cat "$tmp/log"
  elif awk -v v="$val" -v f="$floor" 'BEGIN { exit !(v - f < 0.1 && v - f > -0.05) }'; then echo "ok   within 0.1 nats of the floor"
  else fail "validation loss $val is not within 0.1 nats of the floor $floor"; fi
  ;;
bad_input)
  # expect NP TEXT ARGS...: fails with one line containing TEXT; the CSV that was there is untouched.
  expect() {
    local np=$1 want=$2
    shift 2
    echo "keep me" > "$tmp/out.csv"
    "$mpiexec" -q -np "$np" --bind-to none "$cctrain" --no-progress "${tiny[@]}" --steps 3 -b 4 --csv "$tmp/out.csv" \
      "$@" > "$tmp/stdout" 2> "$tmp/stderr"
    local rc=$? lines
    lines=$(grep -c . "$tmp/stderr")
    if [ "$rc" -eq 0 ]; then fail "($*): exit status 0"
    elif [ "$lines" -ne 1 ] || ! grep -qF -- "$want" "$tmp/stderr"; then
      fail "($*): expected one line naming '$want', got:"; cat "$tmp/stderr"
    elif [ "$(cat "$tmp/out.csv")" != "keep me" ] || ls "$tmp"/out.csv.partial >/dev/null 2>&1; then
      fail "($*): the CSV was touched"
    else echo "ok   ($*): $(cat "$tmp/stderr")"; fi
  }
  printf 'hello world, this is a small text file for the trainer\n%.0s' $(seq 20) > "$tmp/text.txt"
  printf 'XXXX' > "$tmp/bad.bin"; head -c 2000 /dev/zero >> "$tmp/bad.bin"
  run 1 "${tiny[@]}" -b 4 --steps 4 --checkpoint "$tmp/good.ckpt" || fail "checkpoint for the truncation case"
  head -c 1000 "$tmp/good.ckpt" > "$tmp/short.ckpt"
  expect 1 "missing.txt" --data "$tmp/missing.txt"
  expect 2 "missing.txt" --data "$tmp/missing.txt"
  expect 1 "bad.bin" --data "$tmp/bad.bin"
  expect 1 "short.ckpt" --resume "$tmp/short.ckpt" --steps 8
  expect 2 "-b/--batch" -b 5
  expect 1 "-s/--sync" --sync ring+foo
  expect 1 "-s/--sync" --sync warp
  expect 1 "-s/--sync" --sync ring+topk:1.5
  expect 1 "-s/--sync" --sync nccl
  expect 1 "--compare" --compare ring,ring+int8
  expect 1 "nonexistent.bin" --init "$tmp/nonexistent.bin"
  expect 1 "model shape" --heads 3
  expect 1 "--stop-at" --stop-at 9
  expect 1 "-T/--seq-len" -T 0
  expect 1 "--overlap" --overlap maybe
  expect 1 "--sample" --sample shuffled
  expect 1 "no file matches" --data "$tmp/none_*.bin"
  expect 1 "a text file's tokens are its bytes" --data "$tmp/text.txt" --vocab 300
  run 1 "${tiny[@]}" -b 4 --steps 1 --save-model "$tmp/model.bin" || fail "model file for the --vocab case"
  expect 1 "differs from the vocabulary of --init" --init "$tmp/model.bin" --vocab 50257
  expect 1 "--threads" --threads -1
  expect 1 "text.txt" --data "$tmp/text.txt" -T 2000
  expect 1 "-b/-T/-L/-C" -T 1048576 -b 1  # 64 TiB of attention activations: refused before allocating
  # One rank cannot read its data (a node without the file; here rank 1 runs the same command in a
  # directory without it): every rank leaves naming rank 1, no hang.
  mkdir "$tmp/with" "$tmp/without"
  cp "$tmp/text.txt" "$tmp/with/"
  timeout 120 "$mpiexec" -q --bind-to none -np 1 -wdir "$tmp/with" "$cctrain" --no-progress "${tiny[@]}" --steps 3 -b 4 \
    --data text.txt : -np 1 -wdir "$tmp/without" "$cctrain" --no-progress "${tiny[@]}" --steps 3 -b 4 --data text.txt \
    > "$tmp/stdout" 2> "$tmp/stderr"
  rc=$?
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then fail "(rank 1 alone without its data): exit status $rc"
  elif [ "$(grep -c . "$tmp/stderr")" -ne 1 ] || ! grep -q "rank 1: text.txt" "$tmp/stderr"; then
    fail "(rank 1 alone without its data): expected one line naming rank 1 and text.txt, got:"; cat "$tmp/stderr"
  else echo "ok   (rank 1 alone without its data): $(cat "$tmp/stderr")"; fi
  ;;
kill)
  # Long enough that the signal lands mid-run; sent once the CSV shows 20 finished steps.
  args=(-L 2 -C 64 --heads 2 -T 16 --markov-vocab 16 --warmup 1 -b 8 --steps 1000 --sync ring --checkpoint-every 10)
  run 2 "${args[@]}" --checkpoint "$tmp/whole.ckpt" --save-model "$tmp/whole.bin" || { cat "$tmp/log"; fail "uninterrupted run"; }
  rows() { grep -c '^[0-9]' "$1" 2>/dev/null || echo 0; }
  for sig in TERM KILL; do
    rm -f "$tmp"/run.*
    "$mpiexec" -q -np 2 --bind-to none "$cctrain" --no-progress "${args[@]}" --checkpoint "$tmp/run.ckpt" \
      --csv "$tmp/run.csv" > "$tmp/log" 2>&1 &
    pid=$!
    for _ in $(seq 600); do [ "$(rows "$tmp/run.csv.partial")" -ge 20 ] && break; sleep 0.05; done
    if [ "$sig" = TERM ]; then kill -TERM "$pid"  # mpirun forwards it to the ranks
    else pkill -KILL -f "cctrain --no-progress.*$tmp/run.ckpt"; fi
    wait "$pid"
    rc=$?
    if [ "$sig" = TERM ]; then
      stopped=$(sed -n 's/^# SIGTERM: stopped after step \([0-9]*\) of 1000.*/\1/p' "$tmp/log")
      if [ "$rc" -eq 0 ] || [ -z "$stopped" ]; then cat "$tmp/log"; fail "SIGTERM: rc $rc, no clean-stop message"; continue; fi
      # The CSV is complete (renamed into place) and holds every step up to the one it stopped after.
      if [ -e "$tmp/run.csv.partial" ] || [ "$(rows "$tmp/run.csv")" -ne "$((stopped + 1))" ]; then
        fail "SIGTERM: run.csv should hold steps 0..$stopped, has $(rows "$tmp/run.csv") rows"; continue
      fi
      echo "ok   SIGTERM: stopped cleanly after step $stopped, exit $rc, CSV and checkpoint written"
    else
      # Every row in the unfinished CSV is whole: the header's column count on every line.
      cols=$(head -1 "$tmp/run.csv.partial" | awk -F, '{print NF}')
      if [ "$rc" -eq 0 ] || awk -F, -v c="$cols" 'NF != c { bad = 1 } END { exit !bad }' "$tmp/run.csv.partial"; then
        fail "SIGKILL: rc $rc, or a torn row in run.csv.partial"; continue
      fi
      echo "ok   SIGKILL: $(rows "$tmp/run.csv.partial") whole rows kept in run.csv.partial"
    fi
    run 2 "${args[@]}" --resume "$tmp/run.ckpt" --checkpoint "$tmp/run.ckpt" --save-model "$tmp/resumed.bin" \
      || { cat "$tmp/log"; fail "$sig: resume"; continue; }
    if "$cmp_models" "$tmp/whole.bin" "$tmp/resumed.bin" 0; then echo "ok   $sig: resumed to the uninterrupted run's parameters, bit for bit"
    else fail "$sig: the resumed run differs"; fi
  done
  ;;
hang)
  # One rank frozen (SIGSTOP, as a node that stops answering): --timeout ends the job with a line naming
  # the phase, the strategy and the step instead of hanging.
  "$mpiexec" -q -np 2 --bind-to none "$cctrain" --no-progress "${tiny[@]}" -b 4 --steps 100000 --sync ring \
    --timeout 5 > "$tmp/log" 2> "$tmp/err" &
  pid=$!
  for _ in $(seq 600); do grep -q '^  *[0-9]' "$tmp/log" && break; sleep 0.05; done  # training has started
  ranks=$(pgrep -P "$pid" -f "$cctrain")
  frozen=$(echo "$ranks" | tail -1)
  kill -STOP "$frozen"
  for _ in $(seq 1200); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2> /dev/null && { fail "still running 120 s after a rank froze"; kill -KILL "$pid" $ranks; }
  wait "$pid"
  rc=$?
  kill -KILL "$frozen" 2> /dev/null
  line=$(grep -- "--timeout" "$tmp/err" | head -1)
  if [ "$rc" -ne 0 ] && echo "$line" | grep -qE "rank [01]: error: --timeout: no progress for [0-9]+ s in .*(ring).*step [0-9]+"; then
    echo "ok   frozen rank: exit $rc, $line"
  else fail "frozen rank: exit $rc, expected a --timeout line naming the phase, ring and the step"; cat "$tmp/err"; fi
  ;;
*) echo "cctrain_e2e.sh: unknown mode '$mode'"; exit 2 ;;
esac
finish "cctrain_e2e $mode"
