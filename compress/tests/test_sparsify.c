// topk and randk against references computed here. Exact topk keeps the same index set as a full sort
// by (|x| descending, index ascending); approximate topk keeps a prefix of that order, of a length near
// k, and takes exactly one draw from the rng; randk's positions depend only on the shared seed, form
// the documented systematic sample, and its decode is unbiased; no payload outgrows
// cc_compressed_bytes.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "common/tests/check.h"
#include "compress/compressor.h"
#include "compress/schemes.h"
#include "compress/tests/compressor_fixture.h"

// --- payload buffers with a canary past their end --------------------------------------------------

enum { CANARY = 64 };

static unsigned char *payload_alloc(size_t bytes) {
  unsigned char *p = malloc(bytes + CANARY);
  memset(p, 0xa5, bytes + CANARY);
  return p;
}

static void check_canary(const unsigned char *p, size_t bytes, const char *what) {
  size_t bad = 0;
  for (size_t b = bytes; b < bytes + CANARY; b++) bad += p[b] != 0xa5;
  CHECKF(bad == 0, "%s: encode wrote %zu byte(s) past its %zu-byte payload", what, bad, bytes);
}

// A topk payload's parts, read by the layout documented in sparsify.c.
typedef struct {
  size_t count;
  const uint32_t *idx;
  const float *val;
} topk_view;

static topk_view view(const void *payload) {
  const uint32_t *w = payload;
  return (topk_view){w[0], w + 1, (const float *)(w + 1 + w[0])};
}

// --- the reference: a plain sort of every index --------------------------------------------------

static const float *ref_x;

static int by_magnitude(const void *a, const void *b) {
  uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
  float fa = fabsf(ref_x[i]), fb = fabsf(ref_x[j]);
  if (fa != fb) return fa > fb ? -1 : 1;
  return (i > j) - (i < j);
}

static int ascending(const void *a, const void *b) {
  uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
  return (i > j) - (i < j);
}

// Every index, largest |x| first, the lower index first among equal magnitudes (caller frees).
static uint32_t *reference_order(const float *x, size_t n) {
  uint32_t *order = malloc((n ? n : 1) * sizeof *order);
  for (size_t i = 0; i < n; i++) order[i] = (uint32_t)i;
  ref_x = x;
  qsort(order, n, sizeof *order, by_magnitude);
  return order;
}

// The first `count` indices of the reference order, ascending: what a payload of `count` must hold.
static uint32_t *reference_prefix(const uint32_t *order, size_t count) {
  uint32_t *want = malloc((count ? count : 1) * sizeof *want);
  memcpy(want, order, count * sizeof *want);
  qsort(want, count, sizeof *want, ascending);
  return want;
}

// Gaussians over five decades; every seventh element copies the magnitude of an earlier one with a
// random sign, so ties fall inside the kept set and on its boundary at every ratio.
static void fill(float *x, size_t n, cc_rng *rng) {
  for (size_t i = 0; i < n; i++) {
    x[i] = (float)(cc_rng_normal(rng) * pow(10, (double)(i % 5) - 2));
    if (i % 7 == 6) x[i] = (cc_rng_uniform(rng) < 0.5 ? -1 : 1) * fabsf(x[cc_rng_below(rng, i)]);
  }
}

// A topk payload holds exactly the ascending indices `want`, values bit for bit, a zero tail, and
// decodes to x on those indices and 0 elsewhere.
static void check_topk_payload(const char *what, const cc_compressor *c, const float *x, size_t n,
                               const unsigned char *payload, const uint32_t *want, size_t count) {
  topk_view v = view(payload);
  CHECKF(v.count == count, "%s: count %zu, want %zu", what, v.count, count);
  if (v.count != count) return;
  size_t wrong = 0, unordered = 0, changed = 0;
  for (size_t j = 0; j < count; j++) {
    wrong += v.idx[j] != want[j];
    unordered += j > 0 && v.idx[j] <= v.idx[j - 1];
    changed += memcmp(&v.val[j], &x[want[j]], sizeof(float)) != 0;
  }
  CHECKF(wrong == 0, "%s: %zu of %zu kept indices differ from the reference", what, wrong, count);
  CHECKF(unordered == 0, "%s: %zu indices not ascending", what, unordered);
  CHECKF(changed == 0, "%s: %zu values not the input bit for bit", what, changed);
  size_t used = 4 + 8 * count, bytes = cc_compressed_bytes(c, n), dirty = 0;
  for (size_t b = used; b < bytes; b++) dirty += payload[b] != 0;
  CHECKF(dirty == 0, "%s: %zu nonzero bytes in the unused tail", what, dirty);

  float *acc = calloc(n ? n : 1, sizeof *acc);
  char *kept = calloc(n ? n : 1, 1);
  for (size_t j = 0; j < count; j++) kept[want[j]] = 1;
  cc_compress_decode_add(c, payload, n, acc, 0);
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) bad += acc[i] != (kept[i] ? x[i] : 0.0f);
  CHECKF(bad == 0, "%s: decode into zeros differs from x masked at %zu elements", what, bad);
  cc_compress_decode_add(c, payload, n, acc, 0);  // decode adds: twice gives 2x on the kept ones
  bad = 0;
  for (size_t i = 0; i < n; i++) bad += acc[i] != (kept[i] ? 2 * x[i] : 0.0f);
  CHECKF(bad == 0, "%s: a second decode_add did not add (%zu elements)", what, bad);
  free(acc), free(kept);
}

