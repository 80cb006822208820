// Ring allreduce = reduce-scatter + allgather, pipelined by segments.
//
// P ranks in a ring; rank r sends to r+1 and receives from r-1. The vector is cut into P blocks.
//   reduce-scatter, steps s = 0 .. P-2: send block r-1-s, receive block r-2-s and reduce the local
//     contribution into it (the op: sum, prod, min, max); after the last step rank r holds block r
//     fully reduced.
//   allgather, steps s = P-1 .. 2P-3 (a = s-P+1): send block r-a, receive block r-a-1 in place.
// Each rank sends 2(P-1)/P of the vector, the bandwidth optimum, in 2(P-1) latency steps.
//
// Pipelining: every block is cut into S segments and each (step, segment) pair is one round. The segment
// received in round k is forwarded in round k+S, so when S >= 2 the next round's transfers are posted
// before this round's reduction runs, overlapping the two.
#include <stdbool.h>

#include "collectives/algorithms.h"

enum { RING_TAG = 101 };

typedef struct {
  const cc_group *g;
  const void *send;  // local contributions, read by the reduce-scatter
  void *work;        // result buffer (may equal send)
  size_t count;
  cc_dtype t;
  cc_redop op;  // the reduction (avg reduces as sum; avg_divisor does the rest)
  int P, r, S;
  double avg_divisor;  // > 0: divide each finished block (the avg op)
  void *tmp[2];        // reduce-scatter receive buffers, alternating by round
} ring;

static int wrap(int b, int P) { return ((b % P) + P) % P; }

static bool is_reduce_scatter_step(const ring *R, int step) { return step < R->P - 1; }

static int send_block(const ring *R, int step) {
  return is_reduce_scatter_step(R, step) ? wrap(R->r - 1 - step, R->P)
                                         : wrap(R->r - (step - R->P + 1), R->P);
}

static int recv_block(const ring *R, int step) {
  return is_reduce_scatter_step(R, step) ? wrap(R->r - 2 - step, R->P)
                                         : wrap(R->r - (step - R->P + 1) - 1, R->P);
}

// Element range of segment `seg` of block `b`.
static void segment(const ring *R, int b, int seg, size_t *off, size_t *cnt) {
  size_t block_cnt = cc_block_count(R->count, R->P, b);
  *off = cc_block_offset(R->count, R->P, b) + cc_block_offset(block_cnt, R->S, seg);
  *cnt = cc_block_count(block_cnt, R->S, seg);
}

static void post_round(const ring *R, int round) {
  int step = round / R->S, seg = round % R->S;
  int right = (R->r + 1) % R->P, left = (R->r + R->P - 1) % R->P;
  size_t off, cnt, esize = cc_dtype_size(R->t);

  segment(R, send_block(R, step), seg, &off, &cnt);
  if (cnt) {
    // Step 0 forwards the untouched local contribution; later steps forward what was reduced.
    const void *src = step == 0 ? R->send : R->work;
    cc_send(R->g, right, cc_cat(src, off, R->t), cnt * esize, RING_TAG);
  }
  segment(R, recv_block(R, step), seg, &off, &cnt);
  if (cnt) {
    void *dst = is_reduce_scatter_step(R, step) ? R->tmp[round & 1] : cc_at(R->work, off, R->t);
    cc_recv(R->g, left, dst, cnt * esize, RING_TAG);
  }
}

// After a round's transfers complete: reduce the received segment into the local contribution.
static void finish_round(const ring *R, int round) {
  int step = round / R->S, seg = round % R->S;
  if (!is_reduce_scatter_step(R, step)) return;
  size_t off, cnt;
  segment(R, recv_block(R, step), seg, &off, &cnt);
  if (!cnt) return;
  const cc_memops *mem = R->g->comm->mem;
  mem->reduce(cc_at(R->work, off, R->t), cc_cat(R->send, off, R->t), R->tmp[round & 1], cnt, R->t, R->op);
  if (step == R->P - 2 && R->avg_divisor > 0) mem->divide(cc_at(R->work, off, R->t), cnt, R->t, R->avg_divisor);
}

static void run_rounds(const ring *R, int first, int end) {
  if (first >= end) return;
  bool post_ahead = R->S >= 2;  // with one segment, round k+1 forwards what round k reduces
  post_round(R, first);
  for (int round = first; round < end; round++) {
    cc_wait(R->g);
    if (post_ahead && round + 1 < end) post_round(R, round + 1);
    finish_round(R, round);
    if (!post_ahead && round + 1 < end) post_round(R, round + 1);
  }
}

static ring ring_plan(const cc_group *g, const void *send, void *work, size_t count, cc_dtype t, cc_redop op) {
  ring R = {.g = g, .send = send, .work = work, .count = count, .t = t, .op = op, .P = g->size, .r = g->me};
  size_t esize = cc_dtype_size(t);
  size_t max_block_bytes = cc_block_count(count, R.P, 0) * esize;
  size_t seg_bytes = g->comm->tuning.ring_segment_bytes ? g->comm->tuning.ring_segment_bytes : 1;
  size_t S = (max_block_bytes + seg_bytes - 1) / seg_bytes;
  R.S = S < 1 ? 1 : (int)(S > 4096 ? 4096 : S);
  size_t max_seg_bytes = cc_block_count(cc_block_count(count, R.P, 0), R.S, 0) * esize;
  R.tmp[0] = cc_scratch(g->comm, 0, max_seg_bytes);
  R.tmp[1] = cc_scratch(g->comm, 1, max_seg_bytes);
  return R;
}

void ring_allreduce(const cc_group *g, const void *send, void *recv, size_t count, cc_dtype t, cc_redop op) {
  if (g->size == 1 || count == 0) {
    cc_copy_elems(g, recv, send, count, t);
    return;
  }
  ring R = ring_plan(g, send, recv, count, t, op);
  R.avg_divisor = op == CC_AVG ? g->size : 0;
  run_rounds(&R, 0, 2 * (R.P - 1) * R.S);
}

void ring_reduce_scatter(const cc_group *g, const void *send, void *work, size_t count, cc_dtype t,
                         cc_redop op) {
  if (g->size == 1 || count == 0) {
    cc_copy_elems(g, work, send, count, t);
    return;
  }
  ring R = ring_plan(g, send, work, count, t, op);
  run_rounds(&R, 0, (R.P - 1) * R.S);
}

void ring_allgather(const cc_group *g, void *work, size_t count, cc_dtype t) {
  if (g->size == 1 || count == 0) return;
  ring R = ring_plan(g, work, work, count, t, CC_SUM);  // gathers only: the op is never applied
  run_rounds(&R, (R.P - 1) * R.S, 2 * (R.P - 1) * R.S);
}
