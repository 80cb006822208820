// CUDA twins of compress/cast.c (fp16, bf16): the same payload bits, on a stream.
//
// Payload: n uint16_t (2-byte aligned, as the C reference needs). Asynchronous on stream s; n = 0
// enqueues nothing. 16-byte aligned in/out/acc (or pointers that reach 16-byte alignment at the same
// element) take the wide path: 8 elements per thread per step.
#pragma once
#include <stddef.h>

#include <cuda_runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "common/compressor_spec.h"

// out[i] = in[i] rounded to nearest-even f16 (kind CC_COMP_FP16) or bf16 (CC_COMP_BF16).
void cc_cuda_cast_encode(cc_comp_kind kind, const float *in, size_t n, void *out, cudaStream_t s);
// acc[i] += widened payload[i] (one f32 addition).
void cc_cuda_cast_decode_add(cc_comp_kind kind, const void *payload, size_t n, float *acc, cudaStream_t s);

#ifdef __cplusplus
}
#endif
