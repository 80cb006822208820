#!/usr/bin/env bash
# ccsim on ccbench's own text output end to end: calibrate and validate read the table a run printed
# (sim/tests/data/ccbench-text, real runs), compressed columns fit the compressors, and a file cut off
# in a row is one error line naming file:line.
#   ccsim_ccbench_text_cli.sh CCSIM SOURCE_DIR
set -euo pipefail
ccsim=$1 src=$2
data=$src/sim/tests/data/ccbench-text
dir=$(mktemp -d ccsim_ccbench_text_cli_XXXXXX)
trap 'rm -rf "$dir"' EXIT
test_name=ccsim_ccbench_text_cli
# shellcheck source=sim/tests/cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"

"$ccsim" calibrate --help > "$dir/help.txt"
grep -q "ccbench CSV rows or text output" "$dir/help.txt" || fail "calibrate --help does not name ccbench's text output"

# 6 strategies x 9 sizes = 54 rows; the fit leaves the 9 mpi rows to the library's own terms.
"$ccsim" calibrate --from "$data/allreduce_4r2n.txt" -o "$dir/fit.profile" > "$dir/calibrate.txt" 2> "$dir/warn.txt" ||
  fail "calibrate from ccbench text failed: $(cat "$dir/warn.txt")"
grep -q '^# ccsim calibrate: 45 rows fit (0 unusable' "$dir/calibrate.txt" ||
  fail "calibrate: want 45 rows fit: $(head -1 "$dir/calibrate.txt")"
grep -q '^name = vm$' "$dir/fit.profile" || fail "the profile is not named after rank 0's host"
grep -q '^ranks_per_node = 2$' "$dir/fit.profile" && grep -q '^nodes = 2$' "$dir/fit.profile" ||
  fail "the profile's shape is not the table's 2 nodes x 2 ranks"
for s in ring tree rd rabenseifner hier:ring/ring mpi; do
  grep -q "^$s " "$dir/calibrate.txt" || fail "calibrate's error table has no $s line"
done

# validate: every row a point, as with the CSV.
"$ccsim" validate -p "$dir/fit.profile" --against "$data/allreduce_4r2n.txt" --errors "$dir/err.csv" > "$dir/validate.txt"
grep -q '^# ccsim validate: profile vm against 54 measured points (0 rows skipped' "$dir/validate.txt" ||
  fail "validate: want 54 points: $(head -1 "$dir/validate.txt")"
[ "$(($(wc -l < "$dir/err.csv") - 1))" -eq 54 ] || fail "validate --errors: want 54 lines"

# Compressed strategies: their encode and decode columns fit the compressors' costs.
"$ccsim" calibrate --from "$data/compressed_4r2n.txt" -o "$dir/comp.profile" > "$dir/comp.txt" 2> /dev/null
for c in int8 topk:0.01,approx+ef bf16; do
  grep -q "^# compress $c: encode .* (4 rows" "$dir/comp.txt" || fail "calibrate fitted no encode cost of $c"
done

# Several files and kinds at once: ccbench text, a tagged paste and a CSV in the row schema.
"$ccsim" validate -p "$dir/fit.profile" --against "$data/allreduce_4r2n.txt" --against "$data/allgather_4r2n.txt" \
  --against "$data/reduce_scatter_4r2n_tagged.txt" --errors "$dir/all.csv" > "$dir/all.txt"
grep -q '^# ccsim validate: profile vm against 84 measured points (3 rows skipped' "$dir/all.txt" ||
  fail "validate of three files: want 54 + 18 + 12 points (reduce_scatter's 0-byte rows skipped): $(head -1 "$dir/all.txt")"

# A run cut off in a row, and one garbled: one line naming the file and line, nothing written.
head -n 36 "$data/allreduce_4r2n.txt" > "$dir/cut.txt"
printf '        2048          512    float    sum           tree      22.8' >> "$dir/cut.txt"
expect_error "cut.txt:37: a row of 6 columns" calibrate --from "$dir/cut.txt" -o "$dir/x.profile"
sed '20s/11.90/11.9O/' "$data/allreduce_4r2n.txt" > "$dir/garbled.txt"
expect_error "garbled.txt:20: column 'time': '11.9O'" validate -p "$dir/fit.profile" --against "$dir/garbled.txt"
[ ! -e "$dir/x.profile" ] && [ ! -e "$dir/x.profile.partial" ] || fail "a failed calibrate left a profile behind"
