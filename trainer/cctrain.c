// cctrain: data-parallel GPT-2 training on the CPU over MPI, with the gradient sync strategy pluggable.
//
//   mpirun -np 4 cctrain --sync ring+topk:0.01+ef --steps 200
//   mpirun -np 4 cctrain --compare ring,ring+fp16,ring+int8,ring+topk:0.01+ef --out-dir cmp/
//
// Every rank holds the whole model (identical at start: rank 0's parameters are broadcast), trains on
// its own B sequences of every global batch, averages the gradient with the strategy, clips it and
// steps AdamW. Rows (one per step) go to a table on stdout and a CSV; checkpoints hold everything a
// resumed run needs to continue bit-identically.
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <mpi.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectives/collectives.h"
#include "collectives/comm.h"
#include "collectives/memops.h"
#include "collectives/transport_mpi.h"
#include "common/atomic_file.h"
#include "common/check_mpi.h"
#include "common/cli.h"
#include "common/error.h"
#include "common/interrupt.h"
#include "common/json.h"
#include "common/netcluster.h"
#include "common/output_check.h"
#include "common/progress.h"
#include "common/readfile.h"
#include "common/resume.h"
#include "common/rows.h"
#include "common/strategy.h"
#include "common/sysmem.h"
#include "common/timer.h"
#include "common/watchdog.h"
#include "common/version.h"
#include "trainer/checkpoint.h"
#include "trainer/cpu_threads.h"
#include "trainer/data.h"
#include "trainer/gpt2.h"
#include "trainer/gpu_peak.h"
#include "trainer/optim.h"
#include "trainer/train_model.h"
#include "trainer/train_sync.h"
#ifdef CCBENCH_HAVE_CUDA
#include "collectives/device.h"
#include "collectives/transport_ipc.h"
#include "collectives/transport_staged.h"
#include "kernels/cuda_device.h"
#include "trainer/gpt2_cuda.h"
#endif
#ifdef CCBENCH_HAVE_NCCL
#include "collectives/transport_nccl.h"
#endif

#define MAX_COMPARE 32
#define CHECKPOINT_TAG 0x7c7  // compressor states sent to rank 0; no collective is in flight then

typedef struct {
  // model
  long long layers, heads, channels, seq_len, vocab;
  const char *init;
  // data
  const char *data, *val_data, *sample;
  long long markov_vocab, markov_order;
  double markov_sharpness;
  // optimization
  long long batch, steps, stop_at, warmup, seed;
  double lr, min_lr_frac, weight_decay, beta1, beta2, eps, clip;
  double timeout_s;
  // device
  long long threads;
  const char *device, *dtype, *transport;
  double peak_tflops;
  // gradient sync
  const char *sync, *compare;
  uint64_t bucket;
  const char *overlap;
  long long ranks_per_node;
  // output
  long long val_every, val_batches, log_every, check_every, checkpoint_every;
  const char *csv, *out_dir, *checkpoint, *resume, *save_model;
  bool no_progress;
  // derived
  cc_strategy strategies[MAX_COMPARE];
  int nstrategies;
} options;

// Everything a run shares across the strategies of a comparison.
typedef struct {
  const options *o;
  int rank, ranks;
  MPI_Comm mpi;
  cc_comm *comm;
  token_stream train, val;
  gpt2_config config;
  float *init_params;  // from --init, else NULL (fresh GPT-2 init from --seed)
  int B, T, G;         // sequences per rank, sequence length, global batch
  int threads;         // CPU threads of the model per rank
  bool overlap;        // gradient buckets averaged during backward, on a communication thread
  bool cuda;           // --device cuda: the model and its optimizer on this rank's GPU
  bool host_sync;      // --device cuda --transport mpi: the gradient is averaged in host memory
  int gpus;            // distinct GPUs the ranks drive (cuda)
  char gpu_name[256];  // rank 0's GPU
  double peak_tflops;  // one GPU's peak for --dtype (0: unknown, no MFU)
  const char *peak_source;
  int argc;
  char **argv;
} trainer;

typedef struct {
  double final_loss;      // mean training loss over the last tenth of the steps
  double final_val_loss;  // on the fixed validation batches after the last step
  double step_ms;         // mean wall time per step (rank 0), validation and checkpoints excluded
  double compute_ms, encode_ms, comm_ms, decode_ms, optim_ms;  // means per step
  double exposed_ms;      // mean wait for the sync after backward (all of it without overlap)
  double wire_bytes;      // mean bytes this rank sent per step
  double payload_bytes;   // mean compressed bytes per step
  long long steps;
  int interrupted;        // the signal that stopped the run early (SIGINT, SIGTERM), else 0
} run_summary;

// MPI counts are int: big buffers go in pieces.
static void bcast_bytes(void *buf, size_t bytes, int root, MPI_Comm comm) {
  for (size_t off = 0; off < bytes; off += (size_t)1 << 30) {
    size_t n = bytes - off < ((size_t)1 << 30) ? bytes - off : (size_t)1 << 30;
    CC_CHECK_MPI(MPI_Bcast((char *)buf + off, (int)n, MPI_BYTE, root, comm));
  }
}

// ---------------------------------------------------------------------------------------------------
// Options

