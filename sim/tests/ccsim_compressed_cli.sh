#!/usr/bin/env bash
# ccsim with compressed strategies end to end: predict (phase split, compress column, a comma inside a
# compressor) -> relabel as measured -> calibrate gives the compressor rates back -> validate finds no
# error; step takes them; step --csv and validate --errors have sidecars; bad input is refused.
set -euo pipefail
ccsim=$1
dir=$(mktemp -d ccsim_compressed_XXXXXX)
trap 'rm -rf "$dir"' EXIT
test_name=ccsim_compressed_cli
# shellcheck source=sim/tests/cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"

cat > "$dir/truth.profile" <<'P'
name = truth
ranks_per_node = 4
base_us = 2
intra.alpha_us = 3
intra.beta_ns_per_byte = 0.5
intra.gamma_ns_per_byte = 0.25
compress.int8.encode_us = 20
compress.int8.encode_ns_per_elem = 8
compress.int8.decode_ns_per_elem = 0.4
compress.bf16.encode_ns_per_elem = 0.6
compress.bf16.decode_us = 3
compress.bf16.decode_ns_per_elem = 0.35
compress.topk:0.01,approx+ef.encode_us = 40
compress.topk:0.01,approx+ef.encode_ns_per_elem = 5
compress.topk:0.01,approx+ef.decode_ns_per_elem = 0.1
P

# 6 strategies x 2 rank counts x 9 sizes (64 KiB .. 16 MiB); ring and rd tell beta from gamma
strategies=ring,rd,ring+int8,rd+bf16,ring+topk:0.01,approx+ef,rd+int8
"$ccsim" predict -p "$dir/truth.profile" -s "$strategies" -b 64K -e 16M --ranks 2,4 --csv "$dir/pred.csv" -q
[ "$(($(wc -l < "$dir/pred.csv") - 1))" -eq 108 ] || fail "predict wrote $(($(wc -l < "$dir/pred.csv") - 1)) rows, want 108"
grep -q '^predicted,allreduce,"ring+topk:0.01,approx+ef",ring,"topk:0.01,approx+ef",' "$dir/pred.csv" ||
  fail "no quoted top-k row"
# compressed rows: encode + comm + decode = time, encode and decode > 0; uncompressed: comm = time
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } !/"/ {
    t = $c["time_us"]; e = $c["encode_us"]; m = $c["comm_us"]; d = $c["decode_us"]; d0 = e + m + d - t
    if (d0 < 0) d0 = -d0; if (d0 > 1e-6 * t) exit 1
    if ($c["compress"] == "none" ? (e != 0 || d != 0) : (e <= 0 || d <= 0)) exit 1 }' "$dir/pred.csv" ||
  fail "phase split does not add up"

# the rows as measurements: calibrate recovers the links and every compressor's rates
sed 's/^predicted,/measured,/' "$dir/pred.csv" > "$dir/meas.csv"
"$ccsim" calibrate --from "$dir/meas.csv" --levels 1 --cache none --eager none -o "$dir/fit.profile" > "$dir/cal.txt"
grep -q '^# compress int8: encode' "$dir/cal.txt" || fail "calibrate prints no int8 line"
for key in intra.beta_ns_per_byte:0.5 compress.int8.encode_us:20 compress.int8.encode_ns_per_elem:8 \
  compress.int8.decode_ns_per_elem:0.4 compress.bf16.decode_us:3 compress.bf16.decode_ns_per_elem:0.35 \
  compress.topk:0.01,approx+ef.encode_us:40 compress.topk:0.01,approx+ef.encode_ns_per_elem:5; do
  k=${key%:*} want=${key##*:}
  got=$(awk -F'=' -v k="$k" '{gsub(/ /, "", $1)} $1 == k {split($2, v, "#"); print v[1] + 0}' "$dir/fit.profile")
  awk -v g="$got" -v w="$want" 'BEGIN { exit !(g > w * 0.999 && g < w * 1.001) }' || fail "calibrated $k = $got, want $want"
done
"$ccsim" validate -p "$dir/fit.profile" --against "$dir/meas.csv" --errors "$dir/err.csv" > "$dir/val.txt"
awk -F, 'NR > 1 && $NF > 1e-4 { bad++ } END { exit bad > 0 }' "$dir/err.csv" || fail "validate reports errors on exact data"
grep -q '^"ring+topk:0.01,approx+ef",allreduce,2,2,65536,' "$dir/err.csv" || fail "--errors does not quote a name with a comma"
grep -q '^ring+int8 ' "$dir/val.txt" || fail "validate table has no ring+int8 line"
[ -f "$dir/err.csv.meta.json" ] && grep -q '"tool": "ccsim validate"' "$dir/err.csv.meta.json" || fail "no sidecar for --errors"

"$ccsim" show -p "$dir/fit.profile" | grep -q "compress int8       encode 20 us + 8 ns/elem, decode 0 us + 0.4 ns/elem per payload" ||
  fail "show: $("$ccsim" show -p "$dir/fit.profile" | grep int8)"

# step: compressed strategies; no default-rate note when the profile has every rate
"$ccsim" step -p "$dir/fit.profile" -s ring,ring+int8,ring+topk:0.01,approx+ef --params 1e7 --ranks 2,4 \
  --csv "$dir/step.csv" > /dev/null 2> "$dir/step.err"
[ "$(wc -l < "$dir/step.csv")" -eq 7 ] || fail "step CSV should have a header and 6 lines"
[ ! -s "$dir/step.err" ] && ! grep -q '"note"' "$dir/step.csv.meta.json" || fail "a note although every rate is there"
"$ccsim" step -p "$dir/truth.profile" -s ring+int4 --params 1e7 --ranks 4 --csv "$dir/step4.csv" > /dev/null 2> "$dir/step.err"
grep -q "int4 priced by default rates" "$dir/step.err" && grep -q '"note": "default encode/decode rates for int4' \
  "$dir/step4.csv.meta.json" || fail "default rates not reported"

expect_error "-s/--strategies" predict -p "$dir/truth.profile" -s ring+int9
expect_error "allreduce only" predict -p "$dir/truth.profile" -s ring+int8 -C allgather
expect_error "f32 gradients" predict -p "$dir/truth.profile" -s ring+int8 -d bf16
expect_error "--bandwidths" step -p "$dir/truth.profile" -s ring --bandwidths 0
expect_error "--at-ranks" step -p "$dir/truth.profile" -s ring --at-ranks 8
echo "ccsim_compressed_cli: all checks passed"
