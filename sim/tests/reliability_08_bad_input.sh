#!/usr/bin/env bash
# Issue 18, item 8: bad input that ccsim and ccbench used to accept. Every case must exit 2 with one
# line on stderr naming the flag or file, print no "nan%", and leave no output file behind.
#
#   reliability_08_bad_input.sh MPIEXEC CCBENCH CCSIM
set -uo pipefail
mpiexec=$1 ccbench=$2 ccsim=$3 cctrain=${4:-}
dir=$(mktemp -d "${TMPDIR:-/tmp}/reliability_08.XXXXXX")
trap 'rm -rf "$dir"' EXIT
failures=0 checked=0

# check WANT LABEL RC: the verdict on the run whose output is in $dir/stdout and $dir/stderr.
check() {
  local want=$1 label=$2 rc=$3
  checked=$((checked + 1))
  if [ "$rc" -ne 2 ]; then
    echo "FAIL ($label): exit status $rc, want 2; stderr: $(head -c 600 "$dir/stderr")"
  elif [ "$(wc -l < "$dir/stderr")" -ne 1 ] || [ "$(tail -c 1 "$dir/stderr" | od -An -c | tr -d ' ')" != '\n' ]; then
    echo "FAIL ($label): want one line on stderr, got:"; cat "$dir/stderr"
  elif ! grep -qF -- "$want" "$dir/stderr"; then
    echo "FAIL ($label): the error does not name '$want': $(cat "$dir/stderr")"
  elif grep -q 'nan%' "$dir/stdout"; then
    echo "FAIL ($label): printed nan%"
  elif ls "$dir"/out* > /dev/null 2>&1; then
    echo "FAIL ($label): left $(ls "$dir"/out*)"
  else
    echo "ok   ($label): $(cat "$dir/stderr")"
    return
  fi
  failures=$((failures + 1))
}

# sim WANT ARGS...: ccsim with ARGS (output paths under $dir/out*).
sim() {
  local want=$1 rc=0
  shift
  rm -f "$dir"/out*
  "$ccsim" "$@" > "$dir/stdout" 2> "$dir/stderr" || rc=$?
  check "$want" "ccsim $(printf '%q ' "$@")" "$rc"
}

# bench NP WANT ARGS...: ccbench on NP ranks with ARGS and --csv $dir/out.csv.
bench() {
  local np=$1 want=$2 rc=0
  shift 2
  rm -f "$dir"/out*
  timeout 120 "$mpiexec" -q -np "$np" --bind-to none "$ccbench" --no-progress -b 8 -e 64 -n 1 -w 0 --csv "$dir/out.csv" "$@" \
    > "$dir/stdout" 2> "$dir/stderr" || rc=$?
  check "$want" "ccbench -np $np $(printf '%q ' "$@")" "$rc"
}

# A two-node profile (4 ranks per node) and its predictions relabelled as measurements.
cat > "$dir/t.profile" <<'P'
name = t
ranks_per_node = 4
nodes = 2
intra.alpha_us = 3
intra.beta_ns_per_byte = 0.5
intra.gamma_ns_per_byte = 0.25
P
prof=$dir/t.profile
"$ccsim" predict -p "$prof" -s ring,rd -b 1K -e 1M -f 4 --ranks 2,4 --csv "$dir/pred.csv" -q 2> /dev/null ||
  { echo "cannot predict the fixture"; exit 1; }
sed 's/^predicted,/measured,/' "$dir/pred.csv" > "$dir/meas.csv"
rm -f "$dir"/pred.csv*
# with_column FILE COLUMN VALUE: a copy of meas.csv with COLUMN of its third line (second row) set to VALUE.
with_column() {
  awk -F, -v OFS=, -v c="$2" -v v="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i } NR == 3 { $k = v } 1' \
    "$dir/meas.csv" > "$dir/$1"
}
# bad_profile FILE LINE...: t.profile with the lines appended.
bad_profile() {
  local f=$dir/$1
  shift
  { cat "$prof"; printf '%s\n' "$@"; } > "$f"
}

echo "--- strategy spellings with an empty part"
for s in 'hier:' 'nccl:' 'hier:ring/' 'hier:/ring' 'hier:/' 'nccl:/ll' 'nccl:ring/' 'ring+' '+int8' 'ring+topk:' \
         'ring+qsgd:' 'ring+int8:' 'ring,' ',ring' 'ring,,rd' 'ring+topk:0.01,'; do
  sim "-s/--strategies" predict -p "$prof" -s "$s" -b 8 -e 8 --csv "$dir/out.csv"
done
sim "-s/--strategies" step -p "$prof" -s 'hier:' --params 1e6 --csv "$dir/out.csv"
bench 1 "-s/--strategies" -s 'hier:'
bench 2 "-s/--strategies" -s 'ring,hier:'

echo "--- profile values that are not plain decimal numbers, and unknown compress.* keys"
for v in 0x10 0x1p3 1e inf nan '3 us' '1,5'; do
  bad_profile v.profile "base_us = $v"
  sim "v.profile:7: 'base_us'" predict -p "$dir/v.profile" -s ring -b 8 -e 8 --csv "$dir/out.csv"