// Encodes x with c into a fresh canaried buffer (caller frees).
static unsigned char *encode(const cc_compressor *c, const float *x, size_t n, uint64_t rng_seed, uint64_t shared) {
  size_t bytes = cc_compressed_bytes(c, n);
  unsigned char *p = payload_alloc(bytes);
  cc_rng rng;
  cc_rng_seed(&rng, rng_seed);
  cc_compress_encode(c, x, n, p, &rng, shared);
  check_canary(p, bytes, c->name);
  return p;
}

// --- k and payload sizes ---------------------------------------------------------------------------

static void sizes(void) {
  struct { double ratio; size_t n, k; } table[] = {
      {0.01, 0, 0}, {1, 0, 0},    {1e-3, 1, 1},   {1, 1, 1},       {1e-3, 7, 1},     {0.5, 7, 4},
      {1, 7, 7},    {0.25, 64, 16}, {0.01, 100, 1}, {0.07, 100, 7},  {0.011, 100, 2},  {0.01, 100003, 1001},
      {0.3, 10, 3}, {1e-9, 1000, 1}, {0.999, 1000, 999},
  };
  for (size_t t = 0; t < sizeof table / sizeof table[0]; t++)
    CHECKF(cc_sparse_k(table[t].ratio, table[t].n) == table[t].k, "cc_sparse_k(%g, %zu) = %zu, want %zu",
           table[t].ratio, table[t].n, cc_sparse_k(table[t].ratio, table[t].n), table[t].k);

  cc_compressor topk = test_compressor("topk:0.01"), approx = test_compressor("topk:0.01,approx"), randk = test_compressor("randk:0.25");
  const size_t ns[] = {0, 1, 7, 100, 100003, (size_t)1 << 26};
  for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
    size_t n = ns[t], k1 = cc_sparse_k(0.01, n), k25 = cc_sparse_k(0.25, n);
    CHECKF(cc_compressed_bytes(&topk, n) == 4 + 8 * k1, "topk bytes for %zu", n);
    CHECKF(cc_compressed_bytes(&approx, n) == 4 + 8 * k1, "topk,approx bytes for %zu", n);
    CHECKF(cc_compressed_bytes(&randk, n) == 4 * k25, "randk bytes for %zu", n);
  }
}

// --- exact topk ------------------------------------------------------------------------------------

static void exact_matches_sort(size_t n, double ratio) {
  char name[64], what[96];
  snprintf(name, sizeof name, "topk:%g", ratio);
  snprintf(what, sizeof what, "%s n=%zu", name, n);
  cc_compressor c = test_compressor(name);
  float *x = malloc(n * sizeof *x);
  cc_rng rng;
  cc_rng_seed(&rng, 1000 + n);
  fill(x, n, &rng);
  size_t k = cc_sparse_k(ratio, n);
  uint32_t *order = reference_order(x, n), *want = reference_prefix(order, k);
  unsigned char *p = encode(&c, x, n, 1, 0);
  check_topk_payload(what, &c, x, n, p, want, k);
  free(x), free(order), free(want), free(p);
}

