#!/usr/bin/env bash
# plots/plot.sh renders every plot from the fixture (fixture.sh): each expected PNG and SVG exists, is
# more than a blank canvas, and nothing else is written; gnuplot said nothing (plot.sh stops on any
# gnuplot message, warnings included).
#
#   plots/tests/render.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/plots_render.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() { echo "plots_render: $*" >&2; exit 1; }

"$here/fixture.sh" "$dir/run"
"$here/../plot.sh" "$dir/run" > "$dir/stdout" 2> "$dir/stderr" || fail "plot.sh exited $?: $(cat "$dir/stderr")"
[ ! -s "$dir/stderr" ] || fail "plot.sh wrote to stderr: $(cat "$dir/stderr")"

expected="busbw_allreduce_np4 error_validation_errors_np4 scaling_predicted_scaling_allreduce_f32_64K
  scaling_predicted_scaling_allreduce_f32_1M loss_step_train loss_time_train wire_gap_train split_train
  ttt_train_step_ttt split_step_scale split_step_ttt"
want=$(for b in $expected; do echo "$b.png"; echo "$b.svg"; done | sort)
got=$(find "$dir/run/plots" -type f -printf '%f\n' | sort)
[ "$got" = "$want" ] || fail "files written differ from the expected ones: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"
for b in $expected; do
  png=$dir/run/plots/$b.png svg=$dir/run/plots/$b.svg
  grep -qF "$png" "$dir/stdout" || fail "$b.png was written but not printed"
  [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$b.png is not a PNG"
  [ "$(stat -c %s "$png")" -gt 15000 ] || fail "$b.png is only $(stat -c %s "$png") bytes"
  grep -q '<svg' "$svg" || fail "$b.svg is not an SVG"
  [ "$(stat -c %s "$svg")" -gt 8000 ] || fail "$b.svg is only $(stat -c %s "$svg") bytes"
done
tail -1 "$dir/stdout" | grep -q "22 files in .*1 CSV files of other kinds skipped" || fail "summary line: $(tail -1 "$dir/stdout")"

# -f png and -o: only PNGs, in the named directory; a single file argument works with -o.
"$here/../plot.sh" "$dir/run" -o "$dir/png" -f png -q || fail "-f png -o failed"
pngs=$(find "$dir/png" -type f -printf '%f\n')
[ "$(grep -c '\.png$' <<< "$pngs")" -eq 11 ] && [ "$(wc -l <<< "$pngs")" -eq 11 ] || fail "-f png wrote $(tr '\n' ' ' <<< "$pngs")"
"$here/../plot.sh" "$dir/run/validation/errors_np4.csv" -o "$dir/one" -f svg -q || fail "one file failed"
one=$(find "$dir/one" -type f -printf '%f ')
[ "$one" = "error_errors_np4.svg " ] || fail "one file wrote $one"
# busbw pairs a sweep with the prediction that validated it (the sidecar's --against names it), not
# with another one at the same distance whose --against only ends in the same file name.
mkdir -p "$dir/run/decoy"
sed 's/,fixture$/,decoy/' "$dir/run/validation/predicted_np4.csv" > "$dir/run/decoy/predicted_np4.csv"
printf '{\n  "commit": "dec0y",\n  "command": "validate -p d.profile --against /elsewhere/allreduce_np4.csv"\n}\n' \
  > "$dir/run/decoy/predicted_np4.csv.meta.json"
PLOTS_KEEP=1 "$here/../plot.sh" "$dir/run" -o "$dir/pair" -f png -q 2> "$dir/keep" || fail "decoy run failed"
data=$(sed -n 's/^plot.sh: data kept in //p' "$dir/keep")
grep -q 'ptitle = "dashed: predicted, fixture' "$data/busbw_allreduce_np4.gpv" ||
  fail "busbw took the decoy prediction: $(grep ptitle "$data/busbw_allreduce_np4.gpv")"
rm -rf "$data"
echo "plots_render: $(echo "$expected" | wc -w) plots in PNG and SVG, the -f/-o/single-file variants, the validated pairing"
