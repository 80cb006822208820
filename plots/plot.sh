#!/usr/bin/env bash
# Renders every plot that the CSV files under a results directory allow (docs/plots.md):
#
#   plots/plot.sh RESULTS [RESULTS...] [-o OUTDIR] [options]
#
# RESULTS is a directory (searched for *.csv, subdirectories included) or one CSV file. The kind of
# each CSV comes from its header: ccbench/ccsim rows, ccsim validate --errors (with or without
# --leave-one-out), ccsim step --csv, cctrain per-step rows and --compare summaries; other CSVs in a
# directory are skipped, a file named on the command line must be one of these. Every input is
# checked before anything is drawn: a missing file, or a line with a missing field or a bad number,
# stops the run with one line naming the file, line and column (exit 2).
#
# Plots (PNG and SVG, OUTDIR defaults to RESULTS/plots for one directory):
#   busbw_*      busbw vs size per strategy, measured solid, predicted (nearest prediction) dashed
#   error_*      prediction error vs size per strategy (ccsim validate --errors; with --leave-one-out:
#                the fit fold)
#   loo_*        leave-one-rank-count-out validation (ccsim validate --leave-one-out --errors): busbw
#                vs size per strategy and op, one colour per rank count, measured points, held-out
#                prediction solid, fit dashed; key: held-out median and worst error from 64K
#   scaling_*    predicted time and busbw vs ranks at chosen sizes, measured points of that profile
#   loss_step_*, loss_time_*   training loss vs step / wall time, entropy floor of the Markov source
#   wire_gap_*   wire bytes per step vs final loss gap (cctrain --compare summary)
#   split_*      step-time split, measured (cctrain) beside predicted (ccsim step) when both exist;
#                predicted at scale for step predictions over several rank counts
#   ttt_*        time to a target loss: steps from the training run x predicted step time at scale
#
# Options:
#   -o, --out DIR            where the plots go (created)
#   -f, --format FMT         png, svg or both (default both)
#   -s, --sizes LIST         scaling plots: message sizes (nearest predicted size; default 64K,16M,1G)
#   -m, --measured-as NAME   scaling plots: measured rows count as measurements of profile NAME
#                            (default: rows whose profile column equals the prediction's profile)
#   -t, --target-loss LOSS   ttt plots: the target (default: the highest low point among the loss
#                            curves that got halfway from the first loss to the entropy floor,
#                            else the uncompressed curve's low point)
#   -q, --quiet              print nothing but errors
#   -h, --help               this text
set -euo pipefail

prog=plot.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() { echo "$prog: $*" >&2; exit 2; }
say() { [ "$quiet" -eq 1 ] || echo "$@"; }

inputs=() outdir="" formats="png svg" sizes="64K,16M,1G" measured_as="" target="" quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    -o|--out) [ $# -ge 2 ] || die "-o/--out needs a directory"; outdir=$2; shift ;;
    -f|--format)
      [ $# -ge 2 ] || die "-f/--format needs png, svg or both"
      case "$2" in png|svg) formats=$2 ;; both) formats="png svg" ;; *) die "-f/--format: '$2' is not png, svg or both" ;; esac
      shift ;;
    -s|--sizes) [ $# -ge 2 ] || die "-s/--sizes needs a list like 64K,16M,1G"; sizes=$2; shift ;;
    -m|--measured-as) [ $# -ge 2 ] || die "-m/--measured-as needs a profile name"; measured_as=$2; shift ;;
    -t|--target-loss) [ $# -ge 2 ] || die "-t/--target-loss needs a loss"; target=$2; shift ;;
    -q|--quiet) quiet=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) inputs+=("$1") ;;
  esac
  shift
done
[ ${#inputs[@]} -gt 0 ] || die "no results directory or CSV file given (see --help)"
if [ -n "$target" ] && ! [[ $target =~ ^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$ ]]; then
  die "-t/--target-loss: '$target' is not a number"
fi
size_list=()
# read drops a trailing empty item: catch every empty one ("64K,", ",64K", "64K,,1G") first.
case ",$sizes," in *,,*) die "-s/--sizes: an empty item in '$sizes' (a stray comma?)" ;; esac
IFS=, read -r -a size_items <<< "$sizes"
for s in "${size_items[@]}"; do
  case "$s" in
    *[Kk]) n=${s%?}; m=1024 ;; *[Mm]) n=${s%?}; m=1048576 ;; *[Gg]) n=${s%?}; m=1073741824 ;; *) n=$s; m=1 ;;
  esac
  [[ $n =~ ^[0-9]+$ ]] || die "-s/--sizes: '$s' is not a size like 64K, 16M or 1G"
  size_list+=($((n * m)))
