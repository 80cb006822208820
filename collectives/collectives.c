// Dispatch from strategy to algorithm, and the hierarchical composition.
#include "collectives/collectives.h"

#include "collectives/algorithms.h"
#include "collectives/baseline_mpi.h"
#include "common/error.h"
#ifdef CCBENCH_HAVE_NCCL
#include "collectives/baseline_nccl.h"
#else
// Without NCCL compiled in the nccl strategy cannot run; tools reject it before calling.
static void no_nccl(void) { CC_FATAL("the nccl strategy needs NCCL, which this build lacks"); }
static void nccl_baseline_allreduce(cc_comm *c, const void *send, void *recv, size_t count, cc_dtype t,
                                    cc_redop op) { no_nccl(); }
static void nccl_baseline_allgather(cc_comm *c, const void *send, void *recv, size_t count_per_rank,
                                    cc_dtype t) { no_nccl(); }
static void nccl_baseline_reduce_scatter(cc_comm *c, const void *send, void *recv, size_t count_per_rank,
                                         cc_dtype t, cc_redop op) { no_nccl(); }
#endif

typedef struct {
  cc_allreduce_fn *allreduce;
  cc_reduce_scatter_fn *reduce_scatter;
  cc_allgather_fn *allgather;
} algo_fns;

// The custom algorithms (hier and the mpi and nccl baselines are handled separately).
static const algo_fns fns[CC_NALGOS] = {
    [CC_ALGO_RING] = {ring_allreduce, ring_reduce_scatter, ring_allgather},
    [CC_ALGO_TREE] = {double_tree_allreduce, NULL, NULL},
    [CC_ALGO_BTREE] = {binary_tree_allreduce, NULL, NULL},
    [CC_ALGO_RD] = {rd_allreduce, NULL, rabenseifner_allgather},  // the allgather is recursive doubling
    [CC_ALGO_RABENSEIFNER] = {rabenseifner_allreduce, rabenseifner_reduce_scatter, rabenseifner_allgather},
};

static const algo_fns *lookup(cc_algo a, cc_coll coll) {
  const algo_fns *f = &fns[a];
  bool ok = coll == CC_ALLREDUCE ? f->allreduce != NULL
          : coll == CC_ALLGATHER ? f->allgather != NULL
                                 : f->reduce_scatter != NULL;
  if (!ok) CC_FATAL("algorithm %s has no %s", cc_algo_name(a), cc_coll_name(coll));
  return f;
}

// Intra-node reduce-scatter, allreduce of my block among the ranks holding the same block on every
// node, intra-node allgather. Only 1/local_size of the vector crosses nodes per rank.
static void hier_allreduce(cc_comm *c, const cc_strategy *s, const void *send, void *recv, size_t count,
                           cc_dtype t, cc_redop op) {
  if (!c->uniform_nodes) CC_FATAL("hier needs the same number of ranks on every node");
  const algo_fns *intra = lookup(s->intra, CC_REDUCE_SCATTER), *inter = lookup(s->inter, CC_ALLREDUCE);
  intra->reduce_scatter(&c->intra, send, recv, count, t, op);
  size_t off = cc_block_offset(count, c->intra.size, c->intra.me);
  size_t cnt = cc_block_count(count, c->intra.size, c->intra.me);
  char *block = cc_at(recv, off, t);
  // avg sums across nodes too, and divides once below by the whole world's size.
  inter->allreduce(&c->inter, block, block, cnt, t, op == CC_AVG ? CC_SUM : op);
  cc_apply_avg(&c->world, block, cnt, t, op, c->world.size);
  intra->allgather(&c->intra, recv, count, t);
}

void cc_allreduce(cc_comm *c, const cc_strategy *s, const void *send, void *recv, size_t count, cc_dtype t,
                  cc_redop op) {
  switch (s->algo) {
    case CC_ALGO_MPI: mpi_baseline_allreduce(c, send, recv, count, t, op); return;
    case CC_ALGO_NCCL: nccl_baseline_allreduce(c, send, recv, count, t, op); return;
    case CC_ALGO_HIER: hier_allreduce(c, s, send, recv, count, t, op); return;
    default: lookup(s->algo, CC_ALLREDUCE)->allreduce(&c->world, send, recv, count, t, op);
  }
}

void cc_allgather(cc_comm *c, const cc_strategy *s, const void *send, void *recv, size_t count_per_rank,
                  cc_dtype t) {
  if (s->algo == CC_ALGO_MPI || s->algo == CC_ALGO_NCCL) {
    if (s->algo == CC_ALGO_MPI) mpi_baseline_allgather(c, send, recv, count_per_rank, t);
    else nccl_baseline_allgather(c, send, recv, count_per_rank, t);
    return;
  }
  const algo_fns *f = lookup(s->algo, CC_ALLGATHER);
  size_t count = count_per_rank * (size_t)c->world.size;
  cc_copy_elems(&c->world, cc_at(recv, count_per_rank * (size_t)c->world.me, t), send, count_per_rank, t);
  f->allgather(&c->world, recv, count, t);
}

void cc_reduce_scatter(cc_comm *c, const cc_strategy *s, const void *send, void *recv, size_t count_per_rank,
                       cc_dtype t, cc_redop op) {
  if (s->algo == CC_ALGO_MPI || s->algo == CC_ALGO_NCCL) {
    if (s->algo == CC_ALGO_MPI) mpi_baseline_reduce_scatter(c, send, recv, count_per_rank, t, op);
    else nccl_baseline_reduce_scatter(c, send, recv, count_per_rank, t, op);
    return;
  }
  const algo_fns *f = lookup(s->algo, CC_REDUCE_SCATTER);
  size_t count = count_per_rank * (size_t)c->world.size;
  size_t mine = count_per_rank * (size_t)c->world.me;
  // In place, send itself is the work buffer and my block already sits where recv points.
  bool in_place = recv == cc_cat(send, mine, t);
  void *work = in_place ? (void *)send : cc_scratch(c, CC_SCRATCH_SLOTS - 1, count * cc_dtype_size(t));
  f->reduce_scatter(&c->world, send, work, count, t, op);
  cc_copy_elems(&c->world, recv, cc_at(work, mine, t), count_per_rank, t);
  cc_apply_avg(&c->world, recv, count_per_rank, t, op, c->world.size);
}
