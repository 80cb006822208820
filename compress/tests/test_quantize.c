// int8, int4, qsgd and sign against their definitions (compress/quantize.c): the payload layout, the
// error of one encode (one quantization step at most), unbiasedness over many encodes (within a few
// standard errors of the known Bernoulli variance), QSGD's grid and variance bound, sign's l1 scale,
// exact payload sizes, reproducibility, accumulation and non-finite blocks. Every expected value is
// computed here from the input, not taken from the encoder.
#include <math.h>

#include "common/rng.h"
#include "common/tests/check.h"
#include "compress/compressor.h"
#include "compress/tests/compressor_fixture.h"

enum { B = CC_COMP_BLOCK, N = 5 * B + 77 };  // odd, with a short last block

static size_t nblocks(size_t n) { return (n + B - 1) / B; }
static size_t block_len(size_t n, size_t b) { return n - b * B < B ? n - b * B : B; }

static float scale_at(const unsigned char *payload, size_t b) {
  float v;
  memcpy(&v, payload + 4 * b, 4);
  return v;
}

// The code of element i as the layout in quantize.c says: int8 and qsgd a signed byte, int4 a
// sign-extended nibble (low first), sign a bit (LSB first).
static int code_at(cc_comp_kind kind, const unsigned char *payload, size_t n, size_t i) {
  const unsigned char *codes = payload + 4 * nblocks(n);
  switch (kind) {
    case CC_COMP_INT4: {
      int nib = (codes[i / 2] >> (i % 2 ? 4 : 0)) & 0xf;
      return nib >= 8 ? nib - 16 : nib;
    }
    case CC_COMP_SIGN: return (codes[i / 8] >> (i % 8)) & 1;
    default: return (signed char)codes[i];
  }
}

// Blocks of different character, cycling: gaussian; tiny with a negative absmax; all zero; a single
// nonzero; large; uniform with exact zeros and -0.0.
static void fill(float *x, size_t n, cc_rng *r) {
  for (size_t b = 0; b < nblocks(n); b++) {
    float *y = x + b * B;
    size_t len = block_len(n, b);
    for (size_t i = 0; i < len; i++) {
      switch (b % 6) {
        case 0: y[i] = (float)cc_rng_normal(r); break;
        case 1: y[i] = (float)(1e-3 * cc_rng_normal(r)); break;
        case 2: y[i] = 0.0f; break;
        case 3: y[i] = i == len / 3 ? -2.5f : 0.0f; break;
        case 4: y[i] = (float)(1e3 * cc_rng_normal(r)); break;
        default: y[i] = i % 5 == 0 ? (i % 10 ? -0.0f : 0.0f) : (float)(2 * cc_rng_uniform(r) - 1); break;
      }
    }
    if (b % 6 == 1) y[len / 2] = -0.01f;  // larger than 10 sigma: the negative absmax
  }
}

static float block_absmax(const float *x, size_t len) {
  float m = 0;
  for (size_t i = 0; i < len; i++) m = fabsf(x[i]) > m ? fabsf(x[i]) : m;
  return m;
}

static double block_norm(const float *x, size_t len) {
  double s = 0;
  for (size_t i = 0; i < len; i++) s += (double)x[i] * x[i];
  return sqrt(s);
}

// Decodes a payload into a fresh zeroed buffer.
static void decode(const cc_compressor *c, const void *payload, size_t n, float *out) {
  memset(out, 0, n * sizeof *out);
  cc_compress_decode_add(c, payload, n, out, 0);
}

static unsigned char payload[8 * N + 64], payload2[8 * N + 64];
static float x[N], dec[N];

// --- sizes ---------------------------------------------------------------------------------------