done
command -v gnuplot >/dev/null 2>&1 || die "gnuplot not found (scripts/setup-deps.sh installs it)"

for p in "${inputs[@]}"; do [ -e "$p" ] || die "$p: no such file or directory"; done
if [ -z "$outdir" ]; then
  [ ${#inputs[@]} -eq 1 ] && [ -d "${inputs[0]}" ] || die "-o/--out is needed unless one directory is given"
  outdir=${inputs[0]%/}/plots
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/ccplots.XXXXXX")
# PLOTS_KEEP=1 keeps the data files and gnuplot variables gnuplot was given, for debugging a plot.
trap 'if [ -n "${PLOTS_KEEP:-}" ]; then echo "$prog: data kept in $work" >&2; else rm -rf "$work"; fi' EXIT
case "$outdir$work$here" in *"'"*) die "paths with a single quote are not supported: $outdir" ;; esac

# --- read every input: kind, normalised rows, sidecar --------------------------------------------
# Per input i: path, rel (path under its RESULTS argument), dir (rel's directory, "" at the top),
# kind, commit and command (from FILE.meta.json when there is one), and $work/i.tsv.
n=0 skipped=0
path=() rel=() dir=() kind=() commit=() command=()
sidecar() {  # sidecar FILE KEY: a string value of the FILE.meta.json next to a CSV, or nothing
  [ -f "$1.meta.json" ] || return 0
  sed -n "s/^[[:space:]]*\"$2\": *\"\\(.*\\)\",\\{0,1\\}[[:space:]]*$/\\1/p" "$1.meta.json" | head -1 | sed 's/\\"/"/g'
}
short_commit() {  # 3e998a7e6112-dirty -> 3e998a7-dirty
  local c=$1
  [ -n "$c" ] || { echo "unknown"; return; }
  case "$c" in *-dirty) echo "${c:0:7}-dirty" ;; *) echo "${c:0:7}" ;; esac
}
read_input() {  # read_input FILE REL EXPLICIT
  local f=$1 rc=0
  awk -v name="$f" -f "$here/lib.awk" -f "$here/read.awk" "$f" > "$work/$n.tsv" || rc=$?
  if [ "$rc" -eq 3 ]; then
    [ "$3" -eq 0 ] || die "$f: not a CSV the plots read (no busbw_GBps, rel_error, exposed_comm_us, final_loss or tokens_per_s column)"
    skipped=$((skipped + 1))
    return
  fi
  [ "$rc" -eq 0 ] || exit 2
  path[n]=$f rel[n]=$2 kind[n]=$(head -1 "$work/$n.tsv" | cut -f2)
  dir[n]=$(dirname "$2"); [ "${dir[n]}" != "." ] || dir[n]=""
  commit[n]=$(short_commit "$(sidecar "$f" commit)")
  command[n]=$(sidecar "$f" command)
  n=$((n + 1))
}
for p in "${inputs[@]}"; do
  if [ -d "$p" ]; then
    root=${p%/}
    while IFS= read -r f; do
      read_input "$f" "${f#"$root"/}" 0
    done < <(find "$root" -type f -name '*.csv' ! -path "${outdir%/}/*" | LC_ALL=C sort)
  else
    read_input "$p" "$(basename "$p")" 1
  fi
done
[ "$n" -gt 0 ] || die "no CSV the plots read under ${inputs[*]} (ccbench, ccsim or cctrain output)"
mkdir -p "$outdir" 2>/dev/null || die "-o/--out: cannot create '$outdir'"

# One colour per strategy across all plots of the run; mpi and nccl are black (11).
for ((i = 0; i < n; i++)); do cat "$work/$i.tsv"; done | awk -F'\t' '
  $1 == "kind" { k = $2; next }
  { s = (k == "rows") ? $3 : (k == "step" || k == "train") ? $2 : $1
    if (s in seen) next
    seen[s] = 1
    if (s ~ /^(mpi|nccl)$/) { print s "\t11"; next }
    if (++c == 11) c++
    print s "\t" c }' > "$work/colors.tsv"

