# Data for loo.gp: measured and predicted bus bandwidth against message size of one (strategy, op) of
# a `ccsim validate --leave-one-out --errors` file, one group per rank count (and ranks per node):
# measured points, the held_out fold's prediction (the profile fitted without that rank count) and
# the fit fold's (fitted on every rank count). Each key entry carries the median and worst held_out
# error of its rank count from 64 KiB up (the band ccsim validate reports).
#
#   awk -v strategy=.. -v op=.. -v dat=.. -v vars=.. -v ttl=.. -v subt=.. -f lib.awk -f loo.awk loo.tsv
#
# Loo columns (read.awk): strategy op ranks ranks_per_node bytes measured_us predicted_us rel_error
# fold; the driver hands them sorted by ranks, ranks per node and bytes. Busbw is nccl-tests': bytes /
# time x 2(P-1)/P for allreduce, (P-1)/P for allgather and reduce_scatter.
#
# dat holds three blocks per group g (gnuplot index 3(g-1), +1, +2): measured, held_out, fit.

$1 == "kind" || $1 != strategy || $2 != op { next }
{
  g = $3 SUBSEP $4
  if (!(g in gi)) { gi[g] = ++n; granks[n] = $3 + 0; grpn[n] = $4 + 0; cnt[n, "m"] = cnt[n, "held_out"] = cnt[n, "fit"] = 0; nbig[n] = 0 }
  k = gi[g]
  p = $3 + 0
  f = (op == "allreduce" ? 2 : 1) * (p - 1) / p
  b = $5 + 0
  if ($6 > 0 && !((k, b, $6) in seen)) { seen[k, b, $6] = 1; add(k, "m", b, b / $6 / 1e3 * f) }
  if ($7 > 0) add(k, $9, b, b / $7 / 1e3 * f)
  if ($9 == "held_out" && b >= 65536) big[k, ++nbig[k]] = 100 * $8
  if (!(b in size)) { size[b] = 1; nsize++ }
  if (lo == "" || b < lo) lo = b
  if (hi == "" || b > hi) hi = b
}

function add(k, set, x, y,    c) {
  if (y <= 0) return
  c = ++cnt[k, set]
  px[k, set, c] = x; py[k, set, c] = y
}

function block(k, set,    c) {  # an empty block gets a missing point: gnuplot merges runs of blank lines
  if (!cnt[k, set]) printf "-\t-\n" > dat
  for (c = 1; c <= cnt[k, set]; c++) printf "%s\t%.6g\n", px[k, set, c], py[k, set, c] > dat
  printf "\n\n" > dat
}

function size_tics(    b, s) {  # tics at the sizes drawn, when there are few of them
  s = ""
  for (b in size) s = s (s == "" ? "" : ", ") "'" human_bytes(b + 0) "' " sprintf("%.0f", b)
  return "set xtics (" s ")"
}

function pct(x) { return x < 10 ? sprintf("%.1f%%", x) : sprintf("%.0f%%", x) }

function stats(k,    i, j, t, m, v) {  # "median 8.1%, worst 21%" of the held_out errors from 64K
  m = nbig[k]
  for (i = 1; i <= m; i++) v[i] = big[k, i]
  for (i = 2; i <= m; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
  return "median " pct(m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2) ", worst " pct(v[m])
}

END {
  if (!n) fail("no rows for " strategy " " op " in the leave-one-out errors file")
  colors = ""; meas = ""; held = ""; fit = ""; c = 0
  for (k = 1; k <= n; k++) {
    if (++c == 11) c++  # 11 is black, kept for the key's line styles
    colors = colors (k > 1 ? " " : "") c
    block(k, "m"); block(k, "held_out"); block(k, "fit")
    if (cnt[k, "m"]) meas = meas (meas == "" ? "" : " ") k
    if (cnt[k, "held_out"]) held = held (held == "" ? "" : " ") k
    if (cnt[k, "fit"]) fit = fit (fit == "" ? "" : " ") k
    nodes = int((granks[k] + grpn[k] - 1) / grpn[k])
    e = granks[k] " ranks (" nodes " node" (nodes == 1 ? "" : "s") "): "
    if (!cnt[k, "held_out"]) e = e "fit only, nothing held out"
    else if (!nbig[k]) e = e "held-out, no sizes from 64K"
    else e = e "held-out " stats(k)
    print gpstr("key" k, e) > vars
  }
  if (meas held fit == "") fail("no positive times for " strategy " " op " in the leave-one-out errors file")
  printf "ngroups = %d\ncolors = '%s'\nmeas = '%s'\nheld = '%s'\nfit = '%s'\n", n, colors, meas, held, fit > vars
  print gpstr("ttl", ttl) > vars
  print gpstr("subt", wrap(subt, 80)) > vars
  t = nsize <= 10 ? size_tics() : byte_tics(lo, hi)
  printf "bytetics = \"%s\"\nxlo = %.0f\nxhi = %.0f\n", t, lo / 1.4, hi * 1.4 > vars
}
