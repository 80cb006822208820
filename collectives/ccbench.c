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
#include <time.h>
#include <unistd.h>

#include <mpi.h>

#include "collectives/check_pattern.h"
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
#define NCCL_TESTS_FORMAT "2.19.6"  // the nccl-tests version whose table and JSON layout --format/-J write
#define MAX_SIZES 4096
#define UNSET_SIZE UINT64_MAX  // -b and -e not on the command line

typedef struct {
  // command line
  uint64_t minbytes, maxbytes, stepbytes, ring_segment, tree_chunk, staging_chunk;
  long long stepfactor, iters, warmup, ranks_per_node;
  // nccl-tests' flags (docs/ccbench.md has the table of what each does here)
  long long nthreads, ngpus, root, agg_iters, run_cycles, average, per_iter, per_iter_skip, parallel_init,
      check_iters, blocking, stream_null, cudagraph, cputime, local_register, cta_policy, device_impl,
      device_cta, timestamps, memory_report, unalign;
  double timeout_s;
  const char *strategies, *dtypes, *redops, *coll, *csv, *json, *profile, *transport, *format, *output_file;
  bool in_place, no_progress, device, resume, dry_run;
  // derived
  cc_strategy strategy[MAX_STRATEGIES];
  int nstrategies;
  const char *compress;                     // --compress LIST
  char compress_text[MAX_STRATEGIES][128];
  int ncompress;
  cc_dtype dtype[CC_NDTYPES];
  int ndtypes;
  cc_redop redop[CC_NREDOPS];
  int nredops;
  uint64_t size[MAX_SIZES];
  int nsizes;
  cc_coll op;
  bool nccl_format;                         // --format nccl-tests
  int nplaces;                              // placements measured per strategy: 2 (nccl-tests format) or 1
  bool check_given;                         // -c was on the command line (else nccl-tests' default, 1)
  bool ngpus_given;                         // -g was on the command line
  bool step_is_factor;                      // sizes grow by stepfactor, else by stepbytes
  bool ccbench_sweep;                       // no -b, -e, -f, -i: ccbench's default sweep
  cc_netcluster netcluster;                 // CCBENCH_NETCLUSTER (scripts/netcluster.sh)
  bool on_netcluster;                       // ... was set
} options;

typedef struct {
  options *o;
  cc_comm *comm;
  MPI_Comm mpi;
  int P, rank;
  char host[MPI_MAX_PROCESSOR_NAME];
  void *buf_a, *buf_b;  // send and recv, each large enough for the largest size (+ -u's shift)
  size_t buf_bytes;
  double *times;
  double *times_max;    // -I with -a other than 3: the per-iteration times' max over ranks (nccl-tests' i_*)
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
  double busbw_sum;     // the footer's "Avg bus bandwidth": every measured point (and placement) counts once
  long long busbw_points;
  // --format nccl-tests: the tables of strategies 1.. are written to memory and printed after the first
  FILE *later_tables[MAX_STRATEGIES];
  char *later_text[MAX_STRATEGIES];
  size_t later_len[MAX_STRATEGIES];
  double strategy_busbw[MAX_STRATEGIES];  // per strategy: its footer's busbw sum, points, failed checks
  long long strategy_points[MAX_STRATEGIES], strategy_bad[MAX_STRATEGIES];
  long long bad_checks;  // the footer's "Out of bounds values": (rank, check) pairs that found wrong elements
  int nvariants;        // nstrategies x nplaces: variant v is strategy v / nplaces, in place when v % nplaces
  FILE *json_doc;       // -J: the results list of the nccl-tests JSON document, built in memory
  char *json_text;
  size_t json_len;
  int json_results;
  char start_time[32];
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
  long long bad_ranks;  // ranks that found wrong elements
  double encode_us, comm_us, decode_us;  // medians of the phases (uncompressed: all communication)
  double rel_err;   // ||result - exact|| / ||exact||, -1 when not computed
  bool resumed;     // taken from the interrupted run's rows (--resume), not measured now
  double cpu_us;    // -C 1: host time of the calls (enqueue time on the GPU), else equal to median_us
  // -I: statistics of the per-iteration times (max over ranks) after the first -K
  double i_min, i_max, i_avg, i_p50, i_p95, i_p99, i_stdev, i_cv;
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

// One entry of a comma-separated list as a string of at most 31 characters.
static void list_entry(char text[32], const char *item, size_t len, const char *flag, const char *list) {
  if (len == 0 || len >= 32) cc_input_error("%s: empty or unknown entry in '%s'", flag, list);
  memcpy(text, item, len);
  text[len] = '\0';
}

static int add_dtype(const char *item, size_t len, void *ctx) {
  options *o = ctx;
  char text[32];
  list_entry(text, item, len, "-d/--dtype", o->dtypes);
  if (strcmp(text, "all") == 0) {
    for (int t = 0; t < CC_NDTYPES; t++) o->dtype[t] = (cc_dtype)t;
    o->ndtypes = CC_NDTYPES;
    return 0;
  }
  if (o->ndtypes == CC_NDTYPES) cc_input_error("-d/--dtype: too many entries in '%s'", o->dtypes);
  if (strncmp(text, "f8", 2) == 0 || strstr(text, "fp8"))
    cc_input_error("-d/--dtype: %s: ccbench has no 8-bit float reductions (types: f32, f64, f16, bf16, int8, uint8, "
                   "int32, uint32, int64, uint64, all)", text);
  if (cc_dtype_parse(text, &o->dtype[o->ndtypes]) != 0)
    cc_input_error("-d/--dtype: unknown type '%s' (float, double, half, bfloat16, int8, uint8, int32, uint32, int64, "
                   "uint64, or all; f32, f64, f16, bf16, i8, u8, i32, u32, i64, u64 also work)", text);
  o->ndtypes++;
  return 0;
}

static int add_redop(const char *item, size_t len, void *ctx) {
  options *o = ctx;
  char text[32];
  list_entry(text, item, len, "-o/--op", o->redops);
  if (strcmp(text, "all") == 0) {
    memcpy(o->redop, cc_redops_nccl_order, sizeof o->redop);
    o->nredops = CC_NREDOPS;
    return 0;
  }
  if (o->nredops == CC_NREDOPS) cc_input_error("-o/--op: too many entries in '%s'", o->redops);
  if (strcmp(text, "mulsum") == 0 || strcmp(text, "premulsum") == 0)
    cc_input_error("-o/--op: %s: ccbench has no pre-multiplied sum (sum, prod, max, min, avg, all)", text);
  if (cc_redop_parse(text, &o->redop[o->nredops]) != 0)
    cc_input_error("-o/--op: unknown reduction '%s' (sum, prod, max, min, avg, all)", text);
  o->nredops++;
  return 0;
}

// nccl-tests' sweep: sizes grow by -f when it is above 1, else by -i; unset, -b and -e are 32M and -i
// is 1M. A command line with none of -b, -e, -f, -i gets ccbench's own sweep instead: 8 B to 32 MiB,
// doubling (the header says which ran).
static void build_sizes(options *o) {
  bool any = o->minbytes != UNSET_SIZE || o->maxbytes != UNSET_SIZE || o->stepfactor != 0 || o->stepbytes != 0;
  if (!any) o->minbytes = 8, o->maxbytes = 32 << 20, o->stepfactor = 2;
  if (o->minbytes == UNSET_SIZE) o->minbytes = 32 << 20;
  if (o->maxbytes == UNSET_SIZE) o->maxbytes = 32 << 20;
  if (o->minbytes > o->maxbytes)
    cc_input_error("-b/--minbytes (%llu) is larger than -e/--maxbytes (%llu)", (unsigned long long)o->minbytes,
                   (unsigned long long)o->maxbytes);
  o->step_is_factor = o->stepfactor > 1;
  if (!o->step_is_factor && o->stepbytes == 0) o->stepbytes = 1 << 20;
  o->ccbench_sweep = !any;
  for (uint64_t s = o->minbytes; s <= o->maxbytes;) {
    if (o->nsizes == MAX_SIZES)
      cc_input_error("-b/-e/-f/-i: more than %d sizes; raise -f or -i", MAX_SIZES);
    o->size[o->nsizes++] = s;
    uint64_t next = !o->step_is_factor ? s + o->stepbytes : s ? s * (uint64_t)o->stepfactor : 1;
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
  if (o->device) cc_input_error("--device: this ccbench was built without CUDA");
#endif
  if (!o->transport) o->transport = o->device ? "mpi-staged" : "mpi";
  bool known = strcmp(o->transport, "mpi") == 0 || strcmp(o->transport, "mpi-staged") == 0 ||
               strcmp(o->transport, "ipc") == 0 || strcmp(o->transport, "nccl") == 0;
  if (!known)
    cc_input_error("--transport: unknown transport '%s' (mpi; with --device: mpi-staged, ipc, nccl)", o->transport);
  if (!o->device && strcmp(o->transport, "mpi") != 0)
    cc_input_error("--transport %s moves GPU buffers: add --device", o->transport);
  if (o->device && strcmp(o->transport, "mpi") == 0)
    cc_input_error("--transport mpi moves host buffers; with --device choose mpi-staged, ipc or nccl");
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
                          {"--csv (its sidecar)", csv_meta, true}, {"--json (its sidecar)", json_meta, true},
                          {"-J/--output_file", o->output_file, true}};
    if (o->resume && o->csv && cc_output_is_stream(o->csv))
      snprintf(msg, sizeof msg, "--resume: '%s' is not a regular file; there are no rows to read back", o->csv);
    else cc_check_files(uses, 5, msg, sizeof msg);
  }
  free(csv_meta);
  free(json_meta);
  cc_mpi_agree(MPI_COMM_WORLD, msg[0] ? msg : NULL);
}

// nccl-tests' -C is report_cputime and -g a GPU count; ccbench's collective used to be -C and its GPU
// buffers -g. Said before the option parser would say "'allgather' is not an integer".
static void catch_old_collective_flag(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i++) {
    if (strcmp(argv[i], "--") == 0) return;
    long long v;
    if (strcmp(argv[i], "-C") == 0 && cc_parse_int(argv[i + 1], &v) != 0)
      cc_input_error("-C is nccl-tests' --report_cputime 0|1; choose the collective with --collective %s", argv[i + 1]);
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) return;
    long long v;
    if (strcmp(argv[i], "-g") == 0 && (i + 1 == argc || cc_parse_int(argv[i + 1], &v) != 0))
      cc_input_error("-g/--ngpus takes nccl-tests' GPU count per rank (1); GPU buffers are --device");
  }
}

