// dst = a op b and buf /= divisor on the device, for every dtype and op (kernels/reduce_cuda.h).
//
// Memory-bound: each thread of a grid-stride loop moves 16 bytes per pointer per step (a "pack" of 4
// 32-bit, 2 64-bit, 8 16-bit or 16 8-bit elements), so every warp issues 512-byte coalesced
// transactions. The few elements before the first aligned pack and after the last one go through a
// scalar loop in the same launch. Arithmetic follows kernels/reduce.c exactly: one IEEE add, multiply
// or divide per element (16-bit types in f32, rounded once), the same selects for min and max, integer
// sums and products on the unsigned type of the same width; this file is compiled with --fmad=false,
// though nothing here could fuse.
#include "kernels/common_cuda.h"
#include "kernels/reduce_cuda.h"

#include "kernels/cuda_device.h"
#include "kernels/half_cuda.h"
#include "kernels/vector_split_cuda.h"

#include <limits>

enum { THREADS = 256, BLOCKS_PER_SM = 8, PACK_BYTES = 16 };

// 16-bit storage types, distinct so each gets its own arithmetic.
typedef struct { uint16_t bits; } f16_t;
typedef struct { uint16_t bits; } bf16_t;

// One element's sum, product, minimum, maximum and quotient, as in reduce.c.
static __device__ __forceinline__ float add_elem(float x, float y) { return x + y; }
static __device__ __forceinline__ double add_elem(double x, double y) { return x + y; }
static __device__ __forceinline__ f16_t add_elem(f16_t x, f16_t y) {
  return f16_t{cc_dev_f32_to_f16(cc_dev_f16_to_f32(x.bits) + cc_dev_f16_to_f32(y.bits))};
}
static __device__ __forceinline__ bf16_t add_elem(bf16_t x, bf16_t y) {
  return bf16_t{cc_dev_f32_to_bf16(cc_dev_bf16_to_f32(x.bits) + cc_dev_bf16_to_f32(y.bits))};
}
// Integers: only the unsigned types reach sums and products (wrapping is defined there).
static __device__ __forceinline__ uint8_t add_elem(uint8_t x, uint8_t y) { return (uint8_t)(x + y); }
static __device__ __forceinline__ uint32_t add_elem(uint32_t x, uint32_t y) { return x + y; }
static __device__ __forceinline__ uint64_t add_elem(uint64_t x, uint64_t y) { return x + y; }

static __device__ __forceinline__ float mul_elem(float x, float y) { return x * y; }
static __device__ __forceinline__ double mul_elem(double x, double y) { return x * y; }
static __device__ __forceinline__ f16_t mul_elem(f16_t x, f16_t y) {
  return f16_t{cc_dev_f32_to_f16(cc_dev_f16_to_f32(x.bits) * cc_dev_f16_to_f32(y.bits))};
}
static __device__ __forceinline__ bf16_t mul_elem(bf16_t x, bf16_t y) {
  return bf16_t{cc_dev_f32_to_bf16(cc_dev_bf16_to_f32(x.bits) * cc_dev_bf16_to_f32(y.bits))};
}
static __device__ __forceinline__ uint8_t mul_elem(uint8_t x, uint8_t y) { return (uint8_t)(x * y); }
static __device__ __forceinline__ uint32_t mul_elem(uint32_t x, uint32_t y) { return x * y; }
static __device__ __forceinline__ uint64_t mul_elem(uint64_t x, uint64_t y) { return x * y; }

// Float min and max select on the encodings bx, by of x and y, as reduce.c: when neither is smaller
// the values are equal (OR gives -0 for min, AND +0 for max) or one is a NaN (OR keeps a NaN).
template <typename F, typename B>
static __device__ __forceinline__ B min_bits(F x, F y, B bx, B by) {
  return x < y ? bx : y < x ? by : (B)(bx | by);
}
template <typename F, typename B>
static __device__ __forceinline__ B max_bits(F x, F y, B bx, B by) {
  return x > y ? bx : y > x ? by : x == y ? (B)(bx & by) : (B)(bx | by);
}
// Integers compare as their own type.
template <typename T>
static __device__ __forceinline__ T min_elem(T x, T y) { return y < x ? y : x; }
template <typename T>
static __device__ __forceinline__ T max_elem(T x, T y) { return y > x ? y : x; }
static __device__ __forceinline__ float min_elem(float x, float y) {
  return __uint_as_float(min_bits(x, y, __float_as_uint(x), __float_as_uint(y)));
}
static __device__ __forceinline__ float max_elem(float x, float y) {
  return __uint_as_float(max_bits(x, y, __float_as_uint(x), __float_as_uint(y)));
}
static __device__ __forceinline__ double min_elem(double x, double y) {
  uint64_t bx = (uint64_t)__double_as_longlong(x), by = (uint64_t)__double_as_longlong(y);
  return __longlong_as_double((long long)min_bits(x, y, bx, by));
}
static __device__ __forceinline__ double max_elem(double x, double y) {
  uint64_t bx = (uint64_t)__double_as_longlong(x), by = (uint64_t)__double_as_longlong(y);
  return __longlong_as_double((long long)max_bits(x, y, bx, by));
}
// 16-bit types compare their f32 values and keep the chosen input's own bits.
static __device__ __forceinline__ f16_t min_elem(f16_t x, f16_t y) {
  return f16_t{min_bits(cc_dev_f16_to_f32(x.bits), cc_dev_f16_to_f32(y.bits), x.bits, y.bits)};
}
static __device__ __forceinline__ f16_t max_elem(f16_t x, f16_t y) {
  return f16_t{max_bits(cc_dev_f16_to_f32(x.bits), cc_dev_f16_to_f32(y.bits), x.bits, y.bits)};
}
static __device__ __forceinline__ bf16_t min_elem(bf16_t x, bf16_t y) {
  return bf16_t{min_bits(cc_dev_bf16_to_f32(x.bits), cc_dev_bf16_to_f32(y.bits), x.bits, y.bits)};
}
static __device__ __forceinline__ bf16_t max_elem(bf16_t x, bf16_t y) {
  return bf16_t{max_bits(cc_dev_bf16_to_f32(x.bits), cc_dev_bf16_to_f32(y.bits), x.bits, y.bits)};
}

