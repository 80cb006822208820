// Internals of reduce.c exposed for tests and the benchmark: the portable C loops that cc_host_reduce
// and cc_host_divide fall back to when the CPU lacks AVX2/F16C (gcc still vectorizes them for SSE2).
// They give the same bits as the AVX2/F16C paths; for a NaN result only NaN-ness is promised, since
// which input's payload survives an addition is not specified. The divide checks no divisor (only
// cc_host_divide does).
#pragma once
#include <stddef.h>
#include "kernels/dtype.h"

void cc_host_reduce_portable(void *dst, const void *a, const void *b, size_t n, cc_dtype t, cc_redop op);
void cc_host_divide_portable(void *buf, size_t n, cc_dtype t, double divisor);
// The path cc_host_reduce/cc_host_divide take on this CPU: "avx2+f16c" or "portable".
const char *cc_host_reduce_path(void);
