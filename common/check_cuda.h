// CC_CHECK_CUDA / CC_CHECK_NCCL / CC_CHECK_CUBLAS: fail with file:line, the call and the library's
// own description of the error. Header-only so common/ does not link CUDA.
#pragma once
#include "common/error.h"

#if defined(__CUDACC__) || defined(CUDART_VERSION)
#define CC_CHECK_CUDA(call)                                                                  \
  do {                                                                                       \
    cudaError_t cc_cuda_rc_ = (call);                                                        \
    if (cc_cuda_rc_ != cudaSuccess)                                                          \
      cc_fatal_at(__FILE__, __LINE__, "%s failed: %s (%s)", #call,                           \
                  cudaGetErrorString(cc_cuda_rc_), cudaGetErrorName(cc_cuda_rc_));           \
  } while (0)
#endif

#ifdef NCCL_H_
#define CC_CHECK_NCCL(call)                                                                  \
  do {                                                                                       \
    ncclResult_t cc_nccl_rc_ = (call);                                                       \
    if (cc_nccl_rc_ != ncclSuccess)                                                          \
      cc_fatal_at(__FILE__, __LINE__, "%s failed: %s", #call,                                \
                  ncclGetErrorString(cc_nccl_rc_));                                          \
  } while (0)
#endif

// Defined when cublas_v2.h was included before this header.
#ifdef CUBLAS_API_H_
#define CC_CHECK_CUBLAS(call)                                                                \
  do {                                                                                       \
    cublasStatus_t cc_cublas_rc_ = (call);                                                   \
    if (cc_cublas_rc_ != CUBLAS_STATUS_SUCCESS)                                              \
      cc_fatal_at(__FILE__, __LINE__, "%s failed: %s", #call,                                \
                  cublasGetStatusString(cc_cublas_rc_));                                     \
  } while (0)
#endif
