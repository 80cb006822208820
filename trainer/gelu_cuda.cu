// GELU, tanh form, forward and backward (layers_cuda.h): the CPU's formulas, element by element.
// 0.5 x (1 + tanh u) is computed as x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3), as on the CPU.
#include "kernels/common_cuda.h"

#include "kernels/cuda_device.h"
#include "trainer/layers_cuda.h"

static const unsigned THREADS = 256;
#define GELU_SCALE 0.7978845608028654f  // sqrt(2 / pi)
#define GELU_CUBIC 0.044715f

static __global__ void gelu_forward_kernel(float *out, const float *inp, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    float x = inp[i];
    float u = GELU_SCALE * (x + GELU_CUBIC * x * x * x);
    out[i] = x / (1.0f + expf(-2.0f * u));  // expf overflowing to inf for very negative x gives -0: right
  }
}

static __global__ void gelu_backward_kernel(float *d, const float *inp, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    float x = inp[i];
    float u = GELU_SCALE * (x + GELU_CUBIC * x * x * x);
    float s = 1.0f / (1.0f + expf(-2.0f * u));
    float du_dx = GELU_SCALE * (1.0f + 3.0f * GELU_CUBIC * x * x);
    d[i] *= s + 2.0f * x * s * (1.0f - s) * du_dx;
  }
}

void gelu_forward_cuda(const gpt2_cuda_ctx *ctx, float *out, const float *inp, size_t n) {
  if (n == 0) return;
  gelu_forward_kernel<<<cc_cuda_grid_blocks(n, THREADS, 8), THREADS, 0, ctx->stream>>>(out, inp, n);
  CC_CHECK_CUDA(cudaGetLastError());
}

void gelu_backward_cuda(const gpt2_cuda_ctx *ctx, float *d, const float *inp, size_t n) {
  if (n == 0) return;
  gelu_backward_kernel<<<cc_cuda_grid_blocks(n, THREADS, 8), THREADS, 0, ctx->stream>>>(d, inp, n);
  CC_CHECK_CUDA(cudaGetLastError());
}
