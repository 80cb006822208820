// GPU tests of the CUDA model (trainer/gpt2_cuda.h, layers_cuda.h, optim_cuda.h) against the CPU
// model. Exits 77 (Skipped) where no GPU is visible.
//   1. every layer forward and backward against the CPU layer (gpt2_layers_ref.h) on random inputs, in
//      two shapes (odd sizes: tails of every warp, tile and block); outputs in poisoned buffers with
//      guard zones, so an element never written or written out of bounds shows up;
//   2. AdamW and clipping give the CPU's bits; the gradient norm agrees to 1e-12;
//   3. the whole model: loss and every gradient after one forward/backward against gpt2.h, in fp32,
//      tf32 and bf16 (tolerances below); padded vocabulary rows get exactly zero gradient; the GPU
//      repeats its own bits; backward twice is twice the gradient;
//   4. 20 AdamW steps on the Markov source track the CPU's loss curve.
// Error measures: for a layer, max |gpu - cpu| / max |cpu| over the output; for a gradient tensor,
// ||gpu - cpu||_2 / ||cpu||_2. Every measure is printed, so a first run shows the margins.
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime.h>

#include "common/rng.h"
#include "kernels/cuda_device.h"
#include "kernels/tests/cuda_test.h"
#include "trainer/data.h"
#include "trainer/gpt2.h"
#include "trainer/gpt2_cuda.h"
#include "trainer/layers_cuda.h"
#include "trainer/optim.h"
#include "trainer/optim_cuda.h"
#include "trainer/tests/gpt2_layers_ref.h"

static cc_rng rng;
static cudaStream_t stream;

// Layers in fp32: products of at most a few hundred terms and the same formulas as the CPU.
#define LAYER_TOL 2e-5

static void fill(float *x, size_t n, double mean, double std) {
  for (size_t i = 0; i < n; i++) x[i] = (float)(mean + std * cc_rng_normal(&rng));
}

static void fill_tokens(int *t, size_t n, int below) {
  for (size_t i = 0; i < n; i++) t[i] = (int)cc_rng_below(&rng, (uint64_t)below);
}

static float *host_floats(size_t n) { return host_alloc(n * sizeof(float)); }

static void *dev_copy(const void *host, size_t bytes) {
  void *d;
  CC_CHECK_CUDA(cudaMalloc(&d, bytes ? bytes : 1));
  if (bytes) CC_CHECK_CUDA(cudaMemcpy(d, host, bytes, cudaMemcpyHostToDevice));
  return d;
}

// An output buffer: poisoned with guards, holding `init` (for += outputs) or only poison.
static dev_buf out_buf(const float *init, size_t n) {
  dev_buf d = dev_buf_alloc(n * sizeof(float), 0);
  if (init) dev_upload(&d, init);
  return d;
}

static double max_abs_err(const float *got, const float *want, size_t n, double *scale) {
  double err = 0, big = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)got[i] - (double)want[i]);
    if (!(d <= err)) err = d;  // NaN sticks
    if (fabs((double)want[i]) > big) big = fabs((double)want[i]);
  }
  *scale = big;
  return err;
}

// Downloads `d`, checks its guards and that it is within tol of `want` (max error / max |want|).
static void expect_close(const char *what, dev_buf *d, const float *want, size_t n, double tol) {
  float *got = host_floats(n);
  dev_download(got, d);
  double scale, err = max_abs_err(got, want, n, &scale);
  double rel = scale > 0 ? err / scale : err;
  printf("  %-34s %.2e (tol %.0e)\n", what, rel, tol);
  CHECKF(rel <= tol, "%s: max error %.3e relative to max |ref| %.3e exceeds %.0e", what, err, scale, tol);
  CHECKF(dev_guard_damage(d) == 0, "%s: written out of bounds", what);
  free(got);
}

typedef struct {
  int B, T, C, NH, V, Vp;
} shape;

// ---------------------------------------------------------------------------------------------------
// 1. Layers

