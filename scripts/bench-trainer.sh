#!/usr/bin/env bash
# Training speed on the CPU: cctrain against llm.c's CPU trainer (train_gpt2.c) and PyTorch eager, the
# same GPT-2 shapes on the same threads, run back to back and repeated (docs/cctrain.md, "Trainer speed
# on the CPU").
#
#   scripts/bench-trainer.sh [--shapes LIST] [--trainers LIST] [--threads N] [--repeats N] [--steps N]
#                            [--warmup-steps N] [--llmc PATH] [--torch-venv DIR [--install-torch]] [--out DIR]
#
#   --shapes LIST      default nanogpt,gpt2-124m:
#                        nanogpt    4 layers, 4 heads, C 128, T 64, batch 12, vocabulary 256 (bytes)
#                        gpt2-124m  12 layers, 12 heads, C 768, T 64, batch 4, vocabulary 50257 (padded 50304)
#   --trainers LIST    default cctrain,llmc,torch
#   --threads N        threads of every trainer (default: nproc): cctrain --threads N, llm.c
#                      OMP_NUM_THREADS=N, torch.set_num_threads(N); OMP_NUM_THREADS and
#                      OPENBLAS_NUM_THREADS are N for all three
#   --repeats N        runs of each trainer and shape (default 3); the trainers take turns
#   --steps N          timed steps of every run, or per shape as nanogpt=N,gpt2-124m=N
#                      (default nanogpt=30,gpt2-124m=6)
#   --warmup-steps N   steps run before the timed ones and not counted (default 2)
#   --llmc PATH        a checkout of karpathy/llm.c; without it the llm.c rows are skipped
#   --torch-venv DIR   the Python environment with torch (DIR/bin/python); default python3 when it
#                      imports torch, else the torch rows are skipped
#   --install-torch    create --torch-venv DIR (if needed) and install torch from PyPI into it first:
#                      torch without its dependencies, its pure-Python requirements, then only the
#                      CUDA libraries it cannot be imported without on this machine
#   --torch-spec SPEC  what --install-torch installs (default: torch)
#   --out DIR          results (default results/trainer-cpu/<date>)
#   --build-dir DIR    where build/bin/cctrain is (default build)
#   --keep-work        keep the temporary directory (token data, model files, the llm.c build)
#
# Writes DIR/trainer_cpu_t<N>.csv, a row per (trainer, shape, repeat) appended to its .partial as each
# run ends and renamed when all are done:
#   trainer,shape,threads,repeat,tokens_per_s,gflops,step_ms
# step_ms is the median of the timed steps, tokens_per_s = batch x T / step_ms, and gflops =
# tokens_per_s x the FLOP per token cctrain prints for the shape (the same count for all three trainers).
# Also its .csv.meta.json sidecar, every run's output under DIR/logs_t<N>/, and on stdout the medians
# over the repeats and cctrain's speed relative to llm.c and torch. Needs mpirun, python3 (it writes
# the token data) and a built cctrain; llm.c is compiled with its own Makefile (make, cc).
set -euo pipefail
cd "$(dirname "$0")/.."

shapes=nanogpt,gpt2-124m trainers=cctrain,llmc,torch threads=$(nproc) repeats=3 warmup=2
steps_arg=nanogpt=30,gpt2-124m=6 llmc="" torch_venv="" install_torch=0 torch_spec=torch out="" build=build
keep_work=0
command_line="$0 $*"
die() { echo "bench-trainer.sh: $*" >&2; exit 2; }
fail() { echo "bench-trainer.sh: $*" >&2; exit 1; }
note() { echo "bench-trainer: $*" >&2; }
need() { [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --shapes) need "$1" $#; shapes=$2; shift ;;
    --trainers) need "$1" $#; trainers=$2; shift ;;
    --threads) need "$1" $#; threads=$2; shift ;;
    --repeats) need "$1" $#; repeats=$2; shift ;;
    --steps) need "$1" $#; steps_arg=$2; shift ;;
    --warmup-steps) need "$1" $#; warmup=$2; shift ;;
    --llmc) need "$1" $#; llmc=$2; shift ;;
    --torch-venv) need "$1" $#; torch_venv=$2; shift ;;
    --install-torch) install_torch=1 ;;
    --torch-spec) need "$1" $#; torch_spec=$2; shift ;;
    --out) need "$1" $#; out=$2; shift ;;
    --build-dir) need "$1" $#; build=$2; shift ;;
    --keep-work) keep_work=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

