// Run by hand on a GPU host: exact and sampled-threshold top-k on the device (kernels/sparse_cuda.h).
//
//   bench_sparse_cuda [--n N] [--ratio R] [--runs R] [--warmup W] [--csv FILE]
//
// Defaults: 64M Gaussian floats, k = 1%, 25 timed runs after 3 warm-ups. Each run is one encode timed
// with CUDA events on a stream of its own; the table gives the median, min and max and the input read
// once per median time as GB/s. --csv writes the same rows (columns shared with scripts/torch_topk.py,
// so the two files concatenate into one comparison) atomically: FILE.partial, then renamed.
#include "kernels/common_cuda.h"
#include "kernels/sparse_cuda.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "common/atomic_file.h"
#include "compress/schemes.h"
}

#include "kernels/cuda_device.h"

static const char *CSV_HEADER = "impl,mode,device,n,k,ratio,runs,median_us,min_us,max_us,gbps\n";

// Gaussian-looking gradients, counter-based: Box-Muller on two 26-bit uniforms from one hash.
static __global__ void fill_kernel(float *x, size_t n, uint64_t seed) {
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    uint64_t h = cc_hash64(seed, i);
    double u1 = ((double)(h >> 38) + 0.5) * 0x1p-26, u2 = (double)((h >> 12) & 0x3ffffff) * 0x1p-26;
    x[i] = (float)(sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2) * 1e-3);
  }
}

static int compare_floats(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

typedef struct {
  const char *mode;
  size_t k;
  float median_us, min_us, max_us;
} result;

static result time_mode(const char *mode, const cc_compressor *c, const float *x, size_t n, int runs, int warmup,
                        cudaStream_t s) {
  size_t bytes = cc_compressed_bytes(c, n), ws = cc_cuda_sparse_workspace_bytes(c, n);
  void *out, *work;
  CC_CHECK_CUDA(cudaMalloc(&out, bytes));
  CC_CHECK_CUDA(cudaMalloc(&work, ws));
  cudaEvent_t start, stop;
  CC_CHECK_CUDA(cudaEventCreate(&start));
  CC_CHECK_CUDA(cudaEventCreate(&stop));
  float *us = (float *)cc_malloc((size_t)runs * sizeof(float));
  for (int r = -warmup; r < runs; r++) {
    CC_CHECK_CUDA(cudaEventRecord(start, s));
    cc_cuda_topk_encode(c, x, n, out, 0x5eed + (uint64_t)r, work, s);
    CC_CHECK_CUDA(cudaEventRecord(stop, s));
    CC_CHECK_CUDA(cudaEventSynchronize(stop));
    float ms;
    CC_CHECK_CUDA(cudaEventElapsedTime(&ms, start, stop));
    if (r >= 0) us[r] = ms * 1000;
  }
  qsort(us, (size_t)runs, sizeof *us, compare_floats);
  result res = {mode, cc_sparse_k(c->ratio, n), us[runs / 2], us[0], us[runs - 1]};
  free(us);
  CC_CHECK_CUDA(cudaEventDestroy(start));
  CC_CHECK_CUDA(cudaEventDestroy(stop));
  CC_CHECK_CUDA(cudaFree(out));
  CC_CHECK_CUDA(cudaFree(work));
  return res;
}

// A whole number in [lo, hi], or a one-line error naming the flag.
static size_t parse_count(const char *flag, const char *text, double lo, double hi) {
  char *end;
  double v = strtod(text, &end);
  if (*end || !(v >= lo && v <= hi) || v != floor(v))
    cc_input_error("%s: '%s' is not a whole number in [%.0f, %.0f]", flag, text, lo, hi);
  return (size_t)v;
}

int main(int argc, char **argv) {
  cc_set_progname("bench_sparse_cuda");
  size_t n = (size_t)1 << 26;
  double ratio = 0.01;
  int runs = 25, warmup = 3;
  const char *csv = NULL;
  for (int a = 1; a < argc; a++) {
    const char *flag = argv[a];
    if (a + 1 >= argc) cc_input_error("%s: missing value (flags: --n --ratio --runs --warmup --csv)", flag);
    const char *val = argv[++a];
    if (!strcmp(flag, "--n")) n = parse_count(flag, val, 1, 4294967295.0);
    else if (!strcmp(flag, "--ratio")) {
      char *end;
      ratio = strtod(val, &end);
      if (*end || !(ratio > 0 && ratio <= 1)) cc_input_error("--ratio: '%s' is not in (0, 1]", val);
    } else if (!strcmp(flag, "--runs")) runs = (int)parse_count(flag, val, 20, 100000);
    else if (!strcmp(flag, "--warmup")) warmup = (int)parse_count(flag, val, 0, 1000);
    else if (!strcmp(flag, "--csv")) csv = val;
    else cc_input_error("%s: unknown flag (flags: --n --ratio --runs --warmup --csv)", flag);
  }
  cc_cuda_require_gpu_or_skip("bench_sparse_cuda");

  cudaDeviceProp prop;
  int dev;
  CC_CHECK_CUDA(cudaGetDevice(&dev));
  CC_CHECK_CUDA(cudaGetDeviceProperties(&prop, dev));
  for (char *p = prop.name; *p; p++)
    if (*p == ',') *p = ' ';  // the name is a CSV field
  cudaStream_t s;
  CC_CHECK_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  float *x;
  CC_CHECK_CUDA(cudaMalloc((void **)&x, n * sizeof(float)));
  fill_kernel<<<cc_cuda_grid_blocks(n, 256, 8), 256, 0, s>>>(x, n, 42);
  CC_CHECK_CUDA(cudaGetLastError());

  char exact_name[64], approx_name[64], err[256];
  snprintf(exact_name, sizeof exact_name, "topk:%.17g", ratio);
  snprintf(approx_name, sizeof approx_name, "topk:%.17g,approx", ratio);
  cc_compressor exact, approx;
  if (cc_compressor_parse(exact_name, &exact, err, sizeof err) != 0 ||
      cc_compressor_parse(approx_name, &approx, err, sizeof err) != 0)
    cc_input_error("--ratio: %s", err);
  result rows[2] = {time_mode("exact", &exact, x, n, runs, warmup, s),
                    time_mode("sampled", &approx, x, n, runs, warmup, s)};

  printf("%s, n = %zu, ratio %g, median of %d runs\n", prop.name, n, ratio, runs);
  printf("%-8s %10s %12s %12s %12s %8s\n", "mode", "k", "median_us", "min_us", "max_us", "GB/s");
  cc_afile af;
  FILE *f = NULL;
  if (csv) {
    if (cc_afile_open(&af, csv) != 0) cc_input_error("--csv: cannot write '%s': %s", csv, af.why);
    f = af.f;
    fputs(CSV_HEADER, f);
  }
  for (int m = 0; m < 2; m++) {
    const result *r = &rows[m];
    double gbps = (double)n * sizeof(float) / (r->median_us * 1e3);
    printf("%-8s %10zu %12.1f %12.1f %12.1f %8.1f\n", r->mode, r->k, r->median_us, r->min_us, r->max_us, gbps);
    if (f)
      fprintf(f, "ccbench,%s,%s,%zu,%zu,%g,%d,%.1f,%.1f,%.1f,%.1f\n", r->mode, prop.name, n, r->k, ratio, runs,
              r->median_us, r->min_us, r->max_us, gbps);
  }
  if (f && cc_afile_commit(&af) != 0) cc_output_error("--csv: cannot write '%s': %s", csv, af.why);
  CC_CHECK_CUDA(cudaFree(x));
  CC_CHECK_CUDA(cudaStreamDestroy(s));
  return 0;
}
