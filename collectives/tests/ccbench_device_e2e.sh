#!/usr/bin/env bash
# ccbench --device end to end: every strategy on GPU buffers over mpi-staged and ipc with NP ranks sharing
# the node's GPUs, three collectives, --check with 0 wrong, rows that check out (check_rows), a sidecar
# that names the GPU; with NCCL, the nccl transport and baseline on one rank (NCCL needs one GPU per
# rank). Exit 77 (Skipped) when no GPU is visible.
#   ccbench_device_e2e.sh MPIEXEC CCBENCH CHECK_ROWS TEST_DEVICE NP HAVE_NCCL
set -euo pipefail
mpiexec=$1 ccbench=$2 check_rows=$3 test_device=$4 np=$5 have_nccl=$6
rc=0
"$mpiexec" -q -np 1 "$test_device" --probe > /dev/null || rc=$?
if [ "$rc" -eq 77 ]; then echo "ccbench_device_e2e: skipped: no GPU visible"; exit 77; fi
[ "$rc" -eq 0 ] || exit "$rc"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { "$mpiexec" -q -np "$np" --bind-to none "$ccbench" --device --no-progress -n 3 -w 1 --check "$@"; }

all=ring,tree,btree,rd,rabenseifner,hier:ring/ring,mpi
# mpi-staged with small chunks (every message of the larger sizes is many chunks) and two one-rank
# "nodes"; ipc with the detected single node.
run --transport mpi-staged --staging-chunk 64K --ranks-per-node 1 -b 8 -e 4M -f 4 -s "$all" \
    --csv "$tmp/staged.csv" --json "$tmp/staged.jsonl" > "$tmp/staged.txt"
run --transport ipc -b 8 -e 4M -f 4 -s "$all" --csv "$tmp/ipc.csv" --json "$tmp/ipc.jsonl" > "$tmp/ipc.txt"
for t in staged ipc; do
  "$check_rows" "$tmp/$t.csv" "$np" allreduce "$all" "$tmp/$t.jsonl"
  grep -q "Wrong elements: 0 OK" "$tmp/$t.txt"
  grep -Eq '"memory": *"device"' "$tmp/$t.csv.meta.json"
  grep -Eq '"gpu": *"' "$tmp/$t.csv.meta.json"
done

run --transport ipc -b 1K -e 1M -f 32 -d bf16 -o avg --inplace -s ring,rabenseifner,mpi --csv "$tmp/avg.csv" > /dev/null
"$check_rows" "$tmp/avg.csv" "$np" allreduce ring,rabenseifner,mpi
run --transport mpi-staged --collective allgather -b 64 -e 1M -f 16 -d f16 -s ring,rd,rabenseifner,mpi --csv "$tmp/ag.csv" > /dev/null
"$check_rows" "$tmp/ag.csv" "$np" allgather ring,rd,rabenseifner,mpi
run --transport ipc --collective reduce_scatter -b 64 -e 1M -f 16 -d f64 -s ring,rabenseifner,mpi --inplace --csv "$tmp/rs.csv" > /dev/null
"$check_rows" "$tmp/rs.csv" "$np" reduce_scatter ring,rabenseifner,mpi

if [ "$have_nccl" = ON ]; then
  "$mpiexec" -q -np 1 "$ccbench" --device --no-progress -n 3 -w 1 --check --transport nccl -b 8 -e 4M -f 8 \
    -s ring,tree,mpi,nccl -d bf16 --csv "$tmp/nccl.csv" > "$tmp/nccl.txt"
  "$check_rows" "$tmp/nccl.csv" 1 allreduce ring,tree,mpi,nccl
  grep -Eq '"nccl": *"' "$tmp/nccl.csv.meta.json"
fi

if ls "$tmp"/*.partial >/dev/null 2>&1; then echo "leftover .partial files" >&2; exit 1; fi
echo "ccbench_device_e2e: OK"