static void parse_options(options *o, int argc, char **argv, int rank) {
  *o = (options){.layers = 4, .heads = 4, .channels = 128, .seq_len = 64,
                 .data = "markov", .sample = "sequential", .markov_vocab = 64, .markov_order = 2, .markov_sharpness = 3.0,
                 .batch = 16, .steps = 200, .warmup = 10, .seed = 1337, .lr = 1e-3, .min_lr_frac = 0.1,
                 .weight_decay = 0.1, .beta1 = 0.9, .beta2 = 0.95, .eps = 1e-8, .clip = 1.0,
                 .sync = "ring", .bucket = 4 << 20, .val_every = 50, .val_batches = 8, .log_every = 0,
                 .check_every = 50, .checkpoint_every = 0, .device = "cpu", .dtype = "fp32"};
  char timeout_err[256];
  const char *timeout_error = cc_watchdog_default(&o->timeout_s, timeout_err, sizeof timeout_err);
  cc_option opts[] = {
      {"layers", 'L', CC_OPT_INT, &o->layers, "N", "transformer blocks", 1, 1024},
      {"heads", 0, CC_OPT_INT, &o->heads, "N", "attention heads (divide channels)", 1, 1024},
      {"channels", 'C', CC_OPT_INT, &o->channels, "N", "model width", 1, 65536},
      {"seq-len", 'T', CC_OPT_INT, &o->seq_len, "N", "sequence length (context) in tokens", 1, 1 << 20},
      {"vocab", 0, CC_OPT_INT, &o->vocab, "N",
       "vocabulary of token shards (.bin data; 0: GPT-2's 50257, or --init's); must match --init's and a text file's 256",
       0, 1 << 16},
      {"init", 0, CC_OPT_STRING, &o->init, "FILE", "start from an llm.c GPT-2 model file (fp32, version 3)", 0, 0},
      {"data", 'd', CC_OPT_STRING, &o->data, "SRC",
       "markov (synthetic, known loss floor), a text file (bytes), or .bin token shards (a comma list of paths and "
       "glob patterns such as 'train_*.bin')", 0, 0},
      {"val-data", 0, CC_OPT_STRING, &o->val_data, "SRC", "validation file (default: last 10% of --data)", 0, 0},
      {"sample", 0, CC_OPT_STRING, &o->sample, "HOW",
       "training batches: sequential (consecutive windows tiling the data) or random (positions drawn from --seed, as "
       "nanoGPT); validation batches are always sequential", 0, 0},
      {"markov-vocab", 0, CC_OPT_INT, &o->markov_vocab, "N", "Markov source: vocabulary", 2, 65536},
      {"markov-order", 0, CC_OPT_INT, &o->markov_order, "K", "Markov source: tokens of context", 1, 8},
      {"markov-sharpness", 0, CC_OPT_DOUBLE, &o->markov_sharpness, "S",
       "Markov source: peakedness of its next-token distributions (higher: lower entropy)", 0, 100},
      {"batch", 'b', CC_OPT_INT, &o->batch, "G", "global batch in sequences (divided among the ranks)", 1, 1 << 24},
      {"steps", 'n', CC_OPT_INT, &o->steps, "N", "optimizer steps (the schedule's length)", 1, 1LL << 40},
      {"stop-at", 0, CC_OPT_INT, &o->stop_at, "STEP",
       "stop after this many steps as if interrupted (0: run to --steps); resume later with --resume", 0, 1LL << 40},
      {"lr", 0, CC_OPT_DOUBLE, &o->lr, "LR", "peak learning rate", 0, 10},
      {"min-lr-frac", 0, CC_OPT_DOUBLE, &o->min_lr_frac, "F", "final learning rate as a fraction of --lr", 0, 1},
      {"warmup", 0, CC_OPT_INT, &o->warmup, "N", "linear warm-up steps", 0, 1LL << 40},
      {"weight-decay", 0, CC_OPT_DOUBLE, &o->weight_decay, "WD", "AdamW decay of the weight matrices", 0, 10},
      {"beta1", 0, CC_OPT_DOUBLE, &o->beta1, "B", "AdamW beta1", 0, 0.999999},
      {"beta2", 0, CC_OPT_DOUBLE, &o->beta2, "B", "AdamW beta2", 0, 0.999999},
      {"eps", 0, CC_OPT_DOUBLE, &o->eps, "E", "AdamW epsilon", 1e-30, 1},
      {"clip", 0, CC_OPT_DOUBLE, &o->clip, "N", "clip the gradient norm to this (0: off)", 0, 1e30},
      {"seed", 0, CC_OPT_INT, &o->seed, "N", "seed of the init, the data and the compressors", 0, 1LL << 62},
      {"threads", 0, CC_OPT_INT, &o->threads, "N",
       "CPU threads per rank for the model's loops and its BLAS (0: the node's cores / its ranks, at most the CPUs "
       "the rank is bound to)", 0, 4096},
      {"device", 0, CC_OPT_STRING, &o->device, "DEV",
       "cpu, or cuda: model, gradients and AdamW on the GPU (device local_rank % GPUs), with a throughput and MFU log",
       0, 0},
      {"dtype", 0, CC_OPT_STRING, &o->dtype, "TYPE",
       "matmuls with --device cuda: fp32, tf32 or bf16 (operands cast to bf16, f32 accumulation); storage and "
       "master weights are f32 in all", 0, 0},
      {"transport", 0, CC_OPT_STRING, &o->transport, "NAME",
       "gradient transport: mpi (host memory; with --device cuda the gradient goes through the host, any "
       "strategy), or with --device cuda: mpi-staged (default), ipc, nccl (GPU buffers, uncompressed)", 0, 0},
      {"peak-tflops", 0, CC_OPT_DOUBLE, &o->peak_tflops, "TF",
       "one GPU's peak TFLOP/s for the MFU figures (default: trainer/gpu_peak.c's table for the GPU and --dtype)",
       0, 1e9},
      {"sync", 's', CC_OPT_STRING, &o->sync, "STRATEGY", "gradient sync, e.g. ring, rabenseifner+int8, ring+topk:0.01+ef", 0, 0},
      {"compare", 0, CC_OPT_STRING, &o->compare, "LIST",
       "train once per strategy (same seed and data) and write a summary; needs --out-dir", 0, 0},
      {"bucket", 0, CC_OPT_SIZE, &o->bucket, "SIZE",
       "gradient bucket size in bytes; buckets fill in backward order (LM head first, embeddings last)", 4,
       (double)(1ULL << 40)},
      {"overlap", 0, CC_OPT_STRING, &o->overlap, "on|off",
       "on: average each bucket on a communication thread as soon as backward has produced it (as DDP); off: "
       "after backward. The same bits either way. Default: on with --device cpu; the GPU model syncs after "
       "backward", 0, 0},
      {"ranks-per-node", 0, CC_OPT_INT, &o->ranks_per_node, "N", "node grouping for hier (0: detect)", 0, 1 << 20},
      {"val-every", 0, CC_OPT_INT, &o->val_every, "N", "validation loss every N steps (and after the last)", 1, 1LL << 40},
      {"val-batches", 0, CC_OPT_INT, &o->val_batches, "N", "validation batches (global) per evaluation", 1, 1 << 20},
      {"log-every", 0, CC_OPT_INT, &o->log_every, "N", "table row every N steps (0: about 20 rows)", 0, 1LL << 40},
      {"check-every", 0, CC_OPT_INT, &o->check_every, "N", "compare the ranks' parameter hashes every N steps", 1, 1LL << 40},
      {"csv", 'o', CC_OPT_STRING, &o->csv, "FILE", "per-step rows as CSV ('-': stdout, the table then on stderr)", 0, 0},
      {"out-dir", 0, CC_OPT_STRING, &o->out_dir, "DIR", "--compare: one CSV per strategy and summary.csv", 0, 0},
      {"checkpoint", 0, CC_OPT_STRING, &o->checkpoint, "FILE", "write a checkpoint here (atomically)", 0, 0},
      {"checkpoint-every", 0, CC_OPT_INT, &o->checkpoint_every, "N", "checkpoint every N steps (0: at the end only)", 0, 1LL << 40},
      {"resume", 0, CC_OPT_STRING, &o->resume, "FILE", "continue a run from its checkpoint (same flags)", 0, 0},
      {"save-model", 0, CC_OPT_STRING, &o->save_model, "FILE", "write the final parameters as an llm.c model file", 0, 0},
      {"no-progress", 0, CC_OPT_FLAG, &o->no_progress, NULL, "no progress bar (drawn only on a terminal anyway)", 0, 0},
      {"timeout", 0, CC_OPT_DOUBLE, &o->timeout_s, "SECONDS",
       "end the job with an error naming the phase, strategy and step when a rank makes no progress for "
       "this long (a stuck collective); 0: off; the default is CCBENCH_TIMEOUT's when set, else 600", 0, 1e9},
  };
  cc_cli cli = {
      .prog = "cctrain",
      .usage = "mpirun -np P cctrain [options]",
      .summary = "Trains a GPT-2 model on the CPU, data-parallel over MPI ranks; gradients are averaged with "
                 "any ccbench strategy (algorithm + compressor). Prints a row per step and writes CSV, "
                 "checkpoints and llm.c model files.",
      .epilog = "examples:\n"
                "  mpirun -np 4 cctrain --sync ring+topk:0.01+ef --steps 300 --csv topk.csv\n"
                "  mpirun -np 4 cctrain --compare ring,ring+int8,ring+powersgd:4+ef --out-dir cmp\n"
                "  mpirun -np 2 cctrain --data input.txt -T 128 --checkpoint run.ckpt --checkpoint-every 100\n"
                "  mpirun -np 2 cctrain --data input.txt -T 128 --checkpoint run.ckpt --resume run.ckpt\n",
      .opts = opts,
      .nopts = (int)(sizeof opts / sizeof opts[0]),
  };
  cc_mpi_cli_parse(&cli, argc, argv, rank);
  cc_mpi_agree(MPI_COMM_WORLD, timeout_error);  // each rank has its own environment
  cc_netcluster netcluster;  // set by scripts/netcluster.sh mpirun; named in the sidecar
  char netcluster_err[300];
  cc_mpi_agree(MPI_COMM_WORLD, cc_netcluster_from_env(&netcluster, netcluster_err, sizeof netcluster_err) < 0 ? netcluster_err : NULL);
  // Ranks started with other flags (an MPMD launch) would train different runs and wait for each other
  // forever; with the same arguments, every check below gives every rank the same verdict.
  cc_mpi_require_same_args(argc, argv);
  char err[512];

  const char *list = o->compare ? o->compare : o->sync;
  const char *flag = o->compare ? "--compare" : "-s/--sync";
  o->nstrategies = cc_strategy_parse_list(list, o->strategies, MAX_COMPARE, err, sizeof err);
  if (o->nstrategies < 0) cc_input_error("%s: %s", flag, err);
  if (!o->compare && o->nstrategies != 1) cc_input_error("-s/--sync: one strategy (use --compare for a list)");
  // Device, math and transport.
  bool cuda = strcmp(o->device, "cuda") == 0;
  if (!cuda && strcmp(o->device, "cpu") != 0) cc_input_error("--device: unknown device '%s' (cpu, cuda)", o->device);
#ifndef CCBENCH_HAVE_CUDA
  if (cuda) cc_input_error("--device cuda: this cctrain was built without CUDA");
#endif
  if (strcmp(o->dtype, "fp32") != 0 && strcmp(o->dtype, "tf32") != 0 && strcmp(o->dtype, "bf16") != 0)
    cc_input_error("--dtype: unknown type '%s' (fp32, tf32, bf16)", o->dtype);
  if (!cuda && strcmp(o->dtype, "fp32") != 0)
    cc_input_error("--dtype %s: the CPU model computes in fp32; add --device cuda", o->dtype);
  if (!cuda && o->peak_tflops > 0) cc_input_error("--peak-tflops: MFU is reported with --device cuda only");
  if (o->overlap && strcmp(o->overlap, "on") != 0 && strcmp(o->overlap, "off") != 0)
    cc_input_error("--overlap: '%s' is neither on nor off", o->overlap);
  if (cuda && o->overlap && strcmp(o->overlap, "on") == 0)
    cc_input_error("--overlap on: the GPU model syncs after backward; overlap runs with --device cpu");
  if (!o->overlap) o->overlap = cuda ? "off" : "on";
  if (cuda && o->threads) cc_input_error("--threads: sets the CPU model's threads; not with --device cuda");
  if (!o->transport) o->transport = cuda ? "mpi-staged" : "mpi";
  bool have_nccl = false;
#ifdef CCBENCH_HAVE_NCCL
  have_nccl = true;
#endif
  if (strcmp(o->transport, "mpi") != 0 && strcmp(o->transport, "mpi-staged") != 0 && strcmp(o->transport, "ipc") != 0 &&
      strcmp(o->transport, "nccl") != 0)
    cc_input_error("--transport: unknown transport '%s' (mpi; with --device cuda: mpi-staged, ipc, nccl)", o->transport);
  if (!cuda && strcmp(o->transport, "mpi") != 0)
    cc_input_error("--transport %s moves GPU buffers: add --device cuda", o->transport);
  if (strcmp(o->transport, "nccl") == 0 && !have_nccl)
    cc_input_error("--transport nccl: this cctrain was built without NCCL");
  bool device_sync = cuda && strcmp(o->transport, "mpi") != 0;
  for (int i = 0; i < o->nstrategies; i++) {
    const cc_strategy *s = &o->strategies[i];
    if (s->algo == CC_ALGO_NCCL && (s->nccl_algo >= 0 || s->nccl_proto >= 0))
      cc_input_error("%s: %s: cctrain runs NCCL's own choice; force it with NCCL_ALGO / NCCL_PROTO in the environment",
                     flag, s->name);
    if (s->algo == CC_ALGO_NCCL && !(device_sync && have_nccl))
      cc_input_error("%s: nccl syncs GPU buffers: it needs --device cuda, a GPU --transport and NCCL", flag);
    if (s->compressed && device_sync)
      cc_input_error("%s: %s: compressors run on host buffers; with --device cuda use --transport mpi (the gradient "
                     "goes through the host)", flag, s->name);
    if (!cc_strategy_implements(s, CC_ALLREDUCE, err, sizeof err)) cc_input_error("%s: %s", flag, err);
    if (s->algo == CC_ALGO_MPI && s->compressed) cc_input_error("%s: mpi takes no compressor (%s)", flag, s->name);
  }
  if (o->compare && !o->out_dir) cc_input_error("--compare: needs --out-dir for its CSVs and summary");
  if (o->compare && (o->csv || o->resume || o->checkpoint || o->save_model))
    cc_input_error("--compare: writes its own files under --out-dir; drop --csv/--checkpoint/--resume/--save-model");
  if (o->stop_at > o->steps) cc_input_error("--stop-at: %lld is beyond --steps %lld", o->stop_at, o->steps);
  if (o->compare && o->stop_at) cc_input_error("--stop-at: not with --compare");
  if (o->checkpoint_every && !o->checkpoint) cc_input_error("--checkpoint-every: needs --checkpoint FILE");
  if (strcmp(o->sample, "sequential") != 0 && strcmp(o->sample, "random") != 0)
    cc_input_error("--sample: '%s' is neither sequential nor random", o->sample);
  if (o->val_data && strcmp(o->data, "markov") == 0)
    cc_input_error("--val-data: the Markov source makes its own validation stream");
}

