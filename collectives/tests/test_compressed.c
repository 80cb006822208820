// Compressed allreduce for every compressor over several algorithms, against references built here.
//
//   mpirun -np P test_compressed
//
// Every rank regenerates every rank's input from a hash, so it knows the exact sum and each rank's
// contribution. Checked per compressor: the result is within the error bound its definition implies
// (fp16/bf16: rounding per reduce step; int8/int4: one quantization step per rank; qsgd: norm/s per
// rank; sign: |x| + block mean per rank), or equals an independent reconstruction (exact top-k, rand-k
// positions, PowerSGD at full rank), all ranks hold the same bits, avg is sum / P, and error feedback
// loses nothing over several steps: sum of results + sum of residuals = steps x exact sum.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "collectives/compressed.h"
#include "collectives/transport_mpi.h"
#include "common/check_mpi.h"
#include "common/tests/check.h"

static int P, me;

static float input(int r, size_t i) {
  uint64_t h = cc_hash64(0xc0de0000ULL + (uint64_t)r, i);
  return (float)((double)(h >> 11) * 0x1p-52 - 1.0);  // uniform in [-1, 1)
}

// Per-block statistic of a rank's input over CC_COMP_BLOCK elements.
typedef enum { ABSMAX, NORM, MEAN_ABS, NSTATS } block_stat;

typedef struct {
  size_t n, nblocks;
  float *mine, *result;
  double *exact, *abs_sum;
  double *stats;  // [rank][block][stat]
} data;

static double *stat_of(const data *d, int r, size_t i, block_stat what) {
  return &d->stats[((size_t)r * d->nblocks + i / CC_COMP_BLOCK) * NSTATS + what];
}

static data make_data(size_t n) {
  data d = {.n = n};
  d.mine = cc_calloc(n + 1, sizeof(float));
  d.result = cc_calloc(n + 1, sizeof(float));
  d.exact = cc_calloc(n + 1, sizeof(double));
  d.abs_sum = cc_calloc(n + 1, sizeof(double));
  for (size_t i = 0; i < n; i++) d.mine[i] = input(me, i);
  d.nblocks = (n + CC_COMP_BLOCK - 1) / CC_COMP_BLOCK;
  d.stats = cc_calloc((size_t)P * d.nblocks * NSTATS + 1, sizeof(double));
  for (int r = 0; r < P; r++)
    for (size_t i = 0; i < n; i++) {
      double v = input(r, i), a = fabs(v);
      d.exact[i] += v, d.abs_sum[i] += a;
      double *absmax = stat_of(&d, r, i, ABSMAX);
      if (a > *absmax) *absmax = a;
      *stat_of(&d, r, i, NORM) += v * v;
      *stat_of(&d, r, i, MEAN_ABS) += a;
    }
  for (int r = 0; r < P; r++)
    for (size_t b = 0; b < d.nblocks; b++) {
      size_t len = b + 1 < d.nblocks ? CC_COMP_BLOCK : n - b * CC_COMP_BLOCK;
      *stat_of(&d, r, b * CC_COMP_BLOCK, NORM) = sqrt(*stat_of(&d, r, b * CC_COMP_BLOCK, NORM));
      *stat_of(&d, r, b * CC_COMP_BLOCK, MEAN_ABS) /= (double)len;
    }
  return d;
}

static void free_data(data *d) { free(d->mine), free(d->result), free(d->exact), free(d->abs_sum), free(d->stats); }

// The bound |result - exact| may reach at element i under compressor z (one call, sum).
static double bound(const cc_compressor *z, const data *d, size_t i) {
  double rounding = (P + 2) * 0x1p-23 * d->abs_sum[i];  // f32 sums of P decoded values
  double b = 0;
  for (int r = 0; r < P; r++) {
    switch (z->kind) {
      case CC_COMP_FP16: b += (P + 1) * (0x1p-11 * fabs((double)input(r, i)) + 0x1p-25); break;  // + subnormals
      case CC_COMP_BF16: b += (P + 1) * 0x1p-8 * fabs((double)input(r, i)); break;
      case CC_COMP_INT8: b += *stat_of(d, r, i, ABSMAX) / 127 * (1 + 1e-6); break;
      case CC_COMP_INT4: b += *stat_of(d, r, i, ABSMAX) / 7 * (1 + 1e-6); break;
      case CC_COMP_QSGD: b += *stat_of(d, r, i, NORM) / z->levels * (1 + 1e-6); break;
      case CC_COMP_SIGN: b += fabs((double)input(r, i)) + *stat_of(d, r, i, MEAN_ABS); break;
      default: b += fabs((double)input(r, i)); break;  // a sparsifier sends x or nothing
    }
  }
  return b + rounding;
}

