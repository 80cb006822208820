// Rabenseifner allreduce: recursive-halving reduce-scatter, then recursive-doubling allgather.
//
// Among p2 core ranks (fold.h handles the rest): at each halving step a rank exchanges half of its
// current range with the partner whose core id differs in the top remaining bit, keeping and reducing
// the half its bit selects. After log2(p2) steps core rank v holds core block v reduced; the allgather
// retraces the steps, doubling the range each time. Cost 2 log2(p) latency steps and 2(p-1)/p of the
// vector per rank: the bandwidth of the ring with the latency of recursive doubling.
//
// Core blocks are unions of the rank blocks of cc_block_*: core v covers rank blocks {2v, 2v+1} when v
// was folded with a neighbour, else {v + extra}. So after the reduce-scatter, one message hands the
// folded neighbour its own block and every rank holds its rank block, as the reduce-scatter API and the
// hierarchical allreduce require.
#include "collectives/algorithms.h"
#include "collectives/fold.h"

enum { RABENSEIFNER_TAG = 501 };

// First element of core block v (v == p2 gives count).
static size_t core_offset(const cc_fold *f, size_t count, int size, int v) {
  int first_rank_block = v < f->extra ? 2 * v : v + f->extra;
  return cc_block_offset(count, size, first_rank_block);
}

// Element range [off, off+cnt) of core blocks [lo, hi).
static void core_range(const cc_group *g, const cc_fold *f, size_t count, int lo, int hi, size_t *off,
                       size_t *cnt) {
  *off = core_offset(f, count, g->size, lo);
  *cnt = core_offset(f, count, g->size, hi) - *off;
}

// Recursive halving among core ranks: mine (my contribution, send or already folded recv) -> work.
static void core_reduce_scatter(const cc_group *g, const cc_fold *f, const void *mine, void *work, size_t count,
                                cc_dtype t, cc_redop op) {
  size_t esize = cc_dtype_size(t), off_lo, cnt_lo, off_hi, cnt_hi;
  // The first step keeps the larger of the two halves; later steps keep less.
  core_range(g, f, count, 0, f->p2 / 2, &off_lo, &cnt_lo);
  core_range(g, f, count, f->p2 / 2, f->p2, &off_hi, &cnt_hi);
  void *theirs = cc_scratch(g->comm, 1, (cnt_lo > cnt_hi ? cnt_lo : cnt_hi) * esize);

  int lo = 0, hi = f->p2;
  for (int mask = f->p2 / 2; mask >= 1; mask >>= 1) {
    int partner = cc_fold_member(f, f->core ^ mask), mid = lo + mask;
    int keep_lo = f->core & mask ? mid : lo, keep_hi = f->core & mask ? hi : mid;
    int give_lo = f->core & mask ? lo : mid, give_hi = f->core & mask ? mid : hi;
    size_t keep_off, keep_cnt, give_off, give_cnt;
    core_range(g, f, count, keep_lo, keep_hi, &keep_off, &keep_cnt);
    core_range(g, f, count, give_lo, give_hi, &give_off, &give_cnt);
    if (give_cnt) cc_send(g, partner, cc_cat(mine, give_off, t), give_cnt * esize, RABENSEIFNER_TAG);
    if (keep_cnt) cc_recv(g, partner, theirs, keep_cnt * esize, RABENSEIFNER_TAG);
    cc_wait(g);
    if (keep_cnt) g->comm->mem->reduce(cc_at(work, keep_off, t), cc_cat(mine, keep_off, t), theirs, keep_cnt, t, op);
    mine = work;
    lo = keep_lo, hi = keep_hi;
  }
}

