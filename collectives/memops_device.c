// Device memory operations: cudaMalloc'd buffers, every operation enqueued on the collectives stream
// (device.h), reductions by the CUDA twins of the C kernels (kernels/reduce_cuda.h, the same bits).
#include "collectives/memops.h"

#include "collectives/device.h"
#include "common/check_cuda.h"
#include "kernels/reduce_cuda.h"

static void device_copy(void *dst, const void *src, size_t bytes) {
  if (dst != src && bytes)
    CC_CHECK_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, cc_device_stream()));
}

static void device_reduce(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cc_redop op) {
  cc_cuda_reduce(dst, a, b, n, t, op, cc_device_stream());
}

static void device_divide(void *buf, size_t n, cc_dtype t, double divisor) {
  cc_cuda_divide(buf, n, t, divisor, cc_device_stream());
}

static void device_sync(void) { CC_CHECK_CUDA(cudaStreamSynchronize(cc_device_stream())); }

static void device_to_host(void *host_dst, const void *src, size_t bytes) {
  if (!bytes) return;
  CC_CHECK_CUDA(cudaMemcpyAsync(host_dst, src, bytes, cudaMemcpyDeviceToHost, cc_device_stream()));
  device_sync();
}

static void device_from_host(void *dst, const void *host_src, size_t bytes) {
  if (bytes) CC_CHECK_CUDA(cudaMemcpyAsync(dst, host_src, bytes, cudaMemcpyHostToDevice, cc_device_stream()));
}

static void *pinned_alloc(size_t bytes) {
  void *p = NULL;
  CC_CHECK_CUDA(cudaMallocHost(&p, bytes ? bytes : 1));
  return p;
}

static void pinned_free(void *p) {
  if (!p) return;
  device_sync();  // a queued copy may still read it
  CC_CHECK_CUDA(cudaFreeHost(p));
}

const cc_memops cc_device_memops = {
    .kind = CC_MEM_DEVICE,
    .alloc = cc_device_alloc,
    .free = cc_device_free,
    .copy = device_copy,
    .reduce = device_reduce,
    .divide = device_divide,
    .to_host = device_to_host,
    .from_host = device_from_host,
    .staging_alloc = pinned_alloc,
    .staging_free = pinned_free,
    .sync = device_sync,
};