# --- rendering -----------------------------------------------------------------------------------
written=()
render() {  # render SCRIPT BASENAME 'gnuplot assignments'
  local gp=$1 base=$2 f out
  for f in $formats; do
    out="$outdir/$base.$f"
    if ! gnuplot -e "dir='$here'; out='$out'; fmt='$f'; $3" "$here/$gp" 2> "$work/gp.err" || [ -s "$work/gp.err" ]; then
      echo "$prog: gnuplot failed on $gp for $out: $(tr '\n' ' ' < "$work/gp.err" | cut -c1-400)" >&2
      exit 1
    fi
    written+=("$out")
    say "$out"
  done
}
tag() { local t=${1%.csv}; echo "${t//\//_}"; }  # sweep-b/allreduce_np4.csv -> sweep-b_allreduce_np4
treedist() { awk -v a="$1" -v b="$2" 'BEGIN { na = split(a, x, "/"); nb = split(b, y, "/"); c = 0
  while (c < na && c < nb && x[c + 1] == y[c + 1]) c++; print na - c + nb - c }'; }
names_in() { awk -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }' <<< "$1"; }  # FLAG's values in a command
hbytes() { local b=$1 u
  for u in "" K M G; do if [ "$b" -lt 1024 ] || [ $((b % 1024)) -ne 0 ]; then echo "$b$u"; return; fi; b=$((b / 1024)); done
  echo "${b}T"; }
refers_to() {  # refers_to PATH INPUT: does a path in a sidecar's command name that input file?
  local a=$1 i=$2  # the same file when the path still resolves, else the same path under RESULTS
  if [ -e "$a" ]; then [ "$(realpath -- "$a")" = "$(realpath -- "${path[i]}")" ]; return; fi
  [ "$a" = "${rel[i]}" ] || { [[ ${rel[i]} == */* ]] && [[ $a == */"${rel[i]}" ]]; }
}

# Rows files: which hold measured rows, which predictions at measured points, which scaling sweeps.
measured=() pointwise=() scaling=()
for ((i = 0; i < n; i++)); do
  [ "${kind[i]}" = rows ] || continue
  if awk -F'\t' '$1 == "measured" { f = 1; exit } END { exit !f }' "$work/$i.tsv"; then measured+=("$i"); fi
  # a prediction with at least three rank counts for one (op, dtype) is a scaling sweep
  if awk -F'\t' '$1 == "predicted" && !seen[$2, $4, $5]++ { if (++r[$2, $4] >= 3) { f = 1; exit } } END { exit !f }' "$work/$i.tsv"; then
    scaling+=("$i")
  elif awk -F'\t' '$1 == "predicted" { f = 1; exit } END { exit !f }' "$work/$i.tsv"; then
    pointwise+=("$i")
  fi
done

# busbw vs size: each measured group (op, dtype, ranks, ranks per node) with the nearest prediction at
# the same points: one whose sidecar says it validated this file, else the closest directory.
for i in "${measured[@]}"; do
  groups=$(awk -F'\t' '$1 == "measured" { print $2 "\t" $4 "\t" $5 "\t" $7 }' "$work/$i.tsv" | sort -u)
  ngroups=$(wc -l <<< "$groups")
  while IFS=$'\t' read -r op dt rk rpn; do
    best="" bestd=999
    for j in "${pointwise[@]}"; do
      awk -F'\t' -v op="$op" -v dt="$dt" -v rk="$rk" -v rpn="$rpn" \
        '$1 == "predicted" && $2 == op && $4 == dt && $5 == rk && $7 == rpn { f = 1; exit } END { exit !f }' "$work/$j.tsv" || continue
      d=$(( $(treedist "${dir[i]}" "${dir[j]}") + 1 ))
      for a in $(names_in "${command[j]}" --against); do if refers_to "$a" "$i"; then d=0; fi; done
      if [ "$d" -lt "$bestd" ]; then best=$j bestd=$d; fi
    done
    base="busbw_$(tag "${rel[i]}")"
    [ "$ngroups" -eq 1 ] || base="${base}_${op}_${dt}_np${rk}_rpn${rpn}"
    pfile=/dev/null pcommit=""
    if [ -n "$best" ]; then pfile=$work/$best.tsv pcommit=${commit[best]}; fi
    awk -v op="$op" -v dtype="$dt" -v ranks="$rk" -v rpn="$rpn" -v dat="$work/$base.m" -v pdat="$work/$base.p" \
      -v vars="$work/$base.gpv" -v commit="${commit[i]}" -v pcommit="$pcommit" -v src="${rel[i]}" \
      -f "$here/lib.awk" -f "$here/busbw.awk" "$work/colors.tsv" "$work/$i.tsv" "$pfile" || exit 2
    render busbw.gp "$base" "vars='$work/$base.gpv'; meas='$work/$base.m'; pred='$work/$base.p'"
  done <<< "$groups"
