// Communicator construction: node layout, groups, scratch buffers.
#include "collectives/comm.h"

#include <stdlib.h>

#include "collectives/transport_device.h"
#include "common/error.h"

// Local index of rank r among the ranks of its node (ranks ordered by transport rank).
static int local_index(const int *node_of, int r) {
  int idx = 0;
  for (int q = 0; q < r; q++) idx += node_of[q] == node_of[r];
  return idx;
}

static void group_init(cc_group *g, cc_comm *c, int capacity) {
  g->comm = c;
  g->size = 0;
  g->me = -1;
  g->ranks = cc_malloc(sizeof(int) * (size_t)capacity);
}

static void group_add(cc_group *g, int rank, int my_rank) {
  if (rank == my_rank) g->me = g->size;
  g->ranks[g->size++] = rank;
}

cc_comm *cc_comm_create(cc_transport *t, const cc_memops *mem, int ranks_per_node) {
  if (mem->kind != t->memkind) CC_FATAL("transport %s and memops of another memory kind", t->name);
  cc_comm *c = cc_calloc(1, sizeof(cc_comm));
  c->t = t;
  c->mpi = cc_transport_mpi_of(t);
  c->mem = mem;
  c->tuning.ring_segment_bytes = (size_t)1 << 20;
  c->tuning.tree_chunk_bytes = (size_t)256 << 10;

  int P = t->size;
  int *node_of = cc_malloc(sizeof(int) * (size_t)P);
  for (int r = 0; r < P; r++) node_of[r] = ranks_per_node > 0 ? r / ranks_per_node : t->node_of[r];
  c->nodes = 0;
  for (int r = 0; r < P; r++)
    if (node_of[r] + 1 > c->nodes) c->nodes = node_of[r] + 1;
  c->node = node_of[t->rank];
  c->local_rank = local_index(node_of, t->rank);

  // Count ranks per node; hierarchical algorithms need the same count on every node.
  int *per_node = cc_calloc((size_t)c->nodes, sizeof(int));
  for (int r = 0; r < P; r++) per_node[node_of[r]]++;
  c->local_size = per_node[c->node];
  c->uniform_nodes = true;
  for (int n = 0; n < c->nodes; n++) c->uniform_nodes &= per_node[n] == per_node[0];
  free(per_node);

  group_init(&c->world, c, P);
  group_init(&c->intra, c, P);
  group_init(&c->inter, c, c->nodes);
  for (int r = 0; r < P; r++) {
    group_add(&c->world, r, t->rank);
    if (node_of[r] == c->node) group_add(&c->intra, r, t->rank);
    // Ranks are visited in order, so nodes enter the inter group in order of their lowest rank.
    if (local_index(node_of, r) == c->local_rank) group_add(&c->inter, r, t->rank);
  }
  free(node_of);
  return c;
}

void cc_comm_destroy(cc_comm *c) {
  if (!c) return;
  for (int s = 0; s < CC_SCRATCH_SLOTS; s++)
    if (c->scratch[s]) c->mem->free(c->scratch[s]);
  if (c->staging) c->mem->staging_free(c->staging);
  if (c->nccl) c->nccl_destroy(c->nccl);
  free(c->world.ranks);
  free(c->intra.ranks);
  free(c->inter.ranks);
  free(c);
}

void *cc_scratch(cc_comm *c, int slot, size_t bytes) {
  if (slot < 0 || slot >= CC_SCRATCH_SLOTS) CC_FATAL("scratch slot %d out of range", slot);
  if (bytes > c->scratch_bytes[slot]) {
    if (c->scratch[slot]) c->mem->free(c->scratch[slot]);
    // Grow geometrically so a sweep of increasing sizes reallocates O(log) times.
    size_t grown = c->scratch_bytes[slot] * 2;
    c->scratch_bytes[slot] = bytes > grown ? bytes : grown;
    c->scratch[slot] = c->mem->alloc(c->scratch_bytes[slot]);
  }
  return c->scratch[slot];
}

void cc_comm_sync(cc_comm *c) { c->mem->sync(); }

void *cc_staging(cc_comm *c, size_t bytes) {
  if (bytes > c->staging_bytes) {
    if (c->staging) c->mem->staging_free(c->staging);
    size_t grown = c->staging_bytes * 2;
    c->staging_bytes = bytes > grown ? bytes : grown;
    c->staging = c->mem->staging_alloc(c->staging_bytes);
  }
  return c->staging;
}

void cc_send(const cc_group *g, int peer, const void *buf, size_t bytes, int tag) {
  g->comm->bytes_sent += bytes;
  g->comm->t->send(g->comm->t, buf, bytes, g->ranks[peer], tag);
}

void cc_recv(const cc_group *g, int peer, void *buf, size_t bytes, int tag) {
  g->comm->t->recv(g->comm->t, buf, bytes, g->ranks[peer], tag);
}

void cc_wait(const cc_group *g) { g->comm->t->wait(g->comm->t); }
