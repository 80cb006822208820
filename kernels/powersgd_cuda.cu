// PowerSGD's phases on the device (kernels/powersgd_cuda.h): three cuBLAS products and one
// Gram-Schmidt kernel, mirroring compress/powersgd.c.
//
// cuBLAS is column-major, the reference row-major. A row-major R x C matrix with leading dimension C is
// the column-major C x R matrix (its transpose) with the same leading dimension, so with Pc = p^T
// (r x rows, ld r), Qc = q^T (r x cols, ld r) and Mc = M^T (cols x rows, ld cols):
//   project       p = M q       <=>  Pc = Qc Mc            sgemm(N, N, r, rows, cols)
//   back_project  q = M^T p     <=>  Qc = Pc Mc^T          sgemm(N, T, r, cols, rows)
//   decode        out = s p q^T <=>  out^T = s Qc^T Pc     sgemm(T, N, cols, rows, r), ld cols
// and the residual is the decode with alpha = -s, beta = 1 on a copy of `corrected`.
//
// Gram-Schmidt is powersgd.c's, operation for operation in double: each column is projected against
// the earlier ones twice (modified Gram-Schmidt), replaced by the least covered unit vector when less
// than 1e-4 of its norm survives, and normalized. One block does it all; thread t owns rows t,
// t + blockDim, ..., of the column and of the double scratch v, so between block sums every thread
// reads and writes only its own rows. Dot products and norms are block sums (cc_block_sum_double), in
// another order than the reference's loops: that is the only difference. The cover of a row (sum of its
// squares over the earlier columns) is summed by its own thread in the reference's order, and the
// squares of floats are exact in double, so the least covered row is the reference's choice exactly.
#include <cublas_v2.h>  // before common_cuda.h, whose check_cuda.h defines CC_CHECK_CUBLAS if it sees it

#include "kernels/common_cuda.h"
#include "kernels/powersgd_cuda.h"

#include <limits.h>
#include <math.h>

extern "C" {
#include "compress/powersgd.h"
}

#include "kernels/block_scan_cuda.h"

static const size_t MAX_THREADS = 1024;

// As powersgd.c: a column keeping less than this fraction of its norm is treated as dependent.
#define DEPENDENT_TOL 1e-4

// v -= (column j . v) column j for each earlier column j < k, one after the other, twice.
static __device__ void remove_earlier_columns(const float *p, size_t rows, int r, int k, double *v) {
  for (int pass = 0; pass < 2; pass++)
    for (int j = 0; j < k; j++) {
      double d = 0;
      for (size_t i = threadIdx.x; i < rows; i += blockDim.x) d += (double)p[i * r + j] * v[i];
      d = cc_block_sum_double(d);
      for (size_t i = threadIdx.x; i < rows; i += blockDim.x) v[i] -= d * p[i * r + j];
    }
}

static __device__ double column_norm(const double *v, size_t rows) {
  double sum = 0;
  for (size_t i = threadIdx.x; i < rows; i += blockDim.x) sum += v[i] * v[i];
  return sqrt(cc_block_sum_double(sum));
}

// The row i with the smallest sum_{j<k} p[i][j]^2, lowest i on ties (powersgd.c's least_covered_row):
// each thread keeps its best row, then warps and the block keep the smaller cover, the lower row on ties.
static __device__ size_t least_covered_row(const float *p, size_t rows, int r, int k) {
  __shared__ double warp_cover[CC_SCAN_WARP];
  __shared__ size_t warp_row[CC_SCAN_WARP];
  double best_cover = INFINITY;
  size_t best = SIZE_MAX;  // none: a NaN or infinite cover is never taken, as in the reference
  for (size_t i = threadIdx.x; i < rows; i += blockDim.x) {
    double cover = 0;
    for (int j = 0; j < k; j++) cover += (double)p[i * r + j] * p[i * r + j];
    if (cover < best_cover) best_cover = cover, best = i;
  }
  unsigned lane = threadIdx.x % CC_SCAN_WARP, warp = threadIdx.x / CC_SCAN_WARP,
           nwarps = blockDim.x / CC_SCAN_WARP;
  for (int round = 0; round < 2; round++) {  // round 0: within each warp; round 1: warp 0 over the warps
    if (round == 1) {
      __syncthreads();
      if (warp != 0) break;
      best_cover = lane < nwarps ? warp_cover[lane] : INFINITY;
      best = lane < nwarps ? warp_row[lane] : SIZE_MAX;
    }
    for (unsigned offset = CC_SCAN_WARP / 2; offset > 0; offset /= 2) {
      double other_cover = __shfl_down_sync(CC_SCAN_ALL_LANES, best_cover, offset);
      size_t other = __shfl_down_sync(CC_SCAN_ALL_LANES, best, offset);
      bool better = other_cover < best_cover || (other_cover == best_cover && other < best);
      if (better) best_cover = other_cover, best = other;
    }
    if (round == 0 && lane == 0) warp_cover[warp] = best_cover, warp_row[warp] = best;
  }
  if (threadIdx.x == 0) warp_row[0] = best == SIZE_MAX ? 0 : best;  // the reference starts from row 0
  __syncthreads();
  size_t chosen = warp_row[0];
  __syncthreads();  // warp_row is reused by the next call
  return chosen;
}

