#!/usr/bin/env bash
# Host allreduce benchmark: ccbench sweeps at several rank counts, then each strategy's busbw relative
# to MPI_Allreduce measured in the same run, at the sizes the project reports.
#
#   scripts/bench-host.sh [--np "2 4"] [--machine NAME] [--out DIR] [--iters N] [--maxbytes SIZE]
#
# Writes DIR/allreduce_np<P>.{txt,csv,csv.meta.json} and DIR/ratios.txt; DIR defaults to
# results/<machine>/<date>. Expects a built tree (cmake --build build).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/host-args.sh
host_args 50 "$@"
out=${out:-results/$machine/$(date +%F)}
bin=${CCBENCH_BIN:-build/bin/ccbench}
[ -x "$bin" ] || { echo "bench-host.sh: $bin not found; build first (cmake --build build)" >&2; exit 2; }
mkdir -p "$out"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Shared-memory transport: left at Open MPI's default (vader with CMA single copy). Copy-in/copy-out
# (OMPI_MCA_btl_vader_single_copy_mechanism=none) needs both ranks' CPUs for every byte and on the
# 2-core VM ran 3x slower in one sweep than the next at 64-512 KiB; CMA sweeps repeated within ~12%.
# The sidecar records any OMPI_MCA_* you set (mpi_mca_env).
strategies=ring,tree,btree,rd,rabenseifner,hier:ring/ring,mpi
for np in $nps; do
  # Oversubscribed ranks must yield and cannot own a core; otherwise pin one rank per core.
  if [ "$np" -gt "$(nproc)" ]; then export OMPI_MCA_mpi_yield_when_idle=1; bind=none
  else unset OMPI_MCA_mpi_yield_when_idle; bind=core; fi
  rpn=$(( np % 2 == 0 ? np / 2 : 1 ))  # two "nodes" for hier
  echo "bench-host: np $np (ranks per node $rpn for hier) -> $out/allreduce_np$np.csv"
  mpirun -q -np "$np" --bind-to "$bind" "$bin" -b 8 -e "$maxbytes" -f 2 -n "$iters" -w 10 -s "$strategies" \
    --ranks-per-node "$rpn" --check --no-progress --csv "$out/allreduce_np$np.csv" > "$out/allreduce_np$np.txt"
done

# busbw relative to mpi at 4 KiB, 1 MiB, 64 MiB; time relative to mpi at 8 B (latency).
{
  echo "# busbw / mpi busbw at the same size, same run (time / mpi time at 8 B). $(date -u +%FT%TZ), $(nproc) cores"
  printf "%4s %-16s %10s %10s %10s %10s\n" np strategy "t/t_mpi@8B" 4KiB 1MiB 64MiB
  for np in $nps; do
    awk -F, -v np="$np" '
      NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
      { s = $col["strategy"]; b = $col["bytes"]; bw[s, b] = $col["busbw_GBps"]; t[s, b] = $col["time_us"]
        if (!(s in seen)) { seen[s] = 1; order[++n] = s } }
      function ratio(s, b) { return (bw["mpi", b] > 0 && ((s, b) in bw)) ? sprintf("%.2f", bw[s, b] / bw["mpi", b]) : "-" }
      END { for (k = 1; k <= n; k++) { s = order[k]; if (s == "mpi") continue
              lat = (t["mpi", 8] > 0) ? sprintf("%.2f", t[s, 8] / t["mpi", 8]) : "-"
              printf "%4s %-16s %10s %10s %10s %10s\n", np, s, lat, ratio(s, 4096), ratio(s, 1048576), ratio(s, 67108864) } }
    ' "$out/allreduce_np$np.csv"
  done
} | tee "$out/ratios.txt"
