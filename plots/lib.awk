# Helpers shared by the plot driver's awk programs (POSIX awk: Debian's mawk runs them).

# Splits one CSV record (RFC 4180, no newline inside a field) into f[1..n] and returns n; -1 when a
# quote is left open. Strategy names such as "ring+topk:0.01,approx" arrive quoted.
function csv_split(line, f,    n, i, c, q, field, len) {
  sub(/\r$/, "", line)
  if (index(line, "\"") == 0) return split(line, f, ",")
  n = 0; field = ""; q = 0; len = length(line)
  for (i = 1; i <= len; i++) {
    c = substr(line, i, 1)
    if (q) {
      if (c != "\"") field = field c
      else if (substr(line, i + 1, 1) == "\"") { field = field "\""; i++ }
      else q = 0
    } else if (c == "\"") q = 1
    else if (c == ",") { f[++n] = field; field = "" }
    else field = field c
  }
  if (q) return -1
  f[++n] = field
  return n
}

function is_num(s) {
  return s ~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/
}

# One-line error naming the file (and line), then exit 1; the driver stops on it.
function fail(msg) {
  printf "plot.sh: %s\n", msg > "/dev/stderr"
  failed = 1
  exit 1
}

function lg(x) { return log(x) / log(10) }

# Sizes as people write them: 512, 4K, 16M, 1G (binary prefixes, as ccbench's -b/-e).
function human_bytes(b) {
  if (b >= 1073741824 && b % 1073741824 == 0) return (b / 1073741824) "G"
  if (b >= 1048576 && b % 1048576 == 0) return (b / 1048576) "M"
  if (b >= 1024 && b % 1024 == 0) return (b / 1024) "K"
  return b ""
}

# A gnuplot command putting tics at powers of two between a and b bytes, at most 10 of them, labelled
# 8, 512, 32K, 2M, 128M...
function byte_tics(a, b,    step, t, s) {
  step = 1
  while (lg(b / a) / lg(2) / step > 9) step++
  for (t = 1; t < a; t *= 2) ;
  s = ""
  for (; t <= b; t *= 2 ^ step) s = s (s == "" ? "" : ", ") "'" human_bytes(t) "' " sprintf("%.0f", t)
  return "set xtics (" s ")"
}

# A gnuplot string variable: double quotes, so a newline in v becomes a line break in a title
# (a backslash, which no name here should hold, becomes a slash).
function gpstr(name, v) {
  gsub(/\\/, "/", v)
  gsub(/"/, "\\\"", v)
  gsub(/\n/, "\\n", v)
  return name " = \"" v "\""
}

# Breaks a subtitle into lines of at most `width` characters at "; " (else ", ", else " ")
# boundaries, so a title never runs off the canvas.
function wrap(text, width,    out, line, n, i, part, parts, sep) {
  n = split(text, parts, "; ")
  out = ""; line = ""
  for (i = 1; i <= n; i++) {
    part = parts[i]
    sep = (line == "") ? "" : "; "
    if (length(line sep part) <= width) { line = line sep part; continue }
    if (line != "") { out = out (out == "" ? "" : "\n") line; line = "" }
    while (length(part) > width && (j = last_comma(substr(part, 1, width))) > 0) {
      out = out (out == "" ? "" : "\n") substr(part, 1, j)
      part = substr(part, j + 2)
    }
    line = part
  }
  if (line != "") out = out (out == "" ? "" : "\n") line
  return out
}
function last_comma(s,    i) {  # the last ", " in s, else the last space (then the line loses it)
  for (i = length(s); i > 1; i--) if (substr(s, i, 2) == ", ") return i
  for (i = length(s); i > 1; i--) if (substr(s, i, 1) == " ") return i - 1
  return 0
}
