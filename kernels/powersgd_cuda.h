// PowerSGD's phases on the device: the CUDA twin of compress/powersgd.h, phase for phase, so the
// compressed allreduce can drive either (it runs the two allreduces between the phases, as for C).
//
// Layouts are the C reference's: M rows x cols, p rows x r, q cols x r, all row-major f32 in device
// memory. The three matrix products are cuBLAS sgemm calls (row-major seen as column-major transposed,
// see powersgd_cuda.cu); Gram-Schmidt is one kernel, one block per matrix, in double like the
// reference. Everything is asynchronous on the stream given.
//
// Agreement with the C reference (which accumulates in double): the products accumulate in f32 in
// cuBLAS's order, so each entry differs by at most the f32 dot-product bound, e.g. for p = M q
//   |p_dev - p_ref| <= (cols + 2) 2^-24 sum_j |m_ij q_jk|
// (kernels/tests/test_powersgd_cuda.c checks exactly these bounds, entry by entry). orthogonalize
// repeats the reference's double arithmetic with the dot products and norms summed in another order:
// its f32 results are the reference's or one ulp away (well-conditioned p). Over whole steps, on
// well-conditioned inputs, the approximation p q^T agrees to a relative 1e-4 (Frobenius).
//
// Every rank gets the same bits from the same inputs when the ranks' GPUs have the same architecture
// and SM count and run the same cuBLAS: cuBLAS promises bitwise reproducible routines under those
// conditions while one stream uses the handle (with several concurrent streams on one handle, set
// CUBLAS_WORKSPACE_CONFIG=:4096:8 or give each stream its own handle), and Gram-Schmidt sums in the
// fixed order of one block. Otherwise local products may differ in the last bits between ranks.
//
// cuBLAS must compute in true f32: leave the handle in CUBLAS_DEFAULT_MATH or CUBLAS_PEDANTIC_MATH
// (TF32 would round the inputs to 10 mantissa bits, far beyond the bounds above).
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  size_t rows, cols;
  int rank;              // r: the requested rank clamped to min(rows, cols), as in the reference
  float *p;              // device, rows x r
  float *q;              // device, cols x r; kept across steps (warm start)
  double *v;             // device scratch: the column Gram-Schmidt works on, rows doubles
  cublasHandle_t blas;   // borrowed: the caller creates and destroys it
} cc_powersgd_cuda;

// q = the C reference's q for `seed` (the same N(0,1) draws, copied up), p = 0. rows, cols, rank >= 1
// and rows, cols < 2^31 (cuBLAS's int sizes); fatal otherwise. Synchronous (allocates and copies).
void cc_powersgd_cuda_init(cc_powersgd_cuda *s, size_t rows, size_t cols, int rank, uint64_t seed,
                           cublasHandle_t blas);
void cc_powersgd_cuda_free(cc_powersgd_cuda *s);

// p = m q (m: device, rows x cols). The caller then sums p over ranks.
void cc_powersgd_cuda_project(cc_powersgd_cuda *s, const float *m, cudaStream_t st);
// p = orthonormal columns spanning p: the reference's Gram-Schmidt (twice per column, dependent or
// zero columns replaced by the least covered unit vector), in double.
void cc_powersgd_cuda_orthogonalize(cc_powersgd_cuda *s, cudaStream_t st);
// q = m^T p. The caller then sums q over ranks.
void cc_powersgd_cuda_back_project(cc_powersgd_cuda *s, const float *m, cudaStream_t st);
// out = scale p q^T (rows x cols, device).
void cc_powersgd_cuda_decode(const cc_powersgd_cuda *s, float *out, float scale, cudaStream_t st);
// residual = corrected - scale p q^T (residual may alias corrected), in f32 (the reference rounds once
// from double; the bound is (r + 4) 2^-24 (|corrected| + |scale| sum_k |p_ik q_jk|) per entry).
void cc_powersgd_cuda_residual(const cc_powersgd_cuda *s, const float *corrected, float *residual, float scale,
                               cudaStream_t st);

#ifdef __cplusplus
}
#endif
