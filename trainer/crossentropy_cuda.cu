// Softmax and cross-entropy over the V real tokens of the padded logits (layers_cuda.h).
//
// The forward keeps per row only the max and 1 / sum of exp(logit - max) (one block per row, fixed
// block trees for both); the backward recomputes each probability from them while it writes the logit
// gradient, so the (N, V) probabilities are never stored. The padded columns V..Vp-1 are never read and
// get an exact zero gradient, so the padded rows of wte get none through the tied head.
#include "kernels/common_cuda.h"

#include "kernels/cuda_device.h"
#include "trainer/layers_cuda.h"

#include "trainer/warp_reduce_cuda.h"

static const unsigned THREADS = 256;
static const unsigned ROW_THREADS = 512;

static __global__ void crossentropy_forward_kernel(float *losses, float *row_max, float *row_inv_sum,
                                                   const float *logits, const int *targets, int V, int Vp) {
  size_t n = blockIdx.x;
  const float *l = logits + n * Vp;
  float max = -INFINITY;
  for (int v = threadIdx.x; v < V; v += blockDim.x) max = fmaxf(max, l[v]);
  max = block_max(max);
  float sum = 0.0f;
  for (int v = threadIdx.x; v < V; v += blockDim.x) sum += expf(l[v] - max);
  sum = block_sum(sum);
  if (threadIdx.x == 0) {
    row_max[n] = max;
    row_inv_sum[n] = 1.0f / sum;
    // log(sum) - (logit - max) stays finite and accurate where the target's probability underflows.
    if (targets) losses[n] = logf(sum) - (l[targets[n]] - max);
  }
}

void crossentropy_forward_cuda(const gpt2_cuda_ctx *ctx, float *losses, float *row_max, float *row_inv_sum,
                               const float *logits, const int *targets, int N, int V, int Vp) {
  if (N <= 0) return;
  crossentropy_forward_kernel<<<(unsigned)N, ROW_THREADS, 0, ctx->stream>>>(losses, row_max, row_inv_sum, logits,
                                                                           targets, V, Vp);
  CC_CHECK_CUDA(cudaGetLastError());
}

// dlogits = (p - onehot(target)) / N as the CPU computes it: p = exp(logit - max) inv, then p / N.
static __global__ void crossentropy_backward_kernel(float *dlogits, const float *logits, const float *row_max,
                                                    const float *row_inv_sum, const int *targets, int V, int Vp,
                                                    size_t total, float inv_n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x) {
    size_t n = i / (size_t)Vp;
    int v = (int)(i % (size_t)Vp);
    float d = 0.0f;
    if (v < V) {
      float p = expf(logits[i] - row_max[n]) * row_inv_sum[n];
      d = p * inv_n;
      if (v == targets[n]) d -= inv_n;
    }
    dlogits[i] = d;
  }
}

void crossentropy_backward_cuda(const gpt2_cuda_ctx *ctx, float *dlogits, const float *logits,
                                const float *row_max, const float *row_inv_sum, const int *targets, int N,
                                int V, int Vp) {
  size_t total = (size_t)N * Vp;
  if (total == 0) return;
  float inv_n = (float)(1.0 / (double)N);  // as the CPU model
  crossentropy_backward_kernel<<<cc_cuda_grid_blocks(total, THREADS, 8), THREADS, 0, ctx->stream>>>(
      dlogits, logits, row_max, row_inv_sum, targets, V, Vp, total, inv_n);
  CC_CHECK_CUDA(cudaGetLastError());
}

static __global__ void crossentropy_probs_kernel(float *probs, const float *logits, const float *row_max,
                                                 const float *row_inv_sum, int V, int Vp, size_t total) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x) {
    size_t n = i / (size_t)V, v = i % (size_t)V;
    probs[i] = expf(logits[n * Vp + v] - row_max[n]) * row_inv_sum[n];
  }
}

void crossentropy_probs_cuda(const gpt2_cuda_ctx *ctx, float *probs, const float *logits, const float *row_max,
                             const float *row_inv_sum, int N, int V, int Vp) {
  size_t total = (size_t)N * V;
  if (total == 0) return;
  crossentropy_probs_kernel<<<cc_cuda_grid_blocks(total, THREADS, 8), THREADS, 0, ctx->stream>>>(
      probs, logits, row_max, row_inv_sum, V, Vp, total);
  CC_CHECK_CUDA(cudaGetLastError());
}
