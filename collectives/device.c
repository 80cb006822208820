// The process's GPU: device selection, the collectives stream, the allocation registry, event timers.
#include "collectives/device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/check_cuda.h"
#include "common/error.h"

typedef struct {
  cc_device_allocation a;
  bool exported;        // a peer may map it: really freed only when exports end
  bool freed;           // cc_device_free was called; waiting for exports to end
  bool has_handle;
  cudaIpcMemHandle_t handle;
} allocation;

static struct {
  bool open;
  int ordinal;
  cudaStream_t stream;
  allocation *allocs;
  int nallocs, capallocs;
  uint64_t next_id;
  int exporters;        // live IPC transports
} dev;

static void require_open(void) {
  if (!dev.open) CC_FATAL("the GPU is not opened yet (cc_device_open)");
}

void cc_device_open(int local_rank) {
  if (dev.open) CC_FATAL("cc_device_open called twice");
  int count = 0;
  CC_CHECK_CUDA(cudaGetDeviceCount(&count));
  if (count <= 0) CC_FATAL("no CUDA device visible");
  dev.ordinal = local_rank % count;
  CC_CHECK_CUDA(cudaSetDevice(dev.ordinal));
  // Non-blocking: the collectives never serialize behind unrelated work on the legacy default stream.
  CC_CHECK_CUDA(cudaStreamCreateWithFlags(&dev.stream, cudaStreamNonBlocking));
  dev.next_id = 1;
  dev.open = true;
}

static void release(allocation *x) {
  CC_CHECK_CUDA(cudaFree(x->a.base));
  *x = dev.allocs[--dev.nallocs];  // order does not matter
}

void cc_device_close(void) {
  require_open();
  CC_CHECK_CUDA(cudaStreamSynchronize(dev.stream));
  if (dev.exporters) CC_FATAL("GPU closed while %d IPC transport(s) still exist", dev.exporters);
  int leaked = 0;
  while (dev.nallocs) {
    leaked += !dev.allocs[dev.nallocs - 1].freed;
    release(&dev.allocs[dev.nallocs - 1]);
  }
  if (leaked) cc_warn("%d device allocation(s) were never freed", leaked);
  free(dev.allocs);
  CC_CHECK_CUDA(cudaStreamDestroy(dev.stream));
  memset(&dev, 0, sizeof dev);
}

int cc_device_ordinal(void) {
  require_open();
  return dev.ordinal;
}

cudaStream_t cc_device_stream(void) {
  require_open();
  return dev.stream;
}

void *cc_device_alloc(size_t bytes) {
  require_open();
  void *p = NULL;
  // A zero-byte request still gets a distinct pointer, like malloc(0) in cc_malloc.
  CC_CHECK_CUDA(cudaMalloc(&p, bytes ? bytes : 1));
  if (dev.nallocs == dev.capallocs) {
    dev.capallocs = dev.capallocs ? 2 * dev.capallocs : 16;
    dev.allocs = realloc(dev.allocs, sizeof(allocation) * (size_t)dev.capallocs);
    if (!dev.allocs) CC_FATAL("out of memory for %d allocation records", dev.capallocs);
  }
  dev.allocs[dev.nallocs++] = (allocation){.a = {.base = p, .bytes = bytes ? bytes : 1, .id = dev.next_id++}};
  return p;
}

static allocation *find_base(const void *p) {
  for (int i = 0; i < dev.nallocs; i++)
    if (dev.allocs[i].a.base == p && !dev.allocs[i].freed) return &dev.allocs[i];
  return NULL;
}

void cc_device_free(void *p) {
  if (!p) return;
  require_open();
  allocation *x = find_base(p);
  if (!x) CC_FATAL("cc_device_free(%p): not an allocation of cc_device_alloc", p);
  // Work queued earlier may still read or write it.
  CC_CHECK_CUDA(cudaStreamSynchronize(dev.stream));
  if (x->exported && dev.exporters > 0) x->freed = true;
  else release(x);
}

bool cc_device_find(const void *p, size_t bytes, cc_device_allocation *out) {
  require_open();
  const char *c = p;
  for (int i = 0; i < dev.nallocs; i++) {
    const allocation *x = &dev.allocs[i];
    if (x->freed || c < x->a.base || c >= x->a.base + x->a.bytes) continue;
    if (bytes > (size_t)(x->a.base + x->a.bytes - c)) return false;  // runs past the allocation
    *out = x->a;
    return true;
  }
  return false;
}

cudaIpcMemHandle_t cc_device_export(uint64_t id) {
  require_open();
  for (int i = 0; i < dev.nallocs; i++) {
    allocation *x = &dev.allocs[i];
    if (x->a.id != id || x->freed) continue;
    if (!x->has_handle) {
      CC_CHECK_CUDA(cudaIpcGetMemHandle(&x->handle, x->a.base));
      x->has_handle = true;
    }
    x->exported = true;
    return x->handle;
  }
  CC_FATAL("cc_device_export: no live allocation %llu", (unsigned long long)id);
}

void cc_device_exports_begin(void) {
  require_open();
  dev.exporters++;
}

void cc_device_exports_end(void) {
  require_open();
  if (dev.exporters <= 0) CC_FATAL("cc_device_exports_end without a begin");
  if (--dev.exporters > 0) return;
  for (int i = dev.nallocs - 1; i >= 0; i--) {
    dev.allocs[i].exported = false;
    if (dev.allocs[i].freed) release(&dev.allocs[i]);
  }
}

void cc_device_timer_init(cc_device_timer *tm) {
  CC_CHECK_CUDA(cudaEventCreate(&tm->start));
  CC_CHECK_CUDA(cudaEventCreate(&tm->stop));
}

void cc_device_timer_start(cc_device_timer *tm) { CC_CHECK_CUDA(cudaEventRecord(tm->start, cc_device_stream())); }

double cc_device_timer_stop_us(cc_device_timer *tm) {
  CC_CHECK_CUDA(cudaEventRecord(tm->stop, cc_device_stream()));
  CC_CHECK_CUDA(cudaEventSynchronize(tm->stop));
  float ms = 0;
  CC_CHECK_CUDA(cudaEventElapsedTime(&ms, tm->start, tm->stop));
  return 1e3 * (double)ms;
}

void cc_device_timer_free(cc_device_timer *tm) {
  CC_CHECK_CUDA(cudaEventDestroy(tm->start));
  CC_CHECK_CUDA(cudaEventDestroy(tm->stop));
}

void cc_device_describe(cc_device_info *info) {
  require_open();
  memset(info, 0, sizeof *info);
  struct cudaDeviceProp prop;
  CC_CHECK_CUDA(cudaGetDeviceProperties(&prop, dev.ordinal));
  snprintf(info->name, sizeof info->name, "%s", prop.name);
  CC_CHECK_CUDA(cudaDeviceGetPCIBusId(info->bus_id, (int)sizeof info->bus_id, dev.ordinal));
  CC_CHECK_CUDA(cudaRuntimeGetVersion(&info->runtime_version));
  CC_CHECK_CUDA(cudaDriverGetVersion(&info->driver_version));
}
