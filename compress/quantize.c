// int8, int4, qsgd and sign: low-bit codes with one f32 scale per block of CC_COMP_BLOCK elements.
//
// Payload for n elements in nb = cc_comp_blocks(n) blocks (the last block may be short):
//
//   bytes [0, 4*nb)   one f32 per block, native byte order: int8/int4/sign its scale, qsgd its L2 norm
//   bytes [4*nb, ..)  the codes, element 0 first, packed across blocks with no padding between them:
//     int8  n bytes       int8 level q in [-127, 127]                   decodes to q * scale
//     int4  ceil(n/2)     4-bit two's complement q in [-7, 7], element   decodes to q * scale
//                         2j in the low nibble of byte j, 2j+1 in the high one (an odd n leaves the
//                         last high nibble 0)
//     qsgd  n bytes       int8 signed level q in [-s, s], s = c->levels decodes to q * (norm / s)
//     sign  ceil(n/8)     one bit per element, element i in bit i%8 of   decodes to -scale (bit set)
//                         byte i/8 (LSB first); set means x < 0; the     or +scale (bit clear)
//                         unused bits of the last byte are 0
//
// The payload has no alignment: allgathered payloads sit back to back at any byte offset, so the f32
// values are read and written with memcpy. Every byte of it is written, so equal inputs give equal bytes.
//
// Rounding. int8, int4 and qsgd round stochastically: v (the element in units of one level) becomes
// floor(v) + [u < v - floor(v)] with u uniform in [0, 1), so E[level] = v and the decode is unbiased.
// The draws are counter-based: an encode call takes ONE cc_rng_next from the rng (its seed, even for
// n = 0), and element i's u is the top 53 bits of cc_hash64(seed, i), i counted from the start of the
// tensor, whatever the element's value (zero and non-finite blocks included). An element's draw
// depends only on its index and the rng's state, and any order of evaluation (a GPU's) gets the same
// draws: the CUDA twin given `seed` writes the same bytes (kernels/quantize_cuda.cu). The level is computed in double from quantities that put the block's largest element exactly on the top
// level (127 * x / absmax is exactly +-127 there), so codes never need clamping. That element then
// decodes to 127 * fl(absmax / 127), which is absmax or a neighbouring f32 (off by one ulp for about 0.8%
// of int8 blocks and 11% of int4 blocks): the f32 scale, not the rounding, sets that last bit. sign is
// deterministic and draws nothing.
//
// Sums. qsgd's norm and sign's mean |x| add the block's terms (x^2 or |x|, exact in double) in one fixed
// order that a GPU warp reproduces, so the stored f32 is the same bits there: 32 partial sums in
// double, partial l over elements 4l..4l+3 then 128+4l..128+4l+3 (those present, in that order), then
// halved pairwise, partial l += partial l+w for w = 16, 8, 4, 2, 1 (block_sum below).
//
// Non-finite input. A block holding a NaN or an infinity (or, for qsgd, whose norm overflows f32)
// stores a NaN scale and zero codes, so every element of that block decodes to NaN: the damage shows
// up downstream (loss, norm checks) instead of being clipped or silently zeroed. Other blocks are
// unaffected.
//
// Tiny blocks: a block whose absmax is below 127 * FLT_MIN (about 1.5e-36; 7 * FLT_MIN for int4) gets a
// subnormal scale that keeps fewer than 24 significant bits, so its decode is off by up to the subnormal
// spacing (1.4e-45) per level. Gradients that small are zero for any practical purpose.
#include <math.h>
#include <string.h>

#include "common/error.h"
#include "compress/schemes.h"

// Blocks start on whole bytes of int4 nibbles and sign bits: the packing loops rely on it.
_Static_assert(CC_COMP_BLOCK % 8 == 0, "CC_COMP_BLOCK must be a multiple of 8");

// --- shared pieces -------------------------------------------------------------------------------

static float get_f32(const unsigned char *p) {
  float v;
  memcpy(&v, p, sizeof v);
  return v;
}

