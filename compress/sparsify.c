// topk and randk: send k = cc_sparse_k(ratio, n) of the n elements, drop the rest.
//
// Payload layouts (cc_sparse_bytes(c, n) bytes, 4-byte aligned words):
//
//   topk   uint32 count | count x uint32 index | count x f32 value | zeros up to 4 + 8k bytes
//          Indices ascend, so decoding streams through acc. Values are the inputs bit for bit.
//          Exact topk always sends count = k. Approximate topk sends count <= k and may send fewer
//          (see below); the payload keeps its fixed maximum size so every rank's payload has the same
//          length for the allgather, and the unused tail is zeroed so a payload is a pure function of
//          its inputs.
//   randk  k x f32 value, value j = x[i_j] * n / k, where i_0 < i_1 < ... are the k positions drawn
//          from shared_seed (a systematic sample, see randk_position). No indices travel: every rank
//          regenerates them from the seed, which is why randk payloads add up inside an allreduce. The
//          n / k scaling makes decode unbiased: each position is kept with probability k / n, so
//          E[decode(encode(x))] = x. With error feedback
//          (randk:r+ef) the values go unscaled: feedback needs a contractive compressor (Stich et al.
//          2018), and the scaled one leaves a residual of (1 - n/k) x at every kept position, which
//          grows without bound step after step.
//
// Magnitudes are compared as the f32 bit patterns with the sign cleared: for numbers that order is the
// order of |x| (and +0 == -0), and a NaN ranks above every number, so a NaN gradient is sent rather
// than silently dropped. Equal magnitudes are broken by the lower index.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "compress/schemes.h"

// k = ceil(ratio * n), clamped to [min(1, n), n]. The product is rounded down by a relative 1e-12
// first: ratios come from decimal text, and 0.07 * 100 is 7.000000000000001 in binary, which must
// mean 7, not 8.
size_t cc_sparse_k(double ratio, size_t n) {
  double want = ratio * (double)n;
  double k = ceil(want - want * 1e-12);
  if (!(k >= 1)) k = 1;  // also catches a NaN ratio
  if (k > (double)n) return n;
  return (size_t)k;
}

size_t cc_sparse_bytes(const cc_compressor *c, size_t n) {
  size_t k = cc_sparse_k(c->ratio, n);
  if (c->kind == CC_COMP_RANDK) return k * sizeof(float);
  return sizeof(uint32_t) + k * (sizeof(uint32_t) + sizeof(float));
}

// --- selecting the k largest magnitudes ------------------------------------------------------------

static inline uint32_t mag_key(float v) {
  uint32_t bits;
  memcpy(&bits, &v, sizeof bits);
  return bits & 0x7fffffffu;
}

// Element j of a selection: x[idx[j]] when the selection runs over a subset, x[j] when idx is NULL.
static inline uint32_t key_at(const float *x, const uint32_t *idx, size_t j) {
  return mag_key(x[idx ? idx[j] : j]);
}

// The k-th largest key among m elements (1 <= k <= m), by a two-pass radix select on the 31 key bits:
// the first pass histograms the high 15 bits and finds the bucket holding the k-th largest, the second
// histograms the low 16 bits inside that bucket. O(m) whatever the data, no sort, no copy. *above is
// how many keys are strictly greater. `hist` holds 65536 counters.
static uint32_t kth_largest_key(const float *x, const uint32_t *idx, size_t m, size_t k, size_t *above,
                                uint32_t *hist) {
  memset(hist, 0, 32768 * sizeof *hist);
  for (size_t j = 0; j < m; j++) hist[key_at(x, idx, j) >> 16]++;
  size_t before = 0;  // keys in buckets above the current one
  uint32_t hi = 32767;
  while (before + hist[hi] < k) before += hist[hi--];

  memset(hist, 0, 65536 * sizeof *hist);
  for (size_t j = 0; j < m; j++) {
    uint32_t key = key_at(x, idx, j);
    if (key >> 16 == hi) hist[key & 0xffff]++;
  }
  uint32_t lo = 65535;
  while (before + hist[lo] < k) before += hist[lo--];
  *above = before;
  return hi << 16 | lo;
}

