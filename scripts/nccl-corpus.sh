#!/usr/bin/env bash
# Fits ccsim's NCCL model to every real nccl-tests log of the corpus (sim/tests/data/nccl-tests, see its
# SOURCES.md) and validates it across rank counts:
#
#   scripts/nccl-corpus.sh [-o OUTDIR] [--ccsim PATH]
#
# For each log: `ccsim calibrate` from its cluster's hardware profile (clusters/<cluster>.profile) on
# that log alone, then `ccsim validate` of the fitted profile against the log (the plain fit error).
# For each cluster logged at 3 or more rank counts: `ccsim validate --leave-one-out` over its logs run
# with NCCL's defaults (forced algorithms and tuned runs join as their own strategies). Writes:
#   OUTDIR/fit/<log>.profile, <log>.txt (calibrate's report), <log>_errors.csv (+ .meta.json)
#   OUTDIR/fit_summary.txt   one line per log: points from 64 KiB, median and worst error
#   OUTDIR/loo/<cluster>.txt, <cluster>_errors.csv, <cluster>_predicted.csv (+ .meta.json)
#   OUTDIR/loo/<cluster>.profile, <cluster>_calibrate.txt   the plain fit on all its rank counts
# OUTDIR defaults to results/nccl-corpus/<today>.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

out="$root/results/nccl-corpus/$(date -u +%Y-%m-%d)" ccsim=$root/build/bin/ccsim
while [ $# -gt 0 ]; do
  case "$1" in
    -o) [ $# -ge 2 ] || { echo "nccl-corpus.sh: -o needs a directory" >&2; exit 2; }; out=$2; shift ;;
    --ccsim) [ $# -ge 2 ] || { echo "nccl-corpus.sh: --ccsim needs a path" >&2; exit 2; }; ccsim=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "nccl-corpus.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
case "$ccsim" in /*) ;; *) ccsim=$PWD/$ccsim ;; esac
[ -x "$ccsim" ] || { echo "nccl-corpus.sh: $ccsim: not built (cmake --build build)" >&2; exit 2; }
cd "$root"
data=sim/tests/data/nccl-tests
mkdir -p "$out/fit" "$out/loo"

# The layout of logs without rank lines (read off their sources, SOURCES.md).
layout_of() {
  case "$1" in
    kestrel-h100_*) echo "--ranks 64 --ranks-per-node 4" ;;
    *) echo "" ;;
  esac
}

# Median and worst of rel_error from 64 KiB up in a validate --errors file.
summary() {
  awk -F, 'NR > 1 && $5 >= 65536 { e[++n] = $9 }
    END { if (!n) { print "no points"; exit }
          asort_n = n; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (e[j] < e[i]) { t = e[i]; e[i] = e[j]; e[j] = t }
          med = n % 2 ? e[(n + 1) / 2] : (e[n / 2] + e[n / 2 + 1]) / 2
          printf "%3d points, median %5.1f%%, worst %5.1f%%", n, 100 * med, 100 * e[n] }' "$1"
}

: > "$out/fit_summary.txt"
printf '# %-42s %s\n' "log" "fit error of ccsim calibrate on the log alone, sizes from 64 KiB" >> "$out/fit_summary.txt"
for log in "$data"/*.log; do
  name=$(basename "$log" .log) cluster=${name%%_*}
  # shellcheck disable=SC2046
  "$ccsim" calibrate -p "$data/clusters/$cluster.profile" --from "$log" $(layout_of "$name") \
    -o "$out/fit/$name.profile" > "$out/fit/$name.txt" 2>&1
  # shellcheck disable=SC2046
  "$ccsim" validate -p "$out/fit/$name.profile" --against "$log" $(layout_of "$name") \
    --errors "$out/fit/${name}_errors.csv" > /dev/null
  printf '  %-42s %s\n' "$name" "$(summary "$out/fit/${name}_errors.csv")" | tee -a "$out/fit_summary.txt"
done

# Clusters logged at 3 or more rank counts. Runs that tune NCCL's channels (NCCL_MIN_CTAS and the
# like) measure another configuration than NCCL's defaults and stay out; a forced algorithm is a
# strategy of its own (nccl:ring) and may join.
tuned() { grep -qE 'NCCL_(MIN|MAX)_(CTAS|NCHANNELS)=|NCCL_NCHANNELS' "$1"; }
for cluster in $(ls "$data"/*.log | sed 's|.*/||; s|_.*||' | sort -u); do
  args=() counts=""
  for log in "$data/$cluster"_*.log; do
    if tuned "$log"; then echo "nccl-corpus.sh: $cluster: $(basename "$log") tunes NCCL's channels: left out"; continue; fi
    args+=(--against "$log")
    counts="$counts $(basename "$log" | sed 's/.*_\([0-9]*\)r[0-9]*n.*/\1/')"
  done
  [ "$(echo $counts | tr ' ' '\n' | sort -un | wc -l)" -ge 3 ] || continue
  "$ccsim" calibrate -p "$data/clusters/$cluster.profile" "${args[@]/--against/--from}" -o "$out/loo/$cluster.profile" \
    > "$out/loo/${cluster}_calibrate.txt" 2>&1 || true
  "$ccsim" validate --leave-one-out -p "$data/clusters/$cluster.profile" "${args[@]}" \
    --errors "$out/loo/${cluster}_errors.csv" --csv "$out/loo/${cluster}_predicted.csv" > "$out/loo/$cluster.txt" 2>&1 || true
  echo "== leave-one-rank-count-out, $cluster"
  grep '^# held out' "$out/loo/$cluster.txt" || cat "$out/loo/$cluster.txt"
done
