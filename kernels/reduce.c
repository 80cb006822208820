// Host reduction kernels: dst = a op b and buf /= divisor, for every dtype and op (reduce.h).
//
// These loops are the arithmetic inside every host allreduce, so they must run at memory speed. The
// portable loops are plain C that gcc vectorizes (SSE2 on baseline x86-64): one loop per (op, dtype),
// picked by a switch outside it. On x86-64 a second set is picked at run time when the CPU has AVX2 and
// F16C: the same C loops compiled for AVX2, and hand-written loops for the f16 (F16C conversions) and
// bf16 (which gcc vectorizes poorly) sums. Both sets give the same bits; tests/test_reduce.c checks
// that on every 16-bit pattern.
//
// No restrict anywhere: dst may be a or b. gcc's runtime overlap check only rejects partial overlap
// (dst a few elements ahead of a source), so the in-place call still takes the vector loop.
#include "kernels/reduce.h"

#include <stdbool.h>
#include <string.h>

#include "common/error.h"
#include "kernels/half.h"
#include "kernels/reduce_impl.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#define LOOP static inline __attribute__((always_inline)) void

LOOP add_f32(float *dst, const float *a, const float *b, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = a[i] + b[i];
}
LOOP add_f64(double *dst, const double *a, const double *b, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = a[i] + b[i];
}
LOOP add_bf16(uint16_t *dst, const uint16_t *a, const uint16_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = cc_half_f32_to_bf16(cc_half_bf16_to_f32(a[i]) + cc_half_bf16_to_f32(b[i]));
  }
}
LOOP add_f16(uint16_t *dst, const uint16_t *a, const uint16_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = cc_half_f32_to_f16(cc_half_f16_to_f32(a[i]) + cc_half_f16_to_f32(b[i]));
  }
}

LOOP div_f32(float *buf, size_t n, float d) {
  for (size_t i = 0; i < n; i++) buf[i] /= d;
}
LOOP div_f64(double *buf, size_t n, double d) {
  for (size_t i = 0; i < n; i++) buf[i] /= d;
}
LOOP div_bf16(uint16_t *buf, size_t n, float d) {
  for (size_t i = 0; i < n; i++) buf[i] = cc_half_f32_to_bf16(cc_half_bf16_to_f32(buf[i]) / d);
}
LOOP div_f16(uint16_t *buf, size_t n, float d) {
  for (size_t i = 0; i < n; i++) buf[i] = cc_half_f32_to_f16(cc_half_f16_to_f32(buf[i]) / d);
}

LOOP mul_f32(float *dst, const float *a, const float *b, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = a[i] * b[i];
}
LOOP mul_f64(double *dst, const double *a, const double *b, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = a[i] * b[i];
}
LOOP mul_bf16(uint16_t *dst, const uint16_t *a, const uint16_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = cc_half_f32_to_bf16(cc_half_bf16_to_f32(a[i]) * cc_half_bf16_to_f32(b[i]));
  }
}
LOOP mul_f16(uint16_t *dst, const uint16_t *a, const uint16_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = cc_half_f32_to_f16(cc_half_f16_to_f32(a[i]) * cc_half_f16_to_f32(b[i]));
  }
}

