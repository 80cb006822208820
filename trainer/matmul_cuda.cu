// Linear layers on cuBLAS (layers_cuda.h): y = x W^T + b with W stored (out, in), row-major.
//
// cuBLAS is column-major. A row-major R x C array with row stride C is, read column-major, the C x R
// matrix (its transpose) with leading dimension C. So, with every array read that way:
//   forward      out^T (OC x N)  = W (OC x IC) inp^T (IC x N):     gemm(T, N, OC, N, IC), A = w (ld IC)
//   input grad   dinp^T (IC x N) = W^T (IC x OC) dout^T (OC x N):  gemm(N, N, IC, N, OC), A = w (ld IC)
//   weight grad  dW^T (IC x OC) += inp^T (IC x N) dout (N x OC):   gemm(N, T, IC, OC, N), A = inp (ld IC)
// The bias and the residual are written into out first and the product is added to them (beta = 1).
#include <cublas_v2.h>

#include "kernels/common_cuda.h"

#include "kernels/cuda_device.h"
#include "trainer/layers_cuda.h"

static const unsigned THREADS = 256;

// out = [residual +] [bias broadcast over rows]: what the product is then added to.
static __global__ void bias_residual_kernel(float *out, const float *residual, const float *bias, size_t n,
                                            int OC) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    float v = residual ? residual[i] : 0.0f;
    if (bias) v += bias[i % (size_t)OC];
    out[i] = v;
  }
}

// One block per 32 columns: thread (x, y) adds rows y, y + 32, ... of column x in order, then thread
// (x, 0) adds the 32 partial sums in order.
enum { COLUMN_TILE = 32 };
static __global__ void column_sum_kernel(float *acc, const float *x, int rows, int cols) {
  __shared__ float partial[COLUMN_TILE][COLUMN_TILE + 1];  // +1: no bank conflicts reading a column
  int c = blockIdx.x * COLUMN_TILE + threadIdx.x;
  float s = 0.0f;
  if (c < cols)
    for (int r = threadIdx.y; r < rows; r += COLUMN_TILE) s += x[(size_t)r * cols + c];
  partial[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && c < cols) {
    float total = 0.0f;
    for (int lane = 0; lane < COLUMN_TILE; lane++) total += partial[lane][threadIdx.x];
    acc[c] += total;
  }
}

void column_sum_add_cuda(const gpt2_cuda_ctx *ctx, float *acc, const float *x, int rows, int cols) {
  if (rows <= 0 || cols <= 0) return;
  dim3 block(COLUMN_TILE, COLUMN_TILE);
  column_sum_kernel<<<(cols + COLUMN_TILE - 1) / COLUMN_TILE, block, 0, ctx->stream>>>(acc, x, rows, cols);
  CC_CHECK_CUDA(cudaGetLastError());
}

void matmul_forward_cuda(const gpt2_cuda_ctx *ctx, float *out, const float *inp, const float *w,
                         const float *bias, const float *residual, int N, int IC, int OC) {
  size_t n = (size_t)N * OC;
  bool prefill = bias || residual;
  if (prefill) {
    bias_residual_kernel<<<cc_cuda_grid_blocks(n, THREADS, 8), THREADS, 0, ctx->stream>>>(out, residual, bias, n,
                                                                                         OC);
    CC_CHECK_CUDA(cudaGetLastError());
  }
  gemm_cuda(ctx, true, false, OC, N, IC, 1.0f, w, IC, 0, inp, IC, 0, prefill ? 1.0f : 0.0f, out, OC, 0, 1);
}

void matmul_backward_cuda(const gpt2_cuda_ctx *ctx, float *dinp, float *dw, float *dbias, const float *dout,
                          const float *inp, const float *w, int N, int IC, int OC) {
  gemm_cuda(ctx, false, false, IC, N, OC, 1.0f, w, IC, 0, dout, OC, 0, 0.0f, dinp, IC, 0, 1);
  gemm_cuda(ctx, false, true, IC, OC, N, 1.0f, inp, IC, 0, dout, OC, 0, 1.0f, dw, IC, 0, 1);
  if (dbias) column_sum_add_cuda(ctx, dbias, dout, N, OC);
}
