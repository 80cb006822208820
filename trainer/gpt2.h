// The GPT-2 model on the CPU: parameters, gradients and activations, forward and backward in f32.
//
// Same math as OpenAI's GPT-2: token + position embedding, L pre-LayerNorm blocks (causal
// multi-head attention, GELU-tanh MLP), final LayerNorm and an LM head tied to the token embedding.
// The loss is the mean cross-entropy over the V real tokens; the padded vocabulary rows of wte
// never enter the softmax and get exactly zero gradient. Single-threaded and deterministic: the
// same parameters and tokens give the same bits. Parameters and gradients are flat arrays in
// gpt2_config.h's layout.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "trainer/gpt2_config.h"

typedef struct gpt2 gpt2;

// Parameters (zero until gpt2_init_params or a load), gradients (zero) and activations for batches
// up to B x T (T <= max_seq_len). Fatal on a bad config. Activations take about
// 4 B T (L (16 C + NH T) + V + 12 C) bytes: every layer keeps its attention probabilities.
gpt2 *gpt2_create(const gpt2_config *c, int B, int T);
void gpt2_free(gpt2 *m);
const gpt2_config *gpt2_get_config(const gpt2 *m);
float *gpt2_params(gpt2 *m);  // gpt2_num_params elements, gpt2_param_offsets layout
float *gpt2_grads(gpt2 *m);   // same layout
size_t gpt2_param_count(const gpt2 *m);

// GPT-2's init: weights N(0, 0.02), the two projections into the residual stream (attprojw,
// fcprojw) N(0, 0.02 / sqrt(2L)), LayerNorm weights 1, biases 0, padded wte rows 0. Deterministic
// from seed.
void gpt2_init_params(gpt2 *m, uint64_t seed);

// inputs, targets: B*T token ids in [0, V) (fatal otherwise); targets may be NULL. B, T at most the
// sizes given to gpt2_create. Returns the mean cross-entropy over the B*T positions, NAN without
// targets.
float gpt2_forward(gpt2 *m, const int *inputs, const int *targets, int B, int T);
// Next-token probabilities of the last forward, (B, T, V) over the real vocabulary; valid until the
// next forward.
const float *gpt2_probs(const gpt2 *m);

void gpt2_zero_grads(gpt2 *m);
// Adds the gradient of the last forward's mean loss to the gradients (fatal if it had no targets).
// Does not change the activations, so it can run again on the same forward.
void gpt2_backward(gpt2 *m);
// Calls done(ctx, stage) inside every later gpt2_backward, as each stage of the gradient is final
// (gpt2_config.h's gpt2_grad_stage): a data-parallel trainer starts averaging those gradients while
// backward goes on. NULL removes the hook.
void gpt2_backward_hook(gpt2 *m, void (*done)(void *ctx, int stage), void *ctx);
