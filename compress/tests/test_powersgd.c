// PowerSGD against what its math promises. R ranks are simulated in one process: each has its own
// cc_powersgd (same seed) and its own matrix; between the phases p, then q, are summed over the ranks
// in rank order and the sum is copied back to every rank, as an allreduce would.
//   - at full rank (r = min(rows, cols)) the decode is the exact average;
//   - on M = U diag(s) V^T, warm-started steps approach the optimal rank-r error sqrt(sum_{i>r} s_i^2)
//     and never beat it (Eckart-Young);
//   - orthogonalize gives orthonormal columns spanning the input, and no NaN on degenerate input;
//   - each phase matches its definition (p = m q, q = m^T p, out = scale p q^T) computed plainly.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "common/tests/check.h"
#include "compress/powersgd.h"

enum { MAXR = 4 };

static void fill_normal(float *x, size_t n, uint64_t seed, double scale) {
  cc_rng rng;
  cc_rng_seed(&rng, seed);
  for (size_t i = 0; i < n; i++) x[i] = (float)(scale * cc_rng_normal(&rng));
}

static double frob(const float *x, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += (double)x[i] * x[i];
  return sqrt(sum);
}

static double frob_diff(const float *a, const float *b, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
  return sqrt(sum);
}

static bool all_finite(const float *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return false;
  return true;
}

// max |p^T p - I| over the r x r entries, p rows x r row-major.
static double orthonormality_error(const float *p, size_t rows, size_t r) {
  double worst = 0;
  for (size_t a = 0; a < r; a++)
    for (size_t b = 0; b < r; b++) {
      double d = 0;
      for (size_t i = 0; i < rows; i++) d += (double)p[i * r + a] * p[i * r + b];
      worst = fmax(worst, fabs(d - (a == b)));
    }
  return worst;
}

// One step of PowerSGD over R simulated ranks on their matrices m[w]; out = rank 0's decode of the
// average. Checks that every rank ends with the same p and q.
static void group_step(cc_powersgd *s, int R, float *const *m, float *out) {
  size_t rows = s[0].rows, cols = s[0].cols, r = (size_t)s[0].rank;
  float *sum = malloc((rows > cols ? rows : cols) * r * sizeof(float));
  for (int w = 0; w < R; w++) cc_powersgd_project(&s[w], m[w]);
  memcpy(sum, s[0].p, rows * r * sizeof(float));
  for (int w = 1; w < R; w++)
    for (size_t i = 0; i < rows * r; i++) sum[i] += s[w].p[i];
  for (int w = 0; w < R; w++) {
    memcpy(s[w].p, sum, rows * r * sizeof(float));
    cc_powersgd_orthogonalize(&s[w]);
    cc_powersgd_back_project(&s[w], m[w]);
  }
  memcpy(sum, s[0].q, cols * r * sizeof(float));
  for (int w = 1; w < R; w++)
    for (size_t i = 0; i < cols * r; i++) sum[i] += s[w].q[i];
  for (int w = 0; w < R; w++) memcpy(s[w].q, sum, cols * r * sizeof(float));
  for (int w = 1; w < R; w++) {
    CHECK(memcmp(s[w].p, s[0].p, rows * r * sizeof(float)) == 0);
    CHECK(memcmp(s[w].q, s[0].q, cols * r * sizeof(float)) == 0);
  }
  cc_powersgd_decode(&s[0], out, 1.0f / (float)R);
  free(sum);
}

// --- each phase is its definition ----------------------------------------------------------------

// Largest |got - want| over the largest |want|.
static double relative_max_error(const float *got, const double *want, size_t n) {
  double worst = 0, big = 0;
  for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(got[i] - want[i])), big = fmax(big, fabs(want[i]));
  return worst / big;
}

