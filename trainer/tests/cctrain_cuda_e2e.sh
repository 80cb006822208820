#!/usr/bin/env bash
# cctrain --device cuda end to end, one property per mode:
#   cctrain_cuda_e2e.sh MPIEXEC CCTRAIN CMP_MODELS MODE
#   dp      2 ranks sharing the GPU (--transport mpi-staged, ipc, and mpi through the host) end with the
#           parameters 1 rank with twice their batch ends with
#   resume  10 steps == 5 steps, checkpoint, resume for 5, bit for bit on the GPU (device sync, and a
#           compressed strategy through the host)
#   cpu     5 fp32 steps on the GPU end within a tolerance of the same 5 steps on the CPU
#   flags   runs anywhere: --device cuda either trains (a GPU is there) or fails with one line naming
#           --device; --dtype and --transport without --device cuda fail naming their flag
# dp, resume and cpu exit 77 (Skipped) where cctrain reports no GPU (or was built without CUDA).
set -uo pipefail
mpiexec=$1 cctrain=$2 cmp_models=$3 mode=$4
source "$(dirname "$0")/cctrain_lib.sh"
gpu=(--device cuda)

if [ "$mode" != flags ]; then
  if ! run 1 "${tiny[@]}" "${gpu[@]}" -b 2 --steps 1; then
    if grep -qE -- "--device cuda: (no GPU visible|this cctrain was built without CUDA)" "$tmp/log"; then
      echo "skipped: $(cat "$tmp/log")"
      exit 77
    fi
    cat "$tmp/log"; echo "FAIL: one step on the GPU"; exit 1
  fi
fi

case "$mode" in
dp)
  run 1 "${tiny[@]}" "${gpu[@]}" -b 12 --steps 5 --save-model "$tmp/p1.bin" || { cat "$tmp/log"; fail "1 rank"; }
  for spec in "mpi-staged ring" "mpi-staged rabenseifner" "ipc ring" "mpi ring"; do
    set -- $spec
    if ! run 2 "${tiny[@]}" "${gpu[@]}" -b 12 --steps 5 --transport "$1" --sync "$2" --save-model "$tmp/p2.bin"; then
      cat "$tmp/log"; fail "$2 over $1 on 2 ranks did not run"; continue
    fi
    # f32 rounding: two half-batch sums and an average against one sum (and cuBLAS may pick other
    # kernels for the other row count).
    if "$cmp_models" "$tmp/p1.bin" "$tmp/p2.bin" 1e-5; then echo "ok   $2 over $1 on 2 ranks == 1 rank with twice the batch"
    else fail "$2 over $1 on 2 ranks differs from 1 rank"; fi
  done
  ;;
resume)
  for spec in "1 mpi-staged ring" "2 mpi-staged ring" "2 mpi ring+int8"; do
    set -- $spec
    args=("${tiny[@]}" "${gpu[@]}" -b 8 --steps 10 --transport "$2" --sync "$3")
    run "$1" "${args[@]}" --save-model "$tmp/whole.bin" || { cat "$tmp/log"; fail "$3: 10 steps"; continue; }
    run "$1" "${args[@]}" --stop-at 5 --checkpoint "$tmp/run.ckpt" || { cat "$tmp/log"; fail "$3: 5 steps"; continue; }
    run "$1" "${args[@]}" --resume "$tmp/run.ckpt" --checkpoint "$tmp/run.ckpt" --save-model "$tmp/resumed.bin" \
      || { cat "$tmp/log"; fail "$3: resume"; continue; }
    if "$cmp_models" "$tmp/whole.bin" "$tmp/resumed.bin" 0; then echo "ok   $3 over $2 on $1 rank(s): 5 + resumed 5 == 10 steps, bit for bit"
    else fail "$3 over $2 on $1 rank(s): resumed run differs"; fi
  done
  ;;
cpu)
  run 1 "${tiny[@]}" -b 8 --steps 5 --save-model "$tmp/cpu.bin" || { cat "$tmp/log"; fail "cpu run"; }
  run 1 "${tiny[@]}" "${gpu[@]}" -b 8 --steps 5 --save-model "$tmp/gpu.bin" || { cat "$tmp/log"; fail "gpu run"; }
  grep -E "^# (device|throughput)" "$tmp/log"
  # fp32 in another summation order (gradients ~1e-6 relative apart), through 5 AdamW steps of lr 1e-3.
  # A failure by about 2e-3 at one element would be one near-zero gradient whose sign differs (Adam's
  # first step moves every parameter by lr sign(g)).
  if "$cmp_models" "$tmp/cpu.bin" "$tmp/gpu.bin" 1e-4; then echo "ok   5 steps on the GPU == 5 steps on the CPU within 1e-4"
  else fail "the GPU run strays from the CPU run"; fi
  ;;
flags)
  # expect TEXT ARGS...: fails with one line on stderr containing TEXT
  expect() {
    local want=$1
    shift
    "$mpiexec" -q -np 1 --bind-to none "$cctrain" --no-progress "${tiny[@]}" -b 2 --steps 1 "$@" > "$tmp/stdout" 2> "$tmp/stderr"
    local rc=$?
    if [ "$rc" -eq 0 ]; then fail "($*): exit status 0"
    elif [ "$(grep -c . "$tmp/stderr")" -ne 1 ] || ! grep -qF -- "$want" "$tmp/stderr"; then
      fail "($*): expected one line naming '$want', got:"; cat "$tmp/stderr"
    else echo "ok   ($*): $(cat "$tmp/stderr")"; fi
  }
  if run 1 "${tiny[@]}" "${gpu[@]}" -b 2 --steps 1; then
    echo "ok   --device cuda trained (a GPU is visible)"
  else
    expect "--device" "${gpu[@]}"
  fi
  expect "--device" --device tpu
  expect "--dtype" --dtype bf16
  expect "--dtype" --dtype fp16
  expect "--transport" --transport ipc
  expect "--peak-tflops" --peak-tflops 100
  ;;
*) echo "unknown mode $mode"; exit 2 ;;
esac
finish "cctrain_cuda_e2e $mode"
