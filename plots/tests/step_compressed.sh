#!/usr/bin/env bash
# ccsim step's predictions of compressed strategies, as the time-to-target and split plots read them:
# uncompressed lines are ccsim step's own (the bandwidth column aside), ring+fp16 with free encode and
# decode is ring with bf16 gradients in buckets of half the bytes (compressed buckets are cut from the
# f32 gradient, as cctrain cuts them), the allgather path slows with bandwidth and grows with ranks,
# the sidecar names compressors priced by default rates, and plot.sh draws the time to target from a
# real ccsim step file.
#
#   plots/tests/step_compressed.sh CCSIM
set -euo pipefail
ccsim=${1:?usage: step_compressed.sh CCSIM}
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
dir=$(mktemp -d "${TMPDIR:-/tmp}/plots_step.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() { echo "plots_step_compressed: $*" >&2; exit 1; }
prof=$root/profiles/h100-ib-cluster.profile
common=(--params 124e6 --compute-ms 140 --ranks 8..1024)

"$ccsim" step -p "$prof" -s ring,hier:ring/ring,ring+fp16,ring+int8,ring+topk:0.01,approx+ef,ring+powersgd:4+ef \
  "${common[@]}" --bandwidths 1,10 --at-ranks 64 --csv "$dir/ours.csv" > /dev/null 2> "$dir/warn"
"$ccsim" step -p "$prof" -s ring,hier:ring/ring "${common[@]}" --csv "$dir/f32.csv" > /dev/null
[ -f "$dir/ours.csv.meta.json" ] || fail "no sidecar"
grep -q '"note": "default encode/decode rates for fp16, int8, topk:0.01,approx+ef, powersgd:4+ef (no compress' \
  "$dir/ours.csv.meta.json" || fail "sidecar note: $(grep note "$dir/ours.csv.meta.json")"
[ "$(wc -l < "$dir/warn")" -eq 1 ] || fail "want one warning naming the defaults, got: $(cat "$dir/warn")"

# the uncompressed lines at the profile's own rate (its NICs' 50 GB/s: with a network, --bandwidths varies
# the NIC rate) are ccsim step's without --bandwidths
diff <(awk -F, '$NF == 50 || NR == 1' "$dir/ours.csv" | grep -E '^(profile|[^,]*,(ring|hier:ring/ring),)' |
         sed 's/,[^,]*$//') "$dir/f32.csv" > /dev/null || fail "uncompressed lines differ from ccsim step's"

# ring+fp16 with encode and decode free = ring with bf16 gradients, buckets of 12.5 MiB
{ cat "$prof"; printf 'compress.fp16.encode_ns_per_elem = 0\ncompress.fp16.decode_ns_per_elem = 0\n'; } > "$dir/free.profile"
"$ccsim" step -p "$dir/free.profile" -s ring+fp16 "${common[@]}" --csv "$dir/fp16.csv" > /dev/null
"$ccsim" step -p "$prof" -s ring --grad-dtype bf16 --bucket 13107200 "${common[@]}" --csv "$dir/bf16.csv" > /dev/null
paste -d, "$dir/fp16.csv" "$dir/bf16.csv" | awk -F, 'NR > 1 { for (c = 10; c <= 12; c++) { d = $c - $(c + 13)
    if (d < 0) d = -d; if (d > 1e-6 * $(c + 13)) exit 1 }; n++ } END { exit n != 8 }' ||
  fail "ring+fp16 without encode/decode differs from ring with bf16 gradients"
# ... and with the default rates it costs more
awk -F, 'NR > 1 && $2 == "ring+fp16" && $3 == 8 && $14 == 50 { c = $10 } END { print c }' "$dir/ours.csv" > "$dir/c"
awk -F, -v c="$(cat "$dir/c")" 'NR == 2 { exit !(c > $10) }' "$dir/fp16.csv" || fail "encode/decode add nothing"

# every strategy at every rank count, plus the two bandwidths at 64 ranks
rows=$(($(wc -l < "$dir/ours.csv") - 1))
[ "$rows" -eq $((6 * 8 + 6 * 2)) ] || fail "$rows rows, want 60"
grep -q '^h100-ib-cluster,"ring+topk:0.01,approx+ef",' "$dir/ours.csv" || fail "a strategy with a comma is not quoted"
awk -F, 'NR > 1 && $2 == "ring+int8" && $3 == 64 { t[$14] = $12 }
  END { exit !(t[1] > t[10] && t[10] >= t[50]) }' "$dir/ours.csv" || fail "ring+int8 does not slow down with less bandwidth"
# the allgather path grows with the ranks: int8's communication at 1024 ranks is far above ring's
awk -F, 'NR > 1 && $3 == 1024 && $14 == 50 { c[$2] = $10 }
  END { exit !(c["ring+int8"] > 10 * c["ring"]) }' "$dir/ours.csv" || fail "ring+int8 at 1024 ranks is not allgather-bound"

# plot.sh draws the time to target from a real ccsim step file (the fixture's training run)
"$here/fixture.sh" "$dir/run"
"$ccsim" step -p "$prof" -s ring,ring+int8,ring+topk:0.01+ef --params 124e6 --compute-ms 140 --ranks 8..64 \
  --bandwidths 1,10,100 --at-ranks 64 --csv "$dir/run/step_ttt.csv" > /dev/null 2>&1
"$here/../plot.sh" "$dir/run" -o "$dir/plots" -f png -q 2> "$dir/plot.err" || fail "plot.sh: $(cat "$dir/plot.err")"
[ "$(stat -c %s "$dir/plots/ttt_train_step_ttt.png" 2>/dev/null || echo 0)" -gt 15000 ] ||
  fail "no time-to-target plot from ccsim step's file"
echo "plots_step_compressed: ccsim step matches itself, ring+fp16 matches bf16 gradients, $rows rows, ttt drawn"
