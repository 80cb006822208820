// Cost terms per algorithm, following what collectives/ does step by step (docs/cost-model.md).
//
// The critical path is that of the busiest rank: every message it waits for pays alpha, every byte it
// receives pays beta, every byte it reduces pays gamma. A step pays the inter-node link when any pair
// communicating in it sits on different nodes (all ranks step together).
#include "sim/model.h"

#include <math.h>
#include <stdio.h>

#include "sim/compressed_model.h"

// A group of ranks as the algorithms see it: `size` ranks, `per_node` consecutive ranks per node.
typedef struct {
  int size, per_node;
} group;

static bool one_node(group g) { return g.per_node >= g.size; }

// Level of a step in which ranks talk only inside aligned blocks of `span` consecutive ranks.
static cc_level span_level(group g, int span) {
  return one_node(g) || g.per_node % span == 0 ? CC_INTRA : CC_INTER;
}

static void add(cc_cost *c, cc_level l, double msgs, double bytes, double reduced) {
  if (c->eager_bytes > 0 && msgs > 0 && bytes / msgs > c->eager_bytes) c->rndv_msgs += msgs;
  c->msgs[l] += msgs;
  c->bytes[l] += bytes;
  c->reduced[l] += reduced;
}

static int pow2_floor(int p) {
  int p2 = 1;
  while (p2 * 2 <= p) p2 *= 2;
  return p2;
}

static int log2_floor(int p) {
  int l = 0;
  while ((2 << l) <= p) l++;
  return l;
}

// --- ring: P-1 steps of n/P bytes per phase, each block cut into S segments ------------------------
static void ring_cost(cc_cost *c, group g, double n, double segment, bool reduce_scatter, bool allgather) {
  int P = g.size;
  if (P == 1) return;
  double block = n / P;
  double S = fmin(fmax(1.0, ceil(block / segment)), 4096.0);
  cc_level l = one_node(g) ? CC_INTRA : CC_INTER;  // the ring's wrap-around hop crosses nodes
  if (reduce_scatter) add(c, l, (P - 1) * S, (P - 1) * block, (P - 1) * block);
  if (allgather) add(c, l, (P - 1) * S, (P - 1) * block, 0);
}

// --- folding for non-powers of two (fold.c): ranks 2i give their vector to 2i+1 and get it back ----
typedef struct {
  int p2, extra;
} fold;

static fold fold_of(group g) {
  fold f = {.p2 = pow2_floor(g.size)};
  f.extra = g.size - f.p2;
  return f;
}

// Step exchanging within aligned blocks of `span` core ranks. Folding shifts ranks off the aligned
// layout, so with extra ranks on several nodes every core step is charged to the inter-node link.
static cc_level core_level(group g, fold f, int span) {
  return f.extra && !one_node(g) ? CC_INTER : span_level(g, span);
}

// --- recursive doubling: log2 p2 exchanges of the whole vector ------------------------------------
static void rd_cost(cc_cost *c, group g, double n) {
  if (g.size == 1) return;
  fold f = fold_of(g);
  if (f.extra) add(c, span_level(g, 2), 1, n, n);  // fold in: receive the partner's vector, add it
  for (int mask = 1; mask < f.p2; mask <<= 1) add(c, core_level(g, f, 2 * mask), 1, n, n);
  if (f.extra) add(c, span_level(g, 2), 1, n, 0);  // fold out: hand the result back
}

// --- Rabenseifner: recursive halving, then recursive doubling of the halves ------------------------
static void halving_cost(cc_cost *c, group g, fold f, double n) {
  for (int mask = f.p2 / 2; mask >= 1; mask >>= 1) {
    double half = n * mask / f.p2;  // the part of my range I receive and reduce
    add(c, core_level(g, f, 2 * mask), 1, half, half);
  }
}

static void doubling_cost(cc_cost *c, group g, fold f, double n) {
  for (int mask = 1; mask < f.p2; mask <<= 1) add(c, core_level(g, f, 2 * mask), 1, n * mask / f.p2, 0);
}

static void rabenseifner_allreduce_cost(cc_cost *c, group g, double n) {
  if (g.size == 1) return;
  fold f = fold_of(g);
  if (f.extra) add(c, span_level(g, 2), 1, n, n);
  halving_cost(c, g, f, n);
  doubling_cost(c, g, f, n);
  if (f.extra) add(c, span_level(g, 2), 1, n, 0);
}

