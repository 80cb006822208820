#!/usr/bin/env bash
# The main job: build, sweep the allreduce strategies against MPI_Allreduce, calibrate the cost model on
# the sweep and predict the same strategies (here and on a published-figure H100 cluster profile), then
# train a small GPT-2 on the Markov source once per gradient compressor and compare.
#
#   scripts/demo.sh [--quick] [--np N] [--out DIR]
#
# Results (tables, CSV rows, JSON sidecars, the calibrated profile) land in results/demo-<date>/ unless
# --out says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
np=4
out="results/demo-$(date +%F)"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --np) np="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

scripts/setup-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"

# mpirun as root and with more ranks than cores: allowed here, in the scripts, never in the tools.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
if [ "$np" -gt "$(nproc)" ]; then export OMPI_MCA_mpi_yield_when_idle=1; fi

maxbytes=64M iters=20 warmup=5
if [ "$quick" -eq 1 ]; then maxbytes=1M iters=5 warmup=2; fi
rpn=$(( np % 2 == 0 ? 2 : 1 ))  # two "nodes" on one host so hier has an inter-node level
mkdir -p "$out"
echo "demo: allreduce sweep, $np ranks, 8 B .. $maxbytes -> $out"
mpirun -q -np "$np" --bind-to none build/bin/ccbench -b 8 -e "$maxbytes" -f 4 -n "$iters" -w "$warmup" \
  -s ring,tree,rd,rabenseifner,hier:ring/ring,mpi --ranks-per-node "$rpn" --check \
  --csv "$out/allreduce_np${np}.csv" | tee "$out/allreduce_np${np}.txt"

# Predict what was measured: fit a profile to the sweep (one host: one link level), then show the
# model's error on it and its predictions next to the measurements.
echo "demo: calibrating the cost model on the sweep -> $out/host.profile"
build/bin/ccsim calibrate --from "$out/allreduce_np${np}.csv" --levels 1 --name "$(hostname -s)" \
  -o "$out/host.profile" | tee "$out/calibrate.txt"
build/bin/ccsim predict -p "$out/host.profile" -s ring,tree,rd,rabenseifner,hier:ring/ring,mpi -b 8 -e "$maxbytes" \
  -f 4 --ranks "$np" --ranks-per-node "$rpn" --csv "$out/predicted_np${np}.csv" -q
echo "demo: extrapolating to an H100 cluster (published figures, profiles/h100-ib-cluster.profile)"
if [ -f profiles/h100-ib-cluster.profile ]; then
  build/bin/ccsim predict -p profiles/h100-ib-cluster.profile -s ring,tree,rabenseifner,hier:ring/ring,nccl \
    -b 1K -e 1G -f 4 --ranks 8..4096 --csv "$out/predicted_h100_cluster.csv" -q
  build/bin/ccsim step -p profiles/h100-ib-cluster.profile -s ring,hier:ring/ring,nccl --params 124e6 \
    --grad-dtype bf16 --compute-ms 140 --ranks 8..4096 | tee "$out/step_h100_cluster.txt"
fi
# Compression in a real training run: same model, seed and data, one run per strategy.
steps=400
if [ "$quick" -eq 1 ]; then steps=40; fi
echo "demo: GPT-2 on the Markov source, $np ranks, $steps steps per strategy -> $out/compare"
mkdir -p "$out/compare"
mpirun -q -np "$np" --bind-to none build/bin/cctrain --no-progress -L 2 -C 64 --heads 4 -T 32 -b $((4 * np)) \
  --markov-vocab 16 --lr 1e-2 --warmup 20 --steps "$steps" --val-every 100 --val-batches 16 \
  --compare ring,ring+int8,ring+topk:0.01+ef,ring+topk:0.01,ring+powersgd:4+ef --out-dir "$out/compare" \
  | grep -E '^#|^  [a-z]' | tee "$out/compare.txt"
echo "demo: done. Measured: $out/allreduce_np${np}.{txt,csv}  predicted: $out/predicted_*.csv  profile: $out/host.profile"
echo "      training comparison: $out/compare/summary.csv (one train_<strategy>.csv per strategy)"