static void test_encoder(const gpt2_cuda_ctx *ctx, shape s) {
  int N = s.B * s.T, C = s.C;
  int *tokens = host_alloc((size_t)N * sizeof(int));
  fill_tokens(tokens, (size_t)N, s.V < 7 ? s.V : 7);  // few distinct tokens: many positions share one
  float *wte = host_floats((size_t)s.Vp * C), *wpe = host_floats((size_t)s.T * C);
  fill(wte, (size_t)s.Vp * C, 0, 1);
  fill(wpe, (size_t)s.T * C, 0, 1);
  float *out = host_floats((size_t)N * C);
  ref_encoder_forward(out, tokens, wte, wpe, s.B, s.T, C);
  int *d_tokens = dev_copy(tokens, (size_t)N * sizeof(int));
  float *d_wte = dev_copy(wte, (size_t)s.Vp * C * 4), *d_wpe = dev_copy(wpe, (size_t)s.T * C * 4);
  dev_buf d_out = out_buf(NULL, (size_t)N * C);
  encoder_forward_cuda(ctx, d_out.p, d_tokens, d_wte, d_wpe, s.B, s.T, C);
  expect_close("encoder forward", &d_out, out, (size_t)N * C, 0);

  // Backward: += into random gradients; the grouping by token must add in the CPU's order.
  float *dout = host_floats((size_t)N * C), *dwte = host_floats((size_t)s.Vp * C), *dwpe = host_floats((size_t)s.T * C);
  fill(dout, (size_t)N * C, 0, 1);
  fill(dwte, (size_t)s.Vp * C, 0, 1);
  fill(dwpe, (size_t)s.T * C, 0, 1);
  dev_buf d_dwte = out_buf(dwte, (size_t)s.Vp * C), d_dwpe = out_buf(dwpe, (size_t)s.T * C);
  float *d_dout = dev_copy(dout, (size_t)N * C * 4);
  token_positions host;
  token_positions_alloc(&host, N, s.V);
  token_positions_build(&host, tokens, N, s.V);
  token_positions dev = {.distinct = host.distinct};
  dev.token = dev_copy(host.token, (size_t)host.distinct * sizeof(int));
  dev.start = dev_copy(host.start, ((size_t)host.distinct + 1) * sizeof(int));
  dev.position = dev_copy(host.position, (size_t)N * sizeof(int));
  encoder_backward_cuda(ctx, d_dwte.p, d_dwpe.p, d_dout, &dev, s.B, s.T, C);
  ref_encoder_backward(dwte, dwpe, dout, tokens, s.B, s.T, C);
  expect_close("encoder backward dwte (same order)", &d_dwte, dwte, (size_t)s.Vp * C, 0);
  expect_close("encoder backward dwpe (same order)", &d_dwpe, dwpe, (size_t)s.T * C, 0);

  token_positions_free(&host);
  cudaFree(dev.token), cudaFree(dev.start), cudaFree(dev.position);
  cudaFree(d_tokens), cudaFree(d_wte), cudaFree(d_wpe), cudaFree(d_dout);
  dev_buf_free(&d_out), dev_buf_free(&d_dwte), dev_buf_free(&d_dwpe);
  free(tokens), free(wte), free(wpe), free(out), free(dout), free(dwte), free(dwpe);
}

static void test_layernorm(const gpt2_cuda_ctx *ctx, shape s) {
  int N = s.B * s.T, C = s.C;
  size_t nc = (size_t)N * C;
  float *inp = host_floats(nc), *w = host_floats(C), *b = host_floats(C);
  fill(inp, nc, 3, 2);  // |mean| > std: the two-pass variance matters
  fill(w, C, 1, 0.2);
  fill(b, C, 0, 0.2);
  float *out = host_floats(nc), *mean = host_floats(N), *rstd = host_floats(N);
  ref_layernorm_forward(out, mean, rstd, inp, w, b, N, C);
  float *d_inp = dev_copy(inp, nc * 4), *d_w = dev_copy(w, C * 4), *d_b = dev_copy(b, C * 4);
  dev_buf d_out = out_buf(NULL, nc), d_mean = out_buf(NULL, N), d_rstd = out_buf(NULL, N);
  layernorm_forward_cuda(ctx, d_out.p, d_mean.p, d_rstd.p, d_inp, d_w, d_b, N, C);
  expect_close("layernorm forward", &d_out, out, nc, LAYER_TOL);
  expect_close("layernorm mean", &d_mean, mean, N, LAYER_TOL);
  expect_close("layernorm rstd", &d_rstd, rstd, N, LAYER_TOL);

  float *dout = host_floats(nc), *dinp = host_floats(nc), *dw = host_floats(C), *db = host_floats(C);
  fill(dout, nc, 0, 1);
  fill(dinp, nc, 0, 1);
  fill(dw, C, 0, 1);
  fill(db, C, 0, 1);
  float *d_dout = dev_copy(dout, nc * 4);
  float *d_mean2 = dev_copy(mean, N * 4), *d_rstd2 = dev_copy(rstd, N * 4);  // the CPU's statistics
  dev_buf d_dinp = out_buf(dinp, nc), d_dw = out_buf(dw, C), d_db = out_buf(db, C);
  layernorm_backward_cuda(ctx, d_dinp.p, d_dw.p, d_db.p, d_dout, d_inp, d_w, d_mean2, d_rstd2, N, C);
  ref_layernorm_backward(dinp, dw, db, dout, inp, w, mean, rstd, N, C);
  expect_close("layernorm backward dinp", &d_dinp, dinp, nc, LAYER_TOL);
  expect_close("layernorm backward dw", &d_dw, dw, C, LAYER_TOL);
  expect_close("layernorm backward db", &d_db, db, C, LAYER_TOL);

  cudaFree(d_inp), cudaFree(d_w), cudaFree(d_b), cudaFree(d_dout), cudaFree(d_mean2), cudaFree(d_rstd2);
  dev_buf_free(&d_out), dev_buf_free(&d_mean), dev_buf_free(&d_rstd);
  dev_buf_free(&d_dinp), dev_buf_free(&d_dw), dev_buf_free(&d_db);
  free(inp), free(w), free(b), free(out), free(mean), free(rstd), free(dout), free(dinp), free(dw), free(db);
}

