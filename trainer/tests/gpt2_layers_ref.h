// Test-only access to the CPU model's layer functions: gpt2_layers_ref.c compiles trainer/gpt2_layers.h
// once more, with gpt2.c's f32 settings, under its own names, and wraps the static layer functions so
// the GPU tests can run each CPU layer on its own. The CPU model itself (gpt2.c) is untouched.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "trainer/gpt2_config.h"

// The model API of this instantiation (the same code as gpt2_*; declared because the template defines
// it, unused by the tests).
typedef struct gpt2_ref gpt2_ref;
gpt2_ref *gpt2_ref_create(const gpt2_config *c, int B, int T);
void gpt2_ref_free(gpt2_ref *m);
const gpt2_config *gpt2_ref_get_config(const gpt2_ref *m);
float *gpt2_ref_params(gpt2_ref *m);
float *gpt2_ref_grads(gpt2_ref *m);
size_t gpt2_ref_param_count(const gpt2_ref *m);
const float *gpt2_ref_probs(const gpt2_ref *m);
void gpt2_ref_init_params(gpt2_ref *m, uint64_t seed);
void gpt2_ref_zero_grads(gpt2_ref *m);
float gpt2_ref_forward(gpt2_ref *m, const int *inputs, const int *targets, int B, int T);
void gpt2_ref_backward(gpt2_ref *m);
void gpt2_ref_backward_hook(gpt2_ref *m, void (*done)(void *ctx, int stage), void *ctx);

// The layers, as gpt2_layers.h defines them (host arrays; scratch allocated inside).
void ref_encoder_forward(float *out, const int *tokens, const float *wte, const float *wpe, int B, int T, int C);
void ref_encoder_backward(float *dwte, float *dwpe, const float *dout, const int *tokens, int B, int T, int C);
void ref_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w, const float *b,
                           int N, int C);
void ref_layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp, const float *w,
                            const float *mean, const float *rstd, int N, int C);
// out = [residual +] inp W^T [+ bias] (residual, bias may be NULL), as the model uses matmul_forward.
void ref_matmul_forward(float *out, const float *inp, const float *w, const float *bias, const float *residual,
                        int N, int IC, int OC);
void ref_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp, const float *w,
                         int N, int IC, int OC);
void ref_gelu_forward(float *out, const float *inp, size_t n);
void ref_gelu_backward(float *d, const float *inp, size_t n);
void ref_attention_forward(float *out, float *att, const float *qkv, int B, int T, int C, int NH);
void ref_attention_backward(float *dqkv, const float *dout, const float *qkv, const float *att, int B, int T, int C,
                            int NH);
// logits (N, V) -> probs in place; losses when targets is not NULL.
void ref_crossentropy_forward(float *probs, float *losses, const int *targets, int N, int V);
