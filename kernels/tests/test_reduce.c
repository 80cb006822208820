// Checks cc_host_reduce/cc_host_divide bit for bit against a scalar reference written here, for every
// dtype and op, out of place and in place, at sizes with vector tails, with canaries around every
// buffer; hand-computed cases pin the edges (wrapping, signed zeros, NaNs, truncated integer
// quotients of negative and most-negative values); and the portable fallback and the dispatched
// (AVX2/F16C) path must agree on every 16-bit input pattern.
#include <math.h>
#include <stdbool.h>
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

static bool is_float(cc_dtype t) { return !cc_dtype_is_integer(t); }

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

// Integers: random bits, and often the values where arithmetic wraps or compares across the sign.
static uint64_t random_integer_bits(cc_dtype t) {
  uint64_t mask = cc_dtype_mask(t), top = (mask >> 1) + 1;  // the sign bit of a signed type
  const uint64_t edges[] = {0, 1, mask, top, top - 1, 2, mask - 1};
  uint64_t r = next_u64();
  return r % 4 == 0 ? edges[(r >> 8) % 7] : next_u64() & mask;
}

// Floats: random values; now and then a zero of either sign, an infinity or a NaN.
static double random_float(void) {
  const double specials[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 1.0, -1.0};
  uint64_t r = next_u64();
  return r % 16 == 0 ? specials[(r >> 8) % 7] : random_value();
}

static void fill_random(void *buf, size_t n, cc_dtype t) {
  for (size_t i = 0; i < n; i++) {
    if (cc_dtype_is_integer(t)) cc_store_bits(buf, i, t, random_integer_bits(t));
    else if (cc_dtype_size(t) == 2 && next_u64() % 2) ((uint16_t *)buf)[i] = (uint16_t)next_u64();  // any class
    else cc_store(buf, i, t, random_float());
  }
}

// Makes some pairs tie: equal elements, and floats' zeros of opposite signs (min and max must choose).
static void add_ties(void *a, void *b, size_t n, cc_dtype t) {
  size_t esz = cc_dtype_size(t);
  for (size_t i = 0; i < n; i += 5) memcpy((char *)b + i * esz, (const char *)a + i * esz, esz);
  if (!is_float(t)) return;
  for (size_t i = 2; i < n; i += 9) {
    cc_store(a, i, t, i % 2 ? 0.0 : -0.0);
    cc_store(b, i, t, i % 2 ? -0.0 : 0.0);
  }
}

// Equal bits, or both NaN: which NaN payload an operation keeps is not specified.
static int same(const void *x, const void *y, size_t i, cc_dtype t) {
  size_t esz = cc_dtype_size(t);
  if (memcmp((const char *)x + i * esz, (const char *)y + i * esz, esz) == 0) return 1;
  return is_float(t) && isnan(cc_load(x, i, t)) && isnan(cc_load(y, i, t));
}

static size_t first_difference(const void *x, const void *y, size_t n, cc_dtype t) {
  for (size_t i = 0; i < n; i++) {
    if (!same(x, y, i, t)) return i;
  }
  return n;
}

// The reference, one element at a time.

// IEEE 754-2019 minimum/maximum: which input (0: x, 1: y) the result is, or -1 for a NaN.
static int float_pick(double x, double y, cc_redop op) {
  if (isnan(x) || isnan(y)) return -1;
  bool want_min = op == CC_MIN;
  if (x == y) return signbit(x) == want_min ? 0 : 1;  // -0 is below +0; otherwise the bits are equal
  return (x < y) == want_min ? 0 : 1;
}

static void reference_float(void *dst, const void *a, const void *b, size_t i, cc_dtype t, cc_redop op) {
  size_t esz = cc_dtype_size(t);
  if (op == CC_MIN || op == CC_MAX) {
    int pick = float_pick(cc_load(a, i, t), cc_load(b, i, t), op);
    if (pick < 0) cc_store(dst, i, t, NAN);
    else memcpy((char *)dst + i * esz, (const char *)(pick ? b : a) + i * esz, esz);
    return;
  }
  bool mul = op == CC_PROD;
  switch (t) {
    case CC_F32: {
      float x = ((const float *)a)[i], y = ((const float *)b)[i];
      ((float *)dst)[i] = mul ? x * y : x + y;
      break;
    }
    case CC_F64: {
      double x = ((const double *)a)[i], y = ((const double *)b)[i];
      ((double *)dst)[i] = mul ? x * y : x + y;
      break;
    }
    case CC_F16: {
      float x = cc_f16_to_f32(((const uint16_t *)a)[i]), y = cc_f16_to_f32(((const uint16_t *)b)[i]);
      ((uint16_t *)dst)[i] = cc_f32_to_f16(mul ? x * y : x + y);
      break;
    }
    case CC_BF16: {
      float x = cc_bf16_to_f32(((const uint16_t *)a)[i]), y = cc_bf16_to_f32(((const uint16_t *)b)[i]);
      ((uint16_t *)dst)[i] = cc_f32_to_bf16(mul ? x * y : x + y);
      break;
    }
    default: abort();
  }
}

