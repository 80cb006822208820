// The cost of a compressed allreduce (docs/cost-model.md, "Compressed allreduce"):
//
//   T = encode + communication + decode
//
// Communication follows collectives/compressed.c path by path, with payload sizes from compress/'s own
// functions (cc_compressed_bytes, cc_powersgd_bytes), so a prediction moves exactly the bytes a
// measured run moves:
//   reduce     fp16, bf16, randk: the base algorithm's allreduce of one payload
//   allgather  int8, int4, qsgd, sign, topk: an allgather of P payloads (whole f32 words each) with the
//              base algorithm's allgather, ring's when it has none (tree, btree, hier)
//   low rank   powersgd:q: two allreduces, rows x q and cols x q floats, of the vector viewed as a
//              rows x cols matrix; a matrix whose factors would be no smaller goes uncompressed
// Encode and decode are the compressor's local work, priced by its profile entry (cc_compress_rates_of).
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/strategy.h"
#include "sim/model.h"
#include "sim/profile.h"

// What a compressed allreduce of n f32 elements moves.
typedef struct {
  cc_comp_path path;
  size_t n;               // f32 elements in the vector
  size_t payload_bytes;   // one rank's payload (low rank: both factors, or the vector when uncompressed)
  size_t gathered_bytes;  // allgather path: the allgather's whole buffer, P payloads padded to f32 words
  size_t rows, cols;      // low rank: the matrix PowerSGD factors
  int rank;               // low rank: q clamped to min(rows, cols), as cc_powersgd_init clamps it
  bool factors_sent;      // low rank: false when the factors would be no smaller than the matrix
} cc_compressed_layout;

// cols 0: the near-square view compressed.c takes of a bucket (cols = ceil(sqrt(n))); else the given
// shape (n must then be a multiple of cols), as cctrain's per-matrix state.
void cc_compressed_layout_of(const cc_compressor *z, size_t n, size_t cols, int ranks, cc_compressed_layout *out);

// The terms of a compressed allreduce of `bytes` (f32, so bytes / 4 elements) under s. cols as above.
// 0, or -1 with a reason in err (not an allreduce, or the base strategy does not suit the topology).
int cc_compressed_cost(const cc_profile *p, const cc_strategy *s, cc_coll op, cc_topology t, double bytes,
                       size_t cols, cc_cost *out, char *err, size_t errlen);

// Where a compressor's rates come from, in the order they are looked for.
typedef enum {
  CC_RATES_EXACT,    // an entry under the compressor's spelling ("topk:0.01+ef")
  CC_RATES_NO_EF,    // the spelling without +ef; error feedback's own decode priced on top
  CC_RATES_KIND,     // the kind's name ("topk")
  CC_RATES_DEFAULT,  // none: memory-bound defaults from the intra link's beta + gamma (cost-model.md)
} cc_rates_source;

// The rates a cost with compressor `name` (kind `kind`) is priced with. *ef_priced: whether error
// feedback's decode of its own payload is priced on top (it is inside an entry fitted with +ef).
cc_rates_source cc_compress_rates_of(const cc_profile *p, const char *name, int kind, cc_compress_cost *rates,
                                     bool *ef_priced);
