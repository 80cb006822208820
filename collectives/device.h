// The GPU this process drives: its device, the one CUDA stream of the collectives, and a registry of
// the device allocations the collectives make (only with CUDA compiled in: CCBENCH_HAVE_CUDA).
//
// Ordering: every device memop (memops_device.c) and every copy or NCCL call of a device transport is
// enqueued on cc_device_stream(), so stream order is program order. The host waits only where a host
// agent needs device data or must learn that the device is done with memory it will reuse: MPI
// reading a pinned staging chunk (after its D2H copy's event), an IPC receiver before it acks, to_host
// and sync(). A collective on device buffers may return with its work still queued: results are for
// later work on this stream, or for the host after cc_device_memops.sync().
//
// The stream is non-blocking: it does not synchronize with the legacy default stream, so a plain
// cudaMemcpy by the caller is not ordered with the collectives. Use the memops' to_host/from_host/sync.
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime.h>

// Selects device local_rank % (visible devices) and creates the stream. Once per process, before any
// other call here; the device count must be > 0 (ask kernels/cuda_device.h first).
void cc_device_open(int local_rank);
// Waits for the stream and destroys it; every allocation must have been freed.
void cc_device_close(void);
int cc_device_ordinal(void);
cudaStream_t cc_device_stream(void);

// Allocations, recorded so the IPC transport can find the allocation holding any pointer. Freeing
// waits for the stream first (queued work may still use the memory). A freed allocation that was
// exported to other processes stays allocated until the last exporter ends (cc_device_exports_end):
// freeing it while a peer maps it is undefined behaviour in CUDA, and keeping it also keeps its
// address from being reused under a peer's cached mapping.
void *cc_device_alloc(size_t bytes);
void cc_device_free(void *p);

typedef struct {
  char *base;      // start of the cudaMalloc allocation
  size_t bytes;
  uint64_t id;     // unique per process for its lifetime: the peers' cache key
} cc_device_allocation;

// The registered allocation holding [p, p + bytes); false if there is none.
bool cc_device_find(const void *p, size_t bytes, cc_device_allocation *out);
// Exports allocation `id` (cudaIpcGetMemHandle once, then cached) and marks it kept until exports end.
cudaIpcMemHandle_t cc_device_export(uint64_t id);
// An exporter (the IPC transport) begins / ends; at the last end, freed exported allocations are
// released. The caller of end guarantees no peer still maps them (the IPC transport's destroy).
void cc_device_exports_begin(void);
void cc_device_exports_end(void);

// Elapsed time of work on the stream, measured by CUDA events around it.
typedef struct {
  cudaEvent_t start, stop;
} cc_device_timer;
void cc_device_timer_init(cc_device_timer *tm);
void cc_device_timer_start(cc_device_timer *tm);
// Records the stop, waits for it, returns microseconds since the start.
double cc_device_timer_stop_us(cc_device_timer *tm);
void cc_device_timer_free(cc_device_timer *tm);

// What a results file records about the GPU and its software.
typedef struct {
  char name[256];    // "NVIDIA H100 80GB HBM3"
  char bus_id[32];   // PCI bus id: with the host name, which GPU a rank drives
  int runtime_version, driver_version;  // CUDA's encoding: 1000 * major + 10 * minor
} cc_device_info;
void cc_device_describe(cc_device_info *info);
