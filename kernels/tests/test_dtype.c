// Checks dtype and op names, integer element access, and the 16-bit float conversions against
// independent references: gcc's _Float16 (libgcc's soft-float code, or the hardware) for f16, and
// rounding done in double for bf16.
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/tests/check.h"
#include "kernels/dtype.h"

#ifndef __FLT16_MAX__
#error "test_dtype needs the _Float16 type (gcc >= 12 on x86-64)"
#endif


static uint32_t bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static float from_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static float f16_reference_to_f32(uint16_t h) {
  _Float16 v;
  memcpy(&v, &h, sizeof v);
  return (float)v;
}

static void test_names(void) {
  static const size_t sizes[CC_NDTYPES] = {4, 8, 2, 2, 1, 1, 4, 4, 8, 8};
  static const double eps[CC_NDTYPES] = {0x1p-24, 0x1p-53, 0x1p-11, 0x1p-8, 0, 0, 0, 0, 0, 0};
  static const char *const shorts[CC_NDTYPES] = {"f32", "f64", "f16", "bf16", "i8", "u8", "i32", "u32", "i64", "u64"};
  static const char *const longs[CC_NDTYPES] = {"float", "double", "half",   "bfloat16", "int8",
                                                "uint8", "int32",  "uint32", "int64",    "uint64"};
  static const bool integer[CC_NDTYPES] = {false, false, false, false, true, true, true, true, true, true};
  static const bool is_signed[CC_NDTYPES] = {true, true, true, true, true, false, true, false, true, false};
  for (int i = 0; i < CC_NDTYPES; i++) {
    cc_dtype t = (cc_dtype)i, got = CC_NDTYPES;
    CHECKF(cc_dtype_size(t) == sizes[i], "size of %s", cc_dtype_name(t));
    CHECKF(cc_dtype_eps(t) == eps[i], "eps of %s", cc_dtype_name(t));
    CHECKF(strcmp(cc_dtype_name(t), shorts[i]) == 0, "name of %d: %s", i, cc_dtype_name(t));
    CHECKF(strcmp(cc_dtype_long_name(t), longs[i]) == 0, "long name of %s", cc_dtype_name(t));
    CHECKF(cc_dtype_is_integer(t) == integer[i], "is_integer(%s)", cc_dtype_name(t));
    CHECKF(cc_dtype_is_signed(t) == is_signed[i], "is_signed(%s)", cc_dtype_name(t));
    CHECKF(cc_dtype_parse(shorts[i], &got) == 0 && got == t, "parse %s", shorts[i]);
    got = CC_NDTYPES;
    CHECKF(cc_dtype_parse(longs[i], &got) == 0 && got == t, "parse %s", longs[i]);
  }
  CHECKF(!cc_dtype_is_integer(CC_NDTYPES) && cc_dtype_size(CC_NDTYPES) == 0, "out-of-range dtype");
  // NCCL's aliases.
  cc_dtype alias = CC_F32;
  CHECKF(cc_dtype_parse("char", &alias) == 0 && alias == CC_I8, "parse char");
  CHECKF(cc_dtype_parse("int", &alias) == 0 && alias == CC_I32, "parse int");
  const char *bad[] = {"", "f8", "F32", "float32", "bfloat", "f32 ", "int16", "i16", "uint", "INT8", "int8 ", "u128"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cc_dtype t = CC_F64;
    CHECKF(cc_dtype_parse(bad[i], &t) == -1 && t == CC_F64, "parse '%s' must fail", bad[i]);
  }

  static const char *const ops[CC_NREDOPS] = {"sum", "avg", "prod", "min", "max"};
  for (int i = 0; i < CC_NREDOPS; i++) {
    cc_redop op = CC_NREDOPS;
    CHECKF(strcmp(cc_redop_name((cc_redop)i), ops[i]) == 0, "redop %d is named %s", i, cc_redop_name((cc_redop)i));
    CHECKF(cc_redop_parse(ops[i], &op) == 0 && op == (cc_redop)i, "parse redop %s", ops[i]);
  }
  CHECKF(CC_SUM == 0 && CC_AVG == 1, "sum and avg keep their values");
  const char *bad_ops[] = {"", "mean", "Sum", "product", "sum ", "all"};
  for (size_t i = 0; i < sizeof bad_ops / sizeof *bad_ops; i++) {
    cc_redop op = CC_MAX;
    CHECKF(cc_redop_parse(bad_ops[i], &op) == -1 && op == CC_MAX, "parse redop '%s' must fail", bad_ops[i]);
  }
  const cc_redop nccl_order[CC_NREDOPS] = {CC_SUM, CC_PROD, CC_MAX, CC_MIN, CC_AVG};
  for (int i = 0; i < CC_NREDOPS; i++)
    CHECKF(cc_redops_nccl_order[i] == nccl_order[i], "nccl order [%d] is %s", i,
           cc_redop_name(cc_redops_nccl_order[i]));
}

