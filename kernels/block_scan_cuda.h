// Block-wide sums and prefix sums for kernels whose blocks cooperate on one result. Include from .cu
// files only. Every thread of the block must call these (they synchronize the block), with blockDim.x a
// multiple of 32 and at most 1024. The order of additions is fixed by the block shape, so a result is
// the same on every run (floating-point sums included).
#pragma once
#include <stdint.h>

// 32 threads per warp, so at most 32 warps per block: one slot each in the shared arrays below.
#define CC_SCAN_WARP 32
#define CC_SCAN_ALL_LANES 0xffffffffu

// Exclusive prefix sum over the block of one value per thread, in thread order: thread t gets the sum
// of the values of threads 0..t-1. *total receives the block's sum (every thread).
static __device__ uint32_t cc_block_exclusive_sum(uint32_t v, uint32_t *total) {
  __shared__ uint32_t warp_sums[CC_SCAN_WARP];
  unsigned lane = threadIdx.x % CC_SCAN_WARP, warp = threadIdx.x / CC_SCAN_WARP;
  unsigned nwarps = blockDim.x / CC_SCAN_WARP;
  uint32_t inclusive = v;  // within the warp first
  for (unsigned offset = 1; offset < CC_SCAN_WARP; offset *= 2) {
    uint32_t below = __shfl_up_sync(CC_SCAN_ALL_LANES, inclusive, offset);
    if (lane >= offset) inclusive += below;
  }
  if (lane == CC_SCAN_WARP - 1) warp_sums[warp] = inclusive;
  __syncthreads();
  if (warp == 0) {  // then over the warps' totals
    uint32_t s = lane < nwarps ? warp_sums[lane] : 0;
    for (unsigned offset = 1; offset < CC_SCAN_WARP; offset *= 2) {
      uint32_t below = __shfl_up_sync(CC_SCAN_ALL_LANES, s, offset);
      if (lane >= offset) s += below;
    }
    warp_sums[lane] = s;  // inclusive over warps 0..lane
  }
  __syncthreads();
  uint32_t before = (warp > 0 ? warp_sums[warp - 1] : 0) + inclusive - v;
  *total = warp_sums[nwarps - 1];
  __syncthreads();  // warp_sums is reused by the next call
  return before;
}

// Sum over the block of one double per thread, returned to every thread. Warps add by halving, then
// warp 0 adds the warps' sums the same way.
static __device__ double cc_block_sum_double(double v) {
  __shared__ double warp_sums[CC_SCAN_WARP];
  unsigned lane = threadIdx.x % CC_SCAN_WARP, warp = threadIdx.x / CC_SCAN_WARP;
  unsigned nwarps = blockDim.x / CC_SCAN_WARP;
  for (unsigned offset = CC_SCAN_WARP / 2; offset > 0; offset /= 2)
    v += __shfl_down_sync(CC_SCAN_ALL_LANES, v, offset);
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  if (warp == 0) {
    double s = lane < nwarps ? warp_sums[lane] : 0.0;
    for (unsigned offset = CC_SCAN_WARP / 2; offset > 0; offset /= 2)
      s += __shfl_down_sync(CC_SCAN_ALL_LANES, s, offset);
    if (lane == 0) warp_sums[0] = s;
  }
  __syncthreads();
  double total = warp_sums[0];
  __syncthreads();  // warp_sums is reused by the next call
  return total;
}
