#!/usr/bin/env bash
# plots/plot.sh refuses what it cannot read with one line naming the file (and line and column) and
# exit status 2, before drawing anything.
#
#   plots/tests/bad_input.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plot=$here/../plot.sh
dir=$(mktemp -d "${TMPDIR:-/tmp}/plots_bad.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() { echo "plots_bad_input: $*" >&2; exit 1; }
"$here/fixture.sh" "$dir/good"

# expect_error PATTERN COMMAND...: exit status 2, exactly one line on stderr matching PATTERN, and no
# output directory (every input is read before anything is created)
expect_error() {
  local pattern=$1 rc=0
  shift
  rm -rf "$dir/out"
  "$@" > "$dir/stdout" 2> "$dir/stderr" || rc=$?
  [ "$rc" -eq 2 ] || fail "'$*' exited $rc, want 2 (stderr: $(cat "$dir/stderr"))"
  [ "$(wc -l < "$dir/stderr")" -eq 1 ] || fail "'$*' wrote $(wc -l < "$dir/stderr") lines on stderr: $(cat "$dir/stderr")"
  grep -qE -- "$pattern" "$dir/stderr" || fail "'$*': '$(cat "$dir/stderr")' does not match '$pattern'"
  [ ! -e "$dir/out" ] || fail "'$*' created its output directory before failing"
  checked=$((checked + 1))
}
checked=0
# case NAME: a copy of the fixture to break
case_dir() { rm -rf "${dir:?}/$1"; cp -r "$dir/good" "$dir/$1"; echo "$dir/$1"; }

expect_error "^plot.sh: $dir/nowhere: no such file or directory$" "$plot" "$dir/nowhere" -o "$dir/out"
expect_error "^plot.sh: no results directory" "$plot"
expect_error "^plot.sh: unknown option '--bogus'" "$plot" "$dir/good" --bogus
expect_error "^plot.sh: -f/--format: 'gif' is not png, svg or both" "$plot" "$dir/good" -f gif
expect_error "^plot.sh: -s/--sizes: '12Q' is not a size" "$plot" "$dir/good" --sizes 64K,12Q
for list in 64K, ,64K 64K,,1G; do
  expect_error "^plot.sh: -s/--sizes: an empty item in '$list'" "$plot" "$dir/good" --sizes "$list"
done
expect_error "^plot.sh: -t/--target-loss: 'low' is not a number" "$plot" "$dir/good" --target-loss low
expect_error "^plot.sh: -o/--out is needed" "$plot" "$dir/good/allreduce_np4.csv"

d=$(case_dir number)
sed -i '3s/,0\.0[0-9]*$/,abc/' "$d/validation/errors_np4.csv"
expect_error "validation/errors_np4.csv:3: column 'rel_error': 'abc' is not a number$" "$plot" "$d" -o "$dir/out"
d=$(case_dir column)
sed -i '1s/time_us,//; 2,$s/^\(\([^,]*,\)\{11\}\)[^,]*,/\1/' "$d/allreduce_np4.csv"
expect_error "allreduce_np4.csv: missing column 'time_us'" "$plot" "$d" -o "$dir/out"
d=$(case_dir fields)
sed -i '5s/,[^,]*$//' "$d/train/train_ring.csv"
expect_error "train/train_ring.csv:5: 14 fields, the header has 15$" "$plot" "$d" -o "$dir/out"
d=$(case_dir quote)
sed -i '2s/,ring,/,"ring,/' "$d/predicted_scaling.csv"
expect_error "predicted_scaling.csv:2: unterminated quote$" "$plot" "$d" -o "$dir/out"
d=$(case_dir empty)
sed -i '2,$d' "$d/step_scale.csv"
expect_error "step_scale.csv: no data lines under the header$" "$plot" "$d" -o "$dir/out"
d=$(case_dir blank)
sed -i '3s/^ring+int8,/,/' "$d/train/summary.csv"
expect_error "train/summary.csv:3: column 'strategy' is empty$" "$plot" "$d" -o "$dir/out"
expect_error "^plot.sh: $dir/good/other.csv: not a CSV the plots read" "$plot" "$dir/good/other.csv" -o "$dir/out"
mkdir -p "$dir/nothing" && cp "$dir/good/other.csv" "$dir/nothing/"
expect_error "^plot.sh: no CSV the plots read under" "$plot" "$dir/nothing"

echo "plots_bad_input: $checked refusals, each one line and exit 2"