done

# Prediction error vs size: profile and commit from the prediction file written by the same validate.
# A leave-one-out errors file (kind loo) draws its fit fold here: the plain error of the full fit.
for ((i = 0; i < n; i++)); do
  [ "${kind[i]}" = errors ] || [ "${kind[i]}" = loo ] || continue
  prof="" pc="unknown" against=""
  for j in "${pointwise[@]}"; do
    for e in $(names_in "${command[j]}" --errors); do
      if refers_to "$e" "$i" || { [ "$(basename "$e")" = "$(basename "${rel[i]}")" ] && [ "${dir[i]}" = "${dir[j]}" ]; }; then
        prof=$(awk -F'\t' '$1 == "predicted" { print $12; exit }' "$work/$j.tsv") pc=${commit[j]}
        against=$(names_in "${command[j]}" --against | head -1 | awk -F/ '{ print (NF > 1 ? $(NF - 1) "/" : "") $NF }')
      fi
    done
  done
  src=$work/$i.tsv breaks=0
  if [ "${kind[i]}" = loo ]; then  # the fit fold, one line per strategy and rank count
    src=$work/$i.fit.tsv breaks=1
    { printf 'kind\terrors\n'
      awk -F'\t' -v OFS='\t' '$1 != "kind" && $9 == "fit" { print $1, $2, $3, $4, $5, $6, $7, $8 }' "$work/$i.tsv" |
        LC_ALL=C sort -t $'\t' -s -k3,3n -k4,4n -k5,5g; } > "$src"
    [ "$(wc -l < "$src")" -gt 1 ] || continue
    prof=${prof:-$(sidecar "${path[i]}" profile_name)}
    [ "$pc" != unknown ] || pc=${commit[i]}
    rk=$(awk -F'\t' 'NR > 1 && !seen[$3]++ { print $3 }' "$src" | sort -n | paste -sd, - | sed 's/,/, /g')
  else
    rk=$(awk -F'\t' 'NR == 2 { print $3 }' "$work/$i.tsv")
  fi
  base="error_$(tag "${rel[i]}")"
  awk -v dat="$work/$base.d" -v vars="$work/$base.gpv" -v ttl="prediction error against size, per strategy" \
    -v subt="${prof:-unknown profile}, $rk ranks, commit $pc${against:+; measured: $against}$([ "$breaks" -eq 0 ] || echo "; fit on every rank count")" \
    -v breaks="$breaks" -f "$here/lib.awk" -f "$here/errors.awk" "$work/colors.tsv" "$src" || exit 2
  render error.gp "$base" "vars='$work/$base.gpv'; dat='$work/$base.d'"
done

