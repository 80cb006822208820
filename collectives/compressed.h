// Compressed allreduce: any strategy's algorithm carrying a compressor's payloads (docs/compress.md).
//
// Gradients are f32. Three paths, chosen by the compressor (cc_compressor_path):
//   reduce     fp16/bf16 payloads are allreduced by the strategy's algorithm, which adds 16-bit
//              inputs in f32 at every reduce step; randk's k values (the same positions on every
//              rank) are allreduced as a dense f32 vector.
//   allgather  per-rank scales or positions do not add, so each rank's payload is allgathered (with the
//              strategy's allgather, or ring's when the algorithm has none) and decoded and summed
//              locally in rank order, which gives every rank the same bits.
//   low rank   PowerSGD: the strategy allreduces the two small factors.
// State that lives across steps (error-feedback residual, PowerSGD's warm-started Q, the random
// streams) is per tensor: one cc_compress_state per gradient buffer.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "collectives/comm.h"
#include "common/rng.h"
#include "common/strategy.h"
#include "compress/compressor.h"
#include "compress/powersgd.h"

typedef struct {
  double encode_us, comm_us, decode_us;  // this rank's split of the last call
  uint64_t payload_bytes;                // compressed bytes this rank contributed
} cc_compress_timing;

typedef struct {
  cc_compressor z;
  cc_strategy base;        // the strategy without its compressor: moves the payloads
  size_t count;
  uint64_t seed, step;     // shared seed: same on every rank, advanced every call
  cc_rng rng;              // this rank's stream (stochastic rounding, sampling)
  cc_error_feedback ef;    // when z.ef
  cc_powersgd psgd;        // when PowerSGD
  size_t rows, cols;       // PowerSGD's view of the vector as a matrix (zero-padded)
  void *payload, *gathered;
  float *scratch, *matrix;
} cc_compress_state;

// `seed` must be the same on every rank; `rank` makes the per-rank stream differ.
void cc_compress_state_init(cc_compress_state *st, const cc_strategy *s, size_t count, uint64_t seed, int rank,
                            int ranks);
// The same for a tensor with a 2-D shape (count = rows x cols): PowerSGD factors that matrix instead of
// a near-square view of the vector. cols 0: no shape.
void cc_compress_state_init_matrix(cc_compress_state *st, const cc_strategy *s, size_t count, size_t cols,
                                   uint64_t seed, int rank, int ranks);
void cc_compress_state_free(cc_compress_state *st);

// recv = sum (or average) over ranks of the compressed send vectors. send and recv hold count f32 and
// may be the same buffer. Every rank calls with the same strategy and count.
void cc_compressed_allreduce(cc_comm *c, cc_compress_state *st, const float *send, float *recv, size_t count,
                             cc_redop op, cc_compress_timing *timing);

// State that must survive a restart for a resumed run to continue bit-identically: the call counter,
// this rank's random stream, the error-feedback residual and PowerSGD's warm-started Q. The byte count
// depends only on the strategy and count, so it is the same on every rank.
size_t cc_compress_state_bytes(const cc_compress_state *st);
void cc_compress_state_save(const cc_compress_state *st, void *out);
void cc_compress_state_load(cc_compress_state *st, const void *in);
