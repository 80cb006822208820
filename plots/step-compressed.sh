#!/usr/bin/env bash
# Predicted training step for strategies with a gradient compressor, which `ccsim step` does not
# model yet ("the cost model does not cover compressors yet"). A stopgap for the time-to-target plots:
# when ccsim step covers compressors, call it instead and delete this script.
#
#   plots/step-compressed.sh -p PROFILE (-s LIST | --summary summary.csv) --params N --compute-ms MS
#                            --csv OUT [options]
#
# Rows in ccsim step's CSV schema plus inter_GBps (docs/FORMATS.md), and OUT.meta.json. Per bucket of
# f32 gradients (docs/compress.md gives the payloads):
#   none (uncompressed)            the strategy's allreduce of the bucket in --grad-dtype
#   fp16, bf16, randk:r            the strategy's allreduce of the payload (reduce path)
#   int8, int4, qsgd, sign, topk   an allgather of P payloads (the strategy's allgather for ring, rd,
#                                  rabenseifner; ring's for the others)
#   powersgd:q                     two allreduces, q x rows and q x cols floats of the bucket viewed as
#                                  a near-square matrix
# each priced by `ccsim predict`, then the bucketed overlap with backward of docs/cost-model.md (the
# same arithmetic as ccsim step). Not modelled: encode/decode time (zero here), PowerSGD's
# orthogonalisation, top-k's selection: the predictions are the network's share, a lower bound.
#
# Options:
#   -p, --profile FILE        machine profile (required)
#   -s, --strategies LIST     strategies, e.g. ring,ring+int8,ring+topk:0.01+ef
#       --summary FILE        take the strategies from a cctrain --compare summary.csv instead
#       --params N            parameter count (e.g. 124e6; required)
#       --compute-ms MS       forward + backward per step (required)
#       --backward-fraction F share of compute that is backward (default 0.666667, as ccsim step)
#       --optimizer-ms MS     optimizer per step (default 0)
#       --bucket SIZE         gradient bucket (default 25M, as ccsim step)
#       --grad-dtype T        uncompressed gradients on the wire: f32, bf16, f16 (default f32)
#   -r, --ranks LIST          rank counts: 8,16 or 8..4096 (doubling); default the profile's
#       --ranks-per-node N    default the profile's
#       --bandwidths LIST     also sweep the inter-node bandwidth (GB/s, e.g. 1,3,10,30,100) ...
#       --at-ranks N          ... at this rank count (default: the largest of --ranks)
#       --ccsim BIN           ccsim to use (default: $CCSIM_BIN, else build*/bin/ccsim, else on PATH)
#       --csv FILE            output (required)
set -euo pipefail

prog=step-compressed.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "$prog: $*" >&2; exit 2; }

args="$*"
profile="" strategies="" summary="" params="" compute_ms="" backward_fraction=0.666667 optimizer_ms=0
bucket=25M grad_dtype=f32 ranks="" rpn="" bandwidths="" at_ranks="" ccsim=${CCSIM_BIN:-} csv=""
need() { [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"; }
while [ $# -gt 0 ]; do
  case "$1" in
    -p|--profile) need "$1" $#; profile=$2; shift ;;
    -s|--strategies) need "$1" $#; strategies=$2; shift ;;
    --summary) need "$1" $#; summary=$2; shift ;;
    --params) need "$1" $#; params=$2; shift ;;
    --compute-ms) need "$1" $#; compute_ms=$2; shift ;;
    --backward-fraction) need "$1" $#; backward_fraction=$2; shift ;;
    --optimizer-ms) need "$1" $#; optimizer_ms=$2; shift ;;
    --bucket) need "$1" $#; bucket=$2; shift ;;
    --grad-dtype) need "$1" $#; grad_dtype=$2; shift ;;
    -r|--ranks) need "$1" $#; ranks=$2; shift ;;
    --ranks-per-node) need "$1" $#; rpn=$2; shift ;;
    --bandwidths) need "$1" $#; bandwidths=$2; shift ;;
    --at-ranks) need "$1" $#; at_ranks=$2; shift ;;
    --ccsim) need "$1" $#; ccsim=$2; shift ;;
    --csv) need "$1" $#; csv=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