static void rabenseifner_reduce_scatter_cost(cc_cost *c, group g, double n) {
  if (g.size == 1) return;
  fold f = fold_of(g);
  if (f.extra) add(c, span_level(g, 2), 1, n, n);
  halving_cost(c, g, f, n);
  if (f.extra) add(c, span_level(g, 2), 1, n / g.size, 0);  // the folded neighbour's own block
}

static void rabenseifner_allgather_cost(cc_cost *c, group g, double n) {
  if (g.size == 1) return;
  fold f = fold_of(g);
  if (f.extra) add(c, span_level(g, 2), 1, n / g.size, 0);
  doubling_cost(c, g, f, n);
  if (f.extra) add(c, span_level(g, 2), 1, n, 0);
}

// --- pipelined trees (tree.c): C chunks per tree flow through C + 2H - 1 lock-step rounds ---------
// Per rank, received and reduced bytes in units of n, from the tree shapes (tree_shape.h): in the
// double tree a rank is an inner node (two children, a parent) of one tree and a leaf of the other.
static void tree_volume(int P, int ntrees, double *recv, double *reduce) {
  if (ntrees == 2) {
    *recv = P == 2 ? 1.0 : P == 3 ? 1.5 : 2.0;
    *reduce = P == 2 ? 0.5 : 1.0;
  } else {
    *recv = P == 2 ? 1.0 : P == 3 ? 2.0 : 3.0;
    *reduce = P == 2 ? 1.0 : 2.0;
  }
}

static void tree_cost(cc_cost *c, group g, double n, int ntrees, double chunk) {
  int P = g.size;
  if (P == 1) return;
  double per_tree = n / ntrees;
  double C = fmin(fmax(1.0, ceil(per_tree / chunk)), (double)(1 << 20));
  int H = log2_floor(P);  // height of the in-order tree over P positions
  double recv, reduce;
  tree_volume(P, ntrees, &recv, &reduce);
  add(c, one_node(g) ? CC_INTRA : CC_INTER, C + 2 * H - 1, recv * n, reduce * n);
}

// --- dispatch -------------------------------------------------------------------------------------
static int allreduce_cost(const cc_profile *p, cc_algo a, group g, double n, cc_cost *c) {
  switch (a) {
    case CC_ALGO_RING: ring_cost(c, g, n, (double)p->ring_segment_bytes, true, true); return 0;
    case CC_ALGO_TREE: tree_cost(c, g, n, 2, (double)p->tree_chunk_bytes); return 0;
    case CC_ALGO_BTREE: tree_cost(c, g, n, 1, (double)p->tree_chunk_bytes); return 0;
    case CC_ALGO_RD: rd_cost(c, g, n); return 0;
    case CC_ALGO_RABENSEIFNER: rabenseifner_allreduce_cost(c, g, n); return 0;
    default: return -1;
  }
}

// --- the MPI library's allreduce -------------------------------------------------------------------
typedef enum { LIB_RING, LIB_RD, LIB_RABENSEIFNER, LIB_REDUCE_BCAST } lib_algo;

