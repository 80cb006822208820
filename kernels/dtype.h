// Element types, reductions and the 16-bit float conversions every module shares.
//
// f16 (IEEE binary16) and bf16 are storage formats: arithmetic on them happens in f32 and the result
// is rounded back to nearest-even, so a reduction of 16-bit data equals the f32 sum of the converted
// inputs, rounded once per reduction step.
//
// Integers (NCCL's int8, uint8, int32, uint32, int64, uint64) reduce exactly: sum and prod wrap
// modulo 2^bits (computed on the unsigned twin, so signed overflow is defined), min and max compare
// as the type, avg is the wrapped sum divided by the rank count, truncated toward zero (NCCL's ncclAvg
// on integers).
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { CC_F32, CC_F64, CC_F16, CC_BF16, CC_I8, CC_U8, CC_I32, CC_U32, CC_I64, CC_U64, CC_NDTYPES } cc_dtype;
// The element-wise operations of a reduction. avg is a sum followed by one division (cc_host_divide).
typedef enum { CC_SUM, CC_AVG, CC_PROD, CC_MIN, CC_MAX, CC_NREDOPS } cc_redop;
// nccl-tests' order (sum, prod, max, min, avg), for "-o all".
extern const cc_redop cc_redops_nccl_order[CC_NREDOPS];

size_t cc_dtype_size(cc_dtype t);
const char *cc_dtype_name(cc_dtype t);       // "f32", "f64", "f16", "bf16", "i8", "u8", "i32", "u32", "i64", "u64"
// nccl-tests' names: "float", "double", "half", "bfloat16", "int8", "uint8", "int32", "uint32", "int64", "uint64"
const char *cc_dtype_long_name(cc_dtype t);
// Accepts either name ("f32" or "float", "i32" or "int32", ...), and NCCL's aliases "char" (int8) and
// "int" (int32). 0 on success, -1 if unknown.
int cc_dtype_parse(const char *s, cc_dtype *out);
bool cc_dtype_is_integer(cc_dtype t);
bool cc_dtype_is_signed(cc_dtype t);         // floats and i8/i32/i64
const char *cc_redop_name(cc_redop op);      // "sum", "avg", "prod", "min", "max"
int cc_redop_parse(const char *s, cc_redop *out);

// Round-to-nearest-even conversions; NaN stays NaN (quiet), overflow goes to infinity, subnormals are
// handled exactly.
float cc_f16_to_f32(uint16_t h);
uint16_t cc_f32_to_f16(float f);
float cc_bf16_to_f32(uint16_t h);
uint16_t cc_f32_to_bf16(float f);

// Element i of buf as a double, and a double rounded into element i (f16/bf16 through f32, which
// double-rounds; callers that need exact results use values representable in the type). Integers:
// stored as the value converted to the type modulo 2^bits (v must be an integer within +-2^63);
// 64-bit values beyond 2^53 do not survive a double, so exact integer code uses cc_load_bits.
double cc_load(const void *buf, size_t i, cc_dtype t);
void cc_store(void *buf, size_t i, cc_dtype t, double v);
// Integers only: element i's bits zero-extended to 64 (an i8 of -1 is 0xff), and the low bits of v
// stored. Compare results with cc_dtype_mask applied.
uint64_t cc_load_bits(const void *buf, size_t i, cc_dtype t);
void cc_store_bits(void *buf, size_t i, cc_dtype t, uint64_t v);
uint64_t cc_dtype_mask(cc_dtype t);          // 2^bits - 1 for integers, 0 for floats
// Unit roundoff of the type: 2^-24 (f32), 2^-53 (f64), 2^-11 (f16), 2^-8 (bf16); 0 for integers.
double cc_dtype_eps(cc_dtype t);
