// Tests of the CPU GPT-2 model (trainer/gpt2.h):
//   0. the forward pass against a plain transcription of GPT-2 (loops, tanh GELU) in this file;
//   1. the f64 twin's gradients against finite differences, every element of every tensor;
//   2. the f32 model against the f64 twin on the same parameters and tokens (loss, every gradient);
//   3. the loss at GPT-2 init is about ln(V), and the probabilities are a distribution;
//   4. backward accumulates (twice = 2x up to rounding), forward + backward are bitwise
//      deterministic, a sequence's output depends neither on the rest of the batch nor on later
//      positions;
//   5. a few steps of Adam on one batch bring the loss well down.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "common/tests/check.h"
#include "trainer/cpu_threads.h"
#include "trainer/gpt2.h"
#include "trainer/gpt2_check.h"
#include "trainer/gpt2_config.h"

static void random_tokens(int *tokens, int n, int V, uint64_t seed) {
  cc_rng rng;
  cc_rng_seed(&rng, seed);
  for (int i = 0; i < n; i++) tokens[i] = (int)cc_rng_below(&rng, (uint64_t)V);
}

static bool is_layernorm_weight(int tensor) {
  return tensor == GPT2_LN1W || tensor == GPT2_LN2W || tensor == GPT2_LNFW;
}

