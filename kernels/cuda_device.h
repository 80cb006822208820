// Which GPUs this process sees, without ever failing: the CUDA code paths ask before they start, and
// GPU tests skip (exit 77) on a machine with no GPU or no driver.
#pragma once
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Number of CUDA devices visible; 0 when there is no GPU, no driver, or the runtime fails to start.
// Never aborts: cudaGetDeviceCount reports "no driver" as an error and leaves its count untouched.
int cc_cuda_device_count(void);
// Multiprocessors of the current device (cached per device). Aborts if there is no device.
int cc_cuda_sm_count(void);
// Blocks for a grid-stride loop over `items` work items, `threads` items per block: enough to cover them, at
// most `blocks_per_sm` per multiprocessor (the loop does the rest), at least 1.
unsigned cc_cuda_grid_blocks(size_t items, unsigned threads, unsigned blocks_per_sm);
// For GPU tests: with no GPU visible, prints "<test>: skipped: no GPU visible (<reason>)" and exits 77,
// which CTest reports as Skipped. Returns only when a GPU is there.
void cc_cuda_require_gpu_or_skip(const char *test);

#ifdef __cplusplus
}
#endif
