// Compressed allreduce: collectives/compressed.c's three paths, counted (compressed_model.h).
#include "sim/compressed_model.h"

#include <stdio.h>
#include <string.h>

#include "compress/compressor.h"
#include "compress/powersgd.h"

static size_t padded_words(size_t bytes) { return (bytes + sizeof(float) - 1) / sizeof(float); }

void cc_compressed_layout_of(const cc_compressor *z, size_t n, size_t cols, int ranks, cc_compressed_layout *out) {
  *out = (cc_compressed_layout){.path = cc_compressor_path(z), .n = n};
  out->payload_bytes = cc_compressed_bytes(z, n);
  if (out->path == CC_PATH_ALLGATHER)
    out->gathered_bytes = padded_words(out->payload_bytes) * sizeof(float) * (size_t)(ranks > 0 ? ranks : 1);
  if (out->path != CC_PATH_LOW_RANK) return;
  if (cols) out->rows = n / cols, out->cols = cols;
  else cc_powersgd_matrix_shape(n, &out->rows, &out->cols);
  out->factors_sent = cc_powersgd_compresses(out->rows, out->cols, z->rank);
  // The clamped rank, from compress/'s own byte count: 4 r (rows + cols).
  out->rank = (int)(cc_powersgd_bytes(out->rows, out->cols, z->rank) / (sizeof(float) * (out->rows + out->cols)));
  if (out->factors_sent) out->payload_bytes = cc_powersgd_bytes(out->rows, out->cols, z->rank);
}

// dst += src for every counted term (two collectives one after the other).
static void add_cost(cc_cost *dst, const cc_cost *src) {
  dst->calls += src->calls;
  for (int l = 0; l < CC_NLEVELS; l++) {
    dst->msgs[l] += src->msgs[l];
    dst->bytes[l] += src->bytes[l];
    dst->reduced[l] += src->reduced[l];
  }
  dst->spilled += src->spilled;
  dst->spilled_reduced += src->spilled_reduced;
  dst->faulted += src->faulted;
  dst->rndv_msgs += src->rndv_msgs;
  dst->lib_calls += src->lib_calls;
  dst->lib_reduced += src->lib_reduced;
  // The node's NICs, where they set the pace of a collective: its crossing bytes, at the node's rate.
  dst->nic_bytes += src->nic_bytes;
  dst->nic_replaced_bytes += src->nic_replaced_bytes;
}

// One collective of the base (or mover) strategy, added to *out.
static int collective(const cc_profile *p, const cc_strategy *s, cc_coll op, cc_topology t, double bytes, cc_cost *out,
                      char *err, size_t errlen) {
  cc_cost c;
  if (cc_model_cost(p, s, op, t, bytes, &c, err, errlen) != 0) return -1;
  add_cost(out, &c);
  return 0;
}

int cc_compressed_cost(const cc_profile *p, const cc_strategy *s, cc_coll op, cc_topology t, double bytes,
                       size_t cols, cc_cost *out, char *err, size_t errlen) {
  *out = (cc_cost){.eager_bytes = (double)p->eager_bytes};
  if (op != CC_ALLREDUCE) {
    snprintf(err, errlen, "strategy '%s': compressors apply to allreduce only", s->name);
    return -1;
  }
  if (t.ranks < 1 || t.ranks_per_node < 1) {
    snprintf(err, errlen, "invalid topology: %d ranks, %d per node", t.ranks, t.ranks_per_node);
    return -1;
  }
  const cc_compressor *z = &s->compressor;
  size_t n = (size_t)(bytes / sizeof(float));  // compressed strategies take f32 gradients
  if (cols && n % cols != 0) {
    snprintf(err, errlen, "%zu elements are not a matrix of %zu columns", n, cols);
    return -1;
  }
  cc_compressed_layout L;
  cc_compressed_layout_of(z, n, cols, t.ranks, &L);
  cc_strategy base = cc_strategy_uncompressed(s);
  snprintf(out->compress, sizeof out->compress, "%s", z->name);
  out->compress_kind = (int)z->kind;
  double elems = (double)n;

  switch (L.path) {
    case CC_PATH_REDUCE:  // the payloads add inside the algorithm; one decode of the sum
      if (collective(p, &base, CC_ALLREDUCE, t, (double)L.payload_bytes, out, err, errlen) != 0) return -1;
      out->decode_elems = elems;
      break;
    case CC_PATH_ALLGATHER: {  // every payload to every rank, decoded one after another
      cc_strategy mover = base;
      char why[160];
      if (!cc_strategy_implements(&mover, CC_ALLGATHER, why, sizeof why) || mover.algo == CC_ALGO_HIER)
        cc_strategy_parse("ring", &mover, why, sizeof why);
      if (collective(p, &mover, CC_ALLGATHER, t, (double)L.gathered_bytes, out, err, errlen) != 0) return -1;
      out->decode_elems = elems * t.ranks;
      break;
    }
    case CC_PATH_LOW_RANK:
      if (!L.factors_sent)  // the vector as it is: no encode, no decode
        return collective(p, &base, CC_ALLREDUCE, t, (double)(n * sizeof(float)), out, err, errlen);
      if (collective(p, &base, CC_ALLREDUCE, t, (double)(L.rows * (size_t)L.rank * sizeof(float)), out, err, errlen) != 0 ||
          collective(p, &base, CC_ALLREDUCE, t, (double)(L.cols * (size_t)L.rank * sizeof(float)), out, err, errlen) != 0)
        return -1;
      // M Q and M^T P: 2 rows cols r flops each; Gram-Schmidt twice over r columns of rows: 4 rows r^2.
      out->encode_flops = 4.0 * L.rows * L.cols * L.rank + 4.0 * L.rows * L.rank * L.rank;
      out->decode_elems = elems;
      break;
  }
  out->encode_calls = out->decode_calls = 1;
  out->encode_elems = elems;
  if (z->ef) out->ef_elems = elems;
  return 0;
}