static void put_f32(unsigned char *p, float v) { memcpy(p, &v, sizeof v); }

// Elements in block b of n.
static size_t block_len(size_t n, size_t b) {
  size_t start = b * CC_COMP_BLOCK;
  return n - start < CC_COMP_BLOCK ? n - start : CC_COMP_BLOCK;
}

// Largest |x| over the block; NaN if any element is NaN (a plain max would skip it), inf if any is inf.
static float block_absmax(const float *x, size_t len) {
  float m = 0.0f;
  for (size_t i = 0; i < len; i++) {
    float a = fabsf(x[i]);
    if (a > m || a != a) m = a;  // once m is NaN, a > m is false for every a: NaN sticks
  }
  return m;
}

// The block sum in the fixed order described at the top: x^2 (squares) or |x| per element.
_Static_assert(CC_COMP_BLOCK == 256, "block_sum's order is 32 lanes of 2 x 4 elements");
static double block_sum(const float *x, size_t len, bool squares) {
  double partial[32];
  for (size_t l = 0; l < 32; l++) {
    partial[l] = 0;
    for (size_t k = 0; k < 8; k++) {
      size_t i = (k < 4 ? 4 * l : 128 + 4 * l) + k % 4;
      if (i < len) partial[l] += squares ? (double)x[i] * x[i] : fabs((double)x[i]);
    }
  }
  for (size_t w = 16; w >= 1; w /= 2)
    for (size_t l = 0; l < w; l++) partial[l] += partial[l + w];
  return partial[0];
}

// Element i's uniform in [0, 1): 53 bits of the stateless hash of (seed, i), as cc_rng_uniform makes them.
static double draw(uint64_t seed, size_t i) { return (double)(cc_hash64(seed, i) >> 11) * 0x1p-53; }

// floor(v) + [u < frac(v)]: an integer next to v whose expectation is v.
static int stochastic_round(double v, double u) {
  double lo = floor(v);
  return (int)lo + (u < v - lo);
}

// Codes of the levels-per-side scheme (int8: 127, int4: 7) for one block starting at element `start`
// of the tensor, into q. Scale stored: absmax / levels.
static float absmax_block_codes(const float *x, size_t start, size_t len, int levels, signed char *q,
                                uint64_t seed) {
  float absmax = block_absmax(x, len);
  bool usable = isfinite(absmax) && absmax > 0;
  for (size_t i = 0; i < len; i++) {
    double v = usable ? (double)x[i] * levels / absmax : 0.0;
    q[i] = (signed char)stochastic_round(v, draw(seed, start + i));
  }
  if (!isfinite(absmax)) return NAN;
  return absmax / (float)levels;
}

// --- int8 ----------------------------------------------------------------------------------------

static void int8_encode(const float *in, size_t n, unsigned char *out, uint64_t seed) {
  size_t nb = cc_comp_blocks(n);
  signed char *codes = (signed char *)(out + 4 * nb);  // char: no alignment needed
  for (size_t b = 0; b < nb; b++) {
    size_t start = b * CC_COMP_BLOCK;
    put_f32(out + 4 * b, absmax_block_codes(in + start, start, block_len(n, b), 127, codes + start, seed));
  }
}

static void int8_decode_add(const unsigned char *payload, size_t n, float *acc) {
  size_t nb = cc_comp_blocks(n);
  const signed char *codes = (const signed char *)(payload + 4 * nb);
  for (size_t b = 0; b < nb; b++) {
    float scale = get_f32(payload + 4 * b);
    size_t start = b * CC_COMP_BLOCK, len = block_len(n, b);
    for (size_t i = start; i < start + len; i++) acc[i] += (float)codes[i] * scale;
  }
}

// --- int4 ----------------------------------------------------------------------------------------

// Two's complement 4-bit nibble of q in [-8, 7], and back (flipping bit 3 then subtracting 8 sign-extends).
static unsigned char nibble(int q) { return (unsigned char)(q & 0xf); }
static int from_nibble(unsigned v) { return (int)((v & 0xf) ^ 8) - 8; }

