# Data for split.gp: stacked bars of where a training step's time goes.
#
#   awk -v mode=run|scale -v ranks=.. -v params=.. -v dat=.. -v vars=.. -v ttl=.. -v subt=.. \
#       -f lib.awk -f split.awk summary.tsv|- step.tsv|-
#
# mode=run: one group per strategy of a cctrain --compare summary: the measured bar (compute,
# encode, comm, decode, optimizer, other = step - their sum) and, when the step file predicts that
# strategy at the run's ranks and parameter count, a predicted bar beside it (compute + optimizer as
# given to the prediction, exposed communication).
# mode=scale: one group per strategy of a step file, a predicted bar at up to four rank counts.
# Step rows at another inter-node bandwidth than the file's most common one are left out.
#
# Output: dat holds index 0 the bar segments (x, y, xlo, xhi, ylo, yhi, component) and index 1 the
# labels over the bars (x, y, text); vars the tics and legend.
# Summary columns: strategy steps final_loss final_val_loss val_loss_gap loss_floor step_ms compute_ms
# encode_ms comm_ms decode_ms optim_ms wire_bytes_per_step payload_bytes_per_step payload_ratio.
# Step columns: profile strategy ranks ranks_per_node params compute_us comm_us exposed_comm_us
# step_us inter_GBps.

$1 == "kind" { kind = $2; next }
kind == "summary" {
  names[++n] = $1
  for (c = 7; c <= 12; c++) m[$1, c] = $c
  next
}
kind == "step" {
  bw[++nr] = $10; bwcount[$10]++
  rs[nr] = $2; rr[nr] = $3; rp[nr] = $5; rc[nr] = $6; re[nr] = $8; prof = $1
}

function seg(x, lo, hi, comp) {
  if (hi - lo <= 0) return lo
  ns++; sx[ns] = x; slo[ns] = lo; shi[ns] = hi; sc[ns] = comp
  used[comp] = 1
  return hi
}

function label(x, y, text) { nl++; lx[nl] = x; ly[nl] = y; lt[nl] = text }

END {
  best = ""
  for (b in bwcount) if (best == "" || bwcount[b] > bwcount[best]) best = b
  bw2 = 0.38; ytop = 0; tics = ""; x = 0
  if (mode == "run") {
    for (i = 1; i <= n; i++) {
      s = names[i]
      pred = 0  # a row of this strategy, ranks and parameter count; at the common bandwidth if there is one
      for (k = 1; k <= nr; k++)
        if (rs[k] == s && rr[k] == ranks && rp[k] + 0 == params + 0 && (!pred || bw[k] == best)) pred = k
      x0 = x + 1
      y = 0
      y = seg(x0, y, y + m[s, 8], 1); y = seg(x0, y, y + m[s, 9], 2); y = seg(x0, y, y + m[s, 10], 3)
      y = seg(x0, y, y + m[s, 11], 4); y = seg(x0, y, y + m[s, 12], 5); y = seg(x0, y, m[s, 7], 6)
      label(x0, y, sprintf("measured, comm %.3g ms", m[s, 10]))
      x = x0
      if (pred) {
        x = x0 + 1
        y = seg(x, 0, rc[pred] / 1000, 7); y = seg(x, y, y + re[pred] / 1000, 8)
        label(x, y, sprintf("predicted, comm %.3g ms", re[pred] / 1000))
        npred++
      }
      tics = tics (tics == "" ? "" : ", ") "'" s "' " (pred ? x0 + 0.5 : x0)
      x += 1.6
    }
  } else {
    # rank counts: all when four or fewer, else four spread from the first to the last
    for (k = 1; k <= nr; k++) if (bw[k] == best && !(rr[k] in rk)) { rk[rr[k]] = 1; rl[++nrk] = rr[k] + 0 }
    for (i = 2; i <= nrk; i++) { t = rl[i]; for (j = i - 1; j >= 1 && rl[j] > t; j--) rl[j + 1] = rl[j]; rl[j + 1] = t }
    if (nrk <= 4) for (i = 1; i <= nrk; i++) pick[rl[i]] = 1
    else for (i = 0; i < 4; i++) pick[rl[1 + int(i * (nrk - 1) / 3 + 0.5)]] = 1
    for (k = 1; k <= nr; k++) if (!(rs[k] in sidx)) { sidx[rs[k]] = 1; names[++n] = rs[k] }
    for (i = 1; i <= n; i++) {
      s = names[i]; x0 = x + 1; first = 1
      for (j = 1; j <= nrk; j++) {
        if (!(rl[j] in pick)) continue
        for (k = 1; k <= nr; k++) if (rs[k] == s && rr[k] + 0 == rl[j] && bw[k] == best) break
        if (k > nr) continue
        x = first ? x0 : x + 1; first = 0
        y = seg(x, 0, rc[k] / 1000, 7); y = seg(x, y, y + re[k] / 1000, 8)
        label(x, y, rl[j])
      }
      tics = tics (tics == "" ? "" : ", ") "'" s "' " (x0 + x) / 2
      x += 1.6
    }
  }
  if (!ns) fail("nothing to draw")
  # Bars far taller than the rest (a strategy that collapses at scale) are cut above the tallest bar
  # within five times the median and carry their total in the label, so the others stay readable.
  for (i = 1; i <= nl; i++) v[i] = ly[i]
  for (i = 2; i <= nl; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
  limit = 5 * v[int((nl + 1) / 2)]
  cap = 0
  for (i = 1; i <= nl; i++) if (v[i] <= limit) cap = v[i]
  if (cap < v[nl]) { cap *= 1.1; cut = 1 }
  for (i = 1; i <= ns; i++) {
    lo = slo[i]; hi = shi[i]
    if (lo >= cap) continue
    if (hi > cap) hi = cap
    printf "%g\t%g\t%g\t%g\t%g\t%g\t%d\n", sx[i], (lo + hi) / 2, sx[i] - bw2, sx[i] + bw2, lo, hi, sc[i] > dat
  }
  printf "\n\n" > dat
  for (i = 1; i <= nl; i++)
    printf "%g\t%g\t%s\n", lx[i], (ly[i] > cap ? cap : ly[i]), lt[i] (ly[i] > cap ? sprintf(": %.0f ms, cut", ly[i]) : "") > dat
  ytop = cap
  printf "tics = \"set xtics (%s)\"\nxmax = %g\nytop = %g\n", tics, x + 0.6, ytop > vars
  legend = ""
  for (c = 1; c <= 8; c++) if (c in used) legend = legend (legend == "" ? "" : " ") c
  printf "legend = '%s'\nnpred = %d\nyroom = %g\n", legend, npred + 0, mode == "run" ? 1.65 : cut ? 1.5 : 1.25 > vars
  print gpstr("ttl", ttl) > vars
  print gpstr("subt", wrap(subt, 85)) > vars
}
