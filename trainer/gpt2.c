// The GPT-2 model (gpt2.h) and its f64 twin for tests (gpt2_check.h): both are
// trainer/gpt2_layers.h, compiled once per element type.
#include "trainer/gpt2.h"
#include "trainer/gpt2_check.h"

// The trainer's model. Blocking for caches: a 256-deep slice of a matmul is 4 KiB of packed A and
// 8 KiB of B per register tile (L1); a column block of B is 256 KiB (L2). Attention blocks of 16
// query rows waste at most 15 masked columns per row.
#define REAL float
#define MODEL gpt2
#define FN(name) name##_f32
#define API(name) gpt2_##name
#define MM_DEPTH 256
#define MM_BLOCK 65536
#define ATT_ROWS 16
#define HEAD_CHUNK 64
#include "trainer/gpt2_layers.h"

// The f64 twin, for tests. Tiny blocks, so that the tiny models of the gradient check run through
// every slice, block and chunk boundary (and the f32 model, compared against it, checks the
// others).
#define REAL double
#define MODEL gpt2_f64
#define FN(name) name##_f64
#define API(name) gpt2_f64_##name
#define MM_DEPTH 7
#define MM_BLOCK 64
#define ATT_ROWS 3
#define HEAD_CHUNK 3
#include "trainer/gpt2_layers.h"