// Open MPI 4.1's fixed decision for commutative operations (coll/tuned, coll_tuned_decision_fixed.c):
// for communicators below `below_ranks`, the algorithm for sizes below each bound in turn. Its
// segmented ring with the default segment size runs as the plain ring; "nonoverlapping" is a reduce
// followed by a broadcast.
#define LIB_STEPS 4
static const struct {
  int below_ranks;
  double below_bytes[LIB_STEPS + 2];
  lib_algo algo[LIB_STEPS + 2];
} openmpi_allreduce[] = {
    {4, {8, 4096, 8192, 16384, 262144, INFINITY}, {LIB_RING, LIB_RD, LIB_RING, LIB_RD, LIB_RING, LIB_RABENSEIFNER}},
    {8, {16, 8192, INFINITY}, {LIB_RING, LIB_RD, LIB_RABENSEIFNER}},
    {16, {8192, INFINITY}, {LIB_RD, LIB_RABENSEIFNER}},
    {32, {64, 4096, INFINITY}, {LIB_RING, LIB_RD, LIB_RABENSEIFNER}},
    {64, {128, INFINITY}, {LIB_RING, LIB_RABENSEIFNER}},
    {128, {262144, INFINITY}, {LIB_RD, LIB_RABENSEIFNER}},
    {256, {131072, 262144, INFINITY}, {LIB_REDUCE_BCAST, LIB_RD, LIB_RABENSEIFNER}},
    {512, {4096, INFINITY}, {LIB_REDUCE_BCAST, LIB_RABENSEIFNER}},
    {2048, {2048, 16384, INFINITY}, {LIB_REDUCE_BCAST, LIB_RD, LIB_RABENSEIFNER}},
    {4096, {2048, 4096, 16384, INFINITY}, {LIB_REDUCE_BCAST, LIB_RING, LIB_RD, LIB_RABENSEIFNER}},
    {1 << 30, {2048, 16384, 32768, INFINITY}, {LIB_REDUCE_BCAST, LIB_RING, LIB_RD, LIB_RABENSEIFNER}},
};

static lib_algo openmpi_choice(int P, double n) {
  int row = 0;
  while (P >= openmpi_allreduce[row].below_ranks) row++;
  int k = 0;
  while (n >= openmpi_allreduce[row].below_bytes[k]) k++;
  return openmpi_allreduce[row].algo[k];
}

static lib_algo mpi_choice(const cc_profile *p, int P, double n) {
  switch (p->mpi_decision) {
    case CC_MPI_MPICH: return n <= 2048 ? LIB_RD : LIB_RABENSEIFNER;  // MPIR_CVAR_ALLREDUCE_SHORT_MSG_SIZE
    case CC_MPI_SWITCH: return n < (double)p->mpi_rd_max_bytes ? LIB_RD : LIB_RING;
    default: {
      // Open MPI's rings hand vectors of fewer elements than ranks to recursive doubling. The model
      // sees bytes, not elements: it counts 4-byte elements (f32, the common case).
      lib_algo a = openmpi_choice(P, n);
      return a == LIB_RING && n < 4.0 * P ? LIB_RD : a;
    }
  }
}

// The libraries' Rabenseifner (Open MPI's redscat_allgather, MPICH's reduce_scatter_allgather) halves
// the vector while it *doubles* the distance: the first exchange, of n/2, is with the neighbour at
// distance 1 (inside the node when ranks fill nodes in order), the last, of n/p2, with the farthest.
// The allgather runs the same exchanges backwards. Open MPI folds the extra ranks by halves (each of a
// pair reduces one half, the odd one hands its half back); MPICH hands whole vectors, as fold.c does.
static void library_rabenseifner_cost(const cc_profile *p, cc_cost *c, group g, double n) {
  if (g.size == 1) return;
  fold f = fold_of(g);
  bool halves = p->mpi_decision != CC_MPI_MPICH;
  if (f.extra) {
    if (halves) add(c, span_level(g, 2), 2, n, n / 2);
    else add(c, span_level(g, 2), 1, n, n);
  }
  for (int mask = 1; mask < f.p2; mask <<= 1) {
    double part = n / (2.0 * mask);
    add(c, core_level(g, f, 2 * mask), 1, part, part);
  }
  for (int mask = f.p2 / 2; mask >= 1; mask >>= 1) add(c, core_level(g, f, 2 * mask), 1, n / (2.0 * mask), 0);
  if (f.extra) add(c, span_level(g, 2), 1, n, 0);  // the folded rank gets the whole result
}

// Binomial reduce to a root, then binomial broadcast: ceil(log2 P) steps of the whole vector each way.
static void reduce_bcast_cost(cc_cost *c, group g, double n) {
  double steps = ceil(log2((double)g.size));
  cc_level l = one_node(g) ? CC_INTRA : CC_INTER;
  add(c, l, steps, steps * n, steps * n);
  add(c, l, steps, steps * n, 0);
}

// Open MPI allocates its temporaries on every call and frees them after; at or above glibc's mmap
// threshold they come back as fresh pages that fault in as they are written.
static void fresh_temporary(const cc_profile *p, cc_cost *c, double bytes) {
  if (bytes >= (double)p->mmap_threshold_bytes) c->faulted += bytes;
}