static void test_matmul(const gpt2_cuda_ctx *ctx, int N, int IC, int OC, bool with_bias_residual) {
  size_t ni = (size_t)N * IC, no = (size_t)N * OC, nw = (size_t)OC * IC;
  float *inp = host_floats(ni), *w = host_floats(nw), *bias = host_floats(OC), *residual = host_floats(no);
  fill(inp, ni, 0, 1);
  fill(w, nw, 0, 0.1);
  fill(bias, OC, 0, 1);
  fill(residual, no, 0, 1);
  const float *bias_or_null = with_bias_residual ? bias : NULL, *res_or_null = with_bias_residual ? residual : NULL;
  float *out = host_floats(no);
  ref_matmul_forward(out, inp, w, bias_or_null, res_or_null, N, IC, OC);
  float *d_inp = dev_copy(inp, ni * 4), *d_w = dev_copy(w, nw * 4), *d_bias = dev_copy(bias, OC * 4);
  float *d_res = dev_copy(residual, no * 4);
  dev_buf d_out = out_buf(NULL, no);
  matmul_forward_cuda(ctx, d_out.p, d_inp, d_w, with_bias_residual ? d_bias : NULL,
                      with_bias_residual ? d_res : NULL, N, IC, OC);
  char what[96];
  snprintf(what, sizeof what, "matmul forward %dx%d%s", IC, OC, with_bias_residual ? " +bias +res" : "");
  expect_close(what, &d_out, out, no, LAYER_TOL);

  float *dout = host_floats(no), *dinp = host_floats(ni), *dw = host_floats(nw), *dbias = host_floats(OC);
  fill(dout, no, 0, 1);
  fill(dw, nw, 0, 1);
  fill(dbias, OC, 0, 1);
  float *d_dout = dev_copy(dout, no * 4);
  dev_buf d_dinp = out_buf(NULL, ni), d_dw = out_buf(dw, nw), d_dbias = out_buf(dbias, OC);
  matmul_backward_cuda(ctx, d_dinp.p, d_dw.p, d_dbias.p, d_dout, d_inp, d_w, N, IC, OC);
  ref_matmul_backward(dinp, dw, dbias, dout, inp, w, N, IC, OC);
  snprintf(what, sizeof what, "matmul backward dinp %dx%d", IC, OC);
  expect_close(what, &d_dinp, dinp, ni, LAYER_TOL);
  snprintf(what, sizeof what, "matmul backward dw %dx%d", IC, OC);
  expect_close(what, &d_dw, dw, nw, LAYER_TOL);
  snprintf(what, sizeof what, "matmul backward dbias %dx%d", IC, OC);
  expect_close(what, &d_dbias, dbias, OC, LAYER_TOL);

  cudaFree(d_inp), cudaFree(d_w), cudaFree(d_bias), cudaFree(d_res), cudaFree(d_dout);
  dev_buf_free(&d_out), dev_buf_free(&d_dinp), dev_buf_free(&d_dw), dev_buf_free(&d_dbias);
  free(inp), free(w), free(bias), free(residual), free(out), free(dout), free(dinp), free(dw), free(dbias);
}

static void test_gelu(const gpt2_cuda_ctx *ctx, size_t n) {
  float *inp = host_floats(n), *out = host_floats(n), *d = host_floats(n);
  fill(inp, n, 0, 3);
  inp[0] = -100, inp[1] = 100, inp[2] = 0;  // exp overflow (-0), saturation, zero
  fill(d, n, 0, 1);
  ref_gelu_forward(out, inp, n);
  float *d_inp = dev_copy(inp, n * 4);
  dev_buf d_out = out_buf(NULL, n), d_d = out_buf(d, n);
  gelu_forward_cuda(ctx, d_out.p, d_inp, n);
  expect_close("gelu forward", &d_out, out, n, LAYER_TOL);
  gelu_backward_cuda(ctx, d_d.p, d_inp, n);
  ref_gelu_backward(d, inp, n);
  expect_close("gelu backward", &d_d, d, n, LAYER_TOL);
  cudaFree(d_inp);
  dev_buf_free(&d_out), dev_buf_free(&d_d);
  free(inp), free(out), free(d);
}