static void test_load_store(void) {
  // Values exact in every float type come back unchanged; 16-bit stores round to nearest even.
  const double exact[] = {0.0, 1.0, -2.5, 0.375, 1024.0, -0.0078125};
  for (int i = 0; i < CC_NDTYPES; i++) {
    cc_dtype t = (cc_dtype)i;
    if (cc_dtype_is_integer(t)) continue;
    unsigned char buf[3 * 8];
    for (size_t k = 0; k < sizeof exact / sizeof *exact; k++) {
      cc_store(buf, 2, t, exact[k]);
      CHECKF(cc_load(buf, 2, t) == exact[k], "%s load/store %g", cc_dtype_name(t), exact[k]);
    }
  }
  uint16_t h[2];
  cc_store(h, 1, CC_F16, 65520.0);
  CHECKF(h[1] == 0x7c00, "f16 store 65520 -> inf, got %04x", h[1]);
  cc_store(h, 0, CC_F16, 1.0 + 0x1p-11);  // tie between 1 and 1+2^-10: even is 1
  CHECKF(h[0] == 0x3c00, "f16 store tie, got %04x", h[0]);
  cc_store(h, 0, CC_BF16, 1.0 + 0x1p-8 + 0x1p-7);  // tie between 1+2^-7 and 1+2^-6: even is 1+2^-6
  CHECKF(h[0] == 0x3f82, "bf16 store tie, got %04x", h[0]);
}

// One integer stored as a double: the bits it leaves (zero-extended) and the value it loads back as.
static void check_integer_store(cc_dtype t, double v, uint64_t want_bits, double want_value) {
  uint64_t buf[3] = {0x1111111111111111ull, 0x2222222222222222ull, 0x3333333333333333ull}, before[3];
  memcpy(before, buf, sizeof buf);
  cc_store(buf, 1, t, v);
  uint64_t bits = cc_load_bits(buf, 1, t);
  CHECKF(bits == want_bits, "%s store %.17g: bits %#llx, want %#llx", cc_dtype_name(t), v, (unsigned long long)bits,
         (unsigned long long)want_bits);
  CHECKF(cc_load(buf, 1, t) == want_value, "%s store %.17g: loads as %.17g, want %.17g", cc_dtype_name(t), v,
         cc_load(buf, 1, t), want_value);
  // Only element 1 changed: the bytes before and after it are as they were.
  size_t esz = cc_dtype_size(t);
  bool neighbours_kept = memcmp(buf, before, esz) == 0 &&
                         memcmp((char *)buf + 2 * esz, (char *)before + 2 * esz, sizeof buf - 2 * esz) == 0;
  CHECKF(neighbours_kept, "%s store touched its neighbours", cc_dtype_name(t));
}

