#!/usr/bin/env bash
# ccsim end to end: predict -> (relabel as measured) -> calibrate recovers the profile -> validate finds
# no error; help and bad input behave.
set -euo pipefail
ccsim=$1
dir=$(mktemp -d ccsim_cli_XXXXXX)
trap 'rm -rf "$dir"' EXIT
test_name=ccsim_cli
# shellcheck source=sim/tests/cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"

cat > "$dir/truth.profile" <<'P'
name = truth
source = made up for this test
ranks_per_node = 4
nodes = 1
base_us = 2
intra.alpha_us = 3
intra.beta_ns_per_byte = 0.5
intra.gamma_ns_per_byte = 0.25
P

"$ccsim" --help | grep -q calibrate || fail "--help does not list calibrate"
"$ccsim" predict --help | grep -q -- --profile || fail "predict --help does not list --profile"

# 3 strategies x 3 rank counts x 21 sizes (8 B .. 8 MiB) = 189 rows.
"$ccsim" predict -p "$dir/truth.profile" -s ring,rd,tree -b 8 -e 8M -f 2 --ranks 2..8 --csv "$dir/pred.csv" -q
rows=$(($(wc -l < "$dir/pred.csv") - 1))
[ "$rows" -eq 189 ] || fail "predict wrote $rows rows, want 189"
head -1 "$dir/pred.csv" | grep -q '^source,op,strategy,algo,compress,dtype,ranks,' || fail "bad CSV header"
[ -f "$dir/pred.csv.meta.json" ] || fail "no sidecar for pred.csv"
[ "$(cut -d, -f1 "$dir/pred.csv" | sort -u | grep -vc source)" -eq 1 ] || fail "source column is not all 'predicted'"

# Predictions relabelled as measurements: calibration must give the truth back.
sed 's/^predicted,/measured,/' "$dir/pred.csv" > "$dir/meas.csv"
"$ccsim" calibrate --from "$dir/meas.csv" --levels 1 -o "$dir/fit.profile" > "$dir/calibrate.txt"
for key in base_us:2 intra.alpha_us:3 intra.beta_ns_per_byte:0.5 intra.gamma_ns_per_byte:0.25; do
  k=${key%%:*} want=${key##*:}
  got=$(awk -F'=' -v k="$k" '{gsub(/ /, "", $1)} $1 == k {split($2, v, "#"); print v[1] + 0}' "$dir/fit.profile")
  awk -v g="$got" -v w="$want" 'BEGIN { exit !(g > w * 0.999 && g < w * 1.001) }' || fail "calibrated $k = $got, want $want"
done
"$ccsim" validate -p "$dir/fit.profile" --against "$dir/meas.csv" --errors "$dir/err.csv" --csv "$dir/val.csv" > "$dir/validate.txt"
awk -F, 'NR > 1 && $9 > 1e-4 { bad++ } END { exit bad > 0 }' "$dir/err.csv" || fail "validate reports errors on exact data"
[ "$(($(wc -l < "$dir/err.csv") - 1))" -eq 189 ] || fail "validate --errors row count"
grep -q '^ring' "$dir/validate.txt" || fail "validate table has no ring line"

"$ccsim" step -p "$dir/truth.profile" -s ring --params 1e6 --ranks 1,4 --csv "$dir/step.csv" > /dev/null
[ "$(wc -l < "$dir/step.csv")" -eq 3 ] || fail "step CSV should have a header and 2 lines"
"$ccsim" show -p "$dir/truth.profile" | grep -q "GB/s" || fail "show prints no bandwidth"

# Bad input: exit 2 and a one-line message naming the flag or file.
expect_error "unknown command" frobnicate
expect_error "--profile" predict -s ring
expect_error "-s/--strategies" predict -p "$dir/truth.profile" -s ring,warp
expect_error "no_such.profile" predict -p "$dir/no_such.profile"
expect_error "--ranks" predict -p "$dir/truth.profile" --ranks 0
expect_error "no usable rows" calibrate --from "$dir/pred.csv" -o "$dir/x.profile"
expect_error "--from" calibrate -o "$dir/x.profile"
expect_error "missing.csv" validate -p "$dir/truth.profile" --against "$dir/missing.csv"
[ ! -e "$dir/x.profile" ] && [ ! -e "$dir/x.profile.partial" ] || fail "a failed calibrate left a profile behind"
echo "ccsim_cli: all checks passed"
