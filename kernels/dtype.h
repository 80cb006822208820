// Element types and the 16-bit float conversions every module shares.
//
// f16 (IEEE binary16) and bf16 are storage formats: arithmetic on them happens in f32 and the result
// is rounded back to nearest-even, so a reduction of 16-bit data equals the f32 sum of the converted
// inputs, rounded once per reduction step.
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef enum { CC_F32, CC_F64, CC_F16, CC_BF16, CC_NDTYPES } cc_dtype;
typedef enum { CC_SUM, CC_AVG, CC_NREDOPS } cc_redop;

size_t cc_dtype_size(cc_dtype t);
const char *cc_dtype_name(cc_dtype t);       // "f32", "f64", "f16", "bf16"
const char *cc_dtype_long_name(cc_dtype t);  // nccl-tests' names: "float", "double", "half", "bfloat16"
// Accepts either name ("f32" or "float", "bf16" or "bfloat16", ...). 0 on success, -1 if unknown.
int cc_dtype_parse(const char *s, cc_dtype *out);
const char *cc_redop_name(cc_redop op);      // "sum", "avg"
int cc_redop_parse(const char *s, cc_redop *out);

// Round-to-nearest-even conversions; NaN stays NaN (quiet), overflow goes to infinity, subnormals are
// handled exactly.
float cc_f16_to_f32(uint16_t h);
uint16_t cc_f32_to_f16(float f);
float cc_bf16_to_f32(uint16_t h);
uint16_t cc_f32_to_bf16(float f);

// Element i of buf as a double, and a double rounded into element i (f16/bf16 through f32, which
// double-rounds; callers that need exact results use values representable in the type).
double cc_load(const void *buf, size_t i, cc_dtype t);
void cc_store(void *buf, size_t i, cc_dtype t, double v);
// Unit roundoff of the type: 2^-24 (f32), 2^-53 (f64), 2^-11 (f16), 2^-8 (bf16).
double cc_dtype_eps(cc_dtype t);
