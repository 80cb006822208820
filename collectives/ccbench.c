// ccbench: measure allreduce (allgather, reduce-scatter) strategies the way nccl-tests does.
//
//   mpirun -np 4 ccbench -b 8 -e 256M -f 2 -s ring,tree,rd,rabenseifner,hier:ring/ring,mpi -d f32 --check
//
// For each dtype, size and strategy: warm-up, then timed iterations, each one started after a barrier
// and timed on every rank; an iteration's time is the slowest rank's. Reported: median, min and max
// over iterations, algbw = bytes / median, busbw = algbw x the nccl-tests factor, and with --check the
// number of wrong elements against a sum computed independently of any collective.
//
// With -g the buffers live on the GPU (one per local rank): the custom algorithms move them with the
// --transport (mpi-staged, ipc, nccl), the mpi baseline goes through host memory, nccl is NCCL's
// own allreduce; calls are timed by CUDA events on the collectives stream.
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "collectives/collectives.h"
#include "collectives/compressed.h"
#include "collectives/transport_mpi.h"
#ifdef CCBENCH_HAVE_CUDA
#include "collectives/device.h"
#include "collectives/transport_ipc.h"
#include "collectives/transport_staged.h"
#include "kernels/cuda_device.h"
#endif
#ifdef CCBENCH_HAVE_NCCL
#include <nccl.h>

#include "collectives/transport_nccl.h"
#include "common/check_cuda.h"
#endif
#include "common/check_mpi.h"
#include "common/cli.h"
#include "common/json.h"
#include "common/netcluster.h"
#include "common/output_check.h"
#include "common/progress.h"
#include "common/resume.h"
#include "common/rng.h"
#include "common/rows.h"
#include "common/sysmem.h"
#include "common/timer.h"
#include "common/version.h"
#include "common/watchdog.h"

#define MAX_STRATEGIES 32
#define MAX_SIZES 256

typedef struct {
  // command line
  uint64_t minbytes, maxbytes, stepbytes, ring_segment, tree_chunk, staging_chunk;
  long long stepfactor, iters, warmup, ranks_per_node;
  double timeout_s;
  const char *strategies, *dtypes, *redop, *coll, *csv, *json, *profile, *transport;
  bool check, in_place, no_progress, device, resume;
  // derived
  cc_strategy strategy[MAX_STRATEGIES];
  int nstrategies;
  const char *compress;                     // --compress LIST
  char compress_text[MAX_STRATEGIES][128];
  int ncompress;
  cc_dtype dtype[CC_NDTYPES];
  int ndtypes;
  uint64_t size[MAX_SIZES];
  int nsizes;
  cc_coll op;
  cc_redop red;
  cc_netcluster netcluster;                 // CCBENCH_NETCLUSTER (scripts/netcluster.sh)
  bool on_netcluster;                       // ... was set
} options;

typedef struct {
  options *o;
  cc_comm *comm;
  MPI_Comm mpi;
  int P, rank;
  char host[MPI_MAX_PROCESSOR_NAME];
  void *buf_a, *buf_b;  // send and recv, each large enough for the largest size
  double *times;
  cc_rowfile csv, json;
  bool have_csv, have_json;
  char write_error[1024];  // rank 0: the first failed write of a result, "" while all went well
  cc_rowset previous;   // --resume: rows of the interrupted run (rank 0)
  int *known_row;       // --resume: [dtype][size][strategy] the point's row in `previous` (rank 0) or
                        // just >= 0 (the others) when it needs no measuring; -1: measure it
  cc_progress progress;
  int baseline;         // index of the mpi strategy in the sweep, -1 if absent
  long long total_wrong;
  bool any_checked;
  bool any_compressed;  // extra columns: wire bytes, compression ratio, phase split, rel_err
  // -g: buf_a/buf_b are device buffers and host_a/host_b their host copies for filling and checking;
  // on the host host_a == buf_a and host_b == buf_b.
  void *host_a, *host_b;
  double started_us;    // host timer
#ifdef CCBENCH_HAVE_CUDA
  cc_device_timer timer;
  cc_device_info gpu;
#endif
} bench;

// One measured (size, strategy) point.
typedef struct {
  uint64_t bytes, count;
  double median_us, min_us, max_us, algbw, busbw;
  uint64_t wire_bytes;
  long long wrong;  // -1: not checked
  double encode_us, comm_us, decode_us;  // medians of the phases (uncompressed: all communication)
  double rel_err;   // ||result - exact|| / ||exact||, -1 when not computed
  bool resumed;     // taken from the interrupted run's rows (--resume), not measured now
} point;

// ---------------------------------------------------------------------------------------------------
// Options

// dst = prev + "," + item, all within 128 bytes.
static void join_item(char dst[128], const char *prev, const char *item, const char *flag) {
  size_t a = strlen(prev), b = strlen(item);
  if (a + 1 + b >= 128) cc_input_error("%s: entry '%s,%s' is too long", flag, prev, item);
  char joined[128];
  memcpy(joined, prev, a);
  joined[a] = ',';
  memcpy(joined + a + 1, item, b + 1);
  memcpy(dst, joined, a + b + 2);
}

// --compress: every uncompressed strategy of -s once more with each compressor.
static int add_compressor(const char *item, size_t len, void *ctx) {
  options *o = ctx;
  char text[128], err[256];
  if (len == 0 || len >= sizeof text) cc_input_error("--compress: empty or overlong entry in '%s'", o->compress);
  memcpy(text, item, len);
  text[len] = '\0';
  cc_compressor z;
  if (cc_compressor_parse(text, &z, err, sizeof err) != 0) {
    // "topk:0.01,approx": the comma belonged to the previous compressor.
    if (o->ncompress > 0) {
      char joined[128];
      join_item(joined, o->compress_text[o->ncompress - 1], text, "--compress");
      if (cc_compressor_parse(joined, &z, err, sizeof err) == 0) {
        memcpy(o->compress_text[o->ncompress - 1], joined, sizeof joined);
        return 0;
      }
    }
    cc_input_error("--compress: %s", err);
  }
  if (o->ncompress == MAX_STRATEGIES) cc_input_error("--compress: more than %d compressors", MAX_STRATEGIES);
  memcpy(o->compress_text[o->ncompress++], text, sizeof text);
  return 0;
}

static void cross_with_compressors(options *o) {
  int plain = o->nstrategies;
  for (int z = 0; z < o->ncompress; z++)
    for (int i = 0; i < plain; i++) {
      if (o->strategy[i].compressed || o->strategy[i].algo == CC_ALGO_MPI) continue;
      char text[256], err[256];
      snprintf(text, sizeof text, "%s+%s", o->strategy[i].algo_name, o->compress_text[z]);
      if (o->nstrategies == MAX_STRATEGIES) cc_input_error("--compress: more than %d strategies in all", MAX_STRATEGIES);
      if (cc_strategy_parse(text, &o->strategy[o->nstrategies], err, sizeof err) != 0)
        cc_input_error("--compress: %s", err);
      o->nstrategies++;
    }
}

static int add_dtype(const char *item, size_t len, void *ctx) {
  options *o = ctx;
  char text[32];
  if (len == 0 || len >= sizeof text) cc_input_error("-d/--dtype: empty or unknown entry in '%s'", o->dtypes);
  memcpy(text, item, len);
  text[len] = '\0';
  if (strcmp(text, "all") == 0) {
    for (int t = 0; t < CC_NDTYPES; t++) o->dtype[t] = (cc_dtype)t;
    o->ndtypes = CC_NDTYPES;
    return 0;
  }
  if (o->ndtypes == CC_NDTYPES) cc_input_error("-d/--dtype: too many entries in '%s'", o->dtypes);
  if (cc_dtype_parse(text, &o->dtype[o->ndtypes]) != 0)
    cc_input_error("-d/--dtype: unknown dtype '%s' (choose from f32, f64, f16, bf16, all; or float, double, "
                   "half, bfloat16)", text);
  o->ndtypes++;
  return 0;
}

