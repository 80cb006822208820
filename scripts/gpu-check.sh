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
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu-out}
mkdir -p "$out"
[ -f .ompi/env.sh ] && source .ompi/env.sh
machine=${CCBENCH_MACHINE:-h100-16c}
jobs=$(nproc)

build() {
  {
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
    cmake -B build-gpu -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
      ${OPAL_PREFIX:+-DMPI_C_COMPILER=$OPAL_PREFIX/bin/mpicc}
    cmake --build build-gpu -j "$jobs"
  } > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
  grep -E "ccbench: MPI|warning|error" "$out/build.log" | head -20 || true
}

for step in build "$@"; do
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
           (cd build-gpu && ctest -L gpu -R 'trainer|cctrain' --output-on-failure) > gpu-train/ctest.txt 2>&1 || true
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
