#!/usr/bin/env bash
# The emulated cluster (scripts/netcluster.sh), for real: 2 nodes at 100 Mbit/s, 2 ranks each. ccbench
# finds the nodes itself (no --ranks-per-node), checks every result, and hier:ring/ring beats ring by
# what the node's shared link predicts (one rank's bytes cross per ring step, the node's whole inter-node
# share in hier: 1.5x); sidecars name the cluster; `down` and a failed `up` leave nothing behind.
# Exit 77 where namespaces or tbf are not available (not root, a container without CAP_NET_ADMIN).
#
#   netcluster.sh NETCLUSTER_SH CCBENCH CCTRAIN CCDELAY|none
set -uo pipefail
nc=$1 ccbench=$2 cctrain=$3 ccdelay=${4:-none}
tmp=$(mktemp -d)
export NETCLUSTER_NAME=cctest NETCLUSTER_NET=233
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
cleanup() { "$nc" down >/dev/null 2>&1; rm -rf "$tmp"; }
trap cleanup EXIT

# Everything a cluster named cctest could leave: namespaces, links, processes, its state folder.
leftovers() {
  {
    ip netns list 2>/dev/null | grep -E "^$NETCLUSTER_NAME-" | sed 's/^/namespace /'
    ip -o link show 2>/dev/null | grep -E ": $NETCLUSTER_NAME-" | sed 's/^/link /'
    pgrep -af "$NETCLUSTER_NAME-n[0-9]" | grep -v "pgrep" | sed 's/^/process /'
    # An exited ccdelay whose parent (the machine's init, in a container often no reaper) has not
    # collected it is a zombie: gone, though still listed.
    for pid in $(pgrep -x ccdelay); do
      st=$(ps -o stat= -p "$pid" | cut -c1)
      [[ " $delay_before " == *" $pid "* ]] || [ -z "$st" ] || [ "$st" = Z ] || echo "process $pid ccdelay"
    done
    [ -e "/run/ccbench-netcluster/$NETCLUSTER_NAME" ] && echo "state /run/ccbench-netcluster/$NETCLUSTER_NAME"
  } || true
}

delay_before=$(pgrep -x ccdelay | tr '\n' ' ')  # another cluster's delay programs are not ours
[ "$(id -u)" -eq 0 ] || { echo "SKIP: not root (network namespaces need it)"; exit 77; }
command -v ip >/dev/null && command -v tc >/dev/null || { echo "SKIP: no ip/tc (iproute2)"; exit 77; }
"$nc" down >/dev/null 2>&1
"$nc" up --nodes 2 --rate 100mbit >"$tmp/up.out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  if grep -qE "cannot create a network namespace|tbf qdisc is not available" "$tmp/up.out"; then
    echo "SKIP: $(cat "$tmp/up.out")"
    exit 77
  fi
  echo "FAIL: up: $(cat "$tmp/up.out")"
  exit 1
fi
ok "up: $(cat "$tmp/up.out")"

# Idempotent: the same settings again change nothing.
out=$("$nc" up --nodes 2 --rate 100mbit 2>&1) && [[ $out == *"already up"* ]] && ok "second up: $out" || fail "second up: $out"
"$nc" status >"$tmp/status" 2>&1 && grep -q "2 nodes at 100mbit" "$tmp/status" && ok "status" || fail "status: $(cat "$tmp/status")"

# Bad input: one line, status 2, before anything is made.
for args in "--nodes 1 --rate 100mbit" "--nodes 2 --rate fast" "--nodes 2 --rate 100mbit --delay -3" "--nodes 2"; do
  # shellcheck disable=SC2086
  out=$("$nc" up $args 2>&1)
  rc=$?
  [ $rc -eq 2 ] && [ "$(echo "$out" | grep -c .)" -eq 1 ] && ok "up $args: $out" || fail "up $args: status $rc, '$out'"
done
out=$("$nc" mpirun -np 4 -- true 2>&1)
[ $? -eq 2 ] && [[ $out == *"-np is set by netcluster"* ]] && ok "mpirun -np: $out" || fail "mpirun -np: '$out'"

# The sweep: nodes from MPI_Comm_split_type, every element right, the shared link's ratio.
csv=$tmp/sweep.csv
timeout 300 "$nc" mpirun --ranks-per-node 2 -- "$ccbench" -b 4M -e 4M -s ring,hier:ring/ring -n 3 -w 1 -c \
  --csv "$csv" --no-progress >"$tmp/sweep.out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  fail "ccbench on the cluster: status $rc: $(tail -5 "$tmp/sweep.out")"
