#!/usr/bin/env bash
# An emulated cluster on one machine: N "nodes", each a network namespace with its own host name, joined
# by veth pairs to a bridge in a "switch" namespace of their own (so no firewall of the machine sees their
# traffic); every node's link is shaped to RATE in both directions (tbf on both ends),
# optionally with a fixed one-way DELAY on the way in (NFQUEUE and build/bin/ccdelay). Open MPI starts
# one daemon per node inside its namespace (no ssh), so ranks of a node share memory and find each other
# with MPI_Comm_split_type, and ranks of different nodes talk TCP over the shaped links.
#
#   scripts/netcluster.sh up --nodes N --rate RATE [--delay MS]
#   scripts/netcluster.sh down
#   scripts/netcluster.sh status
#   scripts/netcluster.sh mpirun [--ranks-per-node K] [mpirun options] -- PROGRAM [ARGS]
#
#   --nodes N           nodes, 2..64
#   --rate RATE         each node's link, each way: 100mbit, 1gbit, 300Mbit/s, 2.5gbit (bits per second)
#   --delay MS          one-way delay added to every packet a node receives (milliseconds, default 0)
#   --ranks-per-node K  ranks on each node (default 1); mpirun gets -np N*K
#
# Needs root and the kernel's netns, veth, bridge and tbf (it says which is missing); --delay also needs
# iptables' NFQUEUE target and libnetfilter-queue. `up` installs ip, tc and iptables when they are
# missing (scripts/setup-deps.sh --netcluster); ccdelay is built with the project once
# libnetfilter-queue-dev is there.
# Everything it makes is named after NETCLUSTER_NAME (default ccnc; at most 8 characters) and lives on
# the subnet 10.NETCLUSTER_NET.0.0/24 (default 231), so two clusters with different names can coexist.
# `up` of a cluster that is already up with the same settings does nothing; with other settings it is
# rebuilt. `down` removes every namespace, link, qdisc, rule and process it made, also after a failed
# `up`. Programs started through `mpirun` see CCBENCH_NETCLUSTER (nodes, rate, delay, ranks per node),
# which ccbench and cctrain record in their sidecars (ccbench also names its rows' profile after it).
set -euo pipefail

name=${NETCLUSTER_NAME:-ccnc}
net=${NETCLUSTER_NET:-231}
self=$(readlink -f "$0")
root=$(cd "$(dirname "$self")/.." && pwd)
state_dir=/run/ccbench-netcluster/$name
prefix=10.$net.0

die() { echo "netcluster: $*" >&2; exit 2; }
[[ $name =~ ^[a-z][a-z0-9]{0,7}$ ]] || die "NETCLUSTER_NAME '$name': 1 to 8 lower-case letters and digits, starting with a letter"
[[ $net =~ ^[0-9]+$ ]] && [ "$net" -ge 1 ] && [ "$net" -le 254 ] || die "NETCLUSTER_NET '$net': a number 1..254"

usage() { sed -n '2,/^set -euo/p' "$self" | sed '$d; s/^# \{0,1\}//'; }
ns_of() { echo "$name-n$1"; }       # node i's namespace, also its host name
addr_of() { echo "$prefix.$(( $1 + 1 ))"; }
switch=$name-sw                     # the switch's namespace: bridge br0, port p<i> for node i

# Bits per second from "100mbit", "1gbit", "300Mbit/s", "2.5gbit", "50000kbit", "1e8" (plain: bit/s).
parse_rate() {
  local r=${1,,} num unit
  r=${r%/s}
  [[ $r =~ ^([0-9]+(\.[0-9]+)?([e][0-9]+)?)(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)?$ ]] || return 1
  num=${BASH_REMATCH[1]} unit=${BASH_REMATCH[4]:-bit}
  case $unit in bit|bps) mult=1 ;; kbit|kbps) mult=1e3 ;; mbit|mbps) mult=1e6 ;; gbit|gbps) mult=1e9 ;; esac
  awk -v n="$num" -v m="$mult" 'BEGIN { v = n * m; if (v < 1e5 || v > 1e11) exit 1; printf "%.0f\n", v }'
}
rate_words() { awk -v b="$1" 'BEGIN { if (b >= 1e9 && b % 1e8 == 0) printf "%ggbit", b / 1e9; else if (b % 1e6 == 0) printf "%gmbit", b / 1e6; else printf "%gkbit", b / 1e3 }'; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "$1 needs root (network namespaces and qdiscs); run it as root or under sudo"
}

