#!/usr/bin/env bash
# Issue 18 item 1: output to a device, FIFO, "-", /dev/stdout or a symlink is written like any Unix tool
# writes it (never replaced by a regular file, no sidecar beside a device); a planted FILE.partial
# symlink is never followed; a second run on a path another run is writing is refused.
#   special_files.sh MPIEXEC CCBENCH CCSIM CCTRAIN
source "$(dirname "$0")/lib.sh"
mpiexec=$1 ccbench=$2 ccsim=$3 cctrain=$4
profile=$(cd "$(dirname "$0")/../.." && pwd)/profiles/c-kernels-2c.profile
bench=("$mpiexec" -q -np 2 --bind-to none "$ccbench" --no-progress -s ring,mpi -b 64 -e 1K -f 2 -n 2 -w 1)
predict=("$ccsim" predict -p "$profile" -s ring -b 64 -e 1K -f 2 --ranks 4 -q)
run() { local t=$1; shift; if [ "$t" = bench ]; then "${bench[@]}" "$@"; else "${predict[@]}" "$@"; fi; }
header=source,op,strategy

# A character device made here (mknod needs root; otherwise /dev/null itself, checked the same way).
dev=$tmp/null
mknod "$dev" c 1 3 2>/dev/null || dev=/dev/null
for tool in bench predict; do
  if ! run $tool --csv "$dev" > "$tmp/out" 2>&1; then fail "$tool --csv $dev failed: $(tail -2 "$tmp/out")"
  elif [ "$(kind "$dev")" != "character special file" ]; then fail "$tool --csv $dev: now a $(kind "$dev")"
  elif ls "$dev".* > /dev/null 2>&1; then fail "$tool --csv $dev left $(ls "$dev".*)"
  else ok "$tool --csv $dev: still a device, nothing beside it"; fi
done
[ "$dev" = /dev/null ] || rm -f "$dev"

# "-" and /dev/stdout: the rows go to stdout (the human-readable table moves to stderr). A tool that
# replaces /dev/stdout would break this machine: the link is put back if that happens.
targets=-
[ -L /dev/stdout ] && targets="- /dev/stdout"
for target in $targets; do
  for tool in bench predict; do
    run $tool --csv "$target" > "$tmp/rows" 2> "$tmp/err"
    rc=$?
    if [ "$rc" -ne 0 ]; then fail "$tool --csv $target: exit $rc: $(tail -2 "$tmp/err")"
    elif [ "$(head -c ${#header} "$tmp/rows")" != "$header" ] || [ "$(grep -c '^measured\|^predicted' "$tmp/rows")" -lt 2 ]; then
      fail "$tool --csv $target: stdout is not the CSV: $(head -3 "$tmp/rows")"
    else ok "$tool --csv $target: stdout holds the CSV ($(wc -l < "$tmp/rows") lines)"; fi
    if [ "$target" = /dev/stdout ] && ls /dev/stdout.* > /dev/null 2>&1; then
      fail "$tool --csv /dev/stdout left $(ls /dev/stdout.*)"
      rm -f /dev/stdout.*
    fi
    if [ "$target" = /dev/stdout ] && [ ! -L /dev/stdout ]; then
      fail "$tool --csv /dev/stdout replaced the link by a $(kind /dev/stdout)"
      rm -f /dev/stdout.* && rm -f /dev/stdout && ln -s /proc/self/fd/1 /dev/stdout
    fi
  done
done

# cctrain prints header lines before training: with --csv - they go to stderr, stdout is only CSV.
for target in $targets; do
  timeout 120 "$mpiexec" -q -np 2 --bind-to none "$cctrain" --no-progress -L 1 -C 16 --heads 2 -T 8 -b 2 --steps 3 \
    --csv "$target" > "$tmp/rows" 2> "$tmp/err"
  if [ "$(head -c 5 "$tmp/rows")" != "step," ] || [ "$(grep -c '^[0-9]' "$tmp/rows")" -ne 3 ]; then
    fail "cctrain --csv $target: stdout is not the CSV: $(head -2 "$tmp/rows")"
  else ok "cctrain --csv $target: stdout holds the CSV only"; fi
