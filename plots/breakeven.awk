# The break-even of gradient compression (scripts/bench-netcluster.sh): reads measured.csv (per
# strategy and link rate: steps to the target loss, median step time, time to target) and ccsim step's
# predictions over a grid of rates, writes the table of both (file `table`), the predicted time to
# target on the grid (file `curve`) and, on stdout, the table and each compressor's break-even rate:
# where its time to target crosses the baseline's (log-linear between neighbouring rates).
# Variables: base (the baseline strategy), target (the loss), table, curve.
function median_ok(x) { return x != "" }
function crossing(n, r, t, bt,    i, a, b, x) {  # rates r[1..n] ascending, times t (compressor), bt (baseline)
  for (i = 1; i < n; i++) {
    a = log(t[i] / bt[i]); b = log(t[i + 1] / bt[i + 1])
    if (a == 0) return sprintf("%.3g", r[i])
    if (a < 0 && b >= 0 || a > 0 && b <= 0) {
      x = log(r[i]) + (log(r[i + 1]) - log(r[i])) * a / (a - b)
      return sprintf("%.3g", exp(x))
    }
  }
  if (log(t[n] / bt[n]) < 0) return sprintf("> %g", r[n])   # it pays off at every rate: above the range
  return sprintf("< %g", r[1])                                # it never pays off in the range
}
BEGIN { FS = "," }
FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; file++; next }
file == 1 {
  s = $col[FILENAME, "strategy"]; r = $col[FILENAME, "rate_mbit"] + 0
  if (!(s in seen)) { seen[s] = 1; order[++ns] = s }
  if (!((r "") in rseen)) { rseen[r ""] = 1; rates[++nr] = r }
  steps[s, r] = $col[FILENAME, "steps_to_target"]; ms[s, r] = $col[FILENAME, "step_ms"]
  tt[s, r] = $col[FILENAME, "time_to_target_s"]; direct[s, r] = $col[FILENAME, "measured_directly"]
  reach[s] = steps[s, r]
  next
}
{
  s = $col[FILENAME, "strategy"]; g = $col[FILENAME, "inter_GBps"] + 0
  r = g * 8000  # GB/s -> Mbit/s
  key = sprintf("%.4g", r)
  if (!(key in gseen)) { gseen[key] = 1; grid[++ng] = r }
  pms[s, key] = $col[FILENAME, "step_us"] / 1000
}
END {
  # Rates ascending (the inputs list them in any order).
  for (i = 1; i <= nr; i++) for (j = i + 1; j <= nr; j++) if (rates[j] < rates[i]) { x = rates[i]; rates[i] = rates[j]; rates[j] = x }
  for (i = 1; i <= ng; i++) for (j = i + 1; j <= ng; j++) if (grid[j] < grid[i]) { x = grid[i]; grid[i] = grid[j]; grid[j] = x }
  printf "# target validation loss %s; time to target = steps to it x step time\n", target
  printf "# %-22s %9s %7s %12s %12s %8s %11s %11s\n", "strategy", "Mbit/s", "steps", "step ms", "predicted", "error", "time s", "predicted s"
  print "strategy,rate_mbit,steps_to_target,measured_step_ms,predicted_step_ms,step_error,measured_time_s,predicted_time_s,measured_directly" > table
  for (k = 1; k <= ns; k++) {
    s = order[k]
    for (i = 1; i <= nr; i++) {
      r = rates[i]; key = sprintf("%.4g", r)
      p = pms[s, key]; e = p > 0 && ms[s, r] > 0 ? p / ms[s, r] - 1 : 0
      pt = reach[s] != "" && p > 0 ? reach[s] * p / 1000 : ""
      printf "  %-22s %9g %7s %12.1f %12.1f %7.1f%% %11s %11s%s\n", s, r, reach[s] == "" ? "never" : reach[s], ms[s, r], p, 100 * e,
             tt[s, r] == "" ? "-" : sprintf("%.1f", tt[s, r]), pt == "" ? "-" : sprintf("%.1f", pt), direct[s, r] ? "" : " *"
      printf "%s,%g,%s,%.3f,%.3f,%.4f,%s,%s,%d\n", s, r, reach[s], ms[s, r], p, e, tt[s, r], pt == "" ? "" : sprintf("%.3f", pt), direct[s, r] > table
      mt[s, i] = tt[s, r]; ptt[s, i] = pt
    }
  }
  print "#   * time to target = steps to target x the run's median step (a short run: training is the same bits at every rate)"
  print "strategy,rate_mbit,predicted_time_s" > curve
  for (k = 1; k <= ns; k++) {
    s = order[k]
    if (reach[s] == "") continue
    for (i = 1; i <= ng; i++) {
      key = sprintf("%.4g", grid[i])
      if (pms[s, key] > 0) printf "%s,%.6g,%.4f\n", s, grid[i], reach[s] * pms[s, key] / 1000 > curve
    }
  }
  printf "# break-even: the link rate (Mbit/s) below which a compressor reaches the target before %s\n", base
  printf "# %-22s %12s %12s\n", "compressor", "measured", "predicted"
  for (k = 1; k <= ns; k++) {
    s = order[k]
    if (s == base) continue
    if (reach[s] == "") { printf "  %-22s %12s %12s\n", s, "never", "never"; continue }
    n = 0; ok = reach[base] != ""
    for (i = 1; i <= nr; i++) { n++; R[n] = rates[i]; T[n] = mt[s, i]; B[n] = mt[base, i]; if (T[n] == "" || B[n] == "") ok = 0 }
    meas = ok ? crossing(n, R, T, B) : "-"
    n = 0
    for (i = 1; i <= ng; i++) {
      key = sprintf("%.4g", grid[i])
      if (pms[s, key] > 0 && pms[base, key] > 0 && reach[base] != "") { n++; R[n] = grid[i]; T[n] = reach[s] * pms[s, key]; B[n] = reach[base] * pms[base, key] }
    }
    pred = n > 1 ? crossing(n, R, T, B) : "-"
    printf "  %-22s %12s %12s\n", s, meas, pred
  }
}
