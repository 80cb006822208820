#!/usr/bin/env bash
# One call on the GPU host (see ../shared/gpu-host/README.md): build for sm_90 with the packed Open MPI,
# then run the named steps, with logs and results under $OUT (or ./gpu-out).
#
#   scripts/gpu-check.sh STEP...    steps: build (always first), test (CPU + gpu tests),
#                                   gpu-test (gpu label only), calibrate (host sweeps np 2..16 and the
#                                   cost model's validation, scripts/calibrate-host.sh; CAL_NP and
#                                   CAL_ITERS choose ranks and iterations; np 2 4 8 16 at 60
#                                   iterations takes more than one 600 s call: run fewer),
#                                   kernels (bench_kernels_cuda, bench_sparse_cuda, torch_topk.py),
#                                   device (ccbench --device: mpi-staged and ipc at DEV_NP ranks, default
#                                   "1 2 3 4", and the nccl baseline at 1 rank; one archive)
#                                   train (the trainer's GPU tests, bench_gpt2_cuda at TRAIN_B sequences,
#                                   default 8, and a cctrain --device cuda run; one archive), train-torch
#                                   (scripts/torch_gpt2.py: eager and torch.compile, same rows; one archive)
#                                   all (alone: one call of at most 9 minutes on 16 cores; builds only
#                                   what the GPU run needs, then gpu-test, kernels, device at 1 and 2
#                                   ranks, train and train-torch, each under its own time budget
#                                   (BUDGET_<STEP> seconds) so a hang costs that step, not the session;
#                                   at most 8 files in $OUT, summary.txt says what ran and what did not)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu-out}
mkdir -p "$out"
[ -f .ompi/env.sh ] && source .ompi/env.sh
machine=${CCBENCH_MACHINE:-h100-16c}
jobs=$(nproc)

# What the GPU run needs (the gpu-labelled tests' programs, the benches, ccbench and cctrain): `all`
# builds only these, the other steps everything.
gpu_targets="test_reduce_cuda test_compress_cuda test_sparse_cuda test_powersgd_cuda test_device check_rows ccbench
  test_gpt2_cuda cctrain cmp_models bench_kernels_cuda bench_sparse_cuda bench_gpt2_cuda"

build() {
  local targets=()
  [ "${1:-}" = all ] && read -r -a targets <<< "$(echo $gpu_targets)"
  {
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
    cmake -B build-gpu -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
      ${OPAL_PREFIX:+-DMPI_C_COMPILER=$OPAL_PREFIX/bin/mpicc}
    cmake --build build-gpu -j "$jobs" ${targets[@]:+--target "${targets[@]}"}
  } > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
  grep -E "ccbench: MPI|warning|error" "$out/build.log" | head -20 || true
}

# all: one step of `all` under its budget; its status and time go to summary.txt.
budgeted() {  # budgeted NAME SECONDS STEP-ARGS...
  local name=$1 budget=$2 t0 rc=0
  shift 2
  t0=$(date +%s)
  timeout --kill-after=10 "$budget" "$0" --no-build "$@" > "$out/$name.log" 2>&1 || rc=$?
  case $rc in
    0) echo "$name: ran in $(( $(date +%s) - t0 )) s" ;;
    124|137) echo "$name: STOPPED at its budget of $budget s (rerun it alone with more time)" ;;
    *) echo "$name: FAILED with status $rc after $(( $(date +%s) - t0 )) s (see $name.log)" ;;
  esac >> "$out/summary.txt"
}

