# Data for busbw.gp: busbw against message size of one measured group (op, dtype, ranks, ranks per
# node), and the predictions at the same points when a prediction file is given.
#
#   awk -v op=.. -v dtype=.. -v ranks=.. -v rpn=.. -v dat=.. -v pdat=.. -v vars=.. \
#       -v commit=.. -v pcommit=.. -v src=.. -f lib.awk -f busbw.awk colors.tsv measured.tsv [predicted.tsv]
#
# Rows columns (read.awk): source op strategy dtype ranks nodes ranks_per_node bytes time_us busbw
# wire_bytes profile.

FNR == 1 { file++ }
file == 1 { color[$1] = $2; next }
$1 == "kind" || $2 != op || $4 != dtype || $5 != ranks || $7 != rpn { next }
file == 2 && $1 == "measured" { add("m", $3, $8, $10); nodes = $6; profile = $12 }
file == 3 && $1 == "predicted" { add("p", $3, $8, $10); pprofile = $12 }

function add(set, s, x, y) {
  if (!((set, s) in count)) { names[set, ++n[set]] = s; count[set, s] = 0 }
  k = ++count[set, s]
  x += 0; y += 0
  px[set, s, k] = x; py[set, s, k] = y
  if (lo == "" || x < lo) lo = x
  if (hi == "" || x > hi) hi = x
}

function blocks(set, path,    i, k, s, list, cols) {
  list = ""; cols = ""
  for (i = 1; i <= n[set]; i++) {
    s = names[set, i]
    for (k = 1; k <= count[set, s]; k++) if (py[set, s, k] > 0) printf "%s\t%s\n", px[set, s, k], py[set, s, k] > path
    printf "\n\n" > path
    list = list (i > 1 ? " " : "") s
    cols = cols (i > 1 ? " " : "") (s in color ? color[s] : 1)
  }
  printf "%snames = '%s'\n%scolors = '%s'\n", set, list, set, cols > vars
}

END {
  if (!n["m"]) fail("no measured rows for " op " " dtype " at " ranks " ranks")
  blocks("m", dat)
  if (n["p"]) blocks("p", pdat)
  else printf "pnames = ''\npcolors = ''\n" > vars
  print gpstr("ttl", op " bus bandwidth against message size, per strategy") > vars
  print gpstr("subt", wrap(sprintf("%s: %d ranks (%d node%s), %s, commit %s; %s", profile, ranks, nodes, nodes == 1 ? "" : "s", dtype, commit, src), 72)) > vars
  print gpstr("ptitle", "dashed: predicted, " pprofile (pcommit == "" ? "" : " (" pcommit ")")) > vars
  printf "bytetics = \"%s\"\n", byte_tics(lo, hi) > vars
}

