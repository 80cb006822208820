#!/usr/bin/env bash
# Compression benchmarks: encode/decode throughput of every compressor on one core (bench_compress),
# then a ccbench sweep of ring with each compressor against uncompressed ring and MPI_Allreduce.
#
#   scripts/bench-compress.sh [--np N] [--machine NAME] [--out DIR] [--elements N] [--iters N] [--maxbytes SIZE]
#
# Writes DIR/compress_throughput.{txt,csv} and DIR/compress_ring_np<N>.{txt,csv,csv.meta.json};
# DIR defaults to results/<machine>/<date>/compress. Expects a built tree (cmake --build build).
set -euo pipefail
cd "$(dirname "$0")/.."

np=4
machine=${CCBENCH_MACHINE:-$(hostname -s)-$(nproc)c}
out=""
elements=$((64 << 20))
iters=20
maxbytes=64M
while [ $# -gt 0 ]; do
  case "$1" in
    --np) np="$2"; shift ;;
    --machine) machine="$2"; shift ;;
    --out) out="$2"; shift ;;
    --elements) elements="$2"; shift ;;
    --iters) iters="$2"; shift ;;
    --maxbytes) maxbytes="$2"; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "bench-compress.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
out=${out:-results/$machine/$(date +%F)/compress}
for b in build/bin/bench_compress build/bin/ccbench; do
  [ -x "$b" ] || { echo "bench-compress.sh: $b not found; build first (cmake --build build)" >&2; exit 2; }
done
mkdir -p "$out"

compressors="fp16,bf16,int8,int4,qsgd:16,sign,topk:0.01,topk:0.01,approx,randk:0.01,powersgd:4"
echo "bench-compress: throughput on $elements floats -> $out/compress_throughput.csv"
build/bin/bench_compress -n "$elements" -c "$compressors" --csv "$out/compress_throughput.csv" | tee "$out/compress_throughput.txt"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
if [ "$np" -gt "$(nproc)" ]; then export OMPI_MCA_mpi_yield_when_idle=1; bind=none; else bind=core; fi
echo "bench-compress: ring with each compressor, np $np -> $out/compress_ring_np$np.csv"
mpirun -q -np "$np" --bind-to "$bind" build/bin/ccbench -b 64K -e "$maxbytes" -f 4 -n "$iters" -w 3 -s ring,mpi \
  --compress "$compressors,topk:0.01+ef,int8+ef" --check --no-progress --csv "$out/compress_ring_np$np.csv" \
  > "$out/compress_ring_np$np.txt"
tail -n 25 "$out/compress_ring_np$np.txt"
