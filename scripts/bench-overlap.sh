#!/usr/bin/env bash
# Overlapped gradient sync, measured and predicted: cctrain with --overlap off and on (the same run
# otherwise), how much of the communication backward hides, and each run's step time against
# `ccsim step` given that run's own compute and optimizer times.
#
#   scripts/bench-overlap.sh [--np N] [--threads N] [--bucket SIZE] [--steps N] [--sync STRATEGY]
#                            [--profile FILE] [--data FILE] [--out DIR]
#
#   --np N           ranks (default 2)            --threads N     per rank (default: cores / ranks)
#   --bucket SIZE    gradient bucket (default 256K: about 13 buckets of the nanoGPT-shaped model)
#   --steps N        steps per run (default 200; the first 10 are not counted)
#   --sync STRATEGY  default ring                 --profile FILE  default profiles/c-kernels-2c.profile
#   --data FILE      default ../shared/data/tinyshakespeare.txt when readable, else the Markov source
#   --out DIR        default results/overlap/<date>
#
# The model is the nanoGPT CPU shape (GPT-2 L4 H4 C128, T 64, global batch 12). Per run, the medians
# over the counted steps of step_ms, compute_ms (forward + backward), optim_ms, comm_ms (every bucket's
# collective, on the communication thread with overlap) and exposed_comm_ms (what the step waited for
# after backward). ccsim step gets the run's compute and optimizer medians, the backward share of
# compute measured by bench_gpt2 on one rank's batch, the bucket (0, one allreduce after backward, for
# --overlap off) and the profile. Writes DIR/overlap.csv (+ .meta.json), DIR/overlap.txt and the runs.
set -euo pipefail
cd "$(dirname "$0")/.."

np=2 threads=0 bucket=256K steps=200 sync=ring profile=profiles/c-kernels-2c.profile data="" out=""
die() { echo "bench-overlap.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --np|--threads|--bucket|--steps|--sync|--profile|--data|--out) [ $# -ge 2 ] || die "$1 needs a value (see --help)" ;;&
    --np) np=$2; shift ;;
    --threads) threads=$2; shift ;;
    --bucket) bucket=$2; shift ;;
    --steps) steps=$2; shift ;;
    --sync) sync=$2; shift ;;
    --profile) profile=$2; shift ;;
    --data) data=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
if ! [[ $np =~ ^[0-9]+$ ]] || [ "$np" -lt 2 ]; then die "--np: '$np' is not a rank count of 2 or more"; fi
if ! [[ $steps =~ ^[0-9]+$ ]] || [ "$steps" -lt 20 ]; then die "--steps: '$steps' is not a step count of 20 or more"; fi
[ -r "$profile" ] || die "--profile: '$profile' is not readable"
for b in build/bin/cctrain build/bin/ccsim build/bin/bench_gpt2; do [ -x "$b" ] || die "$b not found (cmake --build build)"; done
if [ -z "$data" ]; then
  data=markov
  [ -r ../shared/data/tinyshakespeare.txt ] && data=../shared/data/tinyshakespeare.txt
fi
out=${out:-results/overlap/$(date +%F)}
mkdir -p "$out"
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
[ "$threads" != 0 ] || threads=$(( $(nproc) / np > 0 ? $(nproc) / np : 1 ))
B=$((12 / np))
[ $((B * np)) -eq 12 ] || die "--np: $np does not divide the global batch of 12"
shape=(-L 4 --heads 4 -C 128 -T 64 -b 12)
if [ "$data" = markov ]; then shape+=(--data markov --markov-vocab 256); else shape+=(--data "$data" --sample random); fi

median() {  # median CSV COLUMN: over the rows after the first 10
  awk -F, -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
    NR > 11 { v[++n] = $c } END {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      printf "%.4f", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }' "$1"
}
# The backward share of compute, on one rank's batch, one thread per rank as in the runs.
bwd_fraction=$(OMP_NUM_THREADS=$threads build/bin/bench_gpt2 4 128 4 64 "$B" 256 20 |
  sed -n 's/.*forward \([0-9.]*\) ms  backward \([0-9.]*\) ms.*/\1 \2/p' | awk '{ printf "%.4f", $2 / ($1 + $2) }')
echo "bench-overlap: backward is $bwd_fraction of forward + backward (bench_gpt2, B $B, $threads thread(s))" >&2
params=""
csv=$out/overlap.csv
echo "overlap,strategy,ranks,threads,bucket,step_ms,compute_ms,optim_ms,comm_ms,exposed_comm_ms,hidden_share,predicted_step_ms,predicted_exposed_ms,step_error" > "$csv.partial"
for ov in off on; do
  run=$out/run_overlap_$ov.csv
  echo "bench-overlap: mpirun -np $np cctrain --overlap $ov --bucket $bucket --sync $sync --threads $threads ($steps steps)" >&2
  mpirun -q -np "$np" --bind-to none build/bin/cctrain "${shape[@]}" --steps "$steps" --sync "$sync" --bucket "$bucket" \
    --overlap "$ov" --threads "$threads" --val-every 1000000 --val-batches 1 --no-progress --csv "$run" > "$out/run_overlap_$ov.log" 2>&1 \
    || { tail -n 5 "$out/run_overlap_$ov.log" >&2; exit 1; }
  params=$(sed -n 's/.* \([0-9]*\) parameters,.*/\1/p' "$out/run_overlap_$ov.log" | head -1)
  step=$(median "$run" step_ms) compute=$(median "$run" compute_ms) optim=$(median "$run" optim_ms)
  comm=$(median "$run" comm_ms) exposed=$(median "$run" exposed_comm_ms)
  pbucket=$bucket
  [ "$ov" = on ] || pbucket=0
  build/bin/ccsim step -p "$profile" -s "$sync" --params "$params" --bucket "$pbucket" --compute-ms "$compute" \
    --backward-fraction "$bwd_fraction" --optimizer-ms "$optim" --ranks "$np" --csv "$out/predicted_overlap_$ov.csv" \
    > "$out/predicted_overlap_$ov.txt"
  read -r pstep pexposed < <(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { printf "%.4f %.4f\n", $c["step_us"] / 1e3, $c["exposed_comm_us"] / 1e3 }' "$out/predicted_overlap_$ov.csv")
  awk -v ov="$ov" -v s="$sync" -v np="$np" -v th="$threads" -v b="$bucket" -v st="$step" -v c="$compute" -v o="$optim" \
    -v cm="$comm" -v e="$exposed" -v ps="$pstep" -v pe="$pexposed" 'BEGIN {
      printf "%s,%s,%d,%d,%s,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.4f\n", ov, s, np, th, b, st, c, o, cm, e,
        (cm > 0 ? 1 - e / cm : 0), ps, pe, ps / st - 1 }' >> "$csv.partial"
done
mv "$csv.partial" "$csv"
cat > "$csv.meta.json" <<JSON
{
  "tool": "scripts/bench-overlap.sh",
  "commit": "$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo -dirty)",
  "date": "$(date -u +%FT%TZ)",
  "host": "$(hostname)",
  "cpu": "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)",
  "cores": $(nproc),
  "data": "$data",
  "profile": "$profile",
  "parameters": $params,
  "backward_fraction": $bwd_fraction,
  "steps": $steps,
  "median_over": "steps 10 and later",
  "note": "step_error = predicted_step_ms / step_ms - 1; hidden_share = 1 - exposed_comm_ms / comm_ms"
}
JSON
column -s, -t "$csv" | tee "$out/overlap.txt"