// Every parameter (padded wte rows included) random with standard deviation std, LayerNorm weights
// around 1: no tensor is trivially zero or one, so every term of every gradient is exercised.
static void random_params(double *params, const gpt2_config *c, double std, uint64_t seed) {
  size_t sizes[GPT2_NUM_PARAM_TENSORS], offsets[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_sizes(c, sizes);
  gpt2_param_offsets(c, offsets);
  cc_rng rng;
  cc_rng_seed(&rng, seed);
  for (int i = 0; i < GPT2_NUM_PARAM_TENSORS; i++) {
    for (size_t j = 0; j < sizes[i]; j++) {
      params[offsets[i] + j] = (is_layernorm_weight(i) ? 1.0 : 0.0) + std * cc_rng_normal(&rng);
    }
  }
}

// -------------------------------------------------------------------------------------------------
// 0. The forward pass against a direct transcription of GPT-2.

// y (n) = W (n x m) x + b, W row-major (out, in) as stored.
static void affine(double *y, const double *w, const double *b, const double *x, int n, int m) {
  for (int i = 0; i < n; i++) {
    double s = b ? b[i] : 0;
    for (int j = 0; j < m; j++) s += w[(size_t)i * m + j] * x[j];
    y[i] = s;
  }
}

static void layernorm(double *y, const double *x, const double *w, const double *b, int n) {
  double mean = 0, var = 0;
  for (int i = 0; i < n; i++) mean += x[i] / n;
  for (int i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean) / n;
  for (int i = 0; i < n; i++) y[i] = (x[i] - mean) / sqrt(var + 1e-5) * w[i] + b[i];
}

// GPT-2's forward written the plain way, one sequence and one position at a time, in double, with
// the tanh form of GELU: a second, independent reading of the architecture. Returns the mean loss
// and fills probs (B, T, V).
static double reference_forward(const double *params, const gpt2_config *c, const int *in,
                                const int *tg, int B, int T, double *probs) {
  int L = c->num_layers, C = c->channels, NH = c->num_heads, V = c->vocab_size, hs = C / NH;
  size_t off[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_offsets(c, off);
  const double *P[GPT2_NUM_PARAM_TENSORS];
  for (int i = 0; i < GPT2_NUM_PARAM_TENSORS; i++) P[i] = params + off[i];
  double *x = calloc((size_t)T * C, sizeof *x), *h = calloc((size_t)T * C, sizeof *h);
  double *qkv = calloc((size_t)T * 3 * C, sizeof *qkv), *y = calloc((size_t)T * C, sizeof *y);
  double *f = calloc(4 * (size_t)C, sizeof *f), *tmp = calloc((size_t)C, sizeof *tmp);
  double *att = calloc((size_t)T, sizeof *att), *logits = calloc((size_t)V, sizeof *logits);
  double loss = 0;
  for (int b = 0; b < B; b++) {
    for (int t = 0; t < T; t++) {
      for (int i = 0; i < C; i++) {
        x[t * C + i] = P[GPT2_WTE][(size_t)in[b * T + t] * C + i] + P[GPT2_WPE][(size_t)t * C + i];
      }
    }
    for (int l = 0; l < L; l++) {
      size_t lc = (size_t)l * C;
      for (int t = 0; t < T; t++) {
        layernorm(h + t * C, x + t * C, P[GPT2_LN1W] + lc, P[GPT2_LN1B] + lc, C);
        affine(qkv + t * 3 * C, P[GPT2_QKVW] + lc * 3 * C, P[GPT2_QKVB] + 3 * lc, h + t * C, 3 * C,
               C);
      }
      for (int t = 0; t < T; t++) {
        for (int hd = 0; hd < NH; hd++) {
          const double *q = qkv + t * 3 * C + hd * hs;
          double max = -INFINITY, sum = 0;
          for (int s2 = 0; s2 <= t; s2++) {
            const double *k = qkv + s2 * 3 * C + C + hd * hs;
            double dot = 0;
            for (int d = 0; d < hs; d++) dot += q[d] * k[d];
            att[s2] = dot / sqrt((double)hs);
            max = fmax(max, att[s2]);
          }
          for (int s2 = 0; s2 <= t; s2++) sum += att[s2] = exp(att[s2] - max);
          for (int d = 0; d < hs; d++) {
            double acc = 0;
            for (int s2 = 0; s2 <= t; s2++) {
              acc += att[s2] / sum * qkv[s2 * 3 * C + 2 * C + hd * hs + d];
            }
            y[t * C + hd * hs + d] = acc;
          }
        }
      }
      for (int t = 0; t < T; t++) {
        affine(tmp, P[GPT2_ATTPROJW] + lc * C, P[GPT2_ATTPROJB] + lc, y + t * C, C, C);
        for (int i = 0; i < C; i++) x[t * C + i] += tmp[i];
        layernorm(h + t * C, x + t * C, P[GPT2_LN2W] + lc, P[GPT2_LN2B] + lc, C);
        affine(f, P[GPT2_FCW] + lc * 4 * C, P[GPT2_FCB] + 4 * lc, h + t * C, 4 * C, C);
        for (int i = 0; i < 4 * C; i++) {
          double u = sqrt(2 / 3.14159265358979323846) * (f[i] + 0.044715 * f[i] * f[i] * f[i]);
          f[i] = 0.5 * f[i] * (1 + tanh(u));
        }
        affine(tmp, P[GPT2_FCPROJW] + lc * 4 * C, P[GPT2_FCPROJB] + lc, f, C, 4 * C);
        for (int i = 0; i < C; i++) x[t * C + i] += tmp[i];
      }
    }
    for (int t = 0; t < T; t++) {
      layernorm(h + t * C, x + t * C, P[GPT2_LNFW], P[GPT2_LNFB], C);
      affine(logits, P[GPT2_WTE], NULL, h + t * C, V, C);  // tied head, real vocabulary only
      double max = -INFINITY, sum = 0;
      for (int v = 0; v < V; v++) max = fmax(max, logits[v]);
      for (int v = 0; v < V; v++) sum += exp(logits[v] - max);
      for (int v = 0; v < V; v++) probs[((size_t)b * T + t) * V + v] = exp(logits[v] - max) / sum;
      loss -= log(probs[((size_t)b * T + t) * V + tg[b * T + t]]) / (B * T);
    }
  }
  free(x), free(h), free(qkv), free(y), free(f), free(tmp), free(att), free(logits);
  return loss;
}

static void test_reference_forward(void) {
  // V = 2 x 8 + 1: the LM head ends on a one-column register tile.
  const gpt2_config c = {.max_seq_len = 8, .vocab_size = 17, .padded_vocab_size = 32,
                         .num_layers = 2, .num_heads = 3, .channels = 12};
  enum { B = 2, T = 7 };
  int in[B * T], tg[B * T];
  random_tokens(in, B * T, c.vocab_size, 51);
  random_tokens(tg, B * T, c.vocab_size, 52);
  gpt2_f64 *m = gpt2_f64_create(&c, B, T);
  random_params(gpt2_f64_params(m), &c, 0.3, 53);
  double loss = gpt2_f64_forward(m, in, tg, B, T);
  double *probs = calloc((size_t)B * T * c.vocab_size, sizeof *probs);
  double ref = reference_forward(gpt2_f64_params(m), &c, in, tg, B, T, probs);
  double worst = 0;
  for (int i = 0; i < B * T * c.vocab_size; i++) {
    worst = fmax(worst, fabs(probs[i] - gpt2_f64_probs(m)[i]));
  }
  printf("forward against a direct transcription (f64): loss %.15f vs %.15f, worst probability "
         "difference %.1e\n", loss, ref, worst);
  CHECKF(fabs(loss - ref) < 1e-12 && worst < 1e-13,
         "forward differs from the reference: loss %.17g vs %.17g, probabilities by %.3g", loss,
         ref, worst);
  free(probs);
  gpt2_f64_free(m);
}

// -------------------------------------------------------------------------------------------------
// 1. Gradient check of the f64 model against finite differences.

// Fourth-order central difference: truncation error O(h^4), so h can be as large as 1e-3, where the
// rounding error of the loss, divided by h, stays far below the tolerance.
static double numeric_derivative(gpt2_f64 *m, double *param, const int *in, const int *tg, int B,
                                 int T, double h) {
  double saved = *param;
  double f[4];
  const double step[4] = {2 * h, h, -h, -2 * h};
  for (int s = 0; s < 4; s++) {
    *param = saved + step[s];
    f[s] = gpt2_f64_forward(m, in, tg, B, T);
  }
  *param = saved;
  return (-f[0] + 8 * f[1] - 8 * f[2] + f[3]) / (12 * h);
}

static void test_gradient_check(void) {
  // Channels 12 and 3 heads: matmul widths 12, 36, 48 and 11 leave partial register tiles, and the
  // twin's tiny blocks (gpt2.c) split every depth, column range and the LM head's rows.
  const gpt2_config c = {.max_seq_len = 8, .vocab_size = 11, .padded_vocab_size = 16,
                         .num_layers = 2, .num_heads = 3, .channels = 12};
  enum { B = 2, T = 7 };
  int in[B * T], tg[B * T];
  random_tokens(in, B * T, c.vocab_size, 1);
  random_tokens(tg, B * T, c.vocab_size, 2);
  gpt2_f64 *m = gpt2_f64_create(&c, B, T);
  double *params = gpt2_f64_params(m);
  random_params(params, &c, 0.3, 3);

  gpt2_f64_forward(m, in, tg, B, T);
  gpt2_f64_zero_grads(m);
  gpt2_f64_backward(m);
  size_t n = gpt2_f64_param_count(m);
  double *analytic = malloc(n * sizeof *analytic);
  memcpy(analytic, gpt2_f64_grads(m), n * sizeof *analytic);

  size_t sizes[GPT2_NUM_PARAM_TENSORS], offsets[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_sizes(&c, sizes);
  gpt2_param_offsets(&c, offsets);
  // Relative error |a - n| / (|a| + |n|), with the denominator floored at 1e-6: a gradient element
  // that is truly ~0 is judged by its absolute error instead of by the noise of a ratio.
  const double tolerance = 1e-5, floor = 1e-6;
  printf("gradient check, f64, L=%d C=%d NH=%d V=%d Vp=%d B=%d T=%d (every element):\n",
         c.num_layers, c.channels, c.num_heads, c.vocab_size, c.padded_vocab_size, B, T);
  double overall = 0;
  for (int i = 0; i < GPT2_NUM_PARAM_TENSORS; i++) {
    double worst = 0, largest = 0;
    size_t worst_at = 0;
    for (size_t j = 0; j < sizes[i]; j++) {
      size_t k = offsets[i] + j;
      double a = analytic[k];
      double num = numeric_derivative(m, &params[k], in, tg, B, T, 1e-3);
      double denom = fabs(a) + fabs(num);
      double err = fabs(a - num) / (denom > floor ? denom : floor);
      if (err > worst) worst = err, worst_at = j;
      if (fabs(a) > largest) largest = fabs(a);
    }
    printf("  %-9s %5zu elements  max |grad| %.2e  worst relative error %.2e (element %zu)\n",
           gpt2_param_name(i), sizes[i], largest, worst, worst_at);
    CHECKF(worst < tolerance, "%s: analytic and numeric gradients differ by %.3g (relative) at %zu",
           gpt2_param_name(i), worst, worst_at);
    CHECKF(largest > 1e-4, "%s: gradient is ~0 everywhere, the check would prove nothing",
           gpt2_param_name(i));
    if (worst > overall) overall = worst;
  }
  printf("  worst over all tensors %.2e (tolerance %.0e)\n", overall, tolerance);

  // Rows of wte past the real vocabulary are never scored: their gradient is exactly zero even
  // though their values are not.
  const double *grads = gpt2_f64_grads(m);
  size_t pad_from = offsets[GPT2_WTE] + (size_t)c.vocab_size * c.channels;
  size_t pad_to = offsets[GPT2_WTE] + sizes[GPT2_WTE];
  for (size_t k = pad_from; k < pad_to; k++) {
    CHECKF(grads[k] == 0, "padded wte element %zu has gradient %g", k - offsets[GPT2_WTE],
           grads[k]);
  }
  free(analytic);
  gpt2_f64_free(m);
}

// -------------------------------------------------------------------------------------------------
// 2. The f32 model against the f64 twin.

static double relative_l2(const float *x, const double *ref, size_t n) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < n; i++) {
    double d = (double)x[i] - ref[i];
    diff += d * d;
    norm += ref[i] * ref[i];
  }
  return norm > 0 ? sqrt(diff / norm) : sqrt(diff);
}

static void test_f32_against_f64(void) {
  // Sizes that take the f32 model across its block boundaries: depths 4C = 288 and V = 297 over the
  // 256-deep slices, 4C columns over a 256-column block, N = 84 rows over two 64-row head chunks,
  // and partial register tiles (V = 37 x 8 + 1 columns).
  const gpt2_config c = {.max_seq_len = 24, .vocab_size = 297, .padded_vocab_size = 384,
                         .num_layers = 2, .num_heads = 3, .channels = 72};
  enum { B = 4, T = 21 };
  int in[B * T], tg[B * T];
  random_tokens(in, B * T, c.vocab_size, 11);
  random_tokens(tg, B * T, c.vocab_size, 12);
  gpt2 *m32 = gpt2_create(&c, B, T);
  gpt2_f64 *m64 = gpt2_f64_create(&c, B, T);
  size_t n = gpt2_param_count(m32);
  CHECK(n == gpt2_f64_param_count(m64) && n == gpt2_num_params(&c));

  // The two inits draw the same numbers: f32 is f64 rounded.
  gpt2_init_params(m32, 7);
  gpt2_f64_init_params(m64, 7);
  const float *p32 = gpt2_params(m32);
  double *p64 = gpt2_f64_params(m64);
  size_t init_mismatch = 0;
  for (size_t i = 0; i < n; i++) init_mismatch += (float)p64[i] != p32[i];
  CHECKF(init_mismatch == 0, "f32 and f64 init differ in %zu elements", init_mismatch);

  // Larger random parameters than the init (so the activations are not all in the linear regime),
  // rounded to f32 so both models start from the same values.
  random_params(p64, &c, 0.1, 13);
  float *w32 = gpt2_params(m32);
  for (size_t i = 0; i < n; i++) {
    w32[i] = (float)p64[i];
    p64[i] = (double)w32[i];
  }
  float loss32 = gpt2_forward(m32, in, tg, B, T);
  double loss64 = gpt2_f64_forward(m64, in, tg, B, T);
  gpt2_zero_grads(m32);
  gpt2_backward(m32);
  gpt2_f64_zero_grads(m64);
  gpt2_f64_backward(m64);

  const double loss_tolerance = 1e-6, grad_tolerance = 1e-5;
  double loss_err = fabs((double)loss32 - loss64) / loss64;
  printf("f32 against f64, L=%d C=%d NH=%d V=%d Vp=%d B=%d T=%d:\n  loss %.7f vs %.7f, relative "
         "error %.1e (tolerance %.0e)\n",
         c.num_layers, c.channels, c.num_heads, c.vocab_size, c.padded_vocab_size, B, T,
         (double)loss32, loss64, loss_err, loss_tolerance);
  CHECKF(loss_err < loss_tolerance, "f32 loss %.8g vs f64 %.8g", (double)loss32, loss64);

  size_t sizes[GPT2_NUM_PARAM_TENSORS], offsets[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_sizes(&c, sizes);
  gpt2_param_offsets(&c, offsets);
  const float *g32 = gpt2_grads(m32);
  const double *g64 = gpt2_f64_grads(m64);
  double worst = 0;
  for (int i = 0; i < GPT2_NUM_PARAM_TENSORS; i++) {
    double err = relative_l2(g32 + offsets[i], g64 + offsets[i], sizes[i]);
    printf("  %-9s relative L2 error %.1e\n", gpt2_param_name(i), err);
    CHECKF(err < grad_tolerance, "%s: f32 gradient off the f64 one by %.3g (relative L2)",
           gpt2_param_name(i), err);
    if (err > worst) worst = err;
  }
  printf("  worst %.1e (tolerance %.0e)\n", worst, grad_tolerance);
  size_t pad_from = offsets[GPT2_WTE] + (size_t)c.vocab_size * c.channels;
  for (size_t k = pad_from; k < offsets[GPT2_WTE] + sizes[GPT2_WTE]; k++) {
    CHECKF(g32[k] == 0, "f32: padded wte element %zu has gradient %g", k, (double)g32[k]);
  }
  gpt2_free(m32);
  gpt2_f64_free(m64);
}

// -------------------------------------------------------------------------------------------------
// 3. Loss at init.

static void test_loss_at_init(void) {
  const gpt2_config c = {.max_seq_len = 64, .vocab_size = 100, .padded_vocab_size = 128,
                         .num_layers = 2, .num_heads = 4, .channels = 64};
  enum { B = 4, T = 64 };
  int in[B * T], tg[B * T];
  random_tokens(in, B * T, c.vocab_size, 21);
  random_tokens(tg, B * T, c.vocab_size, 22);
  gpt2 *m = gpt2_create(&c, B, T);
  gpt2_init_params(m, 42);
  float loss = gpt2_forward(m, in, tg, B, T);
  double expected = log((double)c.vocab_size);
  printf("loss at init %.4f, ln(V) = %.4f\n", (double)loss, expected);
  CHECKF(fabs((double)loss - expected) < 0.05, "loss at init %.4f is not close to ln(%d) = %.4f",
         (double)loss, c.vocab_size, expected);
  size_t np = (size_t)B * T * c.vocab_size;
  float *probs = malloc(np * sizeof *probs);
  memcpy(probs, gpt2_probs(m), np * sizeof *probs);
  for (int r = 0; r < B * T; r++) {
    double sum = 0;
    for (int v = 0; v < c.vocab_size; v++) sum += (double)probs[(size_t)r * c.vocab_size + v];
    CHECKF(fabs(sum - 1) < 1e-5, "probabilities of row %d sum to %.8f", r, sum);
  }
  // Without targets: no loss, the same probabilities.
  float no_loss = gpt2_forward(m, in, NULL, B, T);
  CHECKF(isnan(no_loss), "forward without targets returned %g, not NAN", (double)no_loss);
  CHECKF(memcmp(probs, gpt2_probs(m), np * sizeof *probs) == 0,
         "forward without targets gave other probabilities");
  free(probs);
  gpt2_free(m);
}

// -------------------------------------------------------------------------------------------------
// 4. Accumulation and determinism.

static void test_accumulation_and_determinism(void) {
  const gpt2_config c = {.max_seq_len = 16, .vocab_size = 30, .padded_vocab_size = 32,
                         .num_layers = 2, .num_heads = 2, .channels = 16};
  enum { B = 3, T = 13 };
  int in[B * T], tg[B * T];
  random_tokens(in, B * T, c.vocab_size, 31);
  random_tokens(tg, B * T, c.vocab_size, 32);
  gpt2 *m = gpt2_create(&c, B, T);
  gpt2_init_params(m, 5);
  size_t n = gpt2_param_count(m);
  size_t np = (size_t)B * T * c.vocab_size;

  float loss1 = gpt2_forward(m, in, tg, B, T);
  float *probs1 = malloc(np * sizeof *probs1);
  memcpy(probs1, gpt2_probs(m), np * sizeof *probs1);
  gpt2_zero_grads(m);
  gpt2_backward(m);
  float *once = malloc(n * sizeof *once);
  memcpy(once, gpt2_grads(m), n * sizeof *once);
  gpt2_backward(m);
  // Twice is 2x once up to rounding: terms summed straight into a gradient (biases, LayerNorm, the
  // embeddings) are added to what it held, so the second pass rounds differently from the first.
  const float *twice = gpt2_grads(m);
  float largest = 0;
  for (size_t i = 0; i < n; i++) largest = fmaxf(largest, fabsf(once[i]));
  size_t not_doubled = 0;
  for (size_t i = 0; i < n; i++) not_doubled += fabsf(twice[i] - 2 * once[i]) > 1e-6f * largest;
  CHECKF(largest > 0 && not_doubled == 0,
         "backward twice is not 2x backward once in %zu of %zu elements", not_doubled, n);

  // The same forward again gives the same bits; so does backward after zeroing.
  float loss2 = gpt2_forward(m, in, tg, B, T);
  CHECKF(memcmp(&loss1, &loss2, sizeof loss1) == 0,
         "loss changed between identical forwards: %.9g vs %.9g", (double)loss1, (double)loss2);
  CHECKF(memcmp(probs1, gpt2_probs(m), np * sizeof *probs1) == 0,
         "probabilities changed between identical forwards");
  gpt2_zero_grads(m);
  gpt2_backward(m);
  CHECKF(memcmp(once, gpt2_grads(m), n * sizeof *once) == 0,
         "gradients changed between identical forward + backward");

  // A sequence's outputs do not depend on the rest of the batch (or on B): run batch row 1 alone.
  gpt2_forward(m, in + T, tg + T, 1, T);
  CHECKF(memcmp(probs1 + (size_t)T * c.vocab_size, gpt2_probs(m),
                (size_t)T * c.vocab_size * sizeof *probs1) == 0,
         "probabilities of a sequence depend on the batch around it");
  // Shorter T: position t only sees positions <= t, so the first 7 positions match too.
  gpt2_forward(m, in, tg, 1, 7);
  CHECKF(memcmp(probs1, gpt2_probs(m), 7 * (size_t)c.vocab_size * sizeof *probs1) == 0,
         "probabilities of early positions depend on later ones (causality)");
  printf("accumulation and determinism: checked\n");
  free(probs1);
  free(once);
  gpt2_free(m);
}

// -------------------------------------------------------------------------------------------------
// 4b. Threads. The model's own loops give every output to one thread and sum in a fixed order, and
// OpenBLAS splits a matmul's rows and columns among threads, never its depth: the bits do not
// depend on the thread count. The shape is big enough that OpenBLAS does thread its matmuls, and
// 3 threads also split the heads and rows unevenly.

static void test_threads_same_bits(void) {
  const gpt2_config c = {.max_seq_len = 32, .vocab_size = 70, .padded_vocab_size = 128,
                         .num_layers = 2, .num_heads = 4, .channels = 96};
  enum { B = 5, T = 31 };
  int in[B * T], tg[B * T];
  random_tokens(in, B * T, c.vocab_size, 51);
  random_tokens(tg, B * T, c.vocab_size, 52);
  int before = cpu_threads_get();
  float loss[2], *grads[2];
  for (int run = 0; run < 2; run++) {
    cpu_threads_set(run == 0 ? 1 : 3);
    gpt2 *m = gpt2_create(&c, B, T);
    gpt2_init_params(m, 6);
    size_t n = gpt2_param_count(m);
    loss[run] = gpt2_forward(m, in, tg, B, T);
    gpt2_zero_grads(m);
    gpt2_backward(m);
    grads[run] = malloc(n * sizeof *grads[run]);
    memcpy(grads[run], gpt2_grads(m), n * sizeof *grads[run]);
    if (run == 1) {
      size_t differ = 0;
      for (size_t i = 0; i < n; i++) differ += memcmp(&grads[0][i], &grads[1][i], sizeof(float)) != 0;
      CHECKF(memcmp(&loss[0], &loss[1], sizeof loss[0]) == 0 && differ == 0,
             "1 and 3 threads differ: loss %.9g vs %.9g, %zu of %zu gradient elements", (double)loss[0],
             (double)loss[1], differ, n);
    }
    gpt2_free(m);
  }
  cpu_threads_set(before);
  printf("1 and 3 threads: the same loss and gradient bits\n");
  free(grads[0]);
  free(grads[1]);
}

// -------------------------------------------------------------------------------------------------
// 4c. Backward stages. The hook is called once per stage, in order, and at stage s every gradient
// gpt2_grad_stage puts at or before s already holds its final bits (a trainer averages them then).

typedef struct {
  gpt2 *m;
  size_t n;
  int calls, last_stage;
  float *seen[8];  // the gradient as it was at each stage
} stage_log;

static void log_stage(void *ctx, int stage) {
  stage_log *log = ctx;
  CHECKF(stage == log->last_stage + 1, "stage %d after stage %d", stage, log->last_stage);
  log->last_stage = stage;
  if (stage >= 0 && stage < 8) {
    log->seen[stage] = malloc(log->n * sizeof(float));
    memcpy(log->seen[stage], gpt2_grads(log->m), log->n * sizeof(float));
  }
  log->calls++;
}

static void test_backward_stages(void) {
  const gpt2_config c = {.max_seq_len = 8, .vocab_size = 20, .padded_vocab_size = 32,
                         .num_layers = 3, .num_heads = 2, .channels = 8};
  enum { B = 2, T = 8 };
  int in[B * T], tg[B * T];
  random_tokens(in, B * T, c.vocab_size, 61);
  random_tokens(tg, B * T, c.vocab_size, 62);
  gpt2 *m = gpt2_create(&c, B, T);
  gpt2_init_params(m, 7);
  stage_log log = {.m = m, .n = gpt2_param_count(m), .last_stage = -1};
  gpt2_backward_hook(m, log_stage, &log);
  gpt2_forward(m, in, tg, B, T);
  gpt2_zero_grads(m);
  gpt2_backward(m);
  int stages = gpt2_grad_stages(&c);
  CHECKF(log.calls == stages, "the hook ran %d times for %d stages", log.calls, stages);
  size_t sizes[GPT2_NUM_PARAM_TENSORS], offsets[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_sizes(&c, sizes);
  gpt2_param_offsets(&c, offsets);
  const float *final = gpt2_grads(m);
  size_t early = 0, finals = 0;  // slices not final at their stage; slices checked
  for (int t = 0; t < GPT2_NUM_PARAM_TENSORS; t++) {
    int layers = gpt2_param_layers(&c, t);
    size_t slice = sizes[t] / (size_t)layers;
    for (int l = 0; l < layers; l++) {
      int stage = gpt2_grad_stage(&c, t, l);
      size_t at = offsets[t] + (size_t)l * slice;
      for (int s = stage; s < stages && s < 8; s++) {
        finals++;
        early += memcmp(log.seen[s] + at, final + at, slice * sizeof(float)) != 0;
      }
      // One stage earlier the slice is not final yet (it is still zero or partial): the stage is
      // the earliest, not just a safe one. Checked for the layers' weights, never zero gradients.
      if (stage > 0 && (t == GPT2_QKVW || t == GPT2_FCW))
        CHECKF(memcmp(log.seen[stage - 1] + at, final + at, slice * sizeof(float)) != 0,
               "%s of layer %d was final before its stage %d", gpt2_param_name(t), l, stage);
    }
  }
  CHECKF(early == 0, "%zu of %zu gradient slices changed after the stage that called them final",
         early, finals);
  printf("backward stages: %d, every slice final at its stage (%zu checks)\n", stages, finals);
  for (int s = 0; s < 8; s++) free(log.seen[s]);
  gpt2_free(m);
}

// -------------------------------------------------------------------------------------------------
// 5. Overfitting one batch.

static void test_overfit(void) {
  const gpt2_config c = {.max_seq_len = 16, .vocab_size = 20, .padded_vocab_size = 32,
                         .num_layers = 2, .num_heads = 2, .channels = 32};
  enum { B = 2, T = 16, STEPS = 40 };
  int in[B * T], tg[B * T];
  random_tokens(in, B * T, c.vocab_size, 41);
  random_tokens(tg, B * T, c.vocab_size, 42);
  gpt2 *m = gpt2_create(&c, B, T);
  gpt2_init_params(m, 9);
  float *params = gpt2_params(m);
  const float *grads = gpt2_grads(m);
  size_t n = gpt2_param_count(m);
  // Plain Adam (no weight decay): enough to memorize 32 random targets.
  float *mom = calloc(n, sizeof *mom), *var = calloc(n, sizeof *var);
  const float lr = 1e-2f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  float first = 0, last = 0;
  for (int step = 1; step <= STEPS; step++) {
    last = gpt2_forward(m, in, tg, B, T);
    if (step == 1) first = last;
    gpt2_zero_grads(m);
    gpt2_backward(m);
    float c1 = 1 - powf(beta1, (float)step), c2 = 1 - powf(beta2, (float)step);
    for (size_t i = 0; i < n; i++) {
      mom[i] = beta1 * mom[i] + (1 - beta1) * grads[i];
      var[i] = beta2 * var[i] + (1 - beta2) * grads[i] * grads[i];
      params[i] -= lr * (mom[i] / c1) / (sqrtf(var[i] / c2) + eps);
    }
  }
  printf("overfit one batch with Adam: loss %.3f -> %.3f in %d steps\n", (double)first,
         (double)last, STEPS);
  CHECKF(last < 0.25f * first, "Adam on one batch did not bring the loss below a quarter: %.3f -> "
         "%.3f", (double)first, (double)last);
  free(mom);
  free(var);
  gpt2_free(m);
}

int main(void) {
  test_reference_forward();
  test_gradient_check();
  test_f32_against_f64();
  test_loss_at_init();
  test_accumulation_and_determinism();
  test_threads_same_bits();
  test_backward_stages();
  test_overfit();
  return check_done("test_gpt2");
}
