// int8, int4, qsgd and sign on the device (kernels/quantize_cuda.h): the bytes compress/quantize.c
// writes, read there for the layouts and the rounding.
//
// Encode: one warp per block of 256 elements. Lane l holds elements 4l..4l+3 and 128+4l..128+4l+3 (two
// 16-byte loads, each coalesced across the warp into 512 bytes), which is also the order quantize.c
// sums qsgd's norm and sign's mean |x| in: a double partial per lane, then a butterfly over the lanes
// that adds the same pairs as the C tree, so the stored f32 is the C reference's bits. The absmax is
// a max, exact in any order. Element i's uniform comes from cc_hash64(seed, i) (common/rng.h, shared
// with the C code) and the level is computed in double with the C expression, operation for operation;
// the file is compiled with --fmad=false so nothing is fused. A short last block, a misaligned `in`
// or a payload that is not 4-byte aligned take scalar loads and byte stores.
//
// Decode-add: one thread per group of 4 (int8, qsgd) or 8 (int4, sign) elements with 32-bit code loads
// and 16-byte acc accesses when acc and the payload are aligned; per element otherwise.
#include "kernels/common_cuda.h"
#include "kernels/quantize_cuda.h"

#include "kernels/cuda_device.h"

enum {
  BLOCK = CC_COMP_BLOCK,  // elements per scale
  LANES = 32,
  PER_LANE = BLOCK / LANES,  // 8
  WARPS = 8,                 // warps (scaling blocks in flight) per thread block
  ENCODE_THREADS = WARPS * LANES,
  DECODE_THREADS = 256,
  BLOCKS_PER_SM = 8,
};
static_assert(BLOCK == 256 && PER_LANE == 8, "the lane layout matches quantize.c's block_sum order");

#define FULL_MASK 0xffffffffu

static __device__ __forceinline__ float nan_f32(void) { return __uint_as_float(0x7fc00000u); }  // C's NAN

// Local index of lane `lane`'s k-th element in its block.
static __device__ __forceinline__ int lane_elem(int lane, int k) { return (k < 4 ? 4 * lane : 128 + 4 * lane) + (k & 3); }

