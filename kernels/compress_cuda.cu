// Dispatch of the device compressors (kernels/compress_cuda.h), case for case as compress/compressor.c.
#include "kernels/common_cuda.h"
#include "kernels/compress_cuda.h"

#include "kernels/cast_cuda.h"
#include "kernels/quantize_cuda.h"
#include "kernels/reduce_cuda.h"

// top-k and rand-k: kernels/sparse_cuda.h, written in parallel; kernels/CMakeLists.txt defines
// CCBENCH_HAVE_SPARSE_CUDA once its sources are listed there. Until then they stop with a clear
// message instead of a link error.
#ifdef CCBENCH_HAVE_SPARSE_CUDA
#include "kernels/sparse_cuda.h"
#else
static void sparse_missing(const cc_compressor *c, const char *what) {
  CC_FATAL("%s: %s has no CUDA implementation yet (kernels/sparse_cuda.cu)", what, cc_comp_kind_name(c->kind));
}
#endif

void cc_cuda_compress_encode(const cc_compressor *c, const float *in, size_t n, void *out, uint64_t seed,
                             uint64_t shared_seed, void *workspace, cudaStream_t s) {
  switch (c->kind) {
    case CC_COMP_FP16:
    case CC_COMP_BF16: cc_cuda_cast_encode(c->kind, in, n, out, s); return;
    case CC_COMP_INT8:
    case CC_COMP_INT4:
    case CC_COMP_QSGD:
    case CC_COMP_SIGN: cc_cuda_quant_encode(c, in, n, out, seed, s); return;
#ifdef CCBENCH_HAVE_SPARSE_CUDA
    case CC_COMP_TOPK: cc_cuda_topk_encode(c, in, n, out, seed, workspace, s); return;
    case CC_COMP_RANDK: cc_cuda_randk_encode(c, in, n, out, shared_seed, s); return;
#else
    case CC_COMP_TOPK:
    case CC_COMP_RANDK: sparse_missing(c, "cc_cuda_compress_encode"); return;
#endif
    default:  // PowerSGD compresses matrices (powersgd_cuda.h); as a vector it travels raw, as in C
      if (n) CC_CHECK_CUDA(cudaMemcpyAsync(out, in, n * sizeof(float), cudaMemcpyDeviceToDevice, s));
      return;
  }
}

void cc_cuda_compress_decode_add(const cc_compressor *c, const void *payload, size_t n, float *acc,
                                 uint64_t shared_seed, cudaStream_t s) {
  switch (c->kind) {
    case CC_COMP_FP16:
    case CC_COMP_BF16: cc_cuda_cast_decode_add(c->kind, payload, n, acc, s); return;
    case CC_COMP_INT8:
    case CC_COMP_INT4:
    case CC_COMP_QSGD:
    case CC_COMP_SIGN: cc_cuda_quant_decode_add(c, payload, n, acc, s); return;
    case CC_COMP_TOPK:
#ifdef CCBENCH_HAVE_SPARSE_CUDA
    case CC_COMP_RANDK: cc_cuda_sparse_decode_add(c, payload, n, acc, shared_seed, s); return;
#else
    case CC_COMP_RANDK: sparse_missing(c, "cc_cuda_compress_decode_add"); return;
#endif
    default: cc_cuda_reduce(acc, acc, payload, n, CC_F32, CC_SUM, s); return;  // raw f32, as in C
  }
}

size_t cc_cuda_compress_workspace_bytes(const cc_compressor *c, size_t n) {
  switch (c->kind) {
    case CC_COMP_TOPK:
#ifdef CCBENCH_HAVE_SPARSE_CUDA
    case CC_COMP_RANDK: return cc_cuda_sparse_workspace_bytes(c, n);
#else
    case CC_COMP_RANDK: sparse_missing(c, "cc_cuda_compress_workspace_bytes"); return 0;
#endif
    default: return 0;
  }
}