// Recursive doubling among core ranks: core block `core` of work -> all core blocks.
static void core_allgather(const cc_group *g, const cc_fold *f, void *work, size_t count, cc_dtype t) {
  size_t esize = cc_dtype_size(t);
  for (int mask = 1; mask < f->p2; mask <<= 1) {
    int partner_core = f->core ^ mask;
    size_t my_off, my_cnt, their_off, their_cnt;
    int my_lo = f->core & ~(mask - 1), their_lo = partner_core & ~(mask - 1);
    core_range(g, f, count, my_lo, my_lo + mask, &my_off, &my_cnt);
    core_range(g, f, count, their_lo, their_lo + mask, &their_off, &their_cnt);
    int partner = cc_fold_member(f, partner_core);
    if (my_cnt) cc_send(g, partner, cc_cat(work, my_off, t), my_cnt * esize, RABENSEIFNER_TAG);
    if (their_cnt) cc_recv(g, partner, cc_at(work, their_off, t), their_cnt * esize, RABENSEIFNER_TAG);
    cc_wait(g);
  }
}

void rabenseifner_allreduce(const cc_group *g, const void *send, void *recv, size_t count, cc_dtype t,
                            cc_redop op) {
  if (g->size == 1 || count == 0) {
    cc_copy_elems(g, recv, send, count, t);
    return;
  }
  cc_fold f = cc_fold_plan(g->size, g->me);
  const void *mine = cc_fold_in(g, &f, send, recv, count, t, op) ? recv : send;
  if (f.core >= 0) {
    core_reduce_scatter(g, &f, mine, recv, count, t, op);
    size_t off, cnt;
    core_range(g, &f, count, f.core, f.core + 1, &off, &cnt);
    cc_apply_avg(g, cc_at(recv, off, t), cnt, t, op, g->size);
    core_allgather(g, &f, recv, count, t);
  }
  cc_fold_out(g, &f, recv, count, t);
}

// Folded pairs (2i, 2i+1): the odd rank holds core block i = rank blocks {2i, 2i+1}.
static void hand_block_to_even(const cc_group *g, const cc_fold *f, void *work, size_t count, cc_dtype t) {
  if (g->me >= 2 * f->extra) return;
  int even = g->me & ~1;
  size_t off = cc_block_offset(count, g->size, even), cnt = cc_block_count(count, g->size, even);
  if (!cnt) return;
  if (g->me % 2) cc_send(g, even, cc_cat(work, off, t), cnt * cc_dtype_size(t), RABENSEIFNER_TAG);
  else cc_recv(g, even + 1, cc_at(work, off, t), cnt * cc_dtype_size(t), RABENSEIFNER_TAG);
  cc_wait(g);
}

static void hand_block_to_odd(const cc_group *g, const cc_fold *f, void *work, size_t count, cc_dtype t) {
  if (g->me >= 2 * f->extra) return;
  int even = g->me & ~1;
  size_t off = cc_block_offset(count, g->size, even), cnt = cc_block_count(count, g->size, even);
  if (!cnt) return;
  if (g->me % 2 == 0) cc_send(g, even + 1, cc_cat(work, off, t), cnt * cc_dtype_size(t), RABENSEIFNER_TAG);
  else cc_recv(g, even, cc_at(work, off, t), cnt * cc_dtype_size(t), RABENSEIFNER_TAG);
  cc_wait(g);
}

void rabenseifner_reduce_scatter(const cc_group *g, const void *send, void *work, size_t count, cc_dtype t,
                                 cc_redop op) {
  if (g->size == 1 || count == 0) {
    cc_copy_elems(g, work, send, count, t);
    return;
  }
  cc_fold f = cc_fold_plan(g->size, g->me);
  const void *mine = cc_fold_in(g, &f, send, work, count, t, op) ? work : send;
  if (f.core >= 0) core_reduce_scatter(g, &f, mine, work, count, t, op);
  hand_block_to_even(g, &f, work, count, t);
}

void rabenseifner_allgather(const cc_group *g, void *work, size_t count, cc_dtype t) {
  if (g->size == 1 || count == 0) return;
  cc_fold f = cc_fold_plan(g->size, g->me);
  hand_block_to_odd(g, &f, work, count, t);
  if (f.core >= 0) core_allgather(g, &f, work, count, t);
  cc_fold_out(g, &f, work, count, t);
}
