// AdamW, gradient-norm clipping and the learning-rate schedule of the trainer.
//
// AdamW as Loshchilov & Hutter define it (and as PyTorch's torch.optim.AdamW computes it): the weight
// decay is applied to the parameter directly, not folded into the gradient, so Adam's scaling does not
// shrink it. With step t counted from 1:
//   m = b1 m + (1 - b1) g        v = b2 v + (1 - b2) g^2
//   p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)  +  lr wd p
#pragma once
#include <stdbool.h>
#include <stddef.h>

typedef struct {
  double beta1, beta2, eps, weight_decay;
} adamw_params;

// One AdamW update of n parameters. `t` is the 1-based step; decay false skips the weight decay
// (biases, LayerNorm parameters).
void adamw_update(float *params, const float *grads, float *m, float *v, size_t n, long long t, double lr,
                  const adamw_params *hp, bool decay);

// Euclidean norm of the gradient, accumulated in double so the result does not depend on how large
// the model is relative to f32's precision.
double grad_norm(const float *grads, size_t n);
// Scales the gradient so its norm is at most max_norm (no-op when max_norm <= 0 or the norm is below
// it). Returns the factor applied (1 when none).
double clip_grad_norm(float *grads, size_t n, double norm, double max_norm);

// Linear warm-up from max_lr / warmup to max_lr over the first `warmup` steps (0-based step), then a
// cosine decay from max_lr at step `warmup` toward min_lr, which it would reach at step `total`.
double lr_cosine(long long step, long long warmup, long long total, double max_lr, double min_lr);
