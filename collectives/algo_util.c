// Small helpers every algorithm uses.
#include "collectives/algorithms.h"

void cc_apply_avg(const cc_group *g, void *buf, size_t n, cc_dtype t, cc_redop op, int contributions) {
  if (op == CC_AVG && n > 0) g->comm->mem->divide(buf, n, t, contributions);
}

void cc_copy_elems(const cc_group *g, void *dst, const void *src, size_t n, cc_dtype t) {
  if (dst != src && n > 0) g->comm->mem->copy(dst, src, n * cc_dtype_size(t));
}