static void build_sizes(options *o) {
  if (o->minbytes > o->maxbytes)
    cc_input_error("-b/--minbytes (%llu) is larger than -e/--maxbytes (%llu)", (unsigned long long)o->minbytes,
                   (unsigned long long)o->maxbytes);
  if (o->stepbytes == 0 && o->stepfactor < 2)
    cc_input_error("-f/--stepfactor must be at least 2 (or give -i/--stepbytes)");
  for (uint64_t s = o->minbytes; s <= o->maxbytes;) {
    if (o->nsizes == MAX_SIZES)
      cc_input_error("-b/-e/-f/-i: more than %d sizes; raise -f or -i", MAX_SIZES);
    o->size[o->nsizes++] = s;
    uint64_t next = o->stepbytes ? s + o->stepbytes : s ? s * (uint64_t)o->stepfactor : 1;
    if (next <= s) break;  // overflow
    s = next;
  }
}

#ifdef CCBENCH_HAVE_NCCL
static const bool have_nccl = true;
#else
static const bool have_nccl = false;
#endif

// -g and --transport against what this build has. Whether a GPU is visible is checked later, by all
// ranks together (open_device).
static void check_transport(options *o) {
#ifndef CCBENCH_HAVE_CUDA
  if (o->device) cc_input_error("-g/--device: this ccbench was built without CUDA");
#endif
  if (!o->transport) o->transport = o->device ? "mpi-staged" : "mpi";
  bool known = strcmp(o->transport, "mpi") == 0 || strcmp(o->transport, "mpi-staged") == 0 ||
               strcmp(o->transport, "ipc") == 0 || strcmp(o->transport, "nccl") == 0;
  if (!known)
    cc_input_error("--transport: unknown transport '%s' (mpi; with -g/--device: mpi-staged, ipc, nccl)", o->transport);
  if (!o->device && strcmp(o->transport, "mpi") != 0)
    cc_input_error("--transport %s moves GPU buffers: add -g/--device", o->transport);
  if (o->device && strcmp(o->transport, "mpi") == 0)
    cc_input_error("--transport mpi moves host buffers; with -g/--device choose mpi-staged, ipc or nccl");
  if (strcmp(o->transport, "nccl") == 0 && !have_nccl)
    cc_input_error("--transport nccl needs NCCL, which this ccbench was built without");
}

// Rank 0 writes the results: its view of --csv, --json and their sidecars decides, before any work.
static void check_output_files(options *o, int rank) {
  char msg[1024] = "", *csv_meta = NULL, *json_meta = NULL;
  if (rank == 0) {
    if (o->csv && !cc_output_is_stream(o->csv)) CC_CHECK_PTR(csv_meta = cc_path_with_suffix(o->csv, CC_META_SUFFIX));
    if (o->json && !cc_output_is_stream(o->json)) CC_CHECK_PTR(json_meta = cc_path_with_suffix(o->json, CC_META_SUFFIX));
    cc_file_use uses[] = {{"--csv", o->csv, true}, {"--json", o->json, true},
                          {"--csv (its sidecar)", csv_meta, true}, {"--json (its sidecar)", json_meta, true}};
    if (o->resume && o->csv && cc_output_is_stream(o->csv))
      snprintf(msg, sizeof msg, "--resume: '%s' is not a regular file; there are no rows to read back", o->csv);
    else cc_check_files(uses, 4, msg, sizeof msg);
  }
  free(csv_meta);
  free(json_meta);
  cc_mpi_agree(MPI_COMM_WORLD, msg[0] ? msg : NULL);
}