// Exact top-k of rank r: indices of the k largest |x|, ties to the lower index.
static const float *sort_keys;
static int by_magnitude(const void *a, const void *b) {
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  float x = fabsf(sort_keys[i]), y = fabsf(sort_keys[j]);
  if (x != y) return x > y ? -1 : 1;
  return i < j ? -1 : i > j;
}

static void topk_reference(const cc_compressor *z, size_t n, float *ref) {
  size_t k = (size_t)ceil(z->ratio * (double)n);
  if (k > n) k = n;
  if (k == 0 && n > 0) k = 1;
  float *x = cc_malloc(sizeof(float) * (n + 1));
  size_t *idx = cc_malloc(sizeof(size_t) * (n + 1));
  char *kept = cc_malloc(n + 1);
  memset(ref, 0, n * sizeof(float));
  for (int r = 0; r < P; r++) {  // decode adds rank after rank, so the float sums below match bit for bit
    for (size_t i = 0; i < n; i++) x[i] = input(r, i), idx[i] = i;
    sort_keys = x;
    qsort(idx, n, sizeof(size_t), by_magnitude);
    memset(kept, 0, n);
    for (size_t j = 0; j < k; j++) kept[idx[j]] = 1;
    for (size_t i = 0; i < n; i++)
      if (kept[i]) ref[i] += x[i];
  }
  free(x), free(idx), free(kept);
}

static void same_on_all_ranks(const char *what, const float *v, size_t n) {
  float *hi = cc_malloc(sizeof(float) * (n + 1)), *lo = cc_malloc(sizeof(float) * (n + 1));
  CC_CHECK_MPI(MPI_Allreduce(v, hi, (int)n, MPI_FLOAT, MPI_MAX, MPI_COMM_WORLD));
  CC_CHECK_MPI(MPI_Allreduce(v, lo, (int)n, MPI_FLOAT, MPI_MIN, MPI_COMM_WORLD));
  size_t differ = 0;
  for (size_t i = 0; i < n; i++) differ += hi[i] != lo[i];
  CHECKF(differ == 0, "%s: %zu elements differ between ranks", what, differ);
  free(hi), free(lo);
}

static void one_call(cc_comm *comm, const cc_strategy *s, size_t n) {
  data d = make_data(n);
  const cc_compressor *z = &s->compressor;
  char what[160];
  snprintf(what, sizeof what, "%s P=%d n=%zu", s->name, P, n);
  cc_compress_state st;
  cc_compress_state_init(&st, s, n, 42, me, P);
  cc_compress_timing tm;
  cc_compressed_allreduce(comm, &st, d.mine, d.result, n, CC_SUM, &tm);
  same_on_all_ranks(what, d.result, n);

  if (z->kind == CC_COMP_TOPK && !z->approx) {
    float *ref = cc_malloc(sizeof(float) * (n + 1));
    topk_reference(z, n, ref);
    size_t differ = 0;
    for (size_t i = 0; i < n; i++) differ += ref[i] != d.result[i];
    CHECKF(differ == 0, "%s: %zu elements differ from the independent top-k sum", what, differ);
    free(ref);
  } else if (z->kind == CC_COMP_RANDK) {
    // The same positions on every rank: each kept element is n/k times the exact sum there.
    size_t k = cc_compressed_bytes(z, n) / sizeof(float), nonzero = 0, bad = 0;
    double scale = (double)n / (double)k;
    for (size_t i = 0; i < n; i++) {
      if (d.result[i] == 0) continue;
      nonzero++;
      bad += fabs(d.result[i] - scale * d.exact[i]) > (P + 2) * 0x1p-23 * scale * d.abs_sum[i];
    }
    CHECKF(nonzero <= k && bad == 0, "%s: %zu nonzero (k = %zu), %zu not n/k x the sum", what, nonzero, k, bad);
  } else if (z->kind == CC_COMP_POWERSGD) {
    double err = 0, norm = 0;
    for (size_t i = 0; i < n; i++) err += pow(d.result[i] - d.exact[i], 2), norm += d.exact[i] * d.exact[i];
    CHECKF(sqrt(err) <= 1e-4 * sqrt(norm) + 1e-6, "%s: full-rank PowerSGD off by %.3g (norm %.3g)", what, sqrt(err),
           sqrt(norm));
  } else {
    size_t worst = 0;
    double worst_ratio = 0;
    for (size_t i = 0; i < n; i++) {
      double r = fabs(d.result[i] - d.exact[i]) / bound(z, &d, i);
      if (!(r <= worst_ratio)) worst_ratio = r, worst = i;
    }
    CHECKF(worst_ratio <= 1, "%s: element %zu off by %.3g x its bound (got %.9g, exact %.9g)", what, worst, worst_ratio,
           n ? d.result[worst] : 0.0, n ? d.exact[worst] : 0.0);
  }
  if (z->kind != CC_COMP_POWERSGD)
    CHECKF(tm.payload_bytes == cc_compressed_bytes(z, n), "%s: payload %llu B, compressor says %zu", what,
           (unsigned long long)tm.payload_bytes, cc_compressed_bytes(z, n));
  cc_compress_state_free(&st);

  // avg: the same draws (a fresh state with the same seed) divided by P.
  float *sum = cc_malloc(sizeof(float) * (n + 1));
  memcpy(sum, d.result, n * sizeof(float));
  cc_compress_state_init(&st, s, n, 42, me, P);
  cc_compressed_allreduce(comm, &st, d.mine, d.result, n, CC_AVG, NULL);
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) bad += fabsf(d.result[i] * (float)P - sum[i]) > 1e-5f * (fabsf(sum[i]) + 1e-3f);
  CHECKF(bad == 0, "%s: avg x P differs from sum at %zu elements", what, bad);
  cc_compress_state_free(&st);
  free(sum);
  free_data(&d);
}