// An integer's bits (zero-extended) as the signed value they encode: subtracting the sign bit's weight.
static int64_t as_signed(uint64_t bits, cc_dtype t) {
  uint64_t sign = (cc_dtype_mask(t) >> 1) + 1;
  return (int64_t)((bits ^ sign) - sign);
}

// Is x below y as the type's values?
static bool integer_less(uint64_t x, uint64_t y, cc_dtype t) {
  return cc_dtype_is_signed(t) ? as_signed(x, t) < as_signed(y, t) : x < y;
}

// Sum and product modulo 2^64 keep the low bits exact, so masking gives them modulo 2^bits.
static void reference_integer(void *dst, const void *a, const void *b, size_t i, cc_dtype t, cc_redop op) {
  uint64_t x = cc_load_bits(a, i, t), y = cc_load_bits(b, i, t), r;
  switch (op) {
    case CC_SUM:
    case CC_AVG: r = x + y; break;
    case CC_PROD: r = x * y; break;
    case CC_MIN: r = integer_less(y, x, t) ? y : x; break;
    case CC_MAX: r = integer_less(x, y, t) ? y : x; break;
    default: abort();
  }
  cc_store_bits(dst, i, t, r & cc_dtype_mask(t));
}

static void reference_reduce(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cc_redop op) {
  for (size_t i = 0; i < n; i++) {
    if (is_float(t)) reference_float(dst, a, b, i, t, op);
    else reference_integer(dst, a, b, i, t, op);
  }
}

// The quotient truncated toward zero, from the magnitude (no C division of negative numbers).
static uint64_t reference_quotient(uint64_t bits, cc_dtype t, uint64_t d) {
  if (!cc_dtype_is_signed(t)) return bits / d;
  int64_t v = as_signed(bits, t);
  uint64_t magnitude = v < 0 ? 0 - (uint64_t)v : (uint64_t)v, q = magnitude / d;
  return (v < 0 ? 0 - q : q) & cc_dtype_mask(t);
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
      default: cc_store_bits(buf, i, t, reference_quotient(cc_load_bits(buf, i, t), t, (uint64_t)divisor)); break;
    }
  }
}

typedef void reduce_fn(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cc_redop op);
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

static void test_reduce_case(int impl, cc_dtype t, cc_redop op, size_t n, int mode) {
  guarded a = guarded_alloc(n, t), b = guarded_alloc(n, t), dst = guarded_alloc(n, t);
  fill_random(a.p, n, t);
  fill_random(b.p, n, t);
  add_ties(a.p, b.p, n, t);
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
  reference_reduce(want, a0, b0, n, t, op);
  impls[impl].reduce(dst.p, x, y, n, t, op);

  size_t bad = first_difference(dst.p, want, n, t);
  CHECKF(bad == n, "%s reduce %s %s n=%zu %s: element %zu is %#llx, want %#llx", impls[impl].name,
         cc_dtype_name(t), cc_redop_name(op), n, mode_names[mode], bad,
         bad < n ? (unsigned long long)cc_load_bits(dst.p, bad, t) : 0ull,
         bad < n ? (unsigned long long)cc_load_bits(want, bad, t) : 0ull);
  CHECKF(guards_intact(&dst, t), "%s reduce %s %s n=%zu %s: wrote outside dst", impls[impl].name,
         cc_dtype_name(t), cc_redop_name(op), n, mode_names[mode]);
  if (mode == OUT_OF_PLACE) {
    CHECKF(memcmp(a.p, a0, a.bytes) == 0 && memcmp(b.p, b0, b.bytes) == 0 && guards_intact(&a, t) &&
               guards_intact(&b, t),
           "%s reduce %s %s n=%zu: inputs modified", impls[impl].name, cc_dtype_name(t), cc_redop_name(op), n);
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
  CHECKF(bad == n, "%s divide %s n=%zu by %g: element %zu is %#llx, want %#llx", impls[impl].name,
         cc_dtype_name(t), n, divisor, bad, bad < n ? (unsigned long long)cc_load_bits(buf.p, bad, t) : 0ull,
         bad < n ? (unsigned long long)cc_load_bits(want, bad, t) : 0ull);
  CHECKF(guards_intact(&buf, t), "%s divide %s n=%zu: wrote outside buf", impls[impl].name,
         cc_dtype_name(t), n);
  free(buf.base), free(want);
}

// Every 16-bit pattern (NaN, inf, subnormals, signed zeros) against random partners, through both
// paths and every op; other types get random bit patterns. The paths must agree bit for bit (NaN:
// both NaN).
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
    add_ties(a, b, n, t);
    for (int op = 0; op < CC_NREDOPS; op++) {
      cc_host_reduce(x, a, b, n, t, (cc_redop)op);
      cc_host_reduce_portable(y, a, b, n, t, (cc_redop)op);
      size_t bad = first_difference(x, y, n, t);
      CHECKF(bad == n, "%s %s paths differ at %zu: %#llx vs %#llx", cc_dtype_name(t), cc_redop_name((cc_redop)op),
             bad, bad < n ? (unsigned long long)cc_load_bits(x, bad, t) : 0ull,
             bad < n ? (unsigned long long)cc_load_bits(y, bad, t) : 0ull);
    }

    const double float_divisors[] = {3.0, 7.0, 0.1, 1e-30}, integer_divisors[] = {3.0, 7.0, 1.0, 0x1p40};
    double d = (is_float(t) ? float_divisors : integer_divisors)[round % 4];
    memcpy(x, a, n * esz);
    memcpy(y, a, n * esz);
    cc_host_divide(x, n, t, d);
    cc_host_divide_portable(y, n, t, d);
    size_t bad = first_difference(x, y, n, t);
    CHECKF(bad == n, "%s divide by %g paths differ at %zu", cc_dtype_name(t), d, bad);
  }
  free(a), free(b), free(x), free(y);
}

