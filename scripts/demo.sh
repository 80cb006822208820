#!/usr/bin/env bash
# The main job, from a fresh Debian machine to plots: install what is missing, build, sweep the
# allreduce strategies against MPI_Allreduce, calibrate the cost model on the sweep and validate it on
# a second one, predict up to 1024 ranks (this host's links) and 4096 (the shipped H100 profiles),
# fit NCCL's model to real nccl-tests logs of an H100 cluster and predict each rank count from the others,
# train a small GPT-2 on the Markov source once per gradient compressor, predict those strategies at
# scale, and render every plot; as root, also sweep and train across an emulated 2-node cluster
# (scripts/netcluster.sh) and measure where each compressor starts to pay off.
#
#   scripts/demo.sh [--quick] [--np N] [--out DIR] [--build-dir DIR] [--no-build]
#
#   --quick          about 10 seconds: sizes to 1 MiB, fewer iterations, 40 training steps
#   --np N           ranks of the sweeps and the training run (default 4)
#   --out DIR        where everything goes (default results/demo-<date>, which git ignores)
#   --build-dir DIR  build tree to use (default build)
#   --no-build       use the binaries in --build-dir as they are: no apt-get, no cmake (CTest does this)
#
# About 2.5 minutes on an idle 2-core VM without --quick, the build included (2026-11-23: 142 s, of which
# 68 s building), and about 3 minutes more as root for the emulated cluster (2026-12-03, built: 60 s,
# then 190 s). The plots land in DIR/plots (docs/plots.md), the cluster's in DIR/netcluster.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0 np=4 out="results/demo-$(date +%F)" build=build do_build=1
need() { [ "$2" -ge 2 ] || { echo "demo.sh: $1 needs a value (see --help)" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --np) need "$1" $#; np="$2"; shift ;;
    --out) need "$1" $#; out="$2"; shift ;;
    --build-dir) need "$1" $#; build="$2"; shift ;;
    --no-build) do_build=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $np =~ ^[0-9]+$ ]] && [ "$np" -ge 2 ] || { echo "demo.sh: --np: '$np' is not a rank count of 2 or more" >&2; exit 2; }
start=$(date +%s)
step() { echo "demo [$(( $(date +%s) - start ))s]: $*"; }

if [ "$do_build" -eq 1 ]; then
  scripts/setup-deps.sh
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j "$(nproc)"
fi
bin=$build/bin
for t in ccbench ccsim cctrain; do
  [ -x "$bin/$t" ] || { echo "demo.sh: $bin/$t not found (build first, or drop --no-build)" >&2; exit 2; }
done
export CCSIM_BIN=$bin/ccsim

# mpirun as root and with more ranks than cores: allowed here, in the scripts, never in the tools.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
if [ "$np" -gt "$(nproc)" ]; then export OMPI_MCA_mpi_yield_when_idle=1; fi

maxbytes=64M iters=20 iters_b=15 warmup=5 steps=400
if [ "$quick" -eq 1 ]; then maxbytes=1M iters=5 iters_b=4 warmup=2 steps=40; fi
rpn=$(( np % 2 == 0 ? 2 : 1 ))  # two "nodes" on one host so hier has an inter-node level
machine=$(hostname -s)          # the measured rows' profile column and the calibrated profile's name
strategies=ring,tree,rd,rabenseifner,hier:ring/ring,mpi
mkdir -p "$out/sweep-b" "$out/validation" "$out/compare"

# 1. Measure: sweep A, then an independent sweep B (other iteration count, run later) to validate on.
sweep() {  # sweep DIR ITERS
  mpirun -q -np "$np" --bind-to none "$bin/ccbench" -b 8 -e "$maxbytes" -f 4 -n "$2" -w "$warmup" -s "$strategies" \
    --ranks-per-node "$rpn" --check --no-progress --profile "$machine" --csv "$1/allreduce_np${np}.csv" \
    > "$1/allreduce_np${np}.txt"
}
step "allreduce sweep A, $np ranks, 8 B .. $maxbytes -> $out/allreduce_np${np}.csv"
sweep "$out" "$iters"
tail -n 12 "$out/allreduce_np${np}.txt"

