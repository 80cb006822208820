#!/usr/bin/env bash
# nccl-tests' run modes in ccbench, each run for real on small sizes and checked for what it promises:
# -z 0..2 time the iterations together (one sample: min = median = max), -m and -u keep results exact,
# -a 0..3 all run, -C labels the column cputime, -S stamps every row, -N repeats the sweep, -M reports
# memory, -c N checks N times, -r/-p are accepted and said to have no effect.
#   ccbench_nccl_modes.sh MPIEXEC CCBENCH
set -uo pipefail
mpiexec=$1 ccbench=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
run() {  # run NAME ARGS...: 3 ranks, ring/rd/mpi, 8 B .. 4 KiB; the table in $tmp/NAME, rows in $tmp/NAME.csv
  local name=$1
  shift
  "$mpiexec" -q -np 3 --bind-to none "$ccbench" --no-progress -s ring,rd,mpi -b 8 -e 4K -f 8 -n 4 -w 1 \
    --csv "$tmp/$name.csv" "$@" > "$tmp/$name" 2> "$tmp/$name.err" || fail "$name ($*): $(cat "$tmp/$name.err")"
  grep -q "^# Out of bounds values : 0 OK" "$tmp/$name" || fail "$name ($*): wrong elements: $(grep '^#' "$tmp/$name" | tail -4)"
}
rows() { tail -n +2 "$1" | wc -l; }
column() {  # column FILE NAME: that column of the CSV rows
  awk -F, -v want="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == want) c = i; next } { print $c }' "$1"
}

for z in 0 1 2; do
  run z$z -z "$z"
  # One sample stands for all iterations: the median, min and max are the same number.
  bad=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
                 $col["time_us"] != $col["time_min_us"] || $col["time_us"] != $col["time_max_us"]' "$tmp/z$z.csv" | wc -l)
  [ "$bad" -eq 0 ] || fail "-z $z: $bad rows with min/max unlike the median"
done
grep -q -- "-z 1 (0)" "$tmp/z1" || fail "-z 1: the header does not say it differs from nccl-tests' -z 0"
run z3 -z 3
[ "$(awk -F, 'NR > 1 && $12 != $13' "$tmp/z3.csv" | wc -l)" -gt 0 ] || fail "-z 3: every row has min = median"
for a in 0 1 2 3; do run a$a -a "$a"; done
run m4 -m 4 -o all -d int32,half
[ "$(rows "$tmp/m4.csv")" -eq 120 ] || fail "-m 4 -o all -d int32,half: $(rows "$tmp/m4.csv") rows, want 2 types x 5 ops x 4 sizes x 3 = 120"
run u3 -u 3 -d int64,bfloat16 -o sum,max -c 3
grep -q "validation: 3" "$tmp/u3" || fail "-c 3: header says $(grep -o 'validation: [0-9]*' "$tmp/u3")"
run cputime -C 1
grep -q "^# .* cputime " "$tmp/cputime" || fail "-C 1: no cputime column"
run stamps -S 1
[ "$(grep -cE '^ +[0-9]+ .* [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$' "$tmp/stamps")" -eq 12 ] ||
  fail "-S 1: not every row ends with a timestamp: $(grep -E '^ +[0-9]' "$tmp/stamps" | head -2)"
run cycles -N 2
[ "$(rows "$tmp/cycles.csv")" -eq 24 ] || fail "-N 2: $(rows "$tmp/cycles.csv") rows, want 2 passes x 4 sizes x 3"
run memory -M 1 -r 0 -p 1
grep -q "^# memory: send and receive buffers" "$tmp/memory" || fail "-M 1: no memory line"
grep -q "^# -r 0: allreduce has no root" "$tmp/memory" || fail "-r 0: not said to have no effect"
grep -q "^# -p 1:" "$tmp/memory" || fail "-p 1: not said to have no effect"
run unchecked -c 0
[ "$(column "$tmp/unchecked.csv" errors | sort -u)" = "-1" ] || fail "-c 0: rows were checked"
grep -q "^# Out of bounds values : 0 OK" "$tmp/unchecked" || fail "-c 0: footer"

if [ "$failures" -ne 0 ]; then echo "$failures checks failed"; exit 1; fi
echo "ccbench_nccl_modes: OK"