// The library's rings are not segmented by us (S = 1). Temporaries: recursive doubling and
// Rabenseifner one vector, the ring one block (two when P > 2).
static void mpi_allreduce_cost(const cc_profile *p, group g, double n, cc_cost *c) {
  if (g.size == 1) return;
  switch (mpi_choice(p, g.size, n)) {
    case LIB_RD:
      rd_cost(c, g, n);
      fresh_temporary(p, c, n);
      return;
    case LIB_RABENSEIFNER:
      library_rabenseifner_cost(p, c, g, n);
      fresh_temporary(p, c, n);
      return;
    case LIB_REDUCE_BCAST: reduce_bcast_cost(c, g, n); return;
    case LIB_RING:
      ring_cost(c, g, n, INFINITY, true, true);
      for (int k = 0; k < (g.size > 2 ? 2 : 1); k++) fresh_temporary(p, c, ceil(n / g.size));
      return;
  }
}

static int hier_cost(const cc_profile *p, const cc_strategy *s, cc_topology t, double n, cc_cost *c,
                     char *err, size_t errlen) {
  int local = t.ranks_per_node < t.ranks ? t.ranks_per_node : t.ranks;
  if (t.ranks % local != 0) {
    snprintf(err, errlen, "hier needs the same number of ranks on every node (%d ranks, %d per node)", t.ranks,
             t.ranks_per_node);
    return -1;
  }
  group intra = {.size = local, .per_node = local}, inter = {.size = t.ranks / local, .per_node = 1};
  // One rank per node: the intra reduce-scatter is a local copy of the vector into the result buffer
  // (out of place), a memory copy priced like a received byte.
  if (local == 1) add(c, CC_INTRA, 0, n, 0);
  if (s->intra == CC_ALGO_RING) ring_cost(c, intra, n, (double)p->ring_segment_bytes, true, false);
  else rabenseifner_reduce_scatter_cost(c, intra, n);
  if (allreduce_cost(p, s->inter, inter, n / local, c) != 0) {
    snprintf(err, errlen, "hier: no model for inter-node algorithm %s", cc_algo_name(s->inter));
    return -1;
  }
  if (s->intra == CC_ALGO_RING) ring_cost(c, intra, n, (double)p->ring_segment_bytes, false, true);
  else rabenseifner_allgather_cost(c, intra, n);
  return 0;
}

// Host memory: every rank on a node keeps a send and a receive buffer of the collective's size. When
// that working set W outgrows the cache, the fraction 1 - cache/W of the traffic streams from memory.
static void memory_cost(const cc_profile *p, cc_topology t, double bytes, cc_cost *c) {
  if (p->cache_bytes == 0) return;
  double on_node = t.ranks_per_node < t.ranks ? t.ranks_per_node : t.ranks;
  double working_set = 2 * bytes * on_node, miss = 1 - (double)p->cache_bytes / working_set;
  if (miss <= 0) return;
  for (int l = 0; l < CC_NLEVELS; l++) c->spilled += miss * c->bytes[l], c->spilled_reduced += miss * c->reduced[l];
}

static int algorithm_cost(const cc_profile *p, const cc_strategy *s, cc_coll op, cc_topology t, double bytes,
                          cc_cost *out, char *err, size_t errlen);

// What a node's NICs carry of the host strategies' payload, in GB/s (0: no network given).
double cc_node_nic_GBps(const cc_profile *p) { return p->nics_per_node * p->nic_GBps * p->nic_efficiency; }

// The per-rank bandwidth terms under the profile: what shared resources compete with.
static double rank_bandwidth_us(const cc_profile *p, const cc_cost *c, bool inter_only) {
  double t = c->bytes[CC_INTER] * p->link[CC_INTER].beta_ns_per_byte;
  if (inter_only) return t * 1e-3;
  t += c->bytes[CC_INTRA] * p->link[CC_INTRA].beta_ns_per_byte;
  for (int l = 0; l < CC_NLEVELS; l++) t += c->reduced[l] * p->link[l].gamma_ns_per_byte;
  t += c->spilled * p->mem_ns_per_byte + c->spilled_reduced * p->mem_reduce_ns_per_byte;
  return t * 1e-3;
}

