// CUDA twins of compress/quantize.c (int8, int4, qsgd, sign): the same payload bytes, on a stream.
//
// The C encode with an rng whose next draw is `seed` writes the same bytes as the device encode given
// `seed` (the draws are counter-based: docs/compress.md). Asynchronous on stream s; n = 0 enqueues
// nothing. Payloads may sit at any byte offset (allgathered payloads lie back to back); a 4-byte aligned
// payload and a 16-byte aligned `in`/`acc` take the wide path.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "common/compressor_spec.h"

void cc_cuda_quant_encode(const cc_compressor *c, const float *in, size_t n, void *out, uint64_t seed,
                          cudaStream_t s);
void cc_cuda_quant_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc, cudaStream_t s);

#ifdef __cplusplus
}
#endif