// Equal magnitudes go to the lower index: a vector of +-0.5 with three larger elements keeps those
// three and then the lowest indices; an all-zero vector (both signs of zero) keeps 0..k-1.
static void ties(const char *name) {
  cc_compressor c = test_compressor(name);
  enum { N = 1000 };
  static float x[N];
  for (size_t i = 0; i < N; i++) x[i] = i % 2 ? -0.5f : 0.5f;
  x[500] = -3, x[900] = 3, x[901] = 3;
  uint32_t want[10] = {0, 1, 2, 3, 4, 5, 6, 500, 900, 901};  // k = 10
  unsigned char *p = encode(&c, x, N, 2, 0);
  char what[96];
  snprintf(what, sizeof what, "%s ties", name);
  check_topk_payload(what, &c, x, N, p, want, 10);
  free(p);

  enum { Z = 100003 };  // past the sample size, so approx takes its sampled path
  float *zeros = calloc(Z, sizeof *zeros);
  for (size_t i = 0; i < Z; i += 3) zeros[i] = -0.0f;
  size_t k = cc_sparse_k(0.01, Z);
  uint32_t *first = malloc(k * sizeof *first);
  for (size_t j = 0; j < k; j++) first[j] = (uint32_t)j;
  p = encode(&c, zeros, Z, 3, 0);
  snprintf(what, sizeof what, "%s all zeros", name);
  check_topk_payload(what, &c, zeros, Z, p, first, k);
  free(p), free(first), free(zeros);
}

// --- approximate topk ------------------------------------------------------------------------------

// Whatever the sampled threshold, the kept set is every element at or above it, trimmed to the k
// largest, so it is always a prefix of the reference order: the `count` largest magnitudes. That part
// is checked exactly. The count is statistical: the threshold is the ceil(ratio m)-th largest of m
// sampled magnitudes, so the fraction of elements passing has mean ~ratio and a relative standard
// deviation of about 1 / sqrt(ratio m) (10% here: m ~ 10^4 at ratio 0.01, 6.4 10^4 at 0.001).
// k / 2 <= count <= k is a 4- to 5-sigma bound on each of 20 seeds, and the mean count over the seeds must
// lie in [0.85 k, k] (a threshold that passed more than k half the time would give ~0.96 k).
static void approx_is_prefix(double ratio) {
  enum { N = 1 << 20, SEEDS = 20 };
  char name[64], what[96];
  snprintf(name, sizeof name, "topk:%g,approx", ratio);
  cc_compressor c = test_compressor(name);
  float *x = malloc(N * sizeof *x);
  cc_rng rng;
  cc_rng_seed(&rng, 31);
  for (size_t i = 0; i < N; i++) x[i] = (float)cc_rng_normal(&rng);
  size_t k = cc_sparse_k(ratio, N);
  uint32_t *order = reference_order(x, N);
  double total = 0;
  for (uint64_t seed = 1; seed <= SEEDS; seed++) {
    unsigned char *p = encode(&c, x, N, seed, 0);
    size_t count = view(p).count;
    total += (double)count;
    snprintf(what, sizeof what, "%s seed %llu", name, (unsigned long long)seed);
    CHECKF(count <= k && 2 * count >= k, "%s: count %zu outside [k/2, k], k = %zu", what, count, k);
    if (count <= k) {
      uint32_t *want = reference_prefix(order, count);
      check_topk_payload(what, &c, x, N, p, want, count);
      free(want);
    }
    free(p);
  }
  double mean = total / SEEDS;
  CHECKF(mean >= 0.85 * (double)k && mean <= (double)k, "%s: mean count %.1f over %d seeds, k = %zu", name, mean,
         SEEDS, k);
  free(x), free(order);
}

// Magnitudes falling with the index: a sample that was not spread over the whole tensor (say, its
// first m elements) would set the threshold far too high. The kept set must be 0..count-1.
static void approx_sorted_data(void) {
  enum { N = 1 << 20 };
  cc_compressor c = test_compressor("topk:0.01,approx");
  float *x = malloc(N * sizeof *x);
  for (size_t i = 0; i < N; i++) x[i] = (float)(N - i) * (i % 2 ? -1.0f : 1.0f);
  size_t k = cc_sparse_k(0.01, N);
  unsigned char *p = encode(&c, x, N, 71, 0);
  size_t count = view(p).count;
  CHECKF(count <= k && 2 * count >= k, "topk:0.01,approx on sorted data: count %zu outside [k/2, k], k = %zu",
         count, k);
  if (count <= k) {
    uint32_t *want = malloc(count * sizeof *want);
    for (size_t j = 0; j < count; j++) want[j] = (uint32_t)j;
    check_topk_payload("topk:0.01,approx on sorted data", &c, x, N, p, want, count);
    free(want);
  }
  free(x), free(p);
}