static void test_integers(void) {
  CHECKF(cc_dtype_mask(CC_I8) == 0xff && cc_dtype_mask(CC_U8) == 0xff, "8-bit masks");
  CHECKF(cc_dtype_mask(CC_I32) == 0xffffffffull && cc_dtype_mask(CC_U32) == 0xffffffffull, "32-bit masks");
  CHECKF(cc_dtype_mask(CC_I64) == UINT64_MAX && cc_dtype_mask(CC_U64) == UINT64_MAX, "64-bit masks");
  CHECKF(cc_dtype_mask(CC_F32) == 0 && cc_dtype_mask(CC_BF16) == 0, "float masks are 0");

  check_integer_store(CC_I8, -1, 0xff, -1);
  check_integer_store(CC_I8, 127, 0x7f, 127);
  check_integer_store(CC_I8, -128, 0x80, -128);
  check_integer_store(CC_I8, 200, 0xc8, -56);  // modulo 2^8
  check_integer_store(CC_U8, -1, 0xff, 255);   // a negative value wraps into an unsigned type
  check_integer_store(CC_U8, 300, 0x2c, 44);
  check_integer_store(CC_I32, -2, 0xfffffffe, -2);
  check_integer_store(CC_I32, 0x1p31, 0x80000000, -0x1p31);
  check_integer_store(CC_U32, -1, 0xffffffff, 4294967295.0);
  check_integer_store(CC_U32, 0x1p32 + 5, 5, 5);
  check_integer_store(CC_I64, -0x1p63, 0x8000000000000000ull, -0x1p63);
  check_integer_store(CC_I64, -3, 0xfffffffffffffffdull, -3);
  check_integer_store(CC_U64, -1, UINT64_MAX, 0x1p64);
  check_integer_store(CC_U64, 0x1p62, 0x4000000000000000ull, 0x1p62);

  // Bits beyond a double's 53: only cc_store_bits / cc_load_bits keep them.
  const uint64_t wide[] = {(1ull << 53) + 1, (1ull << 62) + 3, 0x8000000000000001ull, UINT64_MAX,
                           0x0123456789abcdefull};
  for (size_t k = 0; k < sizeof wide / sizeof *wide; k++) {
    for (cc_dtype t = CC_I64; t <= CC_U64; t++) {
      uint64_t buf[2] = {0, 0};
      cc_store_bits(buf, 1, t, wide[k]);
      CHECKF(cc_load_bits(buf, 1, t) == wide[k] && buf[0] == 0, "%s bits %#llx round trip", cc_dtype_name(t),
             (unsigned long long)wide[k]);
    }
  }
  // Narrow types keep the low bits and zero-extend on the way out.
  uint8_t b[3] = {0, 0, 0};
  cc_store_bits(b, 1, CC_I8, 0x1234);
  CHECKF(b[0] == 0 && b[1] == 0x34 && b[2] == 0 && cc_load_bits(b, 1, CC_I8) == 0x34, "i8 keeps the low byte");
  int32_t w[2] = {0, -7};
  CHECKF(cc_load_bits(w, 1, CC_I32) == 0xfffffff9u && cc_load(w, 1, CC_I32) == -7, "i32 -7 zero-extends to bits");
  CHECKF(cc_load(w, 1, CC_U32) == 4294967289.0, "the same bits as u32");
  int64_t big = INT64_MIN + 1;
  CHECKF(cc_load_bits(&big, 0, CC_I64) == 0x8000000000000001ull, "i64 bits");
}

static void test_f16_to_f32(void) {
  for (uint32_t i = 0; i < 65536; i++) {
    uint16_t h = (uint16_t)i;
    float want = f16_reference_to_f32(h), got = cc_f16_to_f32(h);
    if (isnan(want)) {
      CHECKF(isnan(got) && (bits(got) & 0x400000u) && signbit(got) == signbit(want),
            "f16 %04x: want a quiet NaN with its sign, got %08x", h, bits(got));
    } else {
      CHECKF(bits(got) == bits(want), "f16 %04x: want %08x, got %08x", h, bits(want), bits(got));
    }
  }
}

static void check_f32_to_f16(uint32_t x) {
  float f = from_bits(x);
  _Float16 ref = (_Float16)f;
  uint16_t want, got = cc_f32_to_f16(f);
  memcpy(&want, &ref, sizeof want);
  if (isnan(f)) {
    CHECKF((got & 0x7c00u) == 0x7c00u && (got & 0x200u) && (got >> 15) == (x >> 31),
          "f32 %08x: want a quiet NaN with its sign, got %04x", x, got);
  } else {
    CHECKF(got == want, "f32 %08x (%a): want %04x, got %04x", x, f, want, got);
  }
}

