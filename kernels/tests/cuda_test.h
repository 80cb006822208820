// Helpers shared by the GPU tests of kernels/: device buffers with poisoned guard zones, copies back,
// fresh seeds. Plain C over the CUDA runtime API.
#pragma once
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cuda_runtime.h>

#include "common/check_cuda.h"
#include "common/error.h"
#include "common/tests/check.h"

enum { POISON = 0xff, GUARD_BYTES = 64 };  // 0xff..: a NaN in every float type, -1 in every integer

// A device allocation of `bytes` at byte offset `offset` past a 256-byte aligned start (cudaMalloc's),
// with GUARD_BYTES before and after, all of it poisoned.
typedef struct {
  unsigned char *base;  // device
  void *p;              // device: base + GUARD_BYTES + offset
  size_t bytes, offset, total;
} dev_buf;

static inline dev_buf dev_buf_alloc(size_t bytes, size_t offset) {
  dev_buf d = {.bytes = bytes, .offset = offset};
  d.total = GUARD_BYTES + offset + bytes + GUARD_BYTES;
  CC_CHECK_CUDA(cudaMalloc((void **)&d.base, d.total));
  CC_CHECK_CUDA(cudaMemset(d.base, POISON, d.total));
  d.p = d.base + GUARD_BYTES + offset;
  return d;
}

static inline void dev_buf_free(dev_buf *d) {
  CC_CHECK_CUDA(cudaFree(d->base));
  d->base = d->p = NULL;
}

static inline void dev_buf_poison(dev_buf *d) { CC_CHECK_CUDA(cudaMemset(d->base, POISON, d->total)); }

static inline void dev_upload(dev_buf *d, const void *host) {
  if (d->bytes) CC_CHECK_CUDA(cudaMemcpy(d->p, host, d->bytes, cudaMemcpyHostToDevice));
}

static inline void dev_download(void *host, const dev_buf *d) {
  CC_CHECK_CUDA(cudaDeviceSynchronize());  // surfaces a kernel's own failure here, named
  if (d->bytes) CC_CHECK_CUDA(cudaMemcpy(host, d->p, d->bytes, cudaMemcpyDeviceToHost));
}

// Bytes of the guard zones (and the offset gap) that are no longer the poison: a write out of bounds.
static inline size_t dev_guard_damage(const dev_buf *d) {
  unsigned char *all = malloc(d->total);
  if (!all) abort();
  CC_CHECK_CUDA(cudaDeviceSynchronize());
  CC_CHECK_CUDA(cudaMemcpy(all, d->base, d->total, cudaMemcpyDeviceToHost));
  size_t damaged = 0, lead = GUARD_BYTES + d->offset;
  for (size_t i = 0; i < lead; i++) damaged += all[i] != POISON;
  for (size_t i = lead + d->bytes; i < d->total; i++) damaged += all[i] != POISON;
  free(all);
  return damaged;
}

// A fresh seed per run (time and pid), or CCBENCH_TEST_SEED to replay one; printed either way.
static inline uint64_t test_seed(const char *test) {
  const char *env = getenv("CCBENCH_TEST_SEED");
  uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid();
  printf("%s: seed %" PRIu64 " (replay with CCBENCH_TEST_SEED=%" PRIu64 ")\n", test, seed, seed);
  return seed;
}

static inline void *host_alloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p) abort();
  return p;
}
