#!/usr/bin/env bash
# ccsim on an emulated cluster (scripts/netcluster.sh), and the measured break-even of gradient
# compression on it. Two parts, each can be left out:
#
# 1. Sweeps: two ccbench sweeps (A, B) on 2 nodes x 2 ranks at 100 Mbit/s and one at 30 Mbit/s; ccsim
#    calibrate on A with the cluster's network as the hardware (1 NIC per node at the rate), validate on
#    B, and on the 30 Mbit/s sweep with only nic_GBps changed. The fitted profile prices part 2.
# 2. Break-even: cctrain across 2 nodes (one rank per node) at several link rates, once per strategy,
#    beside ccsim step's prediction of the same steps; for each compressor, the rate below which it
#    reaches the target validation loss sooner than uncompressed ring, measured and predicted.
#
#   scripts/bench-netcluster.sh [--out DIR] [--no-sweeps --profile FILE] [--no-breakeven] [--rates LIST]
#                               [--full-from RATE] [--strategies LIST] [--steps N] [--short N] [--quick]
#                               [-- cctrain flags...]
#
#   --out DIR          results (default results/netcluster/<date>): sweeps/ and breakeven/
#   --no-sweeps        skip part 1; --profile FILE is then the cluster's profile (nics_per_node,
#                      nic_GBps; compress.* rates price encode and decode)
#   --no-breakeven     skip part 2
#   --rates LIST       link rates in Mbit/s (default 10,30,100,300)
#   --full-from RATE   at this rate and above every run trains all --steps; below, runs stop after
#                      --short steps and the time to target is steps to target x their median step
#                      (training is bit-identical at every rate: checked on the steps both have)
#                      (default 100)
#   --strategies LIST  default ring,ring+bf16,ring+topk:0.01+ef,ring+powersgd:4+ef; the first is the
#                      baseline every compressor is compared with (a name with a comma, such as
#                      topk:0.01,approx, cannot be given: the list is split at commas)
#   --steps N          optimizer steps of a full run (default 300); --short N: steps of a short run (20)
#   --quick            sweeps of 4 MiB only, 2 rates (30, 300), 60 steps, short runs of 8: a few minutes
#                      (scripts/demo.sh)
#   cctrain flags      after --, replace the model below in every run
#
# The model: GPT-2 L4 C128 (818k parameters, 3.3 MB of f32 gradients) on an order-1 Markov source of 32
# tokens, global batch 16 of 64 tokens, validation every 10 steps. The target is the validation loss
# the baseline reaches a third of the way through its run. The compressors' encode and decode rates in
# the profile come from profiles/c-kernels-2c.profile (this VM kind). Needs root and netns
# (scripts/netcluster.sh); about 25 minutes with the defaults on a 2-core VM (sweeps 12, training 13).
set -euo pipefail
cd "$(dirname "$0")/.."

profile="" top="" rates=10,30,100,300 full_from=100 steps=300 short=20 quick=0 build=build sweeps=1 breakeven=1
strategies=ring,ring+bf16,ring+topk:0.01+ef,ring+powersgd:4+ef
model=(-L 4 -C 128 --heads 4 -T 64 -b 16 --markov-vocab 32 --markov-order 1 --lr 1e-2 --warmup 20 --val-every 10
  --val-batches 8)
die() { echo "bench-netcluster.sh: $*" >&2; exit 2; }
need() { [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) need "$1" $#; profile=$2; shift ;;
    --out) need "$1" $#; top=$2; shift ;;
    --rates) need "$1" $#; rates=$2; shift ;;
    --full-from) need "$1" $#; full_from=$2; shift ;;
    --strategies) need "$1" $#; strategies=$2; shift ;;
    --steps) need "$1" $#; steps=$2; shift ;;
    --short) need "$1" $#; short=$2; shift ;;
    --build-dir) need "$1" $#; build=$2; shift ;;
    --quick) quick=1 ;;
    --no-sweeps) sweeps=0 ;;
    --no-breakeven) breakeven=0 ;;
    --) shift; model=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
if [ "$quick" -eq 1 ]; then rates=30,300 full_from=300 steps=60 short=8; fi
[ "$sweeps" -eq 1 ] || [ "$breakeven" -eq 1 ] || die "--no-sweeps with --no-breakeven leaves nothing to do"
if [ "$sweeps" -eq 1 ]; then
  [ -z "$profile" ] || die "--profile: only with --no-sweeps (the sweeps fit the profile)"
elif [ "$breakeven" -eq 1 ]; then
  [ -n "$profile" ] || die "--no-sweeps needs --profile FILE (a profile of the cluster with nics_per_node and nic_GBps)"
  [ -r "$profile" ] || die "--profile: cannot read '$profile'"
  grep -qE '^nic_GBps *=' "$profile" || die "--profile: $profile has no nic_GBps (the node's network the rates vary)"