// Writes the elements with key > t, and the first `ties` with key == t, in selection order (ascending
// when idx ascends), as indices and values. Returns how many it wrote.
static size_t emit_above(const float *x, const uint32_t *idx, size_t m, uint32_t t, size_t ties,
                         uint32_t *out_idx, float *out_val) {
  size_t count = 0;
  for (size_t j = 0; j < m; j++) {
    uint32_t key = key_at(x, idx, j);
    if (key < t || (key == t && ties == 0)) continue;
    if (key == t) ties--;
    uint32_t i = idx ? idx[j] : (uint32_t)j;
    out_idx[count] = i;
    out_val[count] = x[i];
    count++;
  }
  return count;
}

// The k largest of m elements (k <= m), lowest index first among equals, into the payload arrays.
static void select_topk(const float *x, const uint32_t *idx, size_t m, size_t k, uint32_t *out_idx, float *out_val) {
  if (k == 0) return;
  uint32_t *hist = cc_malloc(65536 * sizeof *hist);
  size_t above;
  uint32_t t = kth_largest_key(x, idx, m, k, &above, hist);
  emit_above(x, idx, m, t, k - above, out_idx, out_val);
  free(hist);
}

// --- topk, exact and approximate ---------------------------------------------------------------------

// Sample size for the approximate threshold: about 1% of the tensor (Deep Gradient Compression samples
// 0.1-1%), at least 1024, and at least 64 / ratio so that some 64 sampled elements lie above the
// threshold and the count it lets through is within roughly +-12% (one standard deviation) of k.
size_t cc_topk_sample_size(double ratio, size_t n) {
  double m = fmax(fmax(1024.0, 0.01 * (double)n), ceil(64.0 / ratio));
  return m >= (double)n ? n : (size_t)m;
}

// Deep Gradient Compression's threshold (Lin et al., 2018): the (1 - ratio) quantile of the magnitudes
// of m elements drawn with replacement, i.e. the j-th largest sampled key, j = ceil(ratio m). Draw j is
// element cc_hash_below(seed, j, n): counter-based, so GPU threads draw the same sample independently.
// When the sample would be the whole tensor it is the whole tensor, and the threshold is exact.
static uint32_t sampled_threshold(const float *x, size_t n, double ratio, uint64_t seed) {
  size_t m = cc_topk_sample_size(ratio, n);
  uint32_t *sample = NULL;
  if (m < n) {
    sample = cc_malloc(m * sizeof *sample);
    for (size_t j = 0; j < m; j++) sample[j] = (uint32_t)cc_hash_below(seed, j, n);
  }
  uint32_t *hist = cc_malloc(65536 * sizeof *hist);
  size_t above;
  uint32_t t = kth_largest_key(x, sample, m, cc_sparse_k(ratio, m), &above, hist);
  free(hist);
  free(sample);
  return t;
}

// Approximate topk: every element at or above the sampled threshold, trimmed to the k largest when
// more than k pass (exact selection over the candidates only). Fewer than k may pass: count < k is
// allowed and decode reads the count. Returns the count.
static size_t approx_topk(const float *x, size_t n, double ratio, size_t k, uint64_t seed, uint32_t *out_idx,
                          float **out_val) {
  uint32_t t = sampled_threshold(x, n, ratio, seed);
  size_t passed = 0;
  for (size_t i = 0; i < n; i++) passed += mag_key(x[i]) >= t;
  if (passed <= k) {
    *out_val = (float *)(out_idx + passed);
    return emit_above(x, NULL, n, t, SIZE_MAX, out_idx, *out_val);  // all ties pass
  }
  uint32_t *cand = cc_malloc(passed * sizeof *cand);  // ascending, so the selection keeps them ascending
  size_t c = 0;
  for (size_t i = 0; i < n; i++)
    if (mag_key(x[i]) >= t) cand[c++] = (uint32_t)i;
  *out_val = (float *)(out_idx + k);
  select_topk(x, cand, passed, k, out_idx, *out_val);
  free(cand);
  return k;
}

