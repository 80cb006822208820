// Causal multi-head self-attention, forward and backward (layers_cuda.h).
//
// The products run as cuBLAS strided-batched matmuls over the B NH heads, which needs each head's
// q, k, v as one contiguous T x hs matrix: a permute kernel copies them out of qkv (B, T, 3C) into
// (B, NH, T, hs) arrays first, and the heads' outputs are copied back into (B, T, C) after. Row-major
// T x hs per head is, read column-major (see matmul_cuda.cu), hs x T with leading dimension hs; the
// T x T score matrices are T x T with leading dimension T. Per head, with P the probabilities:
//   scores  S^T = K Q^T scale    gemm(T, N, T, T, hs), A = k, B = q, alpha = 1/sqrt(hs)
//   output  Y^T = V^T P^T        gemm(N, N, hs, T, T), A = v, B = att
//   dP^T    = V dY^T             gemm(T, N, T, T, hs), A = v, B = dy
//   dV^T    = dY^T P             gemm(N, T, hs, T, T), A = dy, B = att
//   dQ^T    = K^T dS^T           gemm(N, N, hs, T, T), A = k, B = dscore
//   dK^T    = Q^T dS             gemm(N, T, hs, T, T), A = q, B = dscore
// The full T x T products are computed (the masked half is wasted work, not wrong: the softmax writes
// exact zeros above the diagonal and its backward zeroes those gradients, so the products that read
// them add exact zeros). The softmax and its backward are one warp per row.
#include <cublas_v2.h>

#include "kernels/common_cuda.h"

#include "kernels/cuda_device.h"
#include "trainer/layers_cuda.h"

#include "trainer/warp_reduce_cuda.h"

static const unsigned THREADS = 256;
static const int ROWS_PER_BLOCK = 8;

size_t attention_scratch_elems(int B, int T, int C, int NH) {
  return 4 * (size_t)B * T * C + (size_t)B * NH * T * T;
}

attention_scratch attention_scratch_at(float *base, int B, int T, int C, int NH) {
  size_t nc = (size_t)B * T * C;
  attention_scratch s;
  s.q = base;
  s.k = base + nc;
  s.v = base + 2 * nc;
  s.y = base + 3 * nc;
  s.datt = base + 4 * nc;
  return s;
}

// Element i of a (B, NH, T, hs) array sits at channel h hs + d of row b T + t in the (B, T, ·) layout;
// returns that row and channel.
static __device__ __forceinline__ void head_coords(size_t i, int T, int NH, int hs, size_t *row, size_t *channel) {
  size_t d = i % (size_t)hs, t = (i / hs) % (size_t)T, h = (i / ((size_t)hs * T)) % (size_t)NH;
  size_t b = i / ((size_t)hs * T * NH);
  *row = b * T + t;
  *channel = h * hs + d;
}

// q, k, v (B, NH, T, hs) <- qkv (B, T, 3C)
static __global__ void split_heads_kernel(float *q, float *k, float *v, const float *qkv, int T, int C, int NH,
                                          size_t n) {
  int hs = C / NH;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    size_t row, ch;
    head_coords(i, T, NH, hs, &row, &ch);
    const float *src = qkv + row * 3 * C + ch;
    q[i] = src[0];
    k[i] = src[C];
    v[i] = src[2 * (size_t)C];
  }
}

// dqkv (B, T, 3C) <- dq, dk, dv (B, NH, T, hs): every element of dqkv is written (overwrite).
static __global__ void merge_head_grads_kernel(float *dqkv, const float *dq, const float *dk, const float *dv, int T,
                                               int C, int NH, size_t n) {
  int hs = C / NH;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    size_t row, ch;
    head_coords(i, T, NH, hs, &row, &ch);
    float *dst = dqkv + row * 3 * C + ch;
    dst[0] = dq[i];
    dst[C] = dk[i];
    dst[2 * (size_t)C] = dv[i];
  }
}

// heads (B, NH, T, hs) <- flat (B, T, C)
static __global__ void gather_heads_kernel(float *heads, const float *flat, int T, int C, int NH, size_t n) {
  int hs = C / NH;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    size_t row, ch;
    head_coords(i, T, NH, hs, &row, &ch);
    heads[i] = flat[row * C + ch];
  }
}

// flat (B, T, C) <- heads (B, NH, T, hs)
static __global__ void scatter_heads_kernel(float *flat, const float *heads, int T, int C, int NH, size_t n) {
  int hs = C / NH;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    size_t row, ch;
    head_coords(i, T, NH, hs, &row, &ch);
    flat[row * C + ch] = heads[i];
  }
}

// In place over each row t of T scores (already scaled): softmax over keys 0..t, exact 0 beyond.
static __global__ void causal_softmax_kernel(float *att, int T, size_t rows) {
  size_t r = (size_t)blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / WARP_SIZE;
  int lane = threadIdx.x % WARP_SIZE;
  if (r >= rows) return;
  int t = (int)(r % (size_t)T);
  float *p = att + r * T;
  float max = -INFINITY;  // subtracting the max keeps expf from overflowing
  for (int s = lane; s <= t; s += WARP_SIZE) max = fmaxf(max, p[s]);
  max = warp_max(max);
  float sum = 0.0f;
  for (int s = lane; s <= t; s += WARP_SIZE) {
    float e = expf(p[s] - max);
    p[s] = e;
    sum += e;
  }
  float inv = 1.0f / warp_sum(sum);
  for (int s = lane; s < T; s += WARP_SIZE) p[s] = s <= t ? p[s] * inv : 0.0f;
}