if [ "${1:-}" = all ]; then
  [ $# -eq 1 ] || { echo "gpu-check.sh: all runs alone" >&2; exit 2; }
  t0=$(date +%s)
  build all
  echo "build (GPU targets only): $(( $(date +%s) - t0 )) s" > "$out/summary.txt"
  # Budgets for one 9-minute call on 16 cores: the build takes about 2 of them.
  budgeted gpu-test "${BUDGET_GPU_TEST:-150}" gpu-test
  budgeted kernels "${BUDGET_KERNELS:-60}" kernels
  DEV_NP="1 2" budgeted device "${BUDGET_DEVICE:-90}" device
  TRAIN_SKIP_TESTS=1 budgeted train "${BUDGET_TRAIN:-60}" train  # gpu-test ran the trainer's tests
  budgeted train-torch "${BUDGET_TRAIN_TORCH:-90}" train-torch
  # Everything else that came back: the logs of the budgeted steps, merged into one file.
  for name in gpu-test kernels device train train-torch; do
    [ -f "$out/$name.log" ] && { echo "=== $name"; tail -n 60 "$out/$name.log"; } >> "$out/steps.log"
    rm -f "$out/$name.log"
  done
  cat "$out/summary.txt"
  echo "gpu-check: all took $(( $(date +%s) - t0 )) s; files: $(ls "$out" | tr '\n' ' ')"
  exit 0
fi

# --no-build: `all` has built already (it runs each of its steps through this script again).
steps=(build "$@")
[ "${1:-}" = --no-build ] && steps=("${@:2}")
for step in "${steps[@]}"; do
  t0=$(date +%s)
  case "$step" in
    build) build ;;
    test) (cd build-gpu && ctest -j "$jobs" --output-on-failure) > "$out/ctest.log" 2>&1 || true
          tail -15 "$out/ctest.log" ;;
    gpu-test) (cd build-gpu && ctest -L gpu --output-on-failure) > "$out/ctest-gpu.log" 2>&1 || true
              tail -15 "$out/ctest-gpu.log" ;;
    calibrate) CCBENCH_BIN=build-gpu/bin/ccbench CCSIM_BIN=build-gpu/bin/ccsim CCBENCH_MACHINE=$machine \
                 scripts/calibrate-host.sh --np "${CAL_NP:-2 4 8 16}" --iters "${CAL_ITERS:-60}" \
                 --out gpu-calibration > "$out/calibrate.log" 2>&1 || status=$?
               # The device returns at most 8 files: the sweeps travel as one archive, even when cut short.
               tar czf "$out/calibration.tgz" gpu-calibration
               grep -E "^(#|all|mpi|ring|rd|tree|btree|rab|hier|  )" "$out/calibrate.log" | tail -80
               [ "${status:-0}" -eq 0 ] || exit "$status" ;;
    kernels) mkdir -p gpu-kernels
             build-gpu/bin/bench_kernels_cuda --csv gpu-kernels/kernels.csv > gpu-kernels/kernels.txt 2>&1 || true
             build-gpu/bin/bench_sparse_cuda --csv gpu-kernels/topk.csv > gpu-kernels/topk.txt 2>&1 || true
             python3 scripts/torch_topk.py --csv gpu-kernels/torch_topk.csv > gpu-kernels/torch_topk.txt 2>&1 || true
             tar czf "$out/kernels.tgz" gpu-kernels
             cat gpu-kernels/kernels.txt gpu-kernels/topk.txt gpu-kernels/torch_topk.txt ;;
    device) mkdir -p gpu-device
            all=ring,tree,btree,rd,rabenseifner,hier:ring/ring,mpi
            for np in ${DEV_NP:-1 2 3 4}; do
              for tr in mpi-staged ipc; do
                mpirun -np "$np" --bind-to none build-gpu/bin/ccbench --device --transport "$tr" -s "$all" -b 8 -e 64M -f 2 \
                  -n 20 -w 5 --check --no-progress --csv "gpu-device/device-$tr-np$np.csv" \
                  > "gpu-device/device-$tr-np$np.txt" 2>&1 || echo "device: $tr np $np failed"
              done
            done
            # NCCL refuses two ranks on one GPU: its transport and baseline run at one rank.
            mpirun -np 1 --bind-to none build-gpu/bin/ccbench --device --transport nccl -s ring,tree,rd,rabenseifner,mpi,nccl \
              -b 8 -e 64M -f 2 -n 20 -w 5 --check --no-progress --csv gpu-device/device-nccl-np1.csv \
              > gpu-device/device-nccl-np1.txt 2>&1 || echo "device: nccl np 1 failed"
            tar czf "$out/device.tgz" gpu-device
            tail -n 3 gpu-device/*.txt ;;
    train) mkdir -p gpu-train
           [ -n "${TRAIN_SKIP_TESTS:-}" ] ||
             (cd build-gpu && ctest -L gpu -R 'trainer|cctrain' --output-on-failure) > gpu-train/ctest.txt 2>&1 || true
           touch gpu-train/ctest.txt
           build-gpu/bin/bench_gpt2_cuda --batch "${TRAIN_B:-8}" --csv gpu-train/bench.csv > gpu-train/bench.txt 2>&1 \
             || echo "train: bench_gpt2_cuda failed"
           # cctrain's own throughput log: GPT-2 124M's blocks (the Markov source's small vocabulary), bf16.
           mpirun -np 1 --bind-to none build-gpu/bin/cctrain --device cuda --dtype bf16 -L 12 --heads 12 -C 768 \
             -T 1024 -b "${TRAIN_B:-8}" --steps 20 --val-every 1000 --no-progress --csv gpu-train/cctrain.csv \
             > gpu-train/cctrain.txt 2>&1 || echo "train: cctrain failed"
           tar czf "$out/train.tgz" gpu-train
           tail -n 25 gpu-train/ctest.txt; cat gpu-train/bench.txt; tail -n 6 gpu-train/cctrain.txt ;;
    train-torch) mkdir -p gpu-train-torch
                 python3 scripts/torch_gpt2.py --batch "${TRAIN_B:-8}" --csv gpu-train-torch/torch.csv \
                   > gpu-train-torch/torch.txt 2>&1 || echo "train-torch: torch_gpt2.py failed"
                 tar czf "$out/train-torch.tgz" gpu-train-torch
                 cat gpu-train-torch/torch.txt ;;
    *) echo "gpu-check.sh: unknown step '$step'" >&2; exit 2 ;;
  esac
  echo "gpu-check: $step took $(( $(date +%s) - t0 )) s"
done
