// AdamW, gradient clipping and the cosine schedule (see optim.h).
#include "trainer/optim.h"

#include <math.h>

void adamw_update(float *params, const float *grads, float *m, float *v, size_t n, long long t, double lr,
                  const adamw_params *hp, bool decay) {
  // Bias corrections computed once per call in double: b^t underflows gracefully and stays exact for
  // the first steps, where it matters most.
  float b1 = (float)hp->beta1, b2 = (float)hp->beta2;
  float correct1 = (float)(1.0 / (1.0 - pow(hp->beta1, (double)t)));
  float correct2 = (float)(1.0 / (1.0 - pow(hp->beta2, (double)t)));
  float step = (float)lr, eps = (float)hp->eps, wd = decay ? (float)hp->weight_decay : 0.0f;
  for (size_t i = 0; i < n; i++) {
    float g = grads[i];
    float mi = b1 * m[i] + (1.0f - b1) * g;
    float vi = b2 * v[i] + (1.0f - b2) * g * g;
    m[i] = mi;
    v[i] = vi;
    float update = (mi * correct1) / (sqrtf(vi * correct2) + eps);
    params[i] -= step * (update + wd * params[i]);
  }
}

double grad_norm(const float *grads, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += (double)grads[i] * grads[i];
  return sqrt(sum);
}

double clip_grad_norm(float *grads, size_t n, double norm, double max_norm) {
  if (max_norm <= 0 || !(norm > max_norm)) return 1.0;
  // The small epsilon keeps the scaled norm just under the limit, as the usual implementations do.
  float scale = (float)(max_norm / (norm + 1e-6));
  for (size_t i = 0; i < n; i++) grads[i] *= scale;
  return scale;
}

double lr_cosine(long long step, long long warmup, long long total, double max_lr, double min_lr) {
  if (step < warmup) return max_lr * (double)(step + 1) / (double)warmup;
  if (step >= total) return min_lr;
  double progress = (double)(step - warmup) / (double)(total - warmup);  // [0, 1)
  return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + cos(acos(-1.0) * progress));
}
