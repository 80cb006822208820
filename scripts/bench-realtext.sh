#!/usr/bin/env bash
# cctrain on real text at nanoGPT's published CPU point, then the gradient compressors on the same run.
#
#   scripts/bench-realtext.sh [--data FILE] [--out DIR] [--steps N] [--seeds LIST] [--compare LIST]
#                             [--skip-point] [--skip-compare]
#
# nanoGPT's README trains a character-level GPT on tinyshakespeare on a CPU (4 layers, 4 heads, 128
# channels, context 64, batch 12, 2000 iterations, lr 1e-3 with 100 warm-up steps and cosine decay to
# 1e-4, AdamW betas (0.9, 0.99), weight decay 0.1, clip 1.0, no dropout, 90/10 split) and reports a
# validation loss of about 1.88. This runs that configuration with bytes as tokens (tinyshakespeare is
# ASCII, so a byte is a character; the vocabulary is 256 instead of 65) and nanoGPT's random batches
# (--sample random):
#   1. the point on 1 rank and on 2 ranks (the same global batch of 12), once per seed in --seeds;
#   2. --compare on 2 ranks: ring, ring+bf16 (the baseline to beat), int8, top-k 1% with error
#      feedback and PowerSGD rank 4 with error feedback (warm-started, as in its paper);
# validation over the whole held-out 10% every 250 steps and at the end.
#
#   --data FILE      the text (default ../shared/data/tinyshakespeare.txt); its sha256 goes in README.md
#   --out DIR        results (default results/realtext/<date>)
#   --steps N        iterations (default 2000; the schedule's length too)
#   --seeds LIST     seeds of the 1- and 2-rank point (default 1337,1,2)
#   --compare LIST   strategies of step 2 (default ring,ring+bf16,ring+int8,ring+topk:0.01+ef,ring+powersgd:4+ef)
#
# Writes DIR/point/np<P>_seed<S>.csv (+ sidecars), DIR/compress/ (cctrain --compare: one CSV per
# strategy and summary.csv), DIR/val_point.png and DIR/val_compress.png, and DIR/README.md with the
# tables. Needs a built tree (cmake --build build), mpirun and gnuplot.
set -euo pipefail
cd "$(dirname "$0")/.."

data=../shared/data/tinyshakespeare.txt out="" steps=2000 seeds=1337,1,2
compare=ring,ring+bf16,ring+int8,ring+topk:0.01+ef,ring+powersgd:4+ef
skip_point=0 skip_compare=0
die() { echo "bench-realtext.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --data|--out|--steps|--seeds|--compare) [ $# -ge 2 ] || die "$1 needs a value (see --help)" ;;&
    --data) data=$2; shift ;;
    --out) out=$2; shift ;;
    --steps) steps=$2; shift ;;
    --seeds) seeds=$2; shift ;;
    --compare) compare=$2; shift ;;
    --skip-point) skip_point=1 ;;
    --skip-compare) skip_compare=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
if ! [ -f "$data" ] || ! [ -r "$data" ]; then die "--data: '$data' is not a readable file"; fi
if ! [[ $steps =~ ^[0-9]+$ ]] || [ "$steps" -lt 1 ]; then die "--steps: '$steps' is not a step count"; fi
[[ $seeds =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--seeds: '$seeds' is not a comma list of seeds"
cctrain=build/bin/cctrain
[ -x "$cctrain" ] || die "$cctrain not found (build first: cmake --build build)"
command -v gnuplot >/dev/null || die "gnuplot not found (scripts/setup-deps.sh installs it)"
out=${out:-results/realtext/$(date +%F)}
mkdir -p "$out/point"
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1

point=(--data "$data" -L 4 --heads 4 -C 128 -T 64 -b 12 --steps "$steps" --lr 1e-3 --min-lr-frac 0.1 --warmup 100
       --beta1 0.9 --beta2 0.99 --weight-decay 0.1 --clip 1.0 --sample random --val-every 250 --val-batches 100000
       --no-progress)
train() {  # train NP LOG ARGS...
  local np=$1 log=$2
  shift 2
  echo "bench-realtext: mpirun -np $np cctrain ${point[*]} $*" >&2
  mpirun -q -np "$np" --bind-to none "$cctrain" "${point[@]}" "$@" > "$log" 2>&1 || { tail -n 5 "$log" >&2; exit 1; }
  grep '^# done' "$log" >&2 || true
}
final_val() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "val_loss") c = i; next } $c != "" { v = $c } END { print v }' "$1"; }
bytes_per_step() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wire_bytes") c = i; next } { s += $c; n++ } END { printf "%.0f", n ? s / n : 0 }' "$1"; }
val_points() {  # val_points CSV: "step val" lines of the rows with a validation loss
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "val_loss") c = i; next } $c != "" { print $1 + 1, $c }' "$1"
}

IFS=, read -r -a seed_list <<<"$seeds"
if [ "$skip_point" -eq 0 ]; then
  for seed in "${seed_list[@]}"; do
    for np in 1 2; do train "$np" "$out/point/np${np}_seed$seed.log" --seed "$seed" --csv "$out/point/np${np}_seed$seed.csv"; done
  done
