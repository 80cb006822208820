// CUDA twins of compress/sparsify.c (topk exact and approximate, randk): the same payload bytes, on a
// stream. Layouts, tie rule and sampling are the C reference's (sparsify.c, docs/compress.md).
//
// All calls are asynchronous on stream s: nothing waits for the GPU, no result comes back to the host
// (approximate topk's count is decided on the device and written into the payload). Pointers are
// device memory. Payloads may sit at any 4-byte aligned address (allgathered payloads lie back to
// back); `in` and `acc` need only float alignment. n < 2^32, as for the C reference (fatal otherwise).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "common/compressor_spec.h"

// Device bytes of scratch cc_cuda_topk_encode needs for n elements (any alignment; 0 for randk). Exact:
// about 16 KB + n/512 bytes. Approximate: that plus the sample (4 m bytes, m = about n/100) and room for
// 2k candidate indices.
size_t cc_cuda_sparse_workspace_bytes(const cc_compressor *c, size_t n);

// topk:r and topk:r,approx (c->approx). Writes cc_compressed_bytes(c, n) bytes at `out`, equal to what
// cc_compress_encode writes: exact topk by a radix select on the 31-bit magnitude key, approximate topk
// from the sample of `seed` (the C encode with an rng whose next draw is `seed` gives the same payload;
// exact topk ignores it). `workspace` holds cc_cuda_sparse_workspace_bytes(c, n) bytes; its contents on
// entry do not matter, and one workspace serves one encode at a time (stream order).
void cc_cuda_topk_encode(const cc_compressor *c, const float *in, size_t n, void *out, uint64_t seed,
                         void *workspace, cudaStream_t s);

// randk:r. Writes k floats at `out`: value j = in[position j] * n/k (unscaled with +ef), positions from
// shared_seed as in sparsify.c. The same bits as the C reference for finite inputs (a NaN stays a NaN).
void cc_cuda_randk_encode(const cc_compressor *c, const float *in, size_t n, void *out, uint64_t shared_seed,
                          cudaStream_t s);

// acc[i] += decoded element i for a topk or randk payload of n elements (randk: with the encode's
// shared_seed): one f32 addition per sent element, the C reference's bits. The positions of one payload
// are distinct, so no atomics; decoding several payloads into one acc must be ordered on the stream
// (as the C reference adds them in rank order). A corrupt topk payload (count above k, index >= n) stops
// the kernel with a trap, which the next CUDA call reports, as the C reference stops with CC_FATAL.
void cc_cuda_sparse_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc,
                               uint64_t shared_seed, cudaStream_t s);

#ifdef __cplusplus
}
#endif