fi
[[ $rates =~ ^[0-9]+(\.[0-9]+)?(,[0-9]+(\.[0-9]+)?)*$ ]] || die "--rates: '$rates' is not a list of Mbit/s"
[[ $steps =~ ^[0-9]+$ ]] && [ "$steps" -ge 20 ] || die "--steps: '$steps' is not a step count of 20 or more"
[[ $short =~ ^[0-9]+$ ]] && [ "$short" -ge 3 ] && [ "$short" -le "$steps" ] || die "--short: '$short' is not 3..--steps"
for t in ccbench cctrain ccsim; do [ -x "$build/bin/$t" ] || die "$build/bin/$t not found (build first)"; done
[ "$(id -u)" -eq 0 ] || die "needs root (scripts/netcluster.sh makes network namespaces)"
top=${top:-results/netcluster/$(date +%F)}
export NETCLUSTER_NAME=${NETCLUSTER_NAME:-ccbe} NETCLUSTER_NET=${NETCLUSTER_NET:-234}
trap 'scripts/netcluster.sh down >/dev/null 2>&1 || true' EXIT

# --- part 1: sweeps, calibration, validation -------------------------------------------------------
sweep() {  # sweep NAME RATE_MBIT MIN MAX ITERS
  scripts/netcluster.sh up --nodes 2 --rate "$2mbit"
  echo "bench-netcluster: sweep $1: 2 nodes x 2 ranks at $2 Mbit/s, $3 .. $4, $5 iterations -> $sw/$1.csv"
  scripts/netcluster.sh mpirun --ranks-per-node 2 -- "$build/bin/ccbench" -b "$3" -e "$4" -f 2 \
    -s ring,tree,rd,rabenseifner,hier:ring/ring,mpi -n "$5" -w 1 --check --no-progress --csv "$sw/$1.csv" >"$sw/$1.txt"
  grep -E "^# +[a-z:/]+ +[0-9.]+ +[0-9.]+$|Wrong" "$sw/$1.txt"
}
if [ "$sweeps" -eq 1 ]; then
  sw=$top/sweeps
  mkdir -p "$sw"
  if [ "$quick" -eq 1 ]; then
    sweep sweepA_100mbit 100 4M 4M 3; sweep sweepB_100mbit 100 4M 4M 3; sweep sweep_30mbit 30 4M 4M 3
  else
    sweep sweepA_100mbit 100 256K 16M 5; sweep sweepB_100mbit 100 256K 16M 5; sweep sweep_30mbit 30 1M 8M 3
  fi
  scripts/netcluster.sh down
  # The hardware: one NIC per node at the tbf rate; the rest is fitted on sweep A.
  {
    echo "name = netcluster-100mbit"
    echo "source = scripts/netcluster.sh: 2 nodes, tbf at 100 Mbit/s each way per node"
    printf 'ranks_per_node = 2\nnodes = 2\nbase_us = 0\nintra.alpha_us = 0\nintra.beta_ns_per_byte = 0\n'
    printf 'intra.gamma_ns_per_byte = 0\nnics_per_node = 1\nnic_GBps = 0.0125\n'
    grep -E '^compress\.' profiles/c-kernels-2c.profile
  } >"$sw/hardware_100mbit.profile"
  "$build/bin/ccsim" calibrate --from "$sw/sweepA_100mbit.csv" -p "$sw/hardware_100mbit.profile" \
    -o "$sw/netcluster-100mbit.profile" >"$sw/calibrate.txt"
  grep -E "^# (host|inter|network)" "$sw/calibrate.txt"
  # Another rate: nic_GBps changed, nothing else.
  sed 's/^nic_GBps = .*/nic_GBps = 0.00375/' "$sw/netcluster-100mbit.profile" >"$sw/netcluster-30mbit.profile"
  for pair in sweepB_100mbit:netcluster-100mbit sweep_30mbit:netcluster-30mbit; do
    rows=${pair%%:*} prof=${pair#*:}
    "$build/bin/ccsim" validate -p "$sw/$prof.profile" --against "$sw/$rows.csv" --report-min 4M \
      --errors "$sw/errors_$rows.csv" --csv "$sw/predicted_$rows.csv" >"$sw/validate_$rows.txt"
    echo "bench-netcluster: $prof.profile against $rows (sizes >= 4 MiB in the last column):"
    grep -E "^(all|mpi|ring|hier)" "$sw/validate_$rows.txt"
  done
  profile=$sw/netcluster-100mbit.profile
fi
[ "$breakeven" -eq 1 ] || exit 0

# --- part 2: the break-even of compression -------------------------------------------------------
out=$top/breakeven
mkdir -p "$out"
IFS=, read -r -a rate_list <<<"$rates"
IFS=, read -r -a strategy_list <<<"$strategies"
file_of() { echo "$out/train_${1}mbit_$(echo "$2" | tr ':/,+' '____').csv"; }

# 2a. Train: every strategy at every rate (full runs from --full-from up, short runs below).
for rate in "${rate_list[@]}"; do
  scripts/netcluster.sh up --nodes 2 --rate "${rate}mbit"
  for s in "${strategy_list[@]}"; do
    f=$(file_of "$rate" "$s")
    stop=$steps
    awk -v r="$rate" -v f="$full_from" 'BEGIN { exit !(r < f) }' && stop=$short
    echo "bench-netcluster: $s at $rate Mbit/s, $stop of $steps steps -> $f"
    scripts/netcluster.sh mpirun -- "$build/bin/cctrain" "${model[@]}" --steps "$steps" --stop-at "$stop" -s "$s" \
      --no-progress --csv "$f" >"${f%.csv}.txt"
    tail -n 1 "${f%.csv}.txt"
  done
done
scripts/netcluster.sh down

# 2b. Steps to the target: the baseline's validation loss a third of the way through (full runs).
full_rate=$(printf '%s\n' "${rate_list[@]}" | awk -v f="$full_from" '$1 >= f' | sort -g | tail -1)
[ -n "$full_rate" ] || die "--full-from $full_from: no rate of --rates is that high, so no run trained all steps"
base=${strategy_list[0]}
target=$(awk -F, -v half=$((steps / 3)) 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["val_loss"] != "" && $c["step"] + 1 >= half && t == "" { t = $c["val_loss"] } END { print t }' "$(file_of "$full_rate" "$base")")
[ -n "$target" ] || die "no validation loss in $(file_of "$full_rate" "$base")"
echo "bench-netcluster: target validation loss $target ($base a third of the way, at step $((steps / 3)))"

# Per run: steps to target (first validation at or below it, from the full run), the median step time
# after the first, and the measured time to target (sum of step_ms up to it; full runs only).
summary=$out/measured.csv
echo "strategy,rate_mbit,steps_to_target,step_ms,time_to_target_s,measured_directly" >"$summary"
for s in "${strategy_list[@]}"; do
  full=$(file_of "$full_rate" "$s")
  reach=$(awk -F, -v t="$target" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["val_loss"] != "" && $c["val_loss"] <= t { print $c["step"] + 1; exit }' "$full")
  for rate in "${rate_list[@]}"; do
    f=$(file_of "$rate" "$s")
    # The same bits at every rate: the losses of the steps both runs have must agree exactly.
    if ! cmp -s <(cut -d, -f1-3 "$f") <(head -n "$(wc -l <"$f")" "$full" | cut -d, -f1-3); then
      die "$f: its losses differ from $full's on the steps both ran (training should not depend on the link)"
    fi
    awk -F, -v s="$s" -v r="$rate" -v reach="${reach:-}" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
      { n++; ms[n] = $c["step_ms"]; if (reach != "" && n <= reach) sum += $c["step_ms"] }
      END { k = 0; for (i = 2; i <= n; i++) v[++k] = ms[i]  # the median step after the first
            for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
            med = k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
            if (reach == "") { printf "%s,%s,,%.3f,,0\n", s, r, med; exit }
            direct = n >= reach
            printf "%s,%s,%d,%.3f,%.3f,%d\n", s, r, reach, med, direct ? sum / 1000 : reach * med / 1000, direct }' "$f" >>"$summary"
  done
done

# 2c. Predicted: ccsim step at each rate (no overlap: cctrain syncs after the whole backward pass), from
# the baseline's measured compute and optimizer time at the fastest rate; a fine grid of rates for the
# predicted break-even.
ref=$(file_of "$full_rate" "$base")
read -r compute optim params < <(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  NR > 2 { n++; cm[n] = $c["compute_ms"]; om[n] = $c["optim_ms"]; p = $c["payload_bytes"] / 4 }
  END { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) { if (cm[j] < cm[i]) { x = cm[i]; cm[i] = cm[j]; cm[j] = x }
                                                               if (om[j] < om[i]) { x = om[i]; om[i] = om[j]; om[j] = x } }
        printf "%.3f %.3f %d\n", cm[int((n + 1) / 2)], om[int((n + 1) / 2)], p }' "$ref")
grid=$( (printf '%s\n' "${rate_list[@]}"; awk 'BEGIN { for (r = 3; r <= 3000; r *= 10 ^ 0.05) printf "%.4g\n", r }') |
  sort -gu | awk '{ printf "%s%.6g", (NR > 1 ? "," : ""), $1 / 8000 }')
"$build/bin/ccsim" step -p "$profile" -s "$strategies" --params "$params" --compute-ms "$compute" --optimizer-ms "$optim" \
  --backward-fraction 0 --bucket 0 --ranks 2 --ranks-per-node 1 --bandwidths "$grid" --at-ranks 2 \
  --csv "$out/predicted_step.csv" >"$out/predicted_step.txt"

# 2d. The table and the break-even rates (log-linear interpolation where a compressor's time to target
# crosses the baseline's).
awk -v base="$base" -v target="$target" -v table="$out/breakeven.csv" -v curve="$out/predicted.csv" \
  -f plots/breakeven.awk "$summary" "$out/predicted_step.csv" >"$out/breakeven.txt"
cat "$out/breakeven.txt"
if command -v gnuplot >/dev/null; then
  gnuplot -e "measured='$out/breakeven.csv'; predicted='$out/predicted.csv'; out='$out/breakeven.png'; base='$base'; target='$target'" \
    plots/breakeven.gp && echo "bench-netcluster: plot $out/breakeven.png"
fi