static void int4_encode(const float *in, size_t n, unsigned char *out, uint64_t seed) {
  size_t nb = cc_comp_blocks(n);
  unsigned char *codes = out + 4 * nb;
  signed char q[CC_COMP_BLOCK];
  for (size_t b = 0; b < nb; b++) {
    size_t start = b * CC_COMP_BLOCK, len = block_len(n, b);
    put_f32(out + 4 * b, absmax_block_codes(in + start, start, len, 7, q, seed));
    // CC_COMP_BLOCK is even, so every block starts on a byte; only the very last one can be odd.
    for (size_t i = 0; i < len; i += 2) {
      unsigned char hi = i + 1 < len ? nibble(q[i + 1]) : 0;
      codes[(start + i) / 2] = (unsigned char)(nibble(q[i]) | (hi << 4));
    }
  }
}

static void int4_decode_add(const unsigned char *payload, size_t n, float *acc) {
  size_t nb = cc_comp_blocks(n);
  const unsigned char *codes = payload + 4 * nb;
  for (size_t b = 0; b < nb; b++) {
    float scale = get_f32(payload + 4 * b);
    size_t start = b * CC_COMP_BLOCK, len = block_len(n, b);
    for (size_t i = start; i < start + len; i++) {
      unsigned byte = codes[i / 2];
      acc[i] += (float)from_nibble(i % 2 ? byte >> 4 : byte) * scale;
    }
  }
}

// --- qsgd ----------------------------------------------------------------------------------------
// QSGD (Alistarh et al., 2017) per bucket: level l = stochastic rounding of s * |x| / norm, in [0, s],
// sent as sign(x) * l; decoded as sign * l * norm / s. The norm is rounded to f32 first and the level
// computed from that stored norm: fl(norm) >= |x| for every element (rounding is monotone and |x| is an
// f32), so s * |x| / fl(norm) <= s and the decode is unbiased for the norm actually sent.
// The variance is up to min(n/s^2, sqrt(n)/s) ||x||^2 per bucket: above ||x||^2 for s < 16 on full
// buckets, so qsgd with few levels need not be a contraction, and error feedback around it lets the residual
// grow without bound (qsgd:4+ef on gaussian data: 500 gradient norms after 40 steps; qsgd:8 and up stay
// bounded). Feedback theory (Karimireddy et al.) assumes a contraction; unbiased schemes need scaling.

static float bucket_norm(const float *x, size_t len) {
  double sum = block_sum(x, len, true);  // double: no overflow or cancellation worth speaking of
  return (float)sqrt(sum);  // NaN or inf propagate; a finite sum above FLT_MAX^2 becomes inf
}

static void qsgd_encode(const float *in, size_t n, int s, unsigned char *out, uint64_t seed) {
  size_t nb = cc_comp_blocks(n);
  signed char *codes = (signed char *)(out + 4 * nb);
  for (size_t b = 0; b < nb; b++) {
    size_t start = b * CC_COMP_BLOCK, len = block_len(n, b);
    const float *x = in + start;
    float norm = bucket_norm(x, len);
    bool usable = isfinite(norm) && norm > 0;
    for (size_t i = 0; i < len; i++) {
      double v = usable ? s * fabs((double)x[i]) / norm : 0.0;
      int l = stochastic_round(v, draw(seed, start + i));
      codes[start + i] = (signed char)(x[i] < 0 ? -l : l);
    }
    put_f32(out + 4 * b, isfinite(norm) ? norm : NAN);
  }
}

static void qsgd_decode_add(const unsigned char *payload, size_t n, int s, float *acc) {
  size_t nb = cc_comp_blocks(n);
  const signed char *codes = (const signed char *)(payload + 4 * nb);
  for (size_t b = 0; b < nb; b++) {
    float unit = get_f32(payload + 4 * b) / (float)s;  // the grid spacing norm / s
    size_t start = b * CC_COMP_BLOCK, len = block_len(n, b);
    for (size_t i = start; i < start + len; i++) acc[i] += (float)codes[i] * unit;
  }
}

