// Device twins of kernels/half.h: f16/bf16 <-> f32 with the same bits as the C reference, NaNs
// included. Include from .cu files only.
//
// f16 uses the hardware conversions (cvt.rn.f16.f32 rounds to nearest even with exact subnormals
// and overflow to infinity, as half.h does) and patches NaNs afterwards: PTX does not promise which
// NaN a conversion returns, the C reference keeps the payload and sets the quiet bit. bf16 is the
// same integer rounding as half.h.
#pragma once
#include <cuda_fp16.h>
#include <stdint.h>

static __device__ __forceinline__ float cc_dev_f16_to_f32(uint16_t h) {
  float f = __half2float(__ushort_as_half(h));
  if ((h & 0x7fffu) > 0x7c00u) {  // NaN: the payload moves up 13 bits, quiet bit set
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    f = __uint_as_float(sign | 0x7fc00000u | ((uint32_t)(h & 0x3ffu) << 13));
  }
  return f;
}

static __device__ __forceinline__ uint16_t cc_dev_f32_to_f16(float f) {
  uint16_t h = __half_as_ushort(__float2half_rn(f));
  uint32_t x = __float_as_uint(f);
  if ((x & 0x7fffffffu) > 0x7f800000u)  // NaN: quiet, keeping the top 9 payload bits
    h = (uint16_t)(((x >> 16) & 0x8000u) | 0x7e00u | ((x >> 13) & 0x3ffu));
  return h;
}

static __device__ __forceinline__ float cc_dev_bf16_to_f32(uint16_t h) {
  return __uint_as_float((uint32_t)h << 16);
}

static __device__ __forceinline__ uint16_t cc_dev_f32_to_bf16(float f) {
  uint32_t u = __float_as_uint(f);
  uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;  // nearest even; overflow reaches inf
  uint32_t quiet_nan = (u >> 16) | 0x40u;                     // a NaN is truncated and quieted instead
  return (uint16_t)((u & 0x7fffffffu) > 0x7f800000u ? quiet_nan : rounded);
}
