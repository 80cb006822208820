// Host (C) reference kernels for reductions. The CUDA twins in kernels/*.cu must give the same bits.
//
// What each op computes per element (docs/kernels.md):
//   floats    sum a + b, prod a * b (16-bit types in f32, rounded once); min and max pick one input,
//             IEEE 754-2019's minimum/maximum: -0 < +0, and a NaN input gives a NaN (only NaN-ness is
//             promised, as for sums). 16-bit types compare in f32 and keep the chosen input's bits.
//   integers  sum and prod wrap modulo 2^bits; min and max compare as the type (signed or unsigned).
// Every op is commutative (NaN payloads aside), so a + b and b + a computed on two ranks agree.
#pragma once
#include <stddef.h>
#include "kernels/dtype.h"

// dst[i] = a[i] op b[i] for i < n. CC_AVG reduces as CC_SUM (its division is cc_host_divide, once, on
// the finished sum). dst may be the same pointer as a or b (in-place); partial overlap is not allowed.
void cc_host_reduce(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cc_redop op);
// buf[i] = buf[i] / divisor: the avg op's division of the sum by the number of ranks.
//   floats    in the type's accumulation precision (f32 for 16-bit types, then rounded);
//   integers  the value (signed types: as signed) divided by the divisor, truncated toward zero; the
//             divisor must be a whole number in [1, 2^63) (anything else is fatal).
void cc_host_divide(void *buf, size_t n, cc_dtype t, double divisor);
