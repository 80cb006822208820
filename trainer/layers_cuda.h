// The GPT-2 layers on the GPU, forward and backward: the device twins of trainer/gpt2_layers.h's
// layer functions, which trainer/gpt2_cuda.cu strings into the model and the GPU tests check one by
// one against the CPU ones.
//
// Shapes and layouts are the CPU's: B batch, T time, C channels, NH heads of hs = C / NH, N = B T rows,
// V real tokens, Vp padded; matrices row-major, weights (out, in), y = x W^T + b. Pointers are device
// memory, token arrays included. Every call is asynchronous on ctx->stream and checks its launches.
//
// Determinism: no kernel adds floats with atomics. Sums over rows (bias, LayerNorm weight and
// embedding gradients) run in a fixed order, one thread per column; sums within a row run in a fixed
// warp or block tree. With cuBLAS reproducible on one stream, a model step is the same bits every run.
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "trainer/gpt2_cuda.h"  // C linkage inside

#ifdef __cplusplus
extern "C" {
#endif

// What every layer call needs: the stream, the cuBLAS handle bound to it, the matmul mode, and for
// bf16 two scratch buffers that hold a matmul's operands cast to bf16.
typedef struct {
  cudaStream_t stream;
  cublasHandle_t blas;
  gpt2_math math;
  void *bf16_a, *bf16_b;  // device, bf16_capacity elements each (bf16 mode only)
  size_t bf16_capacity;
} gpt2_cuda_ctx;

// Creates the cuBLAS handle on `stream` with the math mode's settings; for bf16 allocates scratch for
// operands of up to bf16_capacity elements (the largest matrix a matmul reads).
void gpt2_cuda_ctx_init(gpt2_cuda_ctx *ctx, cudaStream_t stream, gpt2_math math, size_t bf16_capacity);
void gpt2_cuda_ctx_free(gpt2_cuda_ctx *ctx);

// cuBLAS's column-major product C = alpha op(A) op(B) + beta C over `batch` matrices at the given
// element strides (op = transpose when ta/tb), in the context's math mode. All layers' products come
// here, so the mode is decided in one place.
void gemm_cuda(const gpt2_cuda_ctx *ctx, bool ta, bool tb, int m, int n, int k, float alpha, const float *a,
               int lda, long long stride_a, const float *b, int ldb, long long stride_b, float beta, float *c,
               int ldc, long long stride_c, int batch);

// ---- matmul (matmul_cuda.cu)
// out (N, OC) = [residual +] inp (N, IC) W^T [+ bias]; residual and bias may be NULL. With a residual
// this is also the residual add: the stream after a block is residual + projection.
void matmul_forward_cuda(const gpt2_cuda_ctx *ctx, float *out, const float *inp, const float *w,
                         const float *bias, const float *residual, int N, int IC, int OC);
// dinp = dout W (overwritten), dw += dout^T inp, dbias += column sums of dout (dbias may be NULL).
void matmul_backward_cuda(const gpt2_cuda_ctx *ctx, float *dinp, float *dw, float *dbias, const float *dout,
                          const float *inp, const float *w, int N, int IC, int OC);
// acc[c] += sum over rows n of x[n, c] (x: rows x cols, row-major): the bias gradient. Row n goes to
// lane n % 32, each lane adds its rows in order, then the 32 lanes are added in order: the same bits
// every run.
void column_sum_add_cuda(const gpt2_cuda_ctx *ctx, float *acc, const float *x, int rows, int cols);

// ---- embedding (encoder_cuda.cu)
// out[b,t,:] = wte[tokens[b,t]] + wpe[t]
void encoder_forward_cuda(const gpt2_cuda_ctx *ctx, float *out, const int *tokens, const float *wte,
                          const float *wpe, int B, int T, int C);

// The positions of a batch grouped by token, for a deterministic embedding backward: token[i] occurs
// at positions position[start[i] .. start[i+1]) (b T + t, increasing). Built on the host.
typedef struct {
  int distinct;   // tokens that occur
  int *token;     // [distinct]
  int *start;     // [distinct + 1]
  int *position;  // [N]
} token_positions;
// Host arrays for up to N positions over a vocabulary of V.
void token_positions_alloc(token_positions *p, int N, int V);
void token_positions_free(token_positions *p);
void token_positions_build(token_positions *p, const int *tokens, int N, int V);

// dwte[v] += sum of dout over v's positions, in position order (pos: device copy of a
// token_positions); dwpe[t] += sum over b of dout[b,t], in b order. The same order as the CPU loop.
void encoder_backward_cuda(const gpt2_cuda_ctx *ctx, float *dwte, float *dwpe, const float *dout,
                           const token_positions *pos, int B, int T, int C);

// ---- LayerNorm (layernorm_cuda.cu)
void layernorm_forward_cuda(const gpt2_cuda_ctx *ctx, float *out, float *mean, float *rstd, const float *inp,
                            const float *w, const float *b, int N, int C);
// dinp += d LayerNorm / d inp applied to dout; dw, db += their gradients.
void layernorm_backward_cuda(const gpt2_cuda_ctx *ctx, float *dinp, float *dw, float *db, const float *dout,
                             const float *inp, const float *w, const float *mean, const float *rstd, int N,
                             int C);

// ---- GELU (gelu_cuda.cu)
void gelu_forward_cuda(const gpt2_cuda_ctx *ctx, float *out, const float *inp, size_t n);
// d = d * GELU'(inp), in place.
void gelu_backward_cuda(const gpt2_cuda_ctx *ctx, float *d, const float *inp, size_t n);

// ---- causal self-attention (attention_cuda.cu)
// Scratch of attention_forward/backward_cuda: q, k, v, y, dy: N C each in (B, NH, T, hs) order; datt:
// B NH T T.
typedef struct {
  float *q, *k, *v, *y, *datt;
} attention_scratch;
size_t attention_scratch_elems(int B, int T, int C, int NH);
// Points the scratch arrays into `base` (attention_scratch_elems floats).
attention_scratch attention_scratch_at(float *base, int B, int T, int C, int NH);

// qkv (B, T, 3C) -> out (B, T, C); att (B, NH, T, T) gets the softmax probabilities (row t exactly
// zero beyond t).
void attention_forward_cuda(const gpt2_cuda_ctx *ctx, float *out, float *att, const float *qkv,
                            const attention_scratch *s, int B, int T, int C, int NH);
// dqkv (B, T, 3C) = gradient of attention_forward's input given dout (overwritten).
void attention_backward_cuda(const gpt2_cuda_ctx *ctx, float *dqkv, const float *dout, const float *qkv,
                             const float *att, const attention_scratch *s, int B, int T, int C, int NH);

// ---- softmax and cross-entropy over the V real tokens of Vp (crossentropy_cuda.cu)
// logits (N, Vp): row_max[n] and row_inv_sum[n] (1 / sum of exp(logit - max) over v < V) for the
// backward; losses[n] = -log p[target] when targets is not NULL. Padded columns are never read.
void crossentropy_forward_cuda(const gpt2_cuda_ctx *ctx, float *losses, float *row_max, float *row_inv_sum,
                               const float *logits, const int *targets, int N, int V, int Vp);
// dlogits (N, Vp) = (softmax - onehot(target)) / N over v < V, exactly 0 in the padded columns.
void crossentropy_backward_cuda(const gpt2_cuda_ctx *ctx, float *dlogits, const float *logits,
                                const float *row_max, const float *row_inv_sum, const int *targets, int N,
                                int V, int Vp);
// probs (N, V) from the logits and the forward's row statistics (tests: the CPU model keeps these).
void crossentropy_probs_cuda(const gpt2_cuda_ctx *ctx, float *probs, const float *logits, const float *row_max,
                             const float *row_inv_sum, int N, int V, int Vp);

#ifdef __cplusplus
}
#endif
