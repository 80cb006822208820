// PowerSGD's device phases against compress/powersgd.c, phase by phase from the same inputs, then over
// whole warm-started steps. Skips (77) without a GPU.
//
// Tolerances (u = 2^-24, f32's unit roundoff). The reference accumulates in double and rounds once;
// cuBLAS accumulates in f32 in an order of its own. A sum of N rounded products, in any order, is off by
// at most about N u times the sum of the magnitudes of its terms, and the reference's own rounding adds
// u, so every product entry must satisfy, with no slack for luck:
//   project       |p - p_ref|   <= (cols + 2) u sum_j |m_ij q_jk|
//   back_project  |q - q_ref|   <= (rows + 2) u sum_i |m_ij p_ik|
//   decode        |o - o_ref|   <= (r + 2) u |s| sum_k |p_ik q_jk|
//   residual      |e - e_ref|   <= (r + 4) u (|corrected_ij| + |s| sum_k |p_ik q_jk|)
// A product computed in TF32 (10 mantissa bits) breaks these by orders of magnitude. Gram-Schmidt runs
// the reference's double arithmetic with sums in another order; the double results differ by ~rows
// 2^-53 (well-conditioned input), so the f32 columns are the reference's or 1 ulp away:
//   orthogonalize |p - p_ref|   <= 2^-22 |p_ref| + 1e-9,   and p^T p = I within 1e-5
// Zero and dependent columns take the same unit vector as the reference (chosen from the earlier columns'
// squares, summed alike; only rows whose covers lie within an ulp of each other could tip). Over 6
// steps on a matrix of rank 4 plus 1% noise (well separated singular values), the approximation p q^T
// agrees with the reference's within a relative 1e-4 (Frobenius): per-step differences of ~1e-6, which
// a power iteration with a spectral gap does not amplify.
#include <cublas_v2.h>  // before check_cuda.h (via cuda_test.h), for CC_CHECK_CUBLAS

#include <math.h>

#include "common/rng.h"
#include "compress/powersgd.h"
#include "kernels/cuda_device.h"
#include "kernels/powersgd_cuda.h"
#include "kernels/tests/cuda_test.h"

static const double U = 0x1p-24;
static cc_rng rng;
static cudaStream_t stream;
static cublasHandle_t blas;

static float *gaussian(size_t n) {
  float *x = host_alloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) x[i] = (float)cc_rng_normal(&rng);
  return x;
}

static float *download_floats(const float *dev, size_t n) {
  float *h = host_alloc(n * sizeof(float));
  CC_CHECK_CUDA(cudaDeviceSynchronize());
  CC_CHECK_CUDA(cudaMemcpy(h, dev, n * sizeof(float), cudaMemcpyDeviceToHost));
  return h;
}

static void upload_floats(float *dev, const float *h, size_t n) {
  CC_CHECK_CUDA(cudaMemcpy(dev, h, n * sizeof(float), cudaMemcpyHostToDevice));
}

// Every |got - want| within its bound (the worst entry is reported, NaN counts as outside).
static void check_within(const char *what, const float *got, const float *want, const double *bound, size_t n) {
  size_t bad = 0, worst = 0;
  double worst_ratio = 0;
  for (size_t i = 0; i < n; i++) {
    double ratio = fabs((double)got[i] - want[i]) / (bound[i] > 0 ? bound[i] : 1e-300);
    if (!(ratio <= 1)) bad++;
    if (!(ratio <= worst_ratio)) worst_ratio = ratio, worst = i;
  }
  CHECKF(bad == 0, "%s: %zu of %zu entries outside their bound, worst %zu: %.9g vs %.9g (%.3g x the bound)", what,
         bad, n, worst, n ? got[worst] : 0.0, n ? want[worst] : 0.0, worst_ratio);
}