// Ranks of a node share its memory and its NICs (docs/cost-model.md, "Shared resources"). Memory: every
// rank of the node moves its bytes at once; a byte received inside the node is copied twice (into the
// shared segment and out of it), one from the network once (by the NIC), a reduced byte streams as 1.5
// copies (two reads, one write). NICs: the ranks of a node that cross in the same step share them: one
// per node for the rings and trees (one hop crosses), all of them for recursive doubling, Rabenseifner,
// the library's algorithms and the hierarchical inter-node phase.
static void shared_resources(const cc_profile *p, const cc_strategy *s, cc_topology t, cc_cost *c) {
  int per_host = t.ranks_per_host > 0 ? t.ranks_per_host : t.ranks_per_node;
  double on_node = per_host < t.ranks ? per_host : t.ranks;
  double nics = cc_node_nic_GBps(p);
  if (nics > 0 && c->bytes[CC_INTER] > 0 && t.ranks > per_host) {
    bool one_crosses = s->algo == CC_ALGO_RING || s->algo == CC_ALGO_TREE || s->algo == CC_ALGO_BTREE;
    double node_bytes = c->bytes[CC_INTER] * (one_crosses ? 1 : on_node);
    if (node_bytes / nics * 1e-3 > rank_bandwidth_us(p, c, true))
      c->nic_bytes = node_bytes, c->nic_replaced_bytes = c->bytes[CC_INTER];
  }
  if (p->mem_GBps > 0 || p->cache_GBps > 0) {
    // What misses the cache (memory_cost's fraction) streams from memory, the rest from the cache.
    double moved = c->bytes[CC_INTRA] + c->bytes[CC_INTER], reduced = c->reduced[CC_INTRA] + c->reduced[CC_INTER];
    // Without a cache size in the profile everything counts as streamed from memory.
    double miss = p->cache_bytes == 0 ? 1 : moved + reduced > 0 ? (c->spilled + c->spilled_reduced) / (moved + reduced) : 0;
    double copies = (2 * c->bytes[CC_INTRA] + c->bytes[CC_INTER] + 1.5 * reduced) * on_node;
    double dram = p->mem_GBps > 0 ? miss * copies : 0, cached = p->cache_GBps > 0 ? (1 - miss) * copies : 0;
    double node_us = (dram > 0 ? dram / p->mem_GBps : 0) + (cached > 0 ? cached / p->cache_GBps : 0);
    if (node_us * 1e-3 > rank_bandwidth_us(p, c, false))
      c->memory_bound = true, c->nic_bytes = c->nic_replaced_bytes = 0, c->node_copy_bytes = dram,
      c->node_cache_bytes = cached;
  }
}

// MPI_Allreduce by the library's decision; its allgather and reduce-scatter as unsegmented rings.
static int library_cost(const cc_profile *p, group g, cc_coll op, double n, cc_cost *c) {
  if (op == CC_ALLREDUCE) mpi_allreduce_cost(p, g, n, c);
  else ring_cost(c, g, n, INFINITY, op == CC_REDUCE_SCATTER, op == CC_ALLGATHER);
  return 0;
}

int cc_model_cost(const cc_profile *p, const cc_strategy *s, cc_coll op, cc_topology t, double bytes,
                  cc_cost *out, char *err, size_t errlen) {
  // Encode, the base algorithm moving payloads (each collective with its own memory terms), decode.
  if (s->compressed) return cc_compressed_cost(p, s, op, t, bytes, 0, out, err, errlen);
  if (algorithm_cost(p, s, op, t, bytes, out, err, errlen) != 0) return -1;
  memory_cost(p, t, bytes, out);
  if (s->algo != CC_ALGO_NCCL) shared_resources(p, s, t, out);
  return 0;
}

