// The CPU layers for the GPU tests (gpt2_layers_ref.h): trainer/gpt2_layers.h with gpt2.c's f32
// settings, under the names gpt2_ref_* and *_ref.
#include "trainer/tests/gpt2_layers_ref.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#define REAL float
#define MODEL gpt2_ref
#define FN(name) name##_ref
#define API(name) gpt2_ref_##name
#define BLAS_GEMM cblas_sgemm
#define ATT_ROWS 32
#define HEAD_CHUNK 256
#include "trainer/gpt2_layers.h"

// matmul's pack scratch: unused by the BLAS matmul, but the layers take one.
static float *pack_scratch(void) { return cc_calloc(1, sizeof(float)); }

void ref_encoder_forward(float *out, const int *tokens, const float *wte, const float *wpe, int B, int T, int C) {
  encoder_forward_ref(out, tokens, wte, wpe, B, T, C);
}

void ref_encoder_backward(float *dwte, float *dwpe, const float *dout, const int *tokens, int B, int T, int C) {
  encoder_backward_ref(dwte, dwpe, dout, tokens, B, T, C);
}

void ref_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w, const float *b,
                           int N, int C) {
  layernorm_forward_ref(out, mean, rstd, inp, w, b, N, C);
}

void ref_layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp, const float *w,
                            const float *mean, const float *rstd, int N, int C) {
  layernorm_backward_ref(dinp, dw, db, dout, inp, w, mean, rstd, N, C);
}

void ref_matmul_forward(float *out, const float *inp, const float *w, const float *bias, const float *residual,
                        int N, int IC, int OC) {
  float *pack = pack_scratch();
  if (residual) memcpy(out, residual, (size_t)N * OC * sizeof *out);
  matmul_forward_ref(out, inp, w, bias, N, IC, OC, residual != NULL, pack);
  free(pack);
}

void ref_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp, const float *w,
                         int N, int IC, int OC) {
  float *pack = pack_scratch();
  matmul_backward_ref(dinp, dw, dbias, dout, inp, w, N, IC, OC, pack);
  free(pack);
}

void ref_gelu_forward(float *out, const float *inp, size_t n) { gelu_forward_ref(out, inp, n); }
void ref_gelu_backward(float *d, const float *inp, size_t n) {
  float *out = cc_malloc(n * sizeof *out);
  gelu_forward_ref(out, inp, n);
  gelu_backward_ref(d, inp, out, n);
  free(out);
}

void ref_attention_forward(float *out, float *att, const float *qkv, int B, int T, int C, int NH) {
  float *pack = pack_scratch();
  attention_forward_ref(out, att, qkv, B, T, C, NH, pack, 1);
  free(pack);
}

void ref_attention_backward(float *dqkv, const float *dout, const float *qkv, const float *att, int B, int T, int C,
                            int NH) {
  float *pack = pack_scratch(), *dscore = cc_calloc((size_t)T * T, sizeof(float));
  attention_backward_ref(dqkv, dout, qkv, att, B, T, C, NH, dscore, pack, 1);
  free(pack);
  free(dscore);
}

void ref_crossentropy_forward(float *probs, float *losses, const int *targets, int N, int V) {
  crossentropy_forward_ref(probs, losses, targets, N, V);
}
