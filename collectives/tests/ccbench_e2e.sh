#!/usr/bin/env bash
# ccbench end to end: every strategy, three collectives, exit 0, rows that check out (check_rows).
#   ccbench_e2e.sh MPIEXEC CCBENCH CHECK_ROWS NP
set -euo pipefail
mpiexec=$1 ccbench=$2 check_rows=$3 np=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { "$mpiexec" -q -np "$np" --bind-to none "$ccbench" --no-progress -n 3 -w 1 --check "$@"; }

all=ring,tree,btree,rd,rabenseifner,hier:ring/ring,hier:rabenseifner/tree,mpi
rpn=$(( np % 2 == 0 ? 2 : np % 3 == 0 ? 3 : 1 ))
run -b 8 -e 1M -f 4 -s "$all" --ranks-per-node "$rpn" --csv "$tmp/ar.csv" --json "$tmp/ar.jsonl" > "$tmp/ar.txt"
"$check_rows" "$tmp/ar.csv" "$np" allreduce "$all" "$tmp/ar.jsonl"
grep -q "Wrong elements: 0 OK" "$tmp/ar.txt"

run -b 1K -e 256K -f 8 -d bf16 -o avg -s ring,rabenseifner,mpi --inplace --csv "$tmp/avg.csv" > /dev/null
"$check_rows" "$tmp/avg.csv" "$np" allreduce ring,rabenseifner,mpi

run --collective allgather -b 64 -e 1M -f 16 -d f16 -s ring,rd,rabenseifner,mpi --csv "$tmp/ag.csv" > /dev/null
"$check_rows" "$tmp/ag.csv" "$np" allgather ring,rd,rabenseifner,mpi

run --collective reduce_scatter -b 64 -e 1M -f 16 -d f64 -s ring,rabenseifner,mpi --inplace --csv "$tmp/rs.csv" > /dev/null
"$check_rows" "$tmp/rs.csv" "$np" reduce_scatter ring,rabenseifner,mpi

# Nothing half-written is left behind.
if ls "$tmp"/*.partial >/dev/null 2>&1; then echo "leftover .partial files" >&2; exit 1; fi
echo "ccbench_e2e: OK"
