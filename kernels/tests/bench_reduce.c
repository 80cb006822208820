// Bandwidth of the host reduction kernels next to memcpy, measured in the same run. Not a test.
//
//   bench_reduce [runs]
//
// GB/s counts the traffic the kernel must move: 3 arrays for a reduction (read a, read b, write dst),
// 2 for memcpy (read, write), 2 for an in-place divide. Each figure is the median of `runs` timings
// (default 20); small sizes repeat the call inside one timing so it lasts long enough to measure.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/dtype.h"
#include "kernels/reduce.h"
#include "kernels/reduce_impl.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compare_doubles(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

typedef enum { MEMCPY, REDUCE, REDUCE_INPLACE, PORTABLE, DIVIDE } op_kind;

typedef struct {
  void *dst, *a, *b;
  size_t bytes;
  cc_dtype t;
} bufs;

static void run_once(op_kind op, const bufs *s) {
  size_t n = s->bytes / cc_dtype_size(s->t);
  switch (op) {
    case MEMCPY: memcpy(s->dst, s->a, s->bytes); break;
    case REDUCE: cc_host_reduce(s->dst, s->a, s->b, n, s->t, CC_SUM); break;
    case REDUCE_INPLACE: cc_host_reduce(s->dst, s->dst, s->b, n, s->t, CC_SUM); break;
    case PORTABLE: cc_host_reduce_portable(s->dst, s->a, s->b, n, s->t, CC_SUM); break;
    case DIVIDE: cc_host_divide(s->dst, n, s->t, 1.0); break;
  }
}

// Median GB/s of `runs` timings, each of `reps` calls, counting `arrays` arrays of traffic per call.
static double measure(op_kind op, const bufs *s, int arrays, int runs, int reps) {
  double *gbps = malloc((size_t)runs * sizeof *gbps);
  if (!gbps) abort();
  run_once(op, s);  // warm up
  for (int r = 0; r < runs; r++) {
    double t0 = now();
    for (int k = 0; k < reps; k++) run_once(op, s);
    gbps[r] = (double)arrays * (double)s->bytes * reps / (now() - t0) / 1e9;
  }
  qsort(gbps, (size_t)runs, sizeof *gbps, compare_doubles);
  double median = gbps[runs / 2];
  free(gbps);
  return median;
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 20;
  if (runs < 1) runs = 1;
  const size_t sizes[] = {256u << 10, 64u << 20};  // bytes per array: cache-resident, then DRAM
  printf("bench_reduce: path %s, median of %d runs, GB/s (reduce counts 3 arrays, memcpy 2)\n",
         cc_host_reduce_path(), runs);
  printf("%-8s %-5s %9s %9s %9s %9s %9s %9s\n", "size", "dtype", "memcpy", "reduce", "inplace",
         "portable", "divide", "red/cpy");
  for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
    size_t bytes = sizes[si];
    int reps = bytes < (16u << 20) ? (int)((16u << 20) / bytes) : 1;
    bufs s = {malloc(bytes), malloc(bytes), malloc(bytes), bytes, CC_F32};
    if (!s.dst || !s.a || !s.b) abort();
    for (int ti = 0; ti < CC_NDTYPES; ti++) {
      s.t = (cc_dtype)ti;
      size_t n = bytes / cc_dtype_size(s.t);
      // Small normal numbers: no NaN or subnormal slow paths, and in-place sums stay finite.
      for (size_t i = 0; i < n; i++) {
        cc_store(s.a, i, s.t, 1.0 + (double)(i % 7) * 0.125);
        cc_store(s.b, i, s.t, 0.0);
        cc_store(s.dst, i, s.t, 0.5);
      }
      double cpy = measure(MEMCPY, &s, 2, runs, reps);
      double red = measure(REDUCE, &s, 3, runs, reps);
      double inplace = measure(REDUCE_INPLACE, &s, 3, runs, reps);
      double portable = measure(PORTABLE, &s, 3, runs, reps);
      double divide = measure(DIVIDE, &s, 2, runs, reps);
      printf("%5zu%-3s %-5s %9.1f %9.1f %9.1f %9.1f %9.1f %9.2f\n",
             bytes >= (1u << 20) ? bytes >> 20 : bytes >> 10, bytes >= (1u << 20) ? "MiB" : "KiB",
             cc_dtype_name(s.t), cpy, red, inplace, portable, divide, red / cpy);
    }
    free(s.dst), free(s.a), free(s.b);
  }
  return 0;
}