fi
if [ "$skip_compare" -eq 0 ]; then
  mkdir -p "$out/compress"
  train 2 "$out/compress/compare.log" --seed "${seed_list[0]}" --compare "$compare" --out-dir "$out/compress"
fi

# Plots: validation loss against step.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
plot() {  # plot OUTFILE TITLE SUBTITLE REF "name=csv"... (no apostrophes in the texts: gnuplot -e quotes)
  local png=$1 ttl=$2 subt=$3 ref=$4 names="" pair
  shift 4
  : > "$work/val.dat"
  for pair in "$@"; do
    names+="${pair%%=*} "
    { val_points "${pair#*=}"; printf '\n\n'; } >> "$work/val.dat"
  done
  gnuplot -e "dir='plots'; out='$png'; fmt='png'; dat='$work/val.dat'; names='$names'; ttl='$ttl'; subt='$subt'; ref=$ref; reflabel='nanoGPT, same configuration: 1.88'" plots/valloss.gp
  echo "bench-realtext: $png" >&2
}
# The commit cctrain was built from, as its sidecars say (the checkout may have moved on since).
commit=$(cat "$out"/point/*.meta.json "$out"/compress/*.meta.json 2>/dev/null | sed -n 's/^ *"commit": *"\([^"]*\)".*/\1/p' | head -1)
commit=${commit:-unknown}
pairs=()
for f in "$out"/point/np*_seed*.csv; do [ -f "$f" ] && pairs+=("$(basename "$f" .csv)=$f"); done
[ ${#pairs[@]} -eq 0 ] || plot "$out/val_point.png" "GPT-2 L4 C128 T64 on tinyshakespeare (bytes), the nanoGPT CPU point" \
  "batch 12, $steps steps, cctrain commit $commit" 1.88 "${pairs[@]}"
pairs=()
IFS=, read -r -a strategies <<<"$compare"
for s in "${strategies[@]}"; do
  f="$out/compress/train_$(tr ':/,' '___' <<<"$s").csv"
  [ -f "$f" ] && pairs+=("$s=$f")
done
[ ${#pairs[@]} -eq 0 ] || plot "$out/val_compress.png" "gradient compression on real text, 2 ranks" \
  "the same run per strategy, cctrain commit $commit" 1.88 "${pairs[@]}"

# README.md: the tables.
{
  echo "# cctrain on tinyshakespeare at nanoGPT's CPU point"
  echo
  echo "Made by \`scripts/bench-realtext.sh\` (its header gives the configuration) at commit $commit on $(hostname),"
  echo "$(date -u +%FT%TZ). Data: \`$(basename "$data")\`, sha256 \`$(sha256sum "$data" | cut -d' ' -f1)\`, $(wc -c <"$data") bytes"
  echo "(not committed). Bytes are the tokens (vocabulary 256); batches are drawn at random positions as nanoGPT's."
  echo
  if ls "$out"/point/np*_seed*.csv >/dev/null 2>&1; then
    echo "## The point: validation loss after $steps steps (nanoGPT reports about 1.88, a later re-run 1.8857)"
    echo
    echo "| run | ranks | seed | validation loss | ms per step |"
    echo "| --- | --- | --- | --- | --- |"
    for f in "$out"/point/np*_seed*.csv; do
      b=$(basename "$f" .csv) np=${b#np} np=${np%%_*} seed=${b##*seed}
      ms=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "step_ms") c = i; next } { s += $c; n++ } END { printf "%.1f", s / n }' "$f")
      echo "| $b | $np | $seed | $(final_val "$f") | $ms |"
    done
    echo
    for np in 1 2; do
      ls "$out/point/np${np}"_seed*.csv >/dev/null 2>&1 || continue
      for f in "$out/point/np${np}"_seed*.csv; do final_val "$f"; done |
        awk -v np="$np" '{ s += $1; n++; if (n == 1 || $1 < lo) lo = $1; if (n == 1 || $1 > hi) hi = $1 }
          END { printf "%d rank(s): mean %.4f over %d seed(s), from %.4f to %.4f.\n", np, s / n, n, lo, hi }'
    done
    echo
    echo "![validation loss](val_point.png)"
    echo
  fi
  if [ -f "$out/compress/summary.csv" ]; then
    echo "## Compression on the same run (2 ranks, seed ${seed_list[0]})"
    echo
    echo "Gap: final validation loss minus ring's. Bytes: what one rank sent per step (ring's wire bytes)."
    echo
    echo "| strategy | validation loss | gap to ring | bytes per step | payload ratio | ms per step |"
    echo "| --- | --- | --- | --- | --- | --- |"
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
      { printf "| %s | %.4f | %s | %.0f | %s | %.1f |\n", $c["strategy"], $c["final_val_loss"],
        $c["val_loss_gap"] == "" ? "-" : sprintf("%+.4f", $c["val_loss_gap"]), $c["wire_bytes_per_step"],
        $c["payload_ratio"], $c["step_ms"] }' "$out/compress/summary.csv"
    echo
    echo "![validation loss per strategy](val_compress.png)"
  fi
} > "$out/README.md.partial"
mv "$out/README.md.partial" "$out/README.md"
echo "bench-realtext: $out/README.md" >&2
