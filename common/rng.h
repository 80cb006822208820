// Small, seedable, reproducible random numbers (splitmix64 seeding + xoshiro256**).
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct { uint64_t s[4]; } cc_rng;

void cc_rng_seed(cc_rng *r, uint64_t seed);
uint64_t cc_rng_next(cc_rng *r);
double cc_rng_uniform(cc_rng *r);           // [0, 1), 53 random bits
uint64_t cc_rng_below(cc_rng *r, uint64_t n); // [0, n), unbiased; n > 0
double cc_rng_normal(cc_rng *r);            // standard normal (Box-Muller)

// --- stateless, counter-based draws ------------------------------------------------------------------
// Defined here, inline, so that CUDA kernels (a .cu file including this header) compute the very same
// values as the C code: host and device share one definition.
#ifdef __CUDACC__
#define CC_RNG_HD __host__ __device__
#else
#define CC_RNG_HD
#endif

// The splitmix64 output function: a bijection on 64-bit words with good avalanche.
static inline CC_RNG_HD uint64_t cc_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Stateless hash of (seed, index): the same value wherever it is computed. Used for data patterns that
// every rank can regenerate for every other rank, and for draws that GPU threads make independently.
// For each seed a bijection of index, so distinct indices never collide. The two rounds take keys
// derived independently from the seed, so different seeds give unrelated sequences rather than
// shifted copies of one (and no small index maps to a fixed value for every seed).
static inline CC_RNG_HD uint64_t cc_hash64(uint64_t seed, uint64_t index) {
  const uint64_t golden = 0x9e3779b97f4a7c15ULL;  // 2^64 / golden ratio, odd
  uint64_t key1 = cc_mix64(seed), key2 = cc_mix64(seed ^ 0x6a09e667f3bcc909ULL);  // fraction bits of sqrt(2)
  return cc_mix64(cc_mix64(index * golden + key1) + key2);
}

// The high 64 bits of the 128-bit product a b: floor(a b / 2^64).
static inline CC_RNG_HD uint64_t cc_mulhi64(uint64_t a, uint64_t b) {
#ifdef __CUDA_ARCH__
  return __umul64hi(a, b);
#else
  return (uint64_t)(((unsigned __int128)a * b) >> 64);
#endif
}

// A draw in [0, n) for (seed, index), n > 0: the hash scaled by n (multiply-high, Lemire), so no
// division and no loop. Not exactly uniform: some values come up once more in 2^64 / n hashes, a
// relative bias below n / 2^64 (< 2^-32 for n < 2^32), far under any statistical test's reach.
static inline CC_RNG_HD uint64_t cc_hash_below(uint64_t seed, uint64_t index, uint64_t n) {
  return cc_mulhi64(cc_hash64(seed, index), n);
}

#ifdef __cplusplus
}
#endif
