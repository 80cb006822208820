// Device compression: the CUDA twin of compress/compressor.h's encode and decode-add, dispatching to
// one file per family (cast_cuda.cu, quantize_cuda.cu; top-k and rand-k in sparse_cuda.cu).
//
// Same payload layout and bits as the C reference. All calls are asynchronous on stream s; pointers
// are device memory. PowerSGD compresses matrices (compress/powersgd.h); here, as in the C dispatch,
// its "payload" is the raw f32 vector.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "common/compressor_spec.h"

// Encodes n f32 elements of device `in` into device `out` (cc_compressed_bytes(c, n) bytes, same layout
// as the C reference). `seed` replaces the C reference's cc_rng: the C encode with an rng whose next
// draw is `seed` gives the same payload. `workspace` holds cc_cuda_compress_workspace_bytes(c, n)
// device bytes (may be NULL when that is 0).
void cc_cuda_compress_encode(const cc_compressor *c, const float *in, size_t n, void *out, uint64_t seed,
                             uint64_t shared_seed, void *workspace, cudaStream_t s);
// acc[i] += decoded element i of a payload of n elements (randk: with the encode's shared_seed).
void cc_cuda_compress_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc,
                                 uint64_t shared_seed, cudaStream_t s);
// Device scratch bytes cc_cuda_compress_encode needs for n elements (0 for every dense scheme).
size_t cc_cuda_compress_workspace_bytes(const cc_compressor *c, size_t n);

#ifdef __cplusplus
}
#endif