// The bounds of a product entry: factor u sum_l |a_il b_lj| over the inner dimension, for
// row-major a (ni x nl) and b given by its transpose bt (nj x nl), as the phases' operands are.
static double *product_bounds(const float *a, const float *bt, size_t ni, size_t nj, size_t nl, double factor) {
  double *bound = host_alloc(ni * nj * sizeof(double));
  for (size_t i = 0; i < ni; i++)
    for (size_t j = 0; j < nj; j++) {
      double sum = 0;
      for (size_t l = 0; l < nl; l++) sum += fabs((double)a[i * nl + l] * bt[j * nl + l]);
      bound[i * nj + j] = factor * U * sum + 1e-38;
    }
  return bound;
}

// m^T, row-major (cols x rows).
static float *transpose(const float *m, size_t rows, size_t cols) {
  float *t = host_alloc(rows * cols * sizeof(float));
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
  return t;
}

static void check_orthonormal(const char *what, const float *p, size_t rows, size_t r) {
  double worst = 0;
  for (size_t a = 0; a < r; a++)
    for (size_t b = 0; b < r; b++) {
      double dot = 0;
      for (size_t i = 0; i < rows; i++) dot += (double)p[i * r + a] * p[i * r + b];
      double off = fabs(dot - (a == b));
      if (!(off <= worst)) worst = off;
    }
  CHECKF(worst <= 1e-5, "%s: p^T p is %.3g away from the identity", what, worst);
}

// p (rows x r) -> orthogonalize on both sides from the same p, compared.
static void check_orthogonalize(const char *what, cc_powersgd *ref, cc_powersgd_cuda *dev) {
  size_t rows = ref->rows, r = (size_t)ref->rank;
  upload_floats(dev->p, ref->p, rows * r);
  cc_powersgd_orthogonalize(ref);
  cc_powersgd_cuda_orthogonalize(dev, stream);
  float *got = download_floats(dev->p, rows * r);
  double *bound = host_alloc(rows * r * sizeof(double));
  for (size_t i = 0; i < rows * r; i++) bound[i] = 0x1p-22 * fabs(ref->p[i]) + 1e-9;
  check_within(what, got, ref->p, bound, rows * r);
  check_orthonormal(what, got, rows, r);
  free(got), free(bound);
}