// p = m q, q = m^T p, out = scale p q^T, each against a plain double loop (p need not be orthonormal).
static void phases_match_definitions(void) {
  enum { ROWS = 7, COLS = 5, RANK = 3 };
  float m[ROWS * COLS], out[ROWS * COLS];
  double want[ROWS * COLS];
  cc_powersgd s;
  cc_powersgd_init(&s, ROWS, COLS, RANK, 4);
  fill_normal(m, ROWS * COLS, 40, 1.0);
  cc_powersgd_project(&s, m);
  for (size_t i = 0; i < ROWS; i++)
    for (size_t k = 0; k < RANK; k++) {
      want[i * RANK + k] = 0;
      for (size_t j = 0; j < COLS; j++) want[i * RANK + k] += (double)m[i * COLS + j] * s.q[j * RANK + k];
    }
  double e = relative_max_error(s.p, want, ROWS * RANK);
  CHECKF(e <= 1e-7, "project: %.3g", e);
  fill_normal(s.p, ROWS * RANK, 41, 1.0);
  cc_powersgd_back_project(&s, m);
  for (size_t j = 0; j < COLS; j++)
    for (size_t k = 0; k < RANK; k++) {
      want[j * RANK + k] = 0;
      for (size_t i = 0; i < ROWS; i++) want[j * RANK + k] += (double)m[i * COLS + j] * s.p[i * RANK + k];
    }
  e = relative_max_error(s.q, want, COLS * RANK);
  CHECKF(e <= 1e-7, "back_project: %.3g", e);
  cc_powersgd_decode(&s, out, 0.25f);
  for (size_t i = 0; i < ROWS; i++)
    for (size_t j = 0; j < COLS; j++) {
      want[i * COLS + j] = 0;
      for (size_t k = 0; k < RANK; k++) want[i * COLS + j] += 0.25 * s.p[i * RANK + k] * s.q[j * RANK + k];
    }
  e = relative_max_error(out, want, ROWS * COLS);
  CHECKF(e <= 1e-7, "decode: %.3g", e);
  cc_powersgd_free(&s);
}

// --- full rank: the exact average -----------------------------------------------------------------

static void full_rank_is_exact(size_t rows, size_t cols, int R) {
  size_t n = rows * cols;
  cc_powersgd s[MAXR];
  float *m[MAXR], *out = malloc(n * sizeof(float)), *avg = malloc(n * sizeof(float));
  for (int w = 0; w < R; w++) {
    cc_powersgd_init(&s[w], rows, cols, 1000, 42);  // clamped to min(rows, cols)
    m[w] = malloc(n * sizeof(float));
    fill_normal(m[w], n, 100 * rows + 10 * cols + (uint64_t)w, 1.0);
  }
  CHECK((size_t)s[0].rank == (rows < cols ? rows : cols));
  for (size_t i = 0; i < n; i++) {
    double sum = 0;
    for (int w = 0; w < R; w++) sum += m[w][i];
    avg[i] = (float)(sum / R);
  }
  // Warm-started steps on the same matrices stay exact.
  for (int step = 0; step < 3; step++) {
    group_step(s, R, m, out);
    double worst = 0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)out[i] - avg[i]));
    CHECKF(all_finite(out, n) && worst <= 1e-5 * frob(avg, n),
           "%zux%zu R=%d step %d: max error %.3g, ||avg|| %.3g", rows, cols, R, step, worst, frob(avg, n));
  }
  for (int w = 0; w < R; w++) cc_powersgd_free(&s[w]), free(m[w]);
  free(out), free(avg);
}

// --- low rank: the optimal rank-r error -----------------------------------------------------------

// k orthonormal columns of length n (column-major, n x k) from Gram-Schmidt (twice) of random ones.
static double *random_orthonormal(size_t n, size_t k, uint64_t seed) {
  double *u = malloc(n * k * sizeof(double));
  cc_rng rng;
  cc_rng_seed(&rng, seed);
  for (size_t i = 0; i < n * k; i++) u[i] = cc_rng_normal(&rng);
  for (size_t c = 0; c < k; c++) {
    double *v = u + c * n;
    for (int pass = 0; pass < 2; pass++)
      for (size_t e = 0; e < c; e++) {
        double d = 0;
        for (size_t i = 0; i < n; i++) d += u[e * n + i] * v[i];
        for (size_t i = 0; i < n; i++) v[i] -= d * u[e * n + i];
      }
    double len = 0;
    for (size_t i = 0; i < n; i++) len += v[i] * v[i];
    for (size_t i = 0; i < n; i++) v[i] /= sqrt(len);
  }
  return u;
}