# 2. Predict what was measured: fit a profile to sweep A (one host: one link level), then measure
#    sweep B and see how far the profile's predictions are from it.
step "calibrating the cost model on sweep A -> $out/host.profile"
"$bin/ccsim" calibrate --from "$out/allreduce_np${np}.csv" --levels 1 --name "$machine" -o "$out/host.profile" \
  > "$out/calibrate.txt"
step "allreduce sweep B (validation), $np ranks -> $out/sweep-b/"
sweep "$out/sweep-b" "$iters_b"
"$bin/ccsim" validate -p "$out/host.profile" --against "$out/sweep-b/allreduce_np${np}.csv" \
  --errors "$out/validation/errors_np${np}.csv" --csv "$out/validation/predicted_np${np}.csv" \
  | tee "$out/validation/validate_np${np}.txt"

# 3. Extrapolate: this host's links to 1024 ranks, the shipped H100 profiles (published figures) to
#    4096, and a GPT-2 124M training step on the cluster.
step "predicting to 1024 ranks on $out/host.profile and to 4096 on profiles/h100-ib-cluster.profile"
"$bin/ccsim" predict -p "$out/host.profile" -s "$strategies" -b 8 -e "$maxbytes" -f 4 --ranks 2..1024 \
  --ranks-per-node "$rpn" --csv "$out/predicted_host_2-1024.csv" -q
"$bin/ccsim" predict -p profiles/h100-ib-cluster.profile -s ring,tree,rabenseifner,hier:ring/ring,nccl \
  -b 1K -e 1G -f 4 --ranks 8..4096 --csv "$out/predicted_h100-ib-cluster.csv" -q
"$bin/ccsim" predict -p profiles/dgx-h100.profile -s ring,tree,rabenseifner,nccl -b 1K -e 1G -f 4 --ranks 2..8 \
  --csv "$out/predicted_dgx-h100.csv" -q
"$bin/ccsim" step -p profiles/h100-ib-cluster.profile -s ring,hier:ring/ring,nccl --params 124e6 --grad-dtype bf16 \
  --compute-ms 140 --ranks 8..4096 --csv "$out/step_h100-ib-cluster.csv" > "$out/step_h100-ib-cluster.txt"

# 3b. NCCL on a real cluster: public nccl-tests logs of 16, 32 and 64 H100 (sim/tests/data/nccl-tests),
#     each rank count predicted by a fit on the other two (loo_* plot: measured vs predicted busbw).
step "NCCL's model on real H100 logs, leaving one rank count out -> $out/nccl-loo/"
mkdir -p "$out/nccl-loo"
logs=sim/tests/data/nccl-tests
"$bin/ccsim" validate --leave-one-out -p "$logs/clusters/aion-h100.profile" --against "$logs/aion-h100_h100_16r2n.log" \
  --against "$logs/aion-h100_h100_32r4n.log" --against "$logs/aion-h100_h100_64r8n.log" \
  --errors "$out/nccl-loo/errors_aion-h100.csv" 2> /dev/null | tee "$out/nccl-loo/loo_aion-h100.txt" | grep '^# held out'

# 4. Compression in a real training run: same model, seed and data, one run per strategy.
step "GPT-2 on the Markov source, $np ranks, $steps steps per strategy -> $out/compare"
mpirun -q -np "$np" --bind-to none "$bin/cctrain" --no-progress -L 2 -C 64 --heads 4 -T 32 -b $((4 * np)) \
  --markov-vocab 16 --lr 1e-2 --warmup 20 --steps "$steps" --val-every 100 --val-batches 16 \
  --compare ring,ring+fp16,ring+int8,ring+topk:0.01+ef,ring+topk:0.01,ring+powersgd:4+ef --out-dir "$out/compare" \
  > "$out/compare.txt"
grep -E '^#|^  [a-z]' "$out/compare.txt" | tail -n 9

# 5. The same strategies predicted: the run itself on the host profile (cctrain syncs after backward:
#    no overlap), and GPT-2 124M on the H100 cluster, where compression must win back its steps.
#    ccsim step prices encode and decode from the profile (default rates when it has none: the
#    sidecar's note says which, and the plots repeat it).
step "predicting the training run's steps, and the same strategies at scale"
read -r compute_ms optim_ms < <(awk -F, 'NR == 2 { print $8, $12 }' "$out/compare/summary.csv")
params=$(sed -n 's/^ *"parameters": *\([0-9]*\).*/\1/p' "$out/compare/summary.csv.meta.json")
# the run's strategies, read as plots/ reads the summary (quoted names may hold commas)
run_strategies=$(awk -v name="$out/compare/summary.csv" -f plots/lib.awk -f plots/read.awk "$out/compare/summary.csv" |
  awk -F'\t' 'NR > 1 { printf "%s%s", (NR > 2 ? "," : ""), $1 }')
