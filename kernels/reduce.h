// Host (C) reference kernels for reductions. The CUDA twins in kernels/*.cu must give the same bits.
#pragma once
#include <stddef.h>
#include "kernels/dtype.h"

// dst[i] = a[i] + b[i] for i < n. dst may be the same pointer as a or b (in-place); partial overlap is
// not allowed. 16-bit types add in f32 and round once.
void cc_host_reduce(void *dst, const void *a, const void *b, size_t n, cc_dtype t);
// buf[i] = buf[i] / divisor, computed in the type's accumulation precision (f32 for 16-bit types,
// then rounded). Used for the avg op: the sum divided by the number of ranks.
void cc_host_divide(void *buf, size_t n, cc_dtype t, double divisor);
