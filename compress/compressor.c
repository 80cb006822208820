// Payload sizes and the dispatch to each scheme's encoder and decoder.
#include "compress/compressor.h"

#include <string.h>

#include "compress/schemes.h"

size_t cc_compressed_bytes(const cc_compressor *c, size_t n) {
  switch (c->kind) {
    case CC_COMP_FP16:
    case CC_COMP_BF16: return cc_cast_bytes(n);
    case CC_COMP_INT8:
    case CC_COMP_INT4:
    case CC_COMP_QSGD:
    case CC_COMP_SIGN: return cc_quant_bytes(c, n);
    case CC_COMP_TOPK:
    case CC_COMP_RANDK: return cc_sparse_bytes(c, n);
    default: return n * sizeof(float);
  }
}

void cc_compress_encode(const cc_compressor *c, const float *in, size_t n, void *out, cc_rng *rng,
                        uint64_t shared_seed) {
  switch (c->kind) {
    case CC_COMP_FP16:
    case CC_COMP_BF16: cc_cast_encode(c->kind, in, n, out); return;
    case CC_COMP_INT8:
    case CC_COMP_INT4:
    case CC_COMP_QSGD:
    case CC_COMP_SIGN: cc_quant_encode(c, in, n, out, rng); return;
    case CC_COMP_TOPK:
    case CC_COMP_RANDK: cc_sparse_encode(c, in, n, out, rng, shared_seed); return;
    default: memcpy(out, in, n * sizeof(float)); return;  // PowerSGD compresses matrices: powersgd.h
  }
}

void cc_compress_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc, uint64_t shared_seed) {
  switch (c->kind) {
    case CC_COMP_FP16:
    case CC_COMP_BF16: cc_cast_decode_add(c->kind, payload, n, acc); return;
    case CC_COMP_INT8:
    case CC_COMP_INT4:
    case CC_COMP_QSGD:
    case CC_COMP_SIGN: cc_quant_decode_add(c, payload, n, acc); return;
    case CC_COMP_TOPK:
    case CC_COMP_RANDK: cc_sparse_decode_add(c, payload, n, acc, shared_seed); return;
    default: {
      const float *v = payload;
      for (size_t i = 0; i < n; i++) acc[i] += v[i];
      return;
    }
  }
}
