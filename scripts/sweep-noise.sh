#!/usr/bin/env bash
# How far two ccbench sweeps of the same machine differ: per strategy, the median and worst of
# |B - A| / B over the sizes both measured from --min bytes up. This is the floor under any model's
# validation error: no prediction can agree with sweep B better than sweep A itself does.
#
#   scripts/sweep-noise.sh A.csv B.csv [--min SIZE_BYTES]   (default 65536)
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,6p' "$0" >&2; exit 2; }
a=$1 b=$2 min=65536
shift 2
while [ $# -gt 0 ]; do
  case "$1" in
    --min) min="$2"; shift ;;
    *) echo "sweep-noise.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
for f in "$a" "$b"; do [ -r "$f" ] || { echo "sweep-noise.sh: cannot read '$f'" >&2; exit 2; }; done
awk -F, -v min="$min" '
  FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; file++; next }
  $col["source"] != "measured" || $col["bytes"] + 0 < min { next }
  { key = $col["strategy"] SUBSEP $col["ranks"] SUBSEP $col["bytes"]
    if (file == 1) t[key] = $col["time_us"]
    else if (key in t && $col["time_us"] > 0) {
      s = $col["strategy"] " np" $col["ranks"]
      if (!(s in n)) order[++ns] = s
      e[s, ++n[s]] = ($col["time_us"] - t[key]) / $col["time_us"]; if (e[s, n[s]] < 0) e[s, n[s]] = -e[s, n[s]]
    } }
  END {
    printf "# |B - A| / B per strategy, sizes >= %d B\n# %-22s %8s %8s %5s\n", min, "strategy", "median", "worst", "n"
    for (k = 1; k <= ns; k++) {
      s = order[k]; m = n[s]
      for (i = 1; i <= m; i++) v[i] = e[s, i]
      for (i = 2; i <= m; i++) { x = v[i]; j = i - 1; while (j > 0 && v[j] > x) { v[j + 1] = v[j]; j-- } v[j + 1] = x }
      med = m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
      printf "  %-22s %7.1f%% %7.1f%% %5d\n", s, 100 * med, 100 * v[m], m
    }
  }' "$a" "$b"
