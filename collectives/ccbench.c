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

#include "collectives/ccbench_options.h"
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

#define NCCL_TESTS_FORMAT "2.19.6"  // the nccl-tests version whose table and JSON layout --format/-J write

typedef cc_bench_options options;

// nccl-tests' footer of a table: "Out of bounds values" counts the (rank, check) pairs that found wrong
// elements, "Avg bus bandwidth" averages every row and placement.
typedef struct {
  long long bad, points;
  double busbw_sum;
} footer;

typedef struct {
  options *o;
  cc_comm *comm;
  MPI_Comm mpi;
  int P, rank;
  char host[MPI_MAX_PROCESSOR_NAME];
  void *buf_a, *buf_b;  // send and recv, each large enough for the largest size (+ -u's shift)
  size_t buf_bytes;
  double *times;
  double *times_max;    // -I: per variant, the iterations' times of the slowest rank (nccl-tests' i_*), in order
  cc_rowfile csv, json;
  bool have_csv, have_json;
  char write_error[1024];  // rank 0: the first failed write of a result, "" while all went well
  cc_rowset previous;   // --resume: rows of the interrupted run (rank 0)
  int *known_row;       // --resume: [dtype][reduction][size][variant] the point's row in `previous` (rank 0) or
                        // just >= 0 (the others) when it needs no measuring; -1: measure it
  cc_progress progress;
  int baseline;         // index of the mpi strategy in the sweep, -1 if absent
  long long total_wrong;
  bool any_checked;
  // --format nccl-tests: the tables of strategies 1.. are written to memory and printed after the first
  FILE *later_tables[MAX_STRATEGIES];
  char *later_text[MAX_STRATEGIES];
  size_t later_len[MAX_STRATEGIES];
  footer footers[MAX_STRATEGIES];  // per strategy; the table format's footer is their sum
  int nvariants;        // nstrategies x nplaces: variant v is strategy v / nplaces, in place when v % nplaces
  FILE *json_doc;       // -J: the results list of the nccl-tests JSON document, built in memory
  char *json_text;
  size_t json_len;
  int json_results;
  char start_time[32];
  bool any_compressed;  // extra columns: wire bytes, compression ratio, phase split, rel_err
  // --device: buf_a/buf_b are device buffers and host_a/host_b their host copies for filling and checking;
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
      if (o->blocking == 1 || o->blocking == 2) cc_comm_sync(B->comm);  // wait for the call (host: done already)
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
  // -I reports the slowest rank's iterations whatever -a says (nccl-tests' i_* columns); with -a 3 they
  // are the combined times themselves.
  size_t ntimes = (size_t)nv * (size_t)n;
  if (o->per_iter && o->average != 3) {
    memcpy(B->times_max, times, sizeof(double) * ntimes);
    CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, B->times_max, (int)ntimes, MPI_DOUBLE, MPI_MAX, B->mpi));
  }
  cc_watchdog_enter("the exchange of timings after a sweep point", -1);
  combine_ranks(B, times, (int)(5 * ntimes));
  if (o->per_iter && o->average == 3) memcpy(B->times_max, times, sizeof(double) * ntimes);
  CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, sent, nv, MPI_UINT64_T, MPI_MAX, B->mpi));
  double *column = cc_malloc(sizeof(double) * (size_t)n);
  for (int v = 0; v < nv; v++) {
    if (known[v] >= 0) continue;  // pts[v] holds the resumed row
    const cc_strategy *s = variant_strategy(B, v);
    point *pt = &pts[v];
    size_t base = (size_t)v * (size_t)n;
    *pt = (point){.bytes = c[v].bytes, .wrong = -1, .rel_err = -1, .wire_bytes = sent[v] / (uint64_t)(per_iteration ? n : 1)};
    pt->count = o->op == CC_ALLREDUCE ? c[v].count : c[v].count * (size_t)B->P;
    if (o->per_iter) per_iteration_stats(B->times_max + base + (size_t)o->per_iter_skip, n - o->per_iter_skip, pt);
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

// The swept reductions, sep between them ("sum,max"; allgather: "none").
static void redop_list(const options *o, const char *sep, char *buf, size_t len) {
  buf[0] = '\0';
  for (int r = 0; r < o->nredops; r++)
    snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", r ? sep : "", redop_label(o, o->redop[r]));
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
  char ver[MPI_MAX_LIBRARY_VERSION_STRING], minb[32], maxb[32], seg[32], chunk[32], reds[64];
  int len;
  MPI_Get_library_version(ver, &len);
  ver[strcspn(ver, ",\n")] = '\0';
  cc_format_size(o->minbytes, minb, sizeof minb);
  cc_format_size(o->maxbytes, maxb, sizeof maxb);
  cc_format_size(B->comm->tuning.ring_segment_bytes, seg, sizeof seg);
  cc_format_size(B->comm->tuning.tree_chunk_bytes, chunk, sizeof chunk);
  redop_list(o, ",", reds, sizeof reds);
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
    footer *ft = &B->footers[v / o->nplaces];
    ft->busbw_sum += pt->busbw, ft->points++;
    if (pt->wrong > 0) ft->bad += pt->bad_ranks;
  }
  for (int k = 0; o->nccl_format && k < o->nstrategies; k++) print_nccl_row(B, t, red, pts, k);
  for (int k = 0; B->json_doc && k < o->nstrategies; k++) json_result(B, t, red, pts, k);
  fflush(stdout);
}

static double footer_busbw(const footer *ft) { return ft->points ? ft->busbw_sum / (double)ft->points : 0.0; }

// Every strategy's rows together: the table format's footer and the JSON document's.
static footer footer_total(const bench *B) {
  footer all = {0, 0, 0};
  for (int k = 0; k < B->o->nstrategies; k++)
    all.bad += B->footers[k].bad, all.points += B->footers[k].points, all.busbw_sum += B->footers[k].busbw_sum;
  return all;
}

// nccl-tests' two footer lines, which scripts grep for.
static void print_footer(FILE *f, const footer *ft) {
  fprintf(f, "# %-20s : %lld %s\n", "Out of bounds values", ft->bad, ft->bad ? "FAILED" : "OK");
  fprintf(f, "# %-20s : %g \n", "Avg bus bandwidth", footer_busbw(ft));
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
      print_footer(f, &B->footers[k]);
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
  footer all = footer_total(B);
  print_footer(stdout, &all);
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
  footer all = footer_total(B);
  fprintf(f, "],\"out_of_bounds\":{\"count\":%lld,\"okay\":\"%s\"},\"average_bus_bandwidth\":{\"bandwidth\":",
          all.bad, all.bad ? "false" : "true");
  cc_json_number(f, footer_busbw(&all));
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
  return make_row(B, v, t, red, &(point){.bytes = bytes});
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
  char reds[64];
  redop_list(o, ",", reds, sizeof reds);
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
  char reds[64];
  redop_list(o, " ", reds, sizeof reds);
  printf("; reductions: %s; strategies:", reds);
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
  cc_bench_parse_options(&o, argc, argv, mpi->size, mpi->rank);
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
