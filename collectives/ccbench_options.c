// ccbench's command line (ccbench_options.h).
#include "collectives/ccbench_options.h"

#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "collectives/compressed.h"
#include "common/atomic_file.h"
#include "common/check_mpi.h"
#include "common/cli.h"
#include "common/error.h"
#include "common/json.h"
#include "common/output_check.h"
#include "common/watchdog.h"

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
  cc_bench_options *o = ctx;
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

static void cross_with_compressors(cc_bench_options *o) {
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
  cc_bench_options *o = ctx;
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
  cc_bench_options *o = ctx;
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
static void build_sizes(cc_bench_options *o) {
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

// --device and --transport against what this build has. Whether a GPU is visible is checked later, by all
// ranks together (open_device).
static void check_transport(cc_bench_options *o) {
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
static void check_output_files(cc_bench_options *o, int rank) {
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
static void catch_old_flags(int argc, char **argv) {
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
    long long v;
    bool number_follows = i + 1 < argc && cc_parse_int(argv[i + 1], &v) == 0;
    if (strcmp(argv[i], "-C") == 0 && i + 1 < argc && !number_follows)
      cc_input_error("-C is nccl-tests' --report_cputime 0|1; choose the collective with --collective %s", argv[i + 1]);
    if (strcmp(argv[i], "-g") == 0 && !number_follows)
      cc_input_error("-g/--ngpus takes nccl-tests' GPU count per rank (1); GPU buffers are --device");
  }
}

// nccl-tests flags that only take the value that means what ccbench always does, or that have no
// effect here (as in nccl-tests), each with why.
static void check_nccl_tests_flags(cc_bench_options *o) {
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

void cc_bench_parse_options(cc_bench_options *o, int argc, char **argv, int P, int rank) {
  *o = (cc_bench_options){.minbytes = UNSET_SIZE, .maxbytes = UNSET_SIZE, .iters = 20, .warmup = 5,
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
  catch_old_flags(argc, argv);
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