static __global__ void orthogonalize_kernel(float *p, size_t rows, int r, double *v) {
  for (int k = 0; k < r; k++) {
    for (size_t i = threadIdx.x; i < rows; i += blockDim.x) v[i] = p[i * r + k];
    double before = column_norm(v, rows);
    remove_earlier_columns(p, rows, r, k, v);
    double after = column_norm(v, rows);  // the same value in every thread: the branch is uniform
    if (!(after > DEPENDENT_TOL * before)) {
      size_t e = least_covered_row(p, rows, r, k);
      for (size_t i = threadIdx.x; i < rows; i += blockDim.x) v[i] = i == e ? 1.0 : 0.0;
      remove_earlier_columns(p, rows, r, k, v);
      after = column_norm(v, rows);
    }
    double inv = after > 0 ? 1 / after : 0;
    for (size_t i = threadIdx.x; i < rows; i += blockDim.x) p[i * r + k] = (float)(v[i] * inv);
    __syncthreads();
  }
}

void cc_powersgd_cuda_init(cc_powersgd_cuda *s, size_t rows, size_t cols, int rank, uint64_t seed,
                           cublasHandle_t blas) {
  if (rows == 0 || cols == 0 || rank < 1)
    CC_FATAL("powersgd of a %zu x %zu matrix at rank %d: need rows, cols, rank >= 1", rows, cols, rank);
  if (rows > INT_MAX || cols > INT_MAX)
    CC_FATAL("powersgd on the GPU: a %zu x %zu matrix exceeds cuBLAS's int dimensions", rows, cols);
  cc_powersgd ref;  // the reference's q for this seed, drawn on the host
  cc_powersgd_init(&ref, rows, cols, rank, seed);
  size_t r = (size_t)ref.rank;
  s->rows = rows, s->cols = cols, s->rank = ref.rank, s->blas = blas;
  CC_CHECK_CUDA(cudaMalloc((void **)&s->p, rows * r * sizeof(float)));
  CC_CHECK_CUDA(cudaMalloc((void **)&s->q, cols * r * sizeof(float)));
  CC_CHECK_CUDA(cudaMalloc((void **)&s->v, rows * sizeof(double)));
  CC_CHECK_CUDA(cudaMemset(s->p, 0, rows * r * sizeof(float)));
  CC_CHECK_CUDA(cudaMemcpy(s->q, ref.q, cols * r * sizeof(float), cudaMemcpyHostToDevice));
  cc_powersgd_free(&ref);
}

void cc_powersgd_cuda_free(cc_powersgd_cuda *s) {
  CC_CHECK_CUDA(cudaFree(s->p));
  CC_CHECK_CUDA(cudaFree(s->q));
  CC_CHECK_CUDA(cudaFree(s->v));
  memset(s, 0, sizeof *s);
}

void cc_powersgd_cuda_project(cc_powersgd_cuda *s, const float *m, cudaStream_t st) {
  const float one = 1, zero = 0;
  int r = s->rank, rows = (int)s->rows, cols = (int)s->cols;
  CC_CHECK_CUBLAS(cublasSetStream(s->blas, st));
  CC_CHECK_CUBLAS(
      cublasSgemm(s->blas, CUBLAS_OP_N, CUBLAS_OP_N, r, rows, cols, &one, s->q, r, m, cols, &zero, s->p, r));
}

void cc_powersgd_cuda_orthogonalize(cc_powersgd_cuda *s, cudaStream_t st) {
  size_t whole_warps = (s->rows + CC_SCAN_WARP - 1) / CC_SCAN_WARP * CC_SCAN_WARP;  // small matrices: fewer
  unsigned threads = (unsigned)(whole_warps < MAX_THREADS ? whole_warps : MAX_THREADS);
  orthogonalize_kernel<<<1, threads, 0, st>>>(s->p, s->rows, s->rank, s->v);
  CC_CHECK_CUDA(cudaGetLastError());
}

void cc_powersgd_cuda_back_project(cc_powersgd_cuda *s, const float *m, cudaStream_t st) {
  const float one = 1, zero = 0;
  int r = s->rank, rows = (int)s->rows, cols = (int)s->cols;
  CC_CHECK_CUBLAS(cublasSetStream(s->blas, st));
  CC_CHECK_CUBLAS(
      cublasSgemm(s->blas, CUBLAS_OP_N, CUBLAS_OP_T, r, cols, rows, &one, s->p, r, m, cols, &zero, s->q, r));
}

void cc_powersgd_cuda_decode(const cc_powersgd_cuda *s, float *out, float scale, cudaStream_t st) {
  const float zero = 0;
  int r = s->rank, rows = (int)s->rows, cols = (int)s->cols;
  CC_CHECK_CUBLAS(cublasSetStream(s->blas, st));
  CC_CHECK_CUBLAS(
      cublasSgemm(s->blas, CUBLAS_OP_T, CUBLAS_OP_N, cols, rows, r, &scale, s->q, r, s->p, r, &zero, out, cols));
}

void cc_powersgd_cuda_residual(const cc_powersgd_cuda *s, const float *corrected, float *residual, float scale,
                               cudaStream_t st) {
  const float minus_scale = -scale, one = 1;
  int r = s->rank, rows = (int)s->rows, cols = (int)s->cols;
  if (residual != corrected)
    CC_CHECK_CUDA(
        cudaMemcpyAsync(residual, corrected, s->rows * s->cols * sizeof(float), cudaMemcpyDeviceToDevice, st));
  CC_CHECK_CUBLAS(cublasSetStream(s->blas, st));
  CC_CHECK_CUBLAS(cublasSgemm(s->blas, CUBLAS_OP_T, CUBLAS_OP_N, cols, rows, r, &minus_scale, s->q, r, s->p, r, &one,
                              residual, cols));
}