"$bin/ccsim" step -p "$out/host.profile" -s "$run_strategies" --params "$params" --compute-ms "$compute_ms" \
  --optimizer-ms "$optim_ms" --backward-fraction 0 --bucket 4M --ranks "$np" --ranks-per-node "$np" \
  --csv "$out/step_host_training-run.csv" > "$out/step_host_training-run.txt"
"$bin/ccsim" step -p profiles/h100-ib-cluster.profile -s "$run_strategies" --params 124e6 --compute-ms 140 \
  --ranks 8..4096 --bandwidths 1,2,5,10,20,50,100,200 --at-ranks 1024 \
  --csv "$out/step_compressed_h100-ib-cluster.csv" > "$out/step_compressed_h100-ib-cluster.txt"

# 6. Device sweeps when a GPU is visible: device buffers over mpi-staged at np 2, and at one rank the
#    nccl transport with ncclAllReduce as the baseline (NCCL refuses two ranks on one GPU). Rows go to
#    $out/device/ for plot.sh. (Not yet run on a GPU: docs/ccbench.md.)
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  step "a GPU is visible: device sweeps -> $out/device/"
  mkdir -p "$out/device"
  mpirun -q -np 2 --bind-to none "$bin/ccbench" --device --transport mpi-staged -b 8 -e "$maxbytes" -f 4 -n 20 -w 5 \
    -s ring,tree,rd,rabenseifner,mpi --check --no-progress --csv "$out/device/device_staged_np2.csv" \
    > "$out/device/device_staged_np2.txt" || step "device sweep over mpi-staged failed (see the .txt)"
  mpirun -q -np 1 --bind-to none "$bin/ccbench" --device --transport nccl -b 8 -e "$maxbytes" -f 4 -n 20 -w 5 \
    -s ring,rd,nccl --check --no-progress --csv "$out/device/device_nccl_np1.csv" \
    > "$out/device/device_nccl_np1.txt" || step "device sweep over nccl failed (see the .txt)"
fi

# 7. Every plot the results allow.
step "rendering the plots -> $out/plots"
plots/plot.sh "$out" -o "$out/plots" -q
step "done in $(( $(date +%s) - start )) s. Plots: $out/plots/ ($(find "$out/plots" -name '*.png' | wc -l) PNG, same in SVG)"
echo "      measured: $out/allreduce_np${np}.{txt,csv}, $out/sweep-b/  profile: $out/host.profile"
echo "      validation: $out/validation/  predictions: $out/predicted_*.csv, $out/step_*.csv"
echo "      training comparison: $out/compare/summary.csv (one train_<strategy>.csv per strategy)"

# 8. An emulated cluster (root and network namespaces): 2 nodes behind shaped links, a short version of
#    scripts/bench-netcluster.sh: sweeps across real node boundaries, ccsim fitted on one and checked on
#    another and at another rate, and the link rate below which each compressor pays off in training.
if [ "$quick" -eq 1 ]; then
  step "emulated cluster: skipped under --quick (about 4 minutes: scripts/bench-netcluster.sh --quick)"
elif [ "$(id -u)" -ne 0 ]; then
  step "emulated cluster: skipped, not root (scripts/netcluster.sh needs network namespaces)"
elif ! ip netns add ccdemo-probe 2>/dev/null; then
  step "emulated cluster: skipped, network namespaces are not available here (ip netns add failed)"
else
  ip netns del ccdemo-probe
  step "emulated cluster: 2 nodes at 100 and 30 Mbit/s, sweeps and the break-even of compression -> $out/netcluster/"
  NETCLUSTER_NAME=ccdemo NETCLUSTER_NET=235 scripts/bench-netcluster.sh --quick --build-dir "$build" \
    --out "$out/netcluster" > "$out/netcluster.txt" 2>&1 || step "emulated cluster failed: see $out/netcluster.txt"
  sed -n '/^# break-even/,$p' "$out/netcluster.txt"
  step "done in $(( $(date +%s) - start )) s"
fi
