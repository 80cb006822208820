// Per-scheme encoders and decoders behind compressor.c's dispatch. One file per family:
// cast.c (fp16, bf16), quantize.c (int8, int4, qsgd, sign), sparsify.c (topk, randk).
// Payload layouts are documented beside each function's definition and in docs/compress.md.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/rng.h"
#include "compress/compressor.h"

static inline size_t cc_comp_blocks(size_t n) { return (n + CC_COMP_BLOCK - 1) / CC_COMP_BLOCK; }

// cast.c
size_t cc_cast_bytes(size_t n);
void cc_cast_encode(cc_comp_kind kind, const float *in, size_t n, void *out);
void cc_cast_decode_add(cc_comp_kind kind, const void *payload, size_t n, float *acc);

// quantize.c: int8/int4 (block absmax, stochastic rounding), qsgd (bucket norm, s levels), sign.
size_t cc_quant_bytes(const cc_compressor *c, size_t n);
void cc_quant_encode(const cc_compressor *c, const float *in, size_t n, void *out, cc_rng *rng);
void cc_quant_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc);

// sparsify.c: k = cc_sparse_k(ratio, n) elements.
size_t cc_sparse_k(double ratio, size_t n);
size_t cc_sparse_bytes(const cc_compressor *c, size_t n);
// Elements the approximate topk samples for its threshold (m <= n; m == n: the whole tensor).
size_t cc_topk_sample_size(double ratio, size_t n);
// randk's position j of k (0 <= j < k <= n < 2^32) for a shared seed: a systematic sample, one offset in
// [0, n) and one position per stretch of n/k elements (sparsify.c says why). Inline, host and device,
// so the GPU encoder (kernels/sparse_cuda.cu) computes the same positions.
static inline CC_RNG_HD uint64_t cc_randk_offset(uint64_t shared_seed, uint64_t n) {
  return cc_hash_below(shared_seed, 0, n);
}
static inline CC_RNG_HD uint64_t cc_randk_position(uint64_t j, uint64_t n, uint64_t k, uint64_t offset) {
  return (j * n + offset) / k;
}
void cc_sparse_encode(const cc_compressor *c, const float *in, size_t n, void *out, cc_rng *rng, uint64_t shared_seed);
void cc_sparse_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc, uint64_t shared_seed);