// Up to the minimum sample size (1024) the sample is the whole tensor and the threshold exact, so
// approx gives exactly the exact payload.
static void approx_small_is_exact(void) {
  enum { N = 1000 };
  static float x[N];
  cc_rng rng;
  cc_rng_seed(&rng, 41);
  fill(x, N, &rng);
  const char *pairs[][2] = {{"topk:0.01", "topk:0.01,approx"}, {"topk:0.5", "topk:0.5,approx"}};
  for (int t = 0; t < 2; t++) {
    cc_compressor exact = test_compressor(pairs[t][0]), approx = test_compressor(pairs[t][1]);
    unsigned char *a = encode(&exact, x, N, 1, 0), *b = encode(&approx, x, N, 2, 0);
    CHECKF(memcmp(a, b, cc_compressed_bytes(&exact, N)) == 0, "%s differs from %s at n = %d", pairs[t][1],
           pairs[t][0], N);
    free(a), free(b);
  }
}

// The approximate encoder takes exactly one draw per call, whatever n (the GPU encoder is handed that
// draw as its seed), and exact topk and randk take none.
static void rng_draws(void) {
  const char *names[] = {"topk:0.01,approx", "topk:0.01", "randk:0.01"};
  const size_t ns[] = {0, 1, 1000, 100003};
  float *x = calloc(100003, sizeof *x);
  for (size_t i = 0; i < 100003; i++) x[i] = (float)(i % 101) - 50;
  for (int t = 0; t < 3; t++)
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++) {
      cc_compressor c = test_compressor(names[t]);
      unsigned char *p = payload_alloc(cc_compressed_bytes(&c, ns[a]));
      cc_rng rng, want;
      cc_rng_seed(&rng, 5 + a);
      want = rng;
      if (c.approx) cc_rng_next(&want);
      cc_compress_encode(&c, x, ns[a], p, &rng, 9);
      CHECKF(memcmp(&rng, &want, sizeof rng) == 0, "%s n=%zu: took %s draws than %d", names[t], ns[a],
             c.approx ? "other" : "more", c.approx ? 1 : 0);
      free(p);
    }
  free(x);
}

// cc_hash_below(seed, j, n) lies in [0, n) and hits each value about equally often (chi-square over
// n = 10 and 97 buckets, 5 sigma), is a pure function of its arguments, and n = 1 always gives 0.
static void hash_below(void) {
  const uint64_t ns[] = {10, 97};
  for (int t = 0; t < 2; t++) {
    enum { D = 200000 };
    uint64_t n = ns[t], out = 0;
    long counts[97] = {0};
    for (uint64_t j = 0; j < D; j++) {
      uint64_t v = cc_hash_below(123 + t, j, n);
      if (v >= n) out++;
      else counts[v]++;
    }
    CHECKF(out == 0, "cc_hash_below(., ., %llu): %llu draws out of range", (unsigned long long)n,
           (unsigned long long)out);
    double expect = (double)D / (double)n, chi2 = 0;
    for (uint64_t v = 0; v < n; v++) chi2 += pow((double)counts[v] - expect, 2) / expect;
    double dof = (double)n - 1;
    CHECKF(chi2 < dof + 5 * sqrt(2 * dof), "cc_hash_below over %llu buckets: chi-square %.1f, %g dof",
           (unsigned long long)n, chi2, dof);
  }
  CHECK(cc_hash_below(7, 3, 1000) == cc_hash_below(7, 3, 1000));
  CHECK(cc_hash_below(7, 3, 1) == 0 && cc_hash_below(~0ULL, ~0ULL, 1) == 0);
  uint64_t h = cc_hash64(7, 3);
  CHECK(cc_hash_below(7, 3, UINT64_MAX) == (h ? h - 1 : 0));  // floor(h (2^64 - 1) / 2^64)
}

// --- randk -----------------------------------------------------------------------------------------

// Decodes a randk payload into zeros (caller frees).
static float *decode(const cc_compressor *c, const void *payload, size_t n, uint64_t shared) {
  float *acc = calloc(n ? n : 1, sizeof *acc);
  cc_compress_decode_add(c, payload, n, acc, shared);
  return acc;
}

