// Element types: names, sizes, 16-bit float conversions (bodies in half.h) and element access.
#include "kernels/dtype.h"

#include <math.h>
#include <string.h>

#include "kernels/half.h"

static const size_t sizes[CC_NDTYPES] = {4, 8, 2, 2, 1, 1, 4, 4, 8, 8};
static const char *const names[CC_NDTYPES] = {"f32", "f64", "f16", "bf16", "i8", "u8", "i32", "u32", "i64", "u64"};
static const char *const long_names[CC_NDTYPES] = {"float", "double", "half",   "bfloat16", "int8",
                                                   "uint8", "int32",  "uint32", "int64",    "uint64"};
static const char *const redop_names[CC_NREDOPS] = {"sum", "avg", "prod", "min", "max"};
const cc_redop cc_redops_nccl_order[CC_NREDOPS] = {CC_SUM, CC_PROD, CC_MAX, CC_MIN, CC_AVG};

static int valid(cc_dtype t) { return (unsigned)t < CC_NDTYPES; }

size_t cc_dtype_size(cc_dtype t) { return valid(t) ? sizes[t] : 0; }
const char *cc_dtype_name(cc_dtype t) { return valid(t) ? names[t] : "?"; }
const char *cc_dtype_long_name(cc_dtype t) { return valid(t) ? long_names[t] : "?"; }
bool cc_dtype_is_integer(cc_dtype t) { return valid(t) && t >= CC_I8; }
bool cc_dtype_is_signed(cc_dtype t) { return valid(t) && t != CC_U8 && t != CC_U32 && t != CC_U64; }

int cc_dtype_parse(const char *s, cc_dtype *out) {
  for (int t = 0; t < CC_NDTYPES; t++) {
    if (strcmp(s, names[t]) == 0 || strcmp(s, long_names[t]) == 0) {
      *out = (cc_dtype)t;
      return 0;
    }
  }
  // ncclDataType_t's aliases, as nccl-tests' -d also knows them.
  if (strcmp(s, "char") == 0) return *out = CC_I8, 0;
  if (strcmp(s, "int") == 0) return *out = CC_I32, 0;
  return -1;
}

const char *cc_redop_name(cc_redop op) { return (unsigned)op < CC_NREDOPS ? redop_names[op] : "?"; }

int cc_redop_parse(const char *s, cc_redop *out) {
  for (int op = 0; op < CC_NREDOPS; op++) {
    if (strcmp(s, redop_names[op]) == 0) {
      *out = (cc_redop)op;
      return 0;
    }
  }
  return -1;
}

float cc_f16_to_f32(uint16_t h) { return cc_half_f16_to_f32(h); }
uint16_t cc_f32_to_f16(float f) { return cc_half_f32_to_f16(f); }
float cc_bf16_to_f32(uint16_t h) { return cc_half_bf16_to_f32(h); }
uint16_t cc_f32_to_bf16(float f) { return cc_half_f32_to_bf16(f); }

uint64_t cc_dtype_mask(cc_dtype t) {
  if (!cc_dtype_is_integer(t)) return 0;
  return sizes[t] == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * sizes[t])) - 1;
}

uint64_t cc_load_bits(const void *buf, size_t i, cc_dtype t) {
  switch (sizes[valid(t) ? t : CC_F32]) {
    case 1: return ((const uint8_t *)buf)[i];
    case 2: return ((const uint16_t *)buf)[i];
    case 4: return ((const uint32_t *)buf)[i];
    default: return ((const uint64_t *)buf)[i];
  }
}

void cc_store_bits(void *buf, size_t i, cc_dtype t, uint64_t v) {
  switch (sizes[valid(t) ? t : CC_F32]) {
    case 1: ((uint8_t *)buf)[i] = (uint8_t)v; break;
    case 2: ((uint16_t *)buf)[i] = (uint16_t)v; break;
    case 4: ((uint32_t *)buf)[i] = (uint32_t)v; break;
    default: ((uint64_t *)buf)[i] = v; break;
  }
}

// The bits of an integer element as the value it holds (sign-extended for signed types).
static double integer_value(uint64_t bits, cc_dtype t) {
  if (!cc_dtype_is_signed(t)) return (double)bits;
  int shift = 64 - 8 * (int)sizes[t];
  return (double)((int64_t)(bits << shift) >> shift);
}

double cc_load(const void *buf, size_t i, cc_dtype t) {
  switch (t) {
    case CC_F32: return ((const float *)buf)[i];
    case CC_F64: return ((const double *)buf)[i];
    case CC_F16: return cc_half_f16_to_f32(((const uint16_t *)buf)[i]);
    case CC_BF16: return cc_half_bf16_to_f32(((const uint16_t *)buf)[i]);
    default: return cc_dtype_is_integer(t) ? integer_value(cc_load_bits(buf, i, t), t) : NAN;
  }
}

void cc_store(void *buf, size_t i, cc_dtype t, double v) {
  switch (t) {
    case CC_F32: ((float *)buf)[i] = (float)v; break;
    case CC_F64: ((double *)buf)[i] = v; break;
    case CC_F16: ((uint16_t *)buf)[i] = cc_half_f32_to_f16((float)v); break;
    case CC_BF16: ((uint16_t *)buf)[i] = cc_half_f32_to_bf16((float)v); break;
    default:
      // Through int64 so negative values wrap into unsigned types (-1 -> 0xff...).
      if (cc_dtype_is_integer(t)) cc_store_bits(buf, i, t, (uint64_t)(int64_t)v);
      break;
  }
}

double cc_dtype_eps(cc_dtype t) {
  switch (t) {
    case CC_F32: return 0x1p-24;
    case CC_F64: return 0x1p-53;
    case CC_F16: return 0x1p-11;
    case CC_BF16: return 0x1p-8;
    default: return cc_dtype_is_integer(t) ? 0 : NAN;
  }
}
