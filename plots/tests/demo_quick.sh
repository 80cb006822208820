#!/usr/bin/env bash
# scripts/demo.sh --quick end to end on a built tree, into a temporary directory (never results/):
# every measurement, prediction, training file and plot it promises is there.
#
#   plots/tests/demo_quick.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?usage: demo_quick.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/demo_quick.XXXXXX")
fail() { echo "demo_quick: $* (output kept in $out)" >&2; exit 1; }

start=$(date +%s)
"$here/../../scripts/demo.sh" --quick --no-build --build-dir "$build" --out "$out" > "$out/demo.log" 2>&1 ||
  fail "demo.sh --quick exited $?: $(tail -5 "$out/demo.log")"
secs=$(( $(date +%s) - start ))

files="allreduce_np4.csv allreduce_np4.csv.meta.json allreduce_np4.txt host.profile calibrate.txt
  sweep-b/allreduce_np4.csv validation/errors_np4.csv validation/predicted_np4.csv validation/validate_np4.txt
  predicted_host_2-1024.csv predicted_h100-ib-cluster.csv predicted_dgx-h100.csv step_h100-ib-cluster.csv
  compare/summary.csv compare/summary.csv.meta.json compare.txt step_host_training-run.csv
  step_compressed_h100-ib-cluster.csv step_compressed_h100-ib-cluster.csv.meta.json
  nccl-loo/errors_aion-h100.csv nccl-loo/errors_aion-h100.csv.meta.json nccl-loo/loo_aion-h100.txt"
for s in ring ring+fp16 ring+int8 ring+topk_0.01+ef ring+topk_0.01 ring+powersgd_4+ef; do files="$files compare/train_$s.csv"; done
plots="busbw_allreduce_np4 busbw_sweep-b_allreduce_np4 error_validation_errors_np4
  scaling_predicted_dgx-h100_allreduce_f32_64K scaling_predicted_dgx-h100_allreduce_f32_16M scaling_predicted_dgx-h100_allreduce_f32_1G
  scaling_predicted_h100-ib-cluster_allreduce_f32_64K scaling_predicted_h100-ib-cluster_allreduce_f32_16M
  scaling_predicted_h100-ib-cluster_allreduce_f32_1G scaling_predicted_host_2-1024_allreduce_f32_32K
  scaling_predicted_host_2-1024_allreduce_f32_512K loss_step_compare loss_time_compare wire_gap_compare split_compare
  ttt_compare_step_compressed_h100-ib-cluster split_step_compressed_h100-ib-cluster split_step_h100-ib-cluster
  loo_nccl-loo_errors_aion-h100 error_nccl-loo_errors_aion-h100"
for p in $plots; do files="$files plots/$p.png plots/$p.svg"; done
missing=""
for f in $files; do [ -s "$out/$f" ] || missing="$missing $f"; done
[ -z "$missing" ] || fail "missing or empty:$missing"
for p in $plots; do [ "$(stat -c %s "$out/plots/$p.png")" -gt 15000 ] || fail "plots/$p.png is nearly empty"; done
extra=$(find "$out/plots" -type f -printf '%f\n' | grep -vxF -f <(for p in $plots; do echo "$p.png"; echo "$p.svg"; done) || true)
[ -z "$extra" ] || fail "unexpected plots: $extra"
grep -q "done in .* Plots: $out/plots/" "$out/demo.log" || fail "demo.sh did not say where the plots are"
for r in 16 32 64; do
  grep -q "^# held out $r ranks, nccl: median" "$out/nccl-loo/loo_aion-h100.txt" || fail "no held-out line for $r ranks"
done
echo "demo_quick: $(echo "$files" | wc -w) files in ${secs} s"
rm -rf "$out"