// Hand-computed results: one element of a op b, given and expected as bits.
static void check_one(cc_dtype t, cc_redop op, uint64_t a, uint64_t b, uint64_t want) {
  unsigned char x[8], y[8], out[8];
  cc_store_bits(x, 0, t, a);
  cc_store_bits(y, 0, t, b);
  for (int impl = 0; impl < 2; impl++) {
    impls[impl].reduce(out, x, y, 1, t, op);
    uint64_t got = cc_load_bits(out, 0, t);
    CHECKF(got == want, "%s %s %s(%#llx, %#llx) = %#llx, want %#llx", impls[impl].name, cc_dtype_name(t),
           cc_redop_name(op), (unsigned long long)a, (unsigned long long)b, (unsigned long long)got,
           (unsigned long long)want);
  }
}

static void check_quotient(cc_dtype t, int64_t value, double divisor, int64_t want) {
  unsigned char x[8];
  for (int impl = 0; impl < 2; impl++) {
    cc_store_bits(x, 0, t, (uint64_t)value);
    impls[impl].divide(x, 1, t, divisor);
    uint64_t got = cc_load_bits(x, 0, t), expected = (uint64_t)want & cc_dtype_mask(t);
    CHECKF(got == expected, "%s %s %lld / %g = %#llx, want %#llx", impls[impl].name, cc_dtype_name(t),
           (long long)value, divisor, (unsigned long long)got, (unsigned long long)expected);
  }
}

