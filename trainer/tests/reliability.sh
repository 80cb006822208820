#!/usr/bin/env bash
# Reliability round 2 (issue 18), one defect per mode; every run is bounded by timeout(1), so a
# regression fails instead of hanging CTest:
#   reliability.sh MPIEXEC CCTRAIN CCBENCH MODE
#   agree             a bad flag or path found on one rank only, or ranks started with different
#                     arguments: one line, exit status 2 on every rank, before any training step
set -uo pipefail
mpiexec=$1 cctrain=$2 ccbench=$3 mode=$4
source "$(dirname "$0")/cctrain_lib.sh"
unset CCBENCH_TIMEOUT  # a default set by whoever runs the tests would change what is tested
mounted=""
trap '[ -n "$mounted" ] && umount "$mounted"; rm -rf "$tmp"' EXIT

# The table's step rows (two leading spaces, then the step number): training ran.
trained() { grep -q '^  *[0-9][0-9]* ' "$1"; }
# Waits up to $2 seconds for process $1 to end; returns 1 (and kills it and $3...) if it did not.
ends_within() {
  local pid=$1 secs=$2
  shift 2
  for _ in $(seq $((secs * 10))); do kill -0 "$pid" 2> /dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" "$@" 2> /dev/null
  return 1
}
# mpirun's ranks (its children that run $2), for signalling one of them.
ranks_of() { pgrep -P "$1" -f "$2"; }

case "$mode" in
agree)
  # expect NAME WANT MPIRUN-ARGS...: exit status 2 within 60 s, stderr one line holding WANT, no training.
  expect() {
    local name=$1 want=$2
    shift 2
    timeout -k 5 60 "$mpiexec" -q --bind-to none "$@" > "$tmp/stdout" 2> "$tmp/stderr"
    local rc=$?
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then fail "$name: still running after 60 s (a rank waits forever)"
    elif [ "$rc" -ne 2 ]; then fail "$name: exit status $rc, expected 2"; cat "$tmp/stderr"
    elif [ "$(grep -c . "$tmp/stderr")" -ne 1 ] || ! grep -qF -- "$want" "$tmp/stderr"; then
      fail "$name: expected one line naming '$want', got:"; cat "$tmp/stderr"
    elif trained "$tmp/stdout"; then fail "$name: the error came after training steps"
    else echo "ok   $name: $(cat "$tmp/stderr")"; fi
  }
  args=(--no-progress "${tiny[@]}" -b 4 --steps 20)
  touch "$tmp/file"
  # A read-only directory: root writes through permission bits, not through a read-only mount. Without
  # the right to mount, a path under a regular file (ENOTDIR) stands in for it.
  mkdir "$tmp/ro"
  if mount -t tmpfs -o ro,size=1m tmpfs "$tmp/ro" 2> /dev/null; then mounted=$tmp/ro; ro=$tmp/ro
  else echo "(no read-only mount allowed: $tmp/file/dir stands in)"; ro=$tmp/file/dir; fi

  # Output paths are written by rank 0; every rank must leave with its verdict, before training.
  expect "--out-dir missing" "--out-dir" -np 2 "$cctrain" "${args[@]}" --compare ring --out-dir "$tmp/missing"
  expect "--out-dir read-only" "--out-dir" -np 2 "$cctrain" "${args[@]}" --compare ring --out-dir "$ro"
  expect "--out-dir a file" "--out-dir" -np 2 "$cctrain" "${args[@]}" --compare ring --out-dir "$tmp/file"
  expect "--csv read-only" "--csv" -np 2 "$cctrain" "${args[@]}" --csv "$ro/run.csv"
  expect "--csv under a file" "--csv" -np 2 "$cctrain" "${args[@]}" --csv "$tmp/file/run.csv"
  expect "--checkpoint missing dir" "--checkpoint" -np 2 "$cctrain" "${args[@]}" --checkpoint "$tmp/missing/run.ckpt"
  expect "--save-model read-only" "--save-model" -np 2 "$cctrain" "${args[@]}" --save-model "$ro/model.bin"

  # Ranks started with different arguments (MPMD): refused as ccbench refuses them, naming the rank.
  expect "different --sync" "rank 1: was started with other arguments" \
    -np 1 "$cctrain" "${args[@]}" --sync warp : -np 1 "$cctrain" "${args[@]}" --sync ring
  expect "different --steps" "rank 1: was started with other arguments" \
    -np 1 "$cctrain" "${args[@]}" : -np 1 "$cctrain" "${args[@]}" --steps 21

  # Inputs every rank reads, missing on one rank only (same command, rank 1 in a directory without
  # the file, as a node without it): the lowest such rank is named.
  mkdir "$tmp/a" "$tmp/b"
  printf 'hello world, this is a small text file for the trainer\n%.0s' $(seq 20) > "$tmp/a/text.txt"
  (cd "$tmp/a" && timeout 60 "$mpiexec" -q --bind-to none -np 1 "$cctrain" "${args[@]}" --steps 2 \
    --checkpoint run.ckpt --save-model model.bin > /dev/null 2>&1) || fail "making the checkpoint and model"
  expect "--data on rank 0 only" "rank 1: text.txt" -np 1 -wdir "$tmp/a" "$cctrain" "${args[@]}" --data text.txt \
    : -np 1 -wdir "$tmp/b" "$cctrain" "${args[@]}" --data text.txt
  expect "--init on rank 0 only" "rank 1: model.bin" -np 1 -wdir "$tmp/a" "$cctrain" "${args[@]}" --init model.bin \
    : -np 1 -wdir "$tmp/b" "$cctrain" "${args[@]}" --init model.bin
  expect "--resume on rank 0 only" "rank 1: run.ckpt" -np 1 -wdir "$tmp/a" "$cctrain" "${args[@]}" --resume run.ckpt \
    : -np 1 -wdir "$tmp/b" "$cctrain" "${args[@]}" --resume run.ckpt
  ;;

*) echo "reliability.sh: unknown mode '$mode'"; exit 2 ;;
esac
finish "reliability $mode"
