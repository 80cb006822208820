// Tests for common/rng: reproducibility, the moments of the distributions (5 sigma, fixed seeds, so the
// outcome is deterministic), unbiased cc_rng_below and a collision-free cc_hash64.
#include <math.h>

#include "common/rng.h"
#include "common/tests/check.h"

enum { DRAWS = 1000000 };

static void test_reproducible(void) {
  cc_rng a, b, c;
  cc_rng_seed(&a, 42);
  cc_rng_seed(&b, 42);
  cc_rng_seed(&c, 43);
  int same = 0, differ = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = cc_rng_next(&a), y = cc_rng_next(&b), z = cc_rng_next(&c);
    same += x == y;
    differ += x != z;
  }
  CHECK(same == 1000);
  CHECK(differ == 1000);
  // The seeding is splitmix64: its first output for seed 0 is a published value.
  cc_rng_seed(&a, 0);
  CHECK(a.s[0] == 0xe220a8397b1dcdafULL);
}

static void test_uniform(void) {
  cc_rng r;
  cc_rng_seed(&r, 1);
  double sum = 0, sum_sq = 0, lo = 1, hi = 0;
  for (int i = 0; i < DRAWS; i++) {
    double u = cc_rng_uniform(&r);
    sum += u;
    sum_sq += (u - 0.5) * (u - 0.5);
    lo = fmin(lo, u);
    hi = fmax(hi, u);
  }
  double mean = sum / DRAWS, var = sum_sq / DRAWS;
  CHECK(lo >= 0 && hi < 1);
  CHECK(fabs(mean - 0.5) < 5 * sqrt(1.0 / 12 / DRAWS));
  // The variance of (u - 1/2)^2 is 1/80 - 1/144.
  CHECK(fabs(var - 1.0 / 12) < 5 * sqrt((1.0 / 80 - 1.0 / 144) / DRAWS));
}

static void test_below(void) {
  cc_rng r;
  cc_rng_seed(&r, 7);
  enum { BINS = 10 };
  long long counts[BINS] = {0};
  bool in_range = true;
  for (int i = 0; i < DRAWS; i++) {
    uint64_t k = cc_rng_below(&r, BINS);
    in_range &= k < BINS;
    if (k < BINS) counts[k]++;
  }
  CHECK(in_range);
  // Chi-square with 9 degrees of freedom: mean 9, standard deviation sqrt(18).
  double expected = (double)DRAWS / BINS, chi2 = 0;
  for (int k = 0; k < BINS; k++) chi2 += (counts[k] - expected) * (counts[k] - expected) / expected;
  CHECK(chi2 < 9 + 5 * sqrt(18));

  // n = 3 * 2^62: a plain x % n would land below 2^62 half the time (twice as often as elsewhere);
  // unbiased, a third of the time (standard deviation of the count: 47).
  uint64_t big = 3ULL << 62;
  int low = 0;
  for (int i = 0; i < 10000; i++) {
    uint64_t k = cc_rng_below(&r, big);
    in_range &= k < big;
    low += k < (1ULL << 62);
  }
  CHECK(in_range);
  CHECK(low > 3333 - 5 * 47 && low < 3333 + 5 * 47);
  for (int i = 0; i < 100; i++) in_range &= cc_rng_below(&r, 1) == 0;
  CHECK(in_range);
}

static void test_normal(void) {
  cc_rng r;
  cc_rng_seed(&r, 3);
  double sum = 0, sum_sq = 0;
  bool finite = true;
  for (int i = 0; i < DRAWS; i++) {
    double z = cc_rng_normal(&r);
    finite &= isfinite(z);
    sum += z;
    sum_sq += z * z;
  }
  CHECK(finite);
  CHECK(fabs(sum / DRAWS) < 5 / sqrt(DRAWS));
  CHECK(fabs(sum_sq / DRAWS - 1) < 5 * sqrt(2.0 / DRAWS));  // the variance of z^2 is 2
}

static int compare_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static void test_hash(void) {
  enum { N = 100000 };
  uint64_t *h = malloc(sizeof(uint64_t) * N);
  long long bit_counts[64] = {0};
  int seed_differs = 0;
  for (uint64_t i = 0; i < N; i++) {
    h[i] = cc_hash64(1, i);
    for (int b = 0; b < 64; b++) bit_counts[b] += (h[i] >> b) & 1;
    seed_differs += cc_hash64(2, i) != h[i];
  }
  CHECK(cc_hash64(1, 12345) == h[12345]);
  CHECK(seed_differs == N);
  // Every output bit is set about half the time (binomial: standard deviation sqrt(N)/2).
  bool balanced = true;
  for (int b = 0; b < 64; b++) balanced &= fabs((double)bit_counts[b] - N / 2.0) < 5 * sqrt(N) / 2;
  CHECK(balanced);
  qsort(h, N, sizeof h[0], compare_u64);
  int collisions = 0;
  for (int i = 1; i < N; i++) collisions += h[i] == h[i - 1];
  CHECK(collisions == 0);
  free(h);
}

int main(void) {
  test_reproducible();
  test_uniform();
  test_below();
  test_normal();
  test_hash();
  return check_done("test_rng");
}