// nccl-tests flags that only take the value that means what ccbench always does, or that have no
// effect here (as in nccl-tests), each with why.
static void check_nccl_tests_flags(options *o) {
  o->ngpus_given = o->ngpus >= 0;
  if (!o->ngpus_given) o->ngpus = 1;
  if (o->nthreads != 1)
    cc_input_error("-t/--nthreads %lld: ccbench runs one thread per rank; start %lld times the ranks instead "
                   "(mpirun -np)", o->nthreads, o->nthreads);
  if (o->ngpus != 1)
    cc_input_error("-g/--ngpus %lld: ccbench drives one GPU per rank; start one rank per GPU instead (mpirun -np, "
                   "buffers on the GPU with --device)", o->ngpus);
  if (o->cudagraph != 0)
    cc_input_error("-G/--cudagraph %lld: the custom algorithms wait on the host (MPI) inside a call, which a CUDA "
                   "graph cannot capture; ccbench times calls without graphs (-G 0)", o->cudagraph);
  if (o->stream_null != 0)
    cc_input_error("-y/--stream_null %lld: ccbench runs every collective on its own non-blocking stream (-y 0)",
                   o->stream_null);
  if (o->local_register != 0)
    cc_input_error("-R/--local_register %lld: ccbench does not register buffers with NCCL (-R 0)", o->local_register);
  if (o->device_impl != 0)
    cc_input_error("-D/--device_implementation %lld: ccbench has no NCCL device-API implementations (-D 0)",
                   o->device_impl);
  if (o->cta_policy != -1)
    cc_input_error("-x/--cta_policy %lld: ccbench leaves NCCL's CTA policy at its default", o->cta_policy);
  if (o->per_iter && o->blocking != 3)
    cc_input_error("-I/--per_iter_timing: per-iteration times need each iteration timed alone: -z 3 (ccbench's "
                   "default), not -z %lld", o->blocking);
  if (o->per_iter && o->per_iter_skip >= o->iters)
    cc_input_error("-K/--per_iter_skip %lld leaves none of the %lld iterations (-n)", o->per_iter_skip, o->iters);
  if (o->run_cycles != 1 && o->resume)
    cc_input_error("-N/--run_cycles %lld: --resume continues a single sweep (-N 1)", o->run_cycles);
  if (o->output_file) {
    size_t len = strlen(o->output_file);
    if (!cc_output_is_stream(o->output_file) && (len < 5 || strcmp(o->output_file + len - 5, ".json") != 0))
      cc_input_error("-J/--output_file '%s': the format comes from the suffix, and only .json is written", o->output_file);
  }
}

static void parse_options(options *o, int argc, char **argv, int P, int rank) {
  *o = (options){.minbytes = UNSET_SIZE, .maxbytes = UNSET_SIZE, .iters = 20, .warmup = 5,
                 .strategies = "ring,tree,rd,rabenseifner,hier:ring/ring,mpi", .dtypes = "float",
                 .redops = "sum", .coll = "allreduce", .ring_segment = 1 << 20, .tree_chunk = 256 << 10,
                 .staging_chunk = 1 << 20, .format = "table", .nthreads = 1, .agg_iters = 1,
                 .run_cycles = 1, .average = 3, .check_iters = -1, .blocking = 3, .cta_policy = -1,
                 .ngpus = -1, .root = -1};
  char timeout_err[256];
  const char *timeout_error = cc_watchdog_default(&o->timeout_s, timeout_err, sizeof timeout_err);
  cc_option opts[] = {
      {"minbytes", 'b', CC_OPT_SIZE, &o->minbytes, "SIZE", "smallest message size in bytes (default 32M as "
       "nccl-tests; 8 when no -b, -e, -f, -i is given)", 0, 0},
      {"maxbytes", 'e', CC_OPT_SIZE, &o->maxbytes, "SIZE", "largest message size in bytes (default 32M)", 0, 0},
      {"stepfactor", 'f', CC_OPT_INT, &o->stepfactor, "N",
       "multiply the size by N between steps; 1 or unset: add -i (default unset; 2 when no -b, -e, -f, -i is "
       "given)", 1, 1 << 20},
      {"stepbytes", 'i', CC_OPT_SIZE, &o->stepbytes, "SIZE",
       "add SIZE between steps when -f is not above 1 (default 1M)", 1, 0x1p62},
      {"strategies", 's', CC_OPT_STRING, &o->strategies, "LIST",
       "comma-separated strategies: ring, tree, btree, rd, rabenseifner, hier:<intra>/<inter>, mpi, "
       "nccl (with --device); append +<compressor> to compress (ring+int8, ring+topk:0.01,approx+ef)", 0, 0},
      {"compress", 0, CC_OPT_STRING, &o->compress, "LIST",
       "also run every -s strategy (but mpi) with each of these compressors: fp16, bf16, int8, int4, "
       "qsgd:<s>, sign, topk:<ratio>[,approx], randk:<ratio>, powersgd:<rank>, each optionally +ef", 0, 0},
      {"dtype", 'd', CC_OPT_STRING, &o->dtypes, "LIST",
       "element types: float, double, half, bfloat16, int8, uint8, int32, uint32, int64, uint64 (or f32, f64, "
       "f16, bf16, i8, u8, i32, u32, i64, u64), or all", 0, 0},
      {"op", 'o', CC_OPT_STRING, &o->redops, "LIST", "reductions: sum, prod, max, min, avg, or all", 0, 0},
      {"collective", 0, CC_OPT_STRING, &o->coll, "NAME", "allreduce, allgather or reduce_scatter", 0, 0},
      {"iters", 'n', CC_OPT_INT, &o->iters, "N", "timed iterations per point", 1, 1e6},
      {"warmup", 'w', CC_OPT_INT, &o->warmup, "N", "untimed warm-up iterations per point (nccl-tests: 1)", 0, 1e9},
      {"agg_iters", 'm', CC_OPT_INT, &o->agg_iters, "N",
       "calls per timed iteration; the time is per call", 1, 1e6},
      {"check", 'c', CC_OPT_INT, &o->check_iters, "N",
       "check the result of N calls per point against an exact reference (#wrong); 0: off (default 1, as "
       "nccl-tests)", 0, 1e6},
      {"average", 'a', CC_OPT_INT, &o->average, "N",
       "how an iteration's time combines the ranks' times: 0 rank 0's, 1 the mean, 2 the min, 3 the max "
       "(default 3, the slowest rank; nccl-tests: 1)", 0, 3},
      {"blocking", 'z', CC_OPT_INT, &o->blocking, "N",
       "0: calls back to back, timed together; 1: wait and barrier after each call; 2: wait after each call; "
       "3: each iteration timed alone between barriers, for its min, max and median (default 3; nccl-tests: 0)",
       0, 3},
      {"per_iter_timing", 'I', CC_OPT_INT, &o->per_iter, "0|1",
       "per-iteration statistics of the slowest rank's times: min, max, p99, cv%", 0, 1},
      {"per_iter_skip", 'K', CC_OPT_INT, &o->per_iter_skip, "N", "leave the first N iterations out of -I", 0, 1e6},
      {"report_cputime", 'C', CC_OPT_INT, &o->cputime, "0|1",
       "report the host (CPU) time of the calls; with --device the time to enqueue them", 0, 1},
      {"report_timestamps", 'S', CC_OPT_INT, &o->timestamps, "0|1", "end every row with the date and time", 0, 1},
      {"run_cycles", 'N', CC_OPT_INT, &o->run_cycles, "N", "run the whole sweep N times; 0: until interrupted", 0,
       1e9},
      {"output_file", 'J', CC_OPT_STRING, &o->output_file, "FILE.json",
       "also write the results as nccl-tests' JSON document (written atomically at the end)", 0, 0},
      {"timeout", 'T', CC_OPT_DOUBLE, &o->timeout_s, "SECONDS",
       "end the job with an error naming the strategy, size and iteration when a rank makes no progress "
       "for this long (a stuck collective); 0: off; the default is CCBENCH_TIMEOUT's when set, else 600", 0, 1e9},
      {"unalign", 'u', CC_OPT_INT, &o->unalign, "N", "shift the send and receive buffers by N elements", 0, 1 << 20},
      {"memory", 'M', CC_OPT_INT, &o->memory_report, "0|1", "report the buffer memory each rank allocated", 0, 1},
      {"nthreads", 't', CC_OPT_INT, &o->nthreads, "N", "threads per rank: 1 (one rank per GPU or core)", 0, 1e6},
      {"ngpus", 'g', CC_OPT_INT, &o->ngpus, "N",
       "GPUs per rank: 1 (default 1; buffers on it with --device)", 0, 1e6},
      {"root", 'r', CC_OPT_INT, &o->root, "N",
       "root of rooted collectives; allreduce, allgather and reduce_scatter have none (default none)", 0, 1e9},
      {"parallel_init", 'p', CC_OPT_INT, &o->parallel_init, "0|1",
       "initialize threads' communicators in parallel; one thread per rank has nothing to parallelize", 0, 1},
      {"cudagraph", 'G', CC_OPT_INT, &o->cudagraph, "N", "CUDA graph replays: 0 only (see docs/ccbench.md)", 0, 1e9},
      {"stream_null", 'y', CC_OPT_INT, &o->stream_null, "0|1", "default stream: 0 only", 0, 1},
      {"local_register", 'R', CC_OPT_INT, &o->local_register, "N", "NCCL buffer registration: 0 only", 0, 2},
      {"device_implementation", 'D', CC_OPT_INT, &o->device_impl, "N", "NCCL device-API kernels: 0 only", 0, 1e6},
      {"device_cta_count", 'V', CC_OPT_INT, &o->device_cta, "N", "CTAs of -D's kernels: no effect with -D 0 (default 16)", 1, 127},
      {"cta_policy", 'x', CC_OPT_INT, &o->cta_policy, "N", "NCCL CTA policy: not settable (default: NCCL's)", 0, 2},
      {"format", 0, CC_OPT_STRING, &o->format, "NAME",
       "table: one table comparing the strategies; nccl-tests: one nccl-tests table per strategy, out of place "
       "and in place", 0, 0},
      {"inplace", 0, CC_OPT_FLAG, &o->in_place, NULL, "table: run in place (default: out of place)", 0, 0},
      {"ranks-per-node", 0, CC_OPT_INT, &o->ranks_per_node, "N",
       "pretend nodes hold N consecutive ranks (for hier on one host); 0 = detect", 0, 1 << 30},
      {"device", 0, CC_OPT_FLAG, &o->device, NULL,
       "buffers on the GPU (device local_rank % GPUs), timed with CUDA events", 0, 0},
      {"transport", 0, CC_OPT_STRING, &o->transport, "NAME",
       "how the custom algorithms move bytes: mpi (host buffers); with --device mpi-staged (default), ipc "
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
      {"dry-run", 0, CC_OPT_FLAG, &o->dry_run, NULL,
       "print the header and the sweep this command line asks for (sizes, types, reductions, points), then "
       "exit without measuring or writing anything", 0, 0},
  };
  // nccl-tests' long names where ccbench's differ; -c alone (ccbench's old --check flag) checks once.
  static const cc_option_extra extras[] = {
      {"dtype", "datatype", NULL}, {"warmup", "warmup_iters", NULL}, {"check", NULL, "1"}};
  cc_cli cli = {
      .prog = "ccbench",
      .extras = extras,
      .nextras = (int)(sizeof extras / sizeof extras[0]),
      .usage = "mpirun -np P ccbench [options]",
      .summary = "Measures collective strategies over a sweep of message sizes with nccl-tests' flags and output: "
                 "per size and strategy the median, min and max time over iterations (slowest rank per "
                 "iteration), algbw and busbw, and the number of wrong elements. Every nccl-tests flag is "
                 "accepted with its meaning or refused with the reason; docs/ccbench.md has the table.",
      .epilog = "Sizes take K, M, G suffixes (powers of 1024).\n"
                "nccl-tests' flags (nccl-tests 2.19.6; docs/ccbench.md has the table):\n"
                "  -b -e -i -f -n -w -m -c -o -d -a -z -I -K -C -S -N -J -T -u -M\n"
                "                    as in nccl-tests; ccbench's defaults differ in -w 5 (1), -a 3 (1),\n"
                "                    -z 3 (0) and the median time (the mean), and with no -b -e -f -i it\n"
                "                    sweeps 8 B..32 MiB doubling; the header says which apply\n"
                "  -t 1, -g 1        one thread and one GPU per rank (more: start more ranks; --device puts\n"
                "                    the buffers on the GPU)\n"
                "  -r -p -V          accepted, no effect on these collectives (as in nccl-tests)\n"
                "  -G -y -R -D -x    0 or unset only, else refused with the reason\n"
                "  ccbench's own letters gave way: --collective (was -C), --device (was -g)\n\n"
                "Examples:\n"
                "  mpirun -np 4 ccbench -b 8 -e 256M -f 2 -s ring,tree,rd,rabenseifner,hier:ring/ring,mpi\n"
                "  mpirun -np 4 ccbench -s hier:ring/tree --ranks-per-node 2 -d bf16 -o avg --csv out.csv\n"
                "  mpirun -np 8 ccbench --collective allgather -s ring,rd,mpi -b 1K -e 64M -f 4\n"
                "  mpirun -np 4 ccbench -b 8 -e 128M -f 2 -g 1 -c 1 -o all -d all -s ring,mpi --format nccl-tests\n"
                "  mpirun -np 4 ccbench --device --transport ipc -s ring,tree,mpi -b 8 -e 256M -f 2\n"
                "  mpirun -np 1 ccbench --device -s ring,mpi,nccl -d bf16   (NCCL: one rank per GPU)",
      .opts = opts,
      .nopts = (int)(sizeof opts / sizeof opts[0]),
  };
  catch_old_collective_flag(argc, argv);
  cc_mpi_cli_parse(&cli, argc, argv, rank);
  cc_mpi_agree(MPI_COMM_WORLD, timeout_error);  // each rank has its own environment
  char netcluster_err[300];  // set by scripts/netcluster.sh mpirun; names the rows' default profile
  int on_netcluster = cc_netcluster_from_env(&o->netcluster, netcluster_err, sizeof netcluster_err);
  cc_mpi_agree(MPI_COMM_WORLD, on_netcluster < 0 ? netcluster_err : NULL);
  o->on_netcluster = on_netcluster == 1;
  cc_mpi_require_same_args(argc, argv);  // the checks below then give every rank the same verdict
  char err[256];

  check_nccl_tests_flags(o);
  if (strcmp(o->format, "table") != 0 && strcmp(o->format, "nccl-tests") != 0)
    cc_input_error("--format: unknown format '%s' (table, nccl-tests)", o->format);
  o->nccl_format = strcmp(o->format, "nccl-tests") == 0;
  if (o->nccl_format && o->in_place)
    cc_input_error("--inplace: --format nccl-tests measures both placements, out of place and in place");
  o->nplaces = o->nccl_format ? 2 : 1;
  o->check_given = o->check_iters >= 0;
  if (!o->check_given) o->check_iters = 1;
  if (cc_coll_parse(o->coll, &o->op) != 0)
    cc_input_error("--collective: unknown collective '%s' (allreduce, allgather, reduce_scatter)", o->coll);
  cc_split_list(o->redops, add_redop, o);
  if (o->op == CC_ALLGATHER) o->redop[0] = CC_SUM, o->nredops = 1;  // gathers reduce nothing: one pass
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
      cc_input_error("-s/--strategies: %s: compressed strategies take f32 gradients (-d float)", o->strategy[i].name);
    for (int r = 0; r < o->nredops; r++)
      if (o->strategy[i].compressed && o->redop[r] != CC_SUM && o->redop[r] != CC_AVG)
        cc_input_error("-s/--strategies: %s: compressed strategies sum or average (-o sum or avg, not %s)",
                       o->strategy[i].name, cc_redop_name(o->redop[r]));
    if (o->strategy[i].algo == CC_ALGO_NCCL && (o->strategy[i].nccl_algo >= 0 || o->strategy[i].nccl_proto >= 0))
      cc_input_error("-s/--strategies: %s: ccbench runs NCCL's own choice; force it with NCCL_ALGO / NCCL_PROTO in the "
                     "environment (ccsim models nccl:<algo>/<proto>)", o->strategy[i].name);
    if (o->strategy[i].algo == CC_ALGO_NCCL && !o->device)
      cc_input_error("-s/--strategies: 'nccl' runs on GPU buffers: add --device");
    if (o->strategy[i].algo == CC_ALGO_NCCL && !have_nccl)
      cc_input_error("-s/--strategies: 'nccl' needs NCCL, which this ccbench was built without");
    if (o->strategy[i].compressed && o->device)
      cc_input_error("-s/--strategies: %s: compressed strategies run on host buffers only (drop --device)",
                     o->strategy[i].name);
    for (int j = 0; j < i; j++)
      if (strcmp(o->strategy[i].name, o->strategy[j].name) == 0)
        cc_input_error("-s/--strategies: '%s' is listed twice", o->strategy[i].name);
  }
  // -c counts wrong elements. A compressed result is lossy: it gets rel_err, but no documented bound
  // says when that is wrong, so asking to check a sweep of compressed strategies alone checks nothing.
  bool checkable = false;
  for (int i = 0; i < o->nstrategies; i++) checkable |= !o->strategy[i].compressed;
  if (o->check_given && o->check_iters > 0 && !checkable)
    cc_input_error("-c/--check: every strategy is compressed, and a lossy result has no wrong elements to count; add an "
                   "uncompressed one (e.g. -s ring,ring+int8): it is checked and the compressed ones get rel_err");
  if (o->profile && cc_name_check(o->profile, err, sizeof err) != 0) cc_input_error("--profile: %s", err);
}

