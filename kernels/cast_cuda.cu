// f32 <-> f16/bf16 for the fp16 and bf16 compressors (kernels/cast_cuda.h), bits as compress/cast.c.
//
// Memory-bound like the reductions: a thread moves 8 elements per step, 32 bytes of f32 (two 16-byte
// loads or stores) against 16 bytes of 16-bit payload (one), so every access is 128 bits wide. The
// elements before the first aligned group and after the last go through scalar code in the same launch.
#include "kernels/common_cuda.h"
#include "kernels/cast_cuda.h"

#include "kernels/cuda_device.h"
#include "kernels/half_cuda.h"
#include "kernels/vector_split_cuda.h"

enum { THREADS = 256, BLOCKS_PER_SM = 8, GROUP = 8 };

// 8 16-bit values: one 128-bit access.
typedef struct __align__(16) {
  uint16_t h[GROUP];
} half8;

template <bool BF16>
static __device__ __forceinline__ uint16_t narrow(float f) {
  return BF16 ? cc_dev_f32_to_bf16(f) : cc_dev_f32_to_f16(f);
}

template <bool BF16>
static __device__ __forceinline__ float widen(uint16_t h) {
  return BF16 ? cc_dev_bf16_to_f32(h) : cc_dev_f16_to_f32(h);
}

template <bool BF16>
__global__ void cast_encode_kernel(const float *in, size_t n, uint16_t *out, size_t head, size_t ngroups) {
  const size_t first = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  const float4 *in4 = (const float4 *)(in + head);
  half8 *out8 = (half8 *)(out + head);
  for (size_t g = first; g < ngroups; g += stride) {
    float4 lo = in4[2 * g], hi = in4[2 * g + 1];
    half8 h;
    h.h[0] = narrow<BF16>(lo.x), h.h[1] = narrow<BF16>(lo.y), h.h[2] = narrow<BF16>(lo.z);
    h.h[3] = narrow<BF16>(lo.w), h.h[4] = narrow<BF16>(hi.x), h.h[5] = narrow<BF16>(hi.y);
    h.h[6] = narrow<BF16>(hi.z), h.h[7] = narrow<BF16>(hi.w);
    out8[g] = h;
  }
  size_t nscalar = n - ngroups * GROUP;
  for (size_t s = first; s < nscalar; s += stride) {
    size_t i = cc_vec_scalar_index(s, head, ngroups, GROUP);
    out[i] = narrow<BF16>(in[i]);
  }
}

template <bool BF16>
__global__ void cast_decode_add_kernel(const uint16_t *payload, size_t n, float *acc, size_t head, size_t ngroups) {
  const size_t first = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  const half8 *in8 = (const half8 *)(payload + head);
  float4 *acc4 = (float4 *)(acc + head);
  for (size_t g = first; g < ngroups; g += stride) {
    half8 h = in8[g];
    float4 lo = acc4[2 * g], hi = acc4[2 * g + 1];
    lo.x += widen<BF16>(h.h[0]), lo.y += widen<BF16>(h.h[1]), lo.z += widen<BF16>(h.h[2]);
    lo.w += widen<BF16>(h.h[3]), hi.x += widen<BF16>(h.h[4]), hi.y += widen<BF16>(h.h[5]);
    hi.z += widen<BF16>(h.h[6]), hi.w += widen<BF16>(h.h[7]);
    acc4[2 * g] = lo, acc4[2 * g + 1] = hi;
  }
  size_t nscalar = n - ngroups * GROUP;
  for (size_t s = first; s < nscalar; s += stride) {
    size_t i = cc_vec_scalar_index(s, head, ngroups, GROUP);
    acc[i] += widen<BF16>(payload[i]);
  }
}

// The split of n elements between 8-wide groups and scalar code, for an f32 and a 16-bit pointer.
static cc_vec_split split_for(const float *f32, const void *f16, size_t n, unsigned *blocks) {
  cc_vec_ptr ptrs[2] = {{f32, sizeof(float), 16}, {f16, sizeof(uint16_t), 16}};
  cc_vec_split split = cc_vec_split_of(n, GROUP, ptrs, 2);
  size_t items = split.nvec > split.nscalar ? split.nvec : split.nscalar;
  *blocks = cc_cuda_grid_blocks(items, THREADS, BLOCKS_PER_SM);
  return split;
}

static bool is_bf16(cc_comp_kind kind, const char *what) {
  if (kind != CC_COMP_FP16 && kind != CC_COMP_BF16) CC_FATAL("%s: %s is not a cast", what, cc_comp_kind_name(kind));
  return kind == CC_COMP_BF16;
}

void cc_cuda_cast_encode(cc_comp_kind kind, const float *in, size_t n, void *out, cudaStream_t s) {
  bool bf16 = is_bf16(kind, "cc_cuda_cast_encode");
  if (n == 0) return;
  unsigned blocks;
  cc_vec_split sp = split_for(in, out, n, &blocks);
  if (bf16) cast_encode_kernel<true><<<blocks, THREADS, 0, s>>>(in, n, (uint16_t *)out, sp.head, sp.nvec);
  else cast_encode_kernel<false><<<blocks, THREADS, 0, s>>>(in, n, (uint16_t *)out, sp.head, sp.nvec);
  CC_CHECK_CUDA(cudaGetLastError());
}

void cc_cuda_cast_decode_add(cc_comp_kind kind, const void *payload, size_t n, float *acc, cudaStream_t s) {
  bool bf16 = is_bf16(kind, "cc_cuda_cast_decode_add");
  if (n == 0) return;
  unsigned blocks;
  cc_vec_split sp = split_for(acc, payload, n, &blocks);
  const uint16_t *h = (const uint16_t *)payload;
  if (bf16) cast_decode_add_kernel<true><<<blocks, THREADS, 0, s>>>(h, n, acc, sp.head, sp.nvec);
  else cast_decode_add_kernel<false><<<blocks, THREADS, 0, s>>>(h, n, acc, sp.head, sp.nvec);
  CC_CHECK_CUDA(cudaGetLastError());
}