// The reduction a kernel applies, as a type.
struct sum_op {
  template <typename T>
  static __device__ __forceinline__ T apply(T x, T y) { return add_elem(x, y); }
};
struct prod_op {
  template <typename T>
  static __device__ __forceinline__ T apply(T x, T y) { return mul_elem(x, y); }
};
struct min_op {
  template <typename T>
  static __device__ __forceinline__ T apply(T x, T y) { return min_elem(x, y); }
};
struct max_op {
  template <typename T>
  static __device__ __forceinline__ T apply(T x, T y) { return max_elem(x, y); }
};

static __device__ __forceinline__ float div_elem(float x, float d) { return x / d; }
static __device__ __forceinline__ double div_elem(double x, double d) { return x / d; }
static __device__ __forceinline__ f16_t div_elem(f16_t x, float d) {
  return f16_t{cc_dev_f32_to_f16(cc_dev_f16_to_f32(x.bits) / d)};
}
static __device__ __forceinline__ bf16_t div_elem(bf16_t x, float d) {
  return bf16_t{cc_dev_f32_to_bf16(cc_dev_bf16_to_f32(x.bits) / d)};
}
// Integers: C's quotient (truncated toward zero) in the divisor's type D, signed for signed T. The
// quotient is exact in any width wide enough for both operands, so it is the reference's bits.
template <typename T, typename D>
static __device__ __forceinline__ T div_elem(T x, D d) { return (T)((D)x / d); }

// 16 bytes of T, aligned so a load or store of one is a single 128-bit instruction.
template <typename T>
struct __align__(PACK_BYTES) pack {
  T e[PACK_BYTES / sizeof(T)];
};

