// Memory operations on the buffers a transport moves: allocation, copies and the reduction kernels.
// Algorithms call these instead of malloc/memcpy/loops, so they never know whether buffers live on the
// host or on a GPU.
//
// Ordering: host memops complete before they return. Device memops (memops_device.c) are enqueued on
// the process's one collectives stream (device.h) and complete in stream order; the device transports
// enqueue their copies on the same stream, so program order is execution order without the host
// waiting. sync() is the only host wait: it returns when everything enqueued so far has finished.
#pragma once
#include <stddef.h>
#include "collectives/transport.h"
#include "kernels/dtype.h"

typedef struct {
  cc_memkind kind;
  void *(*alloc)(size_t bytes);
  void (*free)(void *p);
  void (*copy)(void *dst, const void *src, size_t bytes);
  // dst = a op b element-wise (dst may be a or b); avg reduces as sum (kernels/reduce.h).
  void (*reduce)(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cc_redop op);
  // buf /= divisor element-wise (the avg op; integers truncate toward zero).
  void (*divide)(void *buf, size_t n, cc_dtype t, double divisor);

  // Between this kind and host memory, for code that needs the values on the host (the MPI library,
  // checks). to_host returns with the bytes on the host. from_host is ordered like the other memops
  // and may read `src` until the next sync(), so src must stay unchanged until then.
  void (*to_host)(void *host_dst, const void *src, size_t bytes);
  void (*from_host)(void *dst, const void *host_src, size_t bytes);
  // Host memory that copies to and from this kind fastest (pinned for a GPU), for staging.
  void *(*staging_alloc)(size_t bytes);
  void (*staging_free)(void *p);
  // Returns when every operation enqueued so far has finished (host: at once).
  void (*sync)(void);
} cc_memops;

extern const cc_memops cc_host_memops;
// Device buffers on the GPU opened by cc_device_open (device.h); defined only when CUDA is compiled in.
extern const cc_memops cc_device_memops;
