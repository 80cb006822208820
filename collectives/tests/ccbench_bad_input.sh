#!/usr/bin/env bash
# Bad input to ccbench: a non-zero exit, one line on stderr naming the flag, no result file left.
#   ccbench_bad_input.sh MPIEXEC CCBENCH
set -uo pipefail
mpiexec=$1 ccbench=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect NP FLAG-TEXT ARGS...: runs ccbench on NP ranks with ARGS plus a --csv target.
expect() {
  local np=$1 want=$2
  shift 2
  rm -f "$tmp"/out.csv*
  "$mpiexec" -q -np "$np" --bind-to none "$ccbench" --no-progress --csv "$tmp/out.csv" "$@" \
    > "$tmp/stdout" 2> "$tmp/stderr"
  local rc=$? lines
  lines=$(grep -c . "$tmp/stderr")
  if [ "$rc" -eq 0 ]; then
    echo "FAIL ($*): exit status 0"; failures=$((failures + 1))
  elif [ "$lines" -ne 1 ] || ! grep -qF -- "$want" "$tmp/stderr"; then
    echo "FAIL ($*): expected one line naming '$want', got:"; cat "$tmp/stderr"; failures=$((failures + 1))
  elif ls "$tmp"/out.csv* >/dev/null 2>&1; then
    echo "FAIL ($*): left $(ls "$tmp"/out.csv*)"; failures=$((failures + 1))
  else
    echo "ok   ($*): $(cat "$tmp/stderr")"
  fi
}

expect 1 "-s/--strategies" -s ring,foo
expect 1 "-s/--strategies" -s ring+int8:foo
expect 1 "-s/--strategies" -s ring+topk:0
expect 1 "-s/--strategies" -s ring+topk:1.5
expect 1 "-s/--strategies" -s ring+zstd
expect 1 "-s/--strategies" -s ring+int8 -d f16
expect 1 "-s/--strategies" -s ring+int8 --collective allgather
expect 1 "-s/--strategies" -s ring+int8 -o max
expect 1 "-s/--strategies" -s mpi+int8
expect 1 "--compress" -s ring --compress topk:0
expect 1 "-s/--strategies" -s hier:tree/ring
expect 1 "-s/--strategies" -s ring,ring
expect 1 "-s/--strategies" --collective allgather -s tree
expect 1 "-b/--minbytes" -b 1M -e 1K
expect 1 "-b/--minbytes" -b -5
expect 1 "-e/--maxbytes" -e abc
expect 1 "-e/--maxbytes" -e 1.5M
expect 1 "-n/--iters" -n 0
expect 1 "-f/--stepfactor" -f 0
expect 1 "-d/--dtype" -d int7
expect 1 "-d/--dtype" -d f8e4m3
expect 1 "-o/--op" -o mulsum
expect 1 "-o/--op" -o maximum
# nccl-tests flags that ccbench accepts only with the value that means what it does, each with why.
expect 1 "-t/--nthreads" -t 8
expect 1 "-g/--ngpus" -g 4
expect 1 "-g/--ngpus" -g --transport mpi-staged  # ccbench's old -g flag: now --device
expect 1 "--collective" -C allgather              # ccbench's old -C: now nccl-tests' report_cputime
expect 1 "-G/--cudagraph" -G 10
expect 1 "-y/--stream_null" -y 1
expect 1 "-R/--local_register" -R 1
expect 1 "-D/--device_implementation" -D 1
expect 1 "-x/--cta_policy" -x 1
expect 1 "-I/--per_iter_timing" -I 1 -z 0
expect 1 "-K/--per_iter_skip" -I 1 -K 20
expect 1 "-a/--average" -a 4
expect 1 "-z/--blocking" -z 4
expect 1 "-N/--run_cycles" -N 2 --resume
expect 1 "-J/--output_file" -J "$tmp/out.txt"
expect 2 "-J/--output_file" -b 8 -e 64 -J "$tmp/no/such/dir/out.json"
expect 1 "--format" --format csv
expect 1 "--inplace" --format nccl-tests --inplace
expect 1 "--bogus" --bogus
expect 2 "--ranks-per-node" --ranks-per-node 3 -b 8 -e 64
expect 4 "--ranks-per-node" --ranks-per-node 3 -b 8 -e 64
expect 2 "--csv" -b 8 -e 64 --csv "$tmp/no/such/dir/out.csv"
expect 2 "-e/--maxbytes" -b 64T -e 64T  # buffers no node here has memory for: refused before allocating
# GPU-only choices without --device (errors on every build and machine; the --device checks are in
# docs/ccbench.md).
expect 1 "--transport" --transport ipc
expect 1 "--transport" --transport foo
expect 1 "-s/--strategies" -s ring,nccl

# One rank with other input than the rest (an MPMD launch, as a node with another argument list): every
# rank must leave with one line naming that rank instead of waiting in a collective. timeout: a hang
# fails the case rather than the whole test run.
expect_one_rank() {  # expect_one_rank WANT ARGS...: rank 1 alone gets ARGS
  local want=$1
  shift
  rm -f "$tmp"/out.csv*
  timeout 60 "$mpiexec" -q --bind-to none -np 1 "$ccbench" --no-progress -b 8 -e 64 --csv "$tmp/out.csv" \
    : -np 1 "$ccbench" --no-progress -b 8 -e 64 --csv "$tmp/out.csv" "$@" > "$tmp/stdout" 2> "$tmp/stderr"
  local rc=$?
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
    echo "FAIL (rank 1 alone: $*): exit status $rc"; failures=$((failures + 1))
  elif ! grep -q -- "rank 1: .*$want" "$tmp/stderr" || [ "$(grep -c . "$tmp/stderr")" -ne 1 ]; then
    echo "FAIL (rank 1 alone: $*): expected one line naming rank 1 and '$want', got:"; cat "$tmp/stderr"
    failures=$((failures + 1))
  else
    echo "ok   (rank 1 alone: $*): $(cat "$tmp/stderr")"
  fi
}
expect_one_rank "-n/--iters" -n abc
expect_one_rank "other arguments" -s ring
expect_one_rank "other arguments" -e 128

if [ "$failures" -ne 0 ]; then echo "$failures bad-input cases failed"; exit 1; fi
echo "ccbench_bad_input: OK"