// Float min and max as selects on the inputs' encodings (bx, by: the bits of x and y). When neither
// is smaller the values are equal or one is NaN: equal values differ at most in the sign of a zero,
// so OR picks -0 for min and AND +0 for max; OR of a NaN with anything is a NaN (all-ones exponent,
// non-zero mantissa). Both results are symmetric in x and y, so every rank computes the same bits.
static inline uint32_t min_bits32(float x, float y, uint32_t bx, uint32_t by) {
  return x < y ? bx : y < x ? by : bx | by;
}
static inline uint32_t max_bits32(float x, float y, uint32_t bx, uint32_t by) {
  return x > y ? bx : y > x ? by : x == y ? bx & by : bx | by;
}
static inline uint64_t min_bits64(double x, double y, uint64_t bx, uint64_t by) {
  return x < y ? bx : y < x ? by : bx | by;
}
static inline uint64_t max_bits64(double x, double y, uint64_t bx, uint64_t by) {
  return x > y ? bx : y > x ? by : x == y ? bx & by : bx | by;
}
static inline uint64_t f64_bits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}
static inline double f64_from_bits(uint64_t u) {
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

LOOP min_f32(float *dst, const float *a, const float *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = cc_f32_from_bits(min_bits32(a[i], b[i], cc_f32_bits(a[i]), cc_f32_bits(b[i])));
  }
}
LOOP max_f32(float *dst, const float *a, const float *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = cc_f32_from_bits(max_bits32(a[i], b[i], cc_f32_bits(a[i]), cc_f32_bits(b[i])));
  }
}
LOOP min_f64(double *dst, const double *a, const double *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = f64_from_bits(min_bits64(a[i], b[i], f64_bits(a[i]), f64_bits(b[i])));
  }
}
LOOP max_f64(double *dst, const double *a, const double *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = f64_from_bits(max_bits64(a[i], b[i], f64_bits(a[i]), f64_bits(b[i])));
  }
}
// 16-bit types compare their f32 values and keep the chosen input's own bits.
LOOP min_f16(uint16_t *dst, const uint16_t *a, const uint16_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = (uint16_t)min_bits32(cc_half_f16_to_f32(a[i]), cc_half_f16_to_f32(b[i]), a[i], b[i]);
  }
}
LOOP max_f16(uint16_t *dst, const uint16_t *a, const uint16_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = (uint16_t)max_bits32(cc_half_f16_to_f32(a[i]), cc_half_f16_to_f32(b[i]), a[i], b[i]);
  }
}
LOOP min_bf16(uint16_t *dst, const uint16_t *a, const uint16_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = (uint16_t)min_bits32(cc_half_bf16_to_f32(a[i]), cc_half_bf16_to_f32(b[i]), a[i], b[i]);
  }
}
LOOP max_bf16(uint16_t *dst, const uint16_t *a, const uint16_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = (uint16_t)max_bits32(cc_half_bf16_to_f32(a[i]), cc_half_bf16_to_f32(b[i]), a[i], b[i]);
  }
}

// Integer sum and prod run on the unsigned type of the element's width, where wrapping modulo 2^bits
// is defined and gives a signed type's two's complement result too. (uint8_t operands promote to
// int, whose product of two bytes cannot overflow.)
#define WRAPPING_LOOPS(name, U)                                                        \
  LOOP add_##name(U *dst, const U *a, const U *b, size_t n) {                          \
    for (size_t i = 0; i < n; i++) dst[i] = (U)(a[i] + b[i]);                          \
  }                                                                                    \
  LOOP mul_##name(U *dst, const U *a, const U *b, size_t n) {                          \
    for (size_t i = 0; i < n; i++) dst[i] = (U)(a[i] * b[i]);                          \
  }
WRAPPING_LOOPS(u8, uint8_t)
WRAPPING_LOOPS(u32, uint32_t)
WRAPPING_LOOPS(u64, uint64_t)

// Integer min and max compare as the type itself.
#define ORDER_LOOPS(name, T)                                                           \
  LOOP min_##name(T *dst, const T *a, const T *b, size_t n) {                          \
    for (size_t i = 0; i < n; i++) dst[i] = b[i] < a[i] ? b[i] : a[i];                 \
  }                                                                                    \
  LOOP max_##name(T *dst, const T *a, const T *b, size_t n) {                          \
    for (size_t i = 0; i < n; i++) dst[i] = b[i] > a[i] ? b[i] : a[i];                 \
  }
ORDER_LOOPS(i8, int8_t)
ORDER_LOOPS(u8, uint8_t)
ORDER_LOOPS(i32, int32_t)
ORDER_LOOPS(u32, uint32_t)
ORDER_LOOPS(i64, int64_t)
ORDER_LOOPS(u64, uint64_t)