static void test_edges(void) {
  // Integer sums and products wrap; min and max compare signed or unsigned as the type says.
  check_one(CC_I8, CC_SUM, 100, 100, (uint64_t)(uint8_t)-56);
  check_one(CC_U8, CC_SUM, 200, 100, 44);
  check_one(CC_I8, CC_PROD, 16, 16, 0);
  check_one(CC_I8, CC_PROD, 0x80, 0xff, 0x80);  // -128 * -1 wraps to -128
  check_one(CC_I32, CC_PROD, 0x10000, 0x10000, 0);
  check_one(CC_I64, CC_SUM, INT64_MAX, 1, (uint64_t)INT64_MAX + 1);
  check_one(CC_U64, CC_PROD, UINT64_MAX, UINT64_MAX, 1);
  check_one(CC_I8, CC_MIN, 0xff, 1, 0xff);  // -1 < 1
  check_one(CC_U8, CC_MIN, 0xff, 1, 1);     // 255 > 1
  check_one(CC_I32, CC_MAX, 0xffffffff, 1, 1);
  check_one(CC_U32, CC_MAX, 0xffffffff, 1, 0xffffffff);
  check_one(CC_I64, CC_MIN, (uint64_t)INT64_MIN, 0, (uint64_t)INT64_MIN);
  check_one(CC_U64, CC_MAX, (uint64_t)INT64_MIN, INT64_MAX, (uint64_t)INT64_MIN);
  check_one(CC_I32, CC_AVG, 7, 8, 15);  // avg reduces as sum
  // Float min and max: -0 below +0 in either order, a NaN wins, infinities order.
  const uint64_t pz32 = 0, nz32 = 0x80000000u, nan32 = 0x7fc00000u, one32 = 0x3f800000u;
  for (int swap = 0; swap < 2; swap++) {
    uint64_t p = swap ? nz32 : pz32, q = swap ? pz32 : nz32;
    check_one(CC_F32, CC_MIN, p, q, nz32);
    check_one(CC_F32, CC_MAX, p, q, pz32);
    check_one(CC_BF16, CC_MIN, p >> 16, q >> 16, 0x8000);
    check_one(CC_F16, CC_MAX, p >> 16, q >> 16, 0);
    check_one(CC_F64, CC_MIN, p << 32, q << 32, nz32 << 32);
    check_one(CC_F32, CC_MIN, swap ? nan32 : one32, swap ? one32 : nan32, nan32);
    check_one(CC_F32, CC_MAX, swap ? nan32 : one32, swap ? one32 : nan32, nan32);
  }
  check_one(CC_F32, CC_MIN, 0xff800000u, one32, 0xff800000u);  // -inf
  check_one(CC_F16, CC_MAX, 0x7c00, 0x3c00, 0x7c00);           // +inf
  check_one(CC_F16, CC_MIN, 0x0001, 0x8001, 0x8001);           // subnormals: -2^-24 < 2^-24
  check_one(CC_F32, CC_PROD, 0x40000000u, 0xc0400000u, 0xc0c00000u);  // 2 * -3 = -6
  check_one(CC_BF16, CC_PROD, 0x3fc0, 0x3fc0, 0x4010);  // 1.5 * 1.5 = 2.25

  // avg's division truncates toward zero, for negative sums and the most negative values too.
  check_quotient(CC_I8, -128, 3, -42);
  check_quotient(CC_I8, -7, 2, -3);
  check_quotient(CC_I8, 7, 2, 3);
  check_quotient(CC_I8, -1, 8, 0);
  check_quotient(CC_I8, 127, 8, 15);
  check_quotient(CC_I8, -128, 1, -128);
  check_quotient(CC_I8, -128, 1000, 0);  // a divisor beyond the type's range
  check_quotient(CC_U8, 255, 2, 127);
  check_quotient(CC_U8, 255, 256, 0);
  check_quotient(CC_I32, INT32_MIN, 7, -306783378);
  check_quotient(CC_I32, -5, 3, -1);
  check_quotient(CC_U32, (int64_t)UINT32_MAX, 2, INT32_MAX);
  check_quotient(CC_I64, INT64_MIN, 3, -3074457345618258602);
  check_quotient(CC_I64, INT64_MIN, 2, INT64_MIN / 2);
  check_quotient(CC_I64, -9, 0x1p62, 0);
  check_quotient(CC_U64, -1, 3, 6148914691236517205);  // UINT64_MAX / 3
  // The avg of 100 and 100 in int8: the sum wraps to -56 first, then -28.
  int8_t x[1] = {100}, y[1] = {100};
  cc_host_reduce(x, x, y, 1, CC_I8, CC_AVG);
  cc_host_divide(x, 1, CC_I8, 2);
  CHECKF(x[0] == -28, "int8 avg(100, 100) over 2 ranks: got %d, want -28", x[0]);
}

int main(void) {
  const size_t sizes[] = {0, 1, 7, 8, 15, 16, 17, 31, 33, 1000, 4099};
  const double float_divisors[] = {2.0, 3.0, 7.0, 0.37};
  const double integer_divisors[] = {1.0, 2.0, 3.0, 7.0, 8.0, 255.0, 256.0, 1000.0, 0x1p33 + 1};
  printf("test_reduce: dispatched path is %s\n", cc_host_reduce_path());
  for (int impl = 0; impl < 2; impl++) {
    for (int ti = 0; ti < CC_NDTYPES; ti++) {
      cc_dtype t = (cc_dtype)ti;
      const double *divisors = is_float(t) ? float_divisors : integer_divisors;
      size_t ndivisors = is_float(t) ? 4 : 9;
      for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        for (int op = 0; op < CC_NREDOPS; op++)
          for (int mode = 0; mode < NMODES; mode++) test_reduce_case(impl, t, (cc_redop)op, sizes[si], mode);
        for (size_t di = 0; di < ndivisors; di++) test_divide_case(impl, t, sizes[si], divisors[di]);
      }
    }
  }
  for (int ti = 0; ti < CC_NDTYPES; ti++) test_paths_agree((cc_dtype)ti);
  test_edges();
  // A NULL buffer with n == 0 must not be touched, whatever the op.
  for (int op = 0; op < CC_NREDOPS; op++) cc_host_reduce(NULL, NULL, NULL, 0, CC_F16, (cc_redop)op);
  cc_host_reduce(NULL, NULL, NULL, 0, CC_I64, CC_MIN);
  cc_host_divide(NULL, 0, CC_BF16, 2.0);
  cc_host_divide(NULL, 0, CC_I32, 3.0);
  return check_done("test_reduce");
}
