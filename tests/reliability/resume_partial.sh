#!/usr/bin/env bash
# Issue 18 item 3: `ccbench --resume` refuses a FILE.partial that is not a regular file (a directory made
# it spin forever) and never changes a FILE.partial it cannot read as rows (it used to trim it first).
#   resume_partial.sh MPIEXEC CCBENCH
source "$(dirname "$0")/lib.sh"
mpiexec=$1 ccbench=$2
bench=("$mpiexec" -q -np 2 --bind-to none "$ccbench" --no-progress -s ring -b 64 -e 256 -f 2 -n 2 -w 1)

mkdir "$tmp/out.csv.partial"
refused "out.csv.partial" "${bench[@]}" --resume --csv "$tmp/out.csv"
[ -d "$tmp/out.csv.partial" ] || fail "the directory out.csv.partial is gone"
rmdir "$tmp/out.csv.partial"

# Not rows: a torn last line after a header that is not the row schema. Refused, and byte for byte as it was.
printf 'name,value\nalpha,1\nbeta' > "$tmp/out.csv.partial"
cp "$tmp/out.csv.partial" "$tmp/before"
refused "out.csv.partial" "${bench[@]}" --resume --csv "$tmp/out.csv"
cmp -s "$tmp/before" "$tmp/out.csv.partial" || fail "--resume changed a .partial it refused: $(od -c "$tmp/out.csv.partial" | head -2)"

# A good .partial with a torn last row still resumes (the torn bytes dropped, the rest kept).
"${bench[@]}" --csv "$tmp/good.csv" > /dev/null 2>&1 || fail "the reference sweep failed"
head -c -7 "$tmp/good.csv" > "$tmp/out.csv.partial"
if "${bench[@]}" --resume --csv "$tmp/out.csv" > "$tmp/log" 2>&1 && [ "$(wc -l < "$tmp/out.csv")" -eq "$(wc -l < "$tmp/good.csv")" ]; then
  ok "--resume over a torn .partial: $(grep -c . "$tmp/out.csv") lines"
else
  fail "--resume over a torn .partial: $(tail -3 "$tmp/log")"
fi
finish
