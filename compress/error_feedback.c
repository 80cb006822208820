// Error feedback: what a step's compression dropped is carried into the next step's gradient.
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "compress/compressor.h"

void cc_ef_init(cc_error_feedback *ef, size_t n) {
  ef->n = n;
  ef->residual = cc_calloc(n ? n : 1, sizeof(float));
}

void cc_ef_free(cc_error_feedback *ef) {
  free(ef->residual);
  ef->residual = NULL;
  ef->n = 0;
}

void cc_ef_encode(cc_error_feedback *ef, const cc_compressor *c, const float *grad, void *out, float *scratch,
                  cc_rng *rng, uint64_t shared_seed) {
  size_t n = ef->n;
  float *corrected = ef->residual;  // becomes grad + residual, then what the payload leaves out
  for (size_t i = 0; i < n; i++) corrected[i] += grad[i];
  cc_compress_encode(c, corrected, n, out, rng, shared_seed);
  // residual = corrected - decode(payload): decode into scratch (zeroed), subtract.
  memset(scratch, 0, n * sizeof(float));
  cc_compress_decode_add(c, out, n, scratch, shared_seed);
  for (size_t i = 0; i < n; i++) corrected[i] -= scratch[i];
}
