#!/usr/bin/env bash
# One call on the GPU host (see ../shared/gpu-host/README.md): build for sm_90 with the packed Open MPI,
# then run the named steps, with logs and results under $OUT (or ./gpu-out).
#
#   scripts/gpu-check.sh STEP...    steps: build (always first), test (CPU + gpu tests),
#                                   gpu-test (gpu label only), calibrate (host sweeps np 2..16 and the
#                                   cost model's validation, scripts/calibrate-host.sh; CAL_NP and
#                                   CAL_ITERS choose ranks and iterations; np 2 4 8 16 at 60
#                                   iterations takes more than one 600 s call: run fewer)
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
    *) echo "gpu-check.sh: unknown step '$step'" >&2; exit 2 ;;
  esac
  echo "gpu-check: $step took $(( $(date +%s) - t0 )) s"
done
