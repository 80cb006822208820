// Element types: names, sizes, 16-bit float conversions (bodies in half.h) and element access.
#include "kernels/dtype.h"

#include <math.h>
#include <string.h>

#include "kernels/half.h"

static const size_t sizes[CC_NDTYPES] = {4, 8, 2, 2};
static const char *const names[CC_NDTYPES] = {"f32", "f64", "f16", "bf16"};
static const char *const long_names[CC_NDTYPES] = {"float", "double", "half", "bfloat16"};
static const char *const redop_names[CC_NREDOPS] = {"sum", "avg"};

static int valid(cc_dtype t) { return (unsigned)t < CC_NDTYPES; }

size_t cc_dtype_size(cc_dtype t) { return valid(t) ? sizes[t] : 0; }
const char *cc_dtype_name(cc_dtype t) { return valid(t) ? names[t] : "?"; }
const char *cc_dtype_long_name(cc_dtype t) { return valid(t) ? long_names[t] : "?"; }

int cc_dtype_parse(const char *s, cc_dtype *out) {
  for (int t = 0; t < CC_NDTYPES; t++) {
    if (strcmp(s, names[t]) == 0 || strcmp(s, long_names[t]) == 0) {
      *out = (cc_dtype)t;
      return 0;
    }
  }
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

double cc_load(const void *buf, size_t i, cc_dtype t) {
  switch (t) {
    case CC_F32: return ((const float *)buf)[i];
    case CC_F64: return ((const double *)buf)[i];
    case CC_F16: return cc_half_f16_to_f32(((const uint16_t *)buf)[i]);
    case CC_BF16: return cc_half_bf16_to_f32(((const uint16_t *)buf)[i]);
    default: return NAN;
  }
}

void cc_store(void *buf, size_t i, cc_dtype t, double v) {
  switch (t) {
    case CC_F32: ((float *)buf)[i] = (float)v; break;
    case CC_F64: ((double *)buf)[i] = v; break;
    case CC_F16: ((uint16_t *)buf)[i] = cc_half_f32_to_f16((float)v); break;
    case CC_BF16: ((uint16_t *)buf)[i] = cc_half_f32_to_bf16((float)v); break;
    default: break;
  }
}

double cc_dtype_eps(cc_dtype t) {
  switch (t) {
    case CC_F32: return 0x1p-24;
    case CC_F64: return 0x1p-53;
    case CC_F16: return 0x1p-11;
    case CC_BF16: return 0x1p-8;
    default: return NAN;
  }
}