static void parse_options(options *o, int argc, char **argv, int P, int rank) {
  *o = (options){.minbytes = 8, .maxbytes = 32 << 20, .stepfactor = 2, .iters = 20, .warmup = 5,
                 .strategies = "ring,tree,rd,rabenseifner,hier:ring/ring,mpi", .dtypes = "f32",
                 .redop = "sum", .coll = "allreduce", .ring_segment = 1 << 20, .tree_chunk = 256 << 10,
                 .staging_chunk = 1 << 20};
  char timeout_err[256];
  const char *timeout_error = cc_watchdog_default(&o->timeout_s, timeout_err, sizeof timeout_err);
  cc_option opts[] = {
      {"minbytes", 'b', CC_OPT_SIZE, &o->minbytes, "SIZE", "smallest message size in bytes", 0, 0},
      {"maxbytes", 'e', CC_OPT_SIZE, &o->maxbytes, "SIZE", "largest message size in bytes", 0, 0},
      {"stepfactor", 'f', CC_OPT_INT, &o->stepfactor, "N", "multiply the size by N between steps", 1, 1 << 20},
      {"stepbytes", 'i', CC_OPT_SIZE, &o->stepbytes, "SIZE", "add SIZE between steps instead of -f", 0, 0},
      {"strategies", 's', CC_OPT_STRING, &o->strategies, "LIST",
       "comma-separated strategies: ring, tree, btree, rd, rabenseifner, hier:<intra>/<inter>, mpi, "
       "nccl (with -g); append +<compressor> to compress (ring+int8, ring+topk:0.01,approx+ef)", 0, 0},
      {"compress", 0, CC_OPT_STRING, &o->compress, "LIST",
       "also run every -s strategy (but mpi) with each of these compressors: fp16, bf16, int8, int4, "
       "qsgd:<s>, sign, topk:<ratio>[,approx], randk:<ratio>, powersgd:<rank>, each optionally +ef", 0, 0},
      {"dtype", 'd', CC_OPT_STRING, &o->dtypes, "LIST", "element types: f32, f64, f16, bf16 or all", 0, 0},
      {"op", 'o', CC_OPT_STRING, &o->redop, "OP", "reduction: sum or avg", 0, 0},
      {"collective", 'C', CC_OPT_STRING, &o->coll, "NAME", "allreduce, allgather or reduce_scatter", 0, 0},
      {"iters", 'n', CC_OPT_INT, &o->iters, "N", "timed iterations per point", 1, 1e6},
      {"warmup", 'w', CC_OPT_INT, &o->warmup, "N", "untimed warm-up iterations per point", 0, 1e9},
      {"check", 'c', CC_OPT_FLAG, &o->check, NULL, "verify every result against the exact sum (#wrong)", 0, 0},
      {"inplace", 0, CC_OPT_FLAG, &o->in_place, NULL, "run in place (default: out of place)", 0, 0},
      {"ranks-per-node", 0, CC_OPT_INT, &o->ranks_per_node, "N",
       "pretend nodes hold N consecutive ranks (for hier on one host); 0 = detect", 0, 1 << 30},
      {"device", 'g', CC_OPT_FLAG, &o->device, NULL,
       "buffers on the GPU (device local_rank % GPUs), timed with CUDA events", 0, 0},
      {"transport", 0, CC_OPT_STRING, &o->transport, "NAME",
       "how the custom algorithms move bytes: mpi (host buffers); with -g mpi-staged (default), ipc "
       "(one node) or nccl", 0, 0},
      {"staging-chunk", 0, CC_OPT_SIZE, &o->staging_chunk, "SIZE",
       "mpi-staged: pinned host chunk that pipelines device copies with MPI", 1, 1073741824.0},
      {"ring-segment", 0, CC_OPT_SIZE, &o->ring_segment, "SIZE", "ring pipelining segment", 1, 1099511627776.0},
      {"tree-chunk", 0, CC_OPT_SIZE, &o->tree_chunk, "SIZE", "tree pipelining chunk", 1, 1099511627776.0},
      {"csv", 0, CC_OPT_STRING, &o->csv, "FILE",
       "write rows as CSV (plus FILE.meta.json); every finished row is flushed to FILE.partial at once; "
       "'-' is stdout (the table then goes to stderr)", 0, 0},
      {"resume", 0, CC_OPT_FLAG, &o->resume, NULL,
       "continue an interrupted run of the same command: keep the rows of FILE.partial (and FILE), measure "
       "only the missing points", 0, 0},
      {"json", 0, CC_OPT_STRING, &o->json, "FILE", "write rows as JSON lines (plus FILE.meta.json; '-': stdout)", 0, 0},
      {"profile", 0, CC_OPT_STRING, &o->profile, "NAME", "profile column of the rows (default: host name; on an emulated cluster of scripts/netcluster.sh its rate, netcluster-100mbit)", 0, 0},
      {"no-progress", 0, CC_OPT_FLAG, &o->no_progress, NULL, "no progress bar on stderr", 0, 0},
      {"timeout", 0, CC_OPT_DOUBLE, &o->timeout_s, "SECONDS",
       "end the job with an error naming the strategy, size and iteration when a rank makes no progress "
       "for this long (a stuck collective); 0: off; the default is CCBENCH_TIMEOUT's when set, else 600", 0, 1e9},
  };
  cc_cli cli = {
      .prog = "ccbench",
      .usage = "mpirun -np P ccbench [options]",
      .summary = "Measures collective strategies over a sweep of message sizes, like nccl-tests: per size and "
                 "strategy the median, min and max time over iterations (slowest rank per iteration), "
                 "algbw and busbw, and with --check the number of wrong elements.",
      .epilog = "Sizes take K, M, G suffixes (powers of 1024). Examples:\n"
                "  mpirun -np 4 ccbench -b 8 -e 256M -f 2 -s ring,tree,rd,rabenseifner,hier:ring/ring,mpi --check\n"
                "  mpirun -np 4 ccbench -s hier:ring/tree --ranks-per-node 2 -d bf16 -o avg --csv out.csv\n"
                "  mpirun -np 8 ccbench -C allgather -s ring,rd,mpi -b 1K -e 64M\n"
                "  mpirun -np 4 ccbench -g --transport ipc -s ring,tree,mpi -e 256M --check\n"
                "  mpirun -np 1 ccbench -g -s ring,mpi,nccl -d bf16   (NCCL: one rank per GPU)",
      .opts = opts,
      .nopts = (int)(sizeof opts / sizeof opts[0]),
  };
  cc_mpi_cli_parse(&cli, argc, argv, rank);
  cc_mpi_agree(MPI_COMM_WORLD, timeout_error);  // each rank has its own environment
  char netcluster_err[300];  // set by scripts/netcluster.sh mpirun; names the rows' default profile
  int on_netcluster = cc_netcluster_from_env(&o->netcluster, netcluster_err, sizeof netcluster_err);
  cc_mpi_agree(MPI_COMM_WORLD, on_netcluster < 0 ? netcluster_err : NULL);
  o->on_netcluster = on_netcluster == 1;
  cc_mpi_require_same_args(argc, argv);  // the checks below then give every rank the same verdict
  char err[256];

  if (cc_coll_parse(o->coll, &o->op) != 0)
    cc_input_error("-C/--collective: unknown collective '%s' (allreduce, allgather, reduce_scatter)", o->coll);
  if (cc_redop_parse(o->redop, &o->red) != 0) cc_input_error("-o/--op: unknown reduction '%s' (sum, avg)", o->redop);
  cc_split_list(o->dtypes, add_dtype, o);
  o->nstrategies = cc_strategy_parse_list(o->strategies, o->strategy, MAX_STRATEGIES, err, sizeof err);
  if (o->nstrategies < 0) cc_input_error("-s/--strategies: %s", err);
  if (o->compress) {
    cc_split_list(o->compress, add_compressor, o);
    cross_with_compressors(o);
  }
  build_sizes(o);
  if (o->ranks_per_node > 0 && P % o->ranks_per_node != 0)
    cc_input_error("--ranks-per-node %lld does not divide the %d ranks", o->ranks_per_node, P);
  if (o->resume && !o->csv) cc_input_error("--resume: needs --csv FILE (the rows to keep are read back from it)");
  check_output_files(o, rank);

  check_transport(o);
  char err2[256];
  for (int i = 0; i < o->nstrategies; i++) {
    if (!cc_strategy_implements(&o->strategy[i], o->op, err2, sizeof err2)) cc_input_error("-s/--strategies: %s", err2);
    if (o->strategy[i].compressed && o->op != CC_ALLREDUCE)
      cc_input_error("-s/--strategies: %s: compressors apply to allreduce only", o->strategy[i].name);
    if (o->strategy[i].compressed && o->strategy[i].algo == CC_ALGO_MPI)
      cc_input_error("-s/--strategies: %s: the MPI baseline cannot carry a compressor", o->strategy[i].name);
    if (o->strategy[i].compressed && (o->ndtypes != 1 || o->dtype[0] != CC_F32))
      cc_input_error("-s/--strategies: %s: compressed strategies take f32 gradients (-d f32)", o->strategy[i].name);
    if (o->strategy[i].algo == CC_ALGO_NCCL && (o->strategy[i].nccl_algo >= 0 || o->strategy[i].nccl_proto >= 0))
      cc_input_error("-s/--strategies: %s: ccbench runs NCCL's own choice; force it with NCCL_ALGO / NCCL_PROTO in the "
                     "environment (ccsim models nccl:<algo>/<proto>)", o->strategy[i].name);
    if (o->strategy[i].algo == CC_ALGO_NCCL && !o->device)
      cc_input_error("-s/--strategies: 'nccl' runs on GPU buffers: add -g/--device");
    if (o->strategy[i].algo == CC_ALGO_NCCL && !have_nccl)
      cc_input_error("-s/--strategies: 'nccl' needs NCCL, which this ccbench was built without");
    if (o->strategy[i].compressed && o->device)
      cc_input_error("-s/--strategies: %s: compressed strategies run on host buffers only (drop -g/--device)",
                     o->strategy[i].name);
    for (int j = 0; j < i; j++)
      if (strcmp(o->strategy[i].name, o->strategy[j].name) == 0)
        cc_input_error("-s/--strategies: '%s' is listed twice", o->strategy[i].name);
  }
  // --check counts wrong elements. A compressed result is lossy: it gets rel_err, but no documented
  // bound says when that is wrong, so a sweep of compressed strategies alone would check nothing.
  bool checkable = false;
  for (int i = 0; i < o->nstrategies; i++) checkable |= !o->strategy[i].compressed;
  if (o->check && !checkable)
    cc_input_error("--check: every strategy is compressed, and a lossy result has no wrong elements to count; add an "
                   "uncompressed one (e.g. -s ring,ring+int8): it is checked and the compressed ones get rel_err");
  if (o->profile && cc_name_check(o->profile, err, sizeof err) != 0) cc_input_error("--profile: %s", err);
}

// ---------------------------------------------------------------------------------------------------
// Data pattern and check.
//
// Element i of rank r is ((h(i) + r) mod q) - m with q = 2m+1 and h a hash of i: small integers, a
// different value on every rank (up to q ranks), and the sum over ranks has a closed form, so the
// expected result costs O(1) per element and does not depend on any collective. m is chosen so every
// partial sum is an integer the dtype holds exactly; then sums must match exactly.

static int significand_bits(cc_dtype t) { return t == CC_F16 ? 11 : t == CC_BF16 ? 8 : t == CC_F64 ? 53 : 24; }

static int pattern_m(cc_dtype t, int P) {
  double m = ldexp(1.0, significand_bits(t)) / (2.0 * P);
  return m < 1 ? 1 : m > 8 ? 8 : (int)m;
}

static double pattern_value(size_t i, int r, int m) {
  int q = 2 * m + 1;
  return (double)((cc_hash64(0xcc0ULL, i) % (uint64_t)q + (uint64_t)r) % (uint64_t)q) - m;
}

// Sum over r = 0..P-1 of pattern_value(i, r, m).
static double pattern_sum(size_t i, int P, int m) {
  long long q = 2 * m + 1, s = (long long)(cc_hash64(0xcc0ULL, i) % (uint64_t)q);
  long long full = P / q, len = P % q;
  long long total = full * q * (q - 1) / 2;  // whole cycles of residues 0..q-1
  if (s + len <= q) total += len * s + len * (len - 1) / 2;
  else {
    long long head = q - s, tail = len - head;
    total += head * (s + q - 1) / 2 + tail * (tail - 1) / 2;
  }
  return (double)(total - (long long)P * m);
}

static void fill_pattern(void *buf, size_t first, size_t n, int r, cc_dtype t, int m) {
  for (size_t i = 0; i < n; i++) cc_store(buf, i, t, pattern_value(first + i, r, m));
}

// Wrong elements of this rank's result. Exact match when every partial sum is representable,
// else within the rounding bound of P-1 additions; avg adds one rounding of the division.
static long long count_wrong(const options *o, cc_dtype t, const void *result, size_t first, size_t n, int P,
                             bool gathered, size_t count_per_rank) {
  int m = pattern_m(t, P);
  double eps = cc_dtype_eps(t);
  bool exact = (double)P * m <= ldexp(1.0, significand_bits(t));
  long long wrong = 0;
  for (size_t i = 0; i < n; i++) {
    size_t e = first + i;
    double want, tol;
    if (gathered) {
      want = pattern_value(e, (int)(e / count_per_rank), m);  // block r holds rank r's input
      tol = 0;
    } else {
      want = pattern_sum(e, P, m);
      tol = exact ? 0 : (P - 1) * eps * P * m;
      if (o->red == CC_AVG) want /= P, tol = tol / P + 2.01 * eps * fabs(want);
    }
    double got = cc_load(result, i, t);
    wrong += !(fabs(got - want) <= tol);  // NaN counts as wrong
  }
  return wrong;
}

