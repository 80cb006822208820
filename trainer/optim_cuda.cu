// AdamW, gradient norm and clipping on the GPU (optim_cuda.h). Built with --fmad=false (CMake): a
// fused multiply-add would skip a rounding the CPU code does, and the promise is the CPU's bits.
#include "kernels/common_cuda.h"

#include <math.h>

#include "kernels/cuda_device.h"
#include "trainer/optim_cuda.h"
#include "trainer/adamw_step.h"

#include "kernels/block_scan_cuda.h"

static const unsigned THREADS = 256;
// Fixed, not sized from the GPU: the norm's summation tree is then the same on every GPU.
static const unsigned NORM_BLOCKS = GRAD_NORM_WORKSPACE - 1;

static __global__ void adamw_kernel(float *params, const float *grads, float *m, float *v, size_t n, adamw_scalars k) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    adamw_step_one(&params[i], grads[i], &m[i], &v[i], k);
}

void adamw_update_cuda(float *params, const float *grads, float *m, float *v, size_t n, long long t, double lr,
                       const adamw_params *hp, bool decay, cudaStream_t stream) {
  if (n == 0) return;
  adamw_scalars k = adamw_scalars_at(hp, t, lr, decay);  // exactly as adamw_update
  adamw_kernel<<<cc_cuda_grid_blocks(n, THREADS, 8), THREADS, 0, stream>>>(params, grads, m, v, n, k);
  CC_CHECK_CUDA(cudaGetLastError());
}

// partial[block] = sum of g^2 (in double) over the block's grid-stride share.
static __global__ void sum_squares_kernel(double *partial, const float *g, size_t n) {
  double s = 0.0;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    s += (double)g[i] * g[i];
  s = cc_block_sum_double(s);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// *total = sum of the NORM_BLOCKS partials: one block, one partial per thread.
static __global__ void sum_partials_kernel(double *total, const double *partial, unsigned count) {
  double s = threadIdx.x < count ? partial[threadIdx.x] : 0.0;
  s = cc_block_sum_double(s);
  if (threadIdx.x == 0) *total = s;
}

double grad_norm_cuda(const float *grads, size_t n, double *workspace, cudaStream_t stream) {
  sum_squares_kernel<<<NORM_BLOCKS, THREADS, 0, stream>>>(workspace, grads, n);
  CC_CHECK_CUDA(cudaGetLastError());
  sum_partials_kernel<<<1, NORM_BLOCKS, 0, stream>>>(workspace + NORM_BLOCKS, workspace, NORM_BLOCKS);
  CC_CHECK_CUDA(cudaGetLastError());
  double sum;
  CC_CHECK_CUDA(cudaMemcpyAsync(&sum, workspace + NORM_BLOCKS, sizeof sum, cudaMemcpyDeviceToHost, stream));
  CC_CHECK_CUDA(cudaStreamSynchronize(stream));
  return sqrt(sum);
}

static __global__ void scale_kernel(float *g, size_t n, float scale) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    g[i] *= scale;
}

double clip_grad_norm_cuda(float *grads, size_t n, double norm, double max_norm, cudaStream_t stream) {
  if (max_norm <= 0 || !(norm > max_norm)) return 1.0;
  float scale = (float)(max_norm / (norm + 1e-6));  // as clip_grad_norm
  if (n > 0) {
    scale_kernel<<<cc_cuda_grid_blocks(n, THREADS, 8), THREADS, 0, stream>>>(grads, n, scale);
    CC_CHECK_CUDA(cudaGetLastError());
  }
  return scale;
}