// The avg's integer division: C's quotient, which truncates toward zero, taken in 64 bits (W) so that
// any divisor below 2^63 works for every width. The quotient's magnitude is at most the element's,
// so it fits back. x86 has no vector division; these loops stay scalar.
#define DIVIDE_LOOP(name, T, W)                                                        \
  LOOP div_##name(T *buf, size_t n, W d) {                                             \
    for (size_t i = 0; i < n; i++) buf[i] = (T)((W)buf[i] / d);                        \
  }
DIVIDE_LOOP(i8, int8_t, int64_t)
DIVIDE_LOOP(u8, uint8_t, uint64_t)
DIVIDE_LOOP(i32, int32_t, int64_t)
DIVIDE_LOOP(u32, uint32_t, uint64_t)
DIVIDE_LOOP(i64, int64_t, int64_t)
DIVIDE_LOOP(u64, uint64_t, uint64_t)

// One switch per call, outside the loops. The sums of f16 and bf16 have faster AVX2 loops below.
LOOP sum_loops(void *dst, const void *a, const void *b, size_t n, cc_dtype t) {
  switch (t) {
    case CC_F32: add_f32(dst, a, b, n); break;
    case CC_F64: add_f64(dst, a, b, n); break;
    case CC_F16: add_f16(dst, a, b, n); break;
    case CC_BF16: add_bf16(dst, a, b, n); break;
    case CC_I8:
    case CC_U8: add_u8(dst, a, b, n); break;
    case CC_I32:
    case CC_U32: add_u32(dst, a, b, n); break;
    case CC_I64:
    case CC_U64: add_u64(dst, a, b, n); break;
    default: break;
  }
}

LOOP prod_loops(void *dst, const void *a, const void *b, size_t n, cc_dtype t) {
  switch (t) {
    case CC_F32: mul_f32(dst, a, b, n); break;
    case CC_F64: mul_f64(dst, a, b, n); break;
    case CC_F16: mul_f16(dst, a, b, n); break;
    case CC_BF16: mul_bf16(dst, a, b, n); break;
    case CC_I8:
    case CC_U8: mul_u8(dst, a, b, n); break;
    case CC_I32:
    case CC_U32: mul_u32(dst, a, b, n); break;
    case CC_I64:
    case CC_U64: mul_u64(dst, a, b, n); break;
    default: break;
  }
}

LOOP min_loops(void *dst, const void *a, const void *b, size_t n, cc_dtype t) {
  switch (t) {
    case CC_F32: min_f32(dst, a, b, n); break;
    case CC_F64: min_f64(dst, a, b, n); break;
    case CC_F16: min_f16(dst, a, b, n); break;
    case CC_BF16: min_bf16(dst, a, b, n); break;
    case CC_I8: min_i8(dst, a, b, n); break;
    case CC_U8: min_u8(dst, a, b, n); break;
    case CC_I32: min_i32(dst, a, b, n); break;
    case CC_U32: min_u32(dst, a, b, n); break;
    case CC_I64: min_i64(dst, a, b, n); break;
    case CC_U64: min_u64(dst, a, b, n); break;
    default: break;
  }
}

LOOP max_loops(void *dst, const void *a, const void *b, size_t n, cc_dtype t) {
  switch (t) {
    case CC_F32: max_f32(dst, a, b, n); break;
    case CC_F64: max_f64(dst, a, b, n); break;
    case CC_F16: max_f16(dst, a, b, n); break;
    case CC_BF16: max_bf16(dst, a, b, n); break;
    case CC_I8: max_i8(dst, a, b, n); break;
    case CC_U8: max_u8(dst, a, b, n); break;
    case CC_I32: max_i32(dst, a, b, n); break;
    case CC_U32: max_u32(dst, a, b, n); break;
    case CC_I64: max_i64(dst, a, b, n); break;
    case CC_U64: max_u64(dst, a, b, n); break;
    default: break;
  }
}

