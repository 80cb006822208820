#!/usr/bin/env bash
# plots/step-compressed.sh against ccsim step where both apply: uncompressed strategies give ccsim
# step's numbers, and ring+fp16 gives ccsim step's ring with bf16 gradients in buckets of half the bytes
# (compressed buckets are cut from the f32 gradient, as cctrain cuts them, and the reduce path moves 2
# bytes per parameter); allgather-path compressors and the bandwidth sweep behave.
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

"$here/../step-compressed.sh" -p "$prof" -s ring,hier:ring/ring,ring+fp16,ring+int8,ring+topk:0.01,approx+ef,ring+powersgd:4+ef \
  "${common[@]}" --bandwidths 1,10 --at-ranks 64 --ccsim "$ccsim" --csv "$dir/ours.csv" > /dev/null
"$ccsim" step -p "$prof" -s ring,hier:ring/ring "${common[@]}" --csv "$dir/f32.csv" > /dev/null
"$ccsim" step -p "$prof" -s ring --grad-dtype bf16 --bucket 13107200 "${common[@]}" --csv "$dir/bf16.csv" > /dev/null
[ -f "$dir/ours.csv.meta.json" ] || fail "no sidecar"

# same NAME RANKS REFERENCE-FILE REFERENCE-NAME: comm, exposed comm and step time within 1e-4
same() {
  awk -F, -v s="$1" -v r="$2" -v rs="$4" 'FNR == 1 { f++; next } { gsub(/"/, "", $2) }
    f == 1 && $2 == s && $3 == r && $14 == 47 { a[10] = $10; a[11] = $11; a[12] = $12; got = 1 }
    f == 2 && $2 == rs && $3 == r { b[10] = $10; b[11] = $11; b[12] = $12; ref = 1 }
    END { if (!got || !ref) exit 2
      for (c = 10; c <= 12; c++) { d = a[c] - b[c]; if (d < 0) d = -d; if (d > 1e-4 * b[c] + 1e-3) exit 1 } }' \
    "$dir/ours.csv" "$3" || fail "$1 at $2 ranks differs from ccsim step's $4 ($3)"
}
for r in 8 64 1024; do
  same ring "$r" "$dir/f32.csv" ring
  same hier:ring/ring "$r" "$dir/f32.csv" hier:ring/ring
  same ring+fp16 "$r" "$dir/bf16.csv" ring
done

# every strategy at every rank count, plus the two bandwidths at 64 ranks (10 GB/s is slower than 47
# and faster than 1 for a strategy that sends much)
rows=$(($(wc -l < "$dir/ours.csv") - 1))
[ "$rows" -eq $((6 * 8 + 6 * 2)) ] || fail "$rows rows, want 60"
awk -F, 'NR > 1 && $2 == "\"ring+int8\"" && $3 == 64 { t[$14] = $12 }
  END { exit !(t[1] > t[10] && t[10] >= t[47]) }' "$dir/ours.csv" || fail "ring+int8 does not slow down with less bandwidth"
# the allgather path grows with the ranks: int8's communication at 1024 ranks is far above ring's
awk -F, 'NR > 1 && $3 == 1024 && $14 == 47 { c[$2] = $10 }
  END { exit !(c["\"ring+int8\""] > 10 * c["\"ring\""]) }' "$dir/ours.csv" || fail "ring+int8 at 1024 ranks is not allgather-bound"
echo "plots_step_compressed: matches ccsim step on ring, hier and ring+fp16 (bf16); $rows rows"
