#!/usr/bin/env bash
# Issue 18 item 5: two outputs, or an output and an input, naming one file by different strings (./a,
# a symlink, a hard link) are refused before any work, and the file keeps its bytes.
#   same_file.sh MPIEXEC CCBENCH CCSIM CCTRAIN
source "$(dirname "$0")/lib.sh"
mpiexec=$1 ccbench=$2 ccsim=$3 cctrain=$4
bench=("$mpiexec" -q -np 2 --bind-to none "$ccbench" --no-progress -s ring -b 64 -e 256 -f 2 -n 2 -w 1)
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

# cctrain: every pair the issue names, the training text first (it must never be overwritten).
train=("$mpiexec" -q -np 2 --bind-to none "$cctrain" --no-progress -L 1 -C 16 --heads 2 -T 8 -b 2 --steps 2)
printf 'To be, or not to be, that is the question.\n%.0s' $(seq 40) > in.txt
cp in.txt in.before
refused "--csv" "${train[@]}" -d in.txt --csv ./in.txt
refused "--checkpoint" "${train[@]}" --csv x --checkpoint x
refused "--save-model" "${train[@]}" --checkpoint y --save-model ./y
refused "--save-model" "${train[@]}" -d in.txt --save-model "$tmp/in.txt"
cmp -s in.txt in.before || fail "the training text changed"
ls x y 2> /dev/null && fail "a refused cctrain run wrote x or y"
# --resume and --checkpoint on one file is how a run continues: allowed.
"${train[@]}" --checkpoint c.ckpt --stop-at 1 > /dev/null 2>&1
if "${train[@]}" --resume ./c.ckpt --checkpoint c.ckpt > log 2>&1; then ok "--resume ./c.ckpt --checkpoint c.ckpt runs"
else fail "--resume and --checkpoint on one file refused: $(tail -2 log)"; fi
finish
