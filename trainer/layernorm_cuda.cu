// LayerNorm forward and backward (layers_cuda.h), one warp per row of C channels.
//
// The forward is the CPU's two-pass form (mean, then the variance of the centered values), summed in a
// fixed warp tree. The backward is split in two kernels so nothing needs atomics: one warp per row for
// the input gradient (a row's two sums are the warp's), and one thread per channel for the weight and
// bias gradients (sums over rows in a fixed order, as column_sum_add_cuda).
#include "kernels/common_cuda.h"

#include "trainer/layers_cuda.h"

#include "trainer/warp_reduce_cuda.h"

static const int ROWS_PER_BLOCK = 8;  // warps per block
enum { TILE = 32 };
#define LAYERNORM_EPS 1e-5f  // as the CPU model

static __global__ void layernorm_forward_kernel(float *out, float *mean, float *rstd, const float *inp,
                                                const float *w, const float *b, int N, int C) {
  int row = blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / WARP_SIZE, lane = threadIdx.x % WARP_SIZE;
  if (row >= N) return;  // the whole warp leaves together: its shuffles below see every lane
  const float *x = inp + (size_t)row * C;
  float sum = 0.0f;
  for (int c = lane; c < C; c += WARP_SIZE) sum += x[c];
  float m = warp_sum(sum) / (float)C;
  float sq = 0.0f;
  for (int c = lane; c < C; c += WARP_SIZE) sq += (x[c] - m) * (x[c] - m);
  float s = 1.0f / sqrtf(warp_sum(sq) / (float)C + LAYERNORM_EPS);
  float *o = out + (size_t)row * C;
  for (int c = lane; c < C; c += WARP_SIZE) o[c] = (x[c] - m) * s * w[c] + b[c];
  if (lane == 0) mean[row] = m, rstd[row] = s;
}

void layernorm_forward_cuda(const gpt2_cuda_ctx *ctx, float *out, float *mean, float *rstd, const float *inp,
                            const float *w, const float *b, int N, int C) {
  if (N <= 0) return;
  unsigned blocks = (unsigned)((N + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK);
  layernorm_forward_kernel<<<blocks, ROWS_PER_BLOCK * WARP_SIZE, 0, ctx->stream>>>(out, mean, rstd, inp, w, b, N,
                                                                                   C);
  CC_CHECK_CUDA(cudaGetLastError());
}

// dx += rstd (g - mean(g) - xhat mean(g xhat)) with g = dy w, xhat = (x - mean) rstd.
static __global__ void layernorm_backward_input_kernel(float *dinp, const float *dout, const float *inp,
                                                       const float *w, const float *mean, const float *rstd,
                                                       int N, int C) {
  int row = blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / WARP_SIZE, lane = threadIdx.x % WARP_SIZE;
  if (row >= N) return;
  const float *x = inp + (size_t)row * C, *dy = dout + (size_t)row * C;
  float m = mean[row], s = rstd[row];
  float g_sum = 0.0f, gx_sum = 0.0f;
  for (int c = lane; c < C; c += WARP_SIZE) {
    float xhat = (x[c] - m) * s, g = dy[c] * w[c];
    g_sum += g;
    gx_sum += g * xhat;
  }
  float g_mean = warp_sum(g_sum) / (float)C, gx_mean = warp_sum(gx_sum) / (float)C;
  float *dx = dinp + (size_t)row * C;
  for (int c = lane; c < C; c += WARP_SIZE) {
    float xhat = (x[c] - m) * s;
    dx[c] += s * (dy[c] * w[c] - g_mean - xhat * gx_mean);
  }
}

// dw[c] += sum_n dy[n,c] xhat[n,c], db[c] += sum_n dy[n,c]: one block per 32 channels, thread (x, y)
// adds rows y, y + 32, ... in order, then thread (x, 0) adds the 32 lanes in order.
static __global__ void layernorm_backward_params_kernel(float *dw, float *db, const float *dout, const float *inp,
                                                        const float *mean, const float *rstd, int N, int C) {
  __shared__ float part_w[TILE][TILE + 1], part_b[TILE][TILE + 1];
  int c = blockIdx.x * TILE + threadIdx.x;
  float sw = 0.0f, sb = 0.0f;
  if (c < C)
    for (int n = threadIdx.y; n < N; n += TILE) {
      size_t i = (size_t)n * C + c;
      float xhat = (inp[i] - mean[n]) * rstd[n];
      sw += dout[i] * xhat;
      sb += dout[i];
    }
  part_w[threadIdx.y][threadIdx.x] = sw;
  part_b[threadIdx.y][threadIdx.x] = sb;
  __syncthreads();
  if (threadIdx.y == 0 && c < C) {
    float tw = 0.0f, tb = 0.0f;
    for (int lane = 0; lane < TILE; lane++) tw += part_w[lane][threadIdx.x], tb += part_b[lane][threadIdx.x];
    dw[c] += tw;
    db[c] += tb;
  }
}

void layernorm_backward_cuda(const gpt2_cuda_ctx *ctx, float *dinp, float *dw, float *db, const float *dout,
                             const float *inp, const float *w, const float *mean, const float *rstd, int N,
                             int C) {
  if (N <= 0) return;
  unsigned blocks = (unsigned)((N + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK);
  layernorm_backward_input_kernel<<<blocks, ROWS_PER_BLOCK * WARP_SIZE, 0, ctx->stream>>>(dinp, dout, inp, w, mean,
                                                                                          rstd, N, C);
  CC_CHECK_CUDA(cudaGetLastError());
  dim3 block(TILE, TILE);
  layernorm_backward_params_kernel<<<(C + TILE - 1) / TILE, block, 0, ctx->stream>>>(dw, db, dout, inp, mean, rstd,
                                                                                    N, C);
  CC_CHECK_CUDA(cudaGetLastError());
}