// Two ranks with different data and different per-rank rngs but the same shared seed keep the same k
// positions, scaled by n / k; the elementwise sum of their payloads (what the allreduce computes)
// decodes to the sum of their decodes; the positions are the systematic sample of sparsify.c, one per
// stretch of n / k elements; other shared seeds pick other positions.
static void randk_shared_positions(void) {
  enum { N = 100003 };
  cc_compressor c = test_compressor("randk:0.01");
  size_t k = cc_sparse_k(0.01, N), bytes = cc_compressed_bytes(&c, N);
  float *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
  cc_rng rng;
  cc_rng_seed(&rng, 51);
  for (size_t i = 0; i < N; i++) a[i] = (float)(1 + cc_rng_uniform(&rng)), b[i] = (float)(-2 - cc_rng_uniform(&rng));
  unsigned char *pa = encode(&c, a, N, 1, 77), *pb = encode(&c, b, N, 2, 77), *pa2 = encode(&c, a, N, 3, 77);
  CHECKF(memcmp(pa, pa2, bytes) == 0, "randk: the per-rank rng changed the payload");
  float *da = decode(&c, pa, N, 77), *db = decode(&c, pb, N, 77);
  double scale = (double)N / (double)k;
  size_t kept = 0, mismatch = 0, badscale = 0;
  for (size_t i = 0; i < N; i++) {
    kept += da[i] != 0;
    mismatch += (da[i] != 0) != (db[i] != 0);
    if (da[i] != 0) badscale += da[i] != (float)(a[i] * scale) || db[i] != (float)(b[i] * scale);
  }
  CHECKF(kept == k, "randk: %zu positions kept, k = %zu", kept, k);
  CHECKF(mismatch == 0, "randk: the two ranks kept different positions at %zu elements", mismatch);
  CHECKF(badscale == 0, "randk: %zu kept values not x n / k", badscale);

  float *sum = malloc(bytes);
  for (size_t j = 0; j < k; j++) sum[j] = ((const float *)pa)[j] + ((const float *)pb)[j];
  float *dsum = decode(&c, sum, N, 77);
  size_t bad = 0;
  for (size_t i = 0; i < N; i++) bad += dsum[i] != da[i] + db[i];
  CHECKF(bad == 0, "randk: decode(payload a + payload b) != decode a + decode b at %zu elements", bad);

  // The kept positions, ascending, are p_j with k p_j <= j n + r < k (p_j + 1), r = cc_hash_below(77, 0, N).
  uint64_t r = cc_hash_below(77, 0, N);
  size_t j = 0, misplaced = 0;
  for (size_t i = 0; i < N; i++) {
    if (da[i] == 0) continue;
    misplaced += !((uint64_t)k * i <= (uint64_t)j * N + r && (uint64_t)j * N + r < (uint64_t)k * (i + 1));
    j++;
  }
  CHECKF(misplaced == 0, "randk: %zu of %zu positions are not floor((j n + r) / k)", misplaced, k);

  // Another seed moves the whole sample: positions of seeds s and s + 1 coincide only when their offsets
  // lie within k of each other (mod n), probability ~2k/n = 2%; more than k/4 shared positions may
  // happen for ~1.5% of seed pairs, so at most 5% of 400 (expect 6 +- 2.4).
  int close_pairs = 0;
  for (uint64_t seed = 1000; seed < 1400; seed++) {
    unsigned char *p1 = encode(&c, a, N, 1, seed), *p2 = encode(&c, a, N, 1, seed + 1);
    float *d1 = decode(&c, p1, N, seed), *d2 = decode(&c, p2, N, seed + 1);
    size_t same = 0;
    for (size_t i = 0; i < N; i++) same += d1[i] != 0 && d2[i] != 0;
    close_pairs += same > k / 4;
    free(p1), free(p2), free(d1), free(d2);
  }
  CHECKF(close_pairs <= 20, "randk: %d of 400 neighbouring shared seeds share more than k/4 positions", close_pairs);
  free(a), free(b), free(pa), free(pb), free(pa2), free(da), free(db), free(sum), free(dsum);
}