# --- the flags' values ---------------------------------------------------------------------------------
is_count() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ]; }
is_count "$threads" 1 || die "--threads: '$threads' is not a thread count of 1 or more"
is_count "$repeats" 1 || die "--repeats: '$repeats' is not a count of 1 or more"
is_count "$warmup" 0 || die "--warmup-steps: '$warmup' is not a step count of 0 or more"
IFS=, read -r -a shape_list <<<"$shapes"
IFS=, read -r -a trainer_list <<<"$trainers"
[ "${#shape_list[@]}" -gt 0 ] || die "--shapes: empty list"
[ "${#trainer_list[@]}" -gt 0 ] || die "--trainers: empty list"
for s in "${shape_list[@]}"; do
  case $s in nanogpt|gpt2-124m) ;; *) die "--shapes: unknown shape '$s' (nanogpt, gpt2-124m)" ;; esac
done
for t in "${trainer_list[@]}"; do
  case $t in cctrain|llmc|torch) ;; *) die "--trainers: unknown trainer '$t' (cctrain, llmc, torch)" ;; esac
done
declare -A steps=([nanogpt]=30 [gpt2-124m]=6)
if [[ $steps_arg =~ ^[0-9]+$ ]]; then
  is_count "$steps_arg" 1 || die "--steps: '$steps_arg' is not a step count of 1 or more"
  for s in nanogpt gpt2-124m; do steps[$s]=$steps_arg; done
