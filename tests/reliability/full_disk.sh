#!/usr/bin/env bash
# Issue 18 item 7: a disk that fills up mid-run. The first failed write is reported at once with its
# errno ("No space left on device"), the previous file keeps its bytes, no temp file is left holding the
# space, the exit status is non-zero. A sidecar that cannot be written fails the run too.
# Needs root for a small tmpfs; skipped (77) otherwise.
#   full_disk.sh MPIEXEC CCBENCH CCSIM CCTRAIN
source "$(dirname "$0")/lib.sh"
mpiexec=$1 ccbench=$2 ccsim=$3 cctrain=$4
profile=$(dirname "$0")/../../profiles/c-kernels-2c.profile
sizes=25  # -b 8 -e 128M -f 2

# A sidecar that cannot be written (its name is taken by a directory) is an error, not a warning.
mkdir "$tmp/side.csv.meta.json"
"$mpiexec" -q -np 2 --bind-to none "$ccbench" --no-progress -s ring -b 64 -e 256 -f 2 -n 2 -w 1 --csv "$tmp/side.csv" \
  > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ "$rc" -eq 0 ]; then fail "ccbench exits 0 when its sidecar cannot be written"
elif ! grep -q "side.csv.meta.json" "$tmp/err"; then fail "sidecar failure not named: $(cat "$tmp/err")"
else ok "sidecar failure: exit $rc, $(sort -u "$tmp/err" | head -1)"; fi

disk=$tmp/disk
mkdir "$disk"
if ! mount -t tmpfs -o size=16k tmpfs "$disk" 2> /dev/null; then
  echo "skipped: cannot mount a tmpfs (needs root)"
  exit 77
fi
trap 'umount "$disk"; rm -rf "$tmp"' EXIT
# Fill the disk, then free 4 KiB: enough for the header and a few rows, not for a whole sweep.
fill() {
  rm -f "$disk"/*
  echo "previous results" > "$disk/out.csv"
  dd if=/dev/zero of="$disk/fill" bs=1k 2> /dev/null
  truncate -s -4096 "$disk/fill"
}
check() {  # check TOOL RC
  local tool=$1 rc=$2
  if [ "$rc" -eq 0 ]; then fail "$tool: exit 0 on a full disk"
  elif ! grep -q "No space left on device" "$tmp/err"; then fail "$tool: error does not say ENOSPC: $(sort -u "$tmp/err")"
  elif [ "$(cat "$disk/out.csv")" != "previous results" ]; then fail "$tool: the previous out.csv was not kept"
  elif ls "$disk"/out.csv.* > /dev/null 2>&1; then fail "$tool: left $(ls "$disk"/out.csv.*)"
  elif [ "$(sort -u "$tmp/err" | grep -c .)" -ne 1 ]; then fail "$tool: want one error line, got: $(cat "$tmp/err")"
  else ok "$tool: exit $rc, $(sort -u "$tmp/err")"; fi
}

fill
"$ccsim" predict -p "$profile" -s ring,tree,rd -b 8 -e 128M -f 2 --ranks 2..8 -q --csv "$disk/out.csv" > "$tmp/out" 2> "$tmp/err"
check "ccsim predict" $?

fill
"$mpiexec" -q -np 2 --bind-to none "$ccbench" --no-progress -s ring,mpi -b 8 -e 128M -f 2 -n 3 -w 1 --csv "$disk/out.csv" \
  > "$tmp/out" 2> "$tmp/err"
check ccbench $?
# The error came at the first failed write: the sweep stopped there instead of measuring every size.
printed=$(awk '/^ *[0-9]/ {print $1}' "$tmp/out" | sort -u | grep -c .)
if [ "$printed" -ge "$sizes" ]; then fail "ccbench measured all $printed sizes before reporting the full disk"
else ok "ccbench stopped after $printed of $sizes sizes"; fi

# cctrain: the per-step CSV fills the disk mid-training (checkpoints and the model are written the
# same way, through common/atomic_file.c).
fill
"$mpiexec" -q -np 2 --bind-to none "$cctrain" --no-progress -L 1 -C 16 --heads 2 -T 8 -b 2 --steps 400 \
  --csv "$disk/out.csv" > "$tmp/out" 2> "$tmp/err"
check cctrain $?
finish
