// GPT-2 layers and the model built from them, forward and backward, written once over a type.
//
// trainer/gpt2.c includes this file twice: with REAL = float it is the trainer's model (gpt2_*),
// with REAL = double a twin (gpt2_f64_*, trainer/gpt2_check.h) that the gradient test runs in f64.
// The includer defines:
//   REAL       the element type
//   MODEL      the struct tag of the model (gpt2, gpt2_f64), also the prefix of its functions
//   FN(name)   a name private to this instantiation, for the static layer functions (name##_f32)
//   API(name)  the public name of a model function (gpt2_##name)
//   MM_DEPTH   matmul depth slice; MM_BLOCK elements of B per matmul column block; ATT_ROWS query
//              rows per attention block; HEAD_CHUNK rows of logit gradient per step of the LM
//              head's backward. Blocking only: the math is the same for any values (the f64 twin's
//              tiny ones make tiny models cross every boundary).
//   BLAS_GEMM  optional: a CBLAS gemm (cblas_sgemm) that does the matmuls instead of the
//              hand-written kernel, which is then not compiled (MM_DEPTH, MM_BLOCK unused).
// Threads: the loops run under OpenMP (the count is the caller's, cpu_threads.h). Every output is
// written by one thread and every sum runs in the same order whatever the count, so the model's own
// loops give the same bits on any number of threads (the BLAS's matmuls are its own business).
// This file undefines all of them at its end, ready for the next instantiation.
// Math functions come from <tgmath.h>, so exp(x) is expf for float; constants are cast to REAL so
// nothing in the float model is silently computed in double.
//
// Shapes: B batch, T time, C channels, NH heads of hs = C/NH channels, V real tokens, Vp padded, L
// layers, N = B*T rows. Matrices are row-major; weights are stored (out, in), y = x W^T + b.
// Only the type-independent part at the top is guarded; the rest is compiled once per inclusion.

#ifndef GPT2_LAYERS_ONCE
#define GPT2_LAYERS_ONCE
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tgmath.h>

#include <omp.h>

#include "common/error.h"
#include "common/rng.h"
#include "trainer/gpt2_config.h"

// The matmul's output tile kept in registers is MM_ROWS x MM_COLS: 4 x 8 floats are 8 SSE
// registers, which leaves room for the loads of B and the broadcasts of A in the 16 of x86-64 (gcc
// 12 -O3 turns wider or taller tiles into spills and shuffles: measure before changing).
enum { MM_ROWS = 4, MM_COLS = 8 };
// Channels per thread's share in the loops that sum over rows per channel (bias and LayerNorm
// gradients, the embedding's backward): a cache line of floats.
enum { COLUMN_BLOCK = 16 };
#endif

// -------------------------------------------------------------------------------------------------
// Matrix multiplication

// out (rows x cols, row stride ldo) = 0 or bias in every row, unless accumulating; then out +=
// bias. The matmul adds its products to that.
static void FN(matmul_start)(REAL *out, size_t ldo, const REAL *bias, int rows, int cols,
                             bool accumulate) {
  for (int r = 0; r < rows; r++) {
    REAL *o = out + (size_t)r * ldo;
    if (!accumulate) memset(o, 0, (size_t)cols * sizeof *o);
    if (bias) {
      for (int c = 0; c < cols; c++) o[c] += bias[c];
    }
  }
}

#ifndef BLAS_GEMM
// out[r][c] += sum_k apack[k][r] * bpack[k][c] for r < nr, c < nc, k < depth: one register tile.
// Both operands come packed (see matmul), so a step reads MM_ROWS values of A and MM_COLS of B from
// two contiguous streams and the tile's shape is fixed at compile time: gcc keeps the MM_ROWS x
// MM_COLS sums in registers and vectorizes the column loop. No sum is reassociated: every output
// adds its products in k order whatever the tiling, so results are bitwise reproducible.
static inline void FN(matmul_tile)(REAL *restrict out, size_t ldo, const REAL *restrict apack,
                                   const REAL *restrict bpack, int depth, int nr, int nc) {
  REAL acc[MM_ROWS][MM_COLS];
  for (int r = 0; r < MM_ROWS; r++) {
    for (int c = 0; c < MM_COLS; c++) acc[r][c] = 0;
  }
  for (int k = 0; k < depth; k++) {
    const REAL *ak = apack + (size_t)k * MM_ROWS;
    const REAL *bk = bpack + (size_t)k * MM_COLS;
    for (int r = 0; r < MM_ROWS; r++) {
      REAL ark = ak[r];
      for (int c = 0; c < MM_COLS; c++) acc[r][c] += ark * bk[c];
    }
  }
  for (int r = 0; r < nr; r++) {
    for (int c = 0; c < nc; c++) out[r * ldo + c] += acc[r][c];
  }
}

