#!/usr/bin/env bash
# Installs what ccbench needs when it is missing (Debian/Ubuntu, apt-get): a C compiler, make, cmake,
# Open MPI (runtime and headers), OpenBLAS (OpenMP build) and gnuplot; with --tests also cppcheck; with --netcluster what
# scripts/netcluster.sh needs (ip, tc; for --delay iptables-legacy and libnetfilter-queue, which ccdelay
# is built with). Runs as root, or through sudo.
#
#   scripts/setup-deps.sh [--tests] [--netcluster]
set -euo pipefail

tests=0 netcluster=0
for arg in "$@"; do
  case $arg in
    --tests) tests=1 ;;
    --netcluster) netcluster=1 ;;
    *) echo "setup-deps: unknown argument '$arg' (--tests, --netcluster)" >&2; exit 2 ;;
  esac
done

need=()
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v make >/dev/null 2>&1 || need+=(make)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v mpirun >/dev/null 2>&1 || need+=(openmpi-bin)
command -v mpicc >/dev/null 2>&1 || need+=(libopenmpi-dev)
command -v gnuplot >/dev/null 2>&1 || need+=(gnuplot-nox)
command -v git >/dev/null 2>&1 || need+=(git)
# cctrain's matmuls: OpenBLAS built with OpenMP, the threading cctrain's own loops use too.
dpkg-query -W -f '${Status}' libopenblas-openmp-dev 2>/dev/null | grep -q 'ok installed' || need+=(libopenblas-openmp-dev)
# scripts/test.sh's static analysis (scripts/lint.sh).
if [ "$tests" -eq 1 ]; then command -v cppcheck >/dev/null 2>&1 || need+=(cppcheck); fi
# scripts/netcluster.sh: namespaces, links and shaping; --delay's NFQUEUE rule and ccdelay's library.
if [ "$netcluster" -eq 1 ]; then
  command -v ip >/dev/null 2>&1 && command -v tc >/dev/null 2>&1 || need+=(iproute2)
  command -v iptables-legacy >/dev/null 2>&1 || need+=(iptables)
  pkg-config --exists libnetfilter_queue 2>/dev/null || need+=(libnetfilter-queue-dev pkg-config)
fi

if [ ${#need[@]} -eq 0 ]; then
  echo "setup-deps: everything is installed"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup-deps: missing ${need[*]} and not root (and no sudo) to install them" >&2
  exit 1
fi
echo "setup-deps: installing ${need[*]}"
"${sudo[@]}" apt-get update -qq
# Without --no-install-recommends Open MPI pulls in ~80 packages.
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