LOOP reduce_loops(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cc_redop op) {
  switch (op) {
    case CC_SUM:
    case CC_AVG: sum_loops(dst, a, b, n, t); break;
    case CC_PROD: prod_loops(dst, a, b, n, t); break;
    case CC_MIN: min_loops(dst, a, b, n, t); break;
    case CC_MAX: max_loops(dst, a, b, n, t); break;
    default: break;
  }
}

// Integers only (the float divisions differ between the two sets of loops).
LOOP divide_integers(void *buf, size_t n, cc_dtype t, double divisor) {
  switch (t) {
    case CC_I8: div_i8(buf, n, (int64_t)divisor); break;
    case CC_U8: div_u8(buf, n, (uint64_t)divisor); break;
    case CC_I32: div_i32(buf, n, (int64_t)divisor); break;
    case CC_U32: div_u32(buf, n, (uint64_t)divisor); break;
    case CC_I64: div_i64(buf, n, (int64_t)divisor); break;
    case CC_U64: div_u64(buf, n, (uint64_t)divisor); break;
    default: break;
  }
}

void cc_host_reduce_portable(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cc_redop op) {
  reduce_loops(dst, a, b, n, t, op);
}

void cc_host_divide_portable(void *buf, size_t n, cc_dtype t, double divisor) {
  switch (t) {
    case CC_F32: div_f32(buf, n, (float)divisor); break;
    case CC_F64: div_f64(buf, n, divisor); break;
    case CC_F16: div_f16(buf, n, (float)divisor); break;
    case CC_BF16: div_bf16(buf, n, (float)divisor); break;
    default: divide_integers(buf, n, t, divisor); break;
  }
}

#if defined(__x86_64__)
#define AVX2 __attribute__((target("avx2,f16c")))

// f16: F16C widens 8 elements to f32 and rounds them back to nearest even (the immediate's rounding
// mode, not MXCSR's).
AVX2 static inline __m256 load_f16x8(const uint16_t *p) {
  return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}
AVX2 static inline void store_f16x8(uint16_t *p, __m256 v) {
  _mm_storeu_si128((__m128i *)p, _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

// bf16: interleaving zeros below 16-bit elements (unpacklo/hi) puts each at the top of a 32-bit lane,
// which is the f32 of the same value. The lanes come out permuted within each 128-bit half, and
// packus puts them back, so no cross-lane shuffle is needed. gcc's auto-vectorized add_bf16 is half
// as fast in cache: it widens with zero-extends and narrows with packs plus permutes.
AVX2 static inline void load_bf16x16(const uint16_t *p, __m256 *lo, __m256 *hi) {
  __m256i x = _mm256_loadu_si256((const __m256i *)p), zero = _mm256_setzero_si256();
  *lo = _mm256_castsi256_ps(_mm256_unpacklo_epi16(zero, x));
  *hi = _mm256_castsi256_ps(_mm256_unpackhi_epi16(zero, x));
}
// Rounded to nearest even as in cc_half_f32_to_bf16: NaNs select their truncated bits, quieted.
AVX2 static inline __m256i round_bf16x8(__m256 v) {
  __m256i u = _mm256_castps_si256(v), high = _mm256_srli_epi32(u, 16);
  __m256i lsb = _mm256_and_si256(high, _mm256_set1_epi32(1));
  __m256i bias = _mm256_add_epi32(_mm256_set1_epi32(0x7fff), lsb);
  __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(u, bias), 16);
  __m256i quiet_nan = _mm256_or_si256(high, _mm256_set1_epi32(0x40));
  __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  return _mm256_blendv_epi8(rounded, quiet_nan, nan);
}
AVX2 static inline void store_bf16x16(uint16_t *p, __m256 lo, __m256 hi) {
  _mm256_storeu_si256((__m256i *)p, _mm256_packus_epi32(round_bf16x8(lo), round_bf16x8(hi)));
}

// Tails (fewer than a vector) take the portable loops, which give the same bits.
AVX2 static void add_f16_avx2(uint16_t *dst, const uint16_t *a, const uint16_t *b, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) store_f16x8(dst + i, _mm256_add_ps(load_f16x8(a + i), load_f16x8(b + i)));
  add_f16(dst + i, a + i, b + i, n - i);
}

