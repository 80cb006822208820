// Gradient synchronization of the data-parallel trainer: the flat gradient is cut into buckets and
// each bucket is averaged over the ranks with one strategy of collectives/ (and its compressor).
//
// Buckets bound the memory a collective needs and are the unit a future overlap with the backward pass
// would hand over; each compressed bucket keeps its own state (error-feedback residual, PowerSGD's Q,
// random stream), since those describe one tensor slice across steps.
//
// PowerSGD approximates a weight matrix by a low-rank product, which means something only for the
// matrix's own shape: with it, every weight matrix the caller names is one unit compressed with its
// shape, and whatever lies between them (biases, LayerNorm parameters) is averaged uncompressed.
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collectives/comm.h"
#include "collectives/compressed.h"
#include "common/strategy.h"

typedef struct {
  double encode_us, comm_us, decode_us;  // this rank's split of one sync (comm only, uncompressed)
  uint64_t wire_bytes;                   // bytes this rank sent (0 for the mpi baseline: MPI's own)
  uint64_t payload_bytes;                // compressed bytes this rank contributed (4 count uncompressed)
} sync_timing;

// A weight matrix inside the flat gradient: rows x cols elements from offset.
typedef struct {
  size_t offset, rows, cols;
} grad_matrix;

// One collective call per step: count elements from offset, with or without the compressor.
typedef struct {
  size_t offset, count;
  bool compressed;
  cc_compress_state state;  // when compressed
} sync_unit;

typedef struct {
  cc_comm *comm;
  cc_strategy strategy;
  cc_strategy plain;    // the strategy without its compressor, for uncompressed units
  size_t count;         // gradient elements
  size_t bucket_elems;  // elements per bucket (the last may be shorter)
  int nunits;
  sync_unit *units;
} grad_sync;

// `seed` must be the same on every rank (compressors share their sampling streams through it).
// `matrices` (sorted by offset, not overlapping; may be NULL) are used by shape-aware compressors.
void grad_sync_init(grad_sync *gs, cc_comm *comm, const cc_strategy *s, size_t count, size_t bucket_bytes,
                    const grad_matrix *matrices, int nmatrices, uint64_t seed);
void grad_sync_free(grad_sync *gs);
// grads = the average over ranks of every rank's grads (through the compressor when there is one).
void grad_sync_run(grad_sync *gs, float *grads, sync_timing *t);

// Compressor state of every bucket as one blob, for checkpoints (0 bytes when uncompressed).
size_t grad_sync_state_bytes(const grad_sync *gs);
void grad_sync_state_save(const grad_sync *gs, void *out);
void grad_sync_state_load(grad_sync *gs, const void *in);