else
  IFS=, read -r -a pairs <<<"$steps_arg"
  for pair in "${pairs[@]}"; do
    if ! [[ $pair =~ ^(nanogpt|gpt2-124m)=([0-9]+)$ ]] || [ "${BASH_REMATCH[2]}" -lt 1 ]; then
      die "--steps: '$pair' is not N or SHAPE=N with a shape of nanogpt, gpt2-124m and N >= 1"
    fi
    steps[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
  done
fi
has_trainer() { [[ ,$trainers, == *,$1,* ]]; }
if [ -n "$llmc" ]; then
  for f in train_gpt2.c Makefile llmc; do
    [ -e "$llmc/$f" ] || die "--llmc: '$llmc' is not an llm.c checkout (it has no $f)"
  done
fi
[ "$install_torch" -eq 0 ] || [ -n "$torch_venv" ] || die "--install-torch needs --torch-venv DIR (where to install it)"
cctrain=$build/bin/cctrain
[ -x "$cctrain" ] || die "--build-dir: $cctrain not found (build first: cmake --build $build --target cctrain)"
command -v mpirun >/dev/null || die "mpirun not found (scripts/setup-deps.sh installs Open MPI)"
command -v python3 >/dev/null || die "python3 not found (it writes the token data)"
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

# --- PyTorch ------------------------------------------------------------------------------------------
# PyPI's Linux torch is a CUDA build: libtorch_cuda.so is loaded at import, so the CUDA libraries it
# links must be found even on a machine without a GPU. Installed with all its dependencies that is
# several GB of nvidia-* wheels; here torch comes without them, and each library the import then
# reports missing (or too old: an undefined symbol) is installed as torch's own metadata pins it.
cuda_component() {  # the CUDA component named by an import error (a library or a symbol), or nothing
  local what
  what=$(sed -n -e 's/.*\blib\([A-Za-z]*\)[^ :]*\.so[^ :]*: cannot open shared object file.*/\1/p' \
    -e 's/.*undefined symbol: \([A-Za-z]*\).*/\1/p' <<<"$1" | head -n 1 | tr '[:upper:]' '[:lower:]')
  case $what in
    cusparselt*) echo cusparselt ;; cusparse*) echo cusparse ;; cublas*) echo cublas ;;
    cudnn*) echo cudnn ;; nccl*) echo nccl ;; nvshmem*) echo nvshmem ;; cufile*) echo cufile ;;
    cufft*) echo cufft ;; curand*) echo curand ;; cusolver*) echo cusolver ;; nvrtc*) echo nvrtc ;;
    nvjitlink*) echo nvjitlink ;; cupti*) echo cupti ;; nvtoolsext*) echo nvtx ;; cudart*|cuda*) echo cudart ;;
  esac
}
cuda_requirement() {  # cuda_requirement METADATA COMPONENT: the requirement in torch's METADATA (text) that brings it
  local meta=$1 comp=$2 name
  case $comp in
    cudart) name=nvidia-cuda-runtime ;; nvrtc) name=nvidia-cuda-nvrtc ;; cupti) name=nvidia-cuda-cupti ;;
    *) name=nvidia-$comp ;;
  esac
  # torch 2.x up to CUDA 12: one nvidia-<component>-cuNN==V each; with CUDA 13: cuda-toolkit[...]==V
  # for the toolkit's libraries and nvidia-<name>-cu13==V for the others.
  local line
  line=$(sed -n "s/^Requires-Dist: \($name\(-cu[0-9]*\)\{0,1\}[=<>~ ][^;]*\).*/\1/p" <<<"$meta" | head -n 1)
  if [ -z "$line" ]; then
    line=$(sed -n "s/^Requires-Dist: cuda-toolkit\[[^]]*\b$comp\b[^]]*\] *\([=<>~][^;]*\).*/cuda-toolkit[$comp]\1/p" \
      <<<"$meta" | head -n 1)
  fi
  echo "$line" | tr -d ' '
}
install_torch() {  # install_torch DIR (pip's output goes to DIR/bench-trainer-pip.log)
  local py=$1/bin/python meta err comp req done_list=" " log=$1/bench-trainer-pip.log
  [ -x "$py" ] || { note "creating the Python environment $1"; python3 -m venv "$1"; }
  pip_install() { "$py" -m pip install "$@" >>"$log" 2>&1 || fail "--install-torch: pip install $* failed (see $log)"; }
  note "installing $torch_spec into $1 without its CUDA dependencies (pip's output: $log)"
  pip_install --no-deps "$torch_spec"
  meta=$("$py" -c 'import importlib.metadata as m; print(m.distribution("torch").read_text("METADATA"))')
  # Its pure-Python requirements: every one not CUDA's, not triton (torch.compile on GPUs) and not an extra.
  mapfile -t reqs < <(sed -n 's/^Requires-Dist: //p' <<<"$meta" | grep -v 'extra ==' |
    grep -Ev '^(nvidia-|cuda-|triton)' | sed 's/ *;.*//')
  [ "${#reqs[@]}" -eq 0 ] || pip_install "${reqs[@]}"
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
    if err=$("$py" -c 'import torch; torch.randn(2, 2) @ torch.randn(2, 2)' 2>&1); then
      note "torch $("$py" -c 'import torch; print(torch.__version__)') imports and runs in $1"
      return 0
    fi
    comp=$(cuda_component "$err")
    req=""
    [ -z "$comp" ] || req=$(cuda_requirement "$meta" "$comp")
    if [ -z "$req" ] || [[ $done_list == *" $req "* ]]; then
      fail "--install-torch: torch does not import: $(tail -n 1 <<<"$err") (pip install torch with all its dependencies brings every CUDA library: several GB)"
    fi
    note "torch needs $comp to import: installing $req"
    pip_install "$req"
    done_list+="$req "
  done
  fail "--install-torch: torch still does not import: $(tail -n 1 <<<"$err")"
}
torch_py="" torch_version=""
version_of_torch='import torch; print(torch.__version__)'
if has_trainer torch; then
  [ "$install_torch" -eq 0 ] || install_torch "$torch_venv"
  if [ -n "$torch_venv" ]; then
    [ -x "$torch_venv/bin/python" ] || die "--torch-venv: $torch_venv/bin/python not found (--install-torch makes it)"
    torch_py=$torch_venv/bin/python
    torch_version=$("$torch_py" -c "$version_of_torch" 2>/dev/null) || die "--torch-venv: $torch_py cannot import torch"
  elif torch_version=$(python3 -c "$version_of_torch" 2>/dev/null); then
    torch_py=$(command -v python3)
  else
    note "torch rows skipped: python3 has no torch and no --torch-venv DIR was given (--install-torch installs one)"
  fi