// m = U diag(sv) V^T (rows x cols, min(rows, cols) singular values). Returns the optimal rank-r
// Frobenius error sqrt(sum_{i >= r} sv_i^2).
static double known_spectrum(float *m, size_t rows, size_t cols, const double *sv, size_t r, uint64_t seed) {
  size_t k = rows < cols ? rows : cols;
  double *u = random_orthonormal(rows, k, seed), *v = random_orthonormal(cols, k, seed + 1);
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < cols; j++) {
      double sum = 0;
      for (size_t l = 0; l < k; l++) sum += u[l * rows + i] * sv[l] * v[l * cols + j];
      m[i * cols + j] = (float)sum;
    }
  free(u), free(v);
  double tail = 0;
  for (size_t l = r; l < k; l++) tail += sv[l] * sv[l];
  return sqrt(tail);
}

// R = 1, the same M every step (warm start): the error approaches the optimum from above.
static void approaches_optimum(const char *name, const double *sv, int steps, double within) {
  enum { ROWS = 64, COLS = 48, N = ROWS * COLS, RANK = 4 };
  static float m[N], out[N];
  double opt = known_spectrum(m, ROWS, COLS, sv, RANK, 7);
  double norm_m = frob(m, N);
  cc_powersgd s;
  cc_powersgd_init(&s, ROWS, COLS, RANK, 3);
  float *mp[1] = {m};
  printf("%s: ||M - decode|| / optimum by step:", name);
  double err = 0;
  for (int step = 1; step <= steps; step++) {
    group_step(&s, 1, mp, out);
    err = frob_diff(m, out, N);
    printf(" %.4f", err / opt);
    // Eckart-Young: no rank-r matrix is closer; the slack is f32 rounding of M and of the decode.
    CHECKF(err >= opt - 1e-7 * norm_m, "%s step %d: error %.9g below the optimum %.9g", name, step, err, opt);
    // p p^T M is a projection of M: never farther from M than 0 is.
    CHECKF(err <= norm_m, "%s step %d: error %.6g above ||M|| %.6g", name, step, err, norm_m);
  }
  printf("\n");
  CHECKF(err <= (1 + within) * opt, "%s: error %.6g after %d steps, optimum %.6g", name, err, steps, opt);
  cc_powersgd_free(&s);
}

// Singular values 10, 7, 5, 3, then 0.3 * 0.8^i: a gap of 10 after the 4th.
static void fill_gap_spectrum(double *sv, size_t k) {
  static const double head[] = {10, 7, 5, 3};
  for (size_t l = 0; l < k; l++) sv[l] = l < 4 ? head[l] : 0.3 * pow(0.8, (double)(l - 4));
}

static void low_rank(void) {
  double sv[48];
  fill_gap_spectrum(sv, 48);
  approaches_optimum("gap", sv, 10, 1e-4);
  // No gap (s_i = 1 / (i + 1)): slower, but the same limit, never passed.
  for (size_t l = 0; l < 48; l++) sv[l] = 1.0 / (1.0 + (double)l);
  approaches_optimum("no gap", sv, 20, 1e-3);
}

