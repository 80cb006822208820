// AdamW, gradient norm and clipping on device arrays: the twins of trainer/optim.h, for the GPU
// trainer whose parameters, gradients and Adam moments live in device memory.
//
// adamw_update_cuda and clip_grad_norm_cuda are compiled without fused multiply-adds and compute the
// CPU's float expressions in the CPU's order (IEEE division and sqrtf on both sides), so they give the
// CPU's bits exactly. grad_norm_cuda sums the squares in double in a fixed tree (a fixed grid, not one
// sized from the GPU), so its result is the same on every run and every GPU, and differs from the CPU's
// sequential double sum only by double rounding.
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include <cuda_runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "trainer/optim.h"

// As adamw_update, enqueued on `stream`.
void adamw_update_cuda(float *params, const float *grads, float *m, float *v, size_t n, long long t, double lr,
                       const adamw_params *hp, bool decay, cudaStream_t stream);

// Device scratch grad_norm_cuda needs, in doubles.
#define GRAD_NORM_WORKSPACE 1025

// As grad_norm: the Euclidean norm of n device floats, accumulated in double. Waits for the stream
// (the result is a host value). workspace: GRAD_NORM_WORKSPACE doubles of device memory.
double grad_norm_cuda(const float *grads, size_t n, double *workspace, cudaStream_t stream);
// As clip_grad_norm: scales the device gradient so its norm is at most max_norm (norm from
// grad_norm_cuda); returns the factor (1 when none), the multiply enqueued on `stream`.
double clip_grad_norm_cuda(float *grads, size_t n, double norm, double max_norm, cudaStream_t stream);

#ifdef __cplusplus
}
#endif