// ---------------------------------------------------------------------------------------------------
// Measurement

typedef struct {
  const void *send;
  void *recv;
  size_t count;   // allreduce: vector length; allgather/reduce_scatter: elements per rank
  uint64_t bytes; // as reported: the whole vector / gathered / scattered buffer
} call;

static call setup_call(bench *B, uint64_t size, cc_dtype t) {
  size_t es = cc_dtype_size(t);
  call c = {.send = B->buf_a, .recv = B->buf_b};
  if (B->o->op == CC_ALLREDUCE) {
    c.count = size / es;
    c.bytes = c.count * es;
    if (B->o->in_place) c.recv = B->buf_a;
  } else {
    c.count = size / es / (size_t)B->P;
    c.bytes = c.count * es * (size_t)B->P;
    size_t mine = c.count * (size_t)B->rank;
    if (B->o->in_place && B->o->op == CC_ALLGATHER) c.send = cc_at(B->buf_b, mine, t);
    if (B->o->in_place && B->o->op == CC_REDUCE_SCATTER) c.recv = cc_at(B->buf_a, mine, t);
  }
  return c;
}

// The host copy of a point in buf_a or buf_b (the point itself on the host).
static void *host_view(const bench *B, const void *p) {
  const char *c = p, *a = B->buf_a, *b = B->buf_b;
  if (c >= a && c <= a + B->o->maxbytes) return (char *)B->host_a + (c - a);
  if (c >= b && c <= b + B->o->maxbytes) return (char *)B->host_b + (c - b);
  CC_FATAL("%p is in neither benchmark buffer", p);
}

// Fills this rank's input for the call (on the GPU with -g: written on the host, copied up).
static void fill_input(bench *B, const call *c, cc_dtype t) {
  int m = pattern_m(t, B->P);
  size_t first = B->o->op == CC_ALLGATHER ? c->count * (size_t)B->rank : 0;
  size_t n = B->o->op == CC_REDUCE_SCATTER ? c->count * (size_t)B->P : c->count;
  void *host = host_view(B, c->send);
  fill_pattern(host, first, n, B->rank, t, m);
  const cc_memops *mem = B->comm->mem;
  mem->from_host((void *)c->send, host, n * cc_dtype_size(t));
  mem->sync();
}

static void run_once(bench *B, const cc_strategy *s, const call *c, cc_dtype t, cc_compress_state *z,
                     cc_compress_timing *tm) {
  if (s->compressed) {
    cc_compressed_allreduce(B->comm, z, c->send, c->recv, c->count, B->o->red, tm);
    return;
  }
  switch (B->o->op) {
    case CC_ALLREDUCE: cc_allreduce(B->comm, s, c->send, c->recv, c->count, t, B->o->red); break;
    case CC_ALLGATHER: cc_allgather(B->comm, s, c->send, c->recv, c->count, t); break;
    default: cc_reduce_scatter(B->comm, s, c->send, c->recv, c->count, t, B->o->red); break;
  }
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

// Median, extremes and bandwidths of one point from its per-iteration times (already max over ranks).
static void summarize(const bench *B, double *times, point *pt) {
  long long n = B->o->iters;
  qsort(times, (size_t)n, sizeof(double), compare_doubles);
  pt->median_us = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
  pt->min_us = times[0];
  pt->max_us = times[n - 1];
  pt->algbw = pt->median_us > 0 ? (double)pt->bytes / pt->median_us / 1e3 : 0;
  pt->busbw = pt->algbw * cc_busbw_factor(B->o->op, B->P);
}

static long long check_result(bench *B, const cc_strategy *s, const call *c, cc_dtype t, cc_compress_state *z) {
  const options *o = B->o;
  fill_input(B, c, t);
  run_once(B, s, c, t, z, NULL);
  size_t first = o->op == CC_REDUCE_SCATTER ? c->count * (size_t)B->rank : 0;
  size_t n_result = o->op == CC_ALLGATHER ? c->count * (size_t)B->P : c->count;
  // The result as the GPU holds it: to_host waits for everything queued before it.
  void *result = host_view(B, c->recv);
  B->comm->mem->to_host(result, c->recv, n_result * cc_dtype_size(t));
  long long wrong = count_wrong(o, t, result, first, n_result, B->P, o->op == CC_ALLGATHER, c->count);
  CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &wrong, 1, MPI_LONG_LONG, MPI_SUM, B->mpi));
  return wrong;
}

// A compressed result is not exact: its distance from the exact sum, ||result - exact|| / ||exact||.
static double relative_error(bench *B, const cc_strategy *s, const call *c, cc_compress_state *z) {
  fill_input(B, c, CC_F32);
  run_once(B, s, c, CC_F32, z, NULL);
  int m = pattern_m(CC_F32, B->P);
  double sums[2] = {0, 0};
  for (size_t i = 0; i < c->count; i++) {
    double want = pattern_sum(i, B->P, m) / (B->o->red == CC_AVG ? B->P : 1);
    double diff = ((const float *)c->recv)[i] - want;
    sums[0] += diff * diff, sums[1] += want * want;
  }
  CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPI_DOUBLE, MPI_SUM, B->mpi));
  return sums[1] > 0 ? sqrt(sums[0] / sums[1]) : sqrt(sums[0]);
}

// Host clock on the host; CUDA events on the collectives stream with -g (stop waits for the stream).
static void start_timer(bench *B) {
#ifdef CCBENCH_HAVE_CUDA
  if (B->o->device) {
    cc_device_timer_start(&B->timer);
    return;
  }
#endif
  B->started_us = cc_now_us();
}

static double stop_timer_us(bench *B) {
#ifdef CCBENCH_HAVE_CUDA
  if (B->o->device) return cc_device_timer_stop_us(&B->timer);
#endif
  return cc_now_us() - B->started_us;
}