template <typename T, typename Op>
__global__ void reduce_kernel(T *dst, const T *a, const T *b, size_t n, size_t head, size_t nvec) {
  const size_t vec = PACK_BYTES / sizeof(T);
  const size_t first = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  pack<T> *dst_packs = (pack<T> *)(dst + head);
  const pack<T> *a_packs = (const pack<T> *)(a + head), *b_packs = (const pack<T> *)(b + head);
  for (size_t v = first; v < nvec; v += stride) {
    pack<T> x = a_packs[v], y = b_packs[v], z;
#pragma unroll
    for (size_t k = 0; k < vec; k++) z.e[k] = Op::apply(x.e[k], y.e[k]);
    dst_packs[v] = z;
  }
  size_t nscalar = n - nvec * vec;
  for (size_t s = first; s < nscalar; s += stride) {
    size_t i = cc_vec_scalar_index(s, head, nvec, vec);
    dst[i] = Op::apply(a[i], b[i]);
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

template <typename T, typename Op>
static void launch_reduce(void *dst, const void *a, const void *b, size_t n, cudaStream_t s) {
  const size_t vec = PACK_BYTES / sizeof(T);
  cc_vec_ptr ptrs[3] = {{dst, sizeof(T), PACK_BYTES}, {a, sizeof(T), PACK_BYTES}, {b, sizeof(T), PACK_BYTES}};
  cc_vec_split split = cc_vec_split_of(n, vec, ptrs, 3);
  size_t items = split.nvec > split.nscalar ? split.nvec : split.nscalar;
  unsigned blocks = cc_cuda_grid_blocks(items, THREADS, BLOCKS_PER_SM);
  reduce_kernel<T, Op><<<blocks, THREADS, 0, s>>>((T *)dst, (const T *)a, (const T *)b, n, split.head, split.nvec);
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

// Sum and prod: integers as the unsigned type of their width, as in reduce.c.
template <typename Op>
static void launch_wrapping(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cudaStream_t s) {
  switch (t) {
    case CC_F32: launch_reduce<float, Op>(dst, a, b, n, s); return;
    case CC_F64: launch_reduce<double, Op>(dst, a, b, n, s); return;
    case CC_F16: launch_reduce<f16_t, Op>(dst, a, b, n, s); return;
    case CC_BF16: launch_reduce<bf16_t, Op>(dst, a, b, n, s); return;
    case CC_I8:
    case CC_U8: launch_reduce<uint8_t, Op>(dst, a, b, n, s); return;
    case CC_I32:
    case CC_U32: launch_reduce<uint32_t, Op>(dst, a, b, n, s); return;
    case CC_I64:
    case CC_U64: launch_reduce<uint64_t, Op>(dst, a, b, n, s); return;
    default: CC_FATAL("cc_cuda_reduce: unknown dtype %d", (int)t);
  }
}

// Min and max: every type as itself.
template <typename Op>
static void launch_ordered(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cudaStream_t s) {
  switch (t) {
    case CC_F32: launch_reduce<float, Op>(dst, a, b, n, s); return;
    case CC_F64: launch_reduce<double, Op>(dst, a, b, n, s); return;
    case CC_F16: launch_reduce<f16_t, Op>(dst, a, b, n, s); return;
    case CC_BF16: launch_reduce<bf16_t, Op>(dst, a, b, n, s); return;
    case CC_I8: launch_reduce<int8_t, Op>(dst, a, b, n, s); return;
    case CC_U8: launch_reduce<uint8_t, Op>(dst, a, b, n, s); return;
    case CC_I32: launch_reduce<int32_t, Op>(dst, a, b, n, s); return;
    case CC_U32: launch_reduce<uint32_t, Op>(dst, a, b, n, s); return;
    case CC_I64: launch_reduce<int64_t, Op>(dst, a, b, n, s); return;
    case CC_U64: launch_reduce<uint64_t, Op>(dst, a, b, n, s); return;
    default: CC_FATAL("cc_cuda_reduce: unknown dtype %d", (int)t);
  }
}

void cc_cuda_reduce(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cc_redop op, cudaStream_t s) {
  if (n == 0) return;
  switch (op) {
    case CC_SUM:
    case CC_AVG: launch_wrapping<sum_op>(dst, a, b, n, t, s); return;
    case CC_PROD: launch_wrapping<prod_op>(dst, a, b, n, t, s); return;
    case CC_MIN: launch_ordered<min_op>(dst, a, b, n, t, s); return;
    case CC_MAX: launch_ordered<max_op>(dst, a, b, n, t, s); return;
    default: CC_FATAL("cc_cuda_reduce: unknown op %d", (int)op);
  }
}

// Narrow integers divide in 32 bits when the divisor fits (several times cheaper on the GPU than a
// 64-bit division, and the same quotient), else in 64.
template <typename T, typename D32, typename D64>
static void launch_narrow_divide(void *buf, size_t n, double divisor, cudaStream_t s) {
  if (divisor <= (double)std::numeric_limits<D32>::max()) launch_divide<T, D32>(buf, n, (D32)divisor, s);
  else launch_divide<T, D64>(buf, n, (D64)divisor, s);
}

void cc_cuda_divide(void *buf, size_t n, cc_dtype t, double divisor, cudaStream_t s) {
  if (cc_dtype_is_integer(t) && !(divisor >= 1 && divisor < 0x1p63 && divisor == (double)(int64_t)divisor))
    CC_FATAL("cc_cuda_divide: %s needs a whole divisor in [1, 2^63), got %g", cc_dtype_name(t), divisor);
  if (n == 0) return;
  switch (t) {
    case CC_F32: launch_divide<float>(buf, n, (float)divisor, s); return;
    case CC_F64: launch_divide<double>(buf, n, divisor, s); return;
    case CC_F16: launch_divide<f16_t>(buf, n, (float)divisor, s); return;
    case CC_BF16: launch_divide<bf16_t>(buf, n, (float)divisor, s); return;
    case CC_I8: launch_narrow_divide<int8_t, int32_t, int64_t>(buf, n, divisor, s); return;
    case CC_U8: launch_narrow_divide<uint8_t, uint32_t, uint64_t>(buf, n, divisor, s); return;
    case CC_I32: launch_narrow_divide<int32_t, int32_t, int64_t>(buf, n, divisor, s); return;
    case CC_U32: launch_narrow_divide<uint32_t, uint32_t, uint64_t>(buf, n, divisor, s); return;
    case CC_I64: launch_divide<int64_t, int64_t>(buf, n, (int64_t)divisor, s); return;
    case CC_U64: launch_divide<uint64_t, uint64_t>(buf, n, (uint64_t)divisor, s); return;
    default: CC_FATAL("cc_cuda_divide: unknown dtype %d", (int)t);
  }
}
