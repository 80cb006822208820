// The algorithms, each written once over groups (comm.h) and memops (memops.h).
//
// Conventions shared by every algorithm:
//   - allreduce: recv = op over the group of send (count elements); send == recv means in-place.
//     The op is applied by memops' reduce (kernels/reduce.h: sum, prod, min, max, every one
//     commutative). op CC_AVG sums, then divides by the group size once, on one copy of each element,
//     so every rank ends with the same bits.
//   - reduce-scatter phase: `count` elements are cut into g->size blocks (cc_block_*). Afterwards
//     work[block g->me] holds op over the group of that block; other blocks of work are unspecified.
//     send may equal work (in place). avg only sums: the caller divides.
//   - allgather phase: work[block g->me] holds this rank's block; afterwards work holds all blocks.
// A group of size 1 is handled by every function (a copy at most).
#pragma once
#include <stddef.h>

#include "collectives/comm.h"
#include "kernels/dtype.h"

typedef void cc_allreduce_fn(const cc_group *g, const void *send, void *recv, size_t count, cc_dtype t,
                             cc_redop op);
typedef void cc_reduce_scatter_fn(const cc_group *g, const void *send, void *work, size_t count,
                                  cc_dtype t, cc_redop op);
typedef void cc_allgather_fn(const cc_group *g, void *work, size_t count, cc_dtype t);

// ring.c: reduce-scatter + allgather around the ring, segments pipelined.
cc_allreduce_fn ring_allreduce;
cc_reduce_scatter_fn ring_reduce_scatter;
cc_allgather_fn ring_allgather;

// tree.c: pipelined reduce to the root + broadcast; double binary tree (two complementary trees,
// each carrying half the vector, as NCCL does) or a single binary tree.
cc_allreduce_fn double_tree_allreduce;
cc_allreduce_fn binary_tree_allreduce;

// rd.c: recursive doubling, whole vector every step.
cc_allreduce_fn rd_allreduce;

// rabenseifner.c: recursive-halving reduce-scatter + recursive-doubling allgather.
cc_allreduce_fn rabenseifner_allreduce;
cc_reduce_scatter_fn rabenseifner_reduce_scatter;
cc_allgather_fn rabenseifner_allgather;

// Divides a span by the number of contributions when op is avg.
void cc_apply_avg(const cc_group *g, void *buf, size_t n, cc_dtype t, cc_redop op, int contributions);
// send -> recv copy for out-of-place calls (no-op in place).
void cc_copy_elems(const cc_group *g, void *dst, const void *src, size_t n, cc_dtype t);
