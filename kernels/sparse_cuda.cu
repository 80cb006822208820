// randk encode and the scatter-add decode of topk and randk payloads (kernels/sparse_cuda.h); topk's
// encoders are in topk_cuda.cu.
//
// randk's positions are computed per thread from the shared seed (cc_randk_position, the systematic
// sample of sparsify.c), so encode and decode are one grid-stride loop over the k payload values. A
// payload's positions are distinct (topk: distinct indices; randk: ascending positions), so each thread
// owns its acc element and the decode needs no atomics. The arithmetic is the C reference's: randk
// scales in double and rounds once to f32, decode adds in f32 (this file is built with --fmad=false,
// though nothing here could fuse).
#include <stdio.h>

#include "kernels/common_cuda.h"
#include "kernels/sparse_cuda.h"

extern "C" {
#include "compress/schemes.h"
}

#include "kernels/cuda_device.h"

enum { THREADS = 256, BLOCKS_PER_SM = 8 };

static void randk_check_size(size_t n) {
  if (n > UINT32_MAX) CC_FATAL("randk: %zu elements, at most 2^32 - 1 supported", n);
}

static __global__ void randk_encode_kernel(const float *in, uint64_t n, uint64_t k, uint64_t offset, double scale,
                                           float *out) {
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  for (size_t j = (size_t)blockIdx.x * blockDim.x + threadIdx.x; j < k; j += stride)
    out[j] = (float)((double)in[cc_randk_position(j, n, k, offset)] * scale);
}

static __global__ void randk_decode_kernel(const float *val, uint64_t n, uint64_t k, uint64_t offset, float *acc) {
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  for (size_t j = (size_t)blockIdx.x * blockDim.x + threadIdx.x; j < k; j += stride)
    acc[cc_randk_position(j, n, k, offset)] += val[j];
}

// The count is read on the device (approximate payloads carry fewer than k); threads past it idle. A
// payload the C reference would refuse stops the kernel instead of writing out of bounds.
static __global__ void topk_decode_kernel(const uint32_t *words, uint32_t n, uint32_t k, float *acc) {
  const uint32_t count = words[0];
  if (count > k) {
    if (blockIdx.x == 0 && threadIdx.x == 0) printf("topk payload: count %u exceeds k = %u\n", count, k);
    __trap();
  }
  const uint32_t *idx = words + 1;
  const float *val = (const float *)(idx + count);
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  for (size_t j = (size_t)blockIdx.x * blockDim.x + threadIdx.x; j < count; j += stride) {
    uint32_t i = idx[j];
    if (i >= n) {
      printf("topk payload: index %u out of %u elements\n", i, n);
      __trap();
    }
    acc[i] += val[j];
  }
}

void cc_cuda_randk_encode(const cc_compressor *c, const float *in, size_t n, void *out, uint64_t shared_seed,
                          cudaStream_t s) {
  if (c->kind != CC_COMP_RANDK) CC_FATAL("cc_cuda_randk_encode: %s is not randk", c->name);
  randk_check_size(n);
  size_t k = cc_sparse_k(c->ratio, n);
  if (k == 0) return;
  double scale = c->ef ? 1.0 : (double)n / (double)k;  // as sparsify.c
  unsigned blocks = cc_cuda_grid_blocks(k, THREADS, BLOCKS_PER_SM);
  randk_encode_kernel<<<blocks, THREADS, 0, s>>>(in, n, k, cc_randk_offset(shared_seed, n), scale, (float *)out);
  CC_CHECK_CUDA(cudaGetLastError());
}

void cc_cuda_sparse_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc,
                               uint64_t shared_seed, cudaStream_t s) {
  if (c->kind != CC_COMP_TOPK && c->kind != CC_COMP_RANDK)
    CC_FATAL("cc_cuda_sparse_decode_add: %s is not topk or randk", c->name);
  if (n > UINT32_MAX) CC_FATAL("%s: %zu elements, at most 2^32 - 1 supported", c->name, n);
  size_t k = cc_sparse_k(c->ratio, n);
  if (k == 0) return;
  unsigned blocks = cc_cuda_grid_blocks(k, THREADS, BLOCKS_PER_SM);
  if (c->kind == CC_COMP_RANDK)
    randk_decode_kernel<<<blocks, THREADS, 0, s>>>((const float *)payload, n, k, cc_randk_offset(shared_seed, n),
                                                   acc);
  else
    topk_decode_kernel<<<blocks, THREADS, 0, s>>>((const uint32_t *)payload, (uint32_t)n, (uint32_t)k, acc);
  CC_CHECK_CUDA(cudaGetLastError());
}
