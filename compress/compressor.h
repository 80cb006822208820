// Gradient compressors: the C reference every later kernel (GPU included) is tested against.
//
// A compressor turns n f32 gradient elements into a payload of compressed_bytes(n) bytes and back.
// The spelling and the parsed form (cc_compressor) are in common/compressor_spec.h.
//
// Payloads carry everything decoding needs except what every rank can recompute (randk's indices come
// from a seed all ranks share). Stochastic rounding and sampling draw from a cc_rng the caller seeds, so a run
// is reproducible: the same seed, step and rank give the same payload.
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/compressor_spec.h"
#include "common/rng.h"

// Payload bytes for n elements (PowerSGD: see powersgd.h; here the uncompressed 4n).
size_t cc_compressed_bytes(const cc_compressor *c, size_t n);

// Encodes n elements of `in` into `out` (cc_compressed_bytes(c, n) bytes). `rng` drives stochastic
// rounding and sampling and differs per rank; randk picks its indices from `shared_seed`, the same on
// every rank for a given step and tensor, so every rank sends the same positions.
void cc_compress_encode(const cc_compressor *c, const float *in, size_t n, void *out, cc_rng *rng,
                        uint64_t shared_seed);
// acc[i] += decoded element i, for a payload of n elements (randk: with the encode's shared_seed).
void cc_compress_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc, uint64_t shared_seed);

// Error feedback (Seide et al.; Karimireddy et al.): the part of the gradient a step did not send is
// added to the next step's gradient, so nothing is lost, only delayed. Per tensor:
//   corrected = grad + residual;  payload = encode(corrected);  residual = corrected - decode(payload)
typedef struct {
  float *residual;  // n elements, zero at the start
  size_t n;
} cc_error_feedback;

void cc_ef_init(cc_error_feedback *ef, size_t n);
void cc_ef_free(cc_error_feedback *ef);
// Encodes grad + residual into `out` and updates the residual. `scratch` holds n floats.
void cc_ef_encode(cc_error_feedback *ef, const cc_compressor *c, const float *grad, void *out, float *scratch,
                  cc_rng *rng, uint64_t shared_seed);