done

# A FIFO: a reader gets every row; the FIFO stays a FIFO.
mkfifo "$tmp/fifo"
for tool in bench predict; do
  timeout 120 cat "$tmp/fifo" > "$tmp/fifo.rows" &
  reader=$!
  run $tool --csv "$tmp/fifo" > "$tmp/out" 2>&1 || fail "$tool --csv FIFO failed: $(tail -2 "$tmp/out")"
  wait $reader
  if [ "$(kind "$tmp/fifo")" != fifo ]; then fail "$tool --csv FIFO: now a $(kind "$tmp/fifo")"
  elif [ "$(head -c ${#header} "$tmp/fifo.rows")" != "$header" ]; then fail "$tool --csv FIFO: reader got $(head -2 "$tmp/fifo.rows")"
  elif ls "$tmp"/fifo.partial "$tmp"/fifo.meta.json > /dev/null 2>&1; then fail "$tool --csv FIFO left files beside it"
  else ok "$tool --csv FIFO: reader got $(wc -l < "$tmp/fifo.rows") lines"; fi
done

# A symlink is written through: the link stays, its target gets the rows (and is replaced atomically).
mkdir "$tmp/real"
for tool in bench predict; do
  echo old > "$tmp/real/target.csv"
  ln -sfn real/target.csv "$tmp/link.csv"
  run $tool --csv "$tmp/link.csv" > "$tmp/out" 2>&1 || fail "$tool --csv symlink failed: $(tail -2 "$tmp/out")"
  if [ "$(kind "$tmp/link.csv")" != "symbolic link" ]; then fail "$tool --csv symlink: the link is now a $(kind "$tmp/link.csv")"
  elif [ "$(head -c ${#header} "$tmp/real/target.csv")" != "$header" ]; then fail "$tool --csv symlink: target holds $(head -1 "$tmp/real/target.csv")"
  else ok "$tool --csv symlink: link kept, target rewritten"; fi
  rm -f "$tmp/link.csv" "$tmp"/link.csv.* "$tmp"/real/*
done

# A planted FILE.partial symlink is never followed: the file it points at keeps its bytes.
for tool in bench predict; do
  echo precious > "$tmp/victim"
  ln -sfn "$tmp/victim" "$tmp/out.csv.partial"
  run $tool --csv "$tmp/out.csv" > "$tmp/out" 2>&1
  if [ "$(cat "$tmp/victim")" != precious ]; then fail "$tool: a planted out.csv.partial symlink was followed: victim now $(head -c 60 "$tmp/victim")"
  else ok "$tool: planted .partial symlink not followed ($(grep -m1 error "$tmp/out" || echo 'run went ahead'))"; fi
  rm -f "$tmp"/out.csv*
done

# Two runs on one path: while one run holds FILE.partial (flock, as a writing run does), another is
# refused with one line instead of mixing or silently replacing its rows.
if command -v flock > /dev/null; then
  for tool in bench predict; do
    : > "$tmp/busy.csv.partial"
    flock "$tmp/busy.csv.partial" sleep 60 &
    holder=$!
    for _ in $(seq 200); do flock -n "$tmp/busy.csv.partial" true || break; sleep 0.05; done  # until it holds it
    if [ $tool = bench ]; then cmd=("${bench[@]}"); else cmd=("${predict[@]}"); fi
    refused "another run" "${cmd[@]}" --csv "$tmp/busy.csv"
    kill $holder 2> /dev/null; wait $holder 2> /dev/null
    [ -e "$tmp/busy.csv" ] && fail "$tool: the refused run still wrote busy.csv"
    rm -f "$tmp"/busy.csv*
  done
fi
finish