static void test_attention(const gpt2_cuda_ctx *ctx, shape s) {
  int N = s.B * s.T, C = s.C;
  size_t nqkv = (size_t)N * 3 * C, nc = (size_t)N * C, natt = (size_t)s.B * s.NH * s.T * s.T;
  float *qkv = host_floats(nqkv), *out = host_floats(nc), *att = host_floats(natt);
  fill(qkv, nqkv, 0, 1);
  ref_attention_forward(out, att, qkv, s.B, s.T, C, s.NH);
  float *d_qkv = dev_copy(qkv, nqkv * 4), *d_scratch;
  CC_CHECK_CUDA(cudaMalloc((void **)&d_scratch, attention_scratch_elems(s.B, s.T, C, s.NH) * sizeof(float)));
  attention_scratch scratch = attention_scratch_at(d_scratch, s.B, s.T, C, s.NH);
  dev_buf d_out = out_buf(NULL, nc), d_att = out_buf(NULL, natt);
  attention_forward_cuda(ctx, d_out.p, d_att.p, d_qkv, &scratch, s.B, s.T, C, s.NH);
  expect_close("attention forward out", &d_out, out, nc, LAYER_TOL);
  expect_close("attention forward probabilities", &d_att, att, natt, LAYER_TOL);

  float *dout = host_floats(nc), *dqkv = host_floats(nqkv);
  fill(dout, nc, 0, 1);
  float *d_dout = dev_copy(dout, nc * 4), *d_att2 = dev_copy(att, natt * 4);  // the CPU's probabilities
  dev_buf d_dqkv = out_buf(NULL, nqkv);  // poisoned: every element must be written
  attention_backward_cuda(ctx, d_dqkv.p, d_dout, d_qkv, d_att2, &scratch, s.B, s.T, C, s.NH);
  ref_attention_backward(dqkv, dout, qkv, att, s.B, s.T, C, s.NH);
  expect_close("attention backward dqkv", &d_dqkv, dqkv, nqkv, LAYER_TOL);

  cudaFree(d_qkv), cudaFree(d_scratch), cudaFree(d_dout), cudaFree(d_att2);
  dev_buf_free(&d_out), dev_buf_free(&d_att), dev_buf_free(&d_dqkv);
  free(qkv), free(out), free(att), free(dout), free(dqkv);
}

static void test_crossentropy(const gpt2_cuda_ctx *ctx, shape s) {
  int N = s.B * s.T, V = s.V, Vp = s.Vp;
  size_t nl = (size_t)N * Vp, np = (size_t)N * V;
  float *logits = host_floats(nl), *probs = host_floats(np), *losses = host_floats(N);
  int *targets = host_alloc((size_t)N * sizeof(int));
  fill(logits, nl, 0, 3);
  for (int n = 0; n < N; n++)
    for (int v = V; v < Vp; v++) logits[(size_t)n * Vp + v] = 1e30f;  // padded: must never be read
  fill_tokens(targets, (size_t)N, V);
  for (int n = 0; n < N; n++) memcpy(probs + (size_t)n * V, logits + (size_t)n * Vp, (size_t)V * sizeof(float));
  ref_crossentropy_forward(probs, losses, targets, N, V);

  float *d_logits = dev_copy(logits, nl * 4);
  int *d_targets = dev_copy(targets, (size_t)N * sizeof(int));
  dev_buf d_losses = out_buf(NULL, N), d_max = out_buf(NULL, N), d_inv = out_buf(NULL, N);
  crossentropy_forward_cuda(ctx, d_losses.p, d_max.p, d_inv.p, d_logits, d_targets, N, V, Vp);
  expect_close("crossentropy losses", &d_losses, losses, N, LAYER_TOL);
  dev_buf d_probs = out_buf(NULL, np);
  crossentropy_probs_cuda(ctx, d_probs.p, d_logits, d_max.p, d_inv.p, N, V, Vp);
  expect_close("crossentropy probabilities", &d_probs, probs, np, LAYER_TOL);

  // The CPU model's logit gradient (gpt2_layers.h's backward): p / N, minus 1 / N at the target.
  float *dlogits = host_floats(nl), inv_n = (float)(1.0 / (double)N);
  for (int n = 0; n < N; n++)
    for (int v = 0; v < Vp; v++) {
      float *d = &dlogits[(size_t)n * Vp + v];
      *d = v < V ? probs[(size_t)n * V + v] * inv_n : 0.0f;
      if (v == targets[n]) *d -= inv_n;
    }
  dev_buf d_dlogits = out_buf(NULL, nl);
  crossentropy_backward_cuda(ctx, d_dlogits.p, d_logits, d_max.p, d_inv.p, d_targets, N, V, Vp);
  expect_close("crossentropy dlogits", &d_dlogits, dlogits, nl, LAYER_TOL);
  float *got = host_floats(nl);
  dev_download(got, &d_dlogits);
  size_t nonzero_padded = 0;
  for (int n = 0; n < N; n++)
    for (int v = V; v < Vp; v++) nonzero_padded += got[(size_t)n * Vp + v] != 0.0f || signbit(got[(size_t)n * Vp + v]);
  CHECKF(nonzero_padded == 0, "crossentropy: %zu padded logit gradients are not +0", nonzero_padded);

  cudaFree(d_logits), cudaFree(d_targets);
  dev_buf_free(&d_losses), dev_buf_free(&d_max), dev_buf_free(&d_inv), dev_buf_free(&d_probs);
  dev_buf_free(&d_dlogits);
  free(logits), free(probs), free(losses), free(targets), free(dlogits), free(got);
}

