#!/usr/bin/env bash
# plots/plot.sh on a `ccsim validate --leave-one-out --errors` file (a fold column): one loo_* figure
# per (strategy, op) in PNG and SVG, key entries with the held-out median and worst error from 64K
# as computed by hand below, the error plot of the fit fold beside them, and a bad fold value or op
# refused with one line and exit 2.
#
#   plots/tests/loo.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plot=$here/../plot.sh
dir=$(mktemp -d "${TMPDIR:-/tmp}/plots_loo.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() { echo "plots_loo: $*" >&2; exit 1; }

# The fixture: nccl allreduce at 16, 32 and 64 ranks (8 per node), sizes 32K and 64K..1G (x4), both
# folds; and a quoted "ring+topk:0.01,approx" allgather whose 64 ranks have the fit fold only.
# held_out errors (%) from 64K up, per rank count, in size order; 32K is 95% everywhere (below 64K:
# not in the key). The fit fold's error is a third of the held_out one.
#   16: 21 15 12 9.0 7.2 5 3 2   sorted 2 3 5 7.2 | 9.0 12 15 21 -> median (7.2 + 9.0) / 2 = 8.1%, worst 21%
#   32: 14 10 8 6 4 3 2 1        sorted 1 2 3 4 | 6 8 10 14      -> median (4 + 6) / 2 = 5.0%, worst 14%
#   64: 40 30 25 22 18 15 12 10  sorted 10 12 15 18 | 22 25 30 40 -> median (18 + 22) / 2 = 20%, worst 40%
mkdir -p "$dir/run/validation"
f=$dir/run/validation/errors_loo.csv
awk -v OFS=, 'BEGIN {
  print "strategy,op,ranks,ranks_per_node,bytes,band,measured_us,predicted_us,rel_error,fold"
  e[16] = "95 21 15 12 9.0 7.2 5 3 2"; e[32] = "95 14 10 8 6 4 3 2 1"; e[64] = "95 40 30 25 22 18 15 12 10"
  split("nccl \"ring+topk:0.01,approx\"", s, " "); split("allreduce allgather", op, " ")
  for (i = 1; i <= 2; i++)
    for (r = 16; r <= 64; r *= 2) {
      split(e[r], err, " ")
      for (k = 1; k <= 9; k++) {
        b = 32768 * 2 ^ (k == 1 ? 0 : 2 * k - 3)
        band = b < 65536 ? "<64K" : b < 1048576 ? "64K-1M" : b < 16777216 ? "1M-16M" : ">=16M"
        m = (8 + 2 * r / 16) * i + b / (40e3 * (16 / r) ^ 0.2) / i   # microseconds
        sg = (k % 2) ? 1 : -1
        print s[i], op[i], r, 8, b, band, sprintf("%.4f", m), sprintf("%.4f", m * (1 + sg * err[k] / 300)), sprintf("%.6f", err[k] / 300), "fit"
        if (i == 2 && r == 64) continue
        print s[i], op[i], r, 8, b, band, sprintf("%.4f", m), sprintf("%.4f", m * (1 + sg * err[k] / 100)), sprintf("%.6f", err[k] / 100), "held_out"
      }
    }
}' > "$f"
cat > "$f.meta.json" <<EOF
{
  "tool": "ccsim validate",
  "commit": "10a7e57c0de0",
  "command": "validate -p h100.profile --leave-one-out --against m.csv --errors $f",
  "profile": "h100.profile",
  "profile_name": "h100-fixture"
}
EOF