// ---------------------------------------------------------------------------------------------------
// Measurement

typedef struct {
  const void *send;
  void *recv;
  size_t count;   // allreduce: vector length; allgather/reduce_scatter: elements per rank
  uint64_t bytes; // as reported: the whole vector / gathered / scattered buffer
  bool in_place;
} call;

static bool variant_in_place(const bench *B, int v) {
  return B->o->nccl_format ? v % B->o->nplaces == 1 : B->o->in_place;
}
static const cc_strategy *variant_strategy(const bench *B, int v) { return &B->o->strategy[v / B->o->nplaces]; }

static call setup_call(bench *B, uint64_t size, cc_dtype t, bool in_place) {
  size_t es = cc_dtype_size(t), shift = (size_t)B->o->unalign * es;  // -u: both buffers shifted
  char *a = (char *)B->buf_a + shift, *b = (char *)B->buf_b + shift;
  call c = {.send = a, .recv = b, .in_place = in_place};
  if (B->o->op == CC_ALLREDUCE) {
    c.count = size / es;
    c.bytes = c.count * es;
    if (in_place) c.recv = a;
  } else {
    c.count = size / es / (size_t)B->P;
    c.bytes = c.count * es * (size_t)B->P;
    size_t mine = c.count * (size_t)B->rank;
    if (in_place && B->o->op == CC_ALLGATHER) c.send = cc_at(b, mine, t);
    if (in_place && B->o->op == CC_REDUCE_SCATTER) c.recv = cc_at(a, mine, t);
  }
  return c;
}

// The host copy of a point in buf_a or buf_b (the point itself on the host).
static void *host_view(const bench *B, const void *p) {
  const char *c = p, *a = B->buf_a, *b = B->buf_b;
  if (c >= a && c <= a + B->buf_bytes) return (char *)B->host_a + (c - a);
  if (c >= b && c <= b + B->buf_bytes) return (char *)B->host_b + (c - b);
  CC_FATAL("%p is in neither benchmark buffer", p);
}

// Fills this rank's input for the call (on the GPU with --device: written on the host, copied up).
static void fill_input(bench *B, const call *c, const cc_check_pattern *pt) {
  size_t first = B->o->op == CC_ALLGATHER ? c->count * (size_t)B->rank : 0;
  size_t n = B->o->op == CC_REDUCE_SCATTER ? c->count * (size_t)B->P : c->count;
  void *host = host_view(B, c->send);
  cc_check_pattern_fill(host, first, n, B->rank, pt);
  const cc_memops *mem = B->comm->mem;
  mem->from_host((void *)c->send, host, n * cc_dtype_size(pt->t));
  mem->sync();
}

