// PowerSGD's phases for one matrix (powersgd.h): projections, Gram-Schmidt, decode. Clarity over
// speed: this is the reference, every loop is a plain triple loop with double accumulation.
#include "compress/powersgd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/rng.h"

// A column keeping less than this fraction of its norm outside the earlier columns' span is treated as
// dependent: about 1000 f32 roundings, far above what two Gram-Schmidt passes leave of a truly
// dependent column, far below anything that carries information.
static const double DEPENDENT_TOL = 1e-4;

static size_t clamp_rank(size_t rows, size_t cols, int rank) {
  size_t r = rank > 0 ? (size_t)rank : 0;
  if (r > rows) r = rows;
  if (r > cols) r = cols;
  return r;
}

void cc_powersgd_init(cc_powersgd *s, size_t rows, size_t cols, int rank, uint64_t seed) {
  if (rows == 0 || cols == 0 || rank < 1)
    CC_FATAL("powersgd of a %zu x %zu matrix at rank %d: need rows, cols, rank >= 1", rows, cols, rank);
  size_t r = clamp_rank(rows, cols, rank);
  s->rows = rows, s->cols = cols, s->rank = (int)r;
  s->p = cc_calloc(rows * r, sizeof(float));
  s->q = cc_malloc(cols * r * sizeof(float));
  s->acc = cc_malloc((rows > cols * r ? rows : cols * r) * sizeof(double));
  cc_rng rng;
  cc_rng_seed(&rng, seed);
  for (size_t i = 0; i < cols * r; i++) s->q[i] = (float)cc_rng_normal(&rng);
}

void cc_powersgd_free(cc_powersgd *s) {
  free(s->p), free(s->q), free(s->acc);
  memset(s, 0, sizeof *s);
}

void cc_powersgd_matrix_shape(size_t n, size_t *rows, size_t *cols) {
  size_t c = (size_t)ceil(sqrt((double)n));
  if (c == 0) c = 1;
  *cols = c;
  *rows = (n + c - 1) / c;
  if (*rows == 0) *rows = 1;
}

size_t cc_powersgd_bytes(size_t rows, size_t cols, int rank) {
  return sizeof(float) * clamp_rank(rows, cols, rank) * (rows + cols);
}

bool cc_powersgd_compresses(size_t rows, size_t cols, int rank) {
  return cc_powersgd_bytes(rows, cols, rank) < sizeof(float) * rows * cols;
}

// --- the two projections --------------------------------------------------------------------------

void cc_powersgd_project(cc_powersgd *s, const float *m) {
  size_t r = (size_t)s->rank, cols = s->cols;
  double *acc = s->acc;  // one row of p
  for (size_t i = 0; i < s->rows; i++) {
    const float *mi = m + i * cols;
    for (size_t k = 0; k < r; k++) acc[k] = 0;
    for (size_t j = 0; j < cols; j++)
      for (size_t k = 0; k < r; k++) acc[k] += (double)mi[j] * s->q[j * r + k];
    for (size_t k = 0; k < r; k++) s->p[i * r + k] = (float)acc[k];
  }
}

void cc_powersgd_back_project(cc_powersgd *s, const float *m) {
  size_t r = (size_t)s->rank, cols = s->cols;
  double *acc = s->acc;  // all of q: row i of m adds m[i][j] p[i] to row j of q
  memset(acc, 0, cols * r * sizeof(double));
  for (size_t i = 0; i < s->rows; i++) {
    const float *mi = m + i * cols, *pi = s->p + i * r;
    for (size_t j = 0; j < cols; j++)
      for (size_t k = 0; k < r; k++) acc[j * r + k] += (double)mi[j] * pi[k];
  }
  for (size_t i = 0; i < cols * r; i++) s->q[i] = (float)acc[i];
}

// --- Gram-Schmidt ---------------------------------------------------------------------------------

static double norm(const double *v, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += v[i] * v[i];
  return sqrt(sum);
}

// v -= (column j . v) column j for each earlier column j < k, one after the other (modified
// Gram-Schmidt), twice. The columns j < k are already orthonormal.
static void remove_earlier_columns(const float *p, size_t rows, size_t r, size_t k, double *v) {
  for (int pass = 0; pass < 2; pass++)
    for (size_t j = 0; j < k; j++) {
      double d = 0;
      for (size_t i = 0; i < rows; i++) d += (double)p[i * r + j] * v[i];
      for (size_t i = 0; i < rows; i++) v[i] -= d * p[i * r + j];
    }
}

// The unit vector e_i the earlier columns cover least: its part outside their span has squared norm
// 1 - sum_j p[i][j]^2, at least 1 - k/rows > 0 for the best i since the k < rows columns are orthonormal.
static size_t least_covered_row(const float *p, size_t rows, size_t r, size_t k) {
  size_t best = 0;
  double best_cover = INFINITY;
  for (size_t i = 0; i < rows; i++) {
    double cover = 0;
    for (size_t j = 0; j < k; j++) cover += (double)p[i * r + j] * p[i * r + j];
    if (cover < best_cover) best_cover = cover, best = i;
  }
  return best;
}

void cc_powersgd_orthogonalize(cc_powersgd *s) {
  size_t rows = s->rows, r = (size_t)s->rank;
  double *v = s->acc;  // the column being worked on, in double
  for (size_t k = 0; k < r; k++) {
    for (size_t i = 0; i < rows; i++) v[i] = s->p[i * r + k];
    double before = norm(v, rows);
    remove_earlier_columns(s->p, rows, r, k, v);
    double after = norm(v, rows);
    if (!(after > DEPENDENT_TOL * before)) {  // zero or dependent (see powersgd.h)
      memset(v, 0, rows * sizeof(double));
      v[least_covered_row(s->p, rows, r, k)] = 1;
      remove_earlier_columns(s->p, rows, r, k, v);
      after = norm(v, rows);
    }
    double inv = after > 0 ? 1 / after : 0;  // after > 0 always (k < rows); the guard keeps NaN out
    for (size_t i = 0; i < rows; i++) s->p[i * r + k] = (float)(v[i] * inv);
  }
}

// --- decode ---------------------------------------------------------------------------------------

// (p q^T)[i][j] in double.
static double approx_at(const cc_powersgd *s, size_t i, size_t j) {
  size_t r = (size_t)s->rank;
  const float *pi = s->p + i * r, *qj = s->q + j * r;
  double sum = 0;
  for (size_t k = 0; k < r; k++) sum += (double)pi[k] * qj[k];
  return sum;
}

void cc_powersgd_decode(const cc_powersgd *s, float *out, float scale) {
  for (size_t i = 0; i < s->rows; i++)
    for (size_t j = 0; j < s->cols; j++) out[i * s->cols + j] = (float)(scale * approx_at(s, i, j));
}

void cc_powersgd_residual(const cc_powersgd *s, const float *corrected, float *residual, float scale) {
  for (size_t i = 0; i < s->rows; i++)
    for (size_t j = 0; j < s->cols; j++) {
      size_t at = i * s->cols + j;
      residual[at] = (float)(corrected[at] - scale * approx_at(s, i, j));
    }
}
