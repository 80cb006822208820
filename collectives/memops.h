// Memory operations on the buffers a transport moves: allocation, copies and the reduction kernels.
// Algorithms call these instead of malloc/memcpy/loops, so they never know whether buffers live on the
// host or on a GPU.
#pragma once
#include <stddef.h>
#include "collectives/transport.h"
#include "kernels/dtype.h"

typedef struct {
  cc_memkind kind;
  void *(*alloc)(size_t bytes);
  void (*free)(void *p);
  void (*copy)(void *dst, const void *src, size_t bytes);
  // dst = a + b element-wise (dst may be a or b).
  void (*reduce)(void *dst, const void *a, const void *b, size_t n, cc_dtype t);
  // buf /= divisor element-wise (the avg op).
  void (*divide)(void *buf, size_t n, cc_dtype t, double divisor);
} cc_memops;

extern const cc_memops cc_host_memops;
