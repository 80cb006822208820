// Communicator: a transport plus the groups and buffers the algorithms need.
//
// Algorithms run over a *group*: an ordered list of transport ranks, addressed by index 0..size-1.
// The world is one group; hierarchical allreduce also uses the ranks of my node (intra) and the ranks
// holding my local index on every node (inter). Groups are plain rank lists, so any transport can
// serve them without creating sub-communicators.
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collectives/memops.h"
#include "collectives/transport.h"
#include "kernels/dtype.h"

#define CC_SCRATCH_SLOTS 8

typedef struct cc_comm cc_comm;

typedef struct {
  cc_comm *comm;
  int size;    // ranks in the group
  int me;      // my index in the group
  int *ranks;  // group index -> transport rank
} cc_group;

// Pipelining parameters; defaults from cc_comm_create, changeable any time.
typedef struct {
  size_t ring_segment_bytes;  // ring: each block is cut into segments of at most this size
  size_t tree_chunk_bytes;    // tree/btree: the vector is pipelined in chunks of at most this size
} cc_tuning;

struct cc_comm {
  cc_transport *t;
  cc_transport *mpi;     // the MPI transport under t (t itself on the host): baselines, barriers
  const cc_memops *mem;  // of t's memory kind
  cc_tuning tuning;
  // Node layout: every node holds ranks_per_node ranks when `uniform_nodes`.
  int nodes, node, local_rank, local_size;
  bool uniform_nodes;
  cc_group world, intra, inter;
  void *scratch[CC_SCRATCH_SLOTS];
  size_t scratch_bytes[CC_SCRATCH_SLOTS];
  uint64_t bytes_sent;  // payload bytes this rank has posted, for the wire_bytes column
  void *staging;        // host staging buffer (mem->staging_alloc), for baselines through host memory
  size_t staging_bytes;
  // The nccl baseline's communicator when t is not the nccl transport: created on first use by
  // baseline_nccl.c, destroyed with this communicator.
  void *nccl;
  void (*nccl_destroy)(void *nccl);
};

// Builds the groups. ranks_per_node > 0 overrides the transport's node detection: node = rank / n
// (so hierarchical code runs on one host); it must divide the world size (checked by the caller).
// mem must be of the transport's memory kind. Destroy the communicator before its transport.
cc_comm *cc_comm_create(cc_transport *t, const cc_memops *mem, int ranks_per_node);
void cc_comm_destroy(cc_comm *c);

// Returns when every collective called so far has finished. On device buffers a collective may
// return with work queued on the stream (memops.h); call this before the host reads a result.
void cc_comm_sync(cc_comm *c);

// A host buffer of at least `bytes` that copies fast to and from mem's kind (pinned for a GPU),
// reused across calls; for code that must pass through host memory (the MPI baseline on a GPU).
void *cc_staging(cc_comm *c, size_t bytes);

// A scratch buffer of at least `bytes` for slot `slot`, reused across calls. Different slots may be
// used at the same time; one slot must not be held across a nested collective call.
void *cc_scratch(cc_comm *c, int slot, size_t bytes);

// Group-relative communication (peer = group index).
void cc_send(const cc_group *g, int peer, const void *buf, size_t bytes, int tag);
void cc_recv(const cc_group *g, int peer, void *buf, size_t bytes, int tag);
void cc_wait(const cc_group *g);

// Even split of `count` elements into `nblocks` blocks: the first count % nblocks blocks get one more.
// The same layout is used by every algorithm and by the reduce-scatter/allgather APIs.
static inline size_t cc_block_offset(size_t count, int nblocks, int b) {
  size_t base = count / (size_t)nblocks, extra = count % (size_t)nblocks;
  return base * (size_t)b + ((size_t)b < extra ? (size_t)b : extra);
}
static inline size_t cc_block_count(size_t count, int nblocks, int b) {
  return count / (size_t)nblocks + ((size_t)b < count % (size_t)nblocks ? 1 : 0);
}

// Byte pointer arithmetic on element offsets.
static inline char *cc_at(void *buf, size_t elem, cc_dtype t) { return (char *)buf + elem * cc_dtype_size(t); }
static inline const char *cc_cat(const void *buf, size_t elem, cc_dtype t) {
  return (const char *)buf + elem * cc_dtype_size(t);
}