// The output files are written by rank 0, some of them only at the end of training: they are checked
// before any work (writable, and no file named twice: an output on an input or on another output,
// common/output_check.h) and the verdict is agreed, so a bad path stops every rank at once with one
// line instead of rank 0 alone, later. --resume may name the --checkpoint file: that is how a run
// continues and keeps checkpointing.
static void check_outputs(const trainer *tr) {
  const options *o = tr->o;
  char err[1024] = "", why[768], *csv_meta = NULL;
  if (tr->rank == 0 && o->out_dir && cc_dir_check(o->out_dir, why, sizeof why) != 0)
    snprintf(err, sizeof err, "--out-dir: %s", why);
  if (tr->rank == 0 && !err[0]) {
    if (o->csv && !cc_output_is_stream(o->csv)) CC_CHECK_PTR(csv_meta = cc_path_with_suffix(o->csv, CC_META_SUFFIX));
    bool resume_is_checkpoint = o->resume && o->checkpoint && cc_same_file(o->resume, o->checkpoint);
    // The data: a file, or shards (paths and patterns); a list that does not expand is reported when loaded.
    char **paths = NULL;
    int npaths = 0;
    if (o->data && strcmp(o->data, "markov") != 0 && data_shard_list(o->data, &paths, &npaths, why, sizeof why) != 0)
      npaths = 0;
    enum { FIXED = 7 };
    cc_file_use fixed[FIXED] = {
        {"--csv", o->csv, true}, {"--checkpoint", o->checkpoint, true}, {"--save-model", o->save_model, true},
        {"--csv (its sidecar)", csv_meta, true}, {"--init", o->init, false},
        {"--resume", resume_is_checkpoint ? NULL : o->resume, false}, {"--val-data", o->val_data, false}};
    cc_file_use *uses = cc_malloc((FIXED + (size_t)npaths) * sizeof *uses);
    memcpy(uses, fixed, sizeof fixed);
    for (int i = 0; i < npaths; i++) uses[FIXED + i] = (cc_file_use){"-d/--data", paths[i], false};
    cc_check_files(uses, FIXED + npaths, err, sizeof err);
    free(uses);
    data_shard_list_free(paths, npaths);
  }
  free(csv_meta);
  cc_mpi_agree(tr->mpi, err[0] ? err : NULL);
}

// ---------------------------------------------------------------------------------------------------
// Data and model shape

static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

// A file source: .bin shards (a comma list of paths and glob patterns) or a text file. NULL on success,
// else the error in err.
static const char *load_file_source(token_stream *s, const char *spec, int vocab, char *err, size_t errlen) {
  if (!ends_with(spec, ".bin")) return data_text_file(s, spec, err, errlen) == 0 ? NULL : err;
  char **paths;
  int n;
  if (data_shard_list(spec, &paths, &n, err, errlen) != 0) return err;
  int rc = data_token_shards(s, (const char *const *)paths, n, vocab, err, errlen);
  data_shard_list_free(paths, n);
  return rc == 0 ? NULL : err;
}

// Loads the data on every rank (each reads the whole source; batches pick each rank's part) and
// settles the model's shape.
static void setup_data_and_model(trainer *tr) {
  const options *o = tr->o;
  char err[1024];
  const char *fail = NULL;
  tr->T = (int)o->seq_len;
  tr->G = (int)o->batch;
  if (tr->G % tr->ranks != 0)
    cc_input_error("-b/--batch: global batch %d does not divide among %d ranks", tr->G, tr->ranks);
  tr->B = tr->G / tr->ranks;

  // --init fixes the shape; the flags give it otherwise.
  if (o->init) {
    gpt2_config c;
    if (gpt2_model_file_read(o->init, &c, &tr->init_params, err, sizeof err) != 0) {
      fail = err;
    } else if (tr->T > c.max_seq_len) {
      snprintf(err, sizeof err, "-T/--seq-len: %d exceeds the context of %s (%d)", tr->T, o->init, c.max_seq_len);
      fail = err;
    }
    cc_mpi_agree(tr->mpi, fail);  // each rank read its own copy of the file
    tr->config = c;
  }

  // --vocab says what the shards hold: it cannot disagree with the model file or with a text file's bytes.
  bool text = strcmp(o->data, "markov") != 0 && !ends_with(o->data, ".bin");
  if (o->vocab == 1) cc_input_error("--vocab: 1 token is no vocabulary (at least 2)");
  if (o->vocab && o->init && o->vocab != tr->config.vocab_size)
    cc_input_error("--vocab: %lld differs from the vocabulary of --init %s (%d)", o->vocab, o->init, tr->config.vocab_size);
  if (o->vocab && text && o->vocab != 256)
    cc_input_error("--vocab: %lld, but a text file's tokens are its bytes (vocabulary 256)", o->vocab);
  if (o->vocab && strcmp(o->data, "markov") == 0)
    cc_input_error("--vocab: the Markov source's vocabulary is --markov-vocab");
  int vocab = o->init ? tr->config.vocab_size : o->vocab ? (int)o->vocab : 50257;
  if (strcmp(o->data, "markov") == 0) {
    data_markov_spec spec = data_markov_default();
    spec.vocab = (int)o->markov_vocab;
    spec.order = (int)o->markov_order;
    spec.sharpness = o->markov_sharpness;
    spec.seed = (uint64_t)o->seed;
    // Generate what the run reads (plus one sequence), not the default 16M tokens.
    double needed = (double)o->steps * tr->G * tr->T + tr->T + 1;
    spec.train_tokens = needed < 65536 ? 65536 : needed > 16e6 ? (size_t)16e6 : (size_t)needed;
    double val_needed = (double)o->val_batches * tr->G * tr->T + tr->T + 1;
    spec.val_tokens = val_needed > 4e6 ? (size_t)4e6 : (size_t)val_needed;
    if (data_markov(&spec, tr->T, &tr->train, &tr->val, err, sizeof err) != 0) fail = err;
  } else {
    fail = load_file_source(&tr->train, o->data, vocab, err, sizeof err);
    if (!fail && o->val_data) fail = load_file_source(&tr->val, o->val_data, vocab, err, sizeof err);
    else if (!fail) fail = data_split_validation(&tr->train, &tr->val, tr->T, err, sizeof err) == 0 ? NULL : err;
    if (!fail && data_check_length(&tr->train, tr->T, err, sizeof err) != 0) fail = err;
    if (!fail && data_check_length(&tr->val, tr->T, err, sizeof err) != 0) fail = err;
  }
  cc_mpi_agree(tr->mpi, fail);

  // The vocabulary comes from each rank's own copy of the data: the verdicts are agreed.
  if (o->init) {
    if (tr->train.vocab_size > tr->config.vocab_size) {
      snprintf(err, sizeof err, "--init: %s has vocabulary %d, the data needs %d", o->init, tr->config.vocab_size,
               tr->train.vocab_size);
      fail = err;
    }
  } else {
    tr->config = (gpt2_config){.max_seq_len = tr->T, .vocab_size = tr->train.vocab_size,
                               .padded_vocab_size = gpt2_pad_vocab(tr->train.vocab_size),
                               .num_layers = (int)o->layers, .num_heads = (int)o->heads,
                               .channels = (int)o->channels};
    const char *why = gpt2_config_error(&tr->config);
    if (why) {
      snprintf(err, sizeof err, "model shape (--layers/--heads/--channels/-T): %s", why);
      fail = err;
    }
  }
  cc_mpi_agree(tr->mpi, fail);
}

// Weight decay applies to the matrices (embeddings included), not to biases and LayerNorm parameters.
static bool tensor_decays(int t) {
  return t == GPT2_WTE || t == GPT2_WPE || t == GPT2_QKVW || t == GPT2_ATTPROJW || t == GPT2_FCW ||
         t == GPT2_FCPROJW;
}

