#!/usr/bin/env bash
# The main job: build ccbench, sweep the allreduce strategies against MPI_Allreduce, keep the results.
#
#   scripts/demo.sh [--quick] [--np N] [--out DIR]
#
# Results (table, CSV rows, JSON sidecar) land in results/demo-<date>/ unless --out says otherwise.
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
echo "demo: done. Table: $out/allreduce_np${np}.txt  rows: $out/allreduce_np${np}.csv (+ .meta.json)"