static void run_once(bench *B, const cc_strategy *s, const call *c, cc_dtype t, cc_redop red, cc_compress_state *z,
                     cc_compress_timing *tm) {
  if (s->compressed) {
    cc_compressed_allreduce(B->comm, z, c->send, c->recv, c->count, red, tm);
    return;
  }
  switch (B->o->op) {
    case CC_ALLREDUCE: cc_allreduce(B->comm, s, c->send, c->recv, c->count, t, red); break;
    case CC_ALLGATHER: cc_allgather(B->comm, s, c->send, c->recv, c->count, t); break;
    default: cc_reduce_scatter(B->comm, s, c->send, c->recv, c->count, t, red); break;
  }
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median_of(double *v, long long n) {
  qsort(v, (size_t)n, sizeof(double), compare_doubles);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Median, extremes and bandwidths of one point from its per-iteration times (ranks already combined).
static void summarize(const bench *B, double *times, point *pt) {
  long long n = B->o->iters;
  pt->median_us = median_of(times, n);
  pt->min_us = times[0];
  pt->max_us = times[n - 1];
  pt->algbw = pt->median_us > 0 ? (double)pt->bytes / pt->median_us / 1e3 : 0;
  pt->busbw = pt->algbw * cc_busbw_factor(B->o->op, B->P);
}

// -I: nccl-tests' per-iteration statistics (sorted samples; p99 the ceil(0.99 n)-th smallest).
static void per_iteration_stats(const double *iter_us, long long n, point *pt) {
  double *sorted = cc_malloc(sizeof(double) * (size_t)n), sum = 0, var = 0;
  memcpy(sorted, iter_us, sizeof(double) * (size_t)n);
  qsort(sorted, (size_t)n, sizeof(double), compare_doubles);
  for (long long i = 0; i < n; i++) sum += sorted[i];
  pt->i_avg = sum / (double)n;
  for (long long i = 0; i < n; i++) var += (sorted[i] - pt->i_avg) * (sorted[i] - pt->i_avg);
  pt->i_stdev = sqrt(var / (double)n);
  long long p95 = (n * 95 + 99) / 100 - 1, p99 = (n * 99 + 99) / 100 - 1;
  pt->i_min = sorted[0], pt->i_max = sorted[n - 1], pt->i_p50 = sorted[n / 2];
  pt->i_p95 = sorted[p95 < n - 1 ? p95 : n - 1], pt->i_p99 = sorted[p99 < n - 1 ? p99 : n - 1];
  pt->i_cv = pt->i_avg > 0 ? 100.0 * pt->i_stdev / pt->i_avg : 0;
  free(sorted);
}

// -c N: N calls, each on fresh inputs, checked; stops at the first with wrong elements (nccl-tests).
// *bad_ranks: the ranks that found wrong elements (nccl-tests' "Out of bounds values" counts those).
static long long check_result(bench *B, const cc_strategy *s, const call *c, cc_dtype t, cc_redop red,
                              cc_compress_state *z, long long *bad_ranks) {
  const options *o = B->o;
  long long wrong = 0;
  *bad_ranks = 0;
  for (long long rep = 0; rep < o->check_iters && wrong == 0; rep++) {
    cc_check_pattern pt = cc_check_pattern_make(t, red, B->P, (int)rep + 1);
    fill_input(B, c, &pt);
    run_once(B, s, c, t, red, z, NULL);
    size_t first = o->op == CC_REDUCE_SCATTER ? c->count * (size_t)B->rank : 0;
    size_t n_result = o->op == CC_ALLGATHER ? c->count * (size_t)B->P : c->count;
    // The result as the GPU holds it: to_host waits for everything queued before it.
    void *result = host_view(B, c->recv);
    B->comm->mem->to_host(result, c->recv, n_result * cc_dtype_size(t));
    long long found[2] = {cc_check_pattern_wrong(&pt, result, first, n_result, o->op == CC_ALLGATHER, c->count), 0};
    found[1] = found[0] > 0;
    CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, found, 2, MPI_LONG_LONG, MPI_SUM, B->mpi));
    wrong = found[0], *bad_ranks = found[1];
  }
  return wrong;
}

// A compressed result is not exact: its distance from the exact sum, ||result - exact|| / ||exact||.
static double relative_error(bench *B, const cc_strategy *s, const call *c, cc_redop red, cc_compress_state *z) {
  cc_check_pattern pt = cc_check_pattern_make(CC_F32, red, B->P, 1);
  fill_input(B, c, &pt);
  run_once(B, s, c, CC_F32, red, z, NULL);
  double sums[2] = {0, 0};
  for (size_t i = 0; i < c->count; i++) {
    double want = cc_check_pattern_result(&pt, i) / (red == CC_AVG ? B->P : 1);
    double diff = ((const float *)c->recv)[i] - want;
    sums[0] += diff * diff, sums[1] += want * want;
  }
  CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPI_DOUBLE, MPI_SUM, B->mpi));
  return sums[1] > 0 ? sqrt(sums[0] / sums[1]) : sqrt(sums[0]);
}

// Host clock on the host; CUDA events on the collectives stream with --device (stop waits for the
// stream). The host clock also runs with --device, for -C 1.
static void start_timer(bench *B) {
#ifdef CCBENCH_HAVE_CUDA
  if (B->o->device) cc_device_timer_start(&B->timer);
#endif
  B->started_us = cc_now_us();
}

static double stop_timer_us(bench *B, double *cpu_us) {
  *cpu_us = cc_now_us() - B->started_us;
#ifdef CCBENCH_HAVE_CUDA
  if (B->o->device) return cc_device_timer_stop_us(&B->timer);
#endif
  return *cpu_us;
}

// -z 1 and 2 wait for each call before the next (a host call has finished when it returns).
static void wait_for_call(bench *B) { cc_comm_sync(B->comm); }

// One timed sample: -m calls, per call. -z 3 times each iteration alone (ccbench's default); -z 0..2
// time all -n iterations together (one sample, the mean per call), as nccl-tests does.
static double time_calls(bench *B, const cc_strategy *s, const call *c, cc_dtype t, cc_redop red,
                         cc_compress_state *z, long long iterations, cc_compress_timing *tm, double *cpu_us) {
  const options *o = B->o;
  CC_CHECK_MPI(MPI_Barrier(B->mpi));
  start_timer(B);
  for (long long i = 0; i < iterations; i++)
    for (long long j = 0; j < o->agg_iters; j++) {
      cc_compress_timing one = {0};  // a call's phases; tm sums them
      run_once(B, s, c, t, red, z, &one);
      tm->encode_us += one.encode_us, tm->comm_us += one.comm_us, tm->decode_us += one.decode_us;
      if (o->blocking == 1 || o->blocking == 2) wait_for_call(B);
      if (o->blocking == 1) CC_CHECK_MPI(MPI_Barrier(B->mpi));
    }
  double calls = (double)(iterations * o->agg_iters), took = stop_timer_us(B, cpu_us) / calls;
  *cpu_us /= calls;
  return took;
}

// The ranks' per-iteration times combined as -a says: 0 rank 0's, 1 the mean, 2 the min, 3 the max.
static void combine_ranks(const bench *B, double *v, int n) {
  switch (B->o->average) {
    case 0: CC_CHECK_MPI(MPI_Bcast(v, n, MPI_DOUBLE, 0, B->mpi)); break;
    case 1:
      CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, B->mpi));
      for (int i = 0; i < n; i++) v[i] /= B->P;
      break;
    case 2: CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_MIN, B->mpi)); break;
    default: CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_MAX, B->mpi)); break;
  }
}

// Measures every variant (strategy x placement) at one size. Iterations are interleaved (iteration i
// of each variant in turn, then i + 1), so a burst of noise from the machine lands on all alike and
// the ratios to the baseline stay fair; running one variant's iterations back to back would charge a
// burst to whichever happened to be running. (-z 0..2 time a variant's iterations together.)
// known[v] >= 0: variant v's point is already known (--resume): not run at all.
static void measure_size(bench *B, uint64_t size, cc_dtype t, cc_redop red, point *pts, const int *known,
                         uint64_t progress_base, const char *label) {
  const options *o = B->o;
  int nv = B->nvariants;
  long long n = o->iters;
  bool per_iteration = o->blocking == 3;
  call *c = cc_malloc(sizeof(call) * (size_t)nv);
  for (int v = 0; v < nv; v++) c[v] = setup_call(B, size, t, variant_in_place(B, v));
  cc_check_pattern pat = cc_check_pattern_make(t, red, B->P, 0);
  uint64_t *sent = cc_calloc((size_t)nv, sizeof(uint64_t));
  // Compressed strategies keep state across calls (residuals, warm starts), one per variant.
  cc_compress_state *z = cc_calloc((size_t)nv, sizeof(cc_compress_state));
  for (int v = 0; v < nv; v++)
    if (variant_strategy(B, v)->compressed && known[v] < 0)
      cc_compress_state_init(&z[v], variant_strategy(B, v), c[v].count, 0xccbe4c ^ size, B->rank, B->P);
  // Per variant and iteration: the time, the host time (-C) and the phases (encode, comm, decode).
  double *times = B->times, *cpu = times + (size_t)nv * (size_t)n, *phase = cpu + (size_t)nv * (size_t)n;
  memset(times, 0, sizeof(double) * 5 * (size_t)nv * (size_t)n);
  // What the --timeout watchdog names when a call never returns: per variant, warm-up, timed
  // iteration and the result check.
  enum { WHAT = 256 };
  char *what = cc_malloc((size_t)nv * 3 * WHAT);
  const char *phase_name[3] = {"warm-up iteration", "timed iteration", "result check"};
  for (int v = 0; v < nv; v++)
    for (int q = 0; q < 3; q++)
      snprintf(what + (size_t)(3 * v + q) * WHAT, WHAT, "%s %s%s of %s, %s", variant_strategy(B, v)->name,
               c[v].in_place ? "in-place " : "", cc_coll_name(o->op), label, phase_name[q]);

  // Inputs are filled once per buffer; an in-place call rewrites its input, which changes the values
  // but not the work (the check fills them again).
  for (int v = 0; v < nv; v++) fill_input(B, &c[v], &pat);
  for (long long i = 0; i < o->warmup; i++)
    for (int v = 0; v < nv; v++) {
      if (known[v] >= 0) continue;
      cc_watchdog_enter(what + (size_t)(3 * v) * WHAT, i);
      for (long long j = 0; j < o->agg_iters; j++) run_once(B, variant_strategy(B, v), &c[v], t, red, &z[v], NULL);
    }
  cc_comm_sync(B->comm);
  for (long long i = 0; i < (per_iteration ? n : 1); i++) {
    cc_progress_update(&B->progress, progress_base + (uint64_t)i, label);
    for (int v = 0; v < nv; v++) {
      if (known[v] >= 0) continue;
      const cc_strategy *s = variant_strategy(B, v);
      cc_watchdog_enter(what + (size_t)(3 * v + 1) * WHAT, i);
      uint64_t sent_before = B->comm->bytes_sent;
      cc_compress_timing tm = {0};
      double cpu_us, took = time_calls(B, s, &c[v], t, red, &z[v], per_iteration ? 1 : n, &tm, &cpu_us);
      size_t at = (size_t)v * (size_t)n + (size_t)i;
      times[at] = took, cpu[at] = cpu_us;
      double *ph = phase + 3 * at;
      double calls = (double)o->agg_iters * (per_iteration ? 1 : (double)n);
      ph[0] = tm.encode_us / calls, ph[1] = s->compressed ? tm.comm_us / calls : took, ph[2] = tm.decode_us / calls;
      sent[v] += (B->comm->bytes_sent - sent_before) / (uint64_t)calls;
    }
  }
  if (!per_iteration)  // one sample stands for every iteration
    for (int v = 0; v < nv; v++)
      for (long long i = 1; i < n; i++) {
        size_t at = (size_t)v * (size_t)n;
        times[at + (size_t)i] = times[at], cpu[at + (size_t)i] = cpu[at];
        memcpy(phase + 3 * (at + (size_t)i), phase + 3 * at, 3 * sizeof(double));
      }
  // -I reports the slowest rank's iterations whatever -a says (nccl-tests' i_* columns).
  double *slowest = NULL;
  if (o->per_iter) {
    slowest = cc_malloc(sizeof(double) * (size_t)nv * (size_t)n);
    memcpy(slowest, times, sizeof(double) * (size_t)nv * (size_t)n);
    CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, slowest, (int)(nv * n), MPI_DOUBLE, MPI_MAX, B->mpi));
  }
  cc_watchdog_enter("the exchange of timings after a sweep point", -1);
  combine_ranks(B, times, (int)(5 * n * nv));
  CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, sent, nv, MPI_UINT64_T, MPI_MAX, B->mpi));
  double *column = cc_malloc(sizeof(double) * (size_t)n);
  for (int v = 0; v < nv; v++) {
    if (known[v] >= 0) continue;  // pts[v] holds the resumed row
    const cc_strategy *s = variant_strategy(B, v);
    point *pt = &pts[v];
    size_t base = (size_t)v * (size_t)n;
    *pt = (point){.bytes = c[v].bytes, .wrong = -1, .rel_err = -1, .wire_bytes = sent[v] / (uint64_t)(per_iteration ? n : 1)};
    pt->count = o->op == CC_ALLREDUCE ? c[v].count : c[v].count * (size_t)B->P;
    if (o->per_iter) {
      per_iteration_stats(slowest + base + (size_t)o->per_iter_skip, n - o->per_iter_skip, pt);
      if (B->json_doc) memcpy(B->times_max + base, slowest + base, sizeof(double) * (size_t)n);  // for times_us
    }
    summarize(B, times + base, pt);
    memcpy(column, cpu + base, sizeof(double) * (size_t)n);
    pt->cpu_us = median_of(column, n);
    double *split[3] = {&pt->encode_us, &pt->comm_us, &pt->decode_us};
    for (int q = 0; q < 3; q++) {
      for (long long i = 0; i < n; i++) column[i] = phase[3 * (base + (size_t)i) + (size_t)q];
      *split[q] = median_of(column, n);
    }
    cc_watchdog_enter(what + (size_t)(3 * v + 2) * WHAT, -1);
    if (o->check_iters > 0 && s->compressed) pt->rel_err = relative_error(B, s, &c[v], red, &z[v]);
    else if (o->check_iters > 0) pt->wrong = check_result(B, s, &c[v], t, red, &z[v], &pt->bad_ranks);
    if (s->compressed) cc_compress_state_free(&z[v]);
  }
  cc_watchdog_enter("the move to the next sweep point", -1);  // `what` is freed next
  free(slowest);
  free(what);
  free(column);
  free(z);
  free(sent);
  free(c);
}

