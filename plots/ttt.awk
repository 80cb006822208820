# Data for ttt.gp: predicted time to reach a target training loss at scale, per strategy:
# steps to the target in the small training run x predicted step time at N ranks.
#
#   awk -v target=.. -v win=.. -v dat=.. -v bdat=.. -v vars=.. -v ttl=.. -v subt=.. \
#       -f lib.awk -f ttt.awk colors.tsv summary.tsv step.tsv train.tsv...
#
# target: the loss to reach. Each strategy's curve is its trailing mean over `win` steps (the loss
# plot's curve) and it reaches the target at the first step where the curve is at or below it. The
# default is the highest low point among the curves that got at least halfway from the uncompressed
# run's first loss to the entropy floor (to its low point without a floor), so every strategy that
# learned reaches it; when none got halfway, the uncompressed curve's low point.
# dat: time to target against ranks at the step file's most common inter-node bandwidth; bdat:
# against that bandwidth at the rank count swept over most bandwidths (when there is such a sweep).
# Exit 4 (a line on stderr) when there is nothing to draw: no strategy reaches the target, or the
# reference has no training rows to set one from.
# Summary columns: strategy steps final_loss ... loss_floor (6). Step columns: profile strategy ranks
# ranks_per_node params compute_us comm_us exposed_comm_us step_us inter_GBps. Train columns: step
# strategy loss val_loss step_ms compute_ms comm_ms wire_bytes.

FNR == 1 { file++ }
$1 == "kind" { kind = $2; next }
file == 1 { color[$1] = $2; next }
kind == "summary" {
  order[++n] = $1
  if (ref == "" && $1 !~ /[+]/) ref = $1
  floor = $6
  next
}
kind == "step" {
  nr++; ss[nr] = $2; sr[nr] = $3 + 0; st[nr] = $9; sb[nr] = $10; prof = $1
  bwc[$10]++
  if (!(($3, $10) in pair)) { pair[$3, $10] = 1; nbw[$3]++ }
  next
}
kind == "train" {
  s = $2; k = ++cnt[s]; lo[s, k] = $3 + 0; stepno[s, k] = $1 + 0
}

END {
  if (nothing) exit 4
  if (!n) fail("no strategies in the summary")
  if (ref == "") ref = order[1]
  # each strategy's curve: the trailing mean over `win` steps, and its lowest point
  for (i = 1; i <= n; i++) {
    s = order[i]; sum = 0
    for (k = 1; k <= cnt[s]; k++) {
      sum += lo[s, k]; if (k > win) sum -= lo[s, k - win]
      if (k < win) continue
      curve[s, k] = sum / win
      if (!(s in best) || curve[s, k] < best[s]) best[s] = curve[s, k]
    }
  }
  if (target == "") {
    # the highest low point among the strategies whose curve got at least halfway from the reference's
    # first loss to the floor (to the reference's low point without a floor), so every strategy that
    # learned reaches it; when none did, as in a short run, the reference's own low point
    if (!(ref in best)) { printf "no training curve of %s to set a target from (--target-loss sets one)\n", ref > "/dev/stderr"; exit 4 }
    half = (lo[ref, 1] + (is_num(floor) ? floor : best[ref])) / 2
    for (i = 1; i <= n; i++) if ((order[i] in best) && best[order[i]] < half && (target == "" || best[order[i]] > target)) target = best[order[i]]
    if (target == "") target = best[ref]
  }
  base = ""
  for (b in bwc) if (base == "" || bwc[b] > bwc[base]) base = b
  atr = ""
  for (r in nbw) if (nbw[r] >= 2 && (atr == "" || nbw[r] > nbw[atr] || (nbw[r] == nbw[atr] && r + 0 > atr + 0))) atr = r
  never = ""; list = ""; cols = ""; nk = 0; tmax = 0
  for (i = 1; i <= n; i++) {
    s = order[i]
    if (!(s in cnt)) continue
    reach[s] = 0
    for (k = win; k <= cnt[s]; k++) if (curve[s, k] <= target) { reach[s] = stepno[s, k] + 1; break }
    if (!reach[s]) { never = never (never == "" ? "" : ", ") s; continue }
    for (k = 1; k <= nr; k++) if (ss[k] == s) { t = reach[s] * st[k] / 1e6; if (t > tmax) tmax = t }
  }
  unit = "s"; scale = 1
  if (tmax > 7200) { unit = "h"; scale = 1 / 3600 } else if (tmax > 300) { unit = "min"; scale = 1 / 60 }
  for (i = 1; i <= n; i++) {
    s = order[i]
    if (!reach[s]) continue
    got = 0
    for (k = 1; k <= nr; k++) if (ss[k] == s && sb[k] == base) { printf "%d\t%.6g\n", sr[k], reach[s] * st[k] / 1e6 * scale > dat; got = 1 }
    if (!got) continue
    printf "\n\n" > dat
    if (atr != "") {
      # bandwidth sweep: sort by bandwidth
      nb = 0
      for (k = 1; k <= nr; k++) if (ss[k] == s && sr[k] == atr + 0) { bx[++nb] = sb[k] + 0; by[nb] = reach[s] * st[k] / 1e6 * scale }
      for (a = 2; a <= nb; a++) { tx = bx[a]; ty = by[a]; for (c = a - 1; c >= 1 && bx[c] > tx; c--) { bx[c + 1] = bx[c]; by[c + 1] = by[c] }; bx[c + 1] = tx; by[c + 1] = ty }
      for (a = 1; a <= nb; a++) printf "%g\t%.6g\n", bx[a], by[a] > bdat
      printf "\n\n" > bdat
    }
    nk++
    list = list (list == "" ? "" : " ") s; cols = cols (cols == "" ? "" : " ") (s in color ? color[s] : 1)
    print gpstr("key" nk, sprintf("%s: %d steps", s, reach[s])) > vars
  }
  if (!nk) { printf "no strategy both reaches loss %.4f and has a step prediction\n", target > "/dev/stderr"; nothing = 1; exit 4 }
  for (i = 1; i <= n; i++) {
    s = order[i]
    if (reach[s]) { found = 0; for (k = 1; k <= nr; k++) if (ss[k] == s) found = 1; if (!found) nopred = nopred (nopred == "" ? "" : ", ") s }
  }
  printf "names = '%s'\ncolors = '%s'\nhasbw = %d\natranks = %d\nbasebw = %g\n", list, cols, atr != "", atr + 0, base + 0 > vars
  print gpstr("tunit", unit) > vars
  print gpstr("ttl", ttl) > vars
  note = sprintf("target loss %.4f", target) (never == "" ? "" : "; never reached: " never) (nopred == "" ? "" : "; no step prediction: " nopred)
  print gpstr("subt", wrap(subt, 140) "\n" note) > vars
}
