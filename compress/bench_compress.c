// Encode and decode throughput of every compressor's C reference on one core.
//
//   bench_compress [-n ELEMENTS] [-r REPEATS] [-c LIST] [--csv FILE]
//
// Input: n f32 gradients drawn from N(0, 1). Per compressor: the median over repeats of encode and of
// decode-and-add, reported as GB/s of f32 input (4n bytes / time) with the payload size and the
// relative error of one round trip. A memcpy of the input is timed alongside as the ceiling.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "common/cli.h"
#include "common/error.h"
#include "common/rng.h"
#include "common/timer.h"
#include "compress/compressor.h"
#include "compress/powersgd.h"

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof(double), compare_doubles);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct {
  double encode_s, decode_s, rel_err;
  size_t payload;
} result;

// PowerSGD on the vector viewed as a near-square matrix: encode = project + orthogonalize +
// back-project (one rank, no allreduce), decode = P Q^T.
static result time_powersgd(const cc_compressor *z, const float *x, size_t n, float *acc, int repeats) {
  size_t cols = (size_t)ceil(sqrt((double)n)), rows = (n + cols - 1) / cols;
  float *m = cc_calloc(rows * cols, sizeof(float)), *out = cc_calloc(rows * cols, sizeof(float));
  memcpy(m, x, n * sizeof(float));
  cc_powersgd ps;
  cc_powersgd_init(&ps, rows, cols, z->rank, 1);
  double *enc = cc_malloc(sizeof(double) * (size_t)repeats), *dec = cc_malloc(sizeof(double) * (size_t)repeats);
  for (int k = 0; k < repeats; k++) {
    double t0 = cc_now_us();
    cc_powersgd_project(&ps, m);
    cc_powersgd_orthogonalize(&ps);
    cc_powersgd_back_project(&ps, m);
    double t1 = cc_now_us();
    cc_powersgd_decode(&ps, out, 1.0f);
    enc[k] = (t1 - t0) * 1e-6, dec[k] = (cc_now_us() - t1) * 1e-6;
  }
  double err = 0, norm = 0;
  for (size_t i = 0; i < n; i++) err += pow(out[i] - x[i], 2), norm += (double)x[i] * x[i];
  memcpy(acc, out, n * sizeof(float));
  result r = {median(enc, repeats), median(dec, repeats), sqrt(err / norm), cc_powersgd_bytes(rows, cols, z->rank)};
  cc_powersgd_free(&ps);
  free(m), free(out), free(enc), free(dec);
  return r;
}

static result time_one(const cc_compressor *z, const float *x, size_t n, void *payload, float *acc, int repeats) {
  if (z->kind == CC_COMP_POWERSGD) return time_powersgd(z, x, n, acc, repeats);
  cc_rng rng;
  cc_rng_seed(&rng, 3);
  double *enc = cc_malloc(sizeof(double) * (size_t)repeats), *dec = cc_malloc(sizeof(double) * (size_t)repeats);
  for (int k = 0; k < repeats; k++) {
    double t0 = cc_now_us();
    cc_compress_encode(z, x, n, payload, &rng, 77);
    double t1 = cc_now_us();
    memset(acc, 0, n * sizeof(float));
    double t2 = cc_now_us();
    cc_compress_decode_add(z, payload, n, acc, 77);
    enc[k] = (t1 - t0) * 1e-6, dec[k] = (cc_now_us() - t2) * 1e-6;
  }
  double err = 0, norm = 0;
  for (size_t i = 0; i < n; i++) err += pow(acc[i] - x[i], 2), norm += (double)x[i] * x[i];
  result r = {median(enc, repeats), median(dec, repeats), sqrt(err / norm), cc_compressed_bytes(z, n)};
  free(enc), free(dec);
  return r;
}

static int add_name(const char *item, size_t len, void *ctx) {
  char ***list = ctx, text[96];
  if (len == 0 || len >= sizeof text) cc_input_error("-c/--compressors: empty or overlong entry");
  memcpy(text, item, len);
  text[len] = '\0';
  size_t k = 0;
  while ((*list)[k]) k++;
  (*list)[k] = cc_strdup(text);
  return 0;
}