// out (rows x cols, row stride ldo) = [out +] [bias +] A (rows x depth) B (depth x cols), where
// A's element (r, k) is a[r * a_rs + k * a_ks] and B's (k, c) is b[k * b_ks + c * b_cs]: strides
// read either one as stored or transposed (y = x W^T reads W transposed, a weight gradient reads
// dout^T). pack is MATMUL_PACK_SIZE elements of scratch.
// Blocking: depth in MM_DEPTH slices, so one tile's operands stay in L1; columns in blocks of about
// MM_BLOCK elements of B, which stay in L2 while every row panel of A streams past. Each block of B
// is copied once, tile by tile, into contiguous k-major strips, and each MM_ROWS panel of A once
// per block: strided or transposed operands (power-of-two strides map rows to a few cache sets)
// become two sequential streams. Edges are packed with zeros and never stored. The slices' sums are
// added to out in k order: the result depends on MM_DEPTH, not on the row or column tiling.
static void FN(matmul)(REAL *restrict out, size_t ldo, const REAL *restrict a, size_t a_rs,
                       size_t a_ks, const REAL *restrict b, size_t b_ks, size_t b_cs,
                       const REAL *restrict bias, int rows, int cols, int depth, bool accumulate,
                       REAL *restrict pack) {
  REAL *apack = pack, *bpack = pack + MM_ROWS * MM_DEPTH;
  FN(matmul_start)(out, ldo, bias, rows, cols, accumulate);
  for (int k0 = 0; k0 < depth; k0 += MM_DEPTH) {
    int kd = depth - k0 < MM_DEPTH ? depth - k0 : MM_DEPTH;
    int block = MM_BLOCK / kd / MM_COLS * MM_COLS;
    if (block < MM_COLS) block = MM_COLS;
    for (int c1 = 0; c1 < cols; c1 += block) {
      int nb = cols - c1 < block ? cols - c1 : block;
      int tiles = (nb + MM_COLS - 1) / MM_COLS;
      for (int j = 0; j < tiles; j++) {
        REAL *strip = bpack + (size_t)j * kd * MM_COLS;
        int nc = nb - j * MM_COLS < MM_COLS ? nb - j * MM_COLS : MM_COLS;
        for (int k = 0; k < kd; k++) {
          const REAL *bk = b + (size_t)(k0 + k) * b_ks + (size_t)(c1 + j * MM_COLS) * b_cs;
          for (int c = 0; c < MM_COLS; c++) strip[k * MM_COLS + c] = c < nc ? bk[c * b_cs] : 0;
        }
      }
      for (int r0 = 0; r0 < rows; r0 += MM_ROWS) {
        int nr = rows - r0 < MM_ROWS ? rows - r0 : MM_ROWS;
        for (int k = 0; k < kd; k++) {
          const REAL *ak = a + (size_t)r0 * a_rs + (size_t)(k0 + k) * a_ks;
          for (int r = 0; r < MM_ROWS; r++) apack[k * MM_ROWS + r] = r < nr ? ak[r * a_rs] : 0;
        }
        for (int j = 0; j < tiles; j++) {
          int nc = nb - j * MM_COLS < MM_COLS ? nb - j * MM_COLS : MM_COLS;
          FN(matmul_tile)(out + (size_t)r0 * ldo + c1 + j * MM_COLS, ldo, apack,
                          bpack + (size_t)j * kd * MM_COLS, kd, nr, nc);
        }
      }
    }
  }
}

// Elements of matmul's pack scratch: a panel of A and a block of B (at least one strip).
#define MATMUL_PACK_SIZE \
  ((size_t)MM_ROWS * MM_DEPTH + (MM_BLOCK > MM_COLS * MM_DEPTH ? MM_BLOCK : MM_COLS * MM_DEPTH))

#else  // BLAS_GEMM

// The same contract as the hand-written matmul, through the BLAS (threaded by it; called inside a
// parallel loop, the OpenMP build of OpenBLAS runs single-threaded there). Every matmul of the model
// reads each operand either as stored or transposed, so one of its two strides is 1: that is the
// BLAS's leading dimension and the other says whether it transposes. pack is unused.
static void FN(matmul)(REAL *restrict out, size_t ldo, const REAL *restrict a, size_t a_rs,
                       size_t a_ks, const REAL *restrict b, size_t b_ks, size_t b_cs,
                       const REAL *restrict bias, int rows, int cols, int depth, bool accumulate,
                       REAL *restrict pack) {
  (void)pack;
  FN(matmul_start)(out, ldo, bias, rows, cols, accumulate);
  if (rows == 0 || cols == 0 || depth == 0) return;
  // A is rows x depth: as stored when a step along k is 1 (leading dimension: the row stride, which
  // only one row leaves free), else transposed (stored depth x rows).
  bool a_stored = a_ks == 1 && (a_rs >= (size_t)depth || rows == 1);
  bool b_stored = b_cs == 1 && (b_ks >= (size_t)cols || depth == 1);
  if (!a_stored && !(a_rs == 1 && (a_ks >= (size_t)rows || depth == 1)))
    CC_FATAL("matmul: operand A with strides (%zu, %zu) is neither stored nor transposed", a_rs, a_ks);
  if (!b_stored && !(b_ks == 1 && (b_cs >= (size_t)depth || cols == 1)))
    CC_FATAL("matmul: operand B with strides (%zu, %zu) is neither stored nor transposed", b_ks, b_cs);
  size_t lda = a_stored ? (rows == 1 ? (size_t)depth : a_rs) : (depth == 1 ? (size_t)rows : a_ks);
  size_t ldb = b_stored ? (depth == 1 ? (size_t)cols : b_ks) : (cols == 1 ? (size_t)depth : b_cs);
  BLAS_GEMM(CblasRowMajor, a_stored ? CblasNoTrans : CblasTrans, b_stored ? CblasNoTrans : CblasTrans,
            rows, cols, depth, (REAL)1, a, (int)lda, b, (int)ldb, (REAL)1, out, (int)ldo);
}

#define MATMUL_PACK_SIZE ((size_t)1)

#endif  // BLAS_GEMM

// out (N, OC) = [out +] inp (N, IC) W^T + bias, W stored (OC, IC).
static void FN(matmul_forward)(REAL *out, const REAL *inp, const REAL *w, const REAL *bias, int N,
                               int IC, int OC, bool accumulate, REAL *pack) {
  FN(matmul)(out, (size_t)OC, inp, (size_t)IC, 1, w, 1, (size_t)IC, bias, N, OC, IC, accumulate,
             pack);
}

