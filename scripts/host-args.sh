# The flags bench-host.sh and calibrate-host.sh share, sourced by both:
#   host_args DEFAULT_ITERS "$@"
# sets nps, machine, out (empty: the caller's default), iters and maxbytes; --help prints lines 2-9 of
# the calling script; anything else is an error naming the script.
host_args() {
  nps="2 4"
  machine=${CCBENCH_MACHINE:-$(hostname -s)-$(nproc)c}
  out=""
  iters=$1
  maxbytes=64M
  shift
  local prog
  prog=$(basename "$0")
  while [ $# -gt 0 ]; do
    case "$1" in
      --np) nps="$2"; shift ;;
      --machine) machine="$2"; shift ;;
      --out) out="$2"; shift ;;
      --iters) iters="$2"; shift ;;
      --maxbytes) maxbytes="$2"; shift ;;
      -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
      *) echo "$prog: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
  done
}
