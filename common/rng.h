// Small, seedable, reproducible random numbers (splitmix64 seeding + xoshiro256**).
#pragma once
#include <stdint.h>

typedef struct { uint64_t s[4]; } cc_rng;

void cc_rng_seed(cc_rng *r, uint64_t seed);
uint64_t cc_rng_next(cc_rng *r);
double cc_rng_uniform(cc_rng *r);           // [0, 1), 53 random bits
uint64_t cc_rng_below(cc_rng *r, uint64_t n); // [0, n), unbiased; n > 0
double cc_rng_normal(cc_rng *r);            // standard normal (Box-Muller)
// Stateless hash of (seed, index): the same value wherever it is computed. Used for data patterns that
// every rank can regenerate for every other rank.
uint64_t cc_hash64(uint64_t seed, uint64_t index);
