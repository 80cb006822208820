// Gradient synchronization of the data-parallel trainer: the gradient is cut into buckets and each
// bucket is averaged over the ranks with one strategy of collectives/ (and its compressor).
//
// Buckets follow backward, as DDP's do: the caller describes which ranges of the flat gradient are
// final after which backward stage (grad_segment), and buckets are filled in stage order (the LM head
// first, the embeddings last), so the first bucket is ready early in backward. A bucket whose ranges
// are not adjacent in the flat gradient is packed into a buffer of its own for its collective. With
// overlap, a communication thread averages each bucket as soon as its stage is done while backward
// goes on, and grad_sync_end waits only for what is still in flight; without, grad_sync_end averages
// them all. The buckets, their order and every call are the same either way, so the results are the
// same bits.
//
// Each compressed bucket keeps its own state (error-feedback residual, PowerSGD's Q, random stream),
// since those describe one gradient slice across steps. PowerSGD approximates a weight matrix by a
// low-rank product, which means something only for the matrix's own shape: with it, every weight
// matrix the caller names is one unit compressed with its shape, and whatever lies between them
// (biases, LayerNorm parameters) goes into uncompressed buckets.
//
// Threads: with overlap the communication thread is the only one calling MPI between grad_sync_begin
// and the return of grad_sync_end (MPI must be initialized with at least MPI_THREAD_SERIALIZED); the
// caller must not use the communicator then.
#pragma once
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collectives/comm.h"
#include "collectives/compressed.h"
#include "common/strategy.h"

typedef struct {
  double encode_us, comm_us, decode_us;  // this rank's split of one sync (comm only, uncompressed)
  double exposed_us;  // the caller's wait in grad_sync_end: communication backward did not hide
  uint64_t wire_bytes;     // bytes this rank sent (0 for the mpi baseline: MPI's own)
  uint64_t payload_bytes;  // compressed bytes this rank contributed (4 count uncompressed)
} sync_timing;

// count elements of the flat gradient from offset, final after backward stage `stage` (0 first).
typedef struct {
  size_t offset, count;
  int stage;
} grad_segment;

// A weight matrix inside the flat gradient: rows x cols elements from offset.
typedef struct {
  size_t offset, rows, cols;
} grad_matrix;

typedef struct {
  size_t offset, count;
} grad_piece;

// One collective call per step over the unit's pieces, with or without the compressor.
typedef struct {
  grad_piece *pieces;
  int npieces;
  size_t count;    // elements, all pieces together
  int stage;       // ready once backward finished this stage
  bool compressed;
  float *packed;   // count elements when the unit has several pieces; NULL: in place
  cc_compress_state state;  // when compressed
} sync_unit;

typedef struct {
  cc_comm *comm;
  cc_strategy plain;    // the strategy without its compressor, for uncompressed units
  size_t bucket_elems;  // elements per bucket (the last may be shorter)
  int nunits;
  sync_unit *units;     // in the order they run: by stage
  // Overlap: the communication thread and what it shares with the caller (under lock).
  bool overlap;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;  // a stage is done, a step ends, or quit
  pthread_cond_t idle;  // the last unit of the step is done
  float *grads;         // of the step in flight
  int stage;            // highest stage done this step (-1: none yet)
  int next;             // next unit to run
  bool stepping, quit;
  sync_timing timing;   // of the step in flight, added to by whoever runs the units
  uint64_t sent_before;
} grad_sync;

typedef struct {
  size_t bucket_bytes;
  const grad_segment *segments;  // covering [0, count) without overlap; NULL: all of it at stage 0
  int nsegments;
  const grad_matrix *matrices;   // sorted by offset, not empty, each inside one segment; NULL: none
  int nmatrices;
  uint64_t seed;  // the same on every rank (compressors share their sampling streams through it)
  bool overlap;   // start a communication thread
} grad_sync_options;

void grad_sync_init(grad_sync *gs, cc_comm *comm, const cc_strategy *s, size_t count, const grad_sync_options *o);
void grad_sync_free(grad_sync *gs);

// One step: begin, then stage_done as backward finishes each stage (in any thread; without overlap a
// no-op), then end, which returns with grads = the average over ranks of every rank's grads.
void grad_sync_begin(grad_sync *gs, float *grads);
void grad_sync_stage_done(grad_sync *gs, int stage);
void grad_sync_end(grad_sync *gs, sync_timing *t);
// begin + end: the whole gradient after backward.
void grad_sync_run(grad_sync *gs, float *grads, sync_timing *t);

// Compressor state of every bucket as one blob, for checkpoints (0 bytes when uncompressed).
size_t grad_sync_state_bytes(const grad_sync *gs);
void grad_sync_state_save(const grad_sync *gs, void *out);
void grad_sync_state_load(grad_sync *gs, const void *in);