fi
if has_trainer llmc && [ -z "$llmc" ]; then note "llm.c rows skipped: no --llmc PATH (a checkout of karpathy/llm.c) given"; fi

# --- the results and the work directory --------------------------------------------------------------
out=${out:-results/trainer-cpu/$(date +%F)}
mkdir -p "$out/logs_t$threads"
logs=$out/logs_t$threads
csv=$out/trainer_cpu_t$threads.csv
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-trainer.XXXXXX")
if [ "$keep_work" -eq 1 ]; then note "work directory $work (kept)"; else trap 'rm -rf "$work"' EXIT; fi
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads
# Other work on the cores slows every trainer and makes the timings noisy: said here, and the load
# averages at the start and the end go into the sidecar.
load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)
if awk -v l="${load_start%% *}" 'BEGIN { exit !(l + 0 >= 0.5) }'; then
  note "the machine is busy (load average ${load_start%% *} before the first run): timings will be low and noisy"
fi

# --- shapes and data ----------------------------------------------------------------------------------
shape_config() {  # sets L H C T B V of shape $1
  case $1 in
    nanogpt) L=4 H=4 C=128 T=64 B=12 V=256 ;;
    gpt2-124m) L=12 H=12 C=768 T=64 B=4 V=50257 ;;
  esac
}
# Random tokens: the step's work does not depend on them. nanogpt: 1 MiB of random bytes as a text file
# for cctrain and as the same tokens in an llm.c shard; gpt2-124m: 256 Ki tokens below 50257 in a shard
# (header of 256 int32: magic 20240520, version 1, token count; then uint16 tokens).
note "writing token data to $work"
python3 - "$work" <<'EOF'
import array, random, struct, sys
work = sys.argv[1]
def shard(path, tokens):
    header = [0] * 256
    header[0], header[1], header[2] = 20240520, 1, len(tokens)
    with open(path, "wb") as f:
        f.write(struct.pack("<256i", *header))
        data = array.array("H", tokens)
        if sys.byteorder == "big":
            data.byteswap()
        f.write(data.tobytes())
rng = random.Random(1337)
text = bytes(rng.randrange(256) for _ in range(1 << 20))
with open(work + "/nanogpt.txt", "wb") as f:
    f.write(text)
shard(work + "/nanogpt.bin", list(text))
shard(work + "/gpt2-124m.bin", [rng.randrange(50257) for _ in range(1 << 18)])
EOF

# --- cctrain ------------------------------------------------------------------------------------------
threads_flag=(--threads "$threads")
if ! grep -q -- '--threads' <<<"$("$cctrain" --help 2>&1)"; then
  note "$cctrain has no --threads (an older build): it runs on OMP_NUM_THREADS=$threads"
  threads_flag=()