// Backward of matmul_forward: dinp = dout W (overwritten), dw += dout^T inp, dbias += column sums
// of dout (dbias may be NULL).
static void FN(matmul_backward)(REAL *dinp, REAL *dw, REAL *dbias, const REAL *dout,
                                const REAL *inp, const REAL *w, int N, int IC, int OC,
                                REAL *pack) {
  FN(matmul)(dinp, (size_t)IC, dout, (size_t)OC, 1, w, (size_t)IC, 1, NULL, N, IC, OC, false, pack);
  FN(matmul)(dw, (size_t)IC, dout, 1, (size_t)OC, inp, (size_t)IC, 1, NULL, OC, IC, N, true, pack);
  if (dbias) {
    // Column sums, a block of columns per thread, rows in order.
#pragma omp parallel for schedule(static)
    for (int o0 = 0; o0 < OC; o0 += COLUMN_BLOCK) {
      int o1 = OC - o0 < COLUMN_BLOCK ? OC : o0 + COLUMN_BLOCK;
      for (int n = 0; n < N; n++) {
        const REAL *d = dout + (size_t)n * OC;
        for (int o = o0; o < o1; o++) dbias[o] += d[o];
      }
    }
  }
}

// -------------------------------------------------------------------------------------------------
// Embedding, LayerNorm, GELU

// out[b,t,:] = wte[token] + wpe[t]
static void FN(encoder_forward)(REAL *out, const int *tokens, const REAL *wte, const REAL *wpe,
                                int B, int T, int C) {
#pragma omp parallel for schedule(static)
  for (int b = 0; b < B; b++) {
    for (int t = 0; t < T; t++) {
      REAL *o = out + ((size_t)b * T + t) * C;
      const REAL *te = wte + (size_t)tokens[b * T + t] * C;
      const REAL *pe = wpe + (size_t)t * C;
      for (int c = 0; c < C; c++) o[c] = te[c] + pe[c];
    }
  }
}

// Positions share token rows, so threads split the channels, and every thread adds all positions in
// order.
static void FN(encoder_backward)(REAL *dwte, REAL *dwpe, const REAL *dout, const int *tokens, int B,
                                 int T, int C) {
#pragma omp parallel for schedule(static)
  for (int c0 = 0; c0 < C; c0 += COLUMN_BLOCK) {
    int c1 = C - c0 < COLUMN_BLOCK ? C : c0 + COLUMN_BLOCK;
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        const REAL *d = dout + ((size_t)b * T + t) * C;
        REAL *dte = dwte + (size_t)tokens[b * T + t] * C;
        REAL *dpe = dwpe + (size_t)t * C;
        for (int c = c0; c < c1; c++) {
          dte[c] += d[c];
          dpe[c] += d[c];
        }
      }
    }
  }
}

// out = (inp - mean) / sqrt(var + eps) * w + b over each row of C channels; keeps mean and 1/std of
// every row for the backward pass.
static void FN(layernorm_forward)(REAL *out, REAL *mean, REAL *rstd, const REAL *inp, const REAL *w,
                                  const REAL *b, int N, int C) {
  const REAL eps = (REAL)1e-5;
#pragma omp parallel for schedule(static)
  for (int n = 0; n < N; n++) {
    const REAL *x = inp + (size_t)n * C;
    REAL sum = 0;
    for (int c = 0; c < C; c++) sum += x[c];
    REAL m = sum / (REAL)C;
    // Variance from the centered values (two passes): no cancellation when |mean| >> std.
    REAL sq = 0;
    for (int c = 0; c < C; c++) sq += (x[c] - m) * (x[c] - m);
    REAL s = 1 / sqrt(sq / (REAL)C + eps);
    REAL *o = out + (size_t)n * C;
    for (int c = 0; c < C; c++) o[c] = (x[c] - m) * s * w[c] + b[c];
    mean[n] = m;
    rstd[n] = s;
  }
}

// dinp += d LayerNorm / d inp applied to dout; dw, db += their gradients. With xhat = (x - mean)
// rstd and g = dout * w: dx = rstd (g - mean(g) - xhat mean(g xhat)), the two means coming from the
// dependence of mean and rstd on every x of the row.
static void FN(layernorm_backward)(REAL *dinp, REAL *dw, REAL *db, const REAL *dout,
                                   const REAL *inp, const REAL *w, const REAL *mean,
                                   const REAL *rstd, int N, int C) {
  // The input's gradient row by row...
#pragma omp parallel for schedule(static)
  for (int n = 0; n < N; n++) {
    const REAL *x = inp + (size_t)n * C;
    const REAL *dy = dout + (size_t)n * C;
    REAL m = mean[n], s = rstd[n];
    REAL g_sum = 0, gx_sum = 0;
    for (int c = 0; c < C; c++) {
      REAL xhat = (x[c] - m) * s;
      REAL g = dy[c] * w[c];
      g_sum += g;
      gx_sum += g * xhat;
    }
    REAL g_mean = g_sum / (REAL)C, gx_mean = gx_sum / (REAL)C;
    REAL *dx = dinp + (size_t)n * C;
    for (int c = 0; c < C; c++) {
      REAL xhat = (x[c] - m) * s;
      dx[c] += s * (dy[c] * w[c] - g_mean - xhat * gx_mean);
    }
  }
  // ...and the weight and bias gradients, sums over the rows: a block of channels per thread.
#pragma omp parallel for schedule(static)
  for (int c0 = 0; c0 < C; c0 += COLUMN_BLOCK) {
    int c1 = C - c0 < COLUMN_BLOCK ? C : c0 + COLUMN_BLOCK;
    for (int n = 0; n < N; n++) {
      const REAL *x = inp + (size_t)n * C;
      const REAL *dy = dout + (size_t)n * C;
      REAL m = mean[n], s = rstd[n];
      for (int c = c0; c < c1; c++) {
        db[c] += dy[c];
        dw[c] += dy[c] * ((x[c] - m) * s);
      }
    }
  }
}

// GELU, tanh approximation: 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3). Computed as x *
// sigmoid(2u), the same function (0.5 (1 + tanh u) = 1 / (1 + exp(-2u))) at the cost of one exp
// instead of a tanh, which is several times slower in glibc and was a sixth of the step.
#define GELU_SCALE ((REAL)0.7978845608028654)  // sqrt(2 / pi)
#define GELU_CUBIC ((REAL)0.044715)