// Error feedback: over T calls with the same input, results plus every rank's final residual add up to
// T times the exact sum.
static void feedback(cc_comm *comm, const cc_strategy *s, size_t n) {
  enum { T = 4 };
  data d = make_data(n);
  cc_compress_state st;
  cc_compress_state_init(&st, s, n, 7, me, P);
  double *total = cc_calloc(n + 1, sizeof(double)), *residual = cc_calloc(n + 1, sizeof(double));
  for (int t = 0; t < T; t++) {
    cc_compressed_allreduce(comm, &st, d.mine, d.result, n, CC_SUM, NULL);
    for (size_t i = 0; i < n; i++) total[i] += d.result[i];
  }
  for (size_t i = 0; i < n; i++) residual[i] = st.ef.residual[i];
  CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, residual, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
  // PowerSGD's residual is the local matrix minus the *average* approximation; summed over ranks that
  // is the sum minus the summed approximation, so the same identity holds.
  // fp16/bf16 also round the partial sums inside the reduce steps, which no rank's residual sees:
  // that rounding, (P+1) u per step of the magnitudes summed, is allowed on top.
  double in_network = s->compressor.kind == CC_COMP_FP16 ? 0x1p-11 : s->compressor.kind == CC_COMP_BF16 ? 0x1p-8 : 0;
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    double gap = fabs(total[i] + residual[i] - T * d.exact[i]);
    double magnitude = d.abs_sum[i] + fabs(total[i]) + fabs(residual[i]);
    bad += gap > 4.0 * T * (P + 2) * 0x1p-23 * magnitude + T * (P + 1) * in_network * 2 * magnitude;
  }
  CHECKF(bad == 0, "%s P=%d n=%zu: error feedback lost mass at %zu elements", s->name, P, n, bad);
  cc_compress_state_free(&st);
  free(total), free(residual);
  free_data(&d);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  cc_mpi_install_error_hooks();
  cc_transport *t = cc_transport_mpi_create(MPI_COMM_WORLD);
  P = t->size, me = t->rank;
  cc_comm *comm = cc_comm_create(t, &cc_host_memops, 0);
  comm->tuning.ring_segment_bytes = 4096;  // several segments per block even for small vectors

  const char *algos[] = {"ring", "rabenseifner", "rd", "tree", "hier:ring/ring"};
  const char *compressors[] = {"fp16", "bf16", "int8", "int4", "qsgd:4", "sign", "topk:0.1", "topk:0.05,approx",
                               "randk:0.25", "powersgd:256"};
  const size_t sizes[] = {0, 1, 5, 257, 1000, 4099, 65537};
  for (size_t a = 0; a < sizeof algos / sizeof algos[0]; a++)
    for (size_t c = 0; c < sizeof compressors / sizeof compressors[0]; c++)
      for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        char name[128], err[256];
        cc_strategy s;
        snprintf(name, sizeof name, "%s+%s", algos[a], compressors[c]);
        if (cc_strategy_parse(name, &s, err, sizeof err) != 0) CC_FATAL("%s", err);
        one_call(comm, &s, sizes[k]);
      }
  const char *with_feedback[] = {"ring+int8+ef", "rabenseifner+topk:0.1+ef", "ring+sign+ef", "ring+randk:0.25+ef",
                                 "ring+fp16+ef", "rabenseifner+qsgd:16+ef", "ring+powersgd:2+ef"};
  for (size_t c = 0; c < sizeof with_feedback / sizeof with_feedback[0]; c++)
    for (size_t k = 1; k < sizeof sizes / sizeof sizes[0]; k++) {
      cc_strategy s;
      char err[256];
      if (cc_strategy_parse(with_feedback[c], &s, err, sizeof err) != 0) CC_FATAL("%s", err);
      feedback(comm, &s, sizes[k]);
    }

  long long failed = check_failures;
  CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD));
  cc_comm_destroy(comm);
  t->destroy(t);
  MPI_Finalize();
  if (me == 0) printf("test_compressed P=%d: %s\n", P, failed ? "FAILED" : "all checks passed");
  return failed ? 1 : 0;
}
