#!/usr/bin/env bash
# The cost model's acceptance run on one host: two independent ccbench sweeps (A and B), a profile
# calibrated on A, validated against B, and the noise floor (how far A and B differ from each other).
#
#   scripts/calibrate-host.sh [--np "2 4"] [--machine NAME] [--out DIR] [--iters N] [--maxbytes SIZE]
#
# Writes DIR/sweep-a/, DIR/sweep-b/ (bench-host.sh output), DIR/validation/{calibrate.txt,
# validate_np<P>.txt, errors_np<P>.csv, predicted_np<P>.csv, sweep_noise_np<P>.txt} and the profile
# DIR/<machine>.profile. DIR defaults to results/<machine>/<date>/calibration. Expects a built tree.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/host-args.sh
host_args 100 "$@"
out=${out:-results/$machine/$(date +%F)/calibration}
sim=${CCSIM_BIN:-build/bin/ccsim}
[ -x "$sim" ] || { echo "calibrate-host.sh: $sim not found; build first (cmake --build build)" >&2; exit 2; }
mkdir -p "$out/validation"

for sweep in a b; do
  echo "calibrate-host: sweep $sweep"
  CCBENCH_MACHINE=$machine scripts/bench-host.sh --np "$nps" --out "$out/sweep-$sweep" --iters "$iters" \
    --maxbytes "$maxbytes"
done

from=()
for np in $nps; do from+=(--from "$out/sweep-a/allreduce_np$np.csv"); done
"$sim" calibrate "${from[@]}" --levels 1 --name "$machine" -o "$out/$machine.profile" | tee "$out/validation/calibrate.txt"
for np in $nps; do
  "$sim" validate -p "$out/$machine.profile" --against "$out/sweep-b/allreduce_np$np.csv" \
    --csv "$out/validation/predicted_np$np.csv" --errors "$out/validation/errors_np$np.csv" \
    | tee "$out/validation/validate_np$np.txt"
  scripts/sweep-noise.sh "$out/sweep-a/allreduce_np$np.csv" "$out/sweep-b/allreduce_np$np.csv" \
    | tee "$out/validation/sweep_noise_np$np.txt"
done
echo "calibrate-host: profile $out/$machine.profile, validation in $out/validation"