static void test_layers(void) {
  gpt2_cuda_ctx ctx;
  gpt2_cuda_ctx_init(&ctx, stream, GPT2_MATH_FP32, 0);
  // Odd sizes (T and C not multiples of 32, hs 12) and a larger one (several warps per row, 4 heads of 32).
  shape shapes[] = {{.B = 3, .T = 37, .C = 48, .NH = 4, .V = 97, .Vp = 128},
                    {.B = 2, .T = 130, .C = 128, .NH = 4, .V = 1000, .Vp = 1024}};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    shape s = shapes[i];
    printf("layers, B %d T %d C %d NH %d V %d Vp %d (max error / max |cpu|):\n", s.B, s.T, s.C, s.NH, s.V, s.Vp);
    test_encoder(&ctx, s);
    test_layernorm(&ctx, s);
    test_matmul(&ctx, s.B * s.T, s.C, 3 * s.C, false);
    test_matmul(&ctx, s.B * s.T, s.C, 4 * s.C, true);
    test_matmul(&ctx, s.B * s.T, 4 * s.C, s.C, true);
    test_gelu(&ctx, (size_t)s.B * s.T * 4 * s.C);
    test_attention(&ctx, s);
    test_crossentropy(&ctx, s);
  }
  gpt2_cuda_ctx_free(&ctx);
}

// ---------------------------------------------------------------------------------------------------
// 2. Optimizer