static double median_of(double *v, long long n) {
  qsort(v, (size_t)n, sizeof(double), compare_doubles);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Measures every strategy at one size. Iterations are interleaved (iteration i of each strategy in
// turn, then i + 1), so a burst of noise from the machine lands on all strategies alike and the
// ratios to the baseline stay fair; running one strategy's iterations back to back would charge a
// burst to whichever strategy happened to be running.
// known[k] >= 0: strategy k's point is already known (--resume): not run at all.
static void measure_size(bench *B, uint64_t size, cc_dtype t, point *pts, const int *known, uint64_t progress_base,
                         const char *label) {
  const options *o = B->o;
  int ns = o->nstrategies;
  long long n = o->iters;
  call c = setup_call(B, size, t);
  fill_input(B, &c, t);
  uint64_t *sent = cc_calloc((size_t)ns, sizeof(uint64_t));
  // Compressed strategies keep state across calls (residuals, warm starts), one per strategy.
  cc_compress_state *z = cc_calloc((size_t)ns, sizeof(cc_compress_state));
  for (int k = 0; k < ns; k++)
    if (o->strategy[k].compressed && known[k] < 0)
      cc_compress_state_init(&z[k], &o->strategy[k], c.count, 0xccbe4c ^ size, B->rank, B->P);
  double *phase = B->times + (size_t)ns * (size_t)n;  // encode, comm, decode per strategy and iteration
  memset(phase, 0, sizeof(double) * 3 * (size_t)ns * (size_t)n);
  // What the --timeout watchdog names when a call never returns: per strategy, warm-up, timed
  // iteration and the result check.
  enum { WHAT = 224 };
  char *what = cc_malloc((size_t)ns * 3 * WHAT);
  const char *phase_name[3] = {"warm-up iteration", "timed iteration", "result check"};
  for (int k = 0; k < ns; k++)
    for (int q = 0; q < 3; q++)
      snprintf(what + (size_t)(3 * k + q) * WHAT, WHAT, "%s %s of %s, %s", o->strategy[k].name, cc_coll_name(o->op),
               label, phase_name[q]);

  for (long long i = 0; i < o->warmup; i++)
    for (int k = 0; k < ns; k++) {
      if (known[k] >= 0) continue;
      cc_watchdog_enter(what + (size_t)(3 * k) * WHAT, i);
      run_once(B, &o->strategy[k], &c, t, &z[k], NULL);
    }
  cc_comm_sync(B->comm);
  for (long long i = 0; i < n; i++) {
    cc_progress_update(&B->progress, progress_base + (uint64_t)i, label);
    for (int k = 0; k < ns; k++) {
      if (known[k] >= 0) continue;
      cc_watchdog_enter(what + (size_t)(3 * k + 1) * WHAT, i);
      uint64_t sent_before = B->comm->bytes_sent;
      cc_compress_timing tm = {0};
      CC_CHECK_MPI(MPI_Barrier(B->mpi));
      start_timer(B);
      run_once(B, &o->strategy[k], &c, t, &z[k], &tm);
      double took = stop_timer_us(B);
      B->times[(size_t)k * (size_t)n + (size_t)i] = took;
      double *ph = phase + 3 * ((size_t)k * (size_t)n + (size_t)i);
      ph[0] = tm.encode_us, ph[1] = o->strategy[k].compressed ? tm.comm_us : took, ph[2] = tm.decode_us;
      sent[k] += B->comm->bytes_sent - sent_before;
    }
  }
  // An iteration takes as long as its slowest rank; so does each of its phases.
  cc_watchdog_enter("the exchange of timings after a sweep point", -1);
  CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, B->times, (int)(4 * n * ns), MPI_DOUBLE, MPI_MAX, B->mpi));
  CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, sent, ns, MPI_UINT64_T, MPI_MAX, B->mpi));
  double *column = cc_malloc(sizeof(double) * (size_t)n);
  for (int k = 0; k < ns; k++) {
    if (known[k] >= 0) continue;  // pts[k] holds the resumed row
    point *pt = &pts[k];
    *pt = (point){.bytes = c.bytes, .wrong = -1, .rel_err = -1, .wire_bytes = sent[k] / (uint64_t)n};
    pt->count = o->op == CC_ALLREDUCE ? c.count : c.count * (size_t)B->P;
    summarize(B, B->times + (size_t)k * (size_t)n, pt);
    double *split[3] = {&pt->encode_us, &pt->comm_us, &pt->decode_us};
    for (int q = 0; q < 3; q++) {
      for (long long i = 0; i < n; i++) column[i] = phase[3 * ((size_t)k * (size_t)n + (size_t)i) + (size_t)q];
      *split[q] = median_of(column, n);
    }
    cc_watchdog_enter(what + (size_t)(3 * k + 2) * WHAT, -1);
    if (o->check && o->strategy[k].compressed) pt->rel_err = relative_error(B, &o->strategy[k], &c, &z[k]);
    else if (o->check) pt->wrong = check_result(B, &o->strategy[k], &c, t, &z[k]);
    if (o->strategy[k].compressed) cc_compress_state_free(&z[k]);
  }
  cc_watchdog_enter("the move to the next sweep point", -1);  // `what` is freed next
  free(what);
  free(column);
  free(z);
  free(sent);
}

// ---------------------------------------------------------------------------------------------------
// Output

static int strategy_width(const options *o) {
  int w = 8;
  for (int i = 0; i < o->nstrategies; i++)
    if ((int)strlen(o->strategy[i].name) > w) w = (int)strlen(o->strategy[i].name);
  return w;
}

static void print_header(bench *B) {
  const options *o = B->o;
  char ver[MPI_MAX_LIBRARY_VERSION_STRING];
  int len;
  MPI_Get_library_version(ver, &len);
  ver[strcspn(ver, ",\n")] = '\0';
  // Where every rank runs, as nccl-tests lists its devices.
  char *hosts = B->rank == 0 ? cc_malloc((size_t)B->P * MPI_MAX_PROCESSOR_NAME) : NULL;
  int *pids = B->rank == 0 ? cc_malloc(sizeof(int) * (size_t)B->P) : NULL, pid = (int)getpid();
  CC_CHECK_MPI(MPI_Gather(B->host, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, hosts, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, 0, B->mpi));
  CC_CHECK_MPI(MPI_Gather(&pid, 1, MPI_INT, pids, 1, MPI_INT, 0, B->mpi));
  // With -g, each rank's GPU as nccl-tests lists it: ordinal, PCI bus id, name.
  enum { WHERE = 320 };
  char where[WHERE] = "", *wheres = B->rank == 0 ? cc_malloc((size_t)B->P * WHERE) : NULL;
#ifdef CCBENCH_HAVE_CUDA
  if (o->device) snprintf(where, sizeof where, " device %d [%s] %s", cc_device_ordinal(), B->gpu.bus_id, B->gpu.name);
#endif
  CC_CHECK_MPI(MPI_Gather(where, WHERE, MPI_CHAR, wheres, WHERE, MPI_CHAR, 0, B->mpi));
  if (B->rank != 0) return;

  char minb[32], maxb[32], seg[32], chunk[32];
  cc_format_size(o->minbytes, minb, sizeof minb);
  cc_format_size(o->maxbytes, maxb, sizeof maxb);
  cc_format_size(B->comm->tuning.ring_segment_bytes, seg, sizeof seg);
  cc_format_size(B->comm->tuning.tree_chunk_bytes, chunk, sizeof chunk);
  printf("# ccbench %s (%s): %s, %s, %s\n", cc_version(), cc_commit(), cc_coll_name(o->op),
         o->op == CC_ALLGATHER ? "no reduction" : cc_redop_name(o->red), o->in_place ? "in place" : "out of place");
  printf("# %d ranks on %d node%s (%d per node%s), %s, %s memory, transport %s\n", B->P, B->comm->nodes,
         B->comm->nodes == 1 ? "" : "s", B->comm->local_size, o->ranks_per_node ? ", from --ranks-per-node" : "", ver,
         o->device ? "device" : "host", B->comm->t->name);
  printf("# minBytes %s maxBytes %s step: ", minb, maxb);
  if (o->stepbytes) printf("%llu(bytes)", (unsigned long long)o->stepbytes);
  else printf("%lld(factor)", o->stepfactor);
  printf(" warmup iters: %lld iters: %lld validation: %d  ring segment %s, tree chunk %s\n", o->warmup, o->iters,
         o->check ? 1 : 0, seg, chunk);
  printf("#\n");
  for (int r = 0; r < B->P; r++)
    printf("#  Rank %2d Pid %7d on %s node %d%s\n", r, pids[r], hosts + (size_t)r * MPI_MAX_PROCESSOR_NAME,
           o->ranks_per_node ? r / (int)o->ranks_per_node : B->comm->t->node_of[r], wheres + (size_t)r * WHERE);
  printf("#\n");
  int w = strategy_width(o);
  printf("# %10s %12s %8s %6s %*s %10s %10s %10s %8s %8s %7s %7s", "size", "count", "type", "redop", w, "strategy",
         "time", "min", "max", "algbw", "busbw", "#wrong", "busbw");
  if (B->any_compressed) printf(" %10s %6s %9s %9s %9s %9s", "wire", "ratio", "encode", "comm", "decode", "rel_err");
  printf("\n# %10s %12s %8s %6s %*s %10s %10s %10s %8s %8s %7s %7s", "(B)", "(elements)", "", "", w, "", "(us)",
         "(us)", "(us)", "(GB/s)", "(GB/s)", "", B->baseline >= 0 ? "/mpi" : "");
  if (B->any_compressed) printf(" %10s %6s %9s %9s %9s %9s", "(B/rank)", "", "(us)", "(us)", "(us)", "");
  printf("\n");
  fflush(stdout);
  free(hosts);
  free(pids);
  free(wheres);
}

// Rank 0 stores a row in every result file. The first failed write (a full disk) drops the files
// (the .partial would keep the disk full; the previous results stay as they were) and is kept in
// B->write_error, which every rank learns at the end of this size (agree_writes).
static void write_row(bench *B, const cc_row *row) {
  cc_rowfile *files[2] = {B->have_csv ? &B->csv : NULL, B->have_json ? &B->json : NULL};
  const char *flags[2] = {"--csv", "--json"}, *paths[2] = {B->o->csv, B->o->json};
  for (int i = 0; i < 2 && !B->write_error[0]; i++)
    if (files[i] && cc_rowfile_write(files[i], row) != 0)
      snprintf(B->write_error, sizeof B->write_error, "%s: cannot write '%s': %s", flags[i], paths[i], files[i]->af.why);
  if (B->write_error[0]) {
    if (B->have_csv) cc_rowfile_discard(&B->csv);
    if (B->have_json) cc_rowfile_discard(&B->json);
    B->have_csv = B->have_json = false;
  }
}

