// Bit-level f16/bf16 conversions as inline functions, so the reduction loops in reduce.c can inline
// (and vectorize) them. dtype.c wraps them as the public cc_f16_to_f32 & co.; use those elsewhere.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t cc_f32_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static inline float cc_f32_from_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static inline float cc_half_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0x1f) {  // inf, or NaN: keep the payload and set the quiet bit
    return cc_f32_from_bits(sign | 0x7f800000u | (mant << 13) | (mant ? 0x400000u : 0));
  }
  if (exp == 0) {  // zero or subnormal: mant * 2^-24, a normal f32, so the product is exact
    float mag = (float)mant * 0x1p-24f;
    return sign ? -mag : mag;
  }
  // normal: rebias the exponent from 15 to 127 (a difference of 112)
  return cc_f32_from_bits(sign | ((exp + 112) << 23) | (mant << 13));
}

static inline uint16_t cc_half_f32_to_f16(float f) {
  uint32_t x = cc_f32_bits(f);
  uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
  uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) {  // NaN: quiet, keeping the top 9 payload bits
    return sign | 0x7e00u | (uint16_t)((ax >> 13) & 0x3ffu);
  }
  // 65520 is halfway between 65504 (largest f16) and 2^16; the tie goes to the even side, infinity.
  if (ax >= 0x477ff000u) return sign | 0x7c00u;
  if (ax >= 0x38800000u) {  // normal f16 (>= 2^-14): rebias, then round away the 13 low bits
    uint32_t r = ax - (112u << 23);
    // Adding 0xfff plus the kept lsb rounds to nearest even; a carry correctly bumps the exponent.
    return sign | (uint16_t)((r + 0xfffu + ((r >> 13) & 1u)) >> 13);
  }
  // Subnormal f16 or zero. Values below 2^-25 (f32 exponent field < 102) round to zero.
  uint32_t e = ax >> 23;
  if (e < 102) return sign;
  // value = m * 2^(e-150); in units of the f16 subnormal step 2^-24 that is m >> (126 - e).
  uint32_t m = (ax & 0x7fffffu) | 0x800000u;
  uint32_t shift = 126 - e;  // 14..24
  uint32_t q = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1u))) q++;  // q may reach 0x400, the smallest normal: fine
  return sign | (uint16_t)q;
}

static inline float cc_half_bf16_to_f32(uint16_t h) { return cc_f32_from_bits((uint32_t)h << 16); }

// Branch-free so loops over it vectorize: the NaN case is a select, not a branch.
static inline uint16_t cc_half_f32_to_bf16(float f) {
  uint32_t u = cc_f32_bits(f);
  // Round the low 16 bits to nearest even; overflow carries into the exponent and reaches infinity.
  uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  uint32_t quiet_nan = (u >> 16) | 0x40u;  // rounding could turn a NaN into infinity: truncate instead
  return (uint16_t)(isnan(f) ? quiet_nan : rounded);
}