// Exact byte counts, encode writes exactly those bytes (a canary beyond is untouched, and two encodes
// over different fill patterns agree on every byte), decode touches exactly n elements.
static void sizes(const char *name) {
  cc_compressor c = test_compressor(name);
  const size_t ns[] = {0, 1, 7, 8, 9, 255, 256, 257, 1000};
  for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
    size_t n = ns[k], nb = (n + 255) / 256;
    size_t want = c.kind == CC_COMP_INT4 ? 4 * nb + (n + 1) / 2
                  : c.kind == CC_COMP_SIGN ? 4 * nb + (n + 7) / 8
                                           : 4 * nb + n;
    size_t got = cc_compressed_bytes(&c, n);
    CHECKF(got == want, "%s: %zu bytes for n = %zu, want %zu", name, got, n, want);
    cc_rng data, rng;
    cc_rng_seed(&data, 100 + n);
    for (size_t i = 0; i < n; i++) x[i] = (float)cc_rng_normal(&data);
    memset(payload, 0xa5, sizeof payload), memset(payload2, 0x5a, sizeof payload2);
    cc_rng_seed(&rng, 5);
    cc_compress_encode(&c, x, n, payload, &rng, 0);
    cc_rng_seed(&rng, 5);
    cc_compress_encode(&c, x, n, payload2, &rng, 0);
    size_t past = 0;
    for (size_t i = want; i < want + 64; i++) past += payload[i] != 0xa5;
    CHECKF(past == 0, "%s: n = %zu wrote %zu bytes past its %zu-byte payload", name, n, past, want);
    CHECKF(memcmp(payload, payload2, want) == 0, "%s: n = %zu leaves payload bytes unwritten", name, n);
    float acc[1000 + 8];
    for (size_t i = 0; i < n + 8; i++) acc[i] = 123.0f;
    cc_compress_decode_add(&c, payload, n, acc, 0);
    for (size_t i = n; i < n + 8; i++) CHECKF(acc[i] == 123.0f, "%s: n = %zu decode wrote acc[%zu]", name, n, i);
  }
}

// --- int8 and int4 -------------------------------------------------------------------------------

// One encode: scale = absmax / levels in the payload; every code a level next to x / scale; every
// error under one step; the absmax element on the top level; zero blocks all zero.
static void absmax_bounds(const char *name, int levels) {
  cc_compressor c = test_compressor(name);
  cc_rng data, rng;
  cc_rng_seed(&data, 1), cc_rng_seed(&rng, 2);
  fill(x, N, &data);
  cc_compress_encode(&c, x, N, payload, &rng, 0);
  decode(&c, payload, N, dec);
  for (size_t b = 0; b < nblocks(N); b++) {
    size_t start = b * B, len = block_len(N, b);
    float absmax = block_absmax(x + start, len), scale = scale_at(payload, b);
    double step = (double)absmax / levels;
    CHECKF(scale == absmax / (float)levels, "%s block %zu: scale %.9g, absmax / %d = %.9g", name, b, scale, levels,
           absmax / (float)levels);
    for (size_t i = start; i < start + len; i++) {
      int q = code_at(c.kind, payload, N, i);
      double v = absmax > 0 ? (double)x[i] * levels / absmax : 0;  // x in steps, exact at the absmax
      CHECKF(q >= -levels && q <= levels && (q == floor(v) || q == ceil(v)),
             "%s: x[%zu] = %.9g is %.6f steps, coded %d", name, i, x[i], v, q);
      CHECKF(dec[i] == (float)q * scale, "%s: x[%zu] decoded %.9g, code %d x scale %.9g", name, i, dec[i], q, scale);
      // Adjacent level: under one step; plus f32 rounding of the scale (levels of it) and of the decode.
      double err = fabs((double)dec[i] - x[i]), bound = step + 0x1p-22 * absmax;
      CHECKF(absmax == 0 ? dec[i] == 0 : err < bound, "%s: x[%zu] = %.9g decoded %.9g: error %.3g, step %.3g", name,
             i, x[i], dec[i], err, step);
      if (absmax > 0 && fabsf(x[i]) == absmax) {
        // The top level, deterministically; the decode is 127 x fl(absmax / 127), absmax to within
        // the f32 rounding of the scale.
        CHECKF(q == (x[i] < 0 ? -levels : levels), "%s: absmax element x[%zu] = %.9g coded %d", name, i, x[i], q);
        CHECKF(fabs((double)dec[i] - x[i]) <= 0x1p-23 * absmax, "%s: absmax element x[%zu] = %.9g decoded %.9g", name,
               i, x[i], dec[i]);
      }
    }
  }
  if (c.kind == CC_COMP_INT4 && N % 2)
    CHECKF(payload[cc_compressed_bytes(&c, N) - 1] >> 4 == 0, "%s: unused last nibble is not 0", name);
}

// --- unbiasedness --------------------------------------------------------------------------------