// Every phase from the same inputs as the reference, on one rows x cols matrix.
static void phases(size_t rows, size_t cols, int rank) {
  char what[128];
  uint64_t seed = cc_rng_next(&rng);
  cc_powersgd ref;
  cc_powersgd_cuda dev;
  cc_powersgd_init(&ref, rows, cols, rank, seed);
  cc_powersgd_cuda_init(&dev, rows, cols, rank, seed, blas);
  size_t r = (size_t)ref.rank;
  snprintf(what, sizeof what, "powersgd %zu x %zu rank %d (r = %zu)", rows, cols, rank, r);
  CHECKF(dev.rank == ref.rank, "%s: device rank %d", what, dev.rank);
  float *q0 = download_floats(dev.q, cols * r);
  CHECKF(memcmp(q0, ref.q, cols * r * sizeof(float)) == 0, "%s: initial q differs from the reference", what);

  float *m = gaussian(rows * cols), *mt = transpose(m, rows, cols);
  dev_buf dm = dev_buf_alloc(rows * cols * sizeof(float), 0);
  dev_upload(&dm, m);

  char phase[160];
  cc_powersgd_project(&ref, m);  // p = m q
  cc_powersgd_cuda_project(&dev, dm.p, stream);
  float *qt = transpose(ref.q, cols, r);
  double *bound = product_bounds(m, qt, rows, r, cols, (double)cols + 2);
  float *got = download_floats(dev.p, rows * r);
  snprintf(phase, sizeof phase, "%s project", what);
  check_within(phase, got, ref.p, bound, rows * r);
  free(got), free(bound), free(qt);

  snprintf(phase, sizeof phase, "%s orthogonalize", what);
  check_orthogonalize(phase, &ref, &dev);

  upload_floats(dev.p, ref.p, rows * r);  // q = m^T p from the reference's p
  cc_powersgd_back_project(&ref, m);
  cc_powersgd_cuda_back_project(&dev, dm.p, stream);
  float *pt = transpose(ref.p, rows, r);
  bound = product_bounds(mt, pt, cols, r, rows, (double)rows + 2);
  got = download_floats(dev.q, cols * r);
  snprintf(phase, sizeof phase, "%s back_project", what);
  check_within(phase, got, ref.q, bound, cols * r);
  free(got), free(bound), free(pt);

  upload_floats(dev.q, ref.q, cols * r);  // decode and residual from the reference's p and q
  const float scale = 0.3f;
  float *want = host_alloc(rows * cols * sizeof(float)), *out = host_alloc(rows * cols * sizeof(float));
  cc_powersgd_decode(&ref, want, scale);
  dev_buf dout = dev_buf_alloc(rows * cols * sizeof(float), sizeof(float));
  cc_powersgd_cuda_decode(&dev, dout.p, scale, stream);
  dev_download(out, &dout);
  bound = product_bounds(ref.p, ref.q, rows, cols, r, ((double)r + 2) * scale);
  snprintf(phase, sizeof phase, "%s decode", what);
  check_within(phase, out, want, bound, rows * cols);
  CHECKF(dev_guard_damage(&dout) == 0, "%s: wrote outside its output", phase);

  for (size_t i = 0; i < rows * cols; i++)  // residual: (r + 4) u (|m| + |s| sum |p q|)
    bound[i] = (bound[i] / ((double)r + 2) + U * fabs(m[i])) * ((double)r + 4);
  for (int in_place = 0; in_place < 2; in_place++) {  // residual = m - scale p q^T
    cc_powersgd_residual(&ref, m, want, scale);
    dev_buf_poison(&dout);
    if (in_place) {
      dev_upload(&dout, m);
      cc_powersgd_cuda_residual(&dev, dout.p, dout.p, scale, stream);
    } else {
      cc_powersgd_cuda_residual(&dev, dm.p, dout.p, scale, stream);
    }
    dev_download(out, &dout);
    snprintf(phase, sizeof phase, "%s residual%s", what, in_place ? " in place" : "");
    check_within(phase, out, want, bound, rows * cols);
    CHECKF(dev_guard_damage(&dout) == 0, "%s: wrote outside its output", phase);
  }
  float *m_after = host_alloc(rows * cols * sizeof(float));
  dev_download(m_after, &dm);
  CHECKF(memcmp(m_after, m, rows * cols * sizeof(float)) == 0, "%s: a phase changed m", what);

  free(bound), free(want), free(out), free(m), free(mt), free(q0), free(m_after);
  dev_buf_free(&dm), dev_buf_free(&dout);
  cc_powersgd_free(&ref);
  cc_powersgd_cuda_free(&dev);
}

// Zero columns (a zero matrix projects to p = 0) and a column twice another: the reference's unit
// vectors, the same on the device.
static void dependent_columns(void) {
  const size_t rows = 50, r = 4;
  cc_powersgd ref;
  cc_powersgd_cuda dev;
  cc_powersgd_init(&ref, rows, 60, (int)r, 5);
  cc_powersgd_cuda_init(&dev, rows, 60, (int)r, 5, blas);
  memset(ref.p, 0, rows * r * sizeof(float));
  check_orthogonalize("orthogonalize of p = 0", &ref, &dev);
  for (size_t i = 0; i < rows; i++) {
    ref.p[i * r + 0] = (float)cc_rng_normal(&rng);
    ref.p[i * r + 1] = 2 * ref.p[i * r + 0];  // dependent on column 0
    ref.p[i * r + 2] = 0;                     // zero
    ref.p[i * r + 3] = (float)cc_rng_normal(&rng);
  }
  check_orthogonalize("orthogonalize with dependent and zero columns", &ref, &dev);
  cc_powersgd_free(&ref);
  cc_powersgd_cuda_free(&dev);
}