static void test_f32_to_f16(void) {
  // A spread over all patterns (the stride is odd, so every mantissa bit varies). libgcc's
  // conversion is slow (~100 ns, it raises FP exceptions), so the strides keep this to seconds.
  for (uint64_t x = 0; x < (1ull << 32); x += 509) check_f32_to_f16((uint32_t)x);
  // Around every f16 value and every midpoint between neighbours (where ties happen), both signs.
  // f16 values have 11 significant bits, so the midpoints are exact in f32.
  for (uint16_t h = 0; h < 0x7c00; h++) {
    float lo = f16_reference_to_f32(h);
    float mid = h == 0x7bff ? 65520.0f : (lo + f16_reference_to_f32((uint16_t)(h + 1))) / 2;
    for (int32_t d = -3; d <= 3; d++) {
      for (int neg = 0; neg < 2; neg++) {
        uint32_t sign = neg ? 0x80000000u : 0;
        check_f32_to_f16((bits(lo) + (uint32_t)d) ^ sign);
        check_f32_to_f16((bits(mid) + (uint32_t)d) ^ sign);
      }
    }
  }
  // Every 7th pattern from 2^-26 (below half the smallest f16 subnormal) to the smallest normal.
  for (uint32_t x = bits(0x1p-26f); x <= bits(0x1p-14f); x += 7) check_f32_to_f16(x);
  // The overflow boundary: 65504 is the largest f16, 65520 the first value rounding to infinity.
  for (uint32_t x = bits(65504.0f) - 4096; x <= bits(65520.0f) + 4096; x++) {
    check_f32_to_f16(x);
    check_f32_to_f16(x | 0x80000000u);
  }
  const uint32_t special[] = {0x7f800000u, 0xff800000u, 0x7f7fffffu, 0x7f800001u, 0x7fc00000u,
                              0xffc00000u, 0x7fffffffu, 0xff800001u, 0x7f802000u, 0x00000001u};
  for (size_t i = 0; i < sizeof special / sizeof *special; i++) check_f32_to_f16(special[i]);
}

static void test_bf16_to_f32(void) {
  for (uint32_t i = 0; i < 65536; i++) {
    uint16_t h = (uint16_t)i;
    uint32_t want = i << 16;
    float got = cc_bf16_to_f32(h);
    CHECKF(memcmp(&got, &want, sizeof got) == 0, "bf16 %04x: want %08x, got %08x", h, want, bits(got));
  }
}

// f rounded to bf16 (8 significant bits, or multiples of 2^-133 below the normal range) in double,
// with nearbyint in the default round-to-nearest-even mode. f is not NaN.
static float bf16_reference(float f) {
  if (isinf(f)) return f;
  int e;
  frexp(f, &e);  // f = m * 2^e with 0.5 <= |m| < 1
  int q = e - 8 > -133 ? e - 8 : -133;
  double r = ldexp(nearbyint(ldexp(f, -q)), q);
  if (fabs(r) > FLT_MAX) return copysignf(INFINITY, f);
  return (float)r;
}

static void check_f32_to_bf16(uint32_t x) {
  float f = from_bits(x);
  uint16_t got = cc_f32_to_bf16(f);
  if (isnan(f)) {
    CHECKF((got & 0x7f80u) == 0x7f80u && (got & 0x40u) && (got >> 15) == (x >> 31),
          "f32 %08x: want a quiet NaN with its sign, got %04x", x, got);
    return;
  }
  uint32_t want = bits(bf16_reference(f));
  CHECKF((want & 0xffffu) == 0, "reference for %08x is not a bf16: %08x", x, want);
  CHECKF(got == want >> 16, "f32 %08x (%a): want %04x, got %04x", x, f, want >> 16, got);
}

static void test_f32_to_bf16(void) {
  for (uint64_t x = 0; x < (1ull << 32); x += 127) check_f32_to_bf16((uint32_t)x);
  // Every bf16 value (both signs, NaN and inf included) and the exact ties above it, +-2 ulps.
  for (uint32_t h = 0; h < 65536; h++) {
    for (int32_t d = -2; d <= 2; d++) {
      check_f32_to_bf16((h << 16) + (uint32_t)d);
      check_f32_to_bf16((h << 16) + 0x8000u + (uint32_t)d);
    }
  }
  // 0x7f7f8000 is the tie between the largest bf16 and infinity: it must overflow.
  CHECKF(cc_f32_to_bf16(from_bits(0x7f7f8000u)) == 0x7f80u, "overflow to inf");
  CHECKF(cc_f32_to_bf16(from_bits(0x7f7f7fffu)) == 0x7f7fu, "largest bf16");
  CHECKF(cc_f32_to_bf16(-INFINITY) == 0xff80u, "-inf");
}

int main(void) {
  test_names();
  test_load_store();
  test_integers();
  test_f16_to_f32();
  test_f32_to_f16();
  test_bf16_to_f32();
  test_f32_to_bf16();
  return check_done("test_dtype");
}
