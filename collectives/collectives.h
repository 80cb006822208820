// Public entry points: one call per collective, any strategy, any transport.
//
// Buffer conventions follow NCCL:
//   allreduce       send, recv: count elements each; send == recv is in place.
//   allgather       send: count_per_rank elements; recv: size * count_per_rank; in place when
//                   send == recv + rank * count_per_rank.
//   reduce_scatter  send: size * count_per_rank; recv: count_per_rank; in place when
//                   recv == send + rank * count_per_rank (send's other blocks are then overwritten).
// Reductions take any dtype and op (kernels/reduce.h says what each computes; avg is the sum divided
// once by the number of ranks). Every rank must call with the same strategy, count, dtype and op. The
// strategy must implement the collective (cc_strategy_implements) and hier needs the same number of
// ranks on every node; violations are fatal, so callers validate input first.
#pragma once
#include <stddef.h>

#include "collectives/comm.h"
#include "common/strategy.h"

void cc_allreduce(cc_comm *c, const cc_strategy *s, const void *send, void *recv, size_t count, cc_dtype t,
                  cc_redop op);
void cc_allgather(cc_comm *c, const cc_strategy *s, const void *send, void *recv, size_t count_per_rank,
                  cc_dtype t);
void cc_reduce_scatter(cc_comm *c, const cc_strategy *s, const void *send, void *recv, size_t count_per_rank,
                       cc_dtype t, cc_redop op);
