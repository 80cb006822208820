// bench_kernels_cuda: achieved bandwidth of every device kernel in kernels/ next to the ceiling, a
// device-to-device cudaMemcpy of the same input size. Bandwidth = (bytes read + bytes written) / time,
// the median of --runs timed calls (CUDA events around each) after warm-up. Goal on an H100: the
// reductions, casts and quantizers at >= 85% of the copy (docs/kernels.md).
//
//   bench_kernels_cuda [--mib 256] [--runs 25] [--csv FILE]
#include "kernels/common_cuda.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "common/atomic_file.h"
#include "common/cli.h"
}
#include "kernels/cast_cuda.h"
#include "kernels/compress_cuda.h"
#include "kernels/cuda_device.h"
#include "kernels/quantize_cuda.h"
#include "kernels/reduce_cuda.h"

enum { WARMUP = 3, MAX_RUNS = 1000 };

// The buffers every case works on: two inputs, an output, a payload and an accumulator of `bytes` each.
static struct {
  size_t bytes;
  void *a, *b, *dst, *payload;
  float *acc;
  cudaStream_t stream;
  cc_compressor comp;  // the compressor of the current compress case
} g;

typedef struct {
  const char *name;
  void (*run)(void);
  double bytes_read, bytes_written;
  const char *compressor;  // parsed into g.comp before the case runs; NULL for the plain kernels
} bench_case;

static size_t f32_count(void) { return g.bytes / sizeof(float); }

static void run_copy(void) { CC_CHECK_CUDA(cudaMemcpyAsync(g.dst, g.a, g.bytes, cudaMemcpyDeviceToDevice, g.stream)); }
static void run_reduce_f32(void) { cc_cuda_reduce(g.dst, g.a, g.b, g.bytes / 4, CC_F32, CC_SUM, g.stream); }
static void run_reduce_f64(void) { cc_cuda_reduce(g.dst, g.a, g.b, g.bytes / 8, CC_F64, CC_SUM, g.stream); }
static void run_reduce_f16(void) { cc_cuda_reduce(g.dst, g.a, g.b, g.bytes / 2, CC_F16, CC_SUM, g.stream); }
static void run_reduce_bf16(void) { cc_cuda_reduce(g.dst, g.a, g.b, g.bytes / 2, CC_BF16, CC_SUM, g.stream); }
static void run_divide_f32(void) { cc_cuda_divide(g.dst, g.bytes / 4, CC_F32, 3.0, g.stream); }
static void run_divide_bf16(void) { cc_cuda_divide(g.dst, g.bytes / 2, CC_BF16, 3.0, g.stream); }
static void run_encode(void) {
  cc_cuda_compress_encode(&g.comp, (const float *)g.a, f32_count(), g.payload, 12345, 0, NULL, g.stream);
}
static void run_decode_add(void) { cc_cuda_compress_decode_add(&g.comp, g.payload, f32_count(), g.acc, 0, g.stream); }

static int compare_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

// Median and minimum of `runs` timed calls, in microseconds.
static void time_case(void (*run)(void), int runs, double *median_us, double *min_us) {
  for (int k = 0; k < WARMUP; k++) run();
  CC_CHECK_CUDA(cudaStreamSynchronize(g.stream));
  static cudaEvent_t start[MAX_RUNS], stop[MAX_RUNS];
  static double us[MAX_RUNS];
  for (int k = 0; k < runs; k++) {
    CC_CHECK_CUDA(cudaEventCreate(&start[k]));
    CC_CHECK_CUDA(cudaEventCreate(&stop[k]));
  }
  for (int k = 0; k < runs; k++) {
    CC_CHECK_CUDA(cudaEventRecord(start[k], g.stream));
    run();
    CC_CHECK_CUDA(cudaEventRecord(stop[k], g.stream));
  }
  CC_CHECK_CUDA(cudaStreamSynchronize(g.stream));
  for (int k = 0; k < runs; k++) {
    float ms;
    CC_CHECK_CUDA(cudaEventElapsedTime(&ms, start[k], stop[k]));
    us[k] = 1e3 * ms;
    CC_CHECK_CUDA(cudaEventDestroy(start[k]));
    CC_CHECK_CUDA(cudaEventDestroy(stop[k]));
  }
  qsort(us, (size_t)runs, sizeof us[0], compare_double);
  *median_us = runs % 2 ? us[runs / 2] : (us[runs / 2 - 1] + us[runs / 2]) / 2;
  *min_us = us[0];
}