// Whole steps, each side on its own state: project, orthogonalize, back_project, decode.
static void steps(size_t rows, size_t cols) {
  enum { R = 4, STEPS = 6 };
  const double sigma[R] = {10, 8, 6, 4};
  float *u = gaussian(rows * R), *v = gaussian(cols * R), *m = host_alloc(rows * cols * sizeof(float));
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < cols; j++) {
      double sum = 0.01 * cc_rng_normal(&rng);
      for (int l = 0; l < R; l++) sum += sigma[l] * u[i * R + l] * v[j * R + l] / sqrt((double)(rows + cols));
      m[i * cols + j] = (float)sum;
    }
  uint64_t seed = cc_rng_next(&rng);
  cc_powersgd ref;
  cc_powersgd_cuda dev;
  cc_powersgd_init(&ref, rows, cols, R, seed);
  cc_powersgd_cuda_init(&dev, rows, cols, R, seed, blas);
  dev_buf dm = dev_buf_alloc(rows * cols * sizeof(float), 0), dout = dev_buf_alloc(rows * cols * sizeof(float), 0);
  dev_upload(&dm, m);
  float *want = host_alloc(rows * cols * sizeof(float)), *got = host_alloc(rows * cols * sizeof(float));
  for (int t = 0; t < STEPS; t++) {
    cc_powersgd_project(&ref, m), cc_powersgd_orthogonalize(&ref), cc_powersgd_back_project(&ref, m);
    cc_powersgd_cuda_project(&dev, dm.p, stream), cc_powersgd_cuda_orthogonalize(&dev, stream);
    cc_powersgd_cuda_back_project(&dev, dm.p, stream);
  }
  cc_powersgd_decode(&ref, want, 1);
  cc_powersgd_cuda_decode(&dev, dout.p, 1, stream);
  dev_download(got, &dout);
  double diff = 0, norm = 0, miss = 0, mnorm = 0;
  for (size_t i = 0; i < rows * cols; i++) {
    diff += pow((double)got[i] - want[i], 2), norm += pow(want[i], 2);
    miss += pow((double)want[i] - m[i], 2), mnorm += pow(m[i], 2);
  }
  CHECKF(sqrt(diff) <= 1e-4 * sqrt(norm), "powersgd %zu x %zu, %d steps: device p q^T off the reference's by %.3g",
         rows, cols, STEPS, sqrt(diff / norm));
  CHECKF(sqrt(miss) <= 0.05 * sqrt(mnorm), "powersgd %zu x %zu: the reference misses %.3g of a rank-4 matrix", rows,
         cols, sqrt(miss / mnorm));
  free(u), free(v), free(m), free(want), free(got);
  dev_buf_free(&dm), dev_buf_free(&dout);
  cc_powersgd_free(&ref);
  cc_powersgd_cuda_free(&dev);
}

int main(void) {
  cc_cuda_require_gpu_or_skip("test_powersgd_cuda");
  cc_rng_seed(&rng, test_seed("test_powersgd_cuda"));
  CC_CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  CC_CHECK_CUBLAS(cublasCreate(&blas));
  // Shapes: 1 x 1, vectors either way, rank clamped (5 x 9 at rank 16), rows below, at and above one
  // block's 1024 threads, dimensions not multiples of 32.
  const size_t shapes[][3] = {{1, 1, 1},   {7, 5, 3},     {5, 9, 16},    {33, 1, 1},   {1, 40, 2},
                              {64, 48, 4}, {300, 200, 8}, {1024, 96, 4}, {2100, 50, 3}, {129, 4099, 2}};
  for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++)
    phases(shapes[t][0], shapes[t][1], (int)shapes[t][2]);
  dependent_columns();
  steps(200, 300);
  steps(1500, 700);
  CC_CHECK_CUBLAS(cublasDestroy(blas));
  CC_CHECK_CUDA(cudaStreamDestroy(stream));
  return check_done("test_powersgd_cuda");
}