// Collective: ends every rank with rank 0's write error, if it had one.
static void agree_writes(bench *B) { cc_mpi_agree_output(B->mpi, B->write_error[0] ? B->write_error : NULL); }

static cc_row make_row(const bench *B, const cc_strategy *s, cc_dtype t, const point *pt) {
  return (cc_row){
      .source = "measured", .op = cc_coll_name(B->o->op), .strategy = s->name, .algo = s->algo_name,
      .compress = s->compress, .dtype = cc_dtype_name(t), .ranks = B->P, .nodes = B->comm->nodes,
      .ranks_per_node = B->comm->local_size, .bytes = pt->bytes, .count = pt->count, .time_us = pt->median_us,
      .time_min_us = pt->min_us, .time_max_us = pt->max_us, .algbw_GBps = pt->algbw, .busbw_GBps = pt->busbw,
      .wire_bytes = pt->wire_bytes, .errors = pt->wrong, .profile = B->o->profile, .encode_us = pt->encode_us,
      .comm_us = pt->comm_us, .decode_us = pt->decode_us, .rel_err = pt->rel_err,
      .redop = B->o->op == CC_ALLGATHER ? "none" : cc_redop_name(B->o->red)};
}

// Prints one size's rows (all strategies, so the ratio to the baseline is known) and stores them.
static void emit_size(bench *B, cc_dtype t, const point *pts) {
  const options *o = B->o;
  int w = strategy_width(o);
  for (int i = 0; i < o->nstrategies; i++) {
    const point *pt = &pts[i];
    cc_row row = make_row(B, &o->strategy[i], t, pt);
    if (!pt->resumed) write_row(B, &row);  // resumed rows were copied at the start
    char wrong[24], ratio[24];
    if (pt->wrong < 0) snprintf(wrong, sizeof wrong, "N/A");
    else snprintf(wrong, sizeof wrong, "%lld", pt->wrong);
    if (B->baseline >= 0 && pts[B->baseline].busbw > 0) snprintf(ratio, sizeof ratio, "%.2f", pt->busbw / pts[B->baseline].busbw);
    else snprintf(ratio, sizeof ratio, "-");
    printf("  %10llu %12llu %8s %6s %*s %10.2f %10.2f %10.2f %8.2f %8.2f %7s %7s", (unsigned long long)pt->bytes,
           (unsigned long long)pt->count, cc_dtype_long_name(t), o->op == CC_ALLGATHER ? "none" : cc_redop_name(o->red),
           w, o->strategy[i].name, pt->median_us, pt->min_us, pt->max_us, pt->algbw, pt->busbw, wrong, ratio);
    if (B->any_compressed) {
      // ratio: bytes an uncompressed ring would send per rank, 2(P-1)/P of the vector, over what went out.
      double ring_bytes = 2.0 * (B->P - 1) / B->P * (double)pt->bytes;
      char rel[24] = "-", wire[24] = "-", factor[24] = "-";  // the MPI library's own bytes are not counted
      if (pt->rel_err >= 0) snprintf(rel, sizeof rel, "%.2e", pt->rel_err);
      if (pt->wire_bytes) {
        snprintf(wire, sizeof wire, "%llu", (unsigned long long)pt->wire_bytes);
        snprintf(factor, sizeof factor, "%.1f", ring_bytes / (double)pt->wire_bytes);
      }
      printf(" %10s %6s %9.2f %9.2f %9.2f %9s", wire, factor, pt->encode_us, pt->comm_us, pt->decode_us, rel);
    }
    printf("\n");
  }
  fflush(stdout);
}

// Per strategy: average busbw over the sweep and, with the baseline present, the geometric mean of
// busbw relative to it over the sizes where both moved data.
typedef struct {
  double busbw_sum, log_ratio_sum;
  int n, nratio;
} summary;

static void print_summary(const bench *B, const summary *sum) {
  const options *o = B->o;
  int w = strategy_width(o);
  printf("#\n# %*s %14s %16s\n", w, "strategy", "avg busbw GB/s", B->baseline >= 0 ? "busbw/mpi geomean" : "");
  for (int i = 0; i < o->nstrategies; i++) {
    printf("# %*s %14.3f", w, o->strategy[i].name, sum[i].n ? sum[i].busbw_sum / sum[i].n : 0.0);
    if (B->baseline >= 0 && sum[i].nratio) printf(" %16.3f", exp(sum[i].log_ratio_sum / sum[i].nratio));
    printf("\n");
  }
  if (B->any_checked) printf("# Wrong elements: %lld %s\n", B->total_wrong, B->total_wrong ? "FAILED" : "OK");
  else printf("# Wrong elements: not checked (use --check)\n");
  printf("#\n");
}

// Rank 0 opens the result files; every rank learns whether that worked, so a bad path stops all.
static void open_outputs(bench *B) {
  const options *o = B->o;
  char err[512] = "";
  if (B->rank == 0) {
    char partial[4200];
    snprintf(partial, sizeof partial, "%s%s", o->csv ? o->csv : "", CC_PARTIAL_SUFFIX);
    bool left_behind = o->csv && !o->resume && access(partial, F_OK) == 0;
    if (o->csv && cc_rowfile_open(&B->csv, o->csv, CC_ROWS_CSV) != 0)
      snprintf(err, sizeof err, "--csv: cannot write '%s': %s", o->csv, B->csv.af.why);
    else B->have_csv = o->csv != NULL;
    if (!err[0] && o->json && cc_rowfile_open(&B->json, o->json, CC_ROWS_JSONL) != 0) {
      snprintf(err, sizeof err, "--json: cannot write '%s': %s", o->json, B->json.af.why);
      if (B->have_csv) cc_rowfile_discard(&B->csv), B->have_csv = false;
    } else B->have_json = o->json != NULL;
    if (!err[0] && left_behind) cc_warn("--csv: replaced '%s', left by an interrupted run (--resume keeps its rows)", partial);
  }
  CC_CHECK_MPI(MPI_Bcast(err, sizeof err, MPI_CHAR, 0, B->mpi));
  if (err[0]) cc_input_error("%s", err);
}

// ---------------------------------------------------------------------------------------------------
// --resume (common/resume.h): rank 0 reads what the interrupted run finished and keeps it safe before
// open_outputs truncates the .partial file; every rank learns which points need no measuring.

static void load_previous(bench *B) {
  const options *o = B->o;
  cc_rowset_init(&B->previous);
  char err[512] = "", partial[4200];
  if (B->rank == 0 && o->csv) snprintf(partial, sizeof partial, "%s.partial", o->csv);
  if (B->rank == 0 && o->resume) {
    size_t torn = 0;
    int files = cc_resume_load(&B->previous, o->csv, &torn, err, sizeof err);
    if (files < 0) {
      memmove(err + 10, err, sizeof err - 11);  // prefix the flag to the reader's message
      memcpy(err, "--resume: ", 10);
      err[sizeof err - 1] = '\0';
    } else if (cc_resume_keep(&B->previous, o->csv) != 0) {
      snprintf(err, sizeof err, "--resume: cannot write '%s.resume': %s", o->csv, strerror(errno));
    } else {
      if (files == 0) cc_warn("--resume: no '%s' or '%s' to resume from: measuring everything", o->csv, partial);
      if (torn) cc_warn("--resume: dropped an unfinished last row (%zu bytes) of '%s'", torn, partial);
    }
  }
  CC_CHECK_MPI(MPI_Bcast(err, sizeof err, MPI_CHAR, 0, B->mpi));
  if (err[0]) cc_input_error("%s", err);
}

// The interrupted run's rows go first into the new files, whichever sweep they belong to: nothing
// that was measured is dropped.
static void copy_previous(bench *B) {
  for (size_t i = 0; i < B->previous.n; i++) write_row(B, &B->previous.rows[i]);
}

// The row this sweep would write for strategy k at (size, dtype), for looking it up.
static cc_row point_key(const bench *B, int k, cc_dtype t, uint64_t bytes) {
  return (cc_row){.source = "measured", .op = cc_coll_name(B->o->op), .strategy = B->o->strategy[k].name,
                  .dtype = cc_dtype_name(t), .ranks = B->P, .nodes = B->comm->nodes,
                  .ranks_per_node = B->comm->local_size, .bytes = bytes};
}

