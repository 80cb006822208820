// The f64 twin of the GPT-2 model, for tests: the same code as gpt2.h (trainer/gpt2_layers.h
// compiled with REAL = double, with tiny cache blocks), so finite differences can check its
// gradients far below f32 rounding and the f32 model can be compared against it. Each function
// behaves as its gpt2_* namesake.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "trainer/gpt2_config.h"

typedef struct gpt2_f64 gpt2_f64;

gpt2_f64 *gpt2_f64_create(const gpt2_config *c, int B, int T);
void gpt2_f64_free(gpt2_f64 *m);
const gpt2_config *gpt2_f64_get_config(const gpt2_f64 *m);
double *gpt2_f64_params(gpt2_f64 *m);
double *gpt2_f64_grads(gpt2_f64 *m);
size_t gpt2_f64_param_count(const gpt2_f64 *m);
void gpt2_f64_init_params(gpt2_f64 *m, uint64_t seed);
double gpt2_f64_forward(gpt2_f64 *m, const int *inputs, const int *targets, int B, int T);
const double *gpt2_f64_probs(const gpt2_f64 *m);
void gpt2_f64_zero_grads(gpt2_f64 *m);
void gpt2_f64_backward(gpt2_f64 *m);
void gpt2_f64_backward_hook(gpt2_f64 *m, void (*done)(void *ctx, int stage), void *ctx);
