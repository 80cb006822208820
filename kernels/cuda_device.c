// Device discovery that never aborts, and the SM count launch shapes are sized from.
#include "kernels/cuda_device.h"

#include <stdio.h>
#include <stdlib.h>

#include <cuda_runtime.h>

#include "common/check_cuda.h"

// The reason the last cc_cuda_device_count saw no device, for the skip message.
static const char *no_device_reason(int *count) {
  *count = 0;
  int seen = 0;
  cudaError_t rc = cudaGetDeviceCount(&seen);
  if (rc != cudaSuccess) {
    cudaGetLastError();  // not sticky, but leave nothing behind for the next error check
    return cudaGetErrorName(rc);
  }
  if (seen <= 0) return "no device";
  *count = seen;
  return NULL;
}

int cc_cuda_device_count(void) {
  int count;
  no_device_reason(&count);
  return count;
}

int cc_cuda_sm_count(void) {
  enum { MAX_DEVICES = 64 };
  static int sms[MAX_DEVICES];  // 0: not asked yet; a race only asks twice for the same value
  int dev;
  CC_CHECK_CUDA(cudaGetDevice(&dev));
  if (dev >= 0 && dev < MAX_DEVICES && sms[dev] > 0) return sms[dev];
  int count;
  CC_CHECK_CUDA(cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, dev));
  if (dev >= 0 && dev < MAX_DEVICES) sms[dev] = count;
  return count;
}

unsigned cc_cuda_grid_blocks(size_t items, unsigned threads, unsigned blocks_per_sm) {
  size_t needed = (items + threads - 1) / threads;
  size_t cap = (size_t)cc_cuda_sm_count() * blocks_per_sm;
  size_t blocks = needed < cap ? needed : cap;
  return blocks > 0 ? (unsigned)blocks : 1u;
}

void cc_cuda_require_gpu_or_skip(const char *test) {
  int count;
  const char *reason = no_device_reason(&count);
  if (count > 0) return;
  printf("%s: skipped: no GPU visible (%s)\n", test, reason);
  exit(77);
}