num='^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$'
[ -n "$profile" ] || die "--profile is required"
[ -f "$profile" ] || die "--profile: $profile: no such file"
[ -n "$csv" ] || die "--csv is required"
[[ $params =~ $num ]] || die "--params: '${params}' is not a number (e.g. 124e6)"
[[ $compute_ms =~ $num ]] || die "--compute-ms: '${compute_ms}' is not a number"
[[ $optimizer_ms =~ $num ]] || die "--optimizer-ms: '$optimizer_ms' is not a number"
[[ $backward_fraction =~ $num ]] && awk -v f="$backward_fraction" 'BEGIN { exit !(f <= 1) }' ||
  die "--backward-fraction: '$backward_fraction' is not between 0 and 1"
case "$grad_dtype" in f32) gbytes=4 ;; bf16|f16) gbytes=2 ;; *) die "--grad-dtype: '$grad_dtype' is not f32, bf16 or f16" ;; esac
bytes_of() {  # 25M -> 26214400
  local s=$1 m=1
  case "$s" in *[Kk]) m=1024; s=${s%?} ;; *[Mm]) m=1048576; s=${s%?} ;; *[Gg]) m=1073741824; s=${s%?} ;; esac
  [[ $s =~ ^[0-9]+$ ]] || return 1
  echo $((s * m))
}
bucket_bytes=$(bytes_of "$bucket") || die "--bucket: '$bucket' is not a size like 25M"

if [ -n "$summary" ]; then
  [ -z "$strategies" ] || die "give -s/--strategies or --summary, not both"
  [ -f "$summary" ] || die "--summary: $summary: no such file"
  strategies=$(awk -v name="$summary" -f "$here/lib.awk" -f "$here/read.awk" "$summary" |
    awk -F'\t' 'NR == 1 && $2 != "summary" { exit 1 } NR > 1 { printf "%s%s", (NR > 2 ? " " : ""), $1 }') ||
    die "--summary: $summary is not a cctrain --compare summary.csv"
else
  [ -n "$strategies" ] || die "-s/--strategies or --summary is required"
  # split at commas that start a strategy (a comma inside a compressor, as in topk:0.01,approx, stays)
  strategies=$(awk -v s="$strategies" 'BEGIN { n = split(s, p, ","); out = p[1]
    for (i = 2; i <= n; i++) out = out (p[i] ~ /^(ring|tree|btree|rd|rabenseifner|hier|mpi|nccl)/ ? " " : ",") p[i]
    print out }')
fi

if [ -z "$ccsim" ]; then
  for c in "$here"/../build*/bin/ccsim; do [ -x "$c" ] && { ccsim=$c; break; }; done
  [ -n "$ccsim" ] || ccsim=$(command -v ccsim || true)
fi
[ -n "$ccsim" ] && [ -x "$ccsim" ] || die "ccsim not found: build it or give --ccsim / CCSIM_BIN"

key() { awk -F= -v k="$2" '{ gsub(/[ \t]/, "", $1) } $1 == k { split($2, v, "#"); gsub(/[ \t]/, "", v[1]); print v[1]; exit }' "$1"; }
[ -n "$rpn" ] || rpn=$(key "$profile" ranks_per_node)
[ -n "$rpn" ] || rpn=1
if [ -z "$ranks" ]; then ranks=$(( rpn * $(key "$profile" nodes || echo 1) )); fi
rank_list=$(awk -v s="$ranks" 'BEGIN { n = split(s, p, ",")
  for (i = 1; i <= n; i++) {
    if (p[i] ~ /^[0-9]+\.\.[0-9]+$/) { split(p[i], r, "[.][.]"); for (x = r[1] + 0; x <= r[2] + 0; x *= 2) print x }
    else if (p[i] ~ /^[0-9]+$/) print p[i] + 0
    else exit 1 } }') || die "--ranks: '$ranks' is not a list like 8,16 or 8..4096"
beta_key=inter.beta_ns_per_byte
[ -n "$(key "$profile" $beta_key)" ] || beta_key=intra.beta_ns_per_byte
base_gbps=$(awk -v b="$(key "$profile" $beta_key)" 'BEGIN { printf "%.6g", 1 / b }')
bw_list=""
if [ -n "$bandwidths" ]; then
  bw_list=$(tr ',' '\n' <<< "$bandwidths")
  for b in $bw_list; do [[ $b =~ $num ]] || die "--bandwidths: '$b' is not a number of GB/s"; done
  [ -n "$at_ranks" ] || at_ranks=$(tail -1 <<< "$rank_list")
  [[ $at_ranks =~ ^[0-9]+$ ]] || die "--at-ranks: '$at_ranks' is not a rank count"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ccstep.XXXXXX")
