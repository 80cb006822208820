// The GPT-2 model (gpt2.h) and its f64 twin for tests (gpt2_check.h): both are
// trainer/gpt2_layers.h, compiled once per element type.
#include <cblas.h>

#include "trainer/gpt2.h"
#include "trainer/gpt2_check.h"

// The trainer's model: matmuls through the BLAS (OpenBLAS). Attention blocks of 32 query rows
// waste at most 31 masked columns per row and make each head a few calls of useful size; the LM
// head's backward takes 256 rows of logit gradient per pair of calls.
#define REAL float
#define MODEL gpt2
#define FN(name) name##_f32
#define API(name) gpt2_##name
#define BLAS_GEMM cblas_sgemm
#define ATT_ROWS 32
#define HEAD_CHUNK 256
#include "trainer/gpt2_layers.h"
#undef BLAS_GEMM

// The f64 twin, for tests, with the hand-written matmul: an independent check of the BLAS model.
// Tiny blocks, so that the tiny models of the gradient check run through every slice, block and
// chunk boundary.
#define REAL double
#define MODEL gpt2_f64
#define FN(name) name##_f64
#define API(name) gpt2_f64_##name
#define MM_DEPTH 7
#define MM_BLOCK 64
#define ATT_ROWS 3
#define HEAD_CHUNK 3
#include "trainer/gpt2_layers.h"