// The mean decode over T encodes is within 5 standard errors of x for every element, where an element
// v steps above a level decodes to unit * (floor(v) + Bernoulli(frac(v))): variance unit^2 p (1 - p).
// Across elements, the squared z-scores sum to about their count (chi-square), which catches a bias too
// small for any one element.
static void unbiased(const char *name) {
  cc_compressor c = test_compressor(name);
  enum { M = 2 * B + 88, T = 2000 };
  static double sum[M];
  cc_rng data, rng;
  cc_rng_seed(&data, 3), cc_rng_seed(&rng, 4);
  for (size_t i = 0; i < M; i++) x[i] = (float)(cc_rng_normal(&data) * (1 + i / B));
  memset(sum, 0, sizeof sum);
  for (int t = 0; t < T; t++) {
    cc_compress_encode(&c, x, M, payload, &rng, 0);
    decode(&c, payload, M, dec);
    for (size_t i = 0; i < M; i++) sum[i] += dec[i];
  }
  double chi2 = 0;
  int dof = 0;
  for (size_t b = 0; b < nblocks(M); b++) {
    size_t start = b * B, len = block_len(M, b);
    // The grid spacing as decoded (f32), and the top of the grid it is a fraction of.
    double unit, top, levels;
    if (c.kind == CC_COMP_QSGD) {
      levels = c.levels, top = (float)block_norm(x + start, len), unit = (float)top / (float)levels;
    } else {
      levels = c.kind == CC_COMP_INT8 ? 127 : 7, top = block_absmax(x + start, len);
      unit = (float)top / (float)levels;
    }
    for (size_t i = start; i < start + len; i++) {
      double v = top > 0 ? levels * fabs((double)x[i]) / top : 0, p = v - floor(v);
      double se = unit * sqrt(p * (1 - p) / T), mean = sum[i] / T;
      double slop = 0x1p-22 * (fabs((double)x[i]) + unit);  // f32 scale and decode rounding
      CHECKF(fabs(mean - x[i]) <= 5 * se + slop, "%s: x[%zu] = %.9g, mean decode %.9g, %.1f standard errors off", name,
             i, x[i], mean, fabs(mean - x[i]) / se);
      if (se > 0) chi2 += (mean - x[i]) * (mean - x[i]) / (se * se), dof++;
    }
  }
  CHECKF(chi2 <= dof + 5 * sqrt(2.0 * dof), "%s: sum of squared z-scores %.1f over %d elements", name, chi2, dof);
}

// --- qsgd ----------------------------------------------------------------------------------------

// One encode: the payload holds each bucket's L2 norm; every decode is sign(x) l norm / s with l an
// integer in [0, s] next to s |x| / norm.
static void qsgd_grid(const char *name) {
  cc_compressor c = test_compressor(name);
  int s = c.levels;
  cc_rng data, rng;
  cc_rng_seed(&data, 5), cc_rng_seed(&rng, 6);
  fill(x, N, &data);
  cc_compress_encode(&c, x, N, payload, &rng, 0);
  decode(&c, payload, N, dec);
  for (size_t b = 0; b < nblocks(N); b++) {
    size_t start = b * B, len = block_len(N, b);
    double norm = block_norm(x + start, len);
    float stored = scale_at(payload, b), unit = stored / (float)s;
    CHECKF(fabs(stored - norm) <= 0x1p-23 * norm, "%s bucket %zu: norm %.9g stored as %.9g", name, b, norm, stored);
    for (size_t i = start; i < start + len; i++) {
      int q = code_at(c.kind, payload, N, i), l = abs(q);
      double v = norm > 0 ? s * fabs((double)x[i]) / stored : 0;
      CHECKF(l <= s && (l == floor(v) || l == ceil(v)), "%s: x[%zu] = %.9g is level %.6f, coded %d", name, i, x[i],
             v, q);
      CHECKF(x[i] > 0 ? q >= 0 : x[i] < 0 ? q <= 0 : q == 0, "%s: x[%zu] = %.9g coded %d", name, i, x[i], q);
      CHECKF(dec[i] == (float)q * unit, "%s: x[%zu] decoded %.9g, not %d x %.9g", name, i, dec[i], q, unit);
    }
  }
}

