// Token and position embedding, forward and backward (layers_cuda.h).
//
// The backward adds each position's gradient to its token's row of dwte. Several positions may hold
// the same token, so adding them in parallel would need atomics, and float atomics add in whatever
// order the threads arrive: different bits every run. Instead the host groups the batch's positions by
// token (a counting sort, O(N + V), while the tokens are on the host anyway) and one block per distinct
// token adds that token's positions in increasing order, one thread per channel: the CPU loop's order
// exactly. dwpe needs no grouping: position t's rows are b T + t for every b.
#include "kernels/common_cuda.h"

#include <stdlib.h>
#include <string.h>

#include "kernels/cuda_device.h"
#include "trainer/layers_cuda.h"

static const unsigned THREADS = 256;

static __global__ void encoder_forward_kernel(float *out, const int *tokens, const float *wte, const float *wpe,
                                              int T, int C, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    size_t row = i / (size_t)C, c = i % (size_t)C;
    size_t t = row % (size_t)T;
    out[i] = wte[(size_t)tokens[row] * C + c] + wpe[t * C + c];
  }
}

void encoder_forward_cuda(const gpt2_cuda_ctx *ctx, float *out, const int *tokens, const float *wte,
                          const float *wpe, int B, int T, int C) {
  size_t n = (size_t)B * T * C;
  if (n == 0) return;
  encoder_forward_kernel<<<cc_cuda_grid_blocks(n, THREADS, 8), THREADS, 0, ctx->stream>>>(out, tokens, wte, wpe, T,
                                                                                        C, n);
  CC_CHECK_CUDA(cudaGetLastError());
}

// One block per distinct token (grid-stride), threads over channels.
static __global__ void wte_backward_kernel(float *dwte, const float *dout, const int *token, const int *start,
                                           const int *position, int distinct, int C) {
  for (int i = blockIdx.x; i < distinct; i += gridDim.x) {
    float *row = dwte + (size_t)token[i] * C;
    for (int c = threadIdx.x; c < C; c += blockDim.x) {
      float acc = row[c];
      for (int p = start[i]; p < start[i + 1]; p++) acc += dout[(size_t)position[p] * C + c];
      row[c] = acc;
    }
  }
}

// One thread per (t, c): the B rows of position t, in b order.
static __global__ void wpe_backward_kernel(float *dwpe, const float *dout, int B, int T, int C) {
  size_t n = (size_t)T * C;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    float acc = dwpe[i];
    for (int b = 0; b < B; b++) acc += dout[(size_t)b * n + i];  // row b T + t, channel c = i within it
    dwpe[i] = acc;
  }
}

void encoder_backward_cuda(const gpt2_cuda_ctx *ctx, float *dwte, float *dwpe, const float *dout,
                           const token_positions *pos, int B, int T, int C) {
  if (pos->distinct > 0) {
    unsigned blocks = pos->distinct < 65535 ? (unsigned)pos->distinct : 65535u;
    wte_backward_kernel<<<blocks, THREADS, 0, ctx->stream>>>(dwte, dout, pos->token, pos->start, pos->position,
                                                            pos->distinct, C);
    CC_CHECK_CUDA(cudaGetLastError());
  }
  size_t n = (size_t)T * C;
  wpe_backward_kernel<<<cc_cuda_grid_blocks(n, THREADS, 8), THREADS, 0, ctx->stream>>>(dwpe, dout, B, T, C);
  CC_CHECK_CUDA(cudaGetLastError());
}

// ---- the host side of the grouping

void token_positions_alloc(token_positions *p, int N, int V) {
  p->distinct = 0;
  p->token = (int *)cc_malloc(((size_t)(N < V ? N : V) + 1) * sizeof(int));
  p->start = (int *)cc_malloc(((size_t)(N < V ? N : V) + 2) * sizeof(int));
  p->position = (int *)cc_malloc(((size_t)N + 1) * sizeof(int));
}

void token_positions_free(token_positions *p) {
  free(p->token);
  free(p->start);
  free(p->position);
  memset(p, 0, sizeof *p);
}

// Counting sort by token, stable: positions of one token stay in increasing order. The V-int count
// table (200 KB for GPT-2) is allocated per call, once per step.
void token_positions_build(token_positions *p, const int *tokens, int N, int V) {
  int *count = (int *)cc_calloc((size_t)V, sizeof(int));
  for (int n = 0; n < N; n++) count[tokens[n]]++;
  int distinct = 0, at = 0;
  for (int v = 0; v < V; v++) {
    if (count[v] == 0) continue;
    p->token[distinct] = v;
    p->start[distinct] = at;
    at += count[v];
    count[v] = p->start[distinct];  // from here on: the next free slot of token v
    distinct++;
  }
  p->start[distinct] = at;
  p->distinct = distinct;
  for (int n = 0; n < N; n++) p->position[count[tokens[n]]++] = n;
  free(count);
}
