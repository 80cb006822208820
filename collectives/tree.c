// Pipelined tree allreduce: reduce up to the root, broadcast back down, chunk by chunk.
//
// The vector is cut into C chunks that flow through the tree in lock-step rounds, so every level works
// on a different chunk at the same time: a node of height h (leaves: 0) sends chunk k to its parent in
// round k+h, after its children (heights < h) delivered theirs in earlier rounds; the root of height H
// has chunk k complete after round k+H-1 and sends it down in round k+H; a node at depth d receives it
// in round k+H+d-1 and forwards it in round k+H+d. Total rounds C + H + depth: latency grows with
// log2(P), bandwidth approaches one vector per rank when C is large.
//
// Matched sends and receives sit in the same round on both sides, so waiting for a whole round at a time
// cannot deadlock. The double binary tree runs two such trees at once over the two halves of the vector
// (tree_shape.h); the binary tree runs one over all of it.
#include "collectives/algorithms.h"
#include "collectives/tree_shape.h"

enum { TREE_TAG = 201 };

typedef struct {
  const cc_group *g;
  const void *send;
  void *recv;
  cc_dtype t;
  cc_redop op;  // the reduction (avg reduces as sum; the root divides)
  cc_tree_node node;
  size_t off, count;  // the part of the vector this tree carries
  int nchunks;
  double avg_divisor; // > 0: the root divides each finished chunk (avg op)
  void *tmp[2];       // one receive buffer per child
  int tag;
} tree;

static void chunk(const tree *T, int k, size_t *off, size_t *cnt) {
  *off = T->off + cc_block_offset(T->count, T->nchunks, k);
  *cnt = cc_block_count(T->count, T->nchunks, k);
}

static bool valid(const tree *T, int k) { return k >= 0 && k < T->nchunks; }

// Round at which this node is done: its last forward down, or its last receive.
static int last_round(const tree *T) {
  const cc_tree_node *n = &T->node;
  int last_offset = n->nchildren ? n->root_height + n->depth
                                 : (n->parent < 0 ? 0 : n->root_height + n->depth - 1);
  return T->nchunks - 1 + last_offset;
}

static void post_round(const tree *T, int round) {
  const cc_tree_node *n = &T->node;
  size_t esize = cc_dtype_size(T->t), off, cnt;
  int k;
  // Up: my chunk to my parent (leaves send their own data, inner nodes what they reduced).
  if (n->parent >= 0 && valid(T, k = round - n->height)) {
    chunk(T, k, &off, &cnt);
    const void *src = n->nchildren ? T->recv : T->send;
    cc_send(T->g, n->parent, cc_cat(src, off, T->t), cnt * esize, T->tag);
  }
  for (int c = 0; c < n->nchildren; c++)
    if (valid(T, k = round - n->child_height[c])) {
      chunk(T, k, &off, &cnt);
      cc_recv(T->g, n->child[c], T->tmp[c], cnt * esize, T->tag);
    }
  // Down: the finished chunk from my parent, and on to my children.
  if (n->parent >= 0 && valid(T, k = round - (n->root_height + n->depth - 1))) {
    chunk(T, k, &off, &cnt);
    cc_recv(T->g, n->parent, cc_at(T->recv, off, T->t), cnt * esize, T->tag);
  }
  if (n->nchildren && valid(T, k = round - (n->root_height + n->depth)))
    for (int c = 0; c < n->nchildren; c++) {
      chunk(T, k, &off, &cnt);
      cc_send(T->g, n->child[c], cc_cat(T->recv, off, T->t), cnt * esize, T->tag);
    }
}

// Reduces the children's chunks that arrived this round; children are ordered by arrival, so the first
// one is combined with my own contribution and the last one completes the chunk.
static void finish_round(const tree *T, int round) {
  const cc_tree_node *n = &T->node;
  const cc_memops *mem = T->g->comm->mem;
  size_t off, cnt;
  int k;
  for (int c = 0; c < n->nchildren; c++)
    if (valid(T, k = round - n->child_height[c])) {
      chunk(T, k, &off, &cnt);
      const void *mine = c == 0 ? T->send : T->recv;
      mem->reduce(cc_at(T->recv, off, T->t), cc_cat(mine, off, T->t), T->tmp[c], cnt, T->t, T->op);
      if (c == n->nchildren - 1 && n->parent < 0 && T->avg_divisor > 0)
        mem->divide(cc_at(T->recv, off, T->t), cnt, T->t, T->avg_divisor);
    }
}

static void tree_allreduce(const cc_group *g, const void *send, void *recv, size_t count, cc_dtype t,
                           cc_redop op, int ntrees) {
  if (g->size == 1 || count == 0) {
    cc_copy_elems(g, recv, send, count, t);
    return;
  }
  size_t esize = cc_dtype_size(t), chunk_bytes = g->comm->tuning.tree_chunk_bytes;
  if (chunk_bytes < esize) chunk_bytes = esize;
  tree trees[2];
  int rounds = 0;
  for (int i = 0; i < ntrees; i++) {
    tree *T = &trees[i];
    *T = (tree){.g = g, .send = send, .recv = recv, .t = t, .op = op, .tag = TREE_TAG + i};
    T->off = cc_block_offset(count, ntrees, i);
    T->count = cc_block_count(count, ntrees, i);
    T->avg_divisor = op == CC_AVG ? g->size : 0;
    cc_tree_node_of(g->size, i, g->me, &T->node);
    size_t chunks = (T->count * esize + chunk_bytes - 1) / chunk_bytes;
    T->nchunks = (int)(chunks < 1 ? 1 : chunks > (size_t)1 << 20 ? (size_t)1 << 20 : chunks);
    size_t max_chunk_bytes = cc_block_count(T->count, T->nchunks, 0) * esize;
    T->tmp[0] = cc_scratch(g->comm, 2 * i, max_chunk_bytes);
    T->tmp[1] = cc_scratch(g->comm, 2 * i + 1, max_chunk_bytes);
    if (T->count > 0 && last_round(T) + 1 > rounds) rounds = last_round(T) + 1;
  }
  for (int round = 0; round < rounds; round++) {
    for (int i = 0; i < ntrees; i++)
      if (trees[i].count > 0) post_round(&trees[i], round);
    cc_wait(g);
    for (int i = 0; i < ntrees; i++)
      if (trees[i].count > 0) finish_round(&trees[i], round);
  }
}

void double_tree_allreduce(const cc_group *g, const void *send, void *recv, size_t count, cc_dtype t,
                           cc_redop op) {
  tree_allreduce(g, send, recv, count, t, op, 2);
}

void binary_tree_allreduce(const cc_group *g, const void *send, void *recv, size_t count, cc_dtype t,
                           cc_redop op) {
  tree_allreduce(g, send, recv, count, t, op, 1);
}