static void mark_measured(bench *B) {
  const options *o = B->o;
  size_t n = (size_t)o->ndtypes * (size_t)o->nsizes * (size_t)o->nstrategies, found = 0;
  B->known_row = cc_malloc(n * sizeof(int));
  for (size_t i = 0; i < n; i++) B->known_row[i] = -1;
  if (B->rank == 0 && B->previous.n) {
    for (int d = 0; d < o->ndtypes; d++)
      for (int z = 0; z < o->nsizes; z++) {
        call c = setup_call(B, o->size[z], o->dtype[d]);
        for (int k = 0; k < o->nstrategies; k++) {
          cc_row key = point_key(B, k, o->dtype[d], c.bytes);
          const cc_row *row = cc_rowset_find_point(&B->previous, &key);
          if (!row) continue;
          B->known_row[((size_t)d * (size_t)o->nsizes + (size_t)z) * (size_t)o->nstrategies + (size_t)k] =
              (int)(row - B->previous.rows);
          found++;
        }
      }
    printf("# resumed: %zu rows kept, %zu of this sweep's %zu points already measured\n", B->previous.n, found, n);
  }
  CC_CHECK_MPI(MPI_Bcast(B->known_row, (int)n, MPI_INT, 0, B->mpi));
}

// The point of previous row `row` (rank 0; the others only learn it was not measured now).
static point resumed_point(const bench *B, int row, uint64_t bytes) {
  point pt = {.bytes = bytes, .wrong = -1, .rel_err = -1, .resumed = true};
  if (B->rank != 0) return pt;
  const cc_row *r = &B->previous.rows[row];
  pt.count = r->count, pt.median_us = r->time_us, pt.min_us = r->time_min_us, pt.max_us = r->time_max_us;
  pt.algbw = r->algbw_GBps, pt.busbw = r->busbw_GBps, pt.wire_bytes = r->wire_bytes, pt.wrong = r->errors;
  pt.encode_us = r->encode_us, pt.comm_us = r->comm_us, pt.decode_us = r->decode_us, pt.rel_err = r->rel_err;
  return pt;
}

// The OMPI_MCA_* variables in effect, "name=value" space-separated: transport settings change what
// a byte costs (e.g. vader's single-copy mechanism), so a result must say which it ran with.
static void mca_settings(char *out, size_t len) {
  extern char **environ;
  size_t used = 0;
  out[0] = '\0';
  for (char **e = environ; *e && used + 1 < len; e++) {
    if (strncmp(*e, "OMPI_MCA_", 9) != 0) continue;
    int w = snprintf(out + used, len - used, "%s%s", used ? " " : "", *e + 9);
    if (w < 0 || (size_t)w >= len - used) break;
    used += (size_t)w;
  }
}

static int write_sidecar(const bench *B, const char *results, int argc, char **argv) {
  const options *o = B->o;
  cc_meta m;
  cc_meta_init(&m);
  cc_meta_standard(&m, "ccbench", argc, argv);
  char ver[MPI_MAX_LIBRARY_VERSION_STRING];
  int len;
  MPI_Get_library_version(ver, &len);
  ver[strcspn(ver, "\n")] = '\0';
  cc_meta_str(&m, "mpi", ver);
  char mca[2048];
  mca_settings(mca, sizeof mca);
  cc_meta_str(&m, "mpi_mca_env", mca);
  cc_meta_str(&m, "results", results);
  cc_meta_str(&m, "collective", cc_coll_name(o->op));
  cc_meta_str(&m, "redop", cc_redop_name(o->red));
  cc_meta_str(&m, "placement", o->in_place ? "in-place" : "out-of-place");
  cc_meta_str(&m, "transport", B->comm->t->name);
  cc_meta_str(&m, "memory", o->device ? "device" : "host");
  if (strcmp(B->comm->t->name, "mpi-staged") == 0) cc_meta_int(&m, "staging_chunk_bytes", (long long)o->staging_chunk);
#ifdef CCBENCH_HAVE_CUDA
  if (o->device) {
    char v[32];
    snprintf(v, sizeof v, "%d.%d", B->gpu.runtime_version / 1000, B->gpu.runtime_version % 1000 / 10);
    cc_meta_str(&m, "cuda_runtime", v);
    snprintf(v, sizeof v, "%d.%d", B->gpu.driver_version / 1000, B->gpu.driver_version % 1000 / 10);
    cc_meta_str(&m, "cuda_driver", v);
    cc_meta_str(&m, "gpu", B->gpu.name);
  }
#endif
#ifdef CCBENCH_HAVE_NCCL
  if (o->device) {
    int code = 0;
    CC_CHECK_NCCL(ncclGetVersion(&code));
    char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", code / 10000, code % 10000 / 100, code % 100);
    cc_meta_str(&m, "nccl", v);
  }
#endif
  cc_meta_int(&m, "ranks", B->P);
  cc_meta_int(&m, "nodes", B->comm->nodes);
  cc_meta_int(&m, "ranks_per_node", B->comm->local_size);
  cc_meta_int(&m, "ranks_per_node_override", o->ranks_per_node);
  cc_meta_int(&m, "iters", o->iters);
  cc_meta_int(&m, "warmup", o->warmup);
  cc_meta_int(&m, "check", o->check);
  cc_meta_int(&m, "ring_segment_bytes", (long long)B->comm->tuning.ring_segment_bytes);
  cc_meta_int(&m, "tree_chunk_bytes", (long long)B->comm->tuning.tree_chunk_bytes);
  cc_meta_int(&m, "cpus_online", sysconf(_SC_NPROCESSORS_ONLN));
  cc_meta_num(&m, "timeout_s", o->timeout_s);  // the watchdog's, 0: off
  char path[4096];
  snprintf(path, sizeof path, "%s%s", results, CC_META_SUFFIX);
  int rc = cc_meta_write(&m, path);
  cc_meta_free(&m);
  return rc;
}

// Rank 0, at the end: commits one result file and writes its sidecar (none beside a device, FIFO or
// stdout); a failure becomes B->write_error, which agree_writes then gives every rank.
static void finish_output(bench *B, cc_rowfile *rf, bool have, const char *flag, const char *path, int argc, char **argv) {
  if (!have || B->write_error[0]) return;
  bool stream = rf->af.direct;
  if (cc_rowfile_commit(rf) != 0)
    snprintf(B->write_error, sizeof B->write_error, "%s: cannot write '%s': %s", flag, path, rf->af.why);
  else if (!stream && write_sidecar(B, path, argc, argv) != 0)
    snprintf(B->write_error, sizeof B->write_error, "%s: cannot write '%s%s': %s", flag, path, CC_META_SUFFIX, strerror(errno));
  else if (!stream) printf("# rows: %s\n", path);
}

// ---------------------------------------------------------------------------------------------------

// A zeroed buffer of the communicator's memory kind, and its host copy (itself on the host).
static void *alloc_buffer(bench *B, void **host) {
  size_t bytes = B->o->maxbytes;
  const cc_memops *mem = B->comm->mem;
  *host = cc_host_memops.alloc(bytes ? bytes : 1);
  memset(*host, 0, bytes);  // fault the pages in now, not inside a timed iteration
  if (mem->kind == CC_MEM_HOST) return *host;
  void *p = mem->alloc(bytes);
  mem->from_host(p, *host, bytes);
  mem->sync();
  return p;
}

static void free_buffer(bench *B, void *p, void *host) {
  if (p != host) B->comm->mem->free(p);
  cc_host_memops.free(host);
}

#ifdef CCBENCH_HAVE_CUDA
enum { GPU_ID = MPI_MAX_PROCESSOR_NAME + 40 };

// Whether any rank shares its GPU with another (same host, same PCI bus id): NCCL refuses that.
static bool gpus_shared(const bench *B, int *first, int *second, char which[GPU_ID]) {
  char mine[GPU_ID];
  snprintf(mine, sizeof mine, "%s on %s", B->gpu.bus_id, B->host);
  char *all = cc_malloc((size_t)B->P * GPU_ID);
  CC_CHECK_MPI(MPI_Allgather(mine, GPU_ID, MPI_CHAR, all, GPU_ID, MPI_CHAR, B->mpi));
  bool shared = false;
  for (int r = 0; r < B->P && !shared; r++)
    for (int q = 0; q < r && !shared; q++)
      if (strcmp(all + (size_t)r * GPU_ID, all + (size_t)q * GPU_ID) == 0) {
        *first = q, *second = r, shared = true;
        memcpy(which, all + (size_t)r * GPU_ID, GPU_ID);
      }
  free(all);
  return shared;
}