# Removes everything a cluster of this name may have left, whether or not its state file exists.
teardown() {
  local ns pid
  if [ -f "$state_dir/delay.pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$state_dir/delay.pids"
  fi
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$name-(n[0-9]+|sw|probe)\$" || true); do
    # Every process still inside (daemons, ranks, the delay program): TERM, then KILL.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    for _ in 1 2 3 4 5 6 7 8 9 10; do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.2; done
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  for ifc in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^$name-[he][0-9]+\$" || true); do
    ip link del "$ifc" 2>/dev/null || true
  done
  rm -rf "$state_dir"
}

cmd_down() {
  need_root down
  local was=0
  [ -f "$state_dir/state" ] && was=1
  teardown
  if [ "$was" -eq 1 ]; then echo "netcluster: $name is down"; else echo "netcluster: $name was not up (nothing left of it)"; fi
}

# tbf on one interface: the rate, a burst of about 2 ms of it (at least 16 KiB: less loses tokens under
# load, much more lets whole messages through unshaped) and a queue of 50 ms.
shape() {
  local ns=$1 ifc=$2 bps=$3 burst
  burst=$(awk -v b="$bps" 'BEGIN { v = b / 8 * 0.002; if (v < 16384) v = 16384; printf "%.0f", v }')
  ip ${ns:+-n "$ns"} link set dev "$ifc" txqueuelen 1000
  local limit=${NETCLUSTER_TBF_LIMIT:-}
  [ -n "$limit" ] || limit=$(awk -v b="$bps" 'BEGIN { v = b / 8 * 0.05; if (v < 65536) v = 65536; printf "%.0f", v }')
  tc ${ns:+-n "$ns"} qdisc replace dev "$ifc" root tbf rate "${bps}bit" burst "$burst" limit "$limit"
}

# Whether namespace $1 reaches address $2: a TCP connection to a closed port is refused at once by a
# host that can be reached, and times out otherwise (no ping needed).
# Fresh links take a moment to carry traffic: up to 10 tries of $3 seconds each (a round trip and more).
reachable() {
  local try out
  for try in 1 2 3 4 5 6 7 8 9 10; do
    out=$(ip netns exec "$1" timeout "$3" bash -c "exec 3<>/dev/tcp/$2/9" 2>&1 || true)
    [[ $out == *refused* ]] && return 0
    sleep 0.3
  done
  return 1
}

is_positive() { awk -v d="$1" 'BEGIN { exit !(d > 0) }'; }

# Every delay program still running (a dead one would leave its node dropping all it receives).
delay_alive() {
  local pid
  [ -f "$state_dir/delay.pids" ] || return 0
  while read -r pid; do kill -0 "$pid" 2>/dev/null || return 1; done <"$state_dir/delay.pids"
}

cmd_up() {
  local nodes="" rate="" delay=0
  while [ $# -gt 0 ]; do
    case $1 in
      --nodes) [ $# -ge 2 ] || die "--nodes needs a value"; nodes=$2; shift ;;
      --rate) [ $# -ge 2 ] || die "--rate needs a value"; rate=$2; shift ;;
      --delay) [ $# -ge 2 ] || die "--delay needs a value"; delay=$2; shift ;;
      -h|--help) usage; exit 0 ;;
      *) die "up: unknown argument '$1' (see --help)" ;;
    esac
    shift
  done
  [ -n "$nodes" ] || die "up: --nodes N is required"
  [ -n "$rate" ] || die "up: --rate RATE is required (e.g. 100mbit)"
  [[ $nodes =~ ^[0-9]+$ ]] && [ "$nodes" -ge 2 ] && [ "$nodes" -le 64 ] || die "--nodes: '$nodes' is not a node count 2..64"
  local bps
  bps=$(parse_rate "$rate") || die "--rate: '$rate' is not a rate from 100kbit to 100gbit (e.g. 100mbit, 1gbit)"
  [[ $delay =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v d="$delay" 'BEGIN { exit !(d <= 1000) }' || die "--delay: '$delay' is not milliseconds 0..1000"
  need_root up
  # What is missing is installed (apt-get, through scripts/setup-deps.sh), as the other scripts do.
  if ! command -v ip >/dev/null || ! command -v tc >/dev/null ||
     { is_positive "$delay" && ! command -v iptables-legacy >/dev/null; }; then
    "$root/scripts/setup-deps.sh" --netcluster >&2 || die "up: could not install ip, tc and iptables (scripts/setup-deps.sh --netcluster)"
  fi
  command -v ip >/dev/null && command -v tc >/dev/null || die "up needs ip and tc (Debian's iproute2)"
  local want="nodes=$nodes rate_bps=$bps delay_ms=$delay"
  if [ -f "$state_dir/state" ] && [ "$(head -n1 "$state_dir/state")" = "$want" ] && delay_alive; then
    echo "netcluster: $name is already up: $nodes nodes at $(rate_words "$bps")$(is_positive "$delay" && echo ", one-way delay $delay ms")"
    return 0
  fi
  teardown
  local delay_on=0 ccdelay=""
  if is_positive "$delay"; then
    delay_on=1
    ccdelay=${CCDELAY_BIN:-$root/build/bin/ccdelay}
    [ -x "$ccdelay" ] || die "--delay needs $ccdelay (built when libnetfilter-queue-dev is installed: scripts/setup-deps.sh --netcluster, then rebuild)"
    command -v iptables-legacy >/dev/null || die "--delay needs iptables-legacy (scripts/setup-deps.sh --netcluster)"
  fi
  # A failed step leaves nothing behind.
  trap 'rc=$?; teardown; echo "netcluster: up failed; everything it made is removed" >&2; exit $rc' ERR
  mkdir -p "$state_dir"
  ip netns add "$name-probe" 2>/dev/null || { rmdir "$state_dir" 2>/dev/null; trap - ERR; die "up: cannot create a network namespace (ip netns add failed: not root in the machine's namespace, or no netns in this kernel)"; }
  ip netns del "$name-probe"
  ip netns add "$switch"
  ip -n "$switch" link add br0 type bridge
  ip -n "$switch" link set br0 up
  local i ns
  for ((i = 0; i < nodes; i++)); do
    ns=$(ns_of "$i")
    ip netns add "$ns"
    # Made in this namespace under unique names, then moved: the port into the switch, eth0 into the node.
    ip link add "$name-h$i" type veth peer name "$name-e$i"
    ip link set "$name-h$i" netns "$switch"
    ip -n "$switch" link set "$name-h$i" name "p$i"
    ip link set "$name-e$i" netns "$ns"
    ip -n "$ns" link set "$name-e$i" name eth0
    ip -n "$switch" link set "p$i" master br0
    ip -n "$switch" link set "p$i" up
    ip -n "$ns" addr add "$(addr_of "$i")/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    if ! shape "$switch" "p$i" "$bps" 2>/dev/null || ! shape "$ns" eth0 "$bps" 2>/dev/null; then
      trap - ERR; teardown; die "up: the tbf qdisc is not available in this kernel (sch_tbf)"
    fi
    if [ "$delay_on" -eq 1 ]; then
      # Every packet arriving on the node's eth0 waits in queue 0 of its namespace until ccdelay,
      # running in the namespace, releases it DELAY ms after it came.
      ip netns exec "$ns" iptables-legacy -t raw -A PREROUTING -i eth0 -j NFQUEUE --queue-num 0 ||
        { trap - ERR; teardown; die "up: --delay: iptables-legacy's NFQUEUE target is not available"; }
      ip netns exec "$ns" "$ccdelay" --queue 0 --delay-ms "$delay" >"$state_dir/ccdelay-$i.log" 2>&1 &
      echo $! >>"$state_dir/delay.pids"
    fi
  done
  if [ "$delay_on" -eq 1 ]; then
    sleep 0.3
    while read -r pid; do
      kill -0 "$pid" 2>/dev/null || { trap - ERR; cat "$state_dir"/ccdelay-*.log >&2; teardown; die "up: --delay: ccdelay did not start"; }
    done <"$state_dir/delay.pids"
  fi
  # Each node reaches every other one.
  for ((i = 1; i < nodes; i++)); do
    reachable "$(ns_of 0)" "$(addr_of "$i")" "$(awk -v d="$delay" 'BEGIN { printf "%.3f", 1 + 2 * d / 1000 }')" ||
      { trap - ERR; teardown; die "up: node 0 cannot reach node $i over the switch"; }
  done
  # The rsh agent Open MPI runs to start a daemon on a node (an argument-free path).
  printf '#!/bin/sh\nexec %q agent "$@"\n' "$self" >"$state_dir/agent.tmp"
  chmod +x "$state_dir/agent.tmp" && mv "$state_dir/agent.tmp" "$state_dir/agent"
  printf '%s\n' "$want" >"$state_dir/state.tmp" && mv "$state_dir/state.tmp" "$state_dir/state"
  trap - ERR
  echo "netcluster: $name is up: $nodes nodes ($(ns_of 0)..$(ns_of $((nodes - 1))), $prefix.1..$nodes) at $(rate_words "$bps") each way$([ "$delay_on" -eq 1 ] && echo ", one-way delay $delay ms")"
}

read_state() {
  [ -f "$state_dir/state" ] || die "$name is not up (scripts/netcluster.sh up --nodes N --rate RATE)"
  read -r line <"$state_dir/state"
  for kv in $line; do
    case $kv in nodes=*) nodes=${kv#nodes=} ;; rate_bps=*) bps=${kv#rate_bps=} ;; delay_ms=*) delay=${kv#delay_ms=} ;; esac
  done
}

cmd_status() {
  local nodes bps delay i ns
  if [ ! -f "$state_dir/state" ]; then
    echo "netcluster: $name is down"
    exit 1
  fi
  read_state
  echo "netcluster: $name is up: $nodes nodes at $(rate_words "$bps") each way, one-way delay $delay ms"
  delay_alive || echo "netcluster: a delay program (ccdelay) has died: its node drops what it receives; run up again"
  for ((i = 0; i < nodes; i++)); do
    ns=$(ns_of "$i")
    local sent procs
    sent=$(tc -n "$ns" -s qdisc show dev eth0 | awk '/Sent/ {print $2; exit}')
    procs=$(ip netns pids "$ns" 2>/dev/null | wc -l)
    echo "  $ns  $(addr_of "$i")  sent ${sent:-0} bytes  processes $procs"
  done
}

# Open MPI's rsh agent: "agent HOST COMMAND..." runs the daemon's command in HOST's namespace, under a
# UTS namespace of its own whose host name is the node's (Open MPI names shared-memory segments after it).
cmd_agent() {
  local host=$1 i ns
  shift
  while [ "${1:-}" = "-x" ] || [ "${1:-}" = "-T" ]; do shift; done
  ns=""
  for i in $(seq 0 63); do
    if [ "$(addr_of "$i")" = "$host" ] || [ "$(ns_of "$i")" = "$host" ]; then ns=$(ns_of "$i"); break; fi
  done
  [ -n "$ns" ] || { echo "netcluster agent: '$host' is not a node of $name" >&2; exit 1; }
  exec ip netns exec "$ns" unshare --uts sh -c "hostname $ns && eval \"\$0\"" "$*"
}

cmd_mpirun() {
  local nodes bps delay per_node=1 args=() i hosts=""
  read_state
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case $1 in
      --ranks-per-node) [ $# -ge 2 ] || die "--ranks-per-node needs a value"; per_node=$2; shift ;;
      -np|-n|--np|-H|--host|-host|--hostfile|-hostfile|--machinefile)
        die "mpirun: $1 is set by netcluster (--ranks-per-node K places K ranks on each node)" ;;
      *) args+=("$1") ;;
    esac
    shift
  done
  [ "${1:-}" = "--" ] && shift || die "mpirun: put -- before the program (netcluster.sh mpirun [--ranks-per-node K] [mpirun options] -- PROGRAM ARGS)"
  [ $# -ge 1 ] || die "mpirun: no program after --"
  [[ $per_node =~ ^[0-9]+$ ]] && [ "$per_node" -ge 1 ] && [ "$per_node" -le 256 ] || die "--ranks-per-node: '$per_node' is not a rank count 1..256"
  for ((i = 0; i < nodes; i++)); do hosts+="${hosts:+,}$(addr_of "$i"):$per_node"; done
  # Every node's daemon believes the machine's cores are its own and would bind its first rank to core
  # 0, so ranks of different nodes would share one core: no binding, unless the caller asks for one.
  local bind=(--bind-to none) a
  for a in "${args[@]}"; do case $a in --bind-to|-bind-to|--map-by|-map-by) bind=() ;; esac; done
  export CCBENCH_NETCLUSTER="name=$name nodes=$nodes ranks_per_node=$per_node rate_bps=$bps delay_ms=$delay"
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  # mpirun itself runs on node 0 (its namespace and host name): its ranks there are local, the other
  # nodes' daemons come through the agent, and no address outside the cluster's subnet is involved.
  exec ip netns exec "$(ns_of 0)" unshare --uts sh -c "hostname $(ns_of 0) && exec \"\$@\"" sh \
    mpirun -np $((nodes * per_node)) --host "$hosts" \
    --mca plm_rsh_agent "$state_dir/agent" --mca plm_rsh_no_tree_spawn 1 \
    --mca oob_tcp_if_include "$prefix.0/24" --mca btl_tcp_if_include "$prefix.0/24" \
    --mca btl self,vader,tcp --mca mpi_yield_when_idle 1 --mca rmaps_base_oversubscribe 1 \
    -x CCBENCH_NETCLUSTER "${bind[@]}" "${args[@]}" "$@"
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
sub=$1
shift
case $sub in
  up) cmd_up "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  mpirun) cmd_mpirun "$@" ;;
  agent) cmd_agent "$@" ;;
  -h|--help|help) usage ;;
  *) die "unknown command '$sub' (up, down, status, mpirun; see --help)" ;;
esac