int main(int argc, char **argv) {
  cc_set_progname("bench_compress");
  long long n = 64ll << 20, repeats = 5;
  const char *names = "fp16,bf16,int8,int4,qsgd:16,sign,topk:0.01,topk:0.01,approx,randk:0.01,powersgd:4";
  const char *csv = NULL;
  cc_option opts[] = {
      {"elements", 'n', CC_OPT_INT, &n, "N", "f32 elements per tensor", 1, 1ll << 32},
      {"repeats", 'r', CC_OPT_INT, &repeats, "N", "timed runs per compressor (median reported)", 1, 1000},
      {"compressors", 'c', CC_OPT_STRING, &names, "LIST", "compressors to time", 0, 0},
      {"csv", 0, CC_OPT_STRING, &csv, "FILE", "also write the results as CSV", 0, 0},
  };
  cc_cli cli = {.prog = "bench_compress", .usage = "bench_compress [-n N] [-r N] [-c LIST] [--csv FILE]",
                .summary = "Times encode and decode-and-add of each compressor's C reference on one core, "
                           "as GB/s of f32 input, against a memcpy of the same bytes.",
                .opts = opts, .nopts = sizeof opts / sizeof opts[0]};
  char err[256];
  int rc = cc_cli_parse(&cli, argc, argv, NULL, NULL, err, sizeof err);
  if (rc == CC_CLI_HELP) return cc_cli_print_help(&cli, stdout), 0;
  if (rc != CC_CLI_OK) cc_input_error("%s", err);

  char **list = cc_calloc(64, sizeof(char *));
  char *names_copy = cc_strdup(names);
  // Compressor options hold commas ("topk:0.01,approx"): an entry that does not parse joins the last.
  cc_split_list(names_copy, add_name, &list);
  cc_compressor z[64];
  int nz = 0;
  for (int k = 0; list[k]; k++) {
    if (cc_compressor_parse(list[k], &z[nz], err, sizeof err) == 0) {
      nz++;
      continue;
    }
    char joined[200];
    snprintf(joined, sizeof joined, "%s,%s", nz ? z[nz - 1].name : "", list[k]);
    if (nz == 0 || cc_compressor_parse(joined, &z[nz - 1], err, sizeof err) != 0) cc_input_error("-c/--compressors: %s", err);
  }

  size_t N = (size_t)n;
  float *x = cc_malloc(sizeof(float) * N), *acc = cc_malloc(sizeof(float) * N), *copy = cc_malloc(sizeof(float) * N);
  void *payload = cc_malloc(8 * N + 64);
  cc_rng rng;
  cc_rng_seed(&rng, 1);
  for (size_t i = 0; i < N; i++) x[i] = (float)cc_rng_normal(&rng);
  memset(acc, 0, sizeof(float) * N), memset(copy, 0, sizeof(float) * N), memset(payload, 0, 8 * N + 64);

  double *t = cc_malloc(sizeof(double) * (size_t)repeats);
  for (int k = 0; k < repeats; k++) {
    double t0 = cc_now_us();
    memcpy(copy, x, sizeof(float) * N);
    t[k] = (cc_now_us() - t0) * 1e-6;
  }
  double gb = 4.0 * (double)N / 1e9, copy_bw = gb / median(t, (int)repeats);
  printf("# bench_compress: %zu f32 elements (%.0f MiB), median of %lld runs, one core\n", N, 4.0 * N / 1048576,
         repeats);
  printf("# memcpy of the input: %.2f GB/s\n", copy_bw);
  printf("# %-22s %12s %8s %12s %12s %10s %10s\n", "compressor", "payload(B)", "ratio", "encode GB/s", "decode GB/s",
         "enc/copy", "rel_err");
  cc_afile af;
  FILE *out = NULL;
  if (csv) {
    if (cc_afile_open(&af, csv) != 0) cc_input_error("--csv: cannot write '%s': %s", csv, af.why);
    out = af.f;
    fprintf(out, "compressor,elements,payload_bytes,ratio,encode_GBps,decode_GBps,memcpy_GBps,rel_err\n");
  }
  for (int k = 0; k < nz; k++) {
    result r = time_one(&z[k], x, N, payload, acc, (int)repeats);
    double ratio = 4.0 * (double)N / (double)r.payload;
    printf("  %-22s %12zu %8.1f %12.2f %12.2f %10.3f %10.3g\n", z[k].name, r.payload, ratio, gb / r.encode_s,
           gb / r.decode_s, gb / r.encode_s / copy_bw, r.rel_err);
    fflush(stdout);
    if (out)
      fprintf(out, "%s,%zu,%zu,%.6g,%.6g,%.6g,%.6g,%.6g\n", z[k].name, N, r.payload, ratio, gb / r.encode_s,
              gb / r.decode_s, copy_bw, r.rel_err);
  }
  if (out && cc_afile_commit(&af) != 0) cc_output_error("--csv: cannot write '%s': %s", csv, af.why);
  for (int k = 0; list[k]; k++) free(list[k]);
  free(list), free(names_copy), free(x), free(acc), free(copy), free(payload), free(t);
  return 0;
}