fi
set_model_args() {  # model_args: cctrain's shape and data flags of shape $1 (after shape_config)
  model_args=(-L "$L" --heads "$H" -C "$C" -T "$T" -b "$B")
  if [ "$1" = nanogpt ]; then model_args+=(--data "$work/$1.txt"); else model_args+=(--data "$work/$1.bin" --vocab "$V"); fi
}
run_cctrain() {  # run_cctrain LOG FLAGS...: one rank, no validation or hash check during the run
  local log=$1
  shift
  mpirun -q -np 1 --bind-to none "$cctrain" "$@" "${threads_flag[@]}" --warmup 0 --val-every 1000000000 \
    --val-batches 1 --check-every 1000000000 --no-progress >"$log" 2>&1 ||
    fail "cctrain failed (exit $?; its output: $log): $(tail -n 1 "$log")"
}

# --- llm.c --------------------------------------------------------------------------------------------
# train_gpt2.c's main() hardcodes B = 4, T = 64, 41 steps, validation every 10 steps and 63 forward passes
# of sampling every 20, and reads gpt2_124M.bin and dev/data/tinyshakespeare/*.bin from the current
# directory. A copy gets this shape's B and T, warm-up + timed steps, no validation and no sampling, and
# runs in a directory whose files of those names link to cctrain's model file and the token shard.
llmc_commit="" llmc_build=""
if [ -n "$llmc" ]; then
  llmc_commit=$(git -C "$llmc" rev-parse HEAD 2>/dev/null || echo "not a git checkout")
  if [ -n "$(git -C "$llmc" status --porcelain -- train_gpt2.c llmc Makefile 2>/dev/null)" ]; then
    llmc_commit+="-dirty"
  fi
fi
llmc_edit() {  # llmc_edit FILE OLD NEW: replaces OLD (a literal) on the one line that holds it
  local n
  n=$(grep -cF -- "$2" "$1" || true)
  [ "$n" -eq 1 ] || fail "--llmc: train_gpt2.c has $n lines with '$2', not 1 (an llm.c this script does not know; it knows f1e2ace65149)"
  awk -v old="$2" -v new="$3" '{ i = index($0, old)
    if (i) $0 = substr($0, 1, i - 1) new substr($0, i + length(old)); print }' "$1" >"$1.new"
  mv "$1.new" "$1"
}
build_llmc() {  # build_llmc SHAPE: compiles the copy for the shape into $work/llmc-SHAPE/train_gpt2
  local dir=$work/llmc-$1 n=$((warmup + steps[$1]))
  mkdir -p "$dir/dev/data/tinyshakespeare"
  cp "$llmc/train_gpt2.c" "$llmc/Makefile" "$dir/"
  cp -r "$llmc/llmc" "$dir/"
  llmc_edit "$dir/train_gpt2.c" "int B = 4;" "int B = $B;"
  llmc_edit "$dir/train_gpt2.c" "int T = 64;" "int T = $T;"
  llmc_edit "$dir/train_gpt2.c" "step <= 40;" "step < $n;"
  llmc_edit "$dir/train_gpt2.c" "if (step % 10 == 0) {" "if (0) { // bench-trainer.sh: no validation"
  llmc_edit "$dir/train_gpt2.c" "if (step > 0 && step % 20 == 0) {" "if (0) { // bench-trainer.sh: no sampling"
  # Batches in order from the start (no shuffle): step 0 then reads what cctrain's step 0 reads.
  llmc_edit "$dir/train_gpt2.c" "dataloader_init(&train_loader, train_tokens, B, T, 0, 1, 1);" \
    "dataloader_init(&train_loader, train_tokens, B, T, 0, 1, 0); // bench-trainer.sh: in order"
  make -C "$dir" train_gpt2 >"$dir/make.log" 2>&1 || fail "--llmc: make train_gpt2 failed: $(tail -n 1 "$dir/make.log")"
  llmc_build=$(grep -m 1 -E ' train_gpt2\.c .*-o train_gpt2' "$dir/make.log" || true)
  ln -sf "$work/model-$1.bin" "$dir/gpt2_124M.bin"
  for split in train val; do
    ln -sf "$work/$1.bin" "$dir/dev/data/tinyshakespeare/tiny_shakespeare_$split.bin"
  done
}