// R = 3 ranks whose matrices are M plus noise that cancels in the sum: far from low rank each, their
// average is M, and the decode approaches M's optimal error.
static void ranks_average_is_low_rank(void) {
  enum { ROWS = 64, COLS = 48, N = ROWS * COLS, RANK = 4, R = 3 };
  static float m[N], mw[R][N], out[N];
  double sv[48];
  fill_gap_spectrum(sv, 48);
  double opt = known_spectrum(m, ROWS, COLS, sv, RANK, 9);
  fill_normal(mw[0], N, 21, 1.0);
  fill_normal(mw[1], N, 22, 1.0);
  for (size_t i = 0; i < N; i++) {
    float n0 = mw[0][i], n1 = mw[1][i];
    mw[0][i] = m[i] + n0, mw[1][i] = m[i] + n1, mw[2][i] = m[i] - n0 - n1;
  }
  cc_powersgd s[R];
  for (int w = 0; w < R; w++) cc_powersgd_init(&s[w], ROWS, COLS, RANK, 5);
  float *mp[R] = {mw[0], mw[1], mw[2]};
  double err = 0;
  for (int step = 0; step < 10; step++) {
    group_step(s, R, mp, out);
    err = frob_diff(m, out, N);
    // The ranks' f32 matrices average to M only up to rounding (about 1e-7 of each entry's noise).
    CHECKF(err >= opt - 1e-4 * frob(m, N), "R=3 step %d: error %.9g below the optimum %.9g", step, err, opt);
  }
  CHECKF(err <= 1.001 * opt, "R=3: error %.6g after 10 steps, optimum %.6g", err, opt);
  for (int w = 0; w < R; w++) cc_powersgd_free(&s[w]);
}

// A zero first gradient must not kill the factors for good (warm start from zero columns would stay
// zero); a rank-deficient gradient below the requested rank is reproduced exactly.
static void degenerate_gradients(void) {
  enum { ROWS = 64, COLS = 48, N = ROWS * COLS, RANK = 4 };
  static float m[N], zero[N], out[N];
  double sv[48];
  fill_gap_spectrum(sv, 48);
  double opt = known_spectrum(m, ROWS, COLS, sv, RANK, 11);
  cc_powersgd s;
  cc_powersgd_init(&s, ROWS, COLS, RANK, 3);
  float *zp[1] = {zero}, *mp[1] = {m};
  group_step(&s, 1, zp, out);
  CHECK(all_finite(s.p, ROWS * RANK) && all_finite(s.q, COLS * RANK));
  CHECK(frob(out, N) == 0);
  CHECK(orthonormality_error(s.p, ROWS, RANK) <= 1e-5);
  double err = 0;
  for (int step = 0; step < 10; step++) group_step(&s, 1, mp, out), err = frob_diff(m, out, N);
  CHECKF(err <= 1.001 * opt, "after a zero step: error %.6g after 10 steps, optimum %.6g", err, opt);
  cc_powersgd_free(&s);

  // Rank 2 at requested rank 4: two columns of p are dependent every step.
  enum { R2 = 20, C2 = 12, N2 = R2 * C2 };
  static float m2[N2], out2[N2];
  double sv2[12] = {5, 2};
  known_spectrum(m2, R2, C2, sv2, 4, 13);
  cc_powersgd_init(&s, R2, C2, 4, 3);
  mp[0] = m2;
  for (int step = 0; step < 3; step++) {
    group_step(&s, 1, mp, out2);
    CHECK(all_finite(s.p, R2 * 4) && all_finite(s.q, C2 * 4));
    CHECKF(frob_diff(m2, out2, N2) <= 1e-5 * frob(m2, N2), "rank 2 step %d: error %.3g", step,
           frob_diff(m2, out2, N2));
    CHECK(orthonormality_error(s.p, R2, 4) <= 1e-5);
  }
  cc_powersgd_free(&s);
}

// --- orthogonalize --------------------------------------------------------------------------------

// max over the original columns c of ||c - p p^T c|| / ||c||: p spans every input column.
static double span_error(const float *orig, const float *p, size_t rows, size_t r) {
  double worst = 0;
  double *res = malloc(rows * sizeof(double));
  for (size_t c = 0; c < r; c++) {
    double len = 0;
    for (size_t i = 0; i < rows; i++) res[i] = orig[i * r + c], len += res[i] * res[i];
    if (len == 0) continue;
    for (size_t k = 0; k < r; k++) {
      double d = 0;
      for (size_t i = 0; i < rows; i++) d += (double)p[i * r + k] * orig[i * r + c];
      for (size_t i = 0; i < rows; i++) res[i] -= d * p[i * r + k];
    }
    double left = 0;
    for (size_t i = 0; i < rows; i++) left += res[i] * res[i];
    worst = fmax(worst, sqrt(left / len));
  }
  free(res);
  return worst;
}

