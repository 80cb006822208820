#!/usr/bin/env bash
# ccsim on real nccl-tests logs end to end: calibrate from a cluster's hardware profile names every
# parameter the log cannot determine, on stderr and in the profile, and the two agree; the profile reads
# back; validate --leave-one-out writes both folds; nccl:<algo>/<proto> predicts; bad input is one line.
#   ccsim_nccl_cli.sh CCSIM SOURCE_DIR
set -euo pipefail
ccsim=$1 src=$2
data=$src/sim/tests/data/nccl-tests
dir=$(mktemp -d ccsim_nccl_cli_XXXXXX)
trap 'rm -rf "$dir"' EXIT
test_name=ccsim_nccl_cli
# shellcheck source=sim/tests/cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"

# One log of one size band (1 MiB .. 8 GiB) cannot split latencies into base and hops: warned, marked.
"$ccsim" calibrate -p "$data/clusters/aion-h100.profile" --from "$data/aion-h100_h100_32r4n.log" -o "$dir/fit.profile" \
  > "$dir/out.txt" 2> "$dir/warn.txt"
grep -q '^# nccl: 14 rows' "$dir/out.txt" || fail "calibrate: no nccl fit line: $(head -3 "$dir/out.txt")"
grep -q 'undetermined by the measurements' "$dir/warn.txt" || fail "calibrate: no warning on undetermined parameters"
# Every parameter the warnings name is marked so in the profile, and only those.
sed -n 's/^ccsim: \(nccl\.[a-z0-9.]*\): \(.*\) undetermined by the measurements.*/\1 \2/p' "$dir/warn.txt" |
  awk '{ for (i = 2; i <= NF; i++) { k = $i; sub(/,$/, "", k); print $1 "." k } }' |
  sort > "$dir/warned.txt"
grep 'undetermined' "$dir/fit.profile" | sed 's/ *=.*//' | sort > "$dir/marked.txt"
[ -s "$dir/warned.txt" ] || fail "no parameter parsed out of the warnings"
diff -q "$dir/warned.txt" "$dir/marked.txt" > /dev/null || fail "warnings and profile comments disagree: $(diff "$dir/warned.txt" "$dir/marked.txt" | head -4)"
# stdout says the same words beside each pair.
[ "$(grep -c 'undetermined by the measurements' "$dir/out.txt")" -eq "$(grep -c undetermined "$dir/warn.txt")" ] ||
  fail "stdout and stderr name a different number of pairs with undetermined terms"
# The fitted profile reads back, keeps the hardware, predicts within its ceilings.
"$ccsim" show -p "$dir/fit.profile" > /dev/null || fail "the fitted profile does not read back"
grep -q '^nics_per_node = 8' "$dir/fit.profile" || fail "the fitted profile lost the hardware"
"$ccsim" predict -p "$dir/fit.profile" -s nccl,nccl:ring,nccl:tree/simple -b 1G -e 1G --ranks 16..4096 --csv "$dir/p.csv" -q
# From 4 nodes on every byte crosses the network as often as in a ring: bus bandwidth <= 8 x 50 GB/s.
# (On 2 nodes a tree sends each byte once, and NVLS-tree reaches the 480 GB/s of the switch.)
awk -F, 'NR > 1 && ($7 >= 32 && $16 > 400 * 1.000001 || $16 > 480 * 1.000001) { bad++ } END { exit bad > 0 }' "$dir/p.csv" ||
  fail "a prediction exceeds the hardware: $(awk -F, 'NR > 1 && ($7 >= 32 && $16 > 400 || $16 > 480)' "$dir/p.csv" | head -2)"
[ "$(awk -F, 'NR > 1' "$dir/p.csv" | wc -l)" -eq 27 ] || fail "predict wrote $(awk -F, 'NR > 1' "$dir/p.csv" | wc -l) rows, want 27"

# Leave one rank count out: both folds of every point, a fold column, the summary per held-out count.
"$ccsim" validate --leave-one-out -p "$data/clusters/aion-h100.profile" --against "$data/aion-h100_h100_16r2n.log" \
  --against "$data/aion-h100_h100_32r4n.log" --against "$data/aion-h100_h100_64r8n.log" --errors "$dir/loo.csv" \
  --csv "$dir/loo_pred.csv" > "$dir/loo.txt" 2> /dev/null
