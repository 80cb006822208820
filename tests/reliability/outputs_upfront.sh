#!/usr/bin/env bash
# Issue 18 item 6: an output that cannot be written ('' , a directory, a missing or read-only
# directory) is refused before any work: one line naming the flag, exit 2, nothing printed.
#   outputs_upfront.sh MPIEXEC CCBENCH CCSIM CCTRAIN
source "$(dirname "$0")/lib.sh"
mpiexec=$1 ccbench=$2 ccsim=$3 cctrain=$4
bench=("$mpiexec" -q -np 2 --bind-to none "$ccbench" --no-progress -s ring -b 64 -e 256 -f 2 -n 2 -w 1)
profile=$(cd "$(dirname "$0")/../.." && pwd)/profiles/c-kernels-2c.profile
predict=("$ccsim" predict -p "$profile" -s ring -e 1K --ranks 4 -q)
mkdir "$tmp/dir"
: > "$tmp/file"

# A read-only directory: root writes anywhere permission bits forbid, so a read-only tmpfs (root only).
ro=
if mkdir "$tmp/ro" && mount -t tmpfs -o size=64k,ro tmpfs "$tmp/ro" 2> /dev/null; then
  ro=$tmp/ro
  trap 'umount "$tmp/ro"; rm -rf "$tmp"' EXIT
elif [ "$(id -u)" -ne 0 ]; then
  chmod 555 "$tmp/ro" && ro=$tmp/ro
fi

for flag in --csv --json; do
  refused "$flag" "${bench[@]}" "$flag" ''
  refused "$flag" "${bench[@]}" "$flag" "$tmp/dir"
  refused "$flag" "${bench[@]}" "$flag" "$tmp/missing/out.csv"
  refused "$flag" "${bench[@]}" "$flag" "$tmp/file/out.csv"
  [ -n "$ro" ] && refused "$flag" "${bench[@]}" "$flag" "$ro/out.csv"
  refused "$flag" "${predict[@]}" "$flag" ''
  refused "$flag" "${predict[@]}" "$flag" "$tmp/dir"
  refused "$flag" "${predict[@]}" "$flag" "$tmp/missing/out.csv"
  [ -n "$ro" ] && refused "$flag" "${predict[@]}" "$flag" "$ro/out.csv"
done
"$ccsim" predict -p "$profile" -s ring -b 64 -e 64K --ranks 2 -q --csv "$tmp/m.csv"
sed -i 's/^predicted,/measured,/' "$tmp/m.csv"
refused "--errors" "$ccsim" validate -p "$profile" --against "$tmp/m.csv" --errors "$tmp/missing/e.csv"
refused "-o" "$ccsim" calibrate --from "$tmp/m.csv" -o "$tmp/dir"
[ -n "$ro" ] && refused "-o" "$ccsim" calibrate --from "$tmp/m.csv" -o "$ro/fit.profile"
refused "--csv" "$ccsim" step -p "$profile" -s ring --params 1e6 --ranks 1,4 --csv "$tmp/missing/s.csv"
train=("$mpiexec" -q -np 2 --bind-to none "$cctrain" --no-progress -L 1 -C 16 --heads 2 -T 8 -b 2 --steps 2)
for flag in --csv --checkpoint --save-model; do
  refused "$flag" "${train[@]}" "$flag" ''
  refused "$flag" "${train[@]}" "$flag" "$tmp/dir"
  refused "$flag" "${train[@]}" "$flag" "$tmp/missing/out"
  [ -n "$ro" ] && refused "$flag" "${train[@]}" "$flag" "$ro/out"
done
ls "$tmp/dir" "$tmp/missing" 2> /dev/null | grep -q . && fail "files were created: $(ls "$tmp/dir")"
finish