AVX2 static void div_f16_avx2(uint16_t *buf, size_t n, float d) {
  __m256 vd = _mm256_set1_ps(d);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) store_f16x8(buf + i, _mm256_div_ps(load_f16x8(buf + i), vd));
  div_f16(buf + i, n - i, d);
}

AVX2 static void add_bf16_avx2(uint16_t *dst, const uint16_t *a, const uint16_t *b, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 alo, ahi, blo, bhi;
    load_bf16x16(a + i, &alo, &ahi);
    load_bf16x16(b + i, &blo, &bhi);
    store_bf16x16(dst + i, _mm256_add_ps(alo, blo), _mm256_add_ps(ahi, bhi));
  }
  add_bf16(dst + i, a + i, b + i, n - i);
}

AVX2 static void div_bf16_avx2(uint16_t *buf, size_t n, float d) {
  __m256 vd = _mm256_set1_ps(d);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 lo, hi;
    load_bf16x16(buf + i, &lo, &hi);
    store_bf16x16(buf + i, _mm256_div_ps(lo, vd), _mm256_div_ps(hi, vd));
  }
  div_bf16(buf + i, n - i, d);
}

// Everything but the 16-bit sums: the portable loops again, inlined here so gcc vectorizes them
// 256 bits wide.
AVX2 static void reduce_avx2(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cc_redop op) {
  bool sum = op == CC_SUM || op == CC_AVG;
  if (sum && t == CC_F16) add_f16_avx2(dst, a, b, n);
  else if (sum && t == CC_BF16) add_bf16_avx2(dst, a, b, n);
  else reduce_loops(dst, a, b, n, t, op);
}

AVX2 static void divide_avx2(void *buf, size_t n, cc_dtype t, double divisor) {
  switch (t) {
    case CC_F32: div_f32(buf, n, (float)divisor); break;
    case CC_F64: div_f64(buf, n, divisor); break;
    case CC_F16: div_f16_avx2(buf, n, (float)divisor); break;
    case CC_BF16: div_bf16_avx2(buf, n, (float)divisor); break;
    default: divide_integers(buf, n, t, divisor); break;
  }
}

// Which loops to run, decided once before main. A call from an earlier constructor would see 0 and
// take the portable loops, which give the same bits.
static int use_avx2;

__attribute__((constructor)) static void detect_cpu(void) {
  __builtin_cpu_init();
  // Every AVX2 CPU so far has F16C, but it is a separate CPUID bit (leaf 1, ecx), read directly
  // because not every compiler's __builtin_cpu_supports knows "f16c".
  unsigned eax, ebx, ecx, edx;
  int f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
  use_avx2 = __builtin_cpu_supports("avx2") && f16c;
}
#else
static const int use_avx2 = 0;
#endif

const char *cc_host_reduce_path(void) { return use_avx2 ? "avx2+f16c" : "portable"; }

void cc_host_reduce(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cc_redop op) {
  if (n == 0) return;  // the pointers may be NULL; even NULL + 0 is undefined
#if defined(__x86_64__)
  if (use_avx2) {
    reduce_avx2(dst, a, b, n, t, op);
    return;
  }
#endif
  cc_host_reduce_portable(dst, a, b, n, t, op);
}

void cc_host_divide(void *buf, size_t n, cc_dtype t, double divisor) {
  // An integer quotient by 0.5 or 0 has no meaning; the avg op only ever divides by a rank count.
  if (cc_dtype_is_integer(t) && !(divisor >= 1 && divisor < 0x1p63 && divisor == (double)(int64_t)divisor))
    CC_FATAL("cc_host_divide: %s needs a whole divisor in [1, 2^63), got %g", cc_dtype_name(t), divisor);
  if (n == 0) return;
#if defined(__x86_64__)
  if (use_avx2) {
    divide_avx2(buf, n, t, divisor);
    return;
  }
#endif
  cc_host_divide_portable(buf, n, t, divisor);
}
