# Data for scaling.gp: predicted time and busbw against rank count at one message size, one block per
# strategy, and the measured rows of the same profile at that size as points.
#
#   awk -v op=.. -v dtype=.. -v size=.. -v alias=.. -v dat=.. -v mdat=.. -v vars=.. -v subt=.. \
#       -f lib.awk -f scaling.awk colors.tsv predicted.tsv [measured.tsv...]
#
# A measured row counts when its profile column equals the prediction's profile, or for every
# measured row when alias (plot.sh --measured-as) names that profile.
# Rows columns (read.awk): source op strategy dtype ranks nodes ranks_per_node bytes time_us busbw
# wire_bytes profile.

FNR == 1 { file++ }
file == 1 { color[$1] = $2; next }
$1 == "kind" || $2 != op || $4 != dtype || $8 != size { next }
file == 2 && $1 == "predicted" {
  s = $3
  if (!(s in np)) { names[++n] = s; np[s] = 0 }
  k = ++np[s]
  pr[s, k] = $5; pt[s, k] = $9; pb[s, k] = $10
  prof = $12
  track($5, $9)
  next
}
file > 2 && $1 == "measured" && ($12 == prof || (alias != "" && alias == prof)) && ($3 in np) {
  s = $3
  k = ++nm[s]
  mr[s, k] = $5; mt[s, k] = $9; mb[s, k] = $10
  track($5, $9)
  if (!(s in mseen)) { mseen[s] = 1; mlist[++nms] = s }
}

function track(r, t) {
  r += 0; t += 0
  if (rmin == "" || r < rmin) rmin = r
  if (rmax == "" || r > rmax) rmax = r
  if (tmax == "" || t > tmax) tmax = t
}

END {
  if (!n) fail("no predictions at " size " bytes")
  # time unit: the one that keeps the largest time under 10000
  unit = "us"; scale = 1
  if (tmax >= 1e7) { unit = "s"; scale = 1e-6 } else if (tmax >= 1e4) { unit = "ms"; scale = 1e-3 }
  list = ""; cols = ""
  for (i = 1; i <= n; i++) {
    s = names[i]
    for (k = 1; k <= np[s]; k++) printf "%s\t%.6g\t%s\n", pr[s, k], pt[s, k] * scale, pb[s, k] > dat
    printf "\n\n" > dat
    list = list (i > 1 ? " " : "") s; cols = cols (i > 1 ? " " : "") (s in color ? color[s] : 1)
  }
  mlistv = ""; mcols = ""
  for (i = 1; i <= nms; i++) {
    s = mlist[i]
    for (k = 1; k <= nm[s]; k++) printf "%s\t%.6g\t%s\n", mr[s, k], mt[s, k] * scale, mb[s, k] > mdat
    printf "\n\n" > mdat
    mlistv = mlistv (i > 1 ? " " : "") s; mcols = mcols (i > 1 ? " " : "") (s in color ? color[s] : 1)
  }
  printf "names = '%s'\ncolors = '%s'\nmnames = '%s'\nmcolors = '%s'\n", list, cols, mlistv, mcols > vars
  print gpstr("ttl", sprintf("%s of %s predicted on %s against rank count", op, human_bytes(size) (size >= 1024 ? "iB" : " B"), prof)) > vars
  print gpstr("subt", wrap(subt, 140)) > vars
  print gpstr("tunit", unit) > vars
  print gpstr("mtitle", nms ? "measured (" (alias != "" ? "as " alias : prof) ")" : "measured: none") > vars
  s = ""
  for (r = 1; r < rmin; r *= 2) ;
  step = 1
  while (lg(rmax / r) / lg(2) / step > 9) step++
  for (; r <= rmax; r *= 2 ^ step) s = s (s == "" ? "" : ", ") "'" r "' " r
  printf "rankstics = \"set xtics (%s)\"\n", s > vars
  printf "rmin = %g\nrmax = %g\n", rmin, rmax > vars
}