# Leave-one-rank-count-out validation: per (strategy, op) of a `ccsim validate --leave-one-out
# --errors` file, measured busbw with the held_out and fit predictions, one colour per rank count.
for ((i = 0; i < n; i++)); do
  [ "${kind[i]}" = loo ] || continue
  prof=$(sidecar "${path[i]}" profile_name) nt=$(sidecar "${path[i]}" note)
  tail -n +2 "$work/$i.tsv" | LC_ALL=C sort -t $'\t' -s -k3,3n -k4,4n -k5,5g > "$work/$i.sorted.tsv"
  groups=$(awk -F'\t' 'NR > 1 && !seen[$1, $2]++ { print $1 "\t" $2 }' "$work/$i.tsv")
  ngroups=$(wc -l <<< "$groups")
  used=" "
  while IFS=$'\t' read -r s op; do
    base="loo_$(tag "${rel[i]}")"
    [ "$ngroups" -eq 1 ] || base="${base}_${s//[^A-Za-z0-9+._-]/_}_$op"
    b=$base k=1
    while [[ $used == *" $b "* ]]; do k=$((k + 1)) b="${base}_$k"; done  # names that sanitise alike
    base=$b used="$used$b "
    awk -v strategy="$s" -v op="$op" -v dat="$work/$base.d" -v vars="$work/$base.gpv" \
      -v ttl="leave-one-rank-count-out: $s $op, profile ${prof:-unknown}" \
      -v subt="held-out: predicted by a profile fitted without that rank count; key: errors from 64K; commit ${commit[i]}; ${rel[i]}${nt:+; $nt}" \
      -f "$here/lib.awk" -f "$here/loo.awk" "$work/$i.sorted.tsv" || exit 2
    render loo.gp "$base" "vars='$work/$base.gpv'; dat='$work/$base.d'"
  done <<< "$groups"
done