static void test_optimizer(void) {
  size_t n = 100003;
  float *p = host_floats(n), *g = host_floats(n), *m = host_floats(n), *v = host_floats(n);
  float *got = host_floats(n);
  adamw_params hp = {.beta1 = 0.9, .beta2 = 0.95, .eps = 1e-8, .weight_decay = 0.1};
  long long steps[] = {1, 1234};
  for (int decay = 0; decay < 2; decay++)
    for (int k = 0; k < 2; k++) {
      fill(p, n, 0, 1), fill(g, n, 0, 0.01), fill(m, n, 0, 0.01), fill(v, n, 0, 1e-4);
      for (size_t i = 0; i < n; i++) v[i] = fabsf(v[i]);
      float *dp = dev_copy(p, n * 4), *dg = dev_copy(g, n * 4), *dm = dev_copy(m, n * 4), *dv = dev_copy(v, n * 4);
      adamw_update_cuda(dp, dg, dm, dv, n, steps[k], 3e-4, &hp, decay, stream);
      adamw_update(p, g, m, v, n, steps[k], 3e-4, &hp, decay);
      CC_CHECK_CUDA(cudaStreamSynchronize(stream));
      CC_CHECK_CUDA(cudaMemcpy(got, dp, n * 4, cudaMemcpyDeviceToHost));
      CHECKF(memcmp(got, p, n * 4) == 0, "adamw (t %lld, decay %d): parameters differ from the CPU's bits", steps[k], decay);
      CC_CHECK_CUDA(cudaMemcpy(got, dm, n * 4, cudaMemcpyDeviceToHost));
      CHECKF(memcmp(got, m, n * 4) == 0, "adamw (t %lld, decay %d): m differs from the CPU's bits", steps[k], decay);
      CC_CHECK_CUDA(cudaMemcpy(got, dv, n * 4, cudaMemcpyDeviceToHost));
      CHECKF(memcmp(got, v, n * 4) == 0, "adamw (t %lld, decay %d): v differs from the CPU's bits", steps[k], decay);
      cudaFree(dp), cudaFree(dg), cudaFree(dm), cudaFree(dv);
    }

  // Norm and clipping on a gradient larger than the norm's grid.
  size_t big = (1u << 20) + 3;
  float *grad = host_floats(big), *clipped = host_floats(big), *got_big = host_floats(big);
  fill(grad, big, 0, 0.01);
  float *dgrad = dev_copy(grad, big * 4);
  double *work;
  CC_CHECK_CUDA(cudaMalloc((void **)&work, GRAD_NORM_WORKSPACE * sizeof(double)));
  double norm_gpu = grad_norm_cuda(dgrad, big, work, stream), norm_cpu = grad_norm(grad, big);
  double norm_again = grad_norm_cuda(dgrad, big, work, stream);
  printf("optimizer: grad norm gpu %.17g cpu %.17g (rel %.1e)\n", norm_gpu, norm_cpu, fabs(norm_gpu / norm_cpu - 1));
  CHECKF(fabs(norm_gpu / norm_cpu - 1) <= 1e-12, "grad norm %.17g vs the CPU's %.17g", norm_gpu, norm_cpu);
  CHECKF(norm_again == norm_gpu, "grad norm differs between two runs");
  CHECKF(grad_norm_cuda(dgrad, 0, work, stream) == 0.0, "grad norm of nothing is not 0");
  for (int below = 0; below < 2; below++) {
    double max_norm = below ? 2 * norm_cpu : 0.5 * norm_cpu;
    double s_gpu = clip_grad_norm_cuda(dgrad, big, norm_cpu, max_norm, stream);
    memcpy(clipped, grad, big * 4);
    double s_cpu = clip_grad_norm(clipped, big, norm_cpu, max_norm);
    CC_CHECK_CUDA(cudaStreamSynchronize(stream));
    CC_CHECK_CUDA(cudaMemcpy(got_big, dgrad, big * 4, cudaMemcpyDeviceToHost));
    CHECKF(s_gpu == s_cpu && memcmp(got_big, clipped, big * 4) == 0, "clip (max %s the norm): not the CPU's bits",
           below ? "above" : "below");
    CC_CHECK_CUDA(cudaMemcpy(dgrad, grad, big * 4, cudaMemcpyHostToDevice));
  }
  cudaFree(dgrad), cudaFree(work);
  free(p), free(g), free(m), free(v), free(got), free(grad), free(clipped), free(got_big);
}

// ---------------------------------------------------------------------------------------------------
// 3. The whole model against gpt2.h