// Orthogonalizes the p that `make` writes, checks p^T p = I, no NaN and (if spans) the span.
static void orthogonalized(const char *name, size_t rows, int rank, void (*make)(float *p, size_t rows, size_t r),
                           bool spans) {
  cc_powersgd s;
  cc_powersgd_init(&s, rows, 64, rank, 1);
  size_t r = (size_t)s.rank;
  float *orig = malloc(rows * r * sizeof(float));
  make(s.p, rows, r);
  memcpy(orig, s.p, rows * r * sizeof(float));
  cc_powersgd_orthogonalize(&s);
  CHECKF(all_finite(s.p, rows * r), "%s: NaN or inf in p", name);
  double ortho = orthonormality_error(s.p, rows, r);
  CHECKF(ortho <= 1e-5, "%s: max |p^T p - I| = %.3g", name, ortho);
  double span = spans ? span_error(orig, s.p, rows, r) : 0;
  CHECKF(span <= 1e-5, "%s: span error %.3g", name, span);
  free(orig);
  cc_powersgd_free(&s);
}

static void make_random(float *p, size_t rows, size_t r) { fill_normal(p, rows * r, 77, 1.0); }
static void make_tiny(float *p, size_t rows, size_t r) { fill_normal(p, rows * r, 78, 1e-30); }
static void make_zero(float *p, size_t rows, size_t r) { memset(p, 0, rows * r * sizeof(float)); }
static void make_equal_columns(float *p, size_t rows, size_t r) {
  make_random(p, rows, r);
  for (size_t i = 0; i < rows; i++) p[i * r + 2] = p[i * r + 0];
}
static void make_dependent(float *p, size_t rows, size_t r) {  // column 3 = column 0 - 2 column 1
  make_random(p, rows, r);
  for (size_t i = 0; i < rows; i++) p[i * r + 3] = p[i * r + 0] - 2 * p[i * r + 1];
}
static void make_ill_conditioned(float *p, size_t rows, size_t r) {  // columns 1e-3 apart
  make_random(p, rows, r);
  for (size_t i = 0; i < rows; i++)
    for (size_t k = 1; k < r; k++) p[i * r + k] = p[i * r + 0] + 1e-3f * p[i * r + k];
}

