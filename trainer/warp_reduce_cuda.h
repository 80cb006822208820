// Warp and block reductions of floats for the trainer's kernels. Include from .cu files only.
//
// Warp reductions use the xor butterfly: every lane ends with the same value, bit for bit (each
// pairwise step adds the same two numbers on both lanes, and float addition is commutative), and the
// order of additions is fixed, so results repeat run to run. Block reductions need blockDim.x a
// multiple of 32 (at most 1024) and every thread of the block to call them.
#pragma once
#include <math.h>

#define WARP_SIZE 32
#define WARP_ALL 0xffffffffu

static __device__ __forceinline__ float warp_sum(float v) {
  for (int offset = WARP_SIZE / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(WARP_ALL, v, offset);
  return v;
}

static __device__ __forceinline__ float warp_max(float v) {
  for (int offset = WARP_SIZE / 2; offset > 0; offset /= 2) v = fmaxf(v, __shfl_xor_sync(WARP_ALL, v, offset));
  return v;
}

// The block's sum (max) of one value per thread, returned to every thread: each warp reduces, then
// every warp reduces the warps' results (the same values in the same order, so all agree).
static __device__ float block_reduce(float v, bool is_max) {
  __shared__ float warp_results[WARP_SIZE];
  int lane = threadIdx.x % WARP_SIZE, warp = threadIdx.x / WARP_SIZE, nwarps = blockDim.x / WARP_SIZE;
  v = is_max ? warp_max(v) : warp_sum(v);
  if (lane == 0) warp_results[warp] = v;
  __syncthreads();
  float w = lane < nwarps ? warp_results[lane] : (is_max ? -INFINITY : 0.0f);
  w = is_max ? warp_max(w) : warp_sum(w);
  __syncthreads();  // warp_results is reused by the next call
  return w;
}

static __device__ __forceinline__ float block_sum(float v) { return block_reduce(v, false); }
static __device__ __forceinline__ float block_max(float v) { return block_reduce(v, true); }
