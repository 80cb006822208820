// dst = a + b and buf /= divisor on the device, for f32, f64, f16 and bf16 (kernels/reduce_cuda.h).
//
// Memory-bound: each thread of a grid-stride loop moves 16 bytes per pointer per step (a "pack" of 4
// f32, 2 f64 or 8 16-bit values), so every warp issues 512-byte coalesced transactions. The few
// elements before the first aligned pack and after the last one go through a scalar loop in the same
// launch. Arithmetic follows kernels/reduce.c exactly: one IEEE add or divide per element (16-bit
// types in f32, rounded once); this file is compiled with --fmad=false, though nothing here could fuse.
#include "kernels/common_cuda.h"
#include "kernels/reduce_cuda.h"

#include "kernels/cuda_device.h"
#include "kernels/half_cuda.h"
#include "kernels/vector_split_cuda.h"

enum { THREADS = 256, BLOCKS_PER_SM = 8, PACK_BYTES = 16 };

// 16-bit storage types, distinct so each gets its own arithmetic.
typedef struct { uint16_t bits; } f16_t;
typedef struct { uint16_t bits; } bf16_t;

// One element's sum and quotient, as in reduce.c.
static __device__ __forceinline__ float add_elem(float x, float y) { return x + y; }
static __device__ __forceinline__ double add_elem(double x, double y) { return x + y; }
static __device__ __forceinline__ f16_t add_elem(f16_t x, f16_t y) {
  return f16_t{cc_dev_f32_to_f16(cc_dev_f16_to_f32(x.bits) + cc_dev_f16_to_f32(y.bits))};
}
static __device__ __forceinline__ bf16_t add_elem(bf16_t x, bf16_t y) {
  return bf16_t{cc_dev_f32_to_bf16(cc_dev_bf16_to_f32(x.bits) + cc_dev_bf16_to_f32(y.bits))};
}

static __device__ __forceinline__ float div_elem(float x, float d) { return x / d; }
static __device__ __forceinline__ double div_elem(double x, double d) { return x / d; }
static __device__ __forceinline__ f16_t div_elem(f16_t x, float d) {
  return f16_t{cc_dev_f32_to_f16(cc_dev_f16_to_f32(x.bits) / d)};
}
static __device__ __forceinline__ bf16_t div_elem(bf16_t x, float d) {
  return bf16_t{cc_dev_f32_to_bf16(cc_dev_bf16_to_f32(x.bits) / d)};
}

// 16 bytes of T, aligned so a load or store of one is a single 128-bit instruction.
template <typename T>
struct __align__(PACK_BYTES) pack {
  T e[PACK_BYTES / sizeof(T)];
};

template <typename T>
__global__ void reduce_kernel(T *dst, const T *a, const T *b, size_t n, size_t head, size_t nvec) {
  const size_t vec = PACK_BYTES / sizeof(T);
  const size_t first = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  pack<T> *dst_packs = (pack<T> *)(dst + head);
  const pack<T> *a_packs = (const pack<T> *)(a + head), *b_packs = (const pack<T> *)(b + head);
  for (size_t v = first; v < nvec; v += stride) {
    pack<T> x = a_packs[v], y = b_packs[v], z;
#pragma unroll
    for (size_t k = 0; k < vec; k++) z.e[k] = add_elem(x.e[k], y.e[k]);
    dst_packs[v] = z;
  }
  size_t nscalar = n - nvec * vec;
  for (size_t s = first; s < nscalar; s += stride) {
    size_t i = cc_vec_scalar_index(s, head, nvec, vec);
    dst[i] = add_elem(a[i], b[i]);
  }
}

template <typename T, typename D>
__global__ void divide_kernel(T *buf, size_t n, D divisor, size_t head, size_t nvec) {
  const size_t vec = PACK_BYTES / sizeof(T);
  const size_t first = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  pack<T> *packs = (pack<T> *)(buf + head);
  for (size_t v = first; v < nvec; v += stride) {
    pack<T> x = packs[v];
#pragma unroll
    for (size_t k = 0; k < vec; k++) x.e[k] = div_elem(x.e[k], divisor);
    packs[v] = x;
  }
  size_t nscalar = n - nvec * vec;
  for (size_t s = first; s < nscalar; s += stride) {
    size_t i = cc_vec_scalar_index(s, head, nvec, vec);
    buf[i] = div_elem(buf[i], divisor);
  }
}

template <typename T>
static void launch_reduce(void *dst, const void *a, const void *b, size_t n, cudaStream_t s) {
  const size_t vec = PACK_BYTES / sizeof(T);
  cc_vec_ptr ptrs[3] = {{dst, sizeof(T), PACK_BYTES}, {a, sizeof(T), PACK_BYTES}, {b, sizeof(T), PACK_BYTES}};
  cc_vec_split split = cc_vec_split_of(n, vec, ptrs, 3);
  size_t items = split.nvec > split.nscalar ? split.nvec : split.nscalar;
  unsigned blocks = cc_cuda_grid_blocks(items, THREADS, BLOCKS_PER_SM);
  reduce_kernel<T><<<blocks, THREADS, 0, s>>>((T *)dst, (const T *)a, (const T *)b, n, split.head, split.nvec);
  CC_CHECK_CUDA(cudaGetLastError());
}

template <typename T, typename D>
static void launch_divide(void *buf, size_t n, D divisor, cudaStream_t s) {
  const size_t vec = PACK_BYTES / sizeof(T);
  cc_vec_ptr ptrs[1] = {{buf, sizeof(T), PACK_BYTES}};
  cc_vec_split split = cc_vec_split_of(n, vec, ptrs, 1);
  size_t items = split.nvec > split.nscalar ? split.nvec : split.nscalar;
  unsigned blocks = cc_cuda_grid_blocks(items, THREADS, BLOCKS_PER_SM);
  divide_kernel<T, D><<<blocks, THREADS, 0, s>>>((T *)buf, n, divisor, split.head, split.nvec);
  CC_CHECK_CUDA(cudaGetLastError());
}

void cc_cuda_reduce(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cudaStream_t s) {
  if (n == 0) return;
  switch (t) {
    case CC_F32: launch_reduce<float>(dst, a, b, n, s); return;
    case CC_F64: launch_reduce<double>(dst, a, b, n, s); return;
    case CC_F16: launch_reduce<f16_t>(dst, a, b, n, s); return;
    case CC_BF16: launch_reduce<bf16_t>(dst, a, b, n, s); return;
    default: CC_FATAL("cc_cuda_reduce: unknown dtype %d", (int)t);
  }
}

void cc_cuda_divide(void *buf, size_t n, cc_dtype t, double divisor, cudaStream_t s) {
  if (n == 0) return;
  switch (t) {
    case CC_F32: launch_divide<float>(buf, n, (float)divisor, s); return;
    case CC_F64: launch_divide<double>(buf, n, divisor, s); return;
    case CC_F16: launch_divide<f16_t>(buf, n, (float)divisor, s); return;
    case CC_BF16: launch_divide<bf16_t>(buf, n, (float)divisor, s); return;
    default: CC_FATAL("cc_cuda_divide: unknown dtype %d", (int)t);
  }
}
