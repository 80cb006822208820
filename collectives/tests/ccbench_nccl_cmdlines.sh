#!/usr/bin/env bash
# Real nccl-tests command lines against ccbench (data/nccl_tests_cmdlines.txt, each with its source):
# each either runs with nccl-tests' meaning, which the --dry-run header and plan must show value by
# value, or is refused with one line naming the flag. One small line also runs for real.
#   ccbench_nccl_cmdlines.sh MPIEXEC CCBENCH DATA
set -uo pipefail
mpiexec=$1 ccbench=$2 data=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0 cases=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# What the header and plan say, as KEY=VALUE lines (an independent reading of ccbench's output).
observed() {
  awk '
    /^# nThread / {
      for (i = 1; i <= NF; i++) {
        if ($i == "minBytes") print "min=" $(i + 1)
        if ($i == "maxBytes") print "max=" $(i + 1)
        if ($i == "step:") print "step=" $(i + 1)
        if ($i == "warmup") print "warmup=" $(i + 2)
        if ($i == "iters:" && $(i - 1) != "warmup" && $(i - 1) != "agg") print "iters=" $(i + 1)
        if ($i == "agg") print "agg=" $(i + 2)
        if ($i == "validation:") print "check=" $(i + 1)
      }
    }
    /^# dry run: sizes/ { print "sizes=" (NF - 5) }
    /^# dry run: types:/ {
      line = $0; sub(/^# dry run: types: /, "", line)
      split(line, part, "; ")
      types = part[1]; gsub(/ /, ",", types); print "types=" types
      reds = part[2]; sub(/^reductions: /, "", reds); gsub(/ /, ",", reds); print "reductions=" reds
    }' "$1"
}

while IFS= read -r line; do
  case $line in '#'* | '') continue ;; esac
  source=${line%% | *}
  rest=${line#* | }
  flags=${rest%% | *}
  want=${rest#* | }
  cases=$((cases + 1))
  eval "set -- $flags"  # the shell's reading of the line, as when it was typed: --op="all" is --op=all
  "$mpiexec" -q -np 2 --bind-to none "$ccbench" "$@" --dry-run --format nccl-tests --no-progress \
    > "$tmp/out" 2> "$tmp/err" < /dev/null
  rc=$?
  case $want in
    refuse*)
      flag=${want#refuse }
      if [ "$rc" -eq 0 ]; then fail "$flags ($source): ran, expected a refusal naming $flag"
      elif [ "$(grep -c . "$tmp/err")" -ne 1 ] || ! grep -qF -- "$flag" "$tmp/err"; then
        fail "$flags ($source): expected one line naming $flag, got: $(cat "$tmp/err")"
      else echo "ok   refused: $flags -> $(cat "$tmp/err")"; fi ;;
    run*)
      if [ "$rc" -ne 0 ]; then fail "$flags ($source): exit $rc: $(cat "$tmp/err")"; continue; fi
      observed "$tmp/out" | awk '!seen[$0]++' > "$tmp/seen"  # the header repeats per strategy
      bad=
      for kv in ${want#run }; do
        key=${kv%%=*}
        got=$(grep "^$key=" "$tmp/seen" | head -1)
        [ "$got" = "$kv" ] || bad="$bad $kv (saw '${got#*=}')"
      done
      if [ -n "$bad" ]; then fail "$flags ($source): expected$bad"
      else echo "ok   runs: $flags -> $(tr '\n' ' ' < "$tmp/seen")"; fi ;;
    *) fail "bad expectation '$want' in $data" ;;
  esac
done < "$data"

# One line for real (NVIDIA/nccl#2032's uint8 allreduce of 8 bytes), at 1, 3 and 4 ranks: every
# strategy's result is checked exactly, and the footer says so.
for np in 1 3 4; do
  cases=$((cases + 1))
  if ! "$mpiexec" -q -np "$np" --bind-to none "$ccbench" -b 8 -e 8 -f 2 -g 1 -d uint8 --no-progress \
      > "$tmp/real" 2> "$tmp/err"; then
    fail "-b 8 -e 8 -f 2 -g 1 -d uint8 at $np ranks: $(cat "$tmp/err")"
  elif ! grep -q "^# Out of bounds values : 0 OK" "$tmp/real" || ! grep -q "^# Avg bus bandwidth    : " "$tmp/real"; then
    fail "-d uint8 at $np ranks: no nccl-tests footer: $(tail -5 "$tmp/real")"
  elif [ "$(awk '/^ +8 +8 +uint8 +sum/ && $11 == "0"' "$tmp/real" | wc -l)" -ne 6 ]; then
    fail "-d uint8 at $np ranks: expected 6 checked rows with 0 wrong: $(grep uint8 "$tmp/real")"
  else echo "ok   ran: -b 8 -e 8 -f 2 -g 1 -d uint8 at $np ranks, 6 strategies exact"; fi
done

[ "$cases" -ge 10 ] || fail "only $cases command lines"
if [ "$failures" -ne 0 ]; then echo "$failures of $cases cases failed"; exit 1; fi
echo "ccbench_nccl_cmdlines: $cases cases OK"