// In place over each row of datt: dscore[s] = p[s] (dp[s] - sum_s' p[s'] dp[s']) scale for s <= t, 0
// beyond (masked scores have no gradient).
static __global__ void causal_softmax_backward_kernel(float *datt, const float *att, int T, size_t rows,
                                                      float scale) {
  size_t r = (size_t)blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / WARP_SIZE;
  int lane = threadIdx.x % WARP_SIZE;
  if (r >= rows) return;
  int t = (int)(r % (size_t)T);
  const float *p = att + r * T;
  float *d = datt + r * T;
  float dot = 0.0f;
  for (int s = lane; s <= t; s += WARP_SIZE) dot += p[s] * d[s];
  dot = warp_sum(dot);
  for (int s = lane; s < T; s += WARP_SIZE) d[s] = s <= t ? p[s] * (d[s] - dot) * scale : 0.0f;
}

static unsigned row_blocks(size_t rows) { return (unsigned)((rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK); }

void attention_forward_cuda(const gpt2_cuda_ctx *ctx, float *out, float *att, const float *qkv,
                            const attention_scratch *s, int B, int T, int C, int NH) {
  int hs = C / NH, heads = B * NH;
  size_t n = (size_t)B * T * C, rows = (size_t)heads * T;
  long long head_stride = (long long)T * hs, att_stride = (long long)T * T;
  float scale = 1.0f / sqrtf((float)hs);
  unsigned blocks = cc_cuda_grid_blocks(n, THREADS, 8);
  split_heads_kernel<<<blocks, THREADS, 0, ctx->stream>>>(s->q, s->k, s->v, qkv, T, C, NH, n);
  CC_CHECK_CUDA(cudaGetLastError());
  gemm_cuda(ctx, true, false, T, T, hs, scale, s->k, hs, head_stride, s->q, hs, head_stride, 0.0f, att, T,
            att_stride, heads);
  causal_softmax_kernel<<<row_blocks(rows), ROWS_PER_BLOCK * WARP_SIZE, 0, ctx->stream>>>(att, T, rows);
  CC_CHECK_CUDA(cudaGetLastError());
  gemm_cuda(ctx, false, false, hs, T, T, 1.0f, s->v, hs, head_stride, att, T, att_stride, 0.0f, s->y, hs,
            head_stride, heads);
  scatter_heads_kernel<<<blocks, THREADS, 0, ctx->stream>>>(out, s->y, T, C, NH, n);
  CC_CHECK_CUDA(cudaGetLastError());
}

// Scratch reuse, in order: y holds dY, then dQ; v holds dV once dP is computed (V is no longer
// needed); k holds dK once dQ is computed.
void attention_backward_cuda(const gpt2_cuda_ctx *ctx, float *dqkv, const float *dout, const float *qkv,
                             const float *att, const attention_scratch *s, int B, int T, int C, int NH) {
  int hs = C / NH, heads = B * NH;
  size_t n = (size_t)B * T * C, rows = (size_t)heads * T;
  long long head_stride = (long long)T * hs, att_stride = (long long)T * T;
  float scale = 1.0f / sqrtf((float)hs);
  unsigned blocks = cc_cuda_grid_blocks(n, THREADS, 8);
  split_heads_kernel<<<blocks, THREADS, 0, ctx->stream>>>(s->q, s->k, s->v, qkv, T, C, NH, n);
  CC_CHECK_CUDA(cudaGetLastError());
  gather_heads_kernel<<<blocks, THREADS, 0, ctx->stream>>>(s->y, dout, T, C, NH, n);
  CC_CHECK_CUDA(cudaGetLastError());
  float *dy = s->y, *dv = s->v, *dq = s->y, *dk = s->k;
  gemm_cuda(ctx, true, false, T, T, hs, 1.0f, s->v, hs, head_stride, dy, hs, head_stride, 0.0f, s->datt, T,
            att_stride, heads);
  gemm_cuda(ctx, false, true, hs, T, T, 1.0f, dy, hs, head_stride, att, T, att_stride, 0.0f, dv, hs, head_stride,
            heads);
  causal_softmax_backward_kernel<<<row_blocks(rows), ROWS_PER_BLOCK * WARP_SIZE, 0, ctx->stream>>>(s->datt, att, T,
                                                                                                  rows, scale);
  CC_CHECK_CUDA(cudaGetLastError());
  gemm_cuda(ctx, false, false, hs, T, T, 1.0f, s->k, hs, head_stride, s->datt, T, att_stride, 0.0f, dq, hs,
            head_stride, heads);
  gemm_cuda(ctx, false, true, hs, T, T, 1.0f, s->q, hs, head_stride, s->datt, T, att_stride, 0.0f, dk, hs,
            head_stride, heads);
  merge_head_grads_kernel<<<blocks, THREADS, 0, ctx->stream>>>(dqkv, dq, dk, dv, T, C, NH, n);
  CC_CHECK_CUDA(cudaGetLastError());
}