// E||Q(x) - x||^2 <= min(n / s^2, sqrt(n) / s) ||x||^2 per bucket (QSGD, Lemma 3.1): the exact
// expectation computed from the definition obeys it, and the mean over T encodes is within 5 standard
// errors of that expectation.
static void qsgd_variance(const char *name, bool flat) {
  cc_compressor c = test_compressor(name);
  double s = c.levels;
  enum { M = B + 100, T = 2000 };
  static double sq[T][2];
  cc_rng data, rng;
  cc_rng_seed(&data, 7), cc_rng_seed(&rng, 8);
  // flat: equal magnitudes, random signs, where the sqrt(n) / s bound is nearly tight for small s.
  for (size_t i = 0; i < M; i++)
    x[i] = flat ? (cc_rng_uniform(&data) < 0.5 ? -0.3f : 0.3f) : (float)cc_rng_normal(&data);
  for (int t = 0; t < T; t++) {
    cc_compress_encode(&c, x, M, payload, &rng, 0);
    decode(&c, payload, M, dec);
    for (size_t b = 0; b < 2; b++) {
      sq[t][b] = 0;
      for (size_t i = b * B; i < b * B + block_len(M, b); i++) sq[t][b] += ((double)dec[i] - x[i]) * (dec[i] - x[i]);
    }
  }
  for (size_t b = 0; b < 2; b++) {
    size_t start = b * B, len = block_len(M, b);
    double norm = block_norm(x + start, len), unit = (float)norm / s, expect = 0;
    for (size_t i = start; i < start + len; i++) {
      double v = fabs((double)x[i]) / unit, p = v - floor(v);
      expect += unit * unit * p * (1 - p);
    }
    double bound = fmin(len / (s * s), sqrt((double)len) / s) * norm * norm;
    double mean = 0, var = 0;
    for (int t = 0; t < T; t++) mean += sq[t][b] / T;
    for (int t = 0; t < T; t++) var += (sq[t][b] - mean) * (sq[t][b] - mean) / (T - 1);
    double se = sqrt(var / T);
    CHECKF(expect <= bound * (1 + 1e-6), "%s%s bucket %zu: E||Q(x)-x||^2 = %.6g above the bound %.6g", name,
           flat ? " flat" : "", b, expect, bound);
    CHECKF(fabs(mean - expect) <= 5 * se + 1e-6 * expect,
           "%s%s bucket %zu: mean ||Q(x)-x||^2 = %.6g, expected %.6g (se %.3g)", name,
           flat ? " flat" : "", b, mean, expect, se);
    CHECKF(mean <= bound + 5 * se, "%s%s bucket %zu: mean ||Q(x)-x||^2 = %.6g above the bound %.6g", name,
           flat ? " flat" : "", b, mean, bound);
  }
}

// --- sign ----------------------------------------------------------------------------------------

// Scale = block mean |x|; every decode is exactly +-scale with x's sign, zeros (and -0.0) as +scale; the
// bit of element i is set iff x < 0, and the unused bits of the last byte are 0.
static void sign_props(void) {
  cc_compressor c = test_compressor("sign");
  cc_rng data, rng;
  cc_rng_seed(&data, 9), cc_rng_seed(&rng, 10);
  fill(x, N, &data);
  cc_compress_encode(&c, x, N, payload, &rng, 0);
  decode(&c, payload, N, dec);
  for (size_t b = 0; b < nblocks(N); b++) {
    size_t start = b * B, len = block_len(N, b);
    double mean = 0;
    for (size_t i = start; i < start + len; i++) mean += fabs((double)x[i]) / len;
    float scale = scale_at(payload, b);
    CHECKF(fabs(scale - mean) <= 0x1p-23 * mean, "sign block %zu: scale %.9g, mean |x| %.9g", b, scale, mean);
    for (size_t i = start; i < start + len; i++) {
      CHECKF(code_at(c.kind, payload, N, i) == (x[i] < 0), "sign: x[%zu] = %g has bit %d", i, x[i],
             code_at(c.kind, payload, N, i));
      CHECKF(dec[i] == (x[i] < 0 ? -scale : scale), "sign: x[%zu] = %g decoded %.9g, scale %.9g", i, x[i], dec[i],
             scale);
    }
  }
  size_t last = cc_compressed_bytes(&c, N) - 1;
  CHECKF(payload[last] >> (N % 8) == 0, "sign: unused bits of the last byte are %#x", payload[last]);
}