// --- pricing --------------------------------------------------------------------------------------

cc_rates_source cc_compress_rates_of(const cc_profile *p, const char *name, int kind, cc_compress_cost *rates,
                                     bool *ef_priced) {
  size_t len = strlen(name);
  bool ef = len > 3 && strcmp(name + len - 3, "+ef") == 0;
  const cc_compress_cost *c = cc_profile_compress(p, name);
  if (c) {
    *rates = *c, *ef_priced = false;
    return CC_RATES_EXACT;
  }
  *ef_priced = ef;
  if (ef) {
    char plain[sizeof rates->name];
    snprintf(plain, sizeof plain, "%.*s", (int)(len - 3), name);
    if ((c = cc_profile_compress(p, plain)) != NULL) {
      *rates = *c;
      return CC_RATES_NO_EF;
    }
  }
  if ((c = cc_profile_compress(p, cc_comp_kind_name((cc_comp_kind)kind))) != NULL) {
    *rates = *c;
    return CC_RATES_KIND;
  }
  // Memory-bound defaults in units of what the model charges a reduce step per f32 element it
  // receives and adds, 4 (beta + gamma) of the intra link (gamma alone is 0 where the reduction rides
  // in the copy, as in NCCL's kernels): encode passes over the vector twice (a scale or threshold,
  // then the codes), a decode is one such element per element of each payload, a PowerSGD flop costs
  // one. The C reference is slower than this (stochastic rounding hashes every element): calibrate
  // on compressed rows.
  double reduction = 4 * (p->link[CC_INTRA].beta_ns_per_byte + p->link[CC_INTRA].gamma_ns_per_byte);
  *rates = (cc_compress_cost){.encode_ns_per_elem = 2 * reduction, .encode_ns_per_flop = reduction,
                              .decode_ns_per_elem = reduction};
  snprintf(rates->name, sizeof rates->name, "%s", name);
  return CC_RATES_DEFAULT;
}

// Error feedback decodes its own payload: inside encode() on the reduce and allgather paths, with the
// residual after the decode on the low-rank path (compressed.c).
static double ef_us(const cc_cost *c, const cc_compress_cost *r, bool ef_priced) {
  return ef_priced ? c->ef_elems * r->decode_ns_per_elem * 1e-3 : 0;
}

double cc_cost_encode_us(const cc_profile *p, const cc_cost *c) {
  if (!c->compress[0] || c->encode_calls == 0) return 0;
  cc_compress_cost r;
  bool ef;
  cc_compress_rates_of(p, c->compress, c->compress_kind, &r, &ef);
  double t = c->encode_calls * r.encode_us + (c->encode_elems * r.encode_ns_per_elem + c->encode_flops * r.encode_ns_per_flop) * 1e-3;
  return c->compress_kind == CC_COMP_POWERSGD ? t : t + ef_us(c, &r, ef);
}

double cc_cost_decode_us(const cc_profile *p, const cc_cost *c) {
  if (!c->compress[0] || c->decode_calls == 0) return 0;
  cc_compress_cost r;
  bool ef;
  cc_compress_rates_of(p, c->compress, c->compress_kind, &r, &ef);
  double t = c->decode_calls * r.decode_us + c->decode_elems * r.decode_ns_per_elem * 1e-3;
  return c->compress_kind == CC_COMP_POWERSGD ? t + ef_us(c, &r, ef) : t;
}
