#!/usr/bin/env bash
# ccbench --format nccl-tests round trip: the tables it prints are read back three ways and must agree
# with the rows it wrote (--csv) to the printed precision: by an independent parser here (awk), by
# ccsim's nccl-tests reader (rows_dump) and by ccsim calibrate; each table's footer matches its rows;
# -J writes nccl-tests' JSON document with the same numbers.
#   ccbench_nccl_format.sh MPIEXEC CCBENCH ROWS_DUMP CCSIM
set -uo pipefail
mpiexec=$1 ccbench=$2 rows_dump=$3 ccsim=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

strategies=ring,rabenseifner,hier:ring/ring,ring+int8,mpi
"$mpiexec" -q -np 4 --bind-to none "$ccbench" --no-progress --format nccl-tests --ranks-per-node 2 -s "$strategies" \
  -b 8 -e 64K -f 8 -d float -o sum,avg -n 3 -w 1 -I 1 --csv "$tmp/rows.csv" -J "$tmp/out.json" > "$tmp/text" \
  2> "$tmp/err" || fail "ccbench: $(cat "$tmp/err")"
"$mpiexec" -q -np 3 --bind-to none "$ccbench" --no-progress --format nccl-tests -s ring,tree,mpi \
  -b 0 -e 300 -i 100 -d int32,uint8,bfloat16 -o prod,min -n 2 -w 0 --csv "$tmp/rows2.csv" > "$tmp/text2" \
  2> "$tmp/err" || fail "ccbench (integers): $(cat "$tmp/err")"

# The text tables as strategy,placement,bytes,count,type,redop,time,algbw,busbw,wrong: this parser
# knows only nccl-tests' layout (size count type redop root, then per placement time algbw busbw
# #wrong, and with -I four statistics) and the "# ccbench strategy:" line above each table.
parse_text() {
  awk -v OFS=, '
    /^# ccbench strategy:/ { strategy = $4; next }
    /^# +size +count/ { stats = ($0 ~ /i_min/) ? 4 : 0; next }
    /^#/ || NF == 0 { next }
    $1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ {
      split("out-of-place in-place", place, " ")
      for (p = 0; p < 2; p++) {
        c = 6 + p * (4 + stats)
        print strategy, place[p + 1], $1, $2, $3, $4, $c, $(c + 1), $(c + 2), $(c + 3)
      }
    }' "$1"
}

# ccbench's CSV (and rows_dump's) in the same shape; dtypes by nccl-tests' names.
csv_rows() {
  awk -F, -v OFS=, '
    BEGIN { split("f32 float f64 double f16 half bf16 bfloat16 i8 int8 u8 uint8 i32 int32 u32 uint32 i64 int64 u64 uint64", m, " ")
            for (i = 1; i < 20; i += 2) long[m[i]] = m[i + 1] }
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { d = $col["dtype"]; if (d in long) d = long[d]
      print $col["strategy"], $col["placement"], $col["bytes"], $col["count"], d, $col["redop"], $col["time_us"],
            $col["algbw_GBps"], $col["busbw_GBps"], ($col["errors"] == -1 ? "N/A" : $col["errors"]) }' "$1"
}