// -g: every rank must see a GPU; device local_rank % GPUs; the transport the algorithms use.
static cc_transport *open_device(bench *B, cc_transport *mpi) {
  const options *o = B->o;
  int count = cc_cuda_device_count(), fewest = 0;
  CC_CHECK_MPI(MPI_Allreduce(&count, &fewest, 1, MPI_INT, MPI_MIN, B->mpi));
  if (fewest == 0)
    cc_input_error("-g/--device: no GPU visible%s (no CUDA device, or no driver)", count ? " on some of the ranks" : "");
  int local_rank = 0, nodes = 0;
  for (int r = 0; r < B->P; r++) {
    local_rank += r < B->rank && mpi->node_of[r] == mpi->node_of[B->rank];
    if (mpi->node_of[r] + 1 > nodes) nodes = mpi->node_of[r] + 1;
  }
  cc_device_open(local_rank);
  cc_device_describe(&B->gpu);
  cc_device_timer_init(&B->timer);

  if (strcmp(o->transport, "ipc") == 0 && nodes > 1)
    cc_input_error("--transport ipc: the ranks span %d nodes; ipc works within one node (use mpi-staged or nccl)", nodes);
  bool nccl_strategy = false;
  for (int i = 0; i < o->nstrategies; i++) nccl_strategy |= o->strategy[i].algo == CC_ALGO_NCCL;
  int q, r;
  char which[GPU_ID];
  if ((nccl_strategy || strcmp(o->transport, "nccl") == 0) && gpus_shared(B, &q, &r, which))
    cc_input_error("%s: ranks %d and %d share one GPU (%s); NCCL needs one GPU per rank",
                   strcmp(o->transport, "nccl") == 0 ? "--transport nccl" : "-s/--strategies: nccl", q, r, which);
  if (strcmp(o->transport, "ipc") == 0) return cc_transport_ipc_create(mpi);
#ifdef CCBENCH_HAVE_NCCL
  if (strcmp(o->transport, "nccl") == 0) return cc_transport_nccl_create(mpi);
#endif
  return cc_transport_staged_create(mpi, o->staging_chunk);
}

static void close_device(bench *B) {
  cc_device_timer_free(&B->timer);
  cc_device_close();
}
#endif

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  cc_set_progname("ccbench");
  cc_mpi_install_error_hooks();

  cc_transport *mpi = cc_transport_mpi_create(MPI_COMM_WORLD), *t = mpi;
  options o;
  parse_options(&o, argc, argv, mpi->size, mpi->rank);
  cc_watchdog_enter("start-up (communicator, buffers, header)", -1);
  cc_watchdog_start(o.timeout_s);

  bench B = {.o = &o, .mpi = cc_transport_mpi_comm(mpi), .P = mpi->size, .rank = mpi->rank, .baseline = -1};
  int len;
  MPI_Get_processor_name(B.host, &len);
  const cc_memops *mem = &cc_host_memops;
#ifdef CCBENCH_HAVE_CUDA
  if (o.device) t = open_device(&B, mpi), mem = &cc_device_memops;
#endif
  B.comm = cc_comm_create(t, mem, (int)o.ranks_per_node);
  B.comm->tuning.ring_segment_bytes = o.ring_segment;
  B.comm->tuning.tree_chunk_bytes = o.tree_chunk;
  for (int i = 0; i < o.nstrategies; i++) {
    if (o.strategy[i].algo == CC_ALGO_MPI) B.baseline = i;
    if (o.strategy[i].compressed) B.any_compressed = true;
    if (o.strategy[i].algo == CC_ALGO_HIER && !B.comm->uniform_nodes)
      cc_input_error("-s/--strategies: %s needs the same number of ranks on every node; use --ranks-per-node",
                     o.strategy[i].name);
  }
  if (!o.profile) {
    // Rows measured on an emulated cluster (scripts/netcluster.sh) belong to it, not to node 0's name.
    static char profile_name[MPI_MAX_PROCESSOR_NAME];
    if (o.on_netcluster) cc_netcluster_profile_name(&o.netcluster, profile_name, sizeof profile_name);
    else memcpy(profile_name, B.host, sizeof profile_name);
    CC_CHECK_MPI(MPI_Bcast(profile_name, sizeof profile_name, MPI_CHAR, 0, B.mpi));
    o.profile = profile_name;
  }
  // Send and receive buffers of the largest size, on every rank of the node (on the host also with -g:
  // the host copies fill and check them).
  cc_mpi_agree(B.mpi, cc_memory_shortfall(2.0 * (double)o.maxbytes, B.comm->local_size,
                                          "-e/--maxbytes: the send and receive buffers"));
  load_previous(&B);
  open_outputs(&B);
  if (B.rank == 0) copy_previous(&B);
  agree_writes(&B);

  // Buffers for the largest size: the sizes themselves are bytes of the whole vector.
  B.buf_a = alloc_buffer(&B, &B.host_a);
  B.buf_b = alloc_buffer(&B, &B.host_b);
  B.times = cc_malloc(sizeof(double) * 4 * (size_t)o.iters * (size_t)o.nstrategies);  // times, then phases
  print_header(&B);
  mark_measured(&B);

  summary *sum = cc_calloc((size_t)o.nstrategies, sizeof(summary));
  point *pts = cc_malloc(sizeof(point) * (size_t)o.nstrategies);
  cc_progress_start(&B.progress, (uint64_t)o.ndtypes * (uint64_t)o.nsizes * (uint64_t)o.iters, B.rank == 0 && !o.no_progress);
  uint64_t done = 0;
  for (int d = 0; d < o.ndtypes; d++) {
    cc_dtype t_ = o.dtype[d];
    uint64_t last_count = UINT64_MAX;
    for (int z = 0; z < o.nsizes; z++) {
      call c = setup_call(&B, o.size[z], t_);
      if (c.count == last_count) {  // a size that rounds to the same element count as the last one
        done += (uint64_t)o.iters;
        continue;
      }
      last_count = c.count;
      char label[160], sz[32];
      cc_format_size(c.bytes, sz, sizeof sz);
      snprintf(label, sizeof label, "%s %s", sz, cc_dtype_name(t_));
      const int *known = B.known_row + ((size_t)d * (size_t)o.nsizes + (size_t)z) * (size_t)o.nstrategies;
      bool all_known = true;
      for (int k = 0; k < o.nstrategies; k++) all_known &= known[k] >= 0;
      if (!all_known) measure_size(&B, o.size[z], t_, pts, known, done, label);
      for (int k = 0; k < o.nstrategies; k++)
        if (known[k] >= 0) pts[k] = resumed_point(&B, known[k], c.bytes);
      done += (uint64_t)o.iters;
      for (int i = 0; i < o.nstrategies; i++)
        if (pts[i].wrong >= 0) B.any_checked = true, B.total_wrong += pts[i].wrong;
      cc_progress_update(&B.progress, done, "");
      if (B.rank == 0) {
        cc_progress_clear(&B.progress);
        emit_size(&B, t_, pts);
        for (int i = 0; i < o.nstrategies; i++) {
          if (pts[i].bytes == 0) continue;
          sum[i].busbw_sum += pts[i].busbw, sum[i].n++;
          if (B.baseline >= 0 && pts[i].busbw > 0 && pts[B.baseline].busbw > 0)
            sum[i].log_ratio_sum += log(pts[i].busbw / pts[B.baseline].busbw), sum[i].nratio++;
        }
      }
      agree_writes(&B);
    }
  }
  cc_progress_finish(&B.progress);
  cc_watchdog_stop();

  if (B.rank == 0) {
    print_summary(&B, sum);
    finish_output(&B, &B.csv, B.have_csv, "--csv", o.csv, argc, argv);
    finish_output(&B, &B.json, B.have_json, "--json", o.json, argc, argv);
    if (B.have_csv && !B.write_error[0]) cc_resume_done(o.csv);  // every kept row is in the committed file now
  }
  agree_writes(&B);
  free(sum);
  free(pts);
  free(B.known_row);
  cc_rowset_free(&B.previous);
  free(B.times);
  free_buffer(&B, B.buf_a, B.host_a);
  free_buffer(&B, B.buf_b, B.host_b);
  cc_comm_destroy(B.comm);
  if (t != mpi) t->destroy(t);
#ifdef CCBENCH_HAVE_CUDA
  if (o.device) close_device(&B);
#endif
  mpi->destroy(mpi);
  MPI_Finalize();
  return B.total_wrong ? 1 : 0;
}