// ---------------------------------------------------------------------------------------------------
// Output: ccbench's table (every strategy side by side) or nccl-tests' (one table per strategy, out of
// place and in place in each row), the footer both end with, and -J's JSON document. Rank 0 prints.

static const char *test_binary(cc_coll op) {
  return op == CC_ALLGATHER ? "all_gather_perf" : op == CC_REDUCE_SCATTER ? "reduce_scatter_perf" : "all_reduce_perf";
}

static int strategy_width(const options *o) {
  int w = 8;
  for (int i = 0; i < o->nstrategies; i++)
    if ((int)strlen(o->strategy[i].name) > w) w = (int)strlen(o->strategy[i].name);
  return w;
}

static const char *redop_label(const options *o, cc_redop red) {
  return o->op == CC_ALLGATHER ? "none" : cc_redop_name(red);
}

// Local time as nccl-tests stamps rows (-S) and its JSON document.
static void format_now(char *buf, size_t len) {
  time_t now = time(NULL);
  struct tm local;
  localtime_r(&now, &local);
  strftime(buf, len, "%Y-%m-%d %H:%M:%S", &local);
}

// A number in `width` characters as nccl-tests prints its cells: two decimals, fewer as it grows.
static void number_cell(double v, int width, char *out, size_t len) {
  static const char *const forms[] = {"%*.2f", "%*.1f", "%*.0f"};
  for (int f = 0; f < 3; f++) {
    int n = snprintf(out, len, forms[f], width, v);
    if (n >= 0 && n <= width) return;
  }
  snprintf(out, len, width >= 7 ? "%*.1e" : "%*.0e", width, v);
}

// The stream strategy k's nccl-tests table goes to: stdout for the first, memory for the others,
// printed after it (a table is one strategy's, whole).
static FILE *table_stream(bench *B, int k) { return k == 0 ? stdout : B->later_tables[k]; }

// Settings of this run that nccl-tests' defaults would set otherwise, and flags that are accepted
// with no effect here (as in nccl-tests): said, never silently different.
static void print_differences(const bench *B, FILE *f) {
  const options *o = B->o;
  char diff[512] = "";
  size_t used = 0;
#define DIFF(...) used += (size_t)snprintf(diff + used, used < sizeof diff ? sizeof diff - used : 0, __VA_ARGS__)
  if (o->ccbench_sweep) DIFF(" -b 8 -e 32M -f 2 (-b 32M -e 32M -i 1M: given no sweep flag, ccbench sweeps)");
  if (o->warmup != 1) DIFF(" -w %lld (1)", o->warmup);
  if (o->average != 1) DIFF(" -a %lld (1)", o->average);
  if (o->blocking != 0) DIFF(" -z %lld (0)", o->blocking);
#undef DIFF
  fprintf(f, "# time: %s over the iterations of the %s rank's time per call%s\n",
          o->blocking == 3 ? "the median" : "the mean", o->average == 0 ? "rank 0" : o->average == 1 ? "mean" :
          o->average == 2 ? "fastest" : "slowest", o->blocking == 3 ? " (nccl-tests: the mean, -z 0 -a 1)" : "");
  if (used) fprintf(f, "# differs from nccl-tests' defaults:%s\n", diff);
  if (o->ngpus == 1 && o->ngpus_given && !o->device)
    fprintf(f, "# -g 1: one GPU per rank; these buffers are on the host (--device puts them on the GPU)\n");
  if (o->root >= 0) fprintf(f, "# -r %lld: %s has no root (as in nccl-tests)\n", o->root, cc_coll_name(o->op));
  if (o->parallel_init) fprintf(f, "# -p 1: one thread per rank, nothing to initialize in parallel\n");
  if (o->device_cta) fprintf(f, "# -V %lld: no effect with -D 0 (as in nccl-tests)\n", o->device_cta);
  if (o->memory_report) {
    char each[32];
    cc_format_size(B->buf_bytes, each, sizeof each);
    fprintf(f, "# memory: send and receive buffers of %s each per rank, %s memory\n", each,
            o->device ? "device (and host copies)" : "host");
  }
}

static void print_nccl_header(const bench *B, FILE *f, int k, const char *hosts, const int *pids, const char *wheres,
                              int where_len) {
  const options *o = B->o;
  fprintf(f, "# ccbench %s (%s), nccl-tests %s format\n", cc_version(), cc_commit(), NCCL_TESTS_FORMAT);
  fprintf(f, "# Collective test starting: %s\n", test_binary(o->op));
  fprintf(f, "# nThread 1 nGpus 1 minBytes %llu maxBytes %llu step: %llu(%s) warmup iters: %lld iters: %lld agg iters: "
          "%lld validation: %lld graph: 0 unalign: %lld\n", (unsigned long long)o->minbytes,
          (unsigned long long)o->maxbytes, o->step_is_factor ? (unsigned long long)o->stepfactor :
          (unsigned long long)o->stepbytes, o->step_is_factor ? "factor" : "bytes", o->warmup, o->iters,
          o->agg_iters, o->check_iters, o->unalign);
  if (o->blocking == 1) fprintf(f, "# Blocking Enabled: wait and barrier after each inner iteration (-m) \n");
  if (o->blocking == 2) fprintf(f, "# Blocking Enabled: wait after each inner iteration (-m), no barrier \n");
  if (o->blocking == 3) fprintf(f, "# Blocking Enabled: wait and barrier after each outer iteration (-n); time excludes barrier \n");
  if (o->per_iter) {
    fprintf(f, "# Per-Iteration Report: i_* uses max over ranks");
    if (o->per_iter_skip) fprintf(f, "; summary skips first %lld iterations", o->per_iter_skip);
    fprintf(f, " \n");
  }
  fprintf(f, "#\n# Using devices\n");
  for (int r = 0; r < B->P; r++)
    fprintf(f, "#  Rank %2d Group  0 Pid %6d on %10s%s\n", r, pids[r], hosts + (size_t)r * MPI_MAX_PROCESSOR_NAME,
            wheres + (size_t)r * (size_t)where_len);
  fprintf(f, "#\n# ccbench strategy: %s (%d ranks on %d node%s, transport %s, %s memory)\n", o->strategy[k].name, B->P,
          B->comm->nodes, B->comm->nodes == 1 ? "" : "s", B->comm->t->name, o->device ? "device" : "host");
  print_differences(B, f);
  const char *ts = o->timestamps ? "timestamp" : "", *ts_unit = o->timestamps ? "%Y-%m-%d %H:%M:%S" : "";
  int ts_pad = o->timestamps ? 19 : 0;
  const char *time_name = o->cputime ? "cputime" : "time";
  fprintf(f, "#\n");
  if (o->per_iter) {
    fprintf(f, "# %10s  %12s  %8s  %6s  %6s              out-of-place (+ per-iteration)                                "
            "in-place (+ per-iteration)\n", "", "", "", "", "");
    fprintf(f, "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %7s  %7s  %7s  %7s  %6s  %6s  %6s  %7s  %7s  %7s  "
            "%7s %*s\n", "size", "count", "type", "redop", "root", time_name, "algbw", "busbw", "#wrong", "i_min",
            "i_max", "i_p99", "i_cv%", time_name, "algbw", "busbw", "#wrong", "i_min", "i_max", "i_p99", "i_cv%",
            ts_pad, ts);
    fprintf(f, "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %7s  %7s  %7s  %7s  %6s  %6s  %6s  %7s  %7s  %7s  "
            "%7s %*s\n", "(B)", "(elements)", "", "", "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(us)", "(us)", "(%)",
            "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(us)", "(us)", "(%)", ts_pad, ts_unit);
  } else {
    fprintf(f, "# %10s  %12s  %8s  %6s  %6s           out-of-place                       in-place          \n", "", "",
            "", "", "");
    fprintf(f, "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s %*s\n", "size", "count", "type",
            "redop", "root", time_name, "algbw", "busbw", "#wrong", time_name, "algbw", "busbw", "#wrong", ts_pad, ts);
    fprintf(f, "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s %*s\n", "(B)", "(elements)", "", "",
            "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", "", ts_pad, ts_unit);
  }
}