// --- reproducibility, accumulation, non-finite ---------------------------------------------------

// The same seed gives the same bytes; another seed other bytes (sign draws nothing: the same bytes).
static void reproducible(const char *name) {
  cc_compressor c = test_compressor(name);
  cc_rng data, rng;
  cc_rng_seed(&data, 11);
  for (size_t i = 0; i < 1000; i++) x[i] = (float)cc_rng_normal(&data);
  size_t bytes = cc_compressed_bytes(&c, 1000);
  cc_rng_seed(&rng, 42), cc_compress_encode(&c, x, 1000, payload, &rng, 0);
  cc_rng_seed(&rng, 42), cc_compress_encode(&c, x, 1000, payload2, &rng, 0);
  CHECKF(memcmp(payload, payload2, bytes) == 0, "%s: same seed, different payloads", name);
  cc_rng_seed(&rng, 43), cc_compress_encode(&c, x, 1000, payload2, &rng, 0);
  bool same = memcmp(payload, payload2, bytes) == 0;
  CHECKF(c.kind == CC_COMP_SIGN ? same : !same, "%s: seeds 42 and 43 give %s payloads", name,
         same ? "equal" : "different");
}

// decode_add adds to what acc holds: acc0 + decoded, in one f32 addition per element, and again.
static void accumulates(const char *name) {
  cc_compressor c = test_compressor(name);
  static float acc0[N], acc[N];
  cc_rng data, rng;
  cc_rng_seed(&data, 12), cc_rng_seed(&rng, 13);
  fill(x, N, &data);
  for (size_t i = 0; i < N; i++) acc0[i] = acc[i] = (float)(cc_rng_normal(&data) + 3);
  cc_compress_encode(&c, x, N, payload, &rng, 0);
  decode(&c, payload, N, dec);
  cc_compress_decode_add(&c, payload, N, acc, 0);
  size_t bad = 0;
  for (size_t i = 0; i < N; i++) bad += acc[i] != acc0[i] + dec[i];
  cc_compress_decode_add(&c, payload, N, acc, 0);
  for (size_t i = 0; i < N; i++) bad += acc[i] != (acc0[i] + dec[i]) + dec[i];
  CHECKF(bad == 0, "%s: %zu elements did not accumulate", name, bad);
}

// A NaN or infinity makes its whole block decode to NaN (scale NaN); the other blocks are untouched
// and the same bytes as encoding them without it (each element's draw depends on its index only).
static void nonfinite(const char *name) {
  cc_compressor c = test_compressor(name);
  enum { M = 4 * B };
  static unsigned char alone[8 * B];
  cc_rng data, rng;
  cc_rng_seed(&data, 14);
  for (size_t i = 0; i < M; i++) x[i] = (float)cc_rng_normal(&data);
  x[B + 7] = NAN, x[2 * B + 200] = -INFINITY;
  if (c.kind == CC_COMP_QSGD)
    for (size_t i = 3 * B; i < M; i++) x[i] = 3e38f;  // finite, but the norm overflows f32
  cc_rng_seed(&rng, 15);
  cc_compress_encode(&c, x, M, payload, &rng, 0);
  decode(&c, payload, M, dec);
  size_t last_bad = c.kind == CC_COMP_QSGD ? 3 : 2;
  for (size_t b = 0; b < 4; b++) {
    bool bad = b >= 1 && b <= last_bad;
    CHECKF(bad == (bool)isnan(scale_at(payload, b)), "%s block %zu: scale %g", name, b, scale_at(payload, b));
    size_t nan = 0;
    for (size_t i = b * B; i < (b + 1) * B; i++) nan += isnan(dec[i]) != 0;
    CHECKF(nan == (size_t)(bad ? B : 0), "%s block %zu: %zu of %d decode to NaN", name, b, nan, B);
  }
  // Block 0 alone, with the same seed: the same scale and codes.
  cc_rng_seed(&rng, 15);
  cc_compress_encode(&c, x, B, alone, &rng, 0);
  size_t code_bytes = cc_compressed_bytes(&c, B) - 4;
  CHECKF(memcmp(alone, payload, 4) == 0 && memcmp(alone + 4, payload + 16, code_bytes) == 0,
         "%s: block 0 encodes differently next to non-finite blocks", name);
}

// --- counter-based draws and the fixed summation order ---------------------------------------------

