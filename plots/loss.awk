# Data for loss.gp: the training loss of every strategy of one cctrain run (or --compare), as a
# trailing mean over `win` steps against step and against wall time (the sum of step_ms), thinned to
# about 400 points per strategy.
#
#   awk -v order="s1 s2.." -v floor=.. -v win=.. -v dat=.. -v vars=.. -v ttl=.. -v subt=.. \
#       -f lib.awk -f loss.awk colors.tsv train.tsv...
#
# Train columns (read.awk): step strategy loss val_loss step_ms compute_ms comm_ms wire_bytes.
# Output columns: step, wall time (s), mean loss, mean loss - floor (or -).

FNR == 1 { file++ }
file == 1 { color[$1] = $2; next }
$1 == "kind" { next }
{
  s = $2
  if (!(s in cnt)) { seen[++ns] = s; cnt[s] = 0; wall[s] = 0 }
  k = ++cnt[s]
  st[s, k] = $1; lo[s, k] = $3; wall[s] += $5 / 1000; wt[s, k] = wall[s]
}

END {
  if (!ns) fail("no training rows")
  # the summary's order first (the uncompressed reference leads), then any others
  n = 0
  m = split(order, o, " ")
  for (i = 1; i <= m; i++) if (o[i] in cnt && !(o[i] in placed)) { names[++n] = o[i]; placed[o[i]] = 1 }
  for (i = 1; i <= ns; i++) if (!(seen[i] in placed)) { names[++n] = seen[i]; placed[seen[i]] = 1 }
  hasfloor = is_num(floor)
  list = ""; cols = ""; ymax = ""; ymin = ""; emin = ""
  for (i = 1; i <= n; i++) {
    s = names[i]; c = cnt[s]
    thin = int(c / 400) + 1
    sum = 0
    for (k = 1; k <= c; k++) {
      v = lo[s, k] + 0
      sum += v; if (k > win) sum -= lo[s, k - win]
      mean = sum / (k < win ? k : win)
      if (k % thin && k != c) continue
      ex = hasfloor ? mean - floor : "-"
      printf "%s\t%.6g\t%.6g\t%s\n", st[s, k], wt[s, k], mean, (hasfloor && ex > 0) ? sprintf("%.6g", ex) : "-" > dat
      if (ymax == "" || mean > ymax) ymax = mean
      if (ymin == "" || mean < ymin) ymin = mean
      if (hasfloor && ex > 0 && (emin == "" || ex < emin)) emin = ex
    }
    printf "\n\n" > dat
    list = list (i > 1 ? " " : "") s; cols = cols (i > 1 ? " " : "") (s in color ? color[s] : 1)
  }
  printf "names = '%s'\ncolors = '%s'\n", list, cols > vars
  print gpstr("ttl", ttl) > vars
  print gpstr("subt", wrap(subt, 130)) > vars
  printf "hasfloor = %d\nfloor = %s\nymin = %g\nymax = %g\nemin = %g\n", hasfloor, hasfloor ? floor : 0, ymin, ymax, emin == "" ? 0 : emin > vars
  printf "win = %d\n", win > vars
}