static void FN(gelu_forward)(REAL *out, const REAL *inp, size_t n) {
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; i++) {
    REAL x = inp[i];
    REAL u = GELU_SCALE * (x + GELU_CUBIC * x * x * x);
    out[i] = x / (1 + exp(-2 * u));  // exp overflowing to inf for very negative x gives -0: right
  }
}

// d = d * GELU'(inp), in place, given out = GELU(inp) from the forward pass. With s = sigmoid(2u):
// GELU = x s and GELU' = s + 2 x s (1 - s) du/dx. s is out / x (x = 0: s = 1/2), not a second exp:
// the exps of GELU were a fifth of a nanoGPT-sized step, and a division vectorizes where exp does
// not. The quotient is within an ulp or two of s.
static void FN(gelu_backward)(REAL *d, const REAL *inp, const REAL *out, size_t n) {
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; i++) {
    REAL x = inp[i];
    REAL s = x != 0 ? out[i] / x : (REAL)0.5;
    REAL du_dx = GELU_SCALE * (1 + 3 * GELU_CUBIC * x * x);
    d[i] *= s + 2 * x * s * (1 - s) * du_dx;
  }
}

// -------------------------------------------------------------------------------------------------
// Causal self-attention

// qkv (B, T, 3C) holds q, k, v of every position, head h in channels [h*hs, (h+1)*hs) of each
// third. att (B, NH, T, T) receives the softmax probabilities (row t exactly zero beyond t), out
// (B, T, C) the heads' outputs side by side.
// The products run through matmul ATT_ROWS query rows at a time: rows t0..t1 only see keys before
// t1, so each block multiplies up to the diagonal and the masked upper triangle costs at most one
// block's width per row instead of doubling the work.
// Heads run in parallel, up to `threads` at once; pack holds MATMUL_PACK_SIZE elements per thread.
static void FN(attention_forward)(REAL *out, REAL *att, const REAL *qkv, int B, int T, int C,
                                  int NH, REAL *pack, int threads) {
  int hs = C / NH;
  size_t C3 = 3 * (size_t)C;
  REAL scale = 1 / sqrt((REAL)hs);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int bh = 0; bh < B * NH; bh++) {
    int b = bh / NH, h = bh % NH;
    REAL *my_pack = pack + (size_t)omp_get_thread_num() * MATMUL_PACK_SIZE;
    const REAL *q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
    const REAL *k = q + C, *v = q + 2 * (size_t)C;
    REAL *p = att + ((size_t)b * NH + h) * T * T;
    REAL *y = out + (size_t)b * T * C + (size_t)h * hs;
    for (int t0 = 0; t0 < T; t0 += ATT_ROWS) {
      int t1 = T - t0 < ATT_ROWS ? T : t0 + ATT_ROWS;
      // Scores q_t . k_s of rows t0..t1 against keys 0..t1 (K read transposed).
      REAL *pt0 = p + (size_t)t0 * T;
      FN(matmul)(pt0, (size_t)T, q + t0 * C3, C3, 1, k, 1, C3, NULL, t1 - t0, t1, hs, false,
                 my_pack);
      for (int t = t0; t < t1; t++) {
        REAL *pt = p + (size_t)t * T;
        // Softmax over keys 0..t; subtracting the max keeps exp from overflowing.
        REAL max = -INFINITY;
        for (int s = 0; s <= t; s++) {
          pt[s] *= scale;
          if (pt[s] > max) max = pt[s];
        }
        REAL sum = 0;
        for (int s = 0; s <= t; s++) {
          pt[s] = exp(pt[s] - max);
          sum += pt[s];
        }
        REAL inv = 1 / sum;
        for (int s = 0; s <= t; s++) pt[s] *= inv;
        for (int s = t + 1; s < T; s++) pt[s] = 0;  // masked: later keys
      }
      // y_t = sum_s p[t][s] v_s over s < t1.
      FN(matmul)(y + t0 * (size_t)C, (size_t)C, pt0, (size_t)T, 1, v, C3, 1, NULL, t1 - t0, hs,
                 t1, false, my_pack);
    }
  }
}