// Approximate topk takes exactly one draw from rng per encode (whatever n), the seed of its sample, so
// the device encoder given that draw (kernels/sparse_cuda.h) sends the same payload. Exact topk draws
// nothing.
static void topk_encode(const cc_compressor *c, const float *in, size_t n, void *out, cc_rng *rng) {
  if (n > UINT32_MAX) CC_FATAL("topk: %zu elements do not fit the payload's 32-bit indices", n);
  uint64_t seed = c->approx ? cc_rng_next(rng) : 0;
  size_t k = cc_sparse_k(c->ratio, n);
  uint32_t *words = out, *idx = words + 1;
  float *val = (float *)(idx + k);
  size_t count = k;
  if (c->approx && k > 0) count = approx_topk(in, n, c->ratio, k, seed, idx, &val);
  else select_topk(in, NULL, n, k, idx, val);
  words[0] = (uint32_t)count;
  memset(val + count, 0, (k - count) * 2 * sizeof(float));  // the unused tail: 2(k - count) words
}

static void topk_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc) {
  const uint32_t *words = payload, *idx = words + 1;
  size_t count = words[0];
  if (count > cc_sparse_k(c->ratio, n)) CC_FATAL("topk payload: count %zu exceeds k for %zu elements", count, n);
  const float *val = (const float *)(idx + count);
  for (size_t j = 0; j < count; j++) {
    if (idx[j] >= n) CC_FATAL("topk payload: index %u out of %zu elements", (unsigned)idx[j], n);
    acc[idx[j]] += val[j];
  }
}

// --- randk ---------------------------------------------------------------------------------------------

// The k positions of a shared seed (cc_randk_offset and cc_randk_position in schemes.h) form a
// systematic sample: one offset r = cc_hash_below(shared_seed, 0, n), uniform in [0, n), and position
// j = floor((j n + r) / k) for j = 0..k-1, one position in each stretch [j n/k, (j+1) n/k). Position i
// is kept when j n + r lands in [i k, (i+1) k) for some j: k consecutive values of j n + r, i.e. k
// distinct values of r, so every position is kept with probability exactly k / n, as with a uniform
// k-subset (cc_hash_below's bias is < 2^-32), and the n / k scaling stays unbiased with the same
// per-element variance (n/k - 1) x_i^2. Consecutive positions are n / k >= 1 apart: k distinct
// positions, ascending, each computed on its own (a GPU thread per j: no sequential draws, no bitmap).
// Unlike a uniform subset, the positions of one step are not independent: they sit about n / k apart.
// j n + r < k n <= n^2 fits 64 bits for n < 2^32.
static void randk_check_size(size_t n) {
  if (n > UINT32_MAX) CC_FATAL("randk: %zu elements, at most 2^32 - 1 supported", n);
}

static void randk_encode(const cc_compressor *c, const float *in, size_t n, void *out, uint64_t shared_seed) {
  randk_check_size(n);
  size_t k = cc_sparse_k(c->ratio, n);
  if (k == 0) return;
  double scale = c->ef ? 1.0 : (double)n / (double)k;
  uint64_t offset = cc_randk_offset(shared_seed, n);
  float *val = out;
  for (size_t j = 0; j < k; j++) val[j] = (float)(in[cc_randk_position(j, n, k, offset)] * scale);
}

static void randk_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc,
                             uint64_t shared_seed) {
  randk_check_size(n);
  size_t k = cc_sparse_k(c->ratio, n);
  if (k == 0) return;
  uint64_t offset = cc_randk_offset(shared_seed, n);
  const float *val = payload;
  for (size_t j = 0; j < k; j++) acc[cc_randk_position(j, n, k, offset)] += val[j];
}

// --- dispatch ------------------------------------------------------------------------------------------

void cc_sparse_encode(const cc_compressor *c, const float *in, size_t n, void *out, cc_rng *rng, uint64_t shared_seed) {
  if (c->kind == CC_COMP_RANDK) randk_encode(c, in, n, out, shared_seed);
  else topk_encode(c, in, n, out, rng);
}

void cc_sparse_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc, uint64_t shared_seed) {
  if (c->kind == CC_COMP_RANDK) randk_decode_add(c, payload, n, acc, shared_seed);
  else topk_decode_add(c, payload, n, acc);
}
