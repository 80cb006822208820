#include "collectives/fold.h"

enum { FOLD_TAG = 301 };

cc_fold cc_fold_plan(int size, int me) {
  cc_fold f = {.p2 = 1};
  while (f.p2 * 2 <= size) f.p2 *= 2;
  f.extra = size - f.p2;
  if (me < 2 * f.extra) f.core = me % 2 ? me / 2 : -1;
  else f.core = me - f.extra;
  return f;
}

int cc_fold_member(const cc_fold *f, int v) { return v < f->extra ? 2 * v + 1 : v + f->extra; }

bool cc_fold_in(const cc_group *g, const cc_fold *f, const void *send, void *recv, size_t count, cc_dtype t,
                cc_redop op) {
  if (g->me >= 2 * f->extra || count == 0) return false;
  size_t bytes = count * cc_dtype_size(t);
  if (g->me % 2 == 0) {
    cc_send(g, g->me + 1, send, bytes, FOLD_TAG);
    cc_wait(g);
    return false;
  }
  void *theirs = cc_scratch(g->comm, 0, bytes);
  cc_recv(g, g->me - 1, theirs, bytes, FOLD_TAG);
  cc_wait(g);
  g->comm->mem->reduce(recv, send, theirs, count, t, op);
  return true;
}

void cc_fold_out(const cc_group *g, const cc_fold *f, void *recv, size_t count, cc_dtype t) {
  if (g->me >= 2 * f->extra || count == 0) return;
  size_t bytes = count * cc_dtype_size(t);
  if (g->me % 2) cc_send(g, g->me - 1, recv, bytes, FOLD_TAG);
  else cc_recv(g, g->me + 1, recv, bytes, FOLD_TAG);
  cc_wait(g);
}