// dqkv (B, T, 3C) = gradient of attention_forward's inputs given dout (overwritten). Heads in
// parallel as in the forward; each thread has T x T elements of dscore (the gradient of one head's
// scores) and MATMUL_PACK_SIZE of pack.
static void FN(attention_backward)(REAL *dqkv, const REAL *dout, const REAL *qkv, const REAL *att,
                                   int B, int T, int C, int NH, REAL *dscores, REAL *pack,
                                   int threads) {
  int hs = C / NH;
  size_t C3 = 3 * (size_t)C;
  REAL scale = 1 / sqrt((REAL)hs);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int bh = 0; bh < B * NH; bh++) {
    int b = bh / NH, h = bh % NH;
    int me = omp_get_thread_num();
    REAL *dscore = dscores + (size_t)me * T * T, *my_pack = pack + (size_t)me * MATMUL_PACK_SIZE;
    size_t head = (size_t)b * T * C3 + (size_t)h * hs;
    const REAL *q = qkv + head, *k = q + C, *v = q + 2 * (size_t)C;
    REAL *dq = dqkv + head, *dk = dq + C, *dv = dq + 2 * (size_t)C;
    const REAL *p = att + ((size_t)b * NH + h) * T * T;
    const REAL *dy = dout + (size_t)b * T * C + (size_t)h * hs;
    // Query side, by blocks of rows: dp = dy V^T, then through the softmax and the 1/sqrt(hs),
    // dscore[t][s] = p (dp - sum_s' p dp) scale, then dq = dscore K.
    for (int t0 = 0; t0 < T; t0 += ATT_ROWS) {
      int t1 = T - t0 < ATT_ROWS ? T : t0 + ATT_ROWS;
      REAL *d0 = dscore + (size_t)t0 * T;
      FN(matmul)(d0, (size_t)T, dy + t0 * (size_t)C, (size_t)C, 1, v, 1, C3, NULL, t1 - t0, t1,
                 hs, false, my_pack);
      for (int t = t0; t < t1; t++) {
        const REAL *pt = p + (size_t)t * T;
        REAL *dt = dscore + (size_t)t * T;
        REAL dot = 0;
        for (int s = 0; s <= t; s++) dot += pt[s] * dt[s];
        for (int s = 0; s <= t; s++) dt[s] = pt[s] * (dt[s] - dot) * scale;
        // Masked scores have no gradient. Key blocks below start where query blocks do, so they
        // read row t's masked part only up to t1.
        for (int s = t + 1; s < t1; s++) dt[s] = 0;
      }
      FN(matmul)(dq + t0 * C3, C3, d0, (size_t)T, 1, k, C3, 1, NULL, t1 - t0, hs, t1, false,
                 my_pack);
    }
    // Key and value side, by blocks of keys s0..s1, which only queries t >= s0 see:
    // dk = dscore^T Q and dv = p^T dy over those rows.
    for (int s0 = 0; s0 < T; s0 += ATT_ROWS) {
      int s1 = T - s0 < ATT_ROWS ? T : s0 + ATT_ROWS;
      size_t corner = (size_t)s0 * T + s0;
      FN(matmul)(dk + s0 * C3, C3, dscore + corner, 1, (size_t)T, q + s0 * C3, C3, 1, NULL,
                 s1 - s0, hs, T - s0, false, my_pack);
      FN(matmul)(dv + s0 * C3, C3, p + corner, 1, (size_t)T, dy + s0 * (size_t)C, (size_t)C, 1,
                 NULL, s1 - s0, hs, T - s0, false, my_pack);
    }
  }
}

// -------------------------------------------------------------------------------------------------
// Softmax and cross-entropy over the real vocabulary

// logits (N, V) -> probs (N, V) in place; losses[n] = -log p[target] when targets is not NULL. Only
// the V real tokens take part: the padded rows of wte are never scored, so they can neither take
// probability mass nor receive gradient.
static void FN(crossentropy_forward)(REAL *probs, REAL *losses, const int *targets, int N, int V) {
#pragma omp parallel for schedule(static)
  for (int n = 0; n < N; n++) {
    REAL *p = probs + (size_t)n * V;
    // Subtracting the max keeps exp in range; the loss as log(sum) - (logit - max) stays finite and
    // accurate even where the target's probability underflows to 0.
    REAL max = -INFINITY;
    for (int v = 0; v < V; v++) {
      if (p[v] > max) max = p[v];
    }
    REAL target_logit = targets ? p[targets[n]] - max : 0;
    REAL sum = 0;
    for (int v = 0; v < V; v++) {
      p[v] = exp(p[v] - max);
      sum += p[v];
    }
    REAL inv = 1 / sum;
    for (int v = 0; v < V; v++) p[v] *= inv;
    if (targets) losses[n] = log(sum) - target_logit;
  }
}

// -------------------------------------------------------------------------------------------------
// The model

struct MODEL {
  gpt2_config config;
  int max_B, max_T;
  size_t num_params;
  REAL *params, *grads;
  REAL *tensor[GPT2_NUM_PARAM_TENSORS];  // views into params, gpt2_config.h order
  REAL *grad[GPT2_NUM_PARAM_TENSORS];    // views into grads
  // Activations of the last forward (sized for max_B x max_T, laid out for its B, T).
  REAL *encoded;                    // (B, T, C) embeddings: the residual stream entering layer 0
  REAL *ln1, *ln1_mean, *ln1_rstd;  // (L, B, T, C), (L, B, T), (L, B, T)
  REAL *qkv;                        // (L, B, T, 3C)
  REAL *att;                        // (L, B, NH, T, T) attention probabilities
  REAL *atty;                       // (L, B, T, C) attention output before the projection
  REAL *residual2;                  // (L, B, T, C) stream after the attention block
  REAL *ln2, *ln2_mean, *ln2_rstd;  // as ln1
  REAL *fch, *fch_gelu;             // (L, B, T, 4C) MLP hidden before and after GELU
  REAL *residual3;                  // (L, B, T, C) stream after the MLP block: the layer output
  REAL *lnf, *lnf_mean, *lnf_rstd;  // (B, T, C), (B, T), (B, T)
  REAL *probs;                      // (B, T, V) next-token probabilities
  REAL *losses;                     // (B, T)
  int *inputs, *targets;            // (B, T) copies
  // Scratch, reused by every layer.
  int threads;      // threads the per-thread scratch is sized for (attention runs on at most these)
  REAL *pack;       // matmul's packed operands, MATMUL_PACK_SIZE per thread
  REAL *dscore;     // maxT x maxT per thread: gradient of one head's attention scores
  REAL *dresidual;  // (B, T, C) gradient flowing down the residual stream
  REAL *dln;        // (B, T, C) gradient of a LayerNorm output
  REAL *datty;      // (B, T, C)
  REAL *dqkv;       // (B, T, 3C)
  REAL *dfch;       // (B, T, 4C)
  REAL *dlogits;    // HEAD_CHUNK x V
  int B, T;         // of the last forward
  bool have_loss;   // the last forward had targets: backward may run
  void (*stage_done)(void *ctx, int stage);  // gpt2_backward_hook's
  void *stage_ctx;
};

