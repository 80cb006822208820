// The CPU's fp32 peak and how much of it the model's matmuls (OpenBLAS sgemm) reach. Not a test.
//
//   bench_cpu_matmul [threads]
//
// Peak: one thread runs independent chains of 16-wide fused multiply-adds (AVX-512 when the CPU has
// it, else 8-wide AVX2 FMA), enough of them to cover the FMA latency on every pipe, so the figure is
// the core's issue rate of FMAs x 2 FLOP x the vector width, measured rather than read off a
// datasheet (a VM's clock and a CPU's FMA pipes are not always what its name says). Then sgemm on
// the shapes of cctrain's matmuls (the nanoGPT CPU shape and GPT-2 124M at B 4, T 64) and one big
// square, on 1 thread and on `threads` (default: all online CPUs), as GFLOP/s and % of peak x
// threads.
#include <cblas.h>
#include <omp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/timer.h"
#include "trainer/cpu_threads.h"

typedef float v16 __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));

enum { CHAINS = 16, ROUNDS = 1 << 22 };

// CHAINS independent accumulators, each a = a * m + c per round: every round is CHAINS FMAs with no
// dependence between them. The result is returned so the work cannot be dropped.
__attribute__((target("avx512f"))) static float fma_chains_512(long rounds) {
  v16 acc[CHAINS], m = {0}, c = {0};
  for (int i = 0; i < 16; i++) m[i] = 0.999999f, c[i] = 1e-7f;
  for (int k = 0; k < CHAINS; k++)
    for (int i = 0; i < 16; i++) acc[k][i] = (float)(k + i);
  for (long r = 0; r < rounds; r++) {
    for (int k = 0; k < CHAINS; k++) acc[k] = __builtin_ia32_vfmaddps512_mask(acc[k], m, c, (unsigned short)-1, 4);
  }
  float sum = 0;
  for (int k = 0; k < CHAINS; k++)
    for (int i = 0; i < 16; i++) sum += acc[k][i];
  return sum;
}

__attribute__((target("avx2,fma"))) static float fma_chains_256(long rounds) {
  v8 acc[CHAINS], m = {0}, c = {0};
  for (int i = 0; i < 8; i++) m[i] = 0.999999f, c[i] = 1e-7f;
  for (int k = 0; k < CHAINS; k++)
    for (int i = 0; i < 8; i++) acc[k][i] = (float)(k + i);
  for (long r = 0; r < rounds; r++) {
    for (int k = 0; k < CHAINS; k++) acc[k] = __builtin_ia32_vfmaddps256(acc[k], m, c);
  }
  float sum = 0;
  for (int k = 0; k < CHAINS; k++)
    for (int i = 0; i < 8; i++) sum += acc[k][i];
  return sum;
}

// Best of 5 runs, in GFLOP/s of one thread.
static double peak_gflops(const char **isa) {
  __builtin_cpu_init();
  bool wide = __builtin_cpu_supports("avx512f");
  if (!wide && !__builtin_cpu_supports("fma")) {
    *isa = "none (no FMA)";
    return 0;
  }
  *isa = wide ? "AVX-512 FMA" : "AVX2 FMA";
  double best = 0;
  volatile float sink = 0;
  for (int run = 0; run < 5; run++) {
    double t0 = cc_now_s();
    sink += wide ? fma_chains_512(ROUNDS) : fma_chains_256(ROUNDS);
    double s = cc_now_s() - t0;
    double flops = 2.0 * (wide ? 16 : 8) * CHAINS * (double)ROUNDS;
    if (flops / s / 1e9 > best) best = flops / s / 1e9;
  }
  (void)sink;
  return best;
}

// Median-free and simple: the best of `reps` calls after one warm-up, C = A B (row-major, A m x k).
static double sgemm_gflops(int m, int n, int k, int reps) {
  float *a = malloc((size_t)m * k * sizeof *a), *b = malloc((size_t)k * n * sizeof *b);
  float *c = calloc((size_t)m * n, sizeof *c);
  for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (float)(i % 7) * 0.1f;
  for (size_t i = 0; i < (size_t)k * n; i++) b[i] = (float)(i % 5) * 0.1f;
  double best = 1e30;
  for (int r = 0; r <= reps; r++) {
    double t0 = cc_now_s();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n);
    double s = cc_now_s() - t0;
    if (r > 0 && s < best) best = s;
  }
  free(a), free(b), free(c);
  return 2.0 * m * n * k / best / 1e9;
}

int main(int argc, char **argv) {
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  int threads = argc > 1 ? atoi(argv[1]) : (int)online;
  if (threads < 1) {
    fprintf(stderr, "usage: bench_cpu_matmul [threads >= 1]\n");
    return 2;
  }
  const char *isa;
  double peak = peak_gflops(&isa);
  printf("# BLAS: %s\n", cpu_blas_config());
  printf("# fp32 peak of one core, measured (%s): %.1f GFLOP/s\n", isa, peak);
  struct {
    const char *what;
    int m, n, k;
  } shapes[] = {
      {"nanoGPT qkv (B12 T64 C128)", 768, 384, 128},  {"nanoGPT fc", 768, 512, 128},
      {"nanoGPT fcproj", 768, 128, 512},              {"nanoGPT lm head (V 256)", 768, 256, 128},
      {"124M qkv (B4 T64 C768)", 256, 2304, 768},     {"124M fc", 256, 3072, 768},
      {"124M fcproj", 256, 768, 3072},                {"124M lm head (V 50257)", 256, 50257, 768},
      {"square 2048", 2048, 2048, 2048},
  };
  int counts[2] = {1, threads};
  printf("# %-28s %6s %6s %6s %8s %10s %8s\n", "matmul", "m", "n", "k", "threads", "GFLOP/s", "%peak");
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    for (int j = 0; j < (threads > 1 ? 2 : 1); j++) {
      cpu_threads_set(counts[j]);
      double g = sgemm_gflops(shapes[i].m, shapes[i].n, shapes[i].k, 5);
      printf("  %-28s %6d %6d %6d %8d %10.1f %7.1f%%\n", shapes[i].what, shapes[i].m, shapes[i].n, shapes[i].k,
             counts[j], g, peak > 0 ? 100 * g / (peak * counts[j]) : 0);
    }
  }
  return 0;
}
