// Checks cc_host_reduce/cc_host_divide bit for bit against a scalar reference, out of place and in
// place, at sizes with vector tails, with canaries around every buffer; and checks that the portable
// fallback and the dispatched (AVX2/F16C) path agree on every 16-bit input pattern.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tests/check.h"
#include "kernels/dtype.h"
#include "kernels/reduce.h"
#include "kernels/reduce_impl.h"


static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_u64(void) {  // splitmix64
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Uniform in [-1, 1) times 2^[-12, 12]: sums that round, cancel, and mix magnitudes.
static double random_value(void) {
  double u = (double)(next_u64() >> 11) * 0x1p-52 - 1.0;
  return ldexp(u, (int)(next_u64() % 25) - 12);
}

// A buffer of n elements with GUARD canary elements on each side. GUARD is odd so the element
// pointers are not vector-aligned and the loops run their unaligned heads and tails.
#define GUARD 5
#define CANARY 0xa5

typedef struct {
  unsigned char *base;
  void *p;
  size_t bytes;  // of the n elements
} guarded;

static guarded guarded_alloc(size_t n, cc_dtype t) {
  size_t esz = cc_dtype_size(t);
  guarded g = {.bytes = n * esz};
  g.base = malloc(g.bytes + 2 * GUARD * esz);
  if (!g.base) abort();
  memset(g.base, CANARY, g.bytes + 2 * GUARD * esz);
  g.p = g.base + GUARD * esz;
  return g;
}

static int guards_intact(const guarded *g, cc_dtype t) {
  size_t guard = GUARD * cc_dtype_size(t);
  for (size_t i = 0; i < guard; i++) {
    if (g->base[i] != CANARY || g->base[guard + g->bytes + i] != CANARY) return 0;
  }
  return 1;
}

static void fill_random(void *buf, size_t n, cc_dtype t) {
  for (size_t i = 0; i < n; i++) cc_store(buf, i, t, random_value());
}

// Equal bits, or both NaN: which NaN payload an addition keeps is not specified.
static int same(const void *x, const void *y, size_t i, cc_dtype t) {
  size_t esz = cc_dtype_size(t);
  if (memcmp((const char *)x + i * esz, (const char *)y + i * esz, esz) == 0) return 1;
  return isnan(cc_load(x, i, t)) && isnan(cc_load(y, i, t));
}

static size_t first_difference(const void *x, const void *y, size_t n, cc_dtype t) {
  for (size_t i = 0; i < n; i++) {
    if (!same(x, y, i, t)) return i;
  }
  return n;
}

static void reference_reduce(void *dst, const void *a, const void *b, size_t n, cc_dtype t) {
  for (size_t i = 0; i < n; i++) {
    switch (t) {
      case CC_F32: ((float *)dst)[i] = ((const float *)a)[i] + ((const float *)b)[i]; break;
      case CC_F64: ((double *)dst)[i] = ((const double *)a)[i] + ((const double *)b)[i]; break;
      case CC_F16: {
        float s = cc_f16_to_f32(((const uint16_t *)a)[i]) + cc_f16_to_f32(((const uint16_t *)b)[i]);
        ((uint16_t *)dst)[i] = cc_f32_to_f16(s);
        break;
      }
      case CC_BF16: {
        float s = cc_bf16_to_f32(((const uint16_t *)a)[i]) + cc_bf16_to_f32(((const uint16_t *)b)[i]);
        ((uint16_t *)dst)[i] = cc_f32_to_bf16(s);
        break;
      }
      default: abort();
    }
  }
}

static void reference_divide(void *buf, size_t n, cc_dtype t, double divisor) {
  for (size_t i = 0; i < n; i++) {
    switch (t) {
      case CC_F32: ((float *)buf)[i] = ((float *)buf)[i] / (float)divisor; break;
      case CC_F64: ((double *)buf)[i] = ((double *)buf)[i] / divisor; break;
      case CC_F16:
        ((uint16_t *)buf)[i] = cc_f32_to_f16(cc_f16_to_f32(((uint16_t *)buf)[i]) / (float)divisor);
        break;
      case CC_BF16:
        ((uint16_t *)buf)[i] = cc_f32_to_bf16(cc_bf16_to_f32(((uint16_t *)buf)[i]) / (float)divisor);
        break;
      default: abort();
    }
  }
}

typedef void reduce_fn(void *dst, const void *a, const void *b, size_t n, cc_dtype t);
typedef void divide_fn(void *buf, size_t n, cc_dtype t, double divisor);

static const struct {
  const char *name;
  reduce_fn *reduce;
  divide_fn *divide;
} impls[] = {
    {"dispatched", cc_host_reduce, cc_host_divide},
    {"portable", cc_host_reduce_portable, cc_host_divide_portable},
};

enum { OUT_OF_PLACE, DST_IS_A, DST_IS_B, ALL_SAME, NMODES };
static const char *const mode_names[NMODES] = {"dst!=a,b", "dst==a", "dst==b", "dst==a==b"};

static void test_reduce_case(int impl, cc_dtype t, size_t n, int mode) {
  guarded a = guarded_alloc(n, t), b = guarded_alloc(n, t), dst = guarded_alloc(n, t);
  fill_random(a.p, n, t);
  fill_random(b.p, n, t);
  unsigned char *a0 = malloc(a.bytes + 1), *b0 = malloc(b.bytes + 1), *want = malloc(a.bytes + 1);
  if (!a0 || !b0 || !want) abort();
  memcpy(a0, a.p, a.bytes);
  memcpy(b0, b.p, b.bytes);
  const void *x = a.p, *y = b.p;
  switch (mode) {
    case OUT_OF_PLACE: break;
    case DST_IS_A: memcpy(dst.p, a.p, a.bytes), x = dst.p; break;
    case DST_IS_B: memcpy(dst.p, b.p, b.bytes), y = dst.p; break;
    case ALL_SAME: memcpy(dst.p, a.p, a.bytes), x = y = dst.p, memcpy(b0, a0, a.bytes); break;
  }
  reference_reduce(want, a0, b0, n, t);
  impls[impl].reduce(dst.p, x, y, n, t);

  size_t bad = first_difference(dst.p, want, n, t);
  CHECKF(bad == n, "%s reduce %s n=%zu %s: element %zu is %g, want %g", impls[impl].name,
        cc_dtype_name(t), n, mode_names[mode], bad, cc_load(dst.p, bad, t), cc_load(want, bad, t));
  CHECKF(guards_intact(&dst, t), "%s reduce %s n=%zu %s: wrote outside dst", impls[impl].name,
        cc_dtype_name(t), n, mode_names[mode]);
  if (mode == OUT_OF_PLACE) {
    CHECKF(memcmp(a.p, a0, a.bytes) == 0 && memcmp(b.p, b0, b.bytes) == 0 && guards_intact(&a, t) &&
              guards_intact(&b, t),
          "%s reduce %s n=%zu: inputs modified", impls[impl].name, cc_dtype_name(t), n);
  }
  free(a.base), free(b.base), free(dst.base), free(a0), free(b0), free(want);
}

static void test_divide_case(int impl, cc_dtype t, size_t n, double divisor) {
  guarded buf = guarded_alloc(n, t);
  fill_random(buf.p, n, t);
  unsigned char *want = malloc(buf.bytes + 1);
  if (!want) abort();
  memcpy(want, buf.p, buf.bytes);
  reference_divide(want, n, t, divisor);
  impls[impl].divide(buf.p, n, t, divisor);
  size_t bad = first_difference(buf.p, want, n, t);
  CHECKF(bad == n, "%s divide %s n=%zu by %g: element %zu is %g, want %g", impls[impl].name,
        cc_dtype_name(t), n, divisor, bad, cc_load(buf.p, bad, t), cc_load(want, bad, t));
  CHECKF(guards_intact(&buf, t), "%s divide %s n=%zu: wrote outside buf", impls[impl].name,
        cc_dtype_name(t), n);
  free(buf.base), free(want);
}

// Every 16-bit pattern (NaN, inf, subnormals, signed zeros) against random partners, through both
// paths; f32/f64 get random bit patterns. The paths must agree bit for bit (NaN: both NaN).
static void test_paths_agree(cc_dtype t) {
  size_t esz = cc_dtype_size(t), n = 65536 + 13;
  unsigned char *a = malloc(n * esz), *b = malloc(n * esz), *x = malloc(n * esz), *y = malloc(n * esz);
  if (!a || !b || !x || !y) abort();
  for (int round = 0; round < 8; round++) {
    for (size_t i = 0; i < n; i++) {
      uint64_t r = next_u64();
      if (esz == 2) {
        uint16_t ai = (uint16_t)i, bi = (uint16_t)r;
        memcpy(a + i * esz, &ai, esz);
        memcpy(b + i * esz, &bi, esz);
      } else {
        memcpy(a + i * esz, &r, esz);
        r = next_u64();
        memcpy(b + i * esz, &r, esz);
      }
    }
    cc_host_reduce(x, a, b, n, t);
    cc_host_reduce_portable(y, a, b, n, t);
    size_t bad = first_difference(x, y, n, t);
    CHECKF(bad == n, "%s reduce paths differ at %zu: %g vs %g", cc_dtype_name(t), bad,
          cc_load(x, bad, t), cc_load(y, bad, t));

    const double divisors[] = {3.0, 7.0, 0.1, 1e-30};
    double d = divisors[round % 4];
    memcpy(x, a, n * esz);
    memcpy(y, a, n * esz);
    cc_host_divide(x, n, t, d);
    cc_host_divide_portable(y, n, t, d);
    bad = first_difference(x, y, n, t);
    CHECKF(bad == n, "%s divide by %g paths differ at %zu: %g vs %g", cc_dtype_name(t), d, bad,
          cc_load(x, bad, t), cc_load(y, bad, t));
  }
  free(a), free(b), free(x), free(y);
}

int main(void) {
  const size_t sizes[] = {0, 1, 7, 8, 15, 16, 17, 31, 33, 1000, 4099};
  const double divisors[] = {2.0, 3.0, 7.0, 0.37};
  printf("test_reduce: dispatched path is %s\n", cc_host_reduce_path());
  for (int impl = 0; impl < 2; impl++) {
    for (int ti = 0; ti < CC_NDTYPES; ti++) {
      for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        for (int mode = 0; mode < NMODES; mode++) test_reduce_case(impl, (cc_dtype)ti, sizes[si], mode);
        for (size_t di = 0; di < sizeof divisors / sizeof *divisors; di++) {
          test_divide_case(impl, (cc_dtype)ti, sizes[si], divisors[di]);
        }
      }
    }
  }
  for (int ti = 0; ti < CC_NDTYPES; ti++) test_paths_agree((cc_dtype)ti);
  // A NULL buffer with n == 0 must not be touched.
  cc_host_reduce(NULL, NULL, NULL, 0, CC_F16);
  cc_host_divide(NULL, 0, CC_BF16, 2.0);
  return check_done("test_reduce");
}