// Gaussian inputs (so the quantizers meet ordinary blocks, not zero ones that skip their draws).
static void fill_inputs(void) {
  size_t n = f32_count();
  float *host = (float *)cc_malloc(g.bytes);
  cc_rng rng;
  cc_rng_seed(&rng, 1);
  for (size_t i = 0; i < n; i++) host[i] = (float)cc_rng_normal(&rng);
  CC_CHECK_CUDA(cudaMemcpy(g.a, host, g.bytes, cudaMemcpyHostToDevice));
  for (size_t i = 0; i < n; i++) host[i] = (float)cc_rng_normal(&rng);
  CC_CHECK_CUDA(cudaMemcpy(g.b, host, g.bytes, cudaMemcpyHostToDevice));
  CC_CHECK_CUDA(cudaMemcpy(g.dst, host, g.bytes, cudaMemcpyHostToDevice));
  CC_CHECK_CUDA(cudaMemset(g.acc, 0, g.bytes));
  free(host);
}

// Payload bytes of n f32 elements, as compress/ lays them out (cc_compressed_bytes, without linking it).
static double payload_bytes(const cc_compressor *c, size_t n) {
  double scales = 4.0 * (double)((n + CC_COMP_BLOCK - 1) / CC_COMP_BLOCK);
  switch (c->kind) {
    case CC_COMP_FP16:
    case CC_COMP_BF16: return 2.0 * (double)n;
    case CC_COMP_INT8:
    case CC_COMP_QSGD: return scales + (double)n;
    case CC_COMP_INT4: return scales + (double)((n + 1) / 2);
    case CC_COMP_SIGN: return scales + (double)((n + 7) / 8);
    default: return 4.0 * (double)n;
  }
}