MODEL *API(create)(const gpt2_config *c, int B, int T) {
  const char *error = gpt2_config_error(c);
  if (error) CC_FATAL("gpt2_create: bad config: %s", error);
  if (B < 1 || T < 1 || T > c->max_seq_len || (long long)B * T > INT_MAX) {
    CC_FATAL("gpt2_create: batch %d x %d needs B >= 1, 1 <= T <= max_seq_len %d, B*T in an int", B,
             T, c->max_seq_len);
  }
  double elements = gpt2_activation_elements(c, B, T);
  if (elements * sizeof(REAL) > 1e15) {
    CC_FATAL("gpt2_create: batch %d x %d needs %.3g bytes of activations", B, T,
             elements * sizeof(REAL));
  }
  MODEL *m = cc_calloc(1, sizeof *m);
  m->config = *c;
  m->max_B = B;
  m->max_T = T;

  size_t sizes[GPT2_NUM_PARAM_TENSORS], offsets[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_sizes(c, sizes);
  m->num_params = gpt2_param_offsets(c, offsets);
  m->params = cc_calloc(m->num_params, sizeof(REAL));
  m->grads = cc_calloc(m->num_params, sizeof(REAL));
  for (int i = 0; i < GPT2_NUM_PARAM_TENSORS; i++) {
    m->tensor[i] = m->params + offsets[i];
    m->grad[i] = m->grads + offsets[i];
  }

  size_t L = (size_t)c->num_layers, C = (size_t)c->channels, NH = (size_t)c->num_heads;
  size_t V = (size_t)c->vocab_size, N = (size_t)B * T;
  m->encoded = cc_calloc(N * C, sizeof(REAL));
  m->ln1 = cc_calloc(L * N * C, sizeof(REAL));
  m->ln1_mean = cc_calloc(L * N, sizeof(REAL));
  m->ln1_rstd = cc_calloc(L * N, sizeof(REAL));
  m->qkv = cc_calloc(L * N * 3 * C, sizeof(REAL));
  m->att = cc_calloc(L * (size_t)B * NH * T * T, sizeof(REAL));
  m->atty = cc_calloc(L * N * C, sizeof(REAL));
  m->residual2 = cc_calloc(L * N * C, sizeof(REAL));
  m->ln2 = cc_calloc(L * N * C, sizeof(REAL));
  m->ln2_mean = cc_calloc(L * N, sizeof(REAL));
  m->ln2_rstd = cc_calloc(L * N, sizeof(REAL));
  m->fch = cc_calloc(L * N * 4 * C, sizeof(REAL));
  m->fch_gelu = cc_calloc(L * N * 4 * C, sizeof(REAL));
  m->residual3 = cc_calloc(L * N * C, sizeof(REAL));
  m->lnf = cc_calloc(N * C, sizeof(REAL));
  m->lnf_mean = cc_calloc(N, sizeof(REAL));
  m->lnf_rstd = cc_calloc(N, sizeof(REAL));
  m->probs = cc_calloc(N * V, sizeof(REAL));
  m->losses = cc_calloc(N, sizeof(REAL));
  m->inputs = cc_calloc(N, sizeof(int));
  m->targets = cc_calloc(N, sizeof(int));

  // The thread count may change after creation (cpu_threads_set): attention then runs on at most
  // this many, or the machine's processors if more.
  m->threads = omp_get_max_threads() > omp_get_num_procs() ? omp_get_max_threads() : omp_get_num_procs();
  m->pack = cc_calloc(MATMUL_PACK_SIZE * m->threads, sizeof(REAL));
  m->dscore = cc_calloc((size_t)T * T * m->threads, sizeof(REAL));
  m->dresidual = cc_calloc(N * C, sizeof(REAL));
  m->dln = cc_calloc(N * C, sizeof(REAL));
  m->datty = cc_calloc(N * C, sizeof(REAL));
  m->dqkv = cc_calloc(N * 3 * C, sizeof(REAL));
  m->dfch = cc_calloc(N * 4 * C, sizeof(REAL));
  m->dlogits = cc_calloc((size_t)HEAD_CHUNK * V, sizeof(REAL));
  return m;
}

void API(free)(MODEL *m) {
  if (!m) return;
  REAL *buffers[] = {m->params, m->grads, m->encoded, m->ln1, m->ln1_mean, m->ln1_rstd, m->qkv,
                     m->att, m->atty, m->residual2, m->ln2, m->ln2_mean, m->ln2_rstd, m->fch,
                     m->fch_gelu, m->residual3, m->lnf, m->lnf_mean, m->lnf_rstd, m->probs,
                     m->losses, m->pack, m->dscore, m->dresidual, m->dln, m->datty, m->dqkv,
                     m->dfch, m->dlogits};
  for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++) free(buffers[i]);
  free(m->inputs);
  free(m->targets);
  free(m);
}

const gpt2_config *API(get_config)(const MODEL *m) { return &m->config; }
REAL *API(params)(MODEL *m) { return m->params; }
REAL *API(grads)(MODEL *m) { return m->grads; }
size_t API(param_count)(const MODEL *m) { return m->num_params; }
const REAL *API(probs)(const MODEL *m) { return m->probs; }

