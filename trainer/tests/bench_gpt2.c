// Speed of the CPU GPT-2 model (trainer/gpt2.h): forward, backward and step time, and GFLOP/s. Not
// a test.
//
//   bench_gpt2                           the two standard shapes
//   bench_gpt2 L C NH T B V [steps]      one shape (Vp = V rounded up to 128), default 10 steps
//
// GFLOP/s counts gpt2_flops_per_token x B x T per forward + backward (the MFU convention: 6 x
// matmul weights + attention, causal half not discounted) over the median step time. One thread.
#include <stdio.h>
#include <stdlib.h>

#include "common/rng.h"
#include "common/timer.h"
#include "trainer/gpt2.h"

static int compare_doubles(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, compare_doubles);
  return v[n / 2];
}

static void bench(int L, int C, int NH, int T, int B, int V, int steps) {
  gpt2_config c = {.max_seq_len = T, .vocab_size = V, .padded_vocab_size = gpt2_pad_vocab(V),
                   .num_layers = L, .num_heads = NH, .channels = C};
  const char *error = gpt2_config_error(&c);
  if (error) {
    fprintf(stderr, "bench_gpt2: %s\n", error);
    exit(2);
  }
  gpt2 *m = gpt2_create(&c, B, T);
  gpt2_init_params(m, 1);
  int *in = malloc((size_t)B * T * sizeof *in), *tg = malloc((size_t)B * T * sizeof *tg);
  cc_rng rng;
  cc_rng_seed(&rng, 2);
  for (int i = 0; i < B * T; i++) {
    in[i] = (int)cc_rng_below(&rng, (uint64_t)V);
    tg[i] = (int)cc_rng_below(&rng, (uint64_t)V);
  }
  double *fwd = malloc((size_t)steps * sizeof *fwd), *bwd = malloc((size_t)steps * sizeof *bwd);
  double *step = malloc((size_t)steps * sizeof *step);
  gpt2_forward(m, in, tg, B, T);  // warm up: page in every buffer
  gpt2_zero_grads(m);
  gpt2_backward(m);
  for (int s = 0; s < steps; s++) {
    double t0 = cc_now_s();
    gpt2_forward(m, in, tg, B, T);
    double t1 = cc_now_s();
    gpt2_zero_grads(m);
    gpt2_backward(m);
    double t2 = cc_now_s();
    fwd[s] = t1 - t0;
    bwd[s] = t2 - t1;
    step[s] = t2 - t0;
  }
  double f = median(fwd, steps), b = median(bwd, steps), st = median(step, steps);
  double flops = gpt2_flops_per_token(&c, T) * B * T;
  printf("L=%d C=%d NH=%d T=%d B=%d V=%d Vp=%d  %.2fM params  forward %.1f ms  backward %.1f ms  "
         "step %.1f ms  %.2f GFLOP/s\n",
         L, C, NH, T, B, V, c.padded_vocab_size, (double)gpt2_param_count(m) / 1e6, f * 1e3,
         b * 1e3, st * 1e3, flops / st / 1e9);
  free(fwd);
  free(bwd);
  free(step);
  free(in);
  free(tg);
  gpt2_free(m);
}

int main(int argc, char **argv) {
  if (argc == 1) {
    bench(4, 128, 4, 64, 8, 64, 10);
    bench(4, 256, 4, 128, 4, 64, 10);
    return 0;
  }
  if (argc != 7 && argc != 8) {
    fprintf(stderr, "usage: bench_gpt2 [L C NH T B V [steps]]\n");
    return 2;
  }
  int v[7] = {0, 0, 0, 0, 0, 0, 10};
  for (int i = 1; i < argc; i++) v[i - 1] = atoi(argv[i]);
  if (v[3] < 1 || v[4] < 1 || v[6] < 1) {
    fprintf(stderr, "bench_gpt2: T, B and steps must be >= 1\n");
    return 2;
  }
  bench(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
  return 0;
}