// Over D shared seeds the mean decode converges to x. Each element's decode is x n/k with probability
// k/n and 0 otherwise: mean x, standard deviation |x| sqrt(n/k - 1). The mean of D draws must lie
// within 5 standard errors of x everywhere, and each position must be kept k/n of the time within 5
// binomial standard deviations: also when k does not divide n (67 and 1000 elements), where the
// stretches n/k are not whole and a plain "one position per block" scaled by n/k would be biased.
static void randk_unbiased(const char *name, int n) {
  enum { D = 4000, MAXN = 1000 };
  cc_compressor c = test_compressor(name);
  size_t k = cc_sparse_k(c.ratio, (size_t)n);
  static float x[MAXN];
  static double mean[MAXN];
  static int times[MAXN];
  for (int i = 0; i < n; i++) x[i] = (float)(i - n / 2.0 + 0.25) / 8, mean[i] = 0, times[i] = 0;  // none zero
  for (uint64_t s = 0; s < D; s++) {
    unsigned char *p = encode(&c, x, (size_t)n, 1, 1000003 * s + 17);
    float *d = decode(&c, p, (size_t)n, 1000003 * s + 17);
    int kept = 0;
    for (int i = 0; i < n; i++) mean[i] += d[i] / (double)D, times[i] += d[i] != 0, kept += d[i] != 0;
    CHECKF(kept == (int)k, "%s n=%d seed %llu: %d positions, k = %zu", name, n, (unsigned long long)s, kept, k);
    free(p), free(d);
  }
  double p = (double)k / n, sd_times = sqrt(D * p * (1 - p));
  int worst = 0;
  double worst_sigmas = 0;
  for (int i = 0; i < n; i++) {
    double se = fabs(x[i]) * sqrt((double)n / k - 1) / sqrt(D);
    CHECKF(fabs(mean[i] - x[i]) <= 5 * se, "%s n=%d: mean decode of x[%d] = %g is %.4g, %.1f standard errors off",
           name, n, i, x[i], mean[i], fabs(mean[i] - x[i]) / se);
    double sigmas = fabs(times[i] - D * p) / sd_times;
    if (sigmas > worst_sigmas) worst_sigmas = sigmas, worst = i;
  }
  CHECKF(worst_sigmas <= 5, "%s n=%d: position %d kept %d of %d times, expect %.0f", name, n, worst, times[worst], D,
         D * p);
}

// --- edge cases ------------------------------------------------------------------------------------

// n = 0: topk sends a count of 0 in 4 bytes, randk sends nothing; decoding touches nothing.
// k = n: randk keeps every element unscaled (topk's ratio 1 is in exact_matches_sort).
static void edges(void) {
  const char *names[] = {"topk:0.01", "topk:0.01,approx", "randk:0.25", "randk:1"};
  for (int t = 0; t < 4; t++) {
    cc_compressor c = test_compressor(names[t]);
    float x[1] = {7}, acc[1] = {42};
    unsigned char *p = encode(&c, x, 0, 1, 5);
    CHECKF(cc_compressed_bytes(&c, 0) == (c.kind == CC_COMP_TOPK ? 4u : 0u), "%s: bytes for n = 0", names[t]);
    if (c.kind == CC_COMP_TOPK) CHECKF(view(p).count == 0, "%s: count %zu for n = 0", names[t], view(p).count);
    cc_compress_decode_add(&c, p, 0, acc, 5);
    CHECKF(acc[0] == 42, "%s: decoding n = 0 wrote %g", names[t], acc[0]);
    free(p);
  }
  cc_compressor all = test_compressor("randk:1");
  enum { N = 1000 };
  static float x[N];
  cc_rng rng;
  cc_rng_seed(&rng, 61);
  fill(x, N, &rng);
  unsigned char *p = encode(&all, x, N, 1, 9);
  CHECKF(memcmp(p, x, sizeof x) == 0, "randk:1: payload is not x itself");
  float *d = decode(&all, p, N, 9);
  size_t bad = 0;
  for (size_t i = 0; i < N; i++) bad += d[i] != x[i];
  CHECKF(bad == 0, "randk:1: decode differs from x at %zu elements", bad);
  free(p), free(d);
}

int main(void) {
  sizes();
  const size_t ns[] = {1, 7, 256, 1000, 100003};
  const double ratios[] = {1e-3, 0.01, 0.5, 1};
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
    for (size_t b = 0; b < sizeof ratios / sizeof ratios[0]; b++) exact_matches_sort(ns[a], ratios[b]);
  ties("topk:0.01");
  ties("topk:0.01,approx");
  approx_is_prefix(0.01);
  approx_is_prefix(0.001);
  approx_sorted_data();
  approx_small_is_exact();
  rng_draws();
  hash_below();
  randk_shared_positions();
  randk_unbiased("randk:0.25", 64);
  randk_unbiased("randk:0.25", 67);
  randk_unbiased("randk:0.03", 1000);
  edges();
  return check_done("test_compress_sparsify");
}