static int algorithm_cost(const cc_profile *p, const cc_strategy *s, cc_coll op, cc_topology t, double bytes,
                          cc_cost *out, char *err, size_t errlen) {
  *out = (cc_cost){.calls = 1, .eager_bytes = (double)p->eager_bytes, .nccl_algo = -1, .nccl_proto = -1};
  if (t.ranks < 1 || t.ranks_per_node < 1) {
    snprintf(err, errlen, "invalid topology: %d ranks, %d per node", t.ranks, t.ranks_per_node);
    return -1;
  }
  if (!cc_strategy_implements(s, op, err, errlen)) return -1;
  group g = {.size = t.ranks, .per_node = t.ranks_per_node};
  double n = bytes;
  if (s->algo == CC_ALGO_NCCL) {
    out->calls = 0;  // NCCL's per-call cost is each pair's own base latency
    return cc_nccl_cost(p, s->nccl_algo, s->nccl_proto, op, t, n, out, err, errlen);
  }
  if (s->algo == CC_ALGO_MPI) {
    // The library's own overheads ride on whatever algorithm it runs.
    int rc = library_cost(p, g, op, n, out);
    out->lib_calls = 1;
    out->lib_reduced = out->reduced[CC_INTRA] + out->reduced[CC_INTER];
    return rc;
  }
  if (op == CC_ALLREDUCE) {
    switch (s->algo) {
      case CC_ALGO_HIER: return hier_cost(p, s, t, n, out, err, errlen);
      default: return allreduce_cost(p, s->algo, g, n, out);
    }
  }
  bool rs = op == CC_REDUCE_SCATTER;
  switch (s->algo) {
    case CC_ALGO_RING: ring_cost(out, g, n, (double)p->ring_segment_bytes, rs, !rs); return 0;
    case CC_ALGO_RD:  // rd's allgather is the recursive doubling half of Rabenseifner
    case CC_ALGO_RABENSEIFNER:
      if (rs) rabenseifner_reduce_scatter_cost(out, g, n);
      else rabenseifner_allgather_cost(out, g, n);
      return 0;
    default:
      snprintf(err, errlen, "strategy '%s' has no %s model", s->name, cc_coll_name(op));
      return -1;
  }
}

double cc_cost_shared_us(const cc_profile *p, const cc_cost *c) {
  double t = 0;
  if (c->memory_bound) {
    if (c->node_copy_bytes > 0) t += c->node_copy_bytes / p->mem_GBps * 1e-3;
    if (c->node_cache_bytes > 0) t += c->node_cache_bytes / p->cache_GBps * 1e-3;
  } else if (c->nic_bytes > 0) {
    t += c->nic_bytes / cc_node_nic_GBps(p) * 1e-3;
  }
  return t;
}

double cc_cost_time_us(const cc_profile *p, const cc_cost *c) {
  double t = c->calls * p->base_us;
  for (int l = 0; l < CC_NLEVELS; l++) t += c->msgs[l] * p->link[l].alpha_us;
  // A node's shared memory, when it sets the pace, replaces the per-rank bandwidth terms; its shared
  // NICs replace the inter-node bytes alone.
  if (!c->memory_bound)
    for (int l = 0; l < CC_NLEVELS; l++) {
      const cc_link *k = &p->link[l];
      double own_bytes = c->bytes[l] - (l == CC_INTER ? c->nic_replaced_bytes : 0);
      t += (own_bytes * k->beta_ns_per_byte + c->reduced[l] * k->gamma_ns_per_byte) * 1e-3;
    }
  t += cc_cost_shared_us(p, c);
  if (!c->memory_bound) t += (c->spilled * p->mem_ns_per_byte + c->spilled_reduced * p->mem_reduce_ns_per_byte) * 1e-3;
  t += c->rndv_msgs * p->rndv_us + c->lib_calls * p->mpi_base_us + c->lib_reduced * p->mpi_gamma_ns_per_byte * 1e-3;
  t += c->faulted * p->fault_ns_per_byte * 1e-3;
  for (int i = 0; i < CC_NCCL_NPARAMS; i++)
    if (c->nccl[i] != 0) t += c->nccl[i] * p->nccl[i];
  if (c->compress[0]) t += cc_cost_encode_us(p, c) + cc_cost_decode_us(p, c);
  return t;
}

double cc_cost_wire_bytes(const cc_cost *c) { return c->bytes[CC_INTRA] + c->bytes[CC_INTER]; }

double cc_model_time_us(const cc_profile *p, const cc_strategy *s, cc_coll op, cc_topology topo, double bytes) {
  cc_cost c;
  char err[160];
  return cc_model_cost(p, s, op, topo, bytes, &c, err, sizeof err) == 0 ? cc_cost_time_us(p, &c) : -1.0;
}
