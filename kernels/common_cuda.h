// The C headers .cu files need (common/ and kernels/), seen from CUDA C++: C linkage, and C11's
// _Noreturn spelled so nvcc's C++ front end accepts it. Include it first in every .cu file.
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define _Noreturn __attribute__((noreturn))
extern "C" {
#endif

#include "common/compressor_spec.h"
#include "common/error.h"
#include "common/rng.h"
#include "kernels/dtype.h"

#ifdef __cplusplus
}
#undef _Noreturn
#endif

#include "common/check_cuda.h"