// --- sign ----------------------------------------------------------------------------------------
// EF-SignSGD (Karimireddy et al., 2019): each element sends its sign; the block sends mean |x|, so the
// decode has the block's l1 norm. Zero (and -0.0) has no sign to send and decodes as +scale: it costs
// one scale of error, which error feedback carries to the next step.

static void sign_encode(const float *in, size_t n, unsigned char *out) {
  size_t nb = cc_comp_blocks(n);
  unsigned char *bits = out + 4 * nb;
  for (size_t b = 0; b < nb; b++) {
    size_t start = b * CC_COMP_BLOCK, len = block_len(n, b);
    const float *x = in + start;
    double sum = block_sum(x, len, false);
    float scale = (float)(sum / (double)len);
    put_f32(out + 4 * b, isfinite(scale) ? scale : NAN);
    // CC_COMP_BLOCK is a multiple of 8, so every block starts on a byte.
    for (size_t i = 0; i < len; i += 8) {
      unsigned char byte = 0;
      for (size_t k = 0; k < 8 && i + k < len; k++) byte |= (unsigned char)((x[i + k] < 0) << k);
      bits[(start + i) / 8] = byte;
    }
  }
}

static void sign_decode_add(const unsigned char *payload, size_t n, float *acc) {
  size_t nb = cc_comp_blocks(n);
  const unsigned char *bits = payload + 4 * nb;
  for (size_t b = 0; b < nb; b++) {
    float scale = get_f32(payload + 4 * b);
    size_t start = b * CC_COMP_BLOCK, len = block_len(n, b);
    for (size_t i = start; i < start + len; i++) acc[i] += (bits[i / 8] >> (i % 8)) & 1 ? -scale : scale;
  }
}

// --- dispatch ------------------------------------------------------------------------------------

size_t cc_quant_bytes(const cc_compressor *c, size_t n) {
  size_t scales = 4 * cc_comp_blocks(n);
  switch (c->kind) {
    case CC_COMP_INT8:
    case CC_COMP_QSGD: return scales + n;
    case CC_COMP_INT4: return scales + (n + 1) / 2;
    case CC_COMP_SIGN: return scales + (n + 7) / 8;
    default: CC_FATAL("cc_quant_bytes: %s is not a quantizer", cc_comp_kind_name(c->kind));
  }
}

void cc_quant_encode(const cc_compressor *c, const float *in, size_t n, void *out, cc_rng *rng) {
  switch (c->kind) {
    case CC_COMP_INT8: int8_encode(in, n, out, cc_rng_next(rng)); return;
    case CC_COMP_INT4: int4_encode(in, n, out, cc_rng_next(rng)); return;
    case CC_COMP_QSGD:
      // Levels travel as signed bytes; the parser allows 1..127, a hand-built compressor might not.
      if (c->levels < 1 || c->levels > 127) CC_FATAL("qsgd: %d levels, want 1..127", c->levels);
      qsgd_encode(in, n, c->levels, out, cc_rng_next(rng));
      return;
    case CC_COMP_SIGN: sign_encode(in, n, out); return;
    default: CC_FATAL("cc_quant_encode: %s is not a quantizer", cc_comp_kind_name(c->kind));
  }
}

void cc_quant_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc) {
  switch (c->kind) {
    case CC_COMP_INT8: int8_decode_add(payload, n, acc); return;
    case CC_COMP_INT4: int4_decode_add(payload, n, acc); return;
    case CC_COMP_QSGD: qsgd_decode_add(payload, n, c->levels, acc); return;
    case CC_COMP_SIGN: sign_decode_add(payload, n, acc); return;
    default: CC_FATAL("cc_quant_decode_add: %s is not a quantizer", cc_comp_kind_name(c->kind));
  }
}
