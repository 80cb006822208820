// AdamW, gradient clipping and the cosine schedule (see optim.h).
#include "trainer/optim.h"
#include "trainer/adamw_step.h"

#include <math.h>
#include <stdlib.h>

#include "common/error.h"

// The loops run on the model's OpenMP threads (cpu_threads.h); every result is the same bits on any
// number of them: elementwise updates, and the norm's sum in fixed chunks added in order.
enum { NORM_CHUNK = 1 << 15 };

void adamw_update(float *params, const float *grads, float *m, float *v, size_t n, long long t, double lr,
                  const adamw_params *hp, bool decay) {
  adamw_scalars k = adamw_scalars_at(hp, t, lr, decay);
#pragma omp parallel for schedule(static) if (n > NORM_CHUNK)
  for (size_t i = 0; i < n; i++) adamw_step_one(&params[i], grads[i], &m[i], &v[i], k);
}

double grad_norm(const float *grads, size_t n) {
  size_t chunks = (n + NORM_CHUNK - 1) / NORM_CHUNK;
  double *partial = cc_malloc((chunks ? chunks : 1) * sizeof *partial);
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (size_t c = 0; c < chunks; c++) {
    size_t end = (c + 1) * NORM_CHUNK < n ? (c + 1) * NORM_CHUNK : n;
    double sum = 0;
    for (size_t i = c * NORM_CHUNK; i < end; i++) sum += (double)grads[i] * grads[i];
    partial[c] = sum;
  }
  double sum = 0;
  for (size_t c = 0; c < chunks; c++) sum += partial[c];
  free(partial);
  return sqrt(sum);
}

double clip_grad_norm(float *grads, size_t n, double norm, double max_norm) {
  if (max_norm <= 0 || !(norm > max_norm)) return 1.0;
  // The small epsilon keeps the scaled norm just under the limit, as the usual implementations do.
  float scale = (float)(max_norm / (norm + 1e-6));
#pragma omp parallel for schedule(static) if (n > NORM_CHUNK)
  for (size_t i = 0; i < n; i++) grads[i] *= scale;
  return scale;
}

double lr_cosine(long long step, long long warmup, long long total, double max_lr, double min_lr) {
  if (step < warmup) return max_lr * (double)(step + 1) / (double)warmup;
  if (step >= total) return min_lr;
  double progress = (double)(step - warmup) / (double)(total - warmup);  // [0, 1)
  return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + cos(acos(-1.0) * progress));
}