trap 'rm -rf "$work"' EXIT
profile_at() {  # profile_at GBPS: a copy of the profile with that inter-node (or only) bandwidth
  local f=$work/bw_$1.profile
  [ -f "$f" ] || awk -v k="$beta_key" -v b="$(awk -v g="$1" 'BEGIN { printf "%.9g", 1 / g }')" '
    { key = $0; sub(/=.*/, "", key); gsub(/[ \t]/, "", key) }
    key == k { print k " = " b; next } { print }' "$profile" > "$f"
  echo "$f"
}
# times STRATEGY-PART PROFILE COLLECTIVE ALGO BYTES PER_RANK: "ranks time_us" lines for every rank
# count, the message being BYTES, or BYTES x ranks when PER_RANK is 1 (an allgather of P payloads).
# One ccsim call when the rank counts double (the sizes then double too), else one per rank count.
times() {
  local prof=$1 coll=$2 algo=$3 bytes=$4 per_rank=$5 out=$work/p.csv lo hi P
  rm -f "$out"
  if [ "$per_rank" -eq 0 ]; then
    "$ccsim" predict -p "$prof" -C "$coll" -s "$algo" -b "$bytes" -e "$bytes" --ranks "$rlist" \
      --ranks-per-node "$rpn" -q --csv "$out" > /dev/null 2> "$work/err" || true
  elif [ "$doubling" -eq 1 ]; then
    lo=$(( bytes * ranks_arr[0] )) hi=$(( bytes * ranks_arr[${#ranks_arr[@]} - 1] ))
    "$ccsim" predict -p "$prof" -C "$coll" -s "$algo" -b "$lo" -e "$hi" -f 2 --ranks "$rlist" \
      --ranks-per-node "$rpn" -q --csv "$out" > /dev/null 2> "$work/err" || true
  else
    for P in "${ranks_arr[@]}"; do
      "$ccsim" predict -p "$prof" -C "$coll" -s "$algo" -b $(( bytes * P )) -e $(( bytes * P )) --ranks "$P" \
        --ranks-per-node "$rpn" -q --csv "$work/one.csv" > /dev/null 2>> "$work/err" || continue
      if [ -f "$out" ]; then tail -n +2 "$work/one.csv" >> "$out"; else cp "$work/one.csv" "$out"; fi
    done
  fi
  [ -s "$out" ] || { echo "$prog: $algo $coll of $bytes B: $(head -1 "$work/err")" >&2; return 1; }
  awk -F, -v b="$bytes" -v pr="$per_rank" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["bytes"] == (pr ? b * $c["ranks"] : b) { print $c["ranks"], $c["time_us"] }' "$out"
}

# predict STRATEGY GBPS RANKS...: one row per rank count; buckets priced as the header says, then the
# overlap of sim/step.c.
predict() {
  local s=$1 gbps=$2 prof algo comp name arg ag grad full rest b tag
  shift 2
  ranks_arr=("$@") rlist=$(IFS=,; echo "$*") doubling=1
  for ((i = 1; i < ${#ranks_arr[@]}; i++)); do
    [ "${ranks_arr[i]}" -eq $(( 2 * ranks_arr[i - 1] )) ] || doubling=0
  done
  prof=$(profile_at "$gbps")
  algo=${s%%+*} comp=""
  [ "$algo" = "$s" ] || comp=${s#*+}
  comp=${comp%+ef} name=${comp%%:*} arg=""
  [ "$name" = "$comp" ] || arg=${comp#*:}
  arg=${arg%,approx} ag=$algo
  case "$algo" in ring|rd|rabenseifner|mpi) ;; *) ag=ring ;; esac
  grad=$(awk -v p="$params" -v g="$([ -z "$comp" ] && echo "$gbytes" || echo 4)" 'BEGIN { printf "%.0f", p * g }')
  read -r full rest < <(awk -v g="$grad" -v b="$bucket_bytes" 'BEGIN { if (b <= 0 || b > g) b = g
    printf "%.0f %.0f\n", b, g - int(g / b) * b }')
  : > "$work/t_full"; : > "$work/t_rest"
  for tag in full rest; do
    b=$([ $tag = full ] && echo "$full" || echo "$rest")
    [ "$b" -gt 0 ] || continue
    local n=$(( b / 4 )) pay
    case "$name" in
      "") times "$prof" allreduce "$algo" "$b" 0 ;;
      fp16|bf16) times "$prof" allreduce "$algo" $(( 2 * n )) 0 ;;
      randk) times "$prof" allreduce "$algo" "$(awk -v n="$n" -v r="$arg" 'BEGIN { k = r * n
        printf "%.0f", 4 * (k == int(k) ? k : int(k) + 1) }')" 0 ;;
      int8|qsgd|int4|sign|topk)
        pay=$(awk -v n="$n" -v c="$name" -v r="$arg" 'function up(x) { return x == int(x) ? x : int(x) + 1 }
          BEGIN { s = 4 * up(n / 256)
            if (c == "int8" || c == "qsgd") p = n + s; else if (c == "int4") p = up(n / 2) + s
            else if (c == "sign") p = up(n / 8) + s; else p = 4 + 8 * up(r * n)
            printf "%.0f", p }')
        times "$prof" allgather "$ag" "$pay" 1 ;;
      powersgd)  # P = M Q then Q = M^T P: q x rows and q x cols floats
        local rows cols
        read -r rows cols < <(awk -v n="$n" 'BEGIN { c = int(sqrt(n)); if (c * c < n) c++
          r = int(n / c); if (r * c < n) r++; print r, c }')
        { times "$prof" allreduce "$algo" $(( 4 * arg * rows )) 0 && times "$prof" allreduce "$algo" $(( 4 * arg * cols )) 0; } ;;
      *) echo "$prog: $s: compressor '$name' is not modelled here" >&2; false ;;
    esac > "$work/t_$tag" || { echo "$prog: skipping $s" >&2; return 0; }
  done
  awk -v OFS=, -v prof="$(key "$profile" name)" -v s="$s" -v rpn="$rpn" -v params="$params" -v grad="$grad" \
    -v bucket="$full" -v rest="$rest" -v c="$compute_ms" -v bf="$backward_fraction" -v opt="$optimizer_ms" \
    -v gbps="$gbps" -v want="$rlist" '
    FNR == 1 { f++ }
    { t[f, $1] += $2; have[f, $1] = 1 }  # powersgd: two allreduces per bucket add up
    END {
      n = split(want, R, ",")
      fwd = c * 1000 * (1 - bf); bwd = c * 1000 * bf; o = opt * 1000
      nfull = int(grad / bucket); nb = nfull + (rest > 0)
      for (k = 1; k <= n; k++) {
        P = R[k]
        if (!have[1, P] || (rest > 0 && !have[2, P])) { printf "step-compressed.sh: skipping %s at %d ranks\n", s, P > "/dev/stderr"; continue }
        tf = P > 1 ? t[1, P] : 0; tr = P > 1 ? t[2, P] : 0
        done = 0; produced = 0; comm = 0
        for (i = 0; i < nb; i++) {
          b = (i == nfull) ? rest : bucket; tt = (i == nfull) ? tr : tf
          produced += b; ready = bwd * produced / grad
          done = (done > ready ? done : ready) + tt; comm += tt
        }
        end = bwd > done ? bwd : done
        step = fwd + end + o
        printf "%s,\"%s\",%d,%d,%.0f,%.0f,%.0f,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%s\n", prof, s, P, rpn, params, grad,
          bucket, nb, fwd + bwd + o, comm, end - bwd, step, (fwd + bwd + o) / step, gbps
      } }' "$work/t_full" "$work/t_rest" >> "$work/out.csv"
}

: > "$work/out.csv"
for s in $strategies; do
  # shellcheck disable=SC2086
  predict "$s" "$base_gbps" $rank_list
  for b in $bw_list; do [ "$b" = "$base_gbps" ] || predict "$s" "$b" "$at_ranks"; done
done
[ -s "$work/out.csv" ] || die "no predictions (every strategy was skipped, see above)"
mkdir -p "$(dirname "$csv")"
{
  echo "profile,strategy,ranks,ranks_per_node,params,grad_bytes,bucket_bytes,buckets,compute_us,comm_us,exposed_comm_us,step_us,efficiency,inter_GBps"
  cat "$work/out.csv"
} > "$csv.partial"
mv "$csv.partial" "$csv"
commit=${CCBENCH_COMMIT:-$(git -C "$here" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)}
json() { local v=${1//\\/\\\\}; printf '"%s"' "${v//\"/\\\"}"; }
cat > "$csv.meta.json" <<EOF
{
  "tool": "plots/step-compressed.sh",
  "commit": $(json "$commit"),
  "date": "$(date -u +%FT%TZ)",
  "host": $(json "$(hostname)"),
  "command": $(json "plots/$prog $args"),
  "profile": $(json "$profile"),
  "ccsim": $(json "$ccsim"),
  "params": $params,
  "compute_ms": $compute_ms,
  "bucket_bytes": $bucket_bytes,
  "note": "network only: encode/decode time not modelled (ccsim step lacks compressors)"
}
EOF
echo "$prog: $(($(wc -l < "$csv") - 1)) predictions in $csv"
