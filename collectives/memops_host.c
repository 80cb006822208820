// Host memory operations: libc allocation and copies, the C reference kernels.
#include "collectives/memops.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "kernels/reduce.h"

static void *host_alloc(size_t bytes) {
  // 64-byte alignment keeps vector loops on whole cache lines.
  void *p = NULL;
  size_t rounded = (bytes + 63) & ~(size_t)63;
  if (posix_memalign(&p, 64, rounded ? rounded : 64) != 0) CC_FATAL("out of memory allocating %zu bytes", bytes);
  return p;
}

static void host_copy(void *dst, const void *src, size_t bytes) {
  if (dst != src && bytes) memcpy(dst, src, bytes);
}

static void host_sync(void) {}

const cc_memops cc_host_memops = {
    .kind = CC_MEM_HOST,
    .alloc = host_alloc,
    .free = free,
    .copy = host_copy,
    .reduce = cc_host_reduce,
    .divide = cc_host_divide,
    .to_host = host_copy,
    .from_host = host_copy,
    .staging_alloc = host_alloc,
    .staging_free = free,
    .sync = host_sync,
};