else
  cat "$tmp/sweep.out" | grep -v "^$"
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
           { n++; if ($c["nodes"] != 2 || $c["ranks_per_node"] != 2) bad = bad " nodes=" $c["nodes"] "x" $c["ranks_per_node"];
             if ($c["errors"] != 0) bad = bad " errors=" $c["errors"];
             if ($c["profile"] != "netcluster-100mbit") bad = bad " profile=" $c["profile"];
             bus[$c["strategy"]] = $c["busbw_GBps"] }
           END { if (n != 2) bad = bad " rows=" n;
                 r = bus["ring"] > 0 ? bus["hier:ring/ring"] / bus["ring"] : 0;
                 printf "hier:ring/ring busbw %.4f GB/s, ring %.4f GB/s: %.2fx\n", bus["hier:ring/ring"], bus["ring"], r;
                 if (r < 1.3) bad = bad " hier/ring=" r " (want >= 1.3)";
                 if (bad != "") { print "bad:" bad; exit 1 } }' "$csv" >"$tmp/check" 2>&1 &&
    ok "$(cat "$tmp/check")" || fail "$(cat "$tmp/check")"
  grep -q '"netcluster_rate_bps": 100000000' "$csv.meta.json" && grep -q '"netcluster_nodes": 2' "$csv.meta.json" &&
    ok "ccbench sidecar names the cluster" || fail "ccbench sidecar: $(grep netcluster "$csv.meta.json")"
fi

# cctrain across it: two steps of a tiny model, and its sidecar.
timeout 120 "$nc" mpirun -- "$cctrain" --data markov --layers 1 --channels 16 --heads 2 --seq-len 16 --batch 4 --steps 2 \
  --csv "$tmp/train.csv" >"$tmp/train.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '"netcluster_rate_bps": 100000000' "$tmp/train.csv.meta.json" && ok "cctrain sidecar names the cluster" ||
  fail "cctrain on the cluster: status $rc: $(tail -3 "$tmp/train.out") $(grep netcluster "$tmp/train.csv.meta.json" 2>/dev/null)"

"$nc" down >"$tmp/down" 2>&1 && ok "down: $(cat "$tmp/down")" || fail "down: $(cat "$tmp/down")"
left=$(leftovers)
[ -z "$left" ] && ok "nothing left after down" || fail "left after down: $left"
out=$("$nc" status 2>&1)
[ $? -ne 0 ] && [[ $out == *"is down"* ]] && ok "status after down: $out" || fail "status after down: '$out'"

# --delay: a connection attempt (refused at once by the peer) takes one round trip, 2 x 5 ms.
connect_ms() {
  local t0 t1
  t0=$(date +%s%N)
  ip netns exec "$NETCLUSTER_NAME-n0" timeout 5 bash -c "exec 3<>/dev/tcp/10.$NETCLUSTER_NET.0.2/9" 2>/dev/null
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}
if [ "$ccdelay" != none ] && command -v iptables-legacy >/dev/null; then
  if out=$(CCDELAY_BIN=$ccdelay "$nc" up --nodes 2 --rate 100mbit --delay 5 2>&1); then
    ok "up --delay 5: $out"
    best=999999
    for _ in 1 2 3 4 5; do ms=$(connect_ms); [ "$ms" -lt "$best" ] && best=$ms; done
    [ "$best" -ge 9 ] && [ "$best" -le 60 ] && ok "connect round trip with --delay 5: $best ms (at least 10 ms less rounding)" ||
      fail "connect round trip with --delay 5: $best ms, want about 10"
  else
    fail "up --delay 5: $out"
  fi
  "$nc" down >/dev/null 2>&1
  left=$(leftovers)
  [ -z "$left" ] && ok "nothing left after down (delay)" || fail "left after down (delay): $left"
else
  echo "(ccdelay not built or no iptables-legacy: --delay not checked)"
fi

# A failed up removes what it made: a delay program that dies at once fails it after the namespaces exist.
if command -v iptables-legacy >/dev/null; then
  printf '#!/bin/sh\nexit 1\n' >"$tmp/bad-ccdelay" && chmod +x "$tmp/bad-ccdelay"
  out=$(CCDELAY_BIN=$tmp/bad-ccdelay "$nc" up --nodes 2 --rate 100mbit --delay 5 2>&1)
  rc=$?
  left=$(leftovers)
  [ $rc -ne 0 ] && [ -z "$left" ] && ok "failed up (delay program died): status $rc, nothing left" ||
    fail "failed up: status $rc, left: $left; said: $out"
else
  echo "(no iptables-legacy: the failed-up check needs --delay; skipped)"
fi

if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all checks passed"