// The documented replacement, exactly: p = [e0 e0 0] (3 x 3) becomes [e0 e1 e2]: column 1 depends on
// column 0 and e1 is the first least covered unit vector; column 2 is zero and then e2 is.
static void replacement_is_least_covered_unit_vector(void) {
  cc_powersgd s;
  cc_powersgd_init(&s, 3, 64, 3, 1);
  static const float in[9] = {2, 2, 0, 0, 0, 0, 0, 0, 0}, want[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  memcpy(s.p, in, sizeof in);
  cc_powersgd_orthogonalize(&s);
  CHECK(memcmp(s.p, want, sizeof want) == 0);
  cc_powersgd_free(&s);
}

static void orthogonalize_cases(void) {
  orthogonalized("random 32x6", 32, 6, make_random, true);
  orthogonalized("random square 6x6", 6, 6, make_random, true);
  orthogonalized("tiny 32x6", 32, 6, make_tiny, true);
  orthogonalized("ill-conditioned 32x6", 32, 6, make_ill_conditioned, true);
  orthogonalized("equal columns 32x6", 32, 6, make_equal_columns, true);
  orthogonalized("equal columns square 6x6", 6, 6, make_equal_columns, true);
  orthogonalized("dependent 32x6", 32, 6, make_dependent, true);
  orthogonalized("zero 32x6", 32, 6, make_zero, false);
  orthogonalized("zero square 6x6", 6, 6, make_zero, false);
  replacement_is_least_covered_unit_vector();
}

// --- sizes, seeding, the residual helper ----------------------------------------------------------

static void sizes_and_seed(void) {
  CHECK(cc_powersgd_bytes(100, 50, 4) == 4 * 4 * 150);
  CHECK(cc_powersgd_bytes(8, 5, 10) == 4 * 5 * 13);  // rank clamped to 5
  CHECK(cc_powersgd_bytes(3, 1000, 8) == 4 * 3 * 1003);
  CHECK(cc_powersgd_compresses(1000, 1000, 4));
  CHECK(!cc_powersgd_compresses(1, 100, 1));  // a vector: 4 (1 + 100) bytes for 400
  CHECK(!cc_powersgd_compresses(8, 5, 10));
  CHECK(!cc_powersgd_compresses(8, 8, 4));  // 4 * 4 * 16 = 256 = 4 * 64: no saving

  cc_powersgd a, b, c;
  cc_powersgd_init(&a, 1000, 500, 8, 99);
  cc_powersgd_init(&b, 1000, 500, 8, 99);
  cc_powersgd_init(&c, 1000, 500, 8, 100);
  CHECK(a.rows == 1000 && a.cols == 500 && a.rank == 8);
  // p is rows x r, q cols x r: write the last element of each (AddressSanitizer checks the bound).
  a.p[1000 * 8 - 1] = 1, a.q[500 * 8 - 1] += 0;
  CHECK(memcmp(a.q, b.q, 500 * 8 * sizeof(float)) == 0);  // the same seed: the same q everywhere
  CHECK(memcmp(a.q, c.q, 500 * 8 * sizeof(float)) != 0);
  double mean = 0, var = 0;
  for (size_t i = 0; i < 500 * 8; i++) mean += a.q[i];
  mean /= 500 * 8;
  for (size_t i = 0; i < 500 * 8; i++) var += (a.q[i] - mean) * (a.q[i] - mean);
  var /= 500 * 8;
  CHECKF(fabs(mean) < 0.05 && fabs(var - 1) < 0.1, "q ~ N(0,1)? mean %.3f var %.3f", mean, var);
  cc_powersgd_free(&a), cc_powersgd_free(&b), cc_powersgd_free(&c);
  CHECK(a.p == NULL && a.q == NULL);

  cc_powersgd_init(&a, 8, 5, 10, 1);
  CHECK(a.rank == 5);
  a.p[8 * 5 - 1] = 1, a.q[5 * 5 - 1] += 0;
  cc_powersgd_free(&a);
  cc_powersgd_init(&a, 1, 7, 3, 1);
  CHECK(a.rank == 1);
  cc_powersgd_free(&a);
}

// corrected - residual = decode, with R = 2 (scale 1/2); the helper may work in place.
static void residual_helper(void) {
  enum { ROWS = 12, COLS = 9, N = ROWS * COLS, R = 2 };
  static float m[R][N], out[N], residual[N], in_place[N];
  cc_powersgd s[R];
  for (int w = 0; w < R; w++) {
    cc_powersgd_init(&s[w], ROWS, COLS, 3, 8);
    fill_normal(m[w], N, 30 + (uint64_t)w, 2.0);
  }
  float *mp[R] = {m[0], m[1]};
  group_step(s, R, mp, out);
  cc_powersgd_residual(&s[0], m[0], residual, 0.5f);
  double worst = 0;
  for (size_t i = 0; i < N; i++) {
    double got = (double)m[0][i] - residual[i];
    worst = fmax(worst, fabs(got - out[i]) / (fabs(m[0][i]) + fabs(out[i])));
  }
  CHECKF(worst <= 2e-7, "corrected - residual vs decode: relative error %.3g", worst);
  memcpy(in_place, m[0], sizeof in_place);
  cc_powersgd_residual(&s[0], in_place, in_place, 0.5f);
  CHECK(memcmp(in_place, residual, sizeof residual) == 0);
  for (int w = 0; w < R; w++) cc_powersgd_free(&s[w]);
}

int main(void) {
  phases_match_definitions();
  static const size_t shapes[][2] = {{8, 5}, {5, 8}, {16, 16}, {1, 7}, {7, 1}, {3, 3}, {1, 1}};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (int R = 1; R <= MAXR; R++) full_rank_is_exact(shapes[i][0], shapes[i][1], R);
  low_rank();
  ranks_average_is_low_rank();
  degenerate_gradients();
  orthogonalize_cases();
  sizes_and_seed();
  residual_helper();
  return check_done("test_powersgd");
}