// f32 in a payload at any byte offset, native (little-endian) order like the C reference's memcpy.
static __device__ __forceinline__ float load_f32(const unsigned char *p, bool aligned) {
  if (aligned) return *(const float *)p;
  return __uint_as_float((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

static __device__ __forceinline__ void store_f32(unsigned char *p, float v, bool aligned) {
  if (aligned) {
    *(float *)p = v;
    return;
  }
  uint32_t u = __float_as_uint(v);
  p[0] = (unsigned char)u, p[1] = (unsigned char)(u >> 8), p[2] = (unsigned char)(u >> 16), p[3] = (unsigned char)(u >> 24);
}

// The lane's 8 elements of the block at x (len elements); missing elements read as 0, which adds
// nothing to any sum or max and sets no sign bit.
static __device__ __forceinline__ void load_lane(const float *x, int len, int lane, bool wide, float v[PER_LANE]) {
  if (wide && len == BLOCK) {
    float4 a = ((const float4 *)x)[lane], b = ((const float4 *)(x + 128))[lane];
    v[0] = a.x, v[1] = a.y, v[2] = a.z, v[3] = a.w, v[4] = b.x, v[5] = b.y, v[6] = b.z, v[7] = b.w;
    return;
  }
#pragma unroll
  for (int k = 0; k < PER_LANE; k++) {
    int i = lane_elem(lane, k);
    v[k] = i < len ? x[i] : 0.0f;
  }
}

// The block sum of x^2 (squares) or |x| in quantize.c's block_sum order; every lane gets the total.
static __device__ __forceinline__ double warp_block_sum(const float v[PER_LANE], int len, int lane, bool squares) {
  double partial = 0;
#pragma unroll
  for (int k = 0; k < PER_LANE; k++)
    if (lane_elem(lane, k) < len) partial += squares ? (double)v[k] * v[k] : fabs((double)v[k]);
  // Lane l adds lane l^w's partial: for l < w that is the C tree's partial[l] += partial[l + w].
  for (int w = 16; w >= 1; w /= 2) partial += __shfl_xor_sync(FULL_MASK, partial, w);
  return partial;
}

// floor(v) + [u < frac(v)] with u from the element's hash, as quantize.c's stochastic_round(v, draw()).
static __device__ __forceinline__ int stochastic_round(double v, uint64_t seed, size_t index) {
  double u = (double)(cc_hash64(seed, index) >> 11) * 0x1p-53;
  double lo = floor(v);
  return (int)lo + (u < v - lo);
}

static __device__ __forceinline__ uint32_t pack_bytes(const int q[4]) {
  return (uint32_t)(q[0] & 0xff) | (uint32_t)(q[1] & 0xff) << 8 | (uint32_t)(q[2] & 0xff) << 16 |
         (uint32_t)(q[3] & 0xff) << 24;
}

static __device__ __forceinline__ unsigned nibble(int q) { return (unsigned)q & 0xfu; }

// int8/qsgd codes of one lane: one byte per element at codes[i].
static __device__ __forceinline__ void store_byte_codes(unsigned char *codes, const int q[PER_LANE], int len, int lane,
                                                        bool wide) {
  if (wide && len == BLOCK) {
    ((uint32_t *)codes)[lane] = pack_bytes(q);
    ((uint32_t *)(codes + 128))[lane] = pack_bytes(q + 4);
    return;
  }
#pragma unroll
  for (int k = 0; k < PER_LANE; k++) {
    int i = lane_elem(lane, k);
    if (i < len) codes[i] = (unsigned char)(q[k] & 0xff);
  }
}

// int4 codes of one lane: element 2j in the low nibble of byte j, 2j+1 in the high one; a missing
// element's nibble is 0 (q = 0), as the C reference leaves the unused last nibble.
static __device__ __forceinline__ void store_nibble_codes(unsigned char *codes, const int q[PER_LANE], int len, int lane,
                                                          bool wide) {
  if (wide && len == BLOCK) {
    ((uint16_t *)codes)[lane] = (uint16_t)(nibble(q[0]) | nibble(q[1]) << 4 | nibble(q[2]) << 8 | nibble(q[3]) << 12);
    ((uint16_t *)(codes + 64))[lane] =
        (uint16_t)(nibble(q[4]) | nibble(q[5]) << 4 | nibble(q[6]) << 8 | nibble(q[7]) << 12);
    return;
  }
#pragma unroll
  for (int k = 0; k < PER_LANE; k += 2) {
    int i = lane_elem(lane, k);  // even
    if (i < len) codes[i / 2] = (unsigned char)(nibble(q[k]) | nibble(q[k + 1]) << 4);
  }
}

// int8 (levels 127) and int4 (7): scale = absmax / levels, codes by stochastic rounding of x levels / absmax.
template <bool INT4>
static __device__ __forceinline__ void absmax_block(const float v[PER_LANE], int len, int lane, size_t start, int levels,
                                                    uint64_t seed, unsigned char *scale_at, unsigned char *codes,
                                                    bool out_wide) {
  float m = 0.0f;
  bool nan = false;
#pragma unroll
  for (int k = 0; k < PER_LANE; k++) {
    float a = fabsf(v[k]);
    m = fmaxf(m, a);
    nan |= isnan(a);
  }
  for (int w = 16; w >= 1; w /= 2) m = fmaxf(m, __shfl_xor_sync(FULL_MASK, m, w));
  bool finite = !__any_sync(FULL_MASK, nan) && isfinite(m);
  bool usable = finite && m > 0;
  int q[PER_LANE];
#pragma unroll
  for (int k = 0; k < PER_LANE; k++) {
    int i = lane_elem(lane, k);
    // Outside a usable block v = 0, which rounds to 0 whatever the draw: skip the hash.
    q[k] = usable && i < len ? stochastic_round((double)v[k] * levels / m, seed, start + i) : 0;
  }
  if (lane == 0) store_f32(scale_at, finite ? m / (float)levels : nan_f32(), out_wide);
  if (INT4) store_nibble_codes(codes + start / 2, q, len, lane, out_wide);
  else store_byte_codes(codes + start, q, len, lane, out_wide);
}

// qsgd: the bucket's L2 norm (rounded to f32 first), code = sign(x) x stochastic rounding of s |x| / norm.
static __device__ __forceinline__ void qsgd_block(const float v[PER_LANE], int len, int lane, size_t start, int s,
                                                  uint64_t seed, unsigned char *scale_at, unsigned char *codes,
                                                  bool out_wide) {
  float norm = (float)sqrt(warp_block_sum(v, len, lane, true));
  bool finite = isfinite(norm), usable = finite && norm > 0;
  int q[PER_LANE];
#pragma unroll
  for (int k = 0; k < PER_LANE; k++) {
    int i = lane_elem(lane, k);
    int l = usable && i < len ? stochastic_round(s * fabs((double)v[k]) / norm, seed, start + i) : 0;
    q[k] = v[k] < 0 ? -l : l;
  }
  if (lane == 0) store_f32(scale_at, finite ? norm : nan_f32(), out_wide);
  store_byte_codes(codes + start, q, len, lane, out_wide);
}

// sign: scale = mean |x|, bit i%8 of byte i/8 set iff x < 0. Lane l's first nibble is elements 4l..4l+3,
// so even lane 2j joins its nibble with lane 2j+1's into byte j (elements 8j..8j+7) of each half.
static __device__ __forceinline__ void sign_block(const float v[PER_LANE], int len, int lane, size_t start,
                                                  unsigned char *scale_at, unsigned char *bits, bool out_wide) {
  double sum = warp_block_sum(v, len, lane, false);
  float scale = (float)(sum / (double)len);
  unsigned lo = 0, hi = 0;
#pragma unroll
  for (int k = 0; k < 4; k++) lo |= (unsigned)(v[k] < 0) << k, hi |= (unsigned)(v[k + 4] < 0) << k;
  unsigned lo_next = __shfl_down_sync(FULL_MASK, lo, 1), hi_next = __shfl_down_sync(FULL_MASK, hi, 1);
  unsigned char *block_bits = bits + start / 8;
  if (lane % 2 == 0) {
    if (4 * lane < len) block_bits[lane / 2] = (unsigned char)(lo | lo_next << 4);
    if (128 + 4 * lane < len) block_bits[16 + lane / 2] = (unsigned char)(hi | hi_next << 4);
  }
  if (lane == 0) store_f32(scale_at, isfinite(scale) ? scale : nan_f32(), out_wide);
}

// One warp per block; the loop bound depends on the warp only, so all 32 lanes take every shuffle.
template <cc_comp_kind KIND>
__global__ void quant_encode_kernel(const float *in, size_t n, unsigned char *out, int levels, uint64_t seed, bool in_wide,
                                    bool out_wide) {
  const int lane = threadIdx.x % LANES;
  const size_t nb = (n + BLOCK - 1) / BLOCK;
  const size_t warp_first = (size_t)blockIdx.x * WARPS + threadIdx.x / LANES;
  const size_t warp_stride = (size_t)gridDim.x * WARPS;
  unsigned char *codes = out + 4 * nb;
  for (size_t b = warp_first; b < nb; b += warp_stride) {
    size_t start = b * BLOCK;
    int len = n - start < BLOCK ? (int)(n - start) : BLOCK;
    float v[PER_LANE];
    load_lane(in + start, len, lane, in_wide, v);
    if (KIND == CC_COMP_INT8) absmax_block<false>(v, len, lane, start, 127, seed, out + 4 * b, codes, out_wide);
    if (KIND == CC_COMP_INT4) absmax_block<true>(v, len, lane, start, 7, seed, out + 4 * b, codes, out_wide);
    if (KIND == CC_COMP_QSGD) qsgd_block(v, len, lane, start, levels, seed, out + 4 * b, codes, out_wide);
    if (KIND == CC_COMP_SIGN) sign_block(v, len, lane, start, out + 4 * b, codes, out_wide);
  }
}

// --- decode-add ----------------------------------------------------------------------------------

// What element i decodes to, given its block's f32 (scale, or qsgd's norm / s).
template <cc_comp_kind KIND>
static __device__ __forceinline__ float decode_one(const unsigned char *codes, size_t i, float unit) {
  if (KIND == CC_COMP_INT4) {
    unsigned byte = codes[i / 2];
    int q = (int)(((i % 2 ? byte >> 4 : byte) & 0xfu) ^ 8u) - 8;  // sign-extend the nibble
    return (float)q * unit;
  }
  if (KIND == CC_COMP_SIGN) return (codes[i / 8] >> (i % 8)) & 1u ? -unit : unit;
  return (float)(signed char)codes[i] * unit;
}

template <cc_comp_kind KIND>
static __device__ __forceinline__ float block_unit(const unsigned char *payload, size_t b, int levels, bool aligned) {
  float f = load_f32(payload + 4 * b, aligned);
  return KIND == CC_COMP_QSGD ? f / (float)levels : f;  // qsgd: the grid spacing norm / s
}

// Elements per wide group: 4 bytes of codes (int8, qsgd, int4) or 1 byte of bits (sign).
template <cc_comp_kind KIND>
struct group_of {
  static constexpr int size = KIND == CC_COMP_INT8 || KIND == CC_COMP_QSGD ? 4 : 8;
};

template <cc_comp_kind KIND>
__global__ void quant_decode_add_kernel(const unsigned char *payload, size_t n, float *acc, int levels, bool wide,
                                        bool payload_aligned) {
  const int G = group_of<KIND>::size;
  const size_t first = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  const size_t nb = (n + BLOCK - 1) / BLOCK;
  const unsigned char *codes = payload + 4 * nb;
  const size_t ngroups = wide ? n / G : 0;
  for (size_t g = first; g < ngroups; g += stride) {
    size_t i0 = g * G;  // groups never straddle blocks: G divides 256
    float unit = block_unit<KIND>(payload, i0 / BLOCK, levels, payload_aligned);
    float d[8];
    if (KIND == CC_COMP_SIGN) {
      unsigned byte = codes[i0 / 8];
#pragma unroll
      for (int k = 0; k < 8; k++) d[k] = (byte >> k) & 1u ? -unit : unit;
    } else {
      uint32_t w = *(const uint32_t *)(codes + (KIND == CC_COMP_INT4 ? i0 / 2 : i0));
#pragma unroll
      for (int k = 0; k < G; k++) {
        int q = KIND == CC_COMP_INT4 ? (int)(((w >> 4 * k) & 0xfu) ^ 8u) - 8 : (int)(signed char)(w >> 8 * k);
        d[k] = (float)q * unit;
      }
    }
    float4 *a4 = (float4 *)(acc + i0);
#pragma unroll
    for (int j = 0; j < G / 4; j++) {
      float4 a = a4[j];
      a.x += d[4 * j], a.y += d[4 * j + 1], a.z += d[4 * j + 2], a.w += d[4 * j + 3];
      a4[j] = a;
    }
  }
  // Whatever the groups left: the tail, or every element when not wide.
  const size_t done = ngroups * G;
  for (size_t i = done + first; i < n; i += stride)
    acc[i] += decode_one<KIND>(codes, i, block_unit<KIND>(payload, i / BLOCK, levels, payload_aligned));
}

// --- dispatch ------------------------------------------------------------------------------------

template <cc_comp_kind KIND>
static void launch_encode(const float *in, size_t n, void *out, int levels, uint64_t seed, cudaStream_t s) {
  size_t nb = (n + BLOCK - 1) / BLOCK;
  bool in_wide = (uintptr_t)in % 16 == 0, out_wide = (uintptr_t)out % 4 == 0;
  unsigned blocks = cc_cuda_grid_blocks(nb, WARPS, BLOCKS_PER_SM);
  quant_encode_kernel<KIND><<<blocks, ENCODE_THREADS, 0, s>>>(in, n, (unsigned char *)out, levels, seed, in_wide, out_wide);
  CC_CHECK_CUDA(cudaGetLastError());
}

template <cc_comp_kind KIND>
static void launch_decode_add(const void *payload, size_t n, float *acc, int levels, cudaStream_t s) {
  const int G = group_of<KIND>::size;
  bool payload_aligned = (uintptr_t)payload % 4 == 0;
  bool wide = (uintptr_t)acc % 16 == 0 && (payload_aligned || KIND == CC_COMP_SIGN);
  size_t items = wide ? n / G + G : n;  // groups, and the tail's scalar elements
  unsigned blocks = cc_cuda_grid_blocks(items, DECODE_THREADS, BLOCKS_PER_SM);
  quant_decode_add_kernel<KIND><<<blocks, DECODE_THREADS, 0, s>>>((const unsigned char *)payload, n, acc, levels, wide,
                                                                  payload_aligned);
  CC_CHECK_CUDA(cudaGetLastError());
}

void cc_cuda_quant_encode(const cc_compressor *c, const float *in, size_t n, void *out, uint64_t seed, cudaStream_t s) {
  if (c->kind == CC_COMP_QSGD && (c->levels < 1 || c->levels > 127))
    CC_FATAL("qsgd: %d levels, want 1..127", c->levels);
  if (n == 0) return;
  switch (c->kind) {
    case CC_COMP_INT8: launch_encode<CC_COMP_INT8>(in, n, out, 127, seed, s); return;
    case CC_COMP_INT4: launch_encode<CC_COMP_INT4>(in, n, out, 7, seed, s); return;
    case CC_COMP_QSGD: launch_encode<CC_COMP_QSGD>(in, n, out, c->levels, seed, s); return;
    case CC_COMP_SIGN: launch_encode<CC_COMP_SIGN>(in, n, out, 0, seed, s); return;
    default: CC_FATAL("cc_cuda_quant_encode: %s is not a quantizer", cc_comp_kind_name(c->kind));
  }
}

void cc_cuda_quant_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc, cudaStream_t s) {
  if (n == 0) return;
  switch (c->kind) {
    case CC_COMP_INT8: launch_decode_add<CC_COMP_INT8>(payload, n, acc, 127, s); return;
    case CC_COMP_INT4: launch_decode_add<CC_COMP_INT4>(payload, n, acc, 7, s); return;
    case CC_COMP_QSGD: launch_decode_add<CC_COMP_QSGD>(payload, n, acc, c->levels, s); return;
    case CC_COMP_SIGN: launch_decode_add<CC_COMP_SIGN>(payload, n, acc, 0, s); return;
    default: CC_FATAL("cc_cuda_quant_decode_add: %s is not a quantizer", cc_comp_kind_name(c->kind));
  }
}