// The documented contract a GPU twin reproduces: one cc_rng_next per encode call (the seed; sign none),
// element i's u = top 53 bits of cc_hash64(seed, i), level = floor(v) + [u < frac(v)]; qsgd's norm and
// sign's scale summed as 32 lane partials (elements 4l..4l+3, 128+4l..128+4l+3) halved pairwise.
static double lane_order_sum(const float *y, size_t len, bool squares) {
  double p[32];
  for (int l = 0; l < 32; l++) {
    p[l] = 0;
    const size_t idx[8] = {4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3, 128 + 4 * l, 129 + 4 * l, 130 + 4 * l, 131 + 4 * l};
    for (int k = 0; k < 8; k++)
      if (idx[k] < len) p[l] += squares ? (double)y[idx[k]] * y[idx[k]] : fabs((double)y[idx[k]]);
  }
  for (int w = 16; w >= 1; w /= 2)
    for (int l = 0; l < w; l++) p[l] += p[l + w];
  return p[0];
}

static void counter_based(const char *name) {
  cc_compressor c = test_compressor(name);
  cc_rng data, rng, twin;
  cc_rng_seed(&data, 16), cc_rng_seed(&rng, 17);
  fill(x, N, &data);
  twin = rng;
  uint64_t seed = c.kind == CC_COMP_SIGN ? 0 : cc_rng_next(&twin);
  cc_compress_encode(&c, x, N, payload, &rng, 0);
  CHECKF(memcmp(&rng, &twin, sizeof rng) == 0, "%s: the encode did not take exactly %d draw(s) from the rng", name,
         c.kind != CC_COMP_SIGN);
  size_t bad = 0;
  for (size_t b = 0; b < nblocks(N); b++) {
    size_t start = b * B, len = block_len(N, b);
    const float *y = x + start;
    float absmax = block_absmax(y, len), scale = scale_at(payload, b), want_scale;
    if (c.kind == CC_COMP_QSGD) want_scale = (float)sqrt(lane_order_sum(y, len, true));
    else if (c.kind == CC_COMP_SIGN) want_scale = (float)(lane_order_sum(y, len, false) / (double)len);
    else want_scale = absmax / (float)(c.kind == CC_COMP_INT8 ? 127 : 7);
    CHECKF(memcmp(&scale, &want_scale, 4) == 0, "%s block %zu: scale %.9g, the documented order gives %.9g", name, b,
           scale, want_scale);
    if (c.kind == CC_COMP_SIGN) continue;
    for (size_t i = start; i < start + len; i++) {
      double v, u = (double)(cc_hash64(seed, i) >> 11) * 0x1p-53;
      if (c.kind == CC_COMP_QSGD) v = want_scale > 0 ? c.levels * fabs((double)x[i]) / want_scale : 0;
      else v = absmax > 0 ? (double)x[i] * (c.kind == CC_COMP_INT8 ? 127 : 7) / absmax : 0;
      int level = (int)floor(v) + (u < v - floor(v));
      if (c.kind == CC_COMP_QSGD && x[i] < 0) level = -level;
      bad += code_at(c.kind, payload, N, i) != level;
    }
  }
  CHECKF(bad == 0, "%s: %zu codes differ from the counter-based draws cc_hash64(seed, i)", name, bad);
}

int main(void) {
  const char *all[] = {"int8", "int4", "qsgd:4", "sign", "qsgd:1", "qsgd:127"};
  for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
    sizes(all[k]);
    reproducible(all[k]);
    accumulates(all[k]);
    nonfinite(all[k]);
    counter_based(all[k]);
  }
  absmax_bounds("int8", 127);
  absmax_bounds("int4", 7);
  absmax_bounds("int8+ef", 127);  // +ef changes nothing in the payload
  unbiased("int8");
  unbiased("int4");
  const char *qsgd[] = {"qsgd:1", "qsgd:2", "qsgd:4", "qsgd:16", "qsgd:127"};
  for (size_t k = 0; k < sizeof qsgd / sizeof qsgd[0]; k++) {
    qsgd_grid(qsgd[k]);
    unbiased(qsgd[k]);
    qsgd_variance(qsgd[k], false);
    qsgd_variance(qsgd[k], true);
  }
  sign_props();
  return check_done("test_compress_quantize");
}