int main(int argc, char **argv) {
  cc_set_progname("bench_kernels_cuda");
  long long mib = 256, runs = 25;
  const char *csv = NULL;
  cc_option opts[] = {
      {"mib", 'm', CC_OPT_INT, &mib, "MIB", "bytes of each input buffer, in MiB", 1, 16384},
      {"runs", 'r', CC_OPT_INT, &runs, "N", "timed calls per kernel (median reported)", 20, MAX_RUNS},
      {"csv", 0, CC_OPT_STRING, &csv, "FILE", "also write the results as CSV (atomically)", 0, 0},
  };
  cc_cli cli = {};
  cli.prog = "bench_kernels_cuda";
  cli.usage = "bench_kernels_cuda [--mib MIB] [--runs N] [--csv FILE]";
  cli.summary = "Achieved bandwidth ((bytes read + written) / median time) of the CUDA kernels in kernels/, "
                "against a device-to-device cudaMemcpy of the same input size.";
  cli.opts = opts;
  cli.nopts = sizeof opts / sizeof opts[0];
  char err[256];
  int rc = cc_cli_parse(&cli, argc, argv, NULL, NULL, err, sizeof err);
  if (rc == CC_CLI_HELP) return cc_cli_print_help(&cli, stdout), 0;
  if (rc != CC_CLI_OK) cc_input_error("%s", err);
  if (cc_cuda_device_count() == 0) cc_input_error("no GPU visible");

  g.bytes = (size_t)mib << 20;
  CC_CHECK_CUDA(cudaMalloc(&g.a, g.bytes));
  CC_CHECK_CUDA(cudaMalloc(&g.b, g.bytes));
  CC_CHECK_CUDA(cudaMalloc(&g.dst, g.bytes));
  CC_CHECK_CUDA(cudaMalloc(&g.payload, g.bytes + 4096));
  CC_CHECK_CUDA(cudaMalloc((void **)&g.acc, g.bytes));
  CC_CHECK_CUDA(cudaStreamCreate(&g.stream));
  fill_inputs();

  double S = (double)g.bytes;
  bench_case cases[] = {
      {"memcpy D2D (ceiling)", run_copy, S, S, NULL},
      {"reduce f32", run_reduce_f32, 2 * S, S, NULL},
      {"reduce f64", run_reduce_f64, 2 * S, S, NULL},
      {"reduce f16", run_reduce_f16, 2 * S, S, NULL},
      {"reduce bf16", run_reduce_bf16, 2 * S, S, NULL},
      {"divide f32", run_divide_f32, S, S, NULL},
      {"divide bf16", run_divide_bf16, S, S, NULL},
      {"fp16 encode", run_encode, S, 0, "fp16"},
      {"fp16 decode-add", run_decode_add, S, S, "fp16"},
      {"bf16 encode", run_encode, S, 0, "bf16"},
      {"bf16 decode-add", run_decode_add, S, S, "bf16"},
      {"int8 encode", run_encode, S, 0, "int8"},
      {"int8 decode-add", run_decode_add, S, S, "int8"},
      {"int4 encode", run_encode, S, 0, "int4"},
      {"int4 decode-add", run_decode_add, S, S, "int4"},
      {"qsgd:16 encode", run_encode, S, 0, "qsgd:16"},
      {"qsgd:16 decode-add", run_decode_add, S, S, "qsgd:16"},
      {"sign encode", run_encode, S, 0, "sign"},
      {"sign decode-add", run_decode_add, S, S, "sign"},
  };
  int ncases = sizeof cases / sizeof cases[0];

  cudaDeviceProp prop;
  int dev;
  CC_CHECK_CUDA(cudaGetDevice(&dev));
  CC_CHECK_CUDA(cudaGetDeviceProperties(&prop, dev));
  printf("%s, %d SMs; inputs of %lld MiB; median of %lld runs after %d warm-up\n", prop.name, prop.multiProcessorCount,
         mib, runs, WARMUP);
  printf("%-22s %10s %10s %11s %11s %9s %8s\n", "kernel", "read MiB", "write MiB", "median us", "min us", "GB/s",
         "of copy");

  cc_afile af;
  if (csv) {
    if (cc_afile_open(&af, csv) != 0) cc_input_error("--csv: cannot write '%s': %s", csv, af.why);
    fprintf(af.f, "kernel,bytes_read,bytes_written,median_us,min_us,GBps,copy_fraction,device\n");
  }
  double copy_gbps = 0;
  for (int k = 0; k < ncases; k++) {
    bench_case *bc = &cases[k];
    if (bc->compressor) {
      if (cc_compressor_parse(bc->compressor, &g.comp, err, sizeof err) != 0) CC_FATAL("%s", err);
      double payload = payload_bytes(&g.comp, f32_count());
      // Encode writes the payload; decode-add reads it next to the accumulator it updates.
      if (bc->run == run_encode) bc->bytes_written = payload;
      else bc->bytes_read += payload;
      if (bc->run == run_decode_add) run_encode();  // a real payload to decode
    }
    double median_us, min_us;
    time_case(bc->run, (int)runs, &median_us, &min_us);
    double gbps = (bc->bytes_read + bc->bytes_written) / (median_us * 1e-6) / 1e9;
    if (k == 0) copy_gbps = gbps;
    double fraction = gbps / copy_gbps;
    printf("%-22s %10.1f %10.1f %11.1f %11.1f %9.1f %7.0f%%\n", bc->name, bc->bytes_read / (1 << 20),
           bc->bytes_written / (1 << 20), median_us, min_us, gbps, 100 * fraction);
    if (csv)
      fprintf(af.f, "%s,%.0f,%.0f,%.3f,%.3f,%.2f,%.4f,%s\n", bc->name, bc->bytes_read, bc->bytes_written, median_us,
              min_us, gbps, fraction, prop.name);
  }
  if (csv && cc_afile_commit(&af) != 0) cc_output_error("--csv: cannot write '%s': %s", csv, af.why);

  CC_CHECK_CUDA(cudaFree(g.a));
  CC_CHECK_CUDA(cudaFree(g.b));
  CC_CHECK_CUDA(cudaFree(g.dst));
  CC_CHECK_CUDA(cudaFree(g.payload));
  CC_CHECK_CUDA(cudaFree(g.acc));
  CC_CHECK_CUDA(cudaStreamDestroy(g.stream));
  return 0;
}