void API(init_params)(MODEL *m, uint64_t seed) {
  const gpt2_config *c = &m->config;
  size_t sizes[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_sizes(c, sizes);
  // Projections into the residual stream are scaled down by sqrt(2L), the number of residual adds,
  // so the stream's variance does not grow with depth (GPT-2's init).
  double std = 0.02, residual_std = 0.02 / sqrt(2.0 * c->num_layers);
  cc_rng rng;
  cc_rng_seed(&rng, seed);
  for (int i = 0; i < GPT2_NUM_PARAM_TENSORS; i++) {
    REAL *p = m->tensor[i];
    bool layernorm_weight = i == GPT2_LN1W || i == GPT2_LN2W || i == GPT2_LNFW;
    bool bias = i == GPT2_LN1B || i == GPT2_LN2B || i == GPT2_LNFB || i == GPT2_QKVB ||
                i == GPT2_ATTPROJB || i == GPT2_FCB || i == GPT2_FCPROJB;
    if (layernorm_weight || bias) {
      for (size_t j = 0; j < sizes[i]; j++) p[j] = layernorm_weight ? 1 : 0;
      continue;
    }
    double s = (i == GPT2_ATTPROJW || i == GPT2_FCPROJW) ? residual_std : std;
    // Padded vocabulary rows stay zero: they are never used.
    size_t n = i == GPT2_WTE ? (size_t)c->vocab_size * c->channels : sizes[i];
    for (size_t j = 0; j < n; j++) p[j] = (REAL)(s * cc_rng_normal(&rng));
    for (size_t j = n; j < sizes[i]; j++) p[j] = 0;
  }
}

// Threads for the per-thread scratch loops: the current count, at most what the scratch was sized for.
static int FN(scratch_threads)(const MODEL *m) {
  return omp_get_max_threads() < m->threads ? omp_get_max_threads() : m->threads;
}

void API(backward_hook)(MODEL *m, void (*done)(void *ctx, int stage), void *ctx) {
  m->stage_done = done;
  m->stage_ctx = ctx;
}

void API(zero_grads)(MODEL *m) { memset(m->grads, 0, m->num_params * sizeof *m->grads); }

REAL API(forward)(MODEL *m, const int *inputs, const int *targets, int B, int T) {
  const gpt2_config *c = &m->config;
  int L = c->num_layers, C = c->channels, NH = c->num_heads, V = c->vocab_size;
  if (B < 1 || T < 1 || B > m->max_B || T > m->max_T) {
    CC_FATAL("gpt2_forward: batch %d x %d outside the %d x %d the model was created for", B, T,
             m->max_B, m->max_T);
  }
  size_t N = (size_t)B * T;
  for (size_t i = 0; i < N; i++) {
    if (inputs[i] < 0 || inputs[i] >= V) {
      CC_FATAL("gpt2_forward: input token %d at position %zu outside the vocabulary [0, %d)",
               inputs[i], i, V);
    }
    if (targets && (targets[i] < 0 || targets[i] >= V)) {
      CC_FATAL("gpt2_forward: target token %d at position %zu outside the vocabulary [0, %d)",
               targets[i], i, V);
    }
  }
  m->B = B;
  m->T = T;
  memcpy(m->inputs, inputs, N * sizeof *inputs);
  if (targets) memcpy(m->targets, targets, N * sizeof *targets);
  REAL **p = m->tensor;
  int threads = FN(scratch_threads)(m);

  FN(encoder_forward)(m->encoded, inputs, p[GPT2_WTE], p[GPT2_WPE], B, T, C);
  const REAL *residual = m->encoded;
  for (int l = 0; l < L; l++) {
    size_t lc = (size_t)l * C;
    REAL *ln1 = m->ln1 + l * N * C;
    REAL *ln1_mean = m->ln1_mean + l * N, *ln1_rstd = m->ln1_rstd + l * N;
    REAL *qkv = m->qkv + l * N * 3 * C;
    REAL *att = m->att + l * N * NH * T;
    REAL *atty = m->atty + l * N * C;
    REAL *residual2 = m->residual2 + l * N * C;
    REAL *ln2 = m->ln2 + l * N * C;
    REAL *ln2_mean = m->ln2_mean + l * N, *ln2_rstd = m->ln2_rstd + l * N;
    REAL *fch = m->fch + l * N * 4 * C, *fch_gelu = m->fch_gelu + l * N * 4 * C;
    REAL *residual3 = m->residual3 + l * N * C;

    // Attention block: residual2 = residual + attproj(attention(ln1(residual))).
    FN(layernorm_forward)(ln1, ln1_mean, ln1_rstd, residual, p[GPT2_LN1W] + lc, p[GPT2_LN1B] + lc,
                          (int)N, C);
    FN(matmul_forward)(qkv, ln1, p[GPT2_QKVW] + lc * 3 * C, p[GPT2_QKVB] + lc * 3, (int)N, C, 3 * C,
                       false, m->pack);
    FN(attention_forward)(atty, att, qkv, B, T, C, NH, m->pack, threads);
    memcpy(residual2, residual, N * C * sizeof *residual2);
    FN(matmul_forward)(residual2, atty, p[GPT2_ATTPROJW] + lc * C, p[GPT2_ATTPROJB] + lc, (int)N, C,
                       C, true, m->pack);
    // MLP block: residual3 = residual2 + fcproj(gelu(fc(ln2(residual2)))).
    FN(layernorm_forward)(ln2, ln2_mean, ln2_rstd, residual2, p[GPT2_LN2W] + lc, p[GPT2_LN2B] + lc,
                          (int)N, C);
    FN(matmul_forward)(fch, ln2, p[GPT2_FCW] + lc * 4 * C, p[GPT2_FCB] + lc * 4, (int)N, C, 4 * C,
                       false, m->pack);
    FN(gelu_forward)(fch_gelu, fch, N * 4 * C);
    memcpy(residual3, residual2, N * C * sizeof *residual3);
    FN(matmul_forward)(residual3, fch_gelu, p[GPT2_FCPROJW] + lc * 4 * C, p[GPT2_FCPROJB] + lc,
                       (int)N, 4 * C, C, true, m->pack);
    residual = residual3;
  }
  FN(layernorm_forward)(m->lnf, m->lnf_mean, m->lnf_rstd, residual, p[GPT2_LNFW], p[GPT2_LNFB],
                        (int)N, C);
  // Tied LM head over the V real rows of wte only.
  FN(matmul_forward)(m->probs, m->lnf, p[GPT2_WTE], NULL, (int)N, C, V, false, m->pack);
  FN(crossentropy_forward)(m->probs, m->losses, targets, (int)N, V);

  m->have_loss = targets != NULL;
  if (!targets) return (REAL)NAN;
  double sum = 0;  // in double: a long float sum would lose digits of the mean
  for (size_t i = 0; i < N; i++) sum += (double)m->losses[i];
  return (REAL)(sum / (double)N);
}

void API(backward)(MODEL *m) {
  if (!m->have_loss) CC_FATAL("gpt2_backward: the last gpt2_forward had no targets");
  const gpt2_config *c = &m->config;
  int L = c->num_layers, C = c->channels, NH = c->num_heads, V = c->vocab_size;
  int B = m->B, T = m->T;
  size_t N = (size_t)B * T;
  REAL **p = m->tensor, **g = m->grad;
  int threads = FN(scratch_threads)(m);

  // LM head and loss, HEAD_CHUNK rows at a time: dlogits = (probs - onehot(target)) / N, then
  // dlnf = dlogits wte and dwte += dlogits^T lnf (summed chunk by chunk).
  REAL inv_n = (REAL)(1.0 / (double)N);
  for (size_t n0 = 0; n0 < N; n0 += HEAD_CHUNK) {
    int rows = N - n0 < HEAD_CHUNK ? (int)(N - n0) : HEAD_CHUNK;
#pragma omp parallel for schedule(static)
    for (int r = 0; r < rows; r++) {
      const REAL *pr = m->probs + (n0 + r) * V;
      REAL *dl = m->dlogits + (size_t)r * V;
      for (int v = 0; v < V; v++) dl[v] = pr[v] * inv_n;
      dl[m->targets[n0 + r]] -= inv_n;
    }
    FN(matmul)(m->dln + n0 * C, (size_t)C, m->dlogits, (size_t)V, 1, p[GPT2_WTE], (size_t)C, 1,
               NULL, rows, C, V, false, m->pack);
    FN(matmul)(g[GPT2_WTE], (size_t)C, m->dlogits, 1, (size_t)V, m->lnf + n0 * C, (size_t)C, 1,
               NULL, V, C, rows, true, m->pack);
  }
  memset(m->dresidual, 0, N * C * sizeof *m->dresidual);
  const REAL *last_residual = m->residual3 + (size_t)(L - 1) * N * C;
  FN(layernorm_backward)(m->dresidual, g[GPT2_LNFW], g[GPT2_LNFB], m->dln, last_residual,
                         p[GPT2_LNFW], m->lnf_mean, m->lnf_rstd, (int)N, C);
  if (m->stage_done) m->stage_done(m->stage_ctx, gpt2_grad_stage(c, GPT2_LNFW, 0));

  for (int l = L - 1; l >= 0; l--) {
    size_t lc = (size_t)l * C;
    const REAL *residual = l == 0 ? m->encoded : m->residual3 + (l - 1) * N * C;
    const REAL *ln1 = m->ln1 + l * N * C, *ln1_mean = m->ln1_mean + l * N;
    const REAL *ln1_rstd = m->ln1_rstd + l * N;
    const REAL *qkv = m->qkv + l * N * 3 * C;
    const REAL *att = m->att + l * N * NH * T;
    const REAL *atty = m->atty + l * N * C;
    const REAL *residual2 = m->residual2 + l * N * C;
    const REAL *ln2 = m->ln2 + l * N * C, *ln2_mean = m->ln2_mean + l * N;
    const REAL *ln2_rstd = m->ln2_rstd + l * N;
    const REAL *fch = m->fch + l * N * 4 * C, *fch_gelu = m->fch_gelu + l * N * 4 * C;

    // MLP block. dresidual is the gradient of residual3; the residual add passes it to residual2
    // unchanged, and the block adds its own share through ln2.
    FN(matmul_backward)(m->dfch, g[GPT2_FCPROJW] + lc * 4 * C, g[GPT2_FCPROJB] + lc, m->dresidual,
                        fch_gelu, p[GPT2_FCPROJW] + lc * 4 * C, (int)N, 4 * C, C, m->pack);
    FN(gelu_backward)(m->dfch, fch, fch_gelu, N * 4 * C);
    FN(matmul_backward)(m->dln, g[GPT2_FCW] + lc * 4 * C, g[GPT2_FCB] + lc * 4, m->dfch, ln2,
                        p[GPT2_FCW] + lc * 4 * C, (int)N, C, 4 * C, m->pack);
    FN(layernorm_backward)(m->dresidual, g[GPT2_LN2W] + lc, g[GPT2_LN2B] + lc, m->dln, residual2,
                           p[GPT2_LN2W] + lc, ln2_mean, ln2_rstd, (int)N, C);
    // Attention block, the same way down to the layer input.
    FN(matmul_backward)(m->datty, g[GPT2_ATTPROJW] + lc * C, g[GPT2_ATTPROJB] + lc, m->dresidual,
                        atty, p[GPT2_ATTPROJW] + lc * C, (int)N, C, C, m->pack);
    FN(attention_backward)(m->dqkv, m->datty, qkv, att, B, T, C, NH, m->dscore, m->pack,
                           threads);
    FN(matmul_backward)(m->dln, g[GPT2_QKVW] + lc * 3 * C, g[GPT2_QKVB] + lc * 3, m->dqkv, ln1,
                        p[GPT2_QKVW] + lc * 3 * C, (int)N, C, 3 * C, m->pack);
    FN(layernorm_backward)(m->dresidual, g[GPT2_LN1W] + lc, g[GPT2_LN1B] + lc, m->dln, residual,
                           p[GPT2_LN1W] + lc, ln1_mean, ln1_rstd, (int)N, C);
    if (m->stage_done) m->stage_done(m->stage_ctx, gpt2_grad_stage(c, GPT2_QKVW, l));
  }
  FN(encoder_backward)(g[GPT2_WTE], g[GPT2_WPE], m->dresidual, m->inputs, B, T, C);
  if (m->stage_done) m->stage_done(m->stage_ctx, gpt2_grad_stage(c, GPT2_WTE, 0));
}

#undef GELU_SCALE
#undef MATMUL_PACK_SIZE
#undef GELU_CUBIC
#undef REAL
#undef MODEL
#undef FN
#undef API
#undef MM_DEPTH
#undef MM_BLOCK
#undef ATT_ROWS
#undef HEAD_CHUNK