done
bad_profile n.profile "nics_per_node = 0x10" "nic_GBps = 50"
sim "n.profile:7: 'nics_per_node'" predict -p "$dir/n.profile" -s ring -b 8 -e 8 --csv "$dir/out.csv"
for key in compress.zstd.encode_ns_per_elem compress.topk:0.010.encode_ns_per_elem compress.topk+ef.encode_us \
           compress.int8.encode_ns_per_byte; do
  bad_profile c.profile "$key = 1"
  sim "c.profile:7: '$key'" predict -p "$dir/c.profile" -s ring -b 8 -e 8 --csv "$dir/out.csv"
done
for list in 'ring,,tree' 'ring,' ',ring' 'ring tree'; do
  bad_profile l.profile "nccl.algorithms = $list"
  sim "l.profile:7: 'nccl.algorithms'" predict -p "$dir/l.profile" -s nccl -b 8 -e 8 --csv "$dir/out.csv"
done

echo "--- measured times that cannot be"
for v in inf -inf nan -5 0 0x10; do
  with_column "time_$v.csv" time_us "$v"
  sim "time_$v.csv:3: column 'time_us'" validate -p "$prof" --against "$dir/time_$v.csv" --errors "$dir/out.errors.csv" \
    --csv "$dir/out.csv"
  sim "time_$v.csv:3: column 'time_us'" calibrate --from "$dir/time_$v.csv" --levels 1 -o "$dir/out.profile"
done
for col in time_min_us time_max_us encode_us decode_us algbw_GBps; do
  with_column "$col.csv" "$col" inf
  sim "$col.csv:3: column '$col'" calibrate --from "$dir/$col.csv" --levels 1 -o "$dir/out.profile"
done
with_column "rel_err.csv" rel_err -inf
sim "rel_err.csv:3: column 'rel_err'" validate -p "$prof" --against "$dir/rel_err.csv" --csv "$dir/out.csv"

echo "--- lists with an empty item"
for list in '1,' ',1' '1,,10'; do
  sim "--bandwidths" step -p "$prof" -s ring --params 1e6 --bandwidths "$list" --csv "$dir/out.csv"
done
for list in '2,' ',2' '2,,4'; do
  sim "--ranks" predict -p "$prof" -s ring -b 8 -e 8 --ranks "$list" --csv "$dir/out.csv"
done
for list in 'ring,' ',ring' 'ring,,rd' 'rnig'; do
  sim "--fit-strategies" calibrate --from "$dir/meas.csv" --levels 1 --fit-strategies "$list" -o "$dir/out.profile"
done
bench 1 "-d/--dtype" -d 'f32,'
bench 1 "--compress" -s ring --compress 'int8,'

echo "--- nothing the model can price"
sim "nothing to predict" predict -p "$prof" -s hier:ring/ring --ranks 6 -b 8 -e 1K --csv "$dir/out.csv"
sim "nothing to predict" predict -p "$prof" -s hier:ring/ring,hier:ring/tree --ranks 5,6 -b 8 -e 1K --json "$dir/out.json"
sim "nothing to predict" step -p "$prof" -s hier:ring/ring --ranks 6 --params 1e6 --csv "$dir/out.csv"
sim "nothing to predict" step -p "$prof" -s hier:ring/ring --ranks 6 --params 1e6 --bandwidths 1,10 --csv "$dir/out.csv"

echo "--- profile names that a profile file or plots/plot.sh cannot carry"
nl=$'\n'
for name in 'a"b' "a${nl}b" 'a b' 'a,b' 'a\b' 'a#b' $'a\tb' ' a' "$(printf 'x%.0s' {1..64})"; do
  bench 1 "--profile" --profile "$name"
  sim "--name" calibrate --from "$dir/meas.csv" --levels 1 --name "$name" -o "$dir/out.profile"
done
bench 2 "--profile" --profile 'a"b'
sed 's/^name = t$/name = a"b/' "$prof" > "$dir/q.profile"
sim "q.profile:1: 'name'" show -p "$dir/q.profile"
# The rows' profile column names a calibrated profile when --name does not.
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "profile") k = i } NR > 1 { $k = "\"a\"\"b\"" } 1' \
  "$dir/meas.csv" > "$dir/quoted.csv"
sim "--name" calibrate --from "$dir/quoted.csv" --levels 1 -o "$dir/out.profile"

echo "--- ccbench --check with nothing it can check"
bench 1 "--check" -s ring+int8 --check
bench 2 "--check" -s ring+topk:0.01,approx,rd+bf16 --check

echo "--- cctrain shard lists"
if [ -n "$cctrain" ]; then
  for list in a.bin,,b.bin ,a.bin; do
    rc=0
    rm -f "$dir"/out*
    (cd "$dir" && timeout 60 "$cctrain" --no-progress -d "$list" --steps 1) > "$dir/stdout" 2> "$dir/stderr" || rc=$?
    check "--data" "cctrain -d $list" "$rc"
  done
fi

echo "$checked cases, $failures failed"
[ "$failures" -eq 0 ] || exit 1
echo "reliability_08_bad_input: OK"