// Every rank must hold the same parameters; a sync that gives ranks different bits is a bug worth
// stopping for, not a curiosity to discover in the loss curve later.
static void check_ranks_agree(trainer *tr, const float *params, size_t n, long long step) {
  // The checkpoint checksum covers whole 64-bit words; an odd last float is folded in on its own.
  size_t bytes = n * sizeof(float), whole = bytes / 8 * 8;
  uint64_t tail = 0;
  memcpy(&tail, (const char *)params + whole, bytes - whole);
  uint64_t mine = ckpt_checksum(params, whole) ^ tail;
  uint64_t *all = cc_malloc((size_t)tr->ranks * sizeof *all);
  CC_CHECK_MPI(MPI_Allgather(&mine, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, tr->mpi));
  for (int r = 1; r < tr->ranks; r++)
    if (all[r] != all[0])
      CC_FATAL("step %lld: rank %d's parameters differ from rank 0's (hash %016llx vs %016llx): the gradient "
               "sync gave ranks different results", step, r, (unsigned long long)all[r], (unsigned long long)all[0]);
  free(all);
}

// ---------------------------------------------------------------------------------------------------
// Checkpoints

typedef struct {
  int32_t version, ranks, global_batch, seq_len;
  int64_t step;           // steps done
  int64_t data_position;  // next global batch index
  int64_t total_steps;
  uint64_t seed;
  char strategy[112];
  int64_t sync_state_bytes;  // per rank
} checkpoint_meta;

static void write_checkpoint(trainer *tr, const char *path, const float *params, size_t n, const float *adam_m,
                             const float *adam_v, grad_sync *gs, long long step, const cc_strategy *s) {
  size_t state = grad_sync_state_bytes(gs);
  char *states = NULL;
  cc_transport *t = tr->comm->t;  // moves the compressor states to rank 0, in MPI-sized pieces
  if (state) {
    if (tr->rank == 0) {
      states = cc_malloc(state * (size_t)tr->ranks);
      grad_sync_state_save(gs, states);
      for (int r = 1; r < tr->ranks; r++) t->recv(t, states + state * (size_t)r, state, r, CHECKPOINT_TAG);
      t->wait(t);
    } else {
      char *mine = cc_malloc(state);
      grad_sync_state_save(gs, mine);
      t->send(t, mine, state, 0, CHECKPOINT_TAG);
      t->wait(t);
      free(mine);
    }
  }
  char err[1024];
  const char *fail = NULL;
  if (tr->rank == 0) {
    checkpoint_meta meta = {.version = 1, .ranks = tr->ranks, .global_batch = tr->G, .seq_len = tr->T,
                            .step = step, .data_position = step, .total_steps = tr->o->steps,
                            .seed = (uint64_t)tr->o->seed, .sync_state_bytes = (int64_t)state};
    snprintf(meta.strategy, sizeof meta.strategy, "%s", s->name);
    ckpt ck;
    ckpt_init(&ck);
    ckpt_add(&ck, "cctrain", &meta, sizeof meta);
    ckpt_add(&ck, "config", &tr->config, sizeof tr->config);
    ckpt_add(&ck, "params", params, n * sizeof(float));
    ckpt_add(&ck, "adam_m", adam_m, n * sizeof(float));
    ckpt_add(&ck, "adam_v", adam_v, n * sizeof(float));
    if (state) ckpt_add(&ck, "sync_state", states, state * (size_t)tr->ranks);
    if (ckpt_write(&ck, path, err, sizeof err) != 0) fail = err;
    ckpt_free(&ck);
  }
  free(states);
  cc_mpi_agree_output(tr->mpi, fail);
}

// Loads a checkpoint into the model, the optimizer state and the sync state; returns the step to
// continue from. Every rank reads the file; all of it is checked against this run before use.
static long long read_checkpoint(trainer *tr, const char *path, float *params, size_t n, float *adam_m,
                                 float *adam_v, grad_sync *gs, const cc_strategy *s) {
  char err[1024] = "";
  const char *fail = NULL;
  ckpt ck;
  ckpt_init(&ck);
  checkpoint_meta meta;
  gpt2_config c;
  size_t state = grad_sync_state_bytes(gs);
  if (ckpt_read(&ck, path, err, sizeof err) != 0 || ckpt_get(&ck, "cctrain", &meta, sizeof meta, err, sizeof err) != 0 ||
      ckpt_get(&ck, "config", &c, sizeof c, err, sizeof err) != 0) {
    fail = err;
  } else if (memcmp(&c, &tr->config, sizeof c) != 0) {
    snprintf(err, sizeof err, "%s: the checkpoint's model shape differs from this run's flags", path);
    fail = err;
  } else if (meta.global_batch != tr->G || meta.seq_len != tr->T || meta.seed != (uint64_t)tr->o->seed) {
    snprintf(err, sizeof err, "%s: written with --batch %d -T %d --seed %llu; this run has %d, %d, %llu", path,
             meta.global_batch, meta.seq_len, (unsigned long long)meta.seed, tr->G, tr->T,
             (unsigned long long)tr->o->seed);
    fail = err;
  } else if (strcmp(meta.strategy, s->name) != 0) {
    snprintf(err, sizeof err, "%s: written with --sync %s, this run has %s", path, meta.strategy, s->name);
    fail = err;
  } else if (state && meta.ranks != tr->ranks) {
    snprintf(err, sizeof err, "%s: holds compressor state of %d ranks, this run has %d", path, meta.ranks, tr->ranks);
    fail = err;
  } else if ((size_t)meta.sync_state_bytes != state) {
    snprintf(err, sizeof err, "%s: sync state of %lld bytes per rank, this run needs %zu (different --bucket?)", path,
             (long long)meta.sync_state_bytes, state);
    fail = err;
  } else if (ckpt_get(&ck, "params", params, n * sizeof(float), err, sizeof err) != 0 ||
             ckpt_get(&ck, "adam_m", adam_m, n * sizeof(float), err, sizeof err) != 0 ||
             ckpt_get(&ck, "adam_v", adam_v, n * sizeof(float), err, sizeof err) != 0) {
    fail = err;
  } else if (state) {
    const ckpt_section *sec = ckpt_find(&ck, "sync_state");
    if (!sec || sec->bytes != state * (size_t)tr->ranks) {
      snprintf(err, sizeof err, "%s: sync_state section missing or of the wrong size", path);
      fail = err;
    } else {
      grad_sync_state_load(gs, (const char *)sec->data + state * (size_t)tr->rank);
    }
  }
  ckpt_free(&ck);
  cc_mpi_agree(tr->mpi, fail);
  if (meta.total_steps != tr->o->steps && tr->rank == 0)
    cc_warn("--resume: the checkpoint's run had --steps %lld, this one %lld: the learning-rate schedule differs",
            (long long)meta.total_steps, tr->o->steps);
  return meta.step;
}

// ---------------------------------------------------------------------------------------------------
// Training

static double validation_loss(trainer *tr, train_model *m, int *inputs, int *targets) {
  uint64_t nb = data_val_batches(&tr->val, tr->G, tr->T, (uint64_t)tr->o->val_batches);
  double sum = 0;
  for (uint64_t b = 0; b < nb; b++) {
    data_batch(&tr->val, b, tr->G, tr->rank * tr->B, tr->B, tr->T, inputs, targets);
    sum += train_model_forward(m, inputs, targets, tr->B, tr->T);
  }
  double total;
  CC_CHECK_MPI(MPI_Allreduce(&sum, &total, 1, MPI_DOUBLE, MPI_SUM, tr->mpi));
  return total / ((double)nb * tr->ranks);
}

static const char csv_header[] =
    "step,strategy,loss,val_loss,lr,grad_norm,tokens_per_s,step_ms,compute_ms,encode_ms,comm_ms,decode_ms,"
    "optim_ms,wire_bytes,payload_bytes,exposed_comm_ms\n";

// ---------------------------------------------------------------------------------------------------
// --resume with --csv: the new file starts with the rows the interrupted run wrote before its checkpoint

// Files `path` into row[step] / row_len[step] for the steps before `start`: pointers into *text, which
// the caller frees. A missing file adds nothing; a torn last line (a kill inside a write) and a file
// cut inside its header are skipped. Returns 0, or -1 with one line in err for a file with other
// columns, whose rows would not fit under this run's header.
static int rows_of_file(const char *path, long long start, char **text, const char **row, size_t *row_len,
                        char *err, size_t errlen) {
  if (access(path, F_OK) != 0) return 0;
  size_t size = 0;
  *text = cc_read_text_file(path, &size, err, errlen);  // "<path>: <reason>"
  if (!*text) return -1;
  size_t header = strlen(csv_header);
  if (size < header && memcmp(*text, csv_header, size) == 0) return 0;
  if (size < header || memcmp(*text, csv_header, header) != 0) {
    snprintf(err, errlen, "--csv: %s has other columns than cctrain writes; its rows cannot be continued "
             "(move it away, or give --csv another file)", path);
    return -1;
  }
  int line_number = 2;
  for (const char *line = *text + header; *line; line_number++) {
    const char *newline = strchr(line, '\n');
    if (!newline) break;
    char *end;
    long long step = strtoll(line, &end, 10);
    if (end == line || *end != ',' || step < 0) {
      snprintf(err, errlen, "--csv: %s line %d: not a cctrain row (no step number first)", path, line_number);
      return -1;
    }
    if (step < start) row[step] = line, row_len[step] = (size_t)(newline + 1 - line);
    line = newline + 1;
  }
  return 0;
}