# Predicted scaling: per prediction over several rank counts, at the sizes of --sizes nearest to ones
# it holds; measured rows of the same profile (or all of them, --measured-as) as points.
mfiles=()
for i in "${measured[@]}"; do mfiles+=("$work/$i.tsv"); done
for i in "${scaling[@]}"; do
  while IFS=$'\t' read -r op dt; do
    chosen=$(awk -F'\t' -v op="$op" -v dt="$dt" -v want="${size_list[*]}" '
      $1 == "predicted" && $2 == op && $4 == dt { have[$8] = 1 }
      END { n = split(want, w, " ")
        for (i = 1; i <= n; i++) { best = ""
          for (b in have) { d = log(b / w[i]); if (d < 0) d = -d; if (best == "" || d < bd) { best = b; bd = d } }
          if (!(best in done)) { done[best] = 1; print best } } }' "$work/$i.tsv" | sort -n)
    prof=$(awk -F'\t' '$1 == "predicted" { p = $12; if ($7 > r) r = $7 } END { print p "\t" r }' "$work/$i.tsv")
    for size in $chosen; do
      base="scaling_$(tag "${rel[i]}")_${op}_${dt}_$(hbytes "$size")"
      awk -v op="$op" -v dtype="$dt" -v size="$size" -v alias="$measured_as" -v dat="$work/$base.p" -v mdat="$work/$base.m" \
        -v vars="$work/$base.gpv" \
        -v subt="${prof%%$'\t'*}, nodes of ${prof##*$'\t'} ranks, $dt, commit ${commit[i]}; ${rel[i]}" \
        -f "$here/lib.awk" -f "$here/scaling.awk" "$work/colors.tsv" "$work/$i.tsv" "${mfiles[@]}" || exit 2
      : >> "$work/$base.m"
      render scaling.gp "$base" "vars='$work/$base.gpv'; dat='$work/$base.p'; mdat='$work/$base.m'"
    done
  done < <(awk -F'\t' '$1 == "predicted" && !seen[$2, $4, $5]++ && ++r[$2, $4] == 3 { print $2 "\t" $4 }' "$work/$i.tsv")
done

# Training runs: the cctrain files of one directory (a --compare, or single runs side by side) and
# the summary.csv beside them when there is one.
train_dirs=$(for ((i = 0; i < n; i++)); do if [ "${kind[i]}" = train ]; then printf '%s\n' "${dir[i]}"; fi; done | sort -u)
summary_in() {  # summary_in DIR: the input number of DIR's --compare summary
  local i
  for ((i = 0; i < n; i++)); do if [ "${kind[i]}" = summary ] && [ "${dir[i]}" = "$1" ]; then echo "$i"; return; fi; done
  return 0
}
run_info() {  # run_info INPUT: "data, 4 ranks, L2 C64" from a cctrain sidecar
  local f=${path[$1]} d r l c
  d=$(sidecar "$f" data) r=$(sidecar_num "$f" ranks) l=$(sidecar_num "$f" layers) c=$(sidecar_num "$f" channels)
  echo "${d:-data unknown}${r:+, $r ranks}${l:+, GPT-2 L$l C$c}"
}
sidecar_num() { [ -f "$1.meta.json" ] && sed -n "s/^[[:space:]]*\"$2\": *\\([-0-9.eE+]*\\),\\{0,1\\}[[:space:]]*$/\\1/p" "$1.meta.json" | head -1; return 0; }
while IFS= read -r d; do
  tfiles=() first=""
  for ((i = 0; i < n; i++)); do
    if [ "${kind[i]}" = train ] && [ "${dir[i]}" = "$d" ]; then tfiles+=("$work/$i.tsv"); first=${first:-$i}; fi
  done
  [ ${#tfiles[@]} -gt 0 ] || continue
  s=$(summary_in "$d") order="" floor=""
  if [ -n "$s" ]; then
    order=$(awk -F'\t' 'NR > 1 { printf "%s ", $1 }' "$work/$s.tsv")
    floor=$(awk -F'\t' 'NR == 2 { print $6 }' "$work/$s.tsv")
  fi
  [ -n "$floor" ] && [ "$floor" != "-" ] || floor=$(sidecar_num "${path[first]}" loss_floor)
  steps=$(cat "${tfiles[@]}" | awk -F'\t' '$1 != "kind" { c[$2]++ } END { for (s in c) if (c[s] > m) m = c[s]; print m + 0 }')
  win=$(( steps / 50 > 5 ? steps / 50 : 5 ))
  ref=${s:-$first}
  base=${d:+_$(tag "$d")}
  for x in step time; do
    awk -v order="$order" -v floor="$floor" -v win="$win" -v dat="$work/loss$base.d" -v vars="$work/loss$base.gpv" \
      -v ttl="training loss against $([ $x = step ] && echo step || echo wall time), per gradient sync strategy" \
      -v subt="$(run_info "$ref"), $steps steps, commit ${commit[ref]}${d:+; $d}" \
      -f "$here/lib.awk" -f "$here/loss.awk" "$work/colors.tsv" "${tfiles[@]}" || exit 2
    render loss.gp "loss_${x}$base" "vars='$work/loss$base.gpv'; dat='$work/loss$base.d'; xcol=$([ $x = step ] && echo 1 || echo 2)"
  done
done <<< "$train_dirs"

# Per --compare summary: wire bytes vs loss gap; the step-time split, measured beside predicted where
# a step file predicts the run (same ranks and parameter count); the time to a target loss at scale
# for every step file that predicts at least two of its strategies over several ranks or bandwidths.
step_files=()
for ((i = 0; i < n; i++)); do if [ "${kind[i]}" = step ]; then step_files+=("$i"); fi; done
note() { local t; t=$(sidecar "${path[$1]}" note); echo "${t:+; $t}"; }  # a step file's caveat (ccsim step: compressors priced by default rates)
for ((i = 0; i < n; i++)); do
  [ "${kind[i]}" = summary ] || continue
  d=${dir[i]} suffix=${dir[i]:+_$(tag "${dir[i]}")}
  info="$(run_info "$i"), commit ${commit[i]}${d:+; $d}"
  awk -v dat="$work/gap$suffix.d" -v vars="$work/gap$suffix.gpv" \
    -v ttl="wire bytes against final loss, per gradient sync strategy" -v subt="$info" \
    -f "$here/lib.awk" -f "$here/gap.awk" "$work/colors.tsv" "$work/$i.tsv" || exit 2
  render gap.gp "wire_gap$suffix" "vars='$work/gap$suffix.gpv'; dat='$work/gap$suffix.d'"

  rk=$(sidecar_num "${path[i]}" ranks) np=$(sidecar_num "${path[i]}" parameters)
  : > "$work/steps$suffix.tsv"
  preds=""
  for j in "${step_files[@]}"; do
    if awk -F'\t' -v r="${rk:--1}" -v p="${np:--1}" 'NR == FNR { want[$1] = 1; next }
         FNR > 1 && ($2 in want) && $3 == r && $5 + 0 == p + 0 { f = 1 } END { exit !f }' \
         <(tail -n +2 "$work/$i.tsv") "$work/$j.tsv"; then
      tail -n +2 "$work/$j.tsv" >> "$work/steps$suffix.tsv"
      preds="$preds${preds:+, }$(awk -F'\t' 'NR == 2 { print $1 }' "$work/$j.tsv") (commit ${commit[j]})"
    fi
  done
  sed -i '1i kind\tstep' "$work/steps$suffix.tsv"
  awk -v mode=run -v ranks="${rk:--1}" -v params="${np:--1}" -v dat="$work/split$suffix.d" -v vars="$work/split$suffix.gpv" \
    -v ttl="step time split per strategy: measured (cctrain)${preds:+ and predicted (step model)}" \
    -v subt="$info${preds:+; predicted on $preds}" \
    -f "$here/lib.awk" -f "$here/split.awk" "$work/$i.tsv" "$work/steps$suffix.tsv" || exit 2
  render split.gp "split$suffix" "vars='$work/split$suffix.gpv'; dat='$work/split$suffix.d'"

  tfiles=()
  for ((k = 0; k < n; k++)); do if [ "${kind[k]}" = train ] && [ "${dir[k]}" = "$d" ]; then tfiles+=("$work/$k.tsv"); fi; done
  [ ${#tfiles[@]} -gt 0 ] || continue
  steps=$(cat "${tfiles[@]}" | awk -F'\t' '$1 != "kind" { c[$2]++ } END { for (s in c) if (c[s] > m) m = c[s]; print m + 0 }')
  win=$(( steps / 50 > 5 ? steps / 50 : 5 ))
  for j in "${step_files[@]}"; do
    awk -F'\t' 'NR == FNR { want[$1] = 1; next }
      FNR > 1 && ($2 in want) { s[$2] = 1; r[$3] = 1; b[$10] = 1 }
      END { for (x in s) ns++; for (x in r) nr++; for (x in b) nb++; exit !(ns >= 2 && (nr >= 2 || nb >= 2)) }' \
      <(tail -n +2 "$work/$i.tsv") "$work/$j.tsv" || continue
    base="ttt${suffix}_$(tag "${rel[j]}")" rc=0
    awk -v target="$target" -v win="$win" -v dat="$work/$base.d" -v bdat="$work/$base.b" -v vars="$work/$base.gpv" \
      -v ttl="predicted time to a target loss: steps of the training run x predicted step time" \
      -v subt="steps: $(run_info "$i"), commit ${commit[i]}; step time: $(awk -F'\t' 'NR == 2 { print $1 }' "$work/$j.tsv"), ${rel[j]} (commit ${commit[j]})$(note "$j")" \
      -f "$here/lib.awk" -f "$here/ttt.awk" "$work/colors.tsv" "$work/$i.tsv" "$work/$j.tsv" "${tfiles[@]}" \
      2> "$work/ttt.err" || rc=$?
    if [ "$rc" -eq 4 ]; then echo "$prog: no $base: $(cat "$work/ttt.err")" >&2; continue; fi
    [ "$rc" -eq 0 ] || { cat "$work/ttt.err" >&2; exit 2; }
    : >> "$work/$base.b"
    render ttt.gp "$base" "vars='$work/$base.gpv'; dat='$work/$base.d'; bdat='$work/$base.b'"
  done
done

# Predicted step split at scale: step files over several rank counts.
for j in "${step_files[@]}"; do
  awk -F'\t' 'FNR > 1 && !s[$3]++ { n++ } END { exit !(n >= 2) }' "$work/$j.tsv" || continue
  base="split_$(tag "${rel[j]}")"
  awk -v mode=scale -v dat="$work/$base.d" -v vars="$work/$base.gpv" \
    -v ttl="predicted step time split per strategy at several rank counts (labels: ranks)" \
    -v subt="$(awk -F'\t' 'NR == 2 { printf "%s, %.3g parameters", $1, $5 }' "$work/$j.tsv"), commit ${commit[j]}; ${rel[j]}$(note "$j")" \
    -f "$here/lib.awk" -f "$here/split.awk" /dev/null "$work/$j.tsv" || exit 2
  render split.gp "$base" "vars='$work/$base.gpv'; dat='$work/$base.d'"
done

other=""
[ "$skipped" -eq 0 ] || other=" ($skipped CSV files of other kinds skipped)"
say "$prog: ${#written[@]} files in $outdir$other"
