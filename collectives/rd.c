// Recursive doubling allreduce: log2(P) steps, each exchanging the whole vector with the rank whose core
// id differs in one bit and reducing it into mine. Latency-optimal (log2 P messages), bandwidth-heavy (n log2 P per
// rank): the choice for small vectors. Non-powers of two fold first (fold.h).
#include "collectives/algorithms.h"
#include "collectives/fold.h"

enum { RD_TAG = 401 };

void rd_allreduce(const cc_group *g, const void *send, void *recv, size_t count, cc_dtype t, cc_redop op) {
  if (g->size == 1 || count == 0) {
    cc_copy_elems(g, recv, send, count, t);
    return;
  }
  cc_fold f = cc_fold_plan(g->size, g->me);
  const void *mine = cc_fold_in(g, &f, send, recv, count, t, op) ? recv : send;
  if (f.core >= 0) {
    size_t bytes = count * cc_dtype_size(t);
    void *theirs = cc_scratch(g->comm, 0, bytes);
    for (int mask = 1; mask < f.p2; mask <<= 1) {
      int partner = cc_fold_member(&f, f.core ^ mask);
      cc_send(g, partner, mine, bytes, RD_TAG);
      cc_recv(g, partner, theirs, bytes, RD_TAG);
      cc_wait(g);
      // Every op is commutative (a + b == b + a in floating point too), so both partners hold the
      // same bits afterwards.
      g->comm->mem->reduce(recv, mine, theirs, count, t, op);
      mine = recv;
    }
    cc_apply_avg(g, recv, count, t, op, g->size);
  }
  cc_fold_out(g, &f, recv, count, t);
}
