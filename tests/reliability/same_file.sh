#!/usr/bin/env bash
# Issue 18 item 5: two outputs, or an output and an input, naming one file by different strings (./a,
# a symlink, a hard link) are refused before any work, and the file keeps its bytes.
#   same_file.sh MPIEXEC CCBENCH CCSIM
source "$(dirname "$0")/lib.sh"
mpiexec=$1 ccbench=$2 ccsim=$3
bench=("$mpiexec" -q -np 2 --bind-to none "$ccbench" --no-progress -s ring -b 64 -e 256 -n 2 -w 1)
profile=$(cd "$(dirname "$0")/../.." && pwd)/profiles/c-kernels-2c.profile
cd "$tmp"

refused "--json" "${bench[@]}" --csv a --json ./a
ln -s a link
refused "--json" "${bench[@]}" --csv a --json link
[ -e a ] && fail "ccbench wrote 'a' before refusing"

refused "--json" "$ccsim" predict -p "$profile" -s ring -e 1K --ranks 4 -q --csv p.csv --json "$tmp/p.csv"
"$ccsim" predict -p "$profile" -s ring -b 64 -e 64K --ranks 2 -q --csv m.csv
sed -i 's/^predicted,/measured,/' m.csv
cp m.csv m.before
ln m.csv hard.csv
refused "--errors" "$ccsim" validate -p "$profile" --against m.csv --errors ./m.csv
refused "--csv" "$ccsim" validate -p "$profile" --against m.csv --csv hard.csv
refused "-o" "$ccsim" calibrate --from m.csv -o ./m.csv
cmp -s m.csv m.before || fail "m.csv changed by a refused run"
cp "$profile" here.profile
refused "--csv" "$ccsim" predict -p here.profile -s ring -e 1K --ranks 4 -q --csv ./here.profile
finish
