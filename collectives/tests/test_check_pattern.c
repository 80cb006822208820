// ccbench's check inputs: the closed-form result of every (type, reduction) equals the reduction
// computed here element by element over the ranks, in the type's own arithmetic, for 1..40 ranks; the
// count of wrong elements is 0 for that result and sees one changed element (one bit of an integer).
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "collectives/check_pattern.h"
#include "common/tests/check.h"

enum { N = 257 };

// One step of the reduction, as the type computes it: floats in double then rounded into the type
// (exact here: the pattern's values keep every partial result representable), integers modulo 2^bits.
static void reduce_into(void *acc, const void *x, size_t i, cc_dtype t, cc_redop red) {
  if (cc_dtype_is_integer(t)) {
    uint64_t mask = cc_dtype_mask(t), a = cc_load_bits(acc, i, t), b = cc_load_bits(x, i, t), r;
    double av = cc_load(acc, i, t), bv = cc_load(x, i, t);  // small values: exact as doubles
    if (red == CC_PROD) r = a * b;
    else if (red == CC_MIN) r = av <= bv ? a : b;
    else if (red == CC_MAX) r = av >= bv ? a : b;
    else r = a + b;
    cc_store_bits(acc, i, t, r & mask);
    return;
  }
  double a = cc_load(acc, i, t), b = cc_load(x, i, t);
  double r = red == CC_PROD ? a * b : red == CC_MIN ? fmin(a, b) : red == CC_MAX ? fmax(a, b) : a + b;
  cc_store(acc, i, t, r);
}

// avg's division, as the kernels do it: integers truncate toward zero, signed values as signed.
static void divide(void *acc, size_t i, cc_dtype t, int ranks) {
  if (!cc_dtype_is_integer(t)) {
    cc_store(acc, i, t, cc_load(acc, i, t) / ranks);
    return;
  }
  double v = cc_load(acc, i, t);  // the wrapped sum as the type's value
  cc_store(acc, i, t, trunc(v / ranks));
}

static void check_case(cc_dtype t, cc_redop red, int ranks) {
  cc_check_pattern p = cc_check_pattern_make(t, red, ranks, 3);
  size_t es = cc_dtype_size(t);
  unsigned char acc[N * 8], x[N * 8];
  cc_check_pattern_fill(acc, 0, N, 0, &p);
  for (int r = 1; r < ranks; r++) {
    cc_check_pattern_fill(x, 0, N, r, &p);
    for (size_t i = 0; i < N; i++) reduce_into(acc, x, i, t, red);
  }
  if (red == CC_AVG)
    for (size_t i = 0; i < N; i++) divide(acc, i, t, ranks);
  long long wrong = cc_check_pattern_wrong(&p, acc, 0, N, false, 0);
  CHECKF(wrong == 0, "%s %s P=%d: %lld wrong in the reference result", cc_dtype_name(t), cc_redop_name(red), ranks,
         wrong);
  // The closed form itself, against the reference (before avg's division: the result as a double).
  // (Narrow integers wrap where the double does not; 64-bit ones hold these small results whole.)
  if (red != CC_AVG && (!cc_dtype_is_integer(t) || es == 8))
    for (size_t i = 0; i < N; i++)
      CHECKF(cc_check_pattern_result(&p, i) == cc_load(acc, i, t), "%s %s P=%d element %zu: %g vs %g",
             cc_dtype_name(t), cc_redop_name(red), ranks, i, cc_check_pattern_result(&p, i), cc_load(acc, i, t));
  // One element off: one wrong (an integer's lowest bit; a float by a unit it can hold).
  size_t at = (size_t)(ranks * 7) % N;
  if (cc_dtype_is_integer(t)) cc_store_bits(acc, at, t, cc_load_bits(acc, at, t) ^ 1);
  else cc_store(acc, at, t, cc_load(acc, at, t) + (fabs(cc_load(acc, at, t)) >= 64 ? 64 : 1));
  wrong = cc_check_pattern_wrong(&p, acc, 0, N, false, 0);
  CHECKF(wrong == 1, "%s %s P=%d: a changed element gave %lld wrong", cc_dtype_name(t), cc_redop_name(red), ranks,
         wrong);
}

// allgather: block r holds rank r's input.
static void check_gathered(cc_dtype t, int ranks) {
  cc_check_pattern p = cc_check_pattern_make(t, CC_SUM, ranks, 1);
  enum { PER = 5 };
  unsigned char out[40 * PER * 8];
  for (int r = 0; r < ranks; r++)
    cc_check_pattern_fill(out + (size_t)r * PER * cc_dtype_size(t), (size_t)r * PER, PER, r, &p);
  CHECKF(cc_check_pattern_wrong(&p, out, 0, (size_t)ranks * PER, true, PER) == 0, "%s gathered P=%d",
         cc_dtype_name(t), ranks);
  if (ranks > 1) {  // rank 1's block where rank 0's belongs
    memcpy(out, out + PER * cc_dtype_size(t), PER * cc_dtype_size(t));
    CHECKF(cc_check_pattern_wrong(&p, out, 0, (size_t)ranks * PER, true, PER) > 0, "%s gathered P=%d: swap unseen",
           cc_dtype_name(t), ranks);
  }
}

int main(void) {
  for (int t = 0; t < CC_NDTYPES; t++)
    for (int red = 0; red < CC_NREDOPS; red++)
      for (int ranks = 1; ranks <= 40; ranks += ranks < 10 ? 1 : 7) check_case((cc_dtype)t, (cc_redop)red, ranks);
  for (int t = 0; t < CC_NDTYPES; t++)
    for (int ranks = 1; ranks <= 40; ranks += 13) check_gathered((cc_dtype)t, ranks);
  // Repetitions differ (each check of -c N sees new inputs), and ranks differ within one.
  cc_check_pattern a = cc_check_pattern_make(CC_F32, CC_SUM, 4, 1), b = cc_check_pattern_make(CC_F32, CC_SUM, 4, 2);
  int same = 0;
  for (size_t i = 0; i < 64; i++) same += cc_check_pattern_value(&a, i, 0) == cc_check_pattern_value(&b, i, 0);
  CHECKF(same < 32, "repetitions 1 and 2 agree on %d of 64 elements", same);
  for (size_t i = 0; i < 64; i++)
    CHECKF(cc_check_pattern_value(&a, i, 0) != cc_check_pattern_value(&a, i, 1), "ranks 0 and 1 agree at %zu", i);
  return check_done("test_check_pattern");
}
