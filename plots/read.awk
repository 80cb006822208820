# Reads one CSV the suite writes, tells its kind from the header, checks every line and prints it as
# tab-separated values with a fixed column order per kind (the other awk programs read only these).
#
#   awk -v name=NAME -f lib.awk -f read.awk FILE
#
# First output line: "kind<TAB>K"; K is rows (ccbench/ccsim rows), errors (ccsim validate --errors),
# loo (ccsim validate --leave-one-out --errors: an errors file with a fold column), step (ccsim step
# --csv), summary (cctrain --compare summary.csv) or train (cctrain per-step rows).
# Exit 0: read; 1: malformed (one line on stderr naming the file, line and column); 3: not a kind
# the plots know (nothing printed on stderr: the driver decides whether that is an error).

BEGIN {
  FS = "\n"
  # kind, the column that marks it, its columns in output order; '?' after a name: may be empty;
  # '#' numeric, '$' text, '~' numeric or nan (losses of a diverged run).
  spec["rows"] = "source$ op$ strategy$ dtype$ ranks# nodes# ranks_per_node# bytes# time_us# busbw_GBps# wire_bytes# profile$"
  mark["rows"] = "busbw_GBps"
  spec["errors"] = "strategy$ op$ ranks# ranks_per_node# bytes# measured_us# predicted_us# rel_error#"
  mark["errors"] = "rel_error"
  # loo: told by rel_error and fold together (see below), so it is not in mark[]
  spec["loo"] = spec["errors"] " fold$"
  # the values a text column may take, per kind (a '|'-separated list)
  allowed["loo", "fold"] = "fit|held_out"
  allowed["loo", "op"] = "allreduce|allgather|reduce_scatter"
  spec["step"] = "profile$ strategy$ ranks# ranks_per_node# params# compute_us# comm_us# exposed_comm_us# step_us# inter_GBps#?"
  mark["step"] = "exposed_comm_us"
  spec["summary"] = "strategy$ steps# final_loss~ final_val_loss~? val_loss_gap~? loss_floor#? step_ms# compute_ms# encode_ms# comm_ms# decode_ms# optim_ms# wire_bytes_per_step# payload_bytes_per_step# payload_ratio~?"
  mark["summary"] = "final_loss"
  spec["train"] = "step# strategy$ loss~ val_loss~? step_ms# compute_ms# comm_ms# wire_bytes#"
  mark["train"] = "tokens_per_s"
  kind = ""
}

/^[ \t\r]*$/ || /^#/ { next }

kind == "" {
  nh = csv_split($0, h)
  if (nh < 0) fail(name ":" NR ": unterminated quote in the header")
  for (i = 1; i <= nh; i++) col[h[i]] = i
  for (k in mark) if (mark[k] in col) kind = k
  if (kind == "") { unknown = 1; exit 3 }
  if (kind == "errors" && ("fold" in col)) kind = "loo"
  nc = split(spec[kind], c, " ")
  for (i = 1; i <= nc; i++) {
    t = c[i]; opt[i] = sub(/[?]$/, "", t)
    ctype[i] = substr(t, length(t), 1); cname[i] = substr(t, 1, length(t) - 1)
    # inter_GBps is written by ccsim step --bandwidths only; its other step files lack it.
    if (!(cname[i] in col) && !(kind == "step" && cname[i] == "inter_GBps")) fail(name ": missing column '" cname[i] "' (a " kind " file, docs/FORMATS.md)")
  }
  printf "kind\t%s\n", kind
  next
}

{
  n = csv_split($0, f)
  if (n < 0) fail(name ":" NR ": unterminated quote")
  if (n != nh) fail(name ":" NR ": " n " fields, the header has " nh)
  line = ""
  for (i = 1; i <= nc; i++) {
    v = (cname[i] in col) ? f[col[cname[i]]] : ""
    if (v == "") {
      if (!opt[i]) fail(name ":" NR ": column '" cname[i] "' is empty")
      v = "-"
    } else if (ctype[i] == "#" && !is_num(v)) {
      fail(name ":" NR ": column '" cname[i] "': '" v "' is not a number")
    } else if (ctype[i] == "~" && !is_num(v) && tolower(v) !~ /^[-+]?(nan|inf)$/) {
      fail(name ":" NR ": column '" cname[i] "': '" v "' is not a number")
    } else if (((kind, cname[i]) in allowed) && v !~ ("^(" allowed[kind, cname[i]] ")$")) {
      fail(name ":" NR ": column '" cname[i] "': '" v "' is not " one_of(allowed[kind, cname[i]]))
    } else if (ctype[i] == "$" && v ~ /[ \t]/) {
      gsub(/[ \t]/, "_", v)
    }
    line = line (i > 1 ? "\t" : "") v
  }
  print line
  rows++
}

function one_of(list,    n, w, i, s) {  # "a|b|c" -> "a, b or c"
  n = split(list, w, "|")
  s = w[1]
  for (i = 2; i <= n; i++) s = s (i == n ? " or " : ", ") w[i]
  return s
}

END {
  if (failed || unknown) exit(failed ? 1 : 3)
  if (kind == "") exit 3
  if (rows == 0) fail(name ": no data lines under the header")
}