# --- the runs -----------------------------------------------------------------------------------------
step_times() {  # the ms of every "step N: train loss X (took Y ms)" line (llm.c's, torch_cpu_gpt2.py's)
  sed -n 's/^step [0-9]*: train loss .* (took \([0-9.]*\) ms)$/\1/p' "$1"
}
median_after() {  # median_after W: the median of the numbers on stdin after the first W
  awk -v w="$1" 'NR > w { v[++n] = $1 }
    END { if (n == 0) exit 1
          for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
          printf "%.3f\n", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}
check_count() {  # check_count TRAINER LOG COUNT: the run timed every step
  [ "$3" -eq $((warmup + ${steps[$shape]})) ] ||
    fail "$1 timed $3 steps, not $((warmup + ${steps[$shape]})) (its output: $2)"
}
declare -A flop_per_token params loss_cctrain loss_llmc
cctrain_cpu=""
rm -f "$csv.partial"
echo "trainer,shape,threads,repeat,tokens_per_s,gflops,step_ms" >"$csv.partial"
for shape in "${shape_list[@]}"; do
  shape_config "$shape"
  n=$((warmup + steps[$shape]))
  set_model_args "$shape"
  # One cctrain step at learning rate 0: the FLOP per token (its first line) and, for llm.c, the model
  # file, which then holds the initial parameters.
  save=()
  if has_trainer llmc && [ -n "$llmc" ]; then save=(--save-model "$work/model-$shape.bin"); fi
  note "$shape: L $L, $H heads, C $C, T $T, batch $B, vocabulary $V; $warmup + ${steps[$shape]} steps a run, $threads threads"
  run_cctrain "$logs/${shape}_prepare.txt" "${model_args[@]}" --steps 1 --lr 0 "${save[@]}"
  first=$(head -n 1 "$logs/${shape}_prepare.txt")
  flop_per_token[$shape]=$(sed -n 's/.* \([0-9.e+]*\) FLOP\/token.*/\1/p' <<<"$first")
  params[$shape]=$(sed -n 's/.* \([0-9]*\) parameters.*/\1/p' <<<"$first")
  [ -n "${flop_per_token[$shape]}" ] || fail "no 'FLOP/token' in cctrain's first line: $first"
  [ -n "$cctrain_cpu" ] || cctrain_cpu=$(grep -m 1 -E '^# cpu:|[Oo]pen[Bb][Ll][Aa][Ss]' "$logs/${shape}_prepare.txt" | sed 's/^# *//' || true)
  if has_trainer llmc && [ -n "$llmc" ]; then
    note "$shape: building llm.c's train_gpt2 (B $B, T $T, $n steps)"
    build_llmc "$shape"
  fi
  for repeat in $(seq 1 "$repeats"); do
    for trainer in "${trainer_list[@]}"; do
      log=$logs/${shape}_${trainer}_r$repeat.txt run_csv=$logs/${shape}_${trainer}_r$repeat.csv
      case $trainer in
        cctrain)
          # From llm.c's model file when there is one: then step 0 is the same model on the same batch
          # (llm.c's loader reads B consecutive windows from the start, as cctrain's sequential one).
          init=()
          [ ! -f "$work/model-$shape.bin" ] || init=(--init "$work/model-$shape.bin")
          run_cctrain "$log" "${model_args[@]}" "${init[@]}" --steps "$n" --csv "$run_csv"
          times=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c["step_ms"] }' "$run_csv") ;;
        llmc)
          [ -n "$llmc" ] || continue
          (cd "$work/llmc-$shape" && ./train_gpt2) >"$log" 2>&1 ||
            fail "llm.c's train_gpt2 failed (exit $?; its output: $log): $(tail -n 1 "$log")"
          times=$(step_times "$log") ;;
        torch)
          [ -n "$torch_py" ] || continue
          "$torch_py" scripts/torch_cpu_gpt2.py -L "$L" --heads "$H" -C "$C" -T "$T" -b "$B" --vocab "$V" \
            --steps "${steps[$shape]}" --warmup "$warmup" --threads "$threads" >"$log" 2>&1 ||
            fail "torch_cpu_gpt2.py failed (exit $?; its output: $log): $(tail -n 1 "$log")"
          times=$(step_times "$log") ;;
      esac
      check_count "$trainer" "$log" "$(grep -c . <<<"$times" || true)"
      ms=$(median_after "$warmup" <<<"$times")
      row=$(awk -v ms="$ms" -v tokens=$((B * T)) -v fpt="${flop_per_token[$shape]}" \
        -v head="$trainer,$shape,$threads,$repeat" \
        'BEGIN { tps = tokens / (ms / 1000); printf "%s,%.1f,%.3f,%.3f\n", head, tps, tps * fpt / 1e9, ms }')
      echo "$row" >>"$csv.partial"
      note "$shape $trainer repeat $repeat: $(cut -d, -f5 <<<"$row") tokens/s, $(cut -d, -f6 <<<"$row") GFLOP/s, $ms ms/step"
    done
  done
  # The same model on the same batch: cctrain's and llm.c's step-0 losses should agree to f32 rounding.
  if [ -f "$logs/${shape}_cctrain_r1.csv" ] && [ -f "$logs/${shape}_llmc_r1.txt" ]; then
    loss_cctrain[$shape]=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $1 == 0 { print $c["loss"] }' \
      "$logs/${shape}_cctrain_r1.csv")
    loss_llmc[$shape]=$(sed -n 's/^step 0: train loss \([0-9.]*\) .*/\1/p' "$logs/${shape}_llmc_r1.txt")
    note "$shape: step 0 loss, the same model and batch: cctrain ${loss_cctrain[$shape]}, llm.c ${loss_llmc[$shape]}"
    awk -v a="${loss_cctrain[$shape]}" -v b="${loss_llmc[$shape]}" 'BEGIN { d = a - b; exit !(a != "" && b != "" && d * d <= 1e-10 * b * b) }' ||
      fail "$shape: cctrain and llm.c disagree on the loss of the same model on the same batch (${loss_cctrain[$shape]} vs ${loss_llmc[$shape]}): a bug in one of them, or an llm.c that reads its data otherwise"
  fi
