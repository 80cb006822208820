# Data for gap.gp: each strategy of a cctrain --compare summary as one point, wire bytes per step
# against final validation loss above the entropy floor (or the loss itself when the floor is
# unknown), labelled with its gap to the uncompressed reference.
#
#   awk -v dat=.. -v vars=.. -v ttl=.. -v subt=.. -f lib.awk -f gap.awk colors.tsv summary.tsv
#
# Summary columns (read.awk): strategy steps final_loss final_val_loss val_loss_gap loss_floor step_ms
# compute_ms encode_ms comm_ms decode_ms optim_ms wire_bytes_per_step payload_bytes_per_step
# payload_ratio.

FNR == 1 { file++ }
file == 1 { color[$1] = $2; next }
$1 == "kind" { next }
{
  s = $1
  loss = is_num($4) ? $4 : $3        # the validation loss, else the training loss
  floor = $6
  if (ref == "" && s !~ /[+]/) { ref = s; refloss = loss }
  names[++n] = s; l[n] = loss; wire[n] = $13; gap[n] = $5
}

END {
  if (!n) fail("no strategies in the summary")
  hasfloor = is_num(floor)
  list = ""; cols = ""; skipped = ""; np = 0
  for (i = 1; i <= n; i++) {
    y = hasfloor ? l[i] - floor : l[i]
    if (!(wire[i] > 0) || !(y > 0) || !is_num(l[i])) { skipped = skipped (skipped == "" ? "" : ", ") names[i]; continue }
    np++; px[np] = wire[i] + 0; py[np] = y; pl[np] = names[i] (is_num(gap[i]) ? sprintf(" (%+.4f)", gap[i]) : "")
    list = list (list == "" ? "" : " ") names[i]; cols = cols (cols == "" ? "" : " ") (names[i] in color ? color[names[i]] : 1)
    if (ymin == "" || y < ymin) ymin = y
    if (ymax == "" || y > ymax) ymax = y
    if (xmin == "" || wire[i] + 0 < xmin) xmin = wire[i] + 0
    if (xmax == "" || wire[i] + 0 > xmax) xmax = wire[i] + 0
  }
  # Labels sit right of their points; one that would overlap a label already placed moves a line up
  # or down (sizes in decades of the log axes, for the plot area of gap.gp: about 880 x 440 pixels).
  if (np) {
    dx = lg(xmax * 4 / (xmin / 3)); dy = lg(ymax * 1.6 / (ymin / 1.6))
    line = dy * 17 / 440
    for (i = 1; i <= np; i++) {
      x0 = lg(px[i]) + dx * 12 / 880; x1 = x0 + dx * length(pl[i]) * 6.6 / 880
      for (t = 0; t < 9; t++) {
        off = (t % 2 ? 1 : -1) * int((t + 1) / 2)
        ly = lg(py[i]) + off * line
        clash = 0
        for (j = 1; j < i; j++) if (x0 < lx1[j] && lx0[j] < x1 && (ly - lly[j] < line && lly[j] - ly < line)) clash = 1
        if (!clash) break
      }
      lx0[i] = x0; lx1[i] = x1; lly[i] = ly
      printf "%s\t%.6g\t%s\t%.6g\n\n\n", px[i], py[i], pl[i], 10 ^ ly > dat
    }
  }
  if (list == "") fail("no strategy with wire bytes and a final loss to place")
  printf "names = '%s'\ncolors = '%s'\n", list, cols > vars
  printf "hasfloor = %d\nrefy = %g\nymin = %g\nymax = %g\nxmin = %g\nxmax = %g\n", hasfloor,
    ref == "" ? -1 : (hasfloor ? refloss - floor : refloss), ymin, ymax, xmin, xmax > vars
  print gpstr("ref", ref) > vars
  print gpstr("ttl", ttl) > vars
  print gpstr("subt", wrap(subt (skipped == "" ? "" : "; not placed (no wire bytes or loss): " skipped), 110)) > vars
}