// Every parameter random (padded wte rows too: they must not matter), LayerNorm weights around 1.
static void random_params(float *params, const gpt2_config *c) {
  size_t sizes[GPT2_NUM_PARAM_TENSORS], offsets[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_sizes(c, sizes);
  gpt2_param_offsets(c, offsets);
  for (int i = 0; i < GPT2_NUM_PARAM_TENSORS; i++) {
    bool lnw = i == GPT2_LN1W || i == GPT2_LN2W || i == GPT2_LNFW;
    fill(params + offsets[i], sizes[i], lnw ? 1.0 : 0.0, 0.1);
  }
}

static double l2_rel(const float *got, const float *want, size_t n) {
  double d = 0, w = 0;
  for (size_t i = 0; i < n; i++) {
    double e = (double)got[i] - want[i];
    d += e * e;
    w += (double)want[i] * want[i];
  }
  return w > 0 ? sqrt(d / w) : sqrt(d);
}

static void test_model(gpt2_math math, double loss_tol, double grad_tol) {
  gpt2_config c = {.max_seq_len = 32, .vocab_size = 70, .padded_vocab_size = 128, .num_layers = 2, .num_heads = 4,
                   .channels = 48};
  int B = 3, T = 24;  // T < max_seq_len: wpe rows past T get no gradient
  size_t N = (size_t)B * T;
  gpt2 *cpu = gpt2_create(&c, B, T);
  size_t n = gpt2_param_count(cpu);
  random_params(gpt2_params(cpu), &c);
  int *inputs = host_alloc(N * sizeof(int)), *targets = host_alloc(N * sizeof(int));
  fill_tokens(inputs, N, c.vocab_size);
  fill_tokens(targets, N, c.vocab_size);
  gpt2_zero_grads(cpu);
  float loss_cpu = gpt2_forward(cpu, inputs, targets, B, T);
  gpt2_backward(cpu);
  const float *want = gpt2_grads(cpu);

  gpt2_cuda_options opt = {.stream = stream, .math = math};
  gpt2_cuda *gpu = gpt2_cuda_create(&c, B, T, &opt);
  CHECK(gpt2_cuda_param_count(gpu) == n);
  gpt2_cuda_upload_params(gpu, gpt2_params(cpu));
  gpt2_cuda_zero_grads(gpu);
  float loss_gpu = gpt2_cuda_forward(gpu, inputs, targets, B, T);
  gpt2_cuda_backward(gpu);
  float *grads = host_floats(n), *again = host_floats(n);
  gpt2_cuda_download_grads(gpu, grads);

  const char *name = gpt2_math_name(math);
  double loss_rel = fabs((double)loss_gpu / loss_cpu - 1);
  printf("model %s: loss gpu %.7f cpu %.7f (rel %.1e, tol %.0e); gradient ||gpu - cpu|| / ||cpu|| (tol %.0e):\n",
         name, loss_gpu, loss_cpu, loss_rel, loss_tol, grad_tol);
  CHECKF(loss_rel <= loss_tol, "model %s: loss %.7f vs the CPU's %.7f", name, loss_gpu, loss_cpu);
  size_t sizes[GPT2_NUM_PARAM_TENSORS], offsets[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_sizes(&c, sizes);
  gpt2_param_offsets(&c, offsets);
  for (int t = 0; t < GPT2_NUM_PARAM_TENSORS; t++) {
    double rel = l2_rel(grads + offsets[t], want + offsets[t], sizes[t]);
    printf("  %-9s %.2e\n", gpt2_param_name(t), rel);
    CHECKF(rel <= grad_tol, "model %s: %s gradient differs from the CPU's by %.2e", name, gpt2_param_name(t), rel);
  }
  size_t padded_nonzero = 0;
  for (size_t i = (size_t)c.vocab_size * c.channels; i < sizes[GPT2_WTE]; i++) padded_nonzero += grads[i] != 0.0f;
  CHECKF(padded_nonzero == 0, "model %s: %zu gradients of padded wte rows are not 0", name, padded_nonzero);

  // The same bits again; backward twice is twice the gradient (the activations survive a backward).
  gpt2_cuda_zero_grads(gpu);
  float loss_again = gpt2_cuda_forward(gpu, inputs, targets, B, T);
  gpt2_cuda_backward(gpu);
  gpt2_cuda_download_grads(gpu, again);
  CHECKF(loss_again == loss_gpu && memcmp(again, grads, n * 4) == 0, "model %s: a second run gives other bits", name);
  gpt2_cuda_backward(gpu);
  gpt2_cuda_download_grads(gpu, again);
  for (size_t i = 0; i < n; i++) grads[i] *= 2;
  double twice = l2_rel(again, grads, n);
  CHECKF(twice <= 1e-6, "model %s: backward twice is not twice the gradient (rel %.2e)", name, twice);
  // Inference without targets.
  CHECKF(isnan(gpt2_cuda_forward(gpu, inputs, NULL, B, T)), "model %s: a forward without targets has a loss", name);

  gpt2_cuda_free(gpu);
  gpt2_free(cpu);
  free(inputs), free(targets), free(grads), free(again);
}

// ---------------------------------------------------------------------------------------------------
// 4. Training on the Markov source, CPU and GPU side by side

static bool tensor_decays(int t) {  // as cctrain
  return t == GPT2_WTE || t == GPT2_WPE || t == GPT2_QKVW || t == GPT2_ATTPROJW || t == GPT2_FCW || t == GPT2_FCPROJW;
}

static void test_markov_training(gpt2_math math, double tol) {
  enum { STEPS = 20, B = 8, T = 32 };
  data_markov_spec spec = data_markov_default();
  spec.vocab = 16;
  spec.order = 2;
  spec.seed = 7;
  spec.train_tokens = 65536;
  spec.val_tokens = 4096;
  token_stream train, val;
  char err[256];
  if (data_markov(&spec, T, &train, &val, err, sizeof err) != 0) CC_FATAL("markov data: %s", err);
  gpt2_config c = {.max_seq_len = T, .vocab_size = train.vocab_size, .padded_vocab_size = gpt2_pad_vocab(train.vocab_size),
                   .num_layers = 2, .num_heads = 4, .channels = 64};
  gpt2 *cpu = gpt2_create(&c, B, T);
  gpt2_init_params(cpu, 42);
  gpt2_cuda_options opt = {.stream = stream, .math = math};
  gpt2_cuda *gpu = gpt2_cuda_create(&c, B, T, &opt);
  gpt2_cuda_upload_params(gpu, gpt2_params(cpu));
  size_t n = gpt2_param_count(cpu), sizes[GPT2_NUM_PARAM_TENSORS], off[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_sizes(&c, sizes);
  gpt2_param_offsets(&c, off);
  float *m = cc_calloc(n, 4), *v = cc_calloc(n, 4), *dm, *dv;
  double *work;
  CC_CHECK_CUDA(cudaMalloc((void **)&dm, n * 4));
  CC_CHECK_CUDA(cudaMalloc((void **)&dv, n * 4));
  CC_CHECK_CUDA(cudaMemset(dm, 0, n * 4));
  CC_CHECK_CUDA(cudaMemset(dv, 0, n * 4));
  CC_CHECK_CUDA(cudaMalloc((void **)&work, GRAD_NORM_WORKSPACE * sizeof(double)));
  int *in = host_alloc(B * T * sizeof(int)), *tg = host_alloc(B * T * sizeof(int));
  adamw_params hp = {.beta1 = 0.9, .beta2 = 0.95, .eps = 1e-8, .weight_decay = 0.1};
  float *p = gpt2_params(cpu), *g = gpt2_grads(cpu), *gp = gpt2_cuda_params(gpu), *gg = gpt2_cuda_grads(gpu);
  double first[2] = {0, 0}, last[2] = {0, 0}, worst = 0;
  const char *name = gpt2_math_name(math);
  printf("markov training %s, %d steps (loss cpu, gpu):", name, STEPS);
  for (int step = 0; step < STEPS; step++) {
    double lr = lr_cosine(step, 2, STEPS, 3e-3, 3e-4);
    data_batch(&train, (uint64_t)step, B, 0, B, T, in, tg);
    gpt2_zero_grads(cpu);
    double lc = gpt2_forward(cpu, in, tg, B, T);
    gpt2_backward(cpu);
    clip_grad_norm(g, n, grad_norm(g, n), 1.0);
    gpt2_cuda_zero_grads(gpu);
    double lg = gpt2_cuda_forward(gpu, in, tg, B, T);
    gpt2_cuda_backward(gpu);
    clip_grad_norm_cuda(gg, n, grad_norm_cuda(gg, n, work, stream), 1.0, stream);
    for (int t = 0; t < GPT2_NUM_PARAM_TENSORS; t++) {
      adamw_update(p + off[t], g + off[t], m + off[t], v + off[t], sizes[t], step + 1, lr, &hp, tensor_decays(t));
      adamw_update_cuda(gp + off[t], gg + off[t], dm + off[t], dv + off[t], sizes[t], step + 1, lr, &hp,
                        tensor_decays(t), stream);
    }
    if (step % 5 == 0 || step == STEPS - 1) printf(" %d: %.4f %.4f", step, lc, lg);
    if (step == 0) first[0] = lc, first[1] = lg;
    last[0] = lc, last[1] = lg;
    if (!(fabs(lg - lc) <= worst)) worst = fabs(lg - lc);
  }
  printf("\n  largest |gpu - cpu| %.2e (tol %.0e)\n", worst, tol);
  CHECKF(worst <= tol, "markov %s: the GPU loss curve strays %.2e from the CPU's", name, worst);
  CHECKF(last[0] < first[0] - 0.2 && last[1] < first[1] - 0.2, "markov %s: the loss did not fall (cpu %.3f -> %.3f, gpu %.3f -> %.3f)",
         name, first[0], last[0], first[1], last[1]);
  cudaFree(dm), cudaFree(dv), cudaFree(work);
  free(m), free(v), free(in), free(tg);
  gpt2_cuda_free(gpu);
  gpt2_free(cpu);
  token_stream_free(&train);
  token_stream_free(&val);
}

int main(void) {
  cc_cuda_require_gpu_or_skip("trainer_gpt2_cuda");
  cc_rng_seed(&rng, test_seed("trainer_gpt2_cuda"));
  // A blocking stream: it waits for the legacy stream's work, so the plain cudaMemcpy/cudaMemset of the
  // test's uploads (whose DMA may still run when they return) land before the kernels read them.
  CC_CHECK_CUDA(cudaStreamCreate(&stream));
  test_layers();
  test_optimizer();
  // Tolerances: fp32 differs from the CPU by summation order only. TF32 rounds matmul operands to 10
  // mantissa bits (relative 2^-11 ~ 5e-4 each), bf16 to 7 (2^-8 ~ 4e-3): their gradients differ by
  // percents of their norm, through two layers of products.
  test_model(GPT2_MATH_FP32, 1e-5, 1e-4);
  test_model(GPT2_MATH_TF32, 5e-3, 3e-2);
  test_model(GPT2_MATH_BF16, 3e-2, 1.5e-1);
  test_markov_training(GPT2_MATH_FP32, 2e-3);
  test_markov_training(GPT2_MATH_TF32, 3e-2);
  test_markov_training(GPT2_MATH_BF16, 1e-1);
  CC_CHECK_CUDA(cudaStreamDestroy(stream));
  return check_done("trainer_gpt2_cuda");
}