done

# --- the sidecar, then the rows -----------------------------------------------------------------------
json() {  # a JSON string of $1
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\t'/\\t}
  s=${s//$'\n'/\\n}
  printf '"%s"' "$s"
}
blas_lib=$(ldd "$cctrain" 2>/dev/null | awk '/libopenblas|libblas/ { print $3; exit }')
[ -z "$blas_lib" ] || blas_lib=$(readlink -f "$blas_lib")
case $blas_lib in
  *openblas-openmp*) blas_threading=openmp ;; *openblas-pthread*) blas_threading=pthread ;;
  *openblas-serial*) blas_threading=serial ;; "") blas_threading="" ;; *) blas_threading=unknown ;;
esac
cpu_model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
shapes_json=""
for shape in "${shape_list[@]}"; do
  shape_config "$shape"
  shapes_json+="${shapes_json:+,}
    $(json "$shape"): {\"layers\": $L, \"heads\": $H, \"channels\": $C, \"seq_len\": $T, \"batch\": $B, \"vocab\": $V, \"parameters\": ${params[$shape]:-0}, \"flop_per_token\": ${flop_per_token[$shape]}, \"steps\": ${steps[$shape]}, \"step0_loss_cctrain\": $(json "${loss_cctrain[$shape]:-}"), \"step0_loss_llmc\": $(json "${loss_llmc[$shape]:-}")}"
done
{
  echo "{"
  echo "  \"tool\": \"bench-trainer.sh\","
  echo "  \"commit\": $(json "$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)"),"
  echo "  \"date\": $(json "$(date -u +%FT%TZ)"),"
  echo "  \"host\": $(json "$(hostname)"),"
  echo "  \"cpu_model\": $(json "$cpu_model"),"
  echo "  \"cpus_online\": $(nproc --all),"
  echo "  \"load_average_start\": $(json "$load_start"),"
  echo "  \"load_average_end\": $(json "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"),"
  echo "  \"command\": $(json "$command_line"),"
  echo "  \"results\": $(json "$csv"),"
  echo "  \"threads\": $threads,"
  echo "  \"repeats\": $repeats,"
  echo "  \"warmup_steps\": $warmup,"
  echo "  \"trainers\": $(json "$trainers"),"
  echo "  \"shapes\": {$shapes_json"
  echo "  },"
  echo "  \"cctrain\": $(json "$cctrain"),"
  echo "  \"cctrain_threads_flag\": $([ "${#threads_flag[@]}" -gt 0 ] && echo true || echo false),"
  echo "  \"cctrain_cpu\": $(json "$cctrain_cpu"),"
  echo "  \"openblas_library\": $(json "$blas_lib"),"
  echo "  \"openblas_threading\": $(json "$blas_threading"),"
  echo "  \"omp_num_threads\": $(json "$OMP_NUM_THREADS"),"
  echo "  \"openblas_num_threads\": $(json "$OPENBLAS_NUM_THREADS"),"
  echo "  \"openblas_coretype\": $(json "${OPENBLAS_CORETYPE:-}"),"
  echo "  \"llmc\": $(json "$llmc"),"
  echo "  \"llmc_commit\": $(json "$llmc_commit"),"
  echo "  \"llmc_build\": $(json "$llmc_build"),"
  echo "  \"torch_python\": $(json "$torch_py"),"
  echo "  \"torch_version\": $(json "$torch_version"),"
  echo "  \"mpi\": $(json "$(mpirun --version 2>/dev/null | head -n 1)")"
  echo "}"
} >"$csv.meta.json.partial"
mv "$csv.meta.json.partial" "$csv.meta.json"
mv "$csv.partial" "$csv"
note "wrote $csv and its .meta.json"

# --- the summary: medians over the repeats, and cctrain's speed relative to the others ----------------
awk -F, -v threads="$threads" -v repeats="$repeats" -v warmup="$warmup" '
  function median(list,   v, n, i, j, x) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) { x = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
  NR == 1 { next }
  { key = $2 SUBSEP $1
    if (!(key in tps)) { if (!($2 in seen)) { seen[$2] = 1; shapes[++ns] = $2 }; trainers[$2] = trainers[$2] " " $1 }
    tps[key] = tps[key] " " $5; gf[key] = gf[key] " " $6; ms[key] = ms[key] " " $7 }
  END {
    printf "# trainer speed on the CPU: %d threads, median of %d repeats (each the median step after %d warm-up steps)\n", threads, repeats, warmup
    printf "%-10s %-8s %12s %9s %10s\n", "shape", "trainer", "tokens/s", "GFLOP/s", "step_ms"
    for (s = 1; s <= ns; s++) {
      shape = shapes[s]; n = split(trainers[shape], names, " "); ratios = ""
      for (i = 1; i <= n; i++) {
        key = shape SUBSEP names[i]; med[names[i]] = median(tps[key])
        printf "%-10s %-8s %12.1f %9.2f %10.2f\n", shape, names[i], med[names[i]], median(gf[key]), median(ms[key]) }
      for (i = 1; i <= n; i++)
        if (names[i] != "cctrain" && ("cctrain" in med) && med[names[i]] > 0)
          ratios = ratios sprintf("  cctrain/%s %.2f", names[i], med["cctrain"] / med[names[i]])
      if (ratios != "") printf "%-10s%s\n", shape, ratios
      delete med } }' "$csv"
