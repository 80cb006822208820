// fp16 and bf16: each element rounded to nearest-even 16 bits for the wire; decoding widens back to
// f32, where the sums happen. Payload: n uint16_t.
#include <string.h>

#include "compress/schemes.h"
#include "kernels/half.h"  // the inline conversions, so these loops vectorize

size_t cc_cast_bytes(size_t n) { return n * sizeof(uint16_t); }

void cc_cast_encode(cc_comp_kind kind, const float *in, size_t n, void *out) {
  uint16_t *h = out;
  if (kind == CC_COMP_FP16)
    for (size_t i = 0; i < n; i++) h[i] = cc_half_f32_to_f16(in[i]);
  else
    for (size_t i = 0; i < n; i++) h[i] = cc_half_f32_to_bf16(in[i]);
}

void cc_cast_decode_add(cc_comp_kind kind, const void *payload, size_t n, float *acc) {
  const uint16_t *h = payload;
  if (kind == CC_COMP_FP16)
    for (size_t i = 0; i < n; i++) acc[i] += cc_half_f16_to_f32(h[i]);
  else
    for (size_t i = 0; i < n; i++) acc[i] += cc_half_bf16_to_f32(h[i]);
}