head -1 "$dir/loo.csv" | grep -q ',rel_error,fold$' || fail "leave-one-out errors have no fold column"
[ "$(grep -c ',fit$' "$dir/loo.csv")" -eq 42 ] && [ "$(grep -c ',held_out$' "$dir/loo.csv")" -eq 42 ] ||
  fail "leave-one-out: want 42 points in each fold"
for r in 16 32 64; do grep -q "^# held out $r ranks, nccl: median" "$dir/loo.txt" || fail "no summary for $r ranks held out"; done
[ -f "$dir/loo.csv.meta.json" ] && [ -f "$dir/loo_pred.csv.meta.json" ] || fail "leave-one-out outputs lack sidecars"
# The predicted rows are the held-out predictions: each priced by the profile fitted without its rank
# count, the same time the held_out error line reports (not the fit on all, which saw it).
awk -F, 'FNR == 1 { next } NR == FNR { if ($10 == "held_out") want[$3 "," $5] = $8; next }
         { k = $7 "," $10; n++; if (!(k in want) || ($12 - want[k]) ^ 2 > (1e-5 * want[k]) ^ 2) { bad++; if (!w) w = k " " $12 " vs " want[k] } }
         END { if (n != 42 || bad) { print n " rows, " bad " off, first: " w; exit 1 } }' \
  "$dir/loo.csv" "$dir/loo_pred.csv" > "$dir/pred_vs_errors.txt" ||
  fail "leave-one-out --csv disagrees with the held_out errors: $(cat "$dir/pred_vs_errors.txt")"

# The reader: a forced algorithm becomes the strategy; --ranks/--ranks-per-node lay out a bare table.
"$ccsim" validate -p "$dir/fit.profile" --against "$data/aion-h100_h100_16r2n_ring.log" --errors "$dir/ring.csv" > /dev/null
grep -q '^nccl:ring,allreduce,16,8,' "$dir/ring.csv" || fail "NCCL_ALGO=Ring rows are not nccl:ring"
"$ccsim" validate -p "$dir/fit.profile" --against "$data/kestrel-h100_h100_64r16n.log" --ranks 64 --ranks-per-node 4 \
  --errors "$dir/k.csv" > /dev/null
grep -q '^nccl,allreduce,64,4,' "$dir/k.csv" || fail "--ranks 64 --ranks-per-node 4 did not give 16 nodes of 4"

# Bad input: exit 2, one line naming the flag or file.
expect_error "rank counts" validate --leave-one-out -p "$data/clusters/aion-h100.profile" --against "$data/aion-h100_h100_32r4n.log"
expect_error "--ranks" validate -p "$dir/fit.profile" --against "$data/kestrel-h100_h100_64r16n.log"
expect_error "aion-h100_h100_32r4n.log:.*--ranks" validate -p "$dir/fit.profile" --against "$data/aion-h100_h100_32r4n.log" --ranks 16
expect_error "NCCL algorithm" predict -p "$dir/fit.profile" -s nccl:warp
expect_error "no_such.profile" calibrate -p "$dir/no_such.profile" --from "$data/aion-h100_h100_32r4n.log" -o "$dir/x.profile"
printf '# Collective test starting: broadcast_perf\n#  Rank  0 Group  0 Pid 1 on h device  0 [0x1] GPU\n#  Rank  1 Group  0 Pid 2 on h device  1 [0x2] GPU\n#       size    count   type  redop   root   time  algbw  busbw #wrong   time  algbw  busbw #wrong\n    1024   256  float   none      0  10.0   0.1   0.1     0   10.0   0.1   0.1     0\n' > "$dir/bcast.log"
expect_error "bcast.log: no allreduce, allgather or reduce_scatter table (skipped: broadcast_perf)" \
  calibrate --from "$dir/bcast.log" -o "$dir/x.profile"
echo "ccsim_nccl_cli: calibrate warnings = profile marks, leave-one-out folds, forced algorithms, layouts, 6 refusals"
