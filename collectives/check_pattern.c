// The check's inputs and their exact results (check_pattern.h).
#include "collectives/check_pattern.h"

#include <math.h>

#include "common/rng.h"

static int significand_bits(cc_dtype t) { return t == CC_F16 ? 11 : t == CC_BF16 ? 8 : t == CC_F64 ? 53 : 24; }

static int pattern_m(cc_dtype t, int P) {
  if (cc_dtype_is_integer(t)) return 8;
  double m = ldexp(1.0, significand_bits(t)) / (2.0 * P);
  return m < 1 ? 1 : m > 8 ? 8 : (int)m;
}

cc_check_pattern cc_check_pattern_make(cc_dtype t, cc_redop red, int ranks, int rep) {
  return (cc_check_pattern){.t = t, .red = red, .ranks = ranks, .m = pattern_m(t, ranks),
                            .seed = 0xcc0ULL + (uint64_t)rep, .offset = cc_dtype_is_signed(t)};
}

static uint64_t element_hash(const cc_check_pattern *pt, size_t i) { return cc_hash64(pt->seed, i); }

// prod: rank r of element i holds 2 when (h2 + r) % 4 == 0 and r < 32, and is negative when (h3 + r) is odd.
static unsigned prod_twos_hash(uint64_t h) { return (unsigned)(h >> 20) & 3; }
static unsigned prod_sign_hash(uint64_t h) { return (unsigned)(h >> 40) & 1; }

double cc_check_pattern_value(const cc_check_pattern *pt, size_t i, int r) {
  uint64_t h = element_hash(pt, i);
  if (pt->red == CC_PROD) {
    double mag = r < 32 && (prod_twos_hash(h) + (unsigned)r) % 4 == 0 ? 2 : 1;
    bool negative = pt->offset && (prod_sign_hash(h) + (unsigned)r) % 2 == 1;
    return negative ? -mag : mag;
  }
  uint64_t q = 2 * (uint64_t)pt->m + 1;
  return (double)((h % q + (uint64_t)r) % q) - (pt->offset ? pt->m : 0);
}

// Sum over r = 0..P-1 of (s + r) mod q.
static long long residue_sum(long long s, long long P, long long q) {
  long long full = P / q, len = P % q;
  long long total = full * q * (q - 1) / 2;  // whole cycles of residues 0..q-1
  if (s + len <= q) return total + len * s + len * (len - 1) / 2;
  long long head = q - s, tail = len - head;
  return total + head * (s + q - 1) / 2 + tail * (tail - 1) / 2;
}

double cc_check_pattern_result(const cc_check_pattern *pt, size_t i) {
  uint64_t h = element_hash(pt, i);
  long long P = pt->ranks, q = 2LL * pt->m + 1, s = (long long)(h % (uint64_t)q), off = pt->offset ? pt->m : 0;
  switch (pt->red) {
    case CC_PROD: {
      long long twos_ranks = P < 32 ? P : 32, first = (4 - prod_twos_hash(h)) % 4;
      long long twos = twos_ranks > first ? (twos_ranks - 1 - first) / 4 + 1 : 0;
      long long negatives = !pt->offset ? 0 : prod_sign_hash(h) ? (P + 1) / 2 : P / 2;
      return ldexp(negatives % 2 ? -1.0 : 1.0, (int)twos);
    }
    case CC_MIN:
    case CC_MAX: {
      bool all = P >= q || s + P - 1 >= q;  // every residue, or a run that wraps past q-1 to 0
      long long lo = all ? 0 : s, hi = all ? q - 1 : s + P - 1;
      return (double)((pt->red == CC_MIN ? lo : hi) - off);
    }
    default: return (double)(residue_sum(s, P, q) - P * off);
  }
}

void cc_check_pattern_fill(void *buf, size_t first, size_t n, int r, const cc_check_pattern *pt) {
  for (size_t i = 0; i < n; i++) cc_store(buf, i, pt->t, cc_check_pattern_value(pt, first + i, r));
}

// An integer type's exact result, as its bits: sums and products wrap; avg divides the wrapped sum
// (as the type) by P, truncating toward zero.
static uint64_t integer_result_bits(const cc_check_pattern *pt, size_t i) {
  uint64_t mask = cc_dtype_mask(pt->t);
  double exact = cc_check_pattern_result(pt, i);  // |sum| <= P*m, |prod| <= 256: exact in a double
  uint64_t bits = (uint64_t)(int64_t)exact & mask;
  if (pt->red != CC_AVG) return bits;
  if (!cc_dtype_is_signed(pt->t)) return (bits / (uint64_t)pt->ranks) & mask;
  int shift = 64 - 8 * (int)cc_dtype_size(pt->t);
  int64_t wrapped = (int64_t)(bits << shift) >> shift;  // sign-extend
  return (uint64_t)(wrapped / pt->ranks) & mask;
}

long long cc_check_pattern_wrong(const cc_check_pattern *pt, const void *result, size_t first, size_t n,
                                 bool gathered, size_t count_per_rank) {
  cc_dtype t = pt->t;
  int P = pt->ranks, m = pt->m;
  double eps = cc_dtype_eps(t);
  bool exact = (double)P * m <= ldexp(1.0, significand_bits(t)) || pt->red == CC_PROD || pt->red == CC_MIN ||
               pt->red == CC_MAX;
  long long wrong = 0;
  for (size_t i = 0; i < n; i++) {
    size_t e = first + i;
    if (cc_dtype_is_integer(t)) {
      uint64_t want = gathered ? (uint64_t)(int64_t)cc_check_pattern_value(pt, e, (int)(e / count_per_rank))
                               : integer_result_bits(pt, e);
      want &= cc_dtype_mask(t);
      wrong += cc_load_bits(result, i, t) != want;
      continue;
    }
    double want, tol;
    if (gathered) {
      want = cc_check_pattern_value(pt, e, (int)(e / count_per_rank));  // block r holds rank r's input
      tol = 0;
    } else {
      want = cc_check_pattern_result(pt, e);
      tol = exact ? 0 : (P - 1) * eps * P * m;
      if (pt->red == CC_AVG) want /= P, tol = tol / P + 2.01 * eps * fabs(want);
    }
    double got = cc_load(result, i, t);
    wrong += !(fabs(got - want) <= tol);  // NaN counts as wrong
  }
  return wrong;
}