// The rows of steps 0..start-1, in step order, as one text (malloc'd; *len bytes), or NULL with err set.
// They come from FILE, from FILE.resume (the rows an earlier resume kept, if it died before finishing)
// and from FILE.partial, which a hard kill leaves and which is newest: a later file's row of a step
// wins. Rows from the checkpoint on are dropped, as those steps run again.
static char *rows_before(const char *csv_path, long long start, size_t *len, char *err, size_t errlen) {
  char *partial, *resume;
  CC_CHECK_PTR(partial = cc_path_with_suffix(csv_path, CC_PARTIAL_SUFFIX));
  CC_CHECK_PTR(resume = cc_path_with_suffix(csv_path, CC_RESUME_SUFFIX));
  const char *paths[3] = {csv_path, resume, partial};
  char *text[3] = {NULL, NULL, NULL};
  const char **row = cc_calloc((size_t)start, sizeof *row);
  size_t *row_len = cc_calloc((size_t)start, sizeof *row_len);
  int rc = 0;
  for (int f = 0; f < 3 && rc == 0; f++) rc = rows_of_file(paths[f], start, &text[f], row, row_len, err, errlen);
  char *kept = NULL;
  *len = 0;
  if (rc == 0) {
    size_t bytes = 0;
    long long found = 0;
    for (long long step = 0; step < start; step++) bytes += row_len[step], found += row[step] != NULL;
    kept = cc_malloc(bytes);
    for (long long step = 0; step < start; step++) {
      if (row[step]) memcpy(kept + *len, row[step], row_len[step]);
      *len += row_len[step];
    }
    if (!text[0] && !text[1] && !text[2])
      cc_warn("--csv: no %s or %s with the rows of the %lld steps before the checkpoint; the new file starts at "
              "step %lld", csv_path, partial, start, start);
    else if (found < start)
      cc_warn("--csv: %s and %s hold rows for %lld of the %lld steps before the checkpoint; the others stay "
              "missing", csv_path, partial, found, start);
  }
  free(row), free(row_len), free(text[0]), free(text[1]), free(text[2]), free(partial), free(resume);
  return kept;
}

// The kept rows go to FILE.resume (atomically) before the new run truncates FILE.partial, so a kill at
// any moment leaves each of them in some file rows_before reads; removed once FILE is complete.
static int keep_rows(const char *csv_path, const char *kept, size_t len, char *err, size_t errlen) {
  char *resume;
  CC_CHECK_PTR(resume = cc_path_with_suffix(csv_path, CC_RESUME_SUFFIX));
  size_t header = strlen(csv_header);
  char *text = cc_malloc(header + len);
  memcpy(text, csv_header, header);
  memcpy(text + header, kept, len);
  int rc = cc_write_file_atomic(resume, text, header + len);
  if (rc != 0) snprintf(err, errlen, "--resume: cannot write '%s': %s", resume, strerror(errno));
  free(text), free(resume);
  return rc;
}

// On the GPU two more columns: achieved model TFLOP/s (gpt2_flops_per_token x tokens/s) and MFU, that
// over the peak of the GPUs in use.
static void print_table_header(bool cuda) {
  printf("# %6s %8s %8s %9s %8s %10s %8s %8s %7s %7s %7s %7s %7s %10s", "step", "loss", "val", "lr", "gnorm",
         "tok/s", "step_ms", "compute", "encode", "comm", "decode", "exposed", "optim", "wire_B");
  printf(cuda ? " %8s %6s\n" : "\n", "TFLOP/s", "MFU%");
}

// Model TFLOP/s of the whole job at this many tokens per second, and its MFU in percent (NAN when the
// peak is unknown).
static double model_tflops(const trainer *tr, double tokens_per_s, double *mfu_percent) {
  double tflops = gpt2_flops_per_token(&tr->config, tr->T) * tokens_per_s / 1e12;
  *mfu_percent = tr->peak_tflops > 0 ? 100.0 * tflops / (tr->peak_tflops * tr->gpus) : NAN;
  return tflops;
}

// Backward's hook: a stage of the gradient is final, its buckets can go.
static void on_stage_done(void *ctx, int stage) { grad_sync_stage_done(ctx, stage); }

