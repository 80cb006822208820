# Data for error.gp: |predicted - measured| / measured against size, per strategy, from one
# `ccsim validate --errors` file; each key entry carries the strategy's median from 64 KiB up (the
# band ccsim validate reports).
#
#   awk -v dat=.. -v vars=.. -v ttl=.. -v subt=.. [-v breaks=1] -f lib.awk -f errors.awk colors.tsv errors.tsv
#
# breaks=1 (the fit fold of a leave-one-out file, sorted by ranks and size): a strategy's line breaks
# where the rank count (or ranks per node) changes instead of running back to the smallest size.
#
# Errors columns (read.awk): strategy op ranks ranks_per_node bytes measured_us predicted_us rel_error.

FNR == 1 { file++ }
file == 1 { color[$1] = $2; next }
$1 == "kind" { next }
{
  s = $1
  if (!(s in count)) { names[++n] = s; count[s] = 0; nbig[s] = 0 }
  k = ++count[s]
  x[s, k] = $5 + 0; y[s, k] = 100 * $8; grp[s, k] = $3 SUBSEP $4
  if ($5 + 0 >= 65536) big[s, ++nbig[s]] = 100 * $8
  if (lo == "" || $5 + 0 < lo) lo = $5 + 0
  if (hi == "" || $5 + 0 > hi) hi = $5 + 0
  if (ymax == "" || 100 * $8 > ymax) ymax = 100 * $8
  if (100 * $8 > 0 && (ymin == "" || 100 * $8 < ymin)) ymin = 100 * $8
  ranks = $3
}

function median(s,    i, j, t, m, v) {
  m = nbig[s]
  if (m == 0) return -1
  for (i = 1; i <= m; i++) v[i] = big[s, i]
  for (i = 2; i <= m; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
  return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}

END {
  if (!n) fail("no rows in the errors file")
  list = ""; cols = ""
  for (i = 1; i <= n; i++) {
    s = names[i]
    for (k = 1; k <= count[s]; k++) {
      if (breaks && k > 1 && grp[s, k] != grp[s, k - 1]) printf "\n" > dat
      if (y[s, k] > 0) printf "%s\t%s\n", x[s, k], y[s, k] > dat
    }
    printf "\n\n" > dat
    md = median(s)
    list = list (i > 1 ? " " : "") s
    cols = cols (i > 1 ? " " : "") (s in color ? color[s] : 1)
    print gpstr("key" i, s (md < 0 ? "" : sprintf(", median %.1f%% from 64K", md))) > vars
  }
  printf "names = '%s'\ncolors = '%s'\n", list, cols > vars
  print gpstr("ttl", ttl) > vars
  print gpstr("subt", wrap(subt, 72)) > vars
  printf "ymin = %g\nymax = %g\n", ymin, ymax > vars
  printf "bytetics = \"%s\"\n", byte_tics(lo, hi) > vars
  b = ""  # the band edges inside the plotted sizes
  for (e = 65536; e <= 16777216; e *= 16) if (e > lo && e < hi) b = b (b == "" ? "" : " ") e
  printf "bands = '%s'\n", b > vars
}

