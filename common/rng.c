// xoshiro256** seeded through splitmix64 (Blackman & Vigna). The stateless hashes are inline in rng.h.
#include "common/rng.h"

#include <math.h>

static const uint64_t GOLDEN = 0x9e3779b97f4a7c15ULL;  // 2^64 / golden ratio, odd

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void cc_rng_seed(cc_rng *r, uint64_t seed) {
  // Consecutive splitmix64 outputs: never all zero, and nearby seeds give unrelated states.
  for (int i = 0; i < 4; i++) {
    seed += GOLDEN;
    r->s[i] = cc_mix64(seed);
  }
}

uint64_t cc_rng_next(cc_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double cc_rng_uniform(cc_rng *r) { return (double)(cc_rng_next(r) >> 11) * 0x1p-53; }

uint64_t cc_rng_below(cc_rng *r, uint64_t n) {
  // Reject the lowest 2^64 mod n values so every residue is hit equally often.
  uint64_t threshold = (0 - n) % n;
  for (;;) {
    uint64_t x = cc_rng_next(r);
    if (x >= threshold) return x % n;
  }
}

double cc_rng_normal(cc_rng *r) {
  double u1 = 1.0 - cc_rng_uniform(r);  // (0, 1]: log is finite
  double u2 = cc_rng_uniform(r);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}
