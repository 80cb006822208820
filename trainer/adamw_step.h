// One AdamW step of one parameter, written once for the CPU loop (optim.c) and the GPU kernel
// (optim_cuda.cu): both round the same float operations in the same order, so with no fused
// multiply-add (the CUDA file is built with --fmad=false) they give the same bits.
#pragma once
#include <math.h>
#include <stdbool.h>

#include "trainer/optim.h"

#ifdef __CUDACC__
#define ADAMW_HD __host__ __device__
#else
#define ADAMW_HD
#endif

// The per-call scalars, in float as the update uses them. The bias corrections are computed in
// double first: b^t underflows gracefully and stays exact for the first steps, where it matters most.
typedef struct {
  float b1, b2, correct1, correct2, lr, eps, wd;
} adamw_scalars;

static inline adamw_scalars adamw_scalars_at(const adamw_params *hp, long long t, double lr, bool decay) {
  return (adamw_scalars){.b1 = (float)hp->beta1, .b2 = (float)hp->beta2,
                         .correct1 = (float)(1.0 / (1.0 - pow(hp->beta1, (double)t))),
                         .correct2 = (float)(1.0 / (1.0 - pow(hp->beta2, (double)t))), .lr = (float)lr,
                         .eps = (float)hp->eps, .wd = decay ? (float)hp->weight_decay : 0.0f};
}

static inline ADAMW_HD void adamw_step_one(float *param, float grad, float *m, float *v, adamw_scalars k) {
  float mi = k.b1 * *m + (1.0f - k.b1) * grad;
  float vi = k.b2 * *v + (1.0f - k.b2) * grad * grad;
  *m = mi;
  *v = vi;
  float update = (mi * k.correct1) / (sqrtf(vi * k.correct2) + k.eps);
  *param -= k.lr * (update + k.wd * *param);
}
