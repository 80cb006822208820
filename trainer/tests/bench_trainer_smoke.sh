#!/usr/bin/env bash
# scripts/bench-trainer.sh end to end in seconds: one step of cctrain and of a stand-in llm.c checkout
# on the nanogpt shape. The stand-in's train_gpt2.c holds the lines the script edits and prints llm.c's
# step lines with a time known here, so the llm.c row's tokens/s is checked against a hand computation.
# Its step-0 loss (5.0) is not what the model gives on the batch (about ln 256 = 5.55), so the script
# must stop there, naming the disagreement, with the rows so far kept in the .partial. Then a checkout
# the script does not know (a line missing) and a bad flag are refused with one line.
#   bench_trainer_smoke.sh REPO_DIR BUILD_DIR
set -uo pipefail
repo=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mkdir -p "$tmp/llmc/llmc"
cat > "$tmp/llmc/train_gpt2.c" <<'C'
// A stand-in for llm.c's train_gpt2.c: the lines bench-trainer.sh edits, and its step lines.
#include <stdio.h>
#define dataloader_init(...) (void)0
int main(void) {
  int B = 4;
  int T = 64;
  dataloader_init(&train_loader, train_tokens, B, T, 0, 1, 1);
  for (int step = 0; step <= 40; step++) {
    if (step % 10 == 0) {
      printf("val loss 5.0\n");
    }
    if (step > 0 && step % 20 == 0) {
      printf("generating:\n");
    }
    printf("step %d: train loss 5.000000 (took %f ms)\n", step, 10.0 + B * T / 1000.0);
  }
  return 0;
}
C
printf 'train_gpt2: train_gpt2.c\n\tcc -O1 train_gpt2.c -o train_gpt2\n' > "$tmp/llmc/Makefile"

out=$tmp/out
"$repo/scripts/bench-trainer.sh" --shapes nanogpt --trainers cctrain,llmc --threads 1 --repeats 1 --steps 2 \
  --warmup-steps 1 --llmc "$tmp/llmc" --build-dir "$build" --out "$out" > "$tmp/stdout" 2> "$tmp/stderr"
rc=$?
csv=$out/trainer_cpu_t1.csv.partial
if [ "$rc" -ne 1 ] || [ "$(grep -c 'bench-trainer.sh:' "$tmp/stderr")" -ne 1 ] || ! grep -q "disagree" "$tmp/stderr"; then
  fail "the stand-in's wrong step-0 loss: exit status $rc (want 1, one line naming the disagreement):"; cat "$tmp/stderr"
elif [ ! -f "$csv" ] || [ -e "${csv%.partial}" ]; then fail "no $csv with the rows so far, or a finished CSV"
else
  echo "ok   a wrong step-0 loss stops it: $(grep 'bench-trainer.sh:' "$tmp/stderr" | cut -c1-120)..."
  [ "$(head -1 "$csv")" = "trainer,shape,threads,repeat,tokens_per_s,gflops,step_ms" ] || fail "header: $(head -1 "$csv")"
  # The stand-in: B 12 x T 64 tokens in 10 + 12 * 64 / 1000 ms = 10.768 ms: 71322.4 tokens/s.
  awk -F, '$1 == "llmc" { found = 1; if ($5 < 71322 || $5 > 71323 || $7 != 10.768) bad = 1 }
    END { exit !(found && !bad) }' "$csv" || fail "llm.c row is not 71322.4 tokens/s at 10.768 ms: $(grep llmc "$csv")"
  awk -F, '$1 == "cctrain" { found = 1; if (!($5 > 0 && $6 > 0 && $7 > 0)) bad = 1 } END { exit !(found && !bad) }' "$csv" \
    || fail "cctrain row missing or not positive: $(grep cctrain "$csv")"
  [ "$failures" -eq 0 ] && echo "ok   two trainers, the llm.c row as computed by hand"
fi

# Without llm.c: a finished CSV and its sidecar.
"$repo/scripts/bench-trainer.sh" --shapes nanogpt --trainers cctrain --threads 1 --repeats 1 --steps 1 \
  --warmup-steps 0 --build-dir "$build" --out "$tmp/out3" > /dev/null 2> "$tmp/stderr"
rc=$? csv=$tmp/out3/trainer_cpu_t1.csv
if [ "$rc" -ne 0 ] || [ ! -f "$csv" ] || [ -e "$csv.partial" ]; then fail "cctrain alone: exit $rc"; cat "$tmp/stderr"
elif ! python3 -m json.tool "$csv.meta.json" > /dev/null; then fail "the sidecar is not JSON"
elif ! grep -q '"flop_per_token": *5.31e+06' "$csv.meta.json"; then fail "the sidecar lacks nanogpt's 5.31e+06 FLOP/token"
else echo "ok   cctrain alone: a finished CSV and its sidecar"; fi

# An llm.c whose train_gpt2.c lacks a line the script edits: one line naming it, exit 1.
sed -i '/int B = 4;/d' "$tmp/llmc/train_gpt2.c"
"$repo/scripts/bench-trainer.sh" --shapes nanogpt --trainers llmc --threads 1 --repeats 1 --steps 1 \
  --llmc "$tmp/llmc" --build-dir "$build" --out "$tmp/out2" > /dev/null 2> "$tmp/stderr"
rc=$?
if [ "$rc" -ne 1 ] || ! grep -q "int B = 4;" "$tmp/stderr" || [ "$(grep -c 'bench-trainer.sh:' "$tmp/stderr")" -ne 1 ]; then
  fail "unknown llm.c: exit $rc, stderr:"; cat "$tmp/stderr"
else echo "ok   unknown llm.c refused: $(grep 'bench-trainer.sh:' "$tmp/stderr")"; fi

"$repo/scripts/bench-trainer.sh" --threads zero --build-dir "$build" > /dev/null 2> "$tmp/stderr"
rc=$?
if [ "$rc" -ne 2 ] || [ "$(grep -c . "$tmp/stderr")" -ne 1 ] || ! grep -q -- "--threads" "$tmp/stderr"; then
  fail "bad flag: exit $rc, stderr:"; cat "$tmp/stderr"
else echo "ok   bad flag: $(cat "$tmp/stderr")"; fi

if [ "$failures" -eq 0 ]; then echo "bench_trainer_smoke: all passed"; else echo "bench_trainer_smoke: $failures failure(s)"; exit 1; fi