static run_summary train(trainer *tr, const cc_strategy *s, const char *csv_path) {
  const options *o = tr->o;
  train_model_options mo = {.cuda = tr->cuda};
#ifdef CCBENCH_HAVE_CUDA
  if (tr->cuda) {
    mo.math = gpt2_math_parse(o->dtype);
    mo.stream = cc_device_stream();  // the collectives' stream: the sync is ordered after the backward
    mo.alloc = cc_device_alloc;      // registered allocations, which the ipc transport can export
    mo.free = cc_device_free;
  }
#endif
  train_model m;
  train_model_create(&m, &tr->config, tr->B, tr->T, &mo);
  size_t n = m.n;
  float *params = m.params_host;  // the host copy on the GPU (train_model.h)
  if (tr->init_params) memcpy(params, tr->init_params, n * sizeof(float));
  else train_model_init_params(&m, (unsigned long long)o->seed);
  // Identical start on every rank whatever each computed: rank 0's parameters win.
  bcast_bytes(params, n * sizeof(float), 0, tr->mpi);
  // --device cuda --transport mpi: the gradient is averaged in this host array.
  float *host_grads = tr->host_sync ? cc_malloc(n * sizeof(float)) : NULL;
  size_t offsets[GPT2_NUM_PARAM_TENSORS], sizes[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_offsets(&tr->config, offsets);
  gpt2_param_sizes(&tr->config, sizes);

  // The weight matrices, one per layer, for shape-aware compressors (PowerSGD): (out, in) as stored.
  int L = tr->config.num_layers, C = tr->config.channels;
  grad_matrix *mats = cc_malloc((size_t)(2 + 4 * L) * sizeof *mats);
  int nmats = 0;
  mats[nmats++] = (grad_matrix){offsets[GPT2_WTE], (size_t)tr->config.padded_vocab_size, (size_t)C};
  mats[nmats++] = (grad_matrix){offsets[GPT2_WPE], (size_t)tr->config.max_seq_len, (size_t)C};
  const int weight[4] = {GPT2_QKVW, GPT2_ATTPROJW, GPT2_FCW, GPT2_FCPROJW};
  for (int w = 0; w < 4; w++) {
    size_t per_layer = sizes[weight[w]] / (size_t)L, cols = weight[w] == GPT2_FCPROJW ? 4 * (size_t)C : (size_t)C;
    for (int l = 0; l < L; l++)
      mats[nmats++] = (grad_matrix){offsets[weight[w]] + (size_t)l * per_layer, per_layer / cols, cols};
  }
  // When backward has finished each part of the gradient: buckets fill in that order.
  grad_segment *segments = cc_malloc((size_t)GPT2_NUM_PARAM_TENSORS * (size_t)L * sizeof *segments);
  int nsegments = 0;
  for (int t = 0; t < GPT2_NUM_PARAM_TENSORS; t++) {
    int layers = gpt2_param_layers(&tr->config, t);
    for (int l = 0; l < layers; l++)
      segments[nsegments++] = (grad_segment){offsets[t] + (size_t)l * (sizes[t] / (size_t)layers),
                                             sizes[t] / (size_t)layers, gpt2_grad_stage(&tr->config, t, l)};
  }
  grad_sync gs;
  grad_sync_options so = {.bucket_bytes = o->bucket, .segments = segments, .nsegments = nsegments,
                          .matrices = mats, .nmatrices = nmats, .seed = cc_hash64((uint64_t)o->seed, 0x9ad5),
                          .overlap = tr->overlap};
  grad_sync_init(&gs, tr->comm, s, n, &so);
  train_model_backward_hook(&m, on_stage_done, &gs);
  free(mats);
  free(segments);
  long long start = 0;
  if (o->resume) start = read_checkpoint(tr, o->resume, params, n, m.adam_m_host, m.adam_v_host, &gs, s);
  train_model_from_host(&m);
  long long end = o->stop_at ? o->stop_at : o->steps;
  char err[1024] = "";
  if (start >= end)  // the step comes from each rank's copy of the checkpoint
    snprintf(err, sizeof err, "--resume: the checkpoint is at step %lld, nothing left before step %lld", start, end);
  cc_mpi_agree(tr->mpi, err[0] ? err : NULL);

  // A resumed run's CSV holds the whole run: the rows before the checkpoint are read back first (rank 0,
  // which writes the CSV; the old file must fit this run's columns).
  char *kept = NULL;
  size_t kept_len = 0;
  if (tr->rank == 0 && csv_path && o->resume && !cc_output_is_stream(csv_path)) {
    kept = rows_before(csv_path, start, &kept_len, err, sizeof err);
    if (kept) keep_rows(csv_path, kept, kept_len, err, sizeof err);
  }
  cc_mpi_agree(tr->mpi, err[0] ? err : NULL);

  // Outputs open only after every input was checked: bad input overwrites nothing. Rank 0 opens them;
  // every rank learns whether that worked.
  cc_afile csv = {0};
  const char *csv_flag = o->compare ? "--out-dir" : "--csv";
  char write_error[1024] = "";  // rank 0: the first failed write of a row, "" while all went well
  if (tr->rank == 0 && csv_path) {
    if (cc_afile_open(&csv, csv_path) == 0) {
      fputs(csv_header, csv.f);
      if (kept_len) fwrite(kept, 1, kept_len, csv.f);
      if (cc_afile_flush(&csv) != 0) {  // the kept rows are safe again at once
        snprintf(err, sizeof err, "%s: cannot write '%s': %s", csv_flag, csv_path, csv.why);
        cc_afile_discard(&csv);
      }
    } else {
      snprintf(err, sizeof err, "%s: cannot write '%s': %s", csv_flag, csv_path, csv.why);
    }
  }
  free(kept);
  cc_mpi_agree(tr->mpi, err[0] ? err : NULL);
  int *inputs = cc_malloc((size_t)tr->B * tr->T * sizeof(int)), *targets = cc_malloc((size_t)tr->B * tr->T * sizeof(int));
  long long log_every = o->log_every ? o->log_every : (end - start + 19) / 20;
  if (tr->rank == 0) {
    printf("# strategy %s: %d ranks x %d sequences x %d tokens, %zu parameters in %d collective(s) per step\n",
           s->name, tr->ranks, tr->B, tr->T, n, gs.nunits);
    print_table_header(tr->cuda);
    fflush(stdout);
  }
  cc_progress bar;
  cc_progress_start(&bar, (uint64_t)(end - start), tr->rank == 0 && !o->no_progress);

  run_summary sum = {0};
  double tail_loss = 0;
  long long tail_steps = 0, tail_from = end - (end - start + 9) / 10;
  double min_lr = o->lr * o->min_lr_frac;
  adamw_params hp = {.beta1 = o->beta1, .beta2 = o->beta2, .eps = o->eps, .weight_decay = o->weight_decay};
  // What the --timeout watchdog names when a phase never ends.
  char what_sync[200], what_exchange[200];
  snprintf(what_sync, sizeof what_sync, "gradient sync (%s), step", s->name);
  snprintf(what_exchange, sizeof what_exchange, "loss exchange and checks (%s), step", s->name);
  for (long long step = start; step < end; step++) {
    double t_step = cc_now_us();
    cc_watchdog_enter("forward and backward, step", step);
    double lr = lr_cosine(step, o->warmup, o->steps, o->lr, min_lr);

    double t0 = cc_now_us();
    if (strcmp(o->sample, "random") == 0)
      data_batch_random(&tr->train, cc_hash64((uint64_t)o->seed, 0xba7c), (uint64_t)step, tr->G, tr->rank * tr->B,
                        tr->B, tr->T, inputs, targets);
    else
      data_batch(&tr->train, (uint64_t)step, tr->G, tr->rank * tr->B, tr->B, tr->T, inputs, targets);
    train_model_zero_grads(&m);
    double my_loss = train_model_forward(&m, inputs, targets, tr->B, tr->T);
    // With overlap the buckets start as backward finishes their stages (train_model_backward_hook).
    if (!host_grads) grad_sync_begin(&gs, m.grads);
    train_model_backward(&m);
    train_model_wait(&m);  // on the GPU: compute time is the device's, not the launches'
    double compute_us = cc_now_us() - t0;

    sync_timing st;
    cc_watchdog_enter(what_sync, step);
    t0 = cc_now_us();
    if (host_grads) {
      train_model_grads_to_host(&m, host_grads);
      grad_sync_run(&gs, host_grads, &st);
      train_model_grads_from_host(&m, host_grads);
    } else {
      grad_sync_end(&gs, &st);
    }
    if (tr->cuda) {
      // A sync on device buffers may return with work queued: wait, and count the wait and the copies
      // through the host as communication.
      train_model_wait(&m);
      st.comm_us = cc_now_us() - t0 - st.encode_us - st.decode_us;
      st.exposed_us = cc_now_us() - t0;
    }
    cc_watchdog_enter("optimizer, step", step);

    t0 = cc_now_us();
    double norm = train_model_grad_norm(&m);
    train_model_clip(&m, norm, o->clip);
    train_model_adamw(&m, step + 1, lr, &hp, tensor_decays);
    train_model_wait(&m);
    double optim_us = cc_now_us() - t0;
    double step_us = cc_now_us() - t_step;

    // The global batch's loss: the mean of the ranks' means (equal batch sizes). The same reduction
    // tells every rank whether any of them was asked to stop, so all stop after the same step.
    cc_watchdog_enter(what_exchange, step);
    double mine[2] = {my_loss, cc_interrupt_signal()}, all[2];
    CC_CHECK_MPI(MPI_Allreduce(mine, all, 2, MPI_DOUBLE, MPI_SUM, tr->mpi));
    double loss = all[0] / tr->ranks;
    if (!isfinite(loss)) CC_FATAL("step %lld: loss is %g with --sync %s; lower --lr or check the data", step, loss, s->name);
    if (all[1] > 0) sum.interrupted = cc_interrupt_signal() ? cc_interrupt_signal() : SIGTERM;

    bool finished = step == end - 1, last = finished || sum.interrupted;
    double val = NAN;
    if ((step + 1) % o->val_every == 0 || finished) {
      cc_watchdog_enter("validation, after step", step);
      val = validation_loss(tr, &m, inputs, targets);
    }
    if ((step + 1) % o->check_every == 0 || last) {
      train_model_params_to_host(&m);
      check_ranks_agree(tr, params, n, step);
    }
    if (o->checkpoint && ((o->checkpoint_every && (step + 1) % o->checkpoint_every == 0) || last)) {
      cc_watchdog_enter("checkpoint, after step", step);
      train_model_to_host(&m);
      write_checkpoint(tr, o->checkpoint, params, n, m.adam_m_host, m.adam_v_host, &gs, step + 1, s);
    }

    double tokens_per_s = (double)tr->G * tr->T / (step_us * 1e-6);
    sum.steps++;
    sum.step_ms += step_us / 1e3;
    sum.compute_ms += compute_us / 1e3;
    sum.encode_ms += st.encode_us / 1e3;
    sum.comm_ms += st.comm_us / 1e3;
    sum.decode_ms += st.decode_us / 1e3;
    sum.optim_ms += optim_us / 1e3;
    sum.exposed_ms += st.exposed_us / 1e3;
    sum.wire_bytes += (double)st.wire_bytes;
    sum.payload_bytes += (double)st.payload_bytes;
    if (step >= tail_from) tail_loss += loss, tail_steps++;
    if (last) sum.final_val_loss = val;

    if (tr->rank == 0) {
      if (csv.f) {
        fprintf(csv.f, "%lld,", step);
        cc_csv_write_field(csv.f, s->name);
        fprintf(csv.f, ",%.6f,", loss);
        if (isnan(val)) fputs(",", csv.f);
        else fprintf(csv.f, "%.6f,", val);
        fprintf(csv.f, "%.6g,%.6g,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%llu,%llu,%.3f\n", lr, norm, tokens_per_s,
                step_us / 1e3, compute_us / 1e3, st.encode_us / 1e3, st.comm_us / 1e3, st.decode_us / 1e3,
                optim_us / 1e3, (unsigned long long)st.wire_bytes, (unsigned long long)st.payload_bytes,
                st.exposed_us / 1e3);
        if (cc_afile_flush(&csv) != 0) {  // a crash keeps every finished row; a full disk stops here
          snprintf(write_error, sizeof write_error, "%s: cannot write '%s': %s", csv_flag, csv_path, csv.why);
          cc_afile_discard(&csv);
        }
      }
      if ((step - start) % log_every == 0 || last || !isnan(val)) {
        cc_progress_clear(&bar);
        char vtext[16] = "-";
        if (!isnan(val)) snprintf(vtext, sizeof vtext, "%.4f", val);
        printf("  %6lld %8.4f %8s %9.2e %8.3f %10.0f %8.1f %8.1f %7.2f %7.2f %7.2f %7.2f %7.2f %10llu", step, loss,
               vtext, lr, norm, tokens_per_s, step_us / 1e3, compute_us / 1e3, st.encode_us / 1e3,
               st.comm_us / 1e3, st.decode_us / 1e3, st.exposed_us / 1e3, optim_us / 1e3,
               (unsigned long long)st.wire_bytes);
        if (tr->cuda) {
          double mfu, tflops = model_tflops(tr, tokens_per_s, &mfu);
          printf(" %8.1f %6.1f", tflops, mfu);  // MFU "nan" when the peak is unknown
        }
        putchar('\n');
        fflush(stdout);
      }
      char label[160];
      snprintf(label, sizeof label, "%s loss %.3f", s->name, loss);
      cc_progress_update(&bar, (uint64_t)(step - start + 1), label);
    }
    cc_mpi_agree_output(tr->mpi, write_error[0] ? write_error : NULL);
    if (sum.interrupted) {
      end = step + 1;
      break;
    }
  }
  cc_progress_finish(&bar);
  if (csv.f && cc_afile_commit(&csv) != 0)
    snprintf(write_error, sizeof write_error, "%s: cannot write '%s': %s", csv_flag, csv_path, csv.why);
  else if (tr->rank == 0 && !write_error[0] && csv_path && o->resume && !cc_output_is_stream(csv_path)) {
    char *resume;  // every kept row is in the committed file now
    CC_CHECK_PTR(resume = cc_path_with_suffix(csv_path, CC_RESUME_SUFFIX));
    unlink(resume);
    free(resume);
  }
  cc_mpi_agree_output(tr->mpi, write_error[0] ? write_error : NULL);
  if (sum.interrupted && tr->rank == 0) {
    if (o->checkpoint)
      printf("# %s: stopped after step %lld of %lld; checkpoint %s (continue with --resume %s)\n",
             cc_signal_name(sum.interrupted), end - 1, o->steps, o->checkpoint, o->checkpoint);
    else
      printf("# %s: stopped after step %lld of %lld; no --checkpoint, so only the rows written so far remain\n",
             cc_signal_name(sum.interrupted), end - 1, o->steps);
    fflush(stdout);
  }

  if (o->save_model && !sum.interrupted) {
    train_model_params_to_host(&m);
    const char *fail = NULL;
    if (tr->rank == 0 && gpt2_model_file_write(o->save_model, &tr->config, params, err, sizeof err) != 0) fail = err;
    cc_mpi_agree_output(tr->mpi, fail);
  }

  sum.final_loss = tail_loss / (double)(tail_steps ? tail_steps : 1);
  double k = (double)sum.steps;
  sum.step_ms /= k, sum.compute_ms /= k, sum.encode_ms /= k, sum.comm_ms /= k, sum.decode_ms /= k;
  sum.optim_ms /= k, sum.exposed_ms /= k, sum.wire_bytes /= k, sum.payload_bytes /= k;
  free(inputs), free(targets), free(host_grads);
  grad_sync_free(&gs);
  train_model_free(&m);
  return sum;
}

// ---------------------------------------------------------------------------------------------------
// Comparison: one run per strategy, then a summary

// "ring+topk:0.01,approx+ef" -> "ring+topk_0.01_approx+ef": a file name without ':', '/' or ','.
static void file_safe(char *dst, size_t len, const char *name) {
  size_t i = 0;
  for (; name[i] && i + 1 < len; i++) {
    char ch = name[i];
    dst[i] = (ch == ':' || ch == '/' || ch == ',') ? '_' : ch;
  }
  dst[i] = '\0';
}

static void write_sidecar(trainer *tr, const char *csv_path) {
  if (tr->rank != 0) return;
  cc_meta meta;
  cc_meta_init(&meta);
  cc_meta_standard(&meta, "cctrain", tr->argc, tr->argv);
  cc_meta_int(&meta, "ranks", tr->ranks);
  cc_meta_str(&meta, "data", tr->train.name);
  cc_meta_str(&meta, "sample", tr->o->sample);
  if (!isnan(tr->train.loss_floor)) cc_meta_num(&meta, "loss_floor", tr->train.loss_floor);
  cc_meta_int(&meta, "layers", tr->config.num_layers);
  cc_meta_int(&meta, "heads", tr->config.num_heads);
  cc_meta_int(&meta, "channels", tr->config.channels);
  cc_meta_int(&meta, "seq_len", tr->T);
  cc_meta_int(&meta, "vocab", tr->config.vocab_size);
  cc_meta_int(&meta, "global_batch", tr->G);
  cc_meta_int(&meta, "steps", tr->o->steps);
  cc_meta_num(&meta, "lr", tr->o->lr);
  cc_meta_int(&meta, "seed", tr->o->seed);
  cc_meta_int(&meta, "parameters", (long long)gpt2_num_params(&tr->config));
  cc_meta_str(&meta, "device", tr->o->device);
  cc_meta_str(&meta, "overlap", tr->o->overlap);
  cc_meta_int(&meta, "bucket_bytes", (long long)tr->o->bucket);
  if (!tr->cuda) {
    cc_meta_int(&meta, "threads_per_rank", tr->threads);
    cc_meta_str(&meta, "blas", cpu_blas_config());
  }
  cc_meta_str(&meta, "dtype", tr->o->dtype);
  cc_meta_str(&meta, "transport", tr->o->transport);
  cc_meta_num(&meta, "timeout_s", tr->o->timeout_s);  // the watchdog's, 0: off
  if (tr->cuda) {
    cc_meta_str(&meta, "gpu", tr->gpu_name);
    cc_meta_int(&meta, "gpus", tr->gpus);
    if (tr->peak_tflops > 0) cc_meta_num(&meta, "peak_tflops_per_gpu", tr->peak_tflops);
  }
  char path[4096];
  snprintf(path, sizeof path, "%s%s", csv_path, CC_META_SUFFIX);
  int rc = cc_output_is_stream(csv_path) ? 0 : cc_meta_write(&meta, path);
  cc_meta_free(&meta);
  if (rc != 0) cc_output_error("--csv: cannot write '%s': %s", path, strerror(errno));
}

// Returns the signal that interrupted a run (which ends the comparison there, summary unwritten), or 0.
static int compare(trainer *tr) {
  const options *o = tr->o;
  run_summary runs[MAX_COMPARE];
  int reference = -1;  // the first uncompressed strategy: the loss gaps are measured against it
  for (int i = 0; i < o->nstrategies; i++)
    if (!o->strategies[i].compressed && reference < 0) reference = i;
  for (int i = 0; i < o->nstrategies; i++) {
    char name[128], path[4096];
    file_safe(name, sizeof name, o->strategies[i].name);
    snprintf(path, sizeof path, "%s/train_%s.csv", o->out_dir, name);
    if (tr->rank == 0) printf("# [%d/%d] %s -> %s\n", i + 1, o->nstrategies, o->strategies[i].name, path);
    runs[i] = train(tr, &o->strategies[i], path);
    write_sidecar(tr, path);
    if (runs[i].interrupted) {
      if (tr->rank == 0) printf("# comparison stopped: %d of %d strategies ran, no summary\n", i, o->nstrategies);
      return runs[i].interrupted;
    }
  }
  if (tr->rank != 0) return 0;

  char path[4096];
  snprintf(path, sizeof path, "%s/summary.csv", o->out_dir);
  cc_afile f;
  if (cc_afile_open(&f, path) != 0) CC_FATAL("cannot write %s.partial", path);
  fputs("strategy,steps,final_loss,final_val_loss,val_loss_gap,loss_floor,step_ms,compute_ms,encode_ms,comm_ms,"
        "decode_ms,optim_ms,wire_bytes_per_step,payload_bytes_per_step,payload_ratio,exposed_comm_ms\n", f.f);
  printf("# summary: loss gap = final validation loss - %s's; payload ratio = f32 bytes / compressed bytes\n",
         reference >= 0 ? o->strategies[reference].name : "(no uncompressed strategy in the list)");
  printf("# %-28s %9s %9s %8s %9s %9s %9s %8s\n", "strategy", "loss", "val_loss", "gap", "step_ms", "comm_ms",
         "wire_MB", "ratio");
  double f32_bytes = 4.0 * (double)gpt2_num_params(&tr->config);
  for (int i = 0; i < o->nstrategies; i++) {
    const run_summary *r = &runs[i];
    double gap = reference >= 0 ? r->final_val_loss - runs[reference].final_val_loss : NAN;
    double ratio = r->payload_bytes > 0 ? f32_bytes / r->payload_bytes : NAN;
    cc_csv_write_field(f.f, o->strategies[i].name);
    fprintf(f.f, ",%lld,%.6f,%.6f,", r->steps, r->final_loss, r->final_val_loss);
    if (isnan(gap)) fputs(",", f.f);
    else fprintf(f.f, "%.6f,", gap);
    if (isnan(tr->train.loss_floor)) fputs(",", f.f);
    else fprintf(f.f, "%.6f,", tr->train.loss_floor);
    fprintf(f.f, "%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.0f,%.0f,%.2f,%.3f\n", r->step_ms, r->compute_ms, r->encode_ms,
            r->comm_ms, r->decode_ms, r->optim_ms, r->wire_bytes, r->payload_bytes, ratio, r->exposed_ms);
    char gtext[16] = "-";
    if (!isnan(gap)) snprintf(gtext, sizeof gtext, "%+.4f", gap);
    printf("  %-28s %9.4f %9.4f %8s %9.1f %9.2f %9.3f %8.1f\n", o->strategies[i].name, r->final_loss,
           r->final_val_loss, gtext, r->step_ms, r->comm_ms, r->wire_bytes / 1e6, ratio);
  }
  if (!isnan(tr->train.loss_floor)) printf("# loss floor of the source: %.4f nats\n", tr->train.loss_floor);
  if (cc_afile_commit(&f) != 0) CC_FATAL("cannot finish %s", path);
  write_sidecar(tr, path);
  printf("# wrote %s\n", path);
  return 0;
}

#ifdef CCBENCH_HAVE_CUDA
// --device cuda: every rank must see a GPU and drives device local_rank % GPUs. Returns the transport
// the gradient sync uses: the MPI transport itself for --transport mpi (host buffers), else a device one.
static cc_transport *open_gpu(trainer *tr, cc_transport *mpi) {
  const options *o = tr->o;
  int count = cc_cuda_device_count(), fewest = 0;
  CC_CHECK_MPI(MPI_Allreduce(&count, &fewest, 1, MPI_INT, MPI_MIN, tr->mpi));
  if (fewest == 0)
    cc_input_error("--device cuda: no GPU visible%s (no CUDA device, or no driver)", count ? " on some of the ranks" : "");
  int local_rank = 0, local_size = 0, nodes = 0;
  for (int r = 0; r < tr->ranks; r++) {
    bool same_node = mpi->node_of[r] == mpi->node_of[tr->rank];
    local_rank += r < tr->rank && same_node;
    local_size += same_node;
    if (mpi->node_of[r] + 1 > nodes) nodes = mpi->node_of[r] + 1;
  }
  cc_device_open(local_rank);
  cc_device_info info;
  cc_device_describe(&info);
  snprintf(tr->gpu_name, sizeof tr->gpu_name, "%s", info.name);
  // A rank is the first on its GPU when its local rank is below the GPU count: their sum is the GPUs in use.
  int first_on_gpu = local_rank < count, crowded = local_size > count;
  CC_CHECK_MPI(MPI_Allreduce(&first_on_gpu, &tr->gpus, 1, MPI_INT, MPI_SUM, tr->mpi));
  int any_crowded = 0;
  CC_CHECK_MPI(MPI_Allreduce(&crowded, &any_crowded, 1, MPI_INT, MPI_MAX, tr->mpi));
  bool nccl_strategy = false;
  for (int i = 0; i < o->nstrategies; i++) nccl_strategy |= o->strategies[i].algo == CC_ALGO_NCCL;
  if ((nccl_strategy || strcmp(o->transport, "nccl") == 0) && any_crowded)
    cc_input_error("%s: NCCL needs one GPU per rank, and some node has more ranks than GPUs",
                   strcmp(o->transport, "nccl") == 0 ? "--transport nccl" : "-s/--sync: nccl");
  if (strcmp(o->transport, "ipc") == 0 && nodes > 1)
    cc_input_error("--transport ipc: the ranks span %d nodes; ipc works within one node (use mpi-staged or nccl)", nodes);

  const gpu_peak *peak = gpu_peak_find(tr->gpu_name);
  tr->peak_tflops = o->peak_tflops > 0 ? o->peak_tflops : gpu_peak_tflops(peak, o->dtype);
  tr->peak_source = o->peak_tflops > 0 ? "--peak-tflops" : peak ? peak->label : "unknown GPU: give --peak-tflops";

  tr->host_sync = strcmp(o->transport, "mpi") == 0;
  if (tr->host_sync) return mpi;
  if (strcmp(o->transport, "ipc") == 0) return cc_transport_ipc_create(mpi);
#ifdef CCBENCH_HAVE_NCCL
  if (strcmp(o->transport, "nccl") == 0) return cc_transport_nccl_create(mpi);
#endif
  return cc_transport_staged_create(mpi, CC_STAGED_CHUNK_DEFAULT);
}
#endif

int main(int argc, char **argv) {
  // The overlap's communication thread calls MPI while the main thread computes, never both at once.
  int thread_level = MPI_THREAD_SINGLE;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &thread_level);
  cc_set_progname("cctrain");
  cc_mpi_install_error_hooks();
  cc_interrupt_install();

  cc_transport *t = cc_transport_mpi_create(MPI_COMM_WORLD);
  options o;
  parse_options(&o, argc, argv, t->rank);
  trainer tr = {.o = &o, .rank = t->rank, .ranks = t->size, .mpi = cc_transport_mpi_comm(t), .argc = argc,
                .argv = argv};
  // --csv - (or /dev/stdout): the rows are stdout's from the start; the header lines and the table go to
  // stderr. Once claimed, "/dev/stdout" would name stderr: the CSV is "-" from here on.
  if (tr.rank == 0 && o.csv && cc_output_is_stdout(o.csv)) {
    if (cc_claim_stdout() != 0) CC_FATAL("--csv: cannot take over stdout: %s", strerror(errno));
    o.csv = "-";
  }
  if (o.ranks_per_node && tr.ranks % o.ranks_per_node != 0)
    cc_input_error("--ranks-per-node: %lld does not divide %d ranks", o.ranks_per_node, tr.ranks);
  tr.cuda = strcmp(o.device, "cuda") == 0;
  tr.overlap = strcmp(o.overlap, "on") == 0;
  if (tr.overlap && thread_level < MPI_THREAD_SERIALIZED)
    cc_input_error("--overlap on: this MPI gives thread level %d, the communication thread needs "
                   "MPI_THREAD_SERIALIZED (%d); use --overlap off", thread_level, MPI_THREAD_SERIALIZED);
  cc_transport *sync_transport = t;  // what the gradient sync moves buffers with
  const cc_memops *sync_memory = &cc_host_memops;
#ifdef CCBENCH_HAVE_CUDA
  if (tr.cuda) {
    sync_transport = open_gpu(&tr, t);
    if (!tr.host_sync) sync_memory = &cc_device_memops;
  }
#endif
  tr.comm = cc_comm_create(sync_transport, sync_memory, (int)o.ranks_per_node);
  for (int i = 0; i < o.nstrategies; i++)
    if (o.strategies[i].algo == CC_ALGO_HIER && !tr.comm->uniform_nodes)
      cc_input_error("%s: %s needs the same number of ranks on every node; use --ranks-per-node",
                     o.compare ? "--compare" : "-s/--sync", o.strategies[i].name);
  check_outputs(&tr);
  if (!tr.cuda) {
    tr.threads = o.threads ? (int)o.threads : cpu_threads_default(tr.comm->local_size);
    cpu_threads_set(tr.threads);
    int bound = cpu_affinity_count();
    if (tr.threads > bound && tr.rank == 0)
      cc_warn("--threads %d: this rank may run on %d CPU(s) only (mpirun binds ranks to cores: add --bind-to none)",
              tr.threads, bound);
  }
  cc_watchdog_enter("start-up (data, model)", -1);
  cc_watchdog_start(o.timeout_s);
  setup_data_and_model(&tr);
  // Parameters, gradients, AdamW's m and v and --init's copy, plus the activations: a shape that cannot
  // fit is refused here, naming the flags, instead of dying inside an allocation.
  // On the GPU the host holds copies of the parameters and Adam's moments, and the activations are the
  // GPU's (a device allocation that fails names its size).
  double activations = tr.cuda ? 0 : gpt2_activation_elements(&tr.config, tr.B, tr.T);
  double per_rank = 4.0 * (5.0 * (double)gpt2_num_params(&tr.config) + activations);
  cc_mpi_agree(tr.mpi, cc_memory_shortfall(per_rank, tr.comm->local_size, "-b/-T/-L/-C: parameters, optimizer state and activations"));

  if (tr.rank == 0) {
    char floor[64] = "";
    if (!isnan(tr.train.loss_floor)) snprintf(floor, sizeof floor, ", loss floor %.4f nats", tr.train.loss_floor);
    printf("# cctrain %s (%s): GPT-2 L=%d H=%d C=%d T=%d V=%d (padded %d), %zu parameters, %.3g FLOP/token\n",
           cc_version(), cc_commit(), tr.config.num_layers, tr.config.num_heads, tr.config.channels, tr.T,
           tr.config.vocab_size, tr.config.padded_vocab_size, gpt2_num_params(&tr.config),
           gpt2_flops_per_token(&tr.config, tr.T));
    printf("# data %s: %zu training tokens, %zu validation%s\n", tr.train.name, tr.train.count, tr.val.count, floor);
    if (!tr.cuda) {
      // mpirun binds ranks to cores by default, which caps the default thread count: say so.
      int bound = cpu_affinity_count(), share = cpu_threads_share(tr.comm->local_size);
      char capped[160] = "";
      if (!o.threads && bound < share)
        snprintf(capped, sizeof capped, " (this rank is bound to %d CPU(s) of its %d: mpirun --bind-to none for more)",
                 bound, share);
      printf("# cpu: %d thread(s) per rank%s, %s; gradient sync %s\n", tr.threads, capped, cpu_blas_config(),
             tr.overlap ? "overlapped with backward (communication thread)" : "after backward");
    }
    if (tr.cuda) {
      char peak[128] = "no MFU";
      if (tr.peak_tflops > 0) snprintf(peak, sizeof peak, "MFU against %.1f TFLOP/s per GPU", tr.peak_tflops);
      printf("# device cuda: %s, %d GPU(s) for %d rank(s), %s matmuls; %s (%s); gradients over %s\n", tr.gpu_name,
             tr.gpus, tr.ranks, o.dtype, peak, tr.peak_source, o.transport);
    }
    fflush(stdout);
  }
  int interrupted = 0;
  if (o.compare) {
    interrupted = compare(&tr);
  } else {
    run_summary r = train(&tr, &o.strategies[0], o.csv);
    if (o.csv) write_sidecar(&tr, o.csv);
    interrupted = r.interrupted;
    if (tr.rank == 0 && !interrupted) {
      printf("# done: %lld steps, final loss %.4f, validation %.4f, %.1f ms/step (compute %.1f, sync %.1f, of it "
             "exposed %.1f)\n", r.steps, r.final_loss, r.final_val_loss, r.step_ms, r.compute_ms,
             r.encode_ms + r.comm_ms + r.decode_ms, r.exposed_ms);
      if (tr.cuda) {
        double tokens_per_s = (double)tr.G * tr.T / (r.step_ms * 1e-3), mfu;
        double tflops = model_tflops(&tr, tokens_per_s, &mfu);
        printf("# throughput: %.0f tokens/s, %.2f TFLOP/s (%.3g FLOP/token), MFU %.1f%% of %d x %.1f TFLOP/s (%s, %s)\n",
               tokens_per_s, tflops, gpt2_flops_per_token(&tr.config, tr.T), mfu, tr.gpus, tr.peak_tflops, o.dtype,
               tr.peak_source);
      }
    }
  }
  cc_watchdog_stop();
  token_stream_free(&tr.train);
  token_stream_free(&tr.val);
  free(tr.init_params);
  cc_comm_destroy(tr.comm);
  if (sync_transport != t) sync_transport->destroy(sync_transport);
  t->destroy(t);
#ifdef CCBENCH_HAVE_CUDA
  if (tr.cuda) cc_device_close();
#endif
  if (interrupted) {
    // mpirun tears the job down when one rank exits non-zero: no rank leaves before all are done.
    MPI_Barrier(MPI_COMM_WORLD);
    // Then no MPI_Finalize, and _exit, not exit: when mpirun itself got the signal it is already ending
    // the job and never answers the handshake Finalize (and Open MPI's exit handlers) wait for; the rank
    // would sit there until mpirun's SIGKILL a second later and lose its status. All output is written.
    fflush(stdout);
    fflush(stderr);
    _exit(128 + interrupted);  // as a shell reports a death by that signal
  }
  MPI_Finalize();
  return 0;
}