# compare A B TOLERANCE WHAT: the same rows in the same order; numbers within TOLERANCE (absolute, or
# relative beyond 1), everything else equal.
compare() {
  if [ "$(wc -l < "$1")" -ne "$(wc -l < "$2")" ]; then
    fail "$4: $(wc -l < "$1") rows against $(wc -l < "$2")"
    return
  fi
  local bad
  bad=$(paste -d'|' "$1" "$2" | awk -F'|' -v tol="$3" '
    function off(a, b) { d = a - b; if (d < 0) d = -d; s = (a < 0 ? -a : a); return d > tol && d > tol * s }
    { n = split($1, x, ","); split($2, y, ",")
      for (i = 1; i <= n; i++) {
        num = (x[i] ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ && y[i] ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/)
        if ((num && off(x[i] + 0, y[i] + 0)) || (!num && x[i] != y[i])) { print NR ": " $1 " vs " $2; exit } } }')
  if [ -n "$bad" ]; then fail "$4: row $bad"; else echo "ok   $4: $(wc -l < "$1") rows agree"; fi
}

for run in "" 2; do
  text=$tmp/text$run csv=$tmp/rows$run.csv
  parse_text "$text" > "$tmp/awk$run"
  csv_rows "$csv" | sort -t, -k1,1 -k2,2 -s > "$tmp/want$run"
  # The tables list strategy by strategy; the CSV size by size: order both by strategy and placement.
  sort -t, -k1,1 -k2,2 -s "$tmp/awk$run" > "$tmp/got$run"
  # Printed with two decimals: within 0.005 of the written value.
  compare "$tmp/got$run" "$tmp/want$run" 0.0051 "run ${run:-1}: text (awk) against ccbench's --csv"
  if "$rows_dump" nccl-tests "$text" > "$tmp/dump$run.csv" 2> "$tmp/err"; then
    csv_rows "$tmp/dump$run.csv" > "$tmp/read$run"
    compare "$tmp/read$run" "$tmp/awk$run" 1e-9 "run ${run:-1}: ccsim's nccl-tests reader against awk"
  else fail "rows_dump: $(cat "$tmp/err")"; fi
  # Each table's footer: no wrong elements, and the mean busbw of its rows (both placements).
  awk '/^# ccbench strategy:/ { s = $4; n[s] = 0; sum[s] = 0 }
       /^ *[0-9]+ +[0-9]+ / && s != "" { sum[s] += $8 + $(8 + stride); n[s] += 2 }
       /^# +size +count/ { stride = ($0 ~ /i_min/) ? 8 : 4 }
       /^# Out of bounds values : / && $7 != "0" { print "wrong in " s ": " $0 }
       /^# Avg bus bandwidth/ { want = sum[s] / n[s]; got = $6; d = got - want; if (d < 0) d = -d
                                if (d > 0.006) print s ": footer " got " vs rows " want }' "$text" > "$tmp/footers"
  [ -s "$tmp/footers" ] && fail "run ${run:-1} footers: $(cat "$tmp/footers")"
  [ "$(grep -c '^# Avg bus bandwidth    : ' "$text")" -eq "$(grep -c '^# ccbench strategy:' "$text")" ] ||
    fail "run ${run:-1}: not one footer per table"
done

# ccsim calibrates from the text as from the CSV: the same strategies.
if "$ccsim" calibrate --from "$tmp/text" -o "$tmp/text.profile" > "$tmp/cal" 2>&1; then
  for s in ring rabenseifner hier:ring/ring ring+int8; do
    grep -q "$s" "$tmp/cal" || fail "ccsim calibrate from the text: no $s in $(cat "$tmp/cal")"
  done
  echo "ok   ccsim calibrate --from the nccl-tests text"
else fail "ccsim calibrate --from the text: $(tail -3 "$tmp/cal")"; fi

# -J: nccl-tests' JSON document, with the rows' numbers (checked where python3 is there to read it).
if command -v python3 > /dev/null; then
  if python3 - "$tmp/out.json" "$tmp/want" << 'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
want = {}
for line in open(sys.argv[2]):
    s, place, size, count, dtype, redop, time, algbw, busbw, wrong = line.strip().split(",")
    want[(s, place, int(size), redop)] = (float(time), float(busbw), wrong)
for key in ("version", "config", "results", "out_of_bounds", "average_bus_bandwidth"):
    assert key in doc, key
assert doc["out_of_bounds"]["count"] == 0
seen = 0
for r in doc["results"]:
    for place, name in (("out-of-place", "out_of_place"), ("in-place", "in_place")):
        t, b, w = want[(r["strategy"], place, r["size"], r["redop"])]
        got = r[name]
        assert abs(got["time"] - t) < 1e-6 * max(1, t) and abs(got["bus_bw"] - b) < 1e-6 * max(1, b), (r, t, b)
        assert (got["nwrong"] is None) == (w == "N/A"), (r, w)
        assert r[name + "_per_iter"]["min_us"] <= r[name + "_per_iter"]["max_us"]
        assert len(r[name + "_per_iter"]["times_us"]) == 3
        seen += 1
assert seen == len(want), (seen, len(want))
PY
  then echo "ok   -J: the JSON document holds every row's numbers"; else fail "-J document"; fi
else echo "skip -J check: no python3"; fi

if [ "$failures" -ne 0 ]; then echo "$failures checks failed"; exit 1; fi
echo "ccbench_nccl_format: OK"
