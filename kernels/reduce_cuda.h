// CUDA twins of kernels/reduce.h: the same bits as cc_host_reduce / cc_host_divide, on a stream.
//
// Both are asynchronous on stream s (they only enqueue a kernel); n = 0 enqueues nothing. Pointers are
// device memory; dst may equal a or b (in place), partial overlap is not allowed. Any alignment of
// the element type works; 16-byte aligned pointers (or pointers sharing one misalignment) take the
// wide loads. For a NaN result only NaN-ness is promised, as in the C reference.
#pragma once
#include <stddef.h>

#include <cuda_runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "kernels/dtype.h"

// dst = a op b element-wise on the device, on stream s (asynchronous), every dtype and op; CC_AVG
// reduces as CC_SUM. Same bits as cc_host_reduce (reduce.h says what each op computes).
void cc_cuda_reduce(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cc_redop op, cudaStream_t s);
// buf /= divisor on the device, on stream s. Same bits as cc_host_divide: f32, f16 and bf16 divide in
// f32 by (float)divisor (16-bit types then round once), f64 in f64; integers take the quotient
// truncated toward zero and need a whole divisor in [1, 2^63) (anything else is fatal).
void cc_cuda_divide(void *buf, size_t n, cc_dtype t, double divisor, cudaStream_t s);

#ifdef __cplusplus
}
#endif