for fmt in png svg; do
  "$plot" "$dir/run" -o "$dir/$fmt" -f "$fmt" > "$dir/stdout" 2> "$dir/stderr" || fail "plot.sh -f $fmt exited $?: $(cat "$dir/stderr")"
  [ ! -s "$dir/stderr" ] || fail "plot.sh -f $fmt wrote to stderr: $(cat "$dir/stderr")"
  want=$(printf '%s\n' loo_validation_errors_loo_nccl_allreduce loo_validation_errors_loo_ring+topk_0.01_approx_allgather \
    error_validation_errors_loo | sed "s/\$/.$fmt/" | sort)
  got=$(find "$dir/$fmt" -type f -printf '%f\n' | sort)
  [ "$got" = "$want" ] || fail "-f $fmt wrote $(tr '\n' ' ' <<< "$got"), want $(tr '\n' ' ' <<< "$want")"
  for p in $got; do
    [ -s "$dir/$fmt/$p" ] || fail "$p is empty"
    grep -qF "$dir/$fmt/$p" "$dir/stdout" || fail "$p was written but not printed"
  done
done
for p in "$dir"/png/*.png; do
  [ "$(head -c 8 "$p" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$p is not a PNG"
  [ "$(stat -c %s "$p")" -gt 15000 ] || fail "$p is only $(stat -c %s "$p") bytes"
done

svg=$dir/svg/loo_validation_errors_loo_nccl_allreduce.svg
for t in '16 ranks (2 nodes): held-out median 8.1%, worst 21%' '32 ranks (4 nodes): held-out median 5.0%, worst 14%' \
  '64 ranks (8 nodes): held-out median 20%, worst 40%' 'leave-one-rank-count-out: nccl allreduce, profile h100-fixture' \
  'commit 10a7e57'; do
  grep -qF "$t" "$svg" || fail "$(basename "$svg") lacks '$t'"
done
svg=$dir/svg/loo_validation_errors_loo_ring+topk_0.01_approx_allgather.svg
for t in '64 ranks (8 nodes): fit only, nothing held out' '16 ranks (2 nodes): held-out median 8.1%, worst 21%' \
  'leave-one-rank-count-out: ring+topk:0.01,approx allgather, profile h100-fixture'; do
  grep -qF "$t" "$svg" || fail "$(basename "$svg") lacks '$t'"
done
# the error plot shows the fit fold: nccl's median from 64K is a third of the held-out errors' median
# over all rank counts (24 values sorted 1 2 2 3 3 4 5 6 7.2 8 9 10 | 10 12 ... 40: 10%, a third: 3.3%)
grep -qF 'nccl, median 3.3% from 64K' "$dir/svg/error_validation_errors_loo.svg" ||
  fail "error plot key: $(grep -o 'nccl, median[^<]*' "$dir/svg/error_validation_errors_loo.svg")"

# bad input: one line naming file, line and column, exit 2, nothing created
expect_error() {  # expect_error SED-SCRIPT MESSAGE
  local rc=0
  rm -rf "$dir/bad" "$dir/out" && cp -r "$dir/run" "$dir/bad"
  sed -i "$1" "$dir/bad/validation/errors_loo.csv"
  "$plot" "$dir/bad" -o "$dir/out" > /dev/null 2> "$dir/stderr" || rc=$?
  [ "$rc" -eq 2 ] || fail "'$1' exited $rc, want 2 (stderr: $(cat "$dir/stderr"))"
  [ "$(wc -l < "$dir/stderr")" -eq 1 ] || fail "'$1' wrote $(wc -l < "$dir/stderr") lines on stderr: $(cat "$dir/stderr")"
  [ "$(cat "$dir/stderr")" = "plot.sh: $dir/bad/validation/errors_loo.csv:$2" ] ||
    fail "'$1': '$(cat "$dir/stderr")', want 'plot.sh: .../errors_loo.csv:$2'"
  [ ! -e "$dir/out" ] || fail "'$1' created its output directory before failing"
}
expect_error '3s/,held_out$/,both/' "3: column 'fold': 'both' is not fit or held_out"
expect_error '6s/,fit$/,/' "6: column 'fold' is empty"
expect_error '2s/,allreduce,/,broadcast,/' "2: column 'op': 'broadcast' is not allreduce, allgather or reduce_scatter"

echo "plots_loo: 2 loo plots and the fit-fold error plot in PNG and SVG, key medians, 3 refusals"