static void print_table_header(const bench *B, const char *hosts, const int *pids, const char *wheres, int where_len) {
  const options *o = B->o;
  char ver[MPI_MAX_LIBRARY_VERSION_STRING], minb[32], maxb[32], seg[32], chunk[32], reds[64] = "";
  int len;
  MPI_Get_library_version(ver, &len);
  ver[strcspn(ver, ",\n")] = '\0';
  cc_format_size(o->minbytes, minb, sizeof minb);
  cc_format_size(o->maxbytes, maxb, sizeof maxb);
  cc_format_size(B->comm->tuning.ring_segment_bytes, seg, sizeof seg);
  cc_format_size(B->comm->tuning.tree_chunk_bytes, chunk, sizeof chunk);
  for (int r = 0; r < o->nredops; r++)
    snprintf(reds + strlen(reds), sizeof reds - strlen(reds), "%s%s", r ? "," : "", cc_redop_name(o->redop[r]));
  printf("# ccbench %s (%s): %s, %s, %s\n", cc_version(), cc_commit(), cc_coll_name(o->op),
         o->op == CC_ALLGATHER ? "no reduction" : reds, o->in_place ? "in place" : "out of place");
  printf("# %d ranks on %d node%s (%d per node%s), %s, %s memory, transport %s\n", B->P, B->comm->nodes,
         B->comm->nodes == 1 ? "" : "s", B->comm->local_size, o->ranks_per_node ? ", from --ranks-per-node" : "", ver,
         o->device ? "device" : "host", B->comm->t->name);
  printf("# minBytes %s maxBytes %s step: ", minb, maxb);
  if (o->step_is_factor) printf("%lld(factor)", o->stepfactor);
  else printf("%llu(bytes)", (unsigned long long)o->stepbytes);
  printf(" warmup iters: %lld iters: %lld agg iters: %lld validation: %lld  ring segment %s, tree chunk %s\n",
         o->warmup, o->iters, o->agg_iters, o->check_iters, seg, chunk);
  print_differences(B, stdout);
  printf("#\n");
  for (int r = 0; r < B->P; r++)
    printf("#  Rank %2d Pid %7d on %s node %d%s\n", r, pids[r], hosts + (size_t)r * MPI_MAX_PROCESSOR_NAME,
           o->ranks_per_node ? r / (int)o->ranks_per_node : B->comm->t->node_of[r],
           o->device ? wheres + (size_t)r * (size_t)where_len : "");
  printf("#\n");
  int w = strategy_width(o);
  printf("# %10s %12s %8s %6s %*s %10s %10s %10s %8s %8s %7s %7s", "size", "count", "type", "redop", w, "strategy",
         o->cputime ? "cputime" : "time", "min", "max", "algbw", "busbw", "#wrong", "busbw");
  if (o->per_iter) printf(" %9s %9s", "i_p99", "i_cv%");
  if (B->any_compressed) printf(" %10s %6s %9s %9s %9s %9s", "wire", "ratio", "encode", "comm", "decode", "rel_err");
  if (o->timestamps) printf(" %20s", "timestamp");
  printf("\n# %10s %12s %8s %6s %*s %10s %10s %10s %8s %8s %7s %7s", "(B)", "(elements)", "", "", w, "", "(us)",
         "(us)", "(us)", "(GB/s)", "(GB/s)", "", B->baseline >= 0 ? "/mpi" : "");
  if (o->per_iter) printf(" %9s %9s", "(us)", "(%)");
  if (B->any_compressed) printf(" %10s %6s %9s %9s %9s %9s", "(B/rank)", "", "(us)", "(us)", "(us)", "");
  printf("\n");
}

static void print_header(bench *B) {
  const options *o = B->o;
  // Where every rank runs, as nccl-tests lists its devices.
  char *hosts = B->rank == 0 ? cc_malloc((size_t)B->P * MPI_MAX_PROCESSOR_NAME) : NULL;
  int *pids = B->rank == 0 ? cc_malloc(sizeof(int) * (size_t)B->P) : NULL, pid = (int)getpid();
  CC_CHECK_MPI(MPI_Gather(B->host, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, hosts, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, 0, B->mpi));
  CC_CHECK_MPI(MPI_Gather(&pid, 1, MPI_INT, pids, 1, MPI_INT, 0, B->mpi));
  // With --device, each rank's GPU as nccl-tests lists it: ordinal, PCI bus id, name.
  enum { WHERE = 320 };
  char where[WHERE] = " device -1 [host] host memory", *wheres = B->rank == 0 ? cc_malloc((size_t)B->P * WHERE) : NULL;
#ifdef CCBENCH_HAVE_CUDA
  if (o->device) snprintf(where, sizeof where, " device %2d [%s] %s", cc_device_ordinal(), B->gpu.bus_id, B->gpu.name);
#endif
  CC_CHECK_MPI(MPI_Gather(where, WHERE, MPI_CHAR, wheres, WHERE, MPI_CHAR, 0, B->mpi));
  if (B->rank == 0) {
    if (!o->nccl_format) print_table_header(B, hosts, pids, wheres, WHERE);
    for (int k = 0; o->nccl_format && k < o->nstrategies; k++)
      print_nccl_header(B, table_stream(B, k), k, hosts, pids, wheres, WHERE);
    fflush(stdout);
  }
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

static cc_row make_row(const bench *B, int v, cc_dtype t, cc_redop red, const point *pt) {
  const cc_strategy *s = variant_strategy(B, v);
  return (cc_row){
      .source = "measured", .op = cc_coll_name(B->o->op), .strategy = s->name, .algo = s->algo_name,
      .compress = s->compress, .dtype = cc_dtype_name(t), .ranks = B->P, .nodes = B->comm->nodes,
      .ranks_per_node = B->comm->local_size, .bytes = pt->bytes, .count = pt->count, .time_us = pt->median_us,
      .time_min_us = pt->min_us, .time_max_us = pt->max_us, .algbw_GBps = pt->algbw, .busbw_GBps = pt->busbw,
      .wire_bytes = pt->wire_bytes, .errors = pt->wrong, .profile = B->o->profile, .encode_us = pt->encode_us,
      .comm_us = pt->comm_us, .decode_us = pt->decode_us, .rel_err = pt->rel_err, .redop = redop_label(B->o, red),
      .placement = variant_in_place(B, v) ? "in-place" : "out-of-place"};
}

// The time a row shows: the host's with -C 1.
static double shown_time(const options *o, const point *pt) { return o->cputime ? pt->cpu_us : pt->median_us; }

// One placement's cells of an nccl-tests row: time, algbw, busbw, #wrong (and -I's statistics).
static void print_nccl_cells(const options *o, FILE *f, const point *pt) {
  char time_s[32], algbw[32], busbw[32];
  number_cell(shown_time(o, pt), 7, time_s, sizeof time_s);
  number_cell(pt->algbw, 6, algbw, sizeof algbw);
  number_cell(pt->busbw, 6, busbw, sizeof busbw);
  if (pt->wrong >= 0) fprintf(f, "  %7s  %6s  %6s  %6g", time_s, algbw, busbw, (double)pt->wrong);
  else fprintf(f, "  %7s  %6s  %6s    N/A", time_s, algbw, busbw);
  if (!o->per_iter) return;
  char mn[32], mx[32], p99[32], cv[32];
  number_cell(pt->i_min, 7, mn, sizeof mn);
  number_cell(pt->i_max, 7, mx, sizeof mx);
  number_cell(pt->i_p99, 7, p99, sizeof p99);
  number_cell(pt->i_cv, 7, cv, sizeof cv);
  fprintf(f, "  %7s  %7s  %7s  %7s", mn, mx, p99, cv);
}

static void print_table_row(const bench *B, cc_dtype t, cc_redop red, const point *pts, int v) {
  const options *o = B->o;
  const point *pt = &pts[v];
  char wrong[24], ratio[24];
  if (pt->wrong < 0) snprintf(wrong, sizeof wrong, "N/A");
  else snprintf(wrong, sizeof wrong, "%lld", pt->wrong);
  const point *base = B->baseline >= 0 ? &pts[B->baseline * o->nplaces] : NULL;
  if (base && base->busbw > 0) snprintf(ratio, sizeof ratio, "%.2f", pt->busbw / base->busbw);
  else snprintf(ratio, sizeof ratio, "-");
  printf("  %10llu %12llu %8s %6s %*s %10.2f %10.2f %10.2f %8.2f %8.2f %7s %7s", (unsigned long long)pt->bytes,
         (unsigned long long)pt->count, cc_dtype_long_name(t), redop_label(o, red), strategy_width(o),
         variant_strategy(B, v)->name, shown_time(o, pt), pt->min_us, pt->max_us, pt->algbw, pt->busbw, wrong, ratio);
  if (o->per_iter) printf(" %9.2f %9.2f", pt->i_p99, pt->i_cv);
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
  if (o->timestamps) {  // one field, so the table's columns stay blank-separated
    char now[32];
    format_now(now, sizeof now);
    now[10] = 'T';
    printf(" %20s", now);
  }
  printf("\n");
}

static void print_nccl_row(bench *B, cc_dtype t, cc_redop red, const point *pts, int k) {
  const options *o = B->o;
  FILE *f = table_stream(B, k);
  fprintf(f, "%12llu  %12llu  %8s  %6s  %6s", (unsigned long long)pts[2 * k].bytes,
          (unsigned long long)pts[2 * k].count, cc_dtype_long_name(t), redop_label(o, red), "-1");
  for (int p = 0; p < 2; p++) print_nccl_cells(o, f, &pts[2 * k + p]);
  if (o->timestamps) {
    char now[32];
    format_now(now, sizeof now);
    fprintf(f, "%21s", now);
  }
  fprintf(f, "\n");
}

// -J: one result of the JSON document (a strategy's row: both placements in nccl-tests' format).
static void json_placement(const bench *B, const point *pt, bool in_place, int v) {
  const options *o = B->o;
  FILE *f = B->json_doc;
  fprintf(f, ",\"%s\":{\"%s\":", in_place ? "in_place" : "out_of_place", o->cputime ? "cpu_time" : "time");
  cc_json_number(f, shown_time(o, pt));
  fprintf(f, ",\"alg_bw\":");
  cc_json_number(f, pt->algbw);
  fprintf(f, ",\"bus_bw\":");
  cc_json_number(f, pt->busbw);
  fprintf(f, ",\"nwrong\":");
  if (pt->wrong >= 0) fprintf(f, "%lld}", pt->wrong);
  else fprintf(f, "null}");
  if (!o->per_iter) return;
  fprintf(f, ",\"%s\":{\"skipped_iterations\":%lld", in_place ? "in_place_per_iter" : "out_of_place_per_iter",
          o->per_iter_skip);
  const char *names[] = {"min_us", "max_us", "avg_us", "p50_us", "p95_us", "p99_us", "stdev_us", "cv_pct"};
  double values[] = {pt->i_min, pt->i_max, pt->i_avg, pt->i_p50, pt->i_p95, pt->i_p99, pt->i_stdev, pt->i_cv};
  for (int i = 0; i < 8; i++) {
    fprintf(f, ",\"%s\":", names[i]);
    cc_json_number(f, values[i]);
  }
  fprintf(f, ",\"times_us\":[");
  const double *times = B->times_max + (size_t)v * (size_t)o->iters;
  for (long long i = 0; i < o->iters; i++) {
    if (i) fputc(',', f);
    cc_json_number(f, pt->resumed ? NAN : times[i]);
  }
  fprintf(f, "]}");
}

static void json_result(bench *B, cc_dtype t, cc_redop red, const point *pts, int k) {
  const options *o = B->o;
  FILE *f = B->json_doc;
  const point *first = &pts[k * o->nplaces];
  fprintf(f, "%s{\"size\":%llu,\"count\":%llu,\"type\":", B->json_results++ ? "," : "",
          (unsigned long long)first->bytes, (unsigned long long)first->count);
  cc_json_string(f, cc_dtype_long_name(t));
  fprintf(f, ",\"redop\":");
  cc_json_string(f, redop_label(o, red));
  fprintf(f, ",\"root\":\"    -1\",\"strategy\":");
  cc_json_string(f, o->strategy[k].name);
  for (int p = 0; p < o->nplaces; p++) {
    int v = k * o->nplaces + p;
    json_placement(B, &pts[v], variant_in_place(B, v), v);
  }
  fprintf(f, ",\"actual_iterations\":%lld,\"experiment_name\":\"\"}", o->iters);
}

// Prints one point's rows (all strategies, so the ratio to the baseline is known) and stores them.
static void emit_size(bench *B, cc_dtype t, cc_redop red, const point *pts) {
  const options *o = B->o;
  for (int v = 0; v < B->nvariants; v++) {
    const point *pt = &pts[v];
    cc_row row = make_row(B, v, t, red, pt);
    if (!pt->resumed) write_row(B, &row);  // resumed rows were copied at the start
    if (!o->nccl_format) print_table_row(B, t, red, pts, v);
    // The footer's counts: nccl-tests averages every row and placement of its table.
    B->busbw_sum += pt->busbw, B->busbw_points++;
    B->strategy_busbw[v / o->nplaces] += pt->busbw, B->strategy_points[v / o->nplaces]++;
    if (pt->wrong > 0) B->bad_checks += pt->bad_ranks, B->strategy_bad[v / o->nplaces] += pt->bad_ranks;
  }
  for (int k = 0; o->nccl_format && k < o->nstrategies; k++) print_nccl_row(B, t, red, pts, k);
  for (int k = 0; B->json_doc && k < o->nstrategies; k++) json_result(B, t, red, pts, k);
  fflush(stdout);
}

// nccl-tests' two footer lines, which scripts grep for.
static void print_footer(FILE *f, long long bad, double busbw_sum, long long points) {
  fprintf(f, "# %-20s : %lld %s\n", "Out of bounds values", bad, bad ? "FAILED" : "OK");
  fprintf(f, "# %-20s : %g \n", "Avg bus bandwidth", points ? busbw_sum / (double)points : 0.0);
  fprintf(f, "#\n");
}

// Per strategy: average busbw over the sweep and, with the baseline present, the geometric mean of
// busbw relative to it over the sizes where both moved data.
typedef struct {
  double busbw_sum, log_ratio_sum;
  int n, nratio;
} summary;

static void print_summary(bench *B, const summary *sum) {
  const options *o = B->o;
  if (o->nccl_format) {
    for (int k = 0; k < o->nstrategies; k++) {
      FILE *f = table_stream(B, k);
      print_footer(f, B->strategy_bad[k], B->strategy_busbw[k], B->strategy_points[k]);
      fprintf(f, "# Collective test concluded: %s\n#\n", test_binary(o->op));
      if (k == 0) continue;
      fclose(f);  // a later strategy's table, whole now
      fwrite(B->later_text[k], 1, B->later_len[k], stdout);
      free(B->later_text[k]);
    }
    return;
  }
  int w = strategy_width(o);
  printf("#\n# %*s %14s %16s\n", w, "strategy", "avg busbw GB/s", B->baseline >= 0 ? "busbw/mpi geomean" : "");
  for (int i = 0; i < o->nstrategies; i++) {
    printf("# %*s %14.3f", w, o->strategy[i].name, sum[i].n ? sum[i].busbw_sum / sum[i].n : 0.0);
    if (B->baseline >= 0 && sum[i].nratio) printf(" %16.3f", exp(sum[i].log_ratio_sum / sum[i].nratio));
    printf("\n");
  }
  if (B->any_checked) printf("# Wrong elements: %lld %s\n", B->total_wrong, B->total_wrong ? "FAILED" : "OK");
  else printf("# Wrong elements: not checked (-c 0)\n");
  print_footer(stdout, B->bad_checks, B->busbw_sum, B->busbw_points);
}

// -J: the document around the results, written atomically at the end (rank 0).
static void json_open(bench *B) {
  if (!B->o->output_file || B->rank != 0) return;
  B->json_doc = open_memstream(&B->json_text, &B->json_len);
  if (!B->json_doc) CC_FATAL("out of memory for the -J document");
  // -J -: the document owns stdout from now on, and the tables go to stderr (as with --csv -).
  if (cc_output_is_stdout(B->o->output_file) && cc_claim_stdout() != 0)
    CC_FATAL("-J/--output_file: cannot claim stdout: %s", strerror(errno));
  format_now(B->start_time, sizeof B->start_time);
}

static void json_config(const bench *B, FILE *f) {
  const options *o = B->o;
  fprintf(f, "\"config\":{\"nthreads\":1,\"ngpus\":1,\"minimum_bytes\":%llu,\"maximum_bytes\":%llu,",
          (unsigned long long)o->minbytes, (unsigned long long)o->maxbytes);
  if (o->step_is_factor) fprintf(f, "\"step_factor\":%lld,", o->stepfactor);
  else fprintf(f, "\"step_bytes\":%llu,", (unsigned long long)o->stepbytes);
  fprintf(f, "\"warmup_iters\":%lld,\"iterations\":%lld,\"aggregated_iterations\":%lld,\"validation\":%lld,"
          "\"graph\":0,\"blocking_collectives\":\"%s\",\"per_iter_timing\":\"%s\",\"per_iter_skip\":%lld,"
          "\"parallel_init\":\"%s\",\"collective\":\"%s\",\"memory\":\"%s\",\"transport\":", o->warmup, o->iters,
          o->agg_iters, o->check_iters, o->blocking ? "true" : "false", o->per_iter ? "true" : "false",
          o->per_iter_skip, o->parallel_init ? "true" : "false", cc_coll_name(o->op), o->device ? "device" : "host");
  cc_json_string(f, B->comm->t->name);
  fprintf(f, ",\"average\":%lld,\"blocking\":%lld}", o->average, o->blocking);
}

static int json_write(bench *B, int argc, char **argv) {
  extern char **environ;
  fclose(B->json_doc);
  B->json_doc = NULL;
  char end[32];
  format_now(end, sizeof end);
  cc_afile af;
  if (cc_afile_open(&af, B->o->output_file) != 0) return -1;
  FILE *f = af.f;
  fprintf(f, "{\"version\":3,\"start_time\":\"%s\",\"args\":[", B->start_time);
  for (int i = 0; i < argc; i++) {
    if (i) fputc(',', f);
    cc_json_string(f, argv[i]);
  }
  // The settings that change what a collective costs; not the whole environment (it holds secrets).
  fprintf(f, "],\"env\":[");
  int n = 0;
  for (char **e = environ; *e; e++)
    if (strncmp(*e, "NCCL_", 5) == 0 || strncmp(*e, "OMPI_MCA_", 9) == 0 || strncmp(*e, "CCBENCH_", 8) == 0 ||
        strncmp(*e, "UCX_", 4) == 0 || strncmp(*e, "CUDA_VISIBLE_DEVICES=", 21) == 0) {
      if (n++) fputc(',', f);
      cc_json_string(f, *e);
    }
  int nccl_version = 0;
#ifdef CCBENCH_HAVE_NCCL
  if (B->o->device) CC_CHECK_NCCL(ncclGetVersion(&nccl_version));
#endif
  fprintf(f, "],\"nccl_version\":%d,\"tool\":\"ccbench\",\"tool_version\":", nccl_version);
  cc_json_string(f, cc_version());
  fprintf(f, ",\"commit\":");
  cc_json_string(f, cc_commit());
  fputc(',', f);
  json_config(B, f);
  fprintf(f, ",\"results\":[");
  fwrite(B->json_text, 1, B->json_len, f);
  free(B->json_text);
  B->json_text = NULL;
  double avg = B->busbw_points ? B->busbw_sum / (double)B->busbw_points : 0;
  fprintf(f, "],\"out_of_bounds\":{\"count\":%lld,\"okay\":\"%s\"},\"average_bus_bandwidth\":{\"bandwidth\":",
          B->bad_checks, B->bad_checks ? "false" : "true");
  cc_json_number(f, avg);
  fprintf(f, ",\"okay\":\"unchecked\"},\"errors\":[],\"end_time\":\"%s\"}\n", end);
  return cc_afile_commit(&af);
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

// The row this sweep would write for variant v at (size, dtype, reduction), for looking it up.
static cc_row point_key(const bench *B, int v, cc_dtype t, cc_redop red, uint64_t bytes) {
  return (cc_row){.source = "measured", .op = cc_coll_name(B->o->op), .strategy = variant_strategy(B, v)->name,
                  .dtype = cc_dtype_name(t), .ranks = B->P, .nodes = B->comm->nodes,
                  .ranks_per_node = B->comm->local_size, .bytes = bytes, .redop = redop_label(B->o, red),
                  .placement = variant_in_place(B, v) ? "in-place" : "out-of-place"};
}

// Where a point's entry is in known_row: [dtype][reduction][size][variant].
static size_t point_index(const bench *B, int d, int r, int z, int v) {
  const options *o = B->o;
  return (((size_t)d * (size_t)o->nredops + (size_t)r) * (size_t)o->nsizes + (size_t)z) * (size_t)B->nvariants +
         (size_t)v;
}

static void mark_measured(bench *B) {
  const options *o = B->o;
  size_t n = (size_t)o->ndtypes * (size_t)o->nredops * (size_t)o->nsizes * (size_t)B->nvariants, found = 0;
  B->known_row = cc_malloc(n * sizeof(int));
  for (size_t i = 0; i < n; i++) B->known_row[i] = -1;
  if (B->rank == 0 && B->previous.n) {
    for (int d = 0; d < o->ndtypes; d++)
      for (int r = 0; r < o->nredops; r++)
        for (int z = 0; z < o->nsizes; z++)
          for (int v = 0; v < B->nvariants; v++) {
            call c = setup_call(B, o->size[z], o->dtype[d], variant_in_place(B, v));
            cc_row key = point_key(B, v, o->dtype[d], o->redop[r], c.bytes);
            const cc_row *row = cc_rowset_find_point(&B->previous, &key);
            if (!row) continue;
            B->known_row[point_index(B, d, r, z, v)] = (int)(row - B->previous.rows);
            found++;
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
  char reds[64] = "";
  for (int r = 0; r < o->nredops; r++)
    snprintf(reds + strlen(reds), sizeof reds - strlen(reds), "%s%s", r ? "," : "", redop_label(o, o->redop[r]));
  cc_meta_str(&m, "redop", reds);
  cc_meta_str(&m, "placement", o->nccl_format ? "out-of-place,in-place" : o->in_place ? "in-place" : "out-of-place");
  cc_meta_str(&m, "format", o->format);
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
  cc_meta_int(&m, "check", o->check_iters);
  cc_meta_int(&m, "agg_iters", o->agg_iters);
  cc_meta_int(&m, "average", o->average);
  cc_meta_int(&m, "blocking", o->blocking);
  cc_meta_int(&m, "run_cycles", o->run_cycles);
  cc_meta_int(&m, "unalign", o->unalign);
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

// --dry-run: what the command line asks for, in words a test or a person can check, then nothing.
static void print_plan(bench *B, const char *shortfall) {
  const options *o = B->o;
  if (B->rank != 0) return;
  printf("# dry run: sizes (B):");
  for (int z = 0; z < o->nsizes; z++) printf(" %llu", (unsigned long long)o->size[z]);
  printf("\n# dry run: types:");
  for (int d = 0; d < o->ndtypes; d++) printf(" %s", cc_dtype_long_name(o->dtype[d]));
  printf("; reductions:");
  for (int r = 0; r < o->nredops; r++) printf(" %s", redop_label(o, o->redop[r]));
  printf("; strategies:");
  for (int k = 0; k < o->nstrategies; k++) printf(" %s", o->strategy[k].name);
  printf("; placements: %s\n", o->nccl_format ? "out-of-place in-place" : o->in_place ? "in-place" : "out-of-place");
  printf("# dry run: iters %lld warmup %lld agg %lld check %lld average %lld blocking %lld cycles %lld cputime %lld "
         "per_iter %lld skip %lld timestamps %lld unalign %lld timeout %g format %s collective %s memory %s\n",
         o->iters, o->warmup, o->agg_iters, o->check_iters, o->average, o->blocking, o->run_cycles, o->cputime,
         o->per_iter, o->per_iter_skip, o->timestamps, o->unalign, o->timeout_s, o->format, cc_coll_name(o->op),
         o->device ? "device" : "host");
  char each[32];
  cc_format_size(B->buf_bytes, each, sizeof each);
  printf("# dry run: %llu points; buffers 2 x %s per rank%s%s; nothing measured\n",
         (unsigned long long)o->ndtypes * (unsigned long long)o->nredops * (unsigned long long)o->nsizes *
             (unsigned long long)B->nvariants, each, shortfall ? "; a run would be refused: " : "",
         shortfall ? shortfall : "");
  fflush(stdout);
}

// ---------------------------------------------------------------------------------------------------

// A zeroed buffer of the communicator's memory kind, and its host copy (itself on the host).
static void *alloc_buffer(bench *B, void **host) {
  size_t bytes = B->buf_bytes;
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
    cc_input_error("--device: no GPU visible%s (no CUDA device, or no driver)", count ? " on some of the ranks" : "");
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

// The communicator, transports, GPU and MPI, closed in the order they were opened backwards.
static int finish(bench *B, cc_transport *t, cc_transport *mpi, int status) {
  cc_comm_destroy(B->comm);
  if (t != mpi) t->destroy(t);
#ifdef CCBENCH_HAVE_CUDA
  if (B->o->device) close_device(B);
#endif
  mpi->destroy(mpi);
  MPI_Finalize();
  return status;
}

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
  B.buf_bytes = o.maxbytes + (size_t)o.unalign * 8;  // -u shifts by up to -u elements of the widest type
  B.nvariants = o.nstrategies * o.nplaces;
  // Send and receive buffers of the largest size, on every rank of the node (on the host also with
  // --device: the host copies fill and check them).
  const char *shortfall = cc_memory_shortfall(2.0 * (double)B.buf_bytes, B.comm->local_size,
                                              "-e/--maxbytes: the send and receive buffers");
  if (o.dry_run) {
    for (int k = 0; k < o.nstrategies; k++) B.later_tables[k] = stdout;
    print_header(&B);
    print_plan(&B, shortfall);
    cc_watchdog_stop();
    return finish(&B, t, mpi, 0);
  }
  cc_mpi_agree(B.mpi, shortfall);
  load_previous(&B);
  open_outputs(&B);
  if (B.rank == 0) copy_previous(&B);
  agree_writes(&B);

  // Buffers for the largest size: the sizes themselves are bytes of the whole vector.
  B.buf_a = alloc_buffer(&B, &B.host_a);
  B.buf_b = alloc_buffer(&B, &B.host_b);
  // Per variant and iteration: times, host times, three phases.
  B.times = cc_malloc(sizeof(double) * 5 * (size_t)o.iters * (size_t)B.nvariants);
  if (o.per_iter) B.times_max = cc_malloc(sizeof(double) * (size_t)o.iters * (size_t)B.nvariants);
  for (int k = 1; B.rank == 0 && o.nccl_format && k < o.nstrategies; k++)
    if (!(B.later_tables[k] = open_memstream(&B.later_text[k], &B.later_len[k])))
      CC_FATAL("out of memory for the table of %s", o.strategy[k].name);
  json_open(&B);
  print_header(&B);
  mark_measured(&B);

  summary *sum = cc_calloc((size_t)o.nstrategies, sizeof(summary));
  point *pts = cc_malloc(sizeof(point) * (size_t)B.nvariants);
  uint64_t per_cycle = (uint64_t)o.ndtypes * (uint64_t)o.nredops * (uint64_t)o.nsizes * (uint64_t)o.iters;
  cc_progress_start(&B.progress, per_cycle * (uint64_t)(o.run_cycles ? o.run_cycles : 1), B.rank == 0 && !o.no_progress);
  uint64_t done = 0;
  int *nothing_known = cc_malloc(sizeof(int) * (size_t)B.nvariants);  // later passes measure every point
  for (int v = 0; v < B.nvariants; v++) nothing_known[v] = -1;
  // -N: the sweep again and again (0: until interrupted); --resume knows only the first pass.
  for (long long cycle = 0; o.run_cycles == 0 || cycle < o.run_cycles; cycle++) {
    if (o.run_cycles == 0) done = 0;  // the bar shows the current pass
    for (int d = 0; d < o.ndtypes; d++)
      for (int r = 0; r < o.nredops; r++) {
        cc_dtype t_ = o.dtype[d];
        cc_redop red = o.redop[r];
        uint64_t last_count = UINT64_MAX;
        for (int z = 0; z < o.nsizes; z++) {
          call c = setup_call(&B, o.size[z], t_, false);
          if (c.count == last_count) {  // a size that rounds to the same element count as the last one
            done += (uint64_t)o.iters;
            continue;
          }
          last_count = c.count;
          char label[160], sz[32];
          cc_format_size(c.bytes, sz, sizeof sz);
          snprintf(label, sizeof label, "%s %s %s", sz, cc_dtype_name(t_), redop_label(&o, red));
          const int *known = cycle == 0 ? B.known_row + point_index(&B, d, r, z, 0) : nothing_known;
          bool all_known = true;
          for (int v = 0; v < B.nvariants; v++) all_known &= known[v] >= 0;
          if (!all_known) measure_size(&B, o.size[z], t_, red, pts, known, done, label);
          for (int v = 0; v < B.nvariants; v++)
            if (known[v] >= 0) pts[v] = resumed_point(&B, known[v], c.bytes);
          done += (uint64_t)o.iters;
          for (int v = 0; v < B.nvariants; v++)
            if (pts[v].wrong >= 0) B.any_checked = true, B.total_wrong += pts[v].wrong;
          cc_progress_update(&B.progress, done, "");
          if (B.rank == 0) {
            cc_progress_clear(&B.progress);
            emit_size(&B, t_, red, pts);
            for (int v = 0; v < B.nvariants && !o.nccl_format; v++) {
              if (pts[v].bytes == 0) continue;
              sum[v].busbw_sum += pts[v].busbw, sum[v].n++;
              if (B.baseline >= 0 && pts[v].busbw > 0 && pts[B.baseline].busbw > 0)
                sum[v].log_ratio_sum += log(pts[v].busbw / pts[B.baseline].busbw), sum[v].nratio++;
            }
          }
          agree_writes(&B);
        }
      }
  }
  cc_progress_finish(&B.progress);
  cc_watchdog_stop();

  if (B.rank == 0) {
    print_summary(&B, sum);
    finish_output(&B, &B.csv, B.have_csv, "--csv", o.csv, argc, argv);
    finish_output(&B, &B.json, B.have_json, "--json", o.json, argc, argv);
    if (B.have_csv && !B.write_error[0]) cc_resume_done(o.csv);  // every kept row is in the committed file now
    if (B.json_doc && !B.write_error[0] && json_write(&B, argc, argv) != 0)
      snprintf(B.write_error, sizeof B.write_error, "-J/--output_file: cannot write '%s': %s", o.output_file,
               strerror(errno));
    else if (o.output_file && !B.write_error[0]) printf("# JSON: %s\n", o.output_file);
  }
  agree_writes(&B);
  free(nothing_known);
  free(sum);
  free(pts);
  free(B.known_row);
  cc_rowset_free(&B.previous);
  free(B.times);
  free(B.times_max);
  free_buffer(&B, B.buf_a, B.host_a);
  free_buffer(&B, B.buf_b, B.host_b);
  return finish(&B, t, mpi, B.total_wrong ? 1 : 0);
}
