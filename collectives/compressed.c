// Compressed allreduce over any strategy: encode, move the payloads, decode (compressed.h).
#include "collectives/compressed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectives/collectives.h"
#include "common/error.h"
#include "common/timer.h"

// --- state ----------------------------------------------------------------------------------------

static size_t padded_words(size_t bytes) { return (bytes + sizeof(float) - 1) / sizeof(float); }

void cc_compress_state_init(cc_compress_state *st, const cc_strategy *s, size_t count, uint64_t seed, int rank,
                            int ranks) {
  cc_compress_state_init_matrix(st, s, count, 0, seed, rank, ranks);
}

void cc_compress_state_init_matrix(cc_compress_state *st, const cc_strategy *s, size_t count, size_t cols,
                                   uint64_t seed, int rank, int ranks) {
  memset(st, 0, sizeof *st);
  if (cols && count % cols != 0) CC_FATAL("%zu elements are not a matrix of %zu columns", count, cols);
  if (!s->compressed) CC_FATAL("strategy %s has no compressor", s->name);
  st->z = s->compressor;
  st->base = cc_strategy_uncompressed(s);
  st->count = count;
  st->seed = seed;
  cc_rng_seed(&st->rng, cc_hash64(seed, 0x5eed0000u + (uint64_t)rank));
  if (st->z.ef) cc_ef_init(&st->ef, count);
  st->scratch = cc_calloc(count ? count : 1, sizeof(float));

  size_t payload_bytes = cc_compressed_bytes(&st->z, count);
  if (st->z.kind == CC_COMP_POWERSGD) {
    if (cols) st->rows = count / cols, st->cols = cols;
    else cc_powersgd_matrix_shape(count, &st->rows, &st->cols);  // zero-padded
    cc_powersgd_init(&st->psgd, st->rows, st->cols, st->z.rank, seed);
    st->matrix = cc_calloc(st->rows * st->cols, sizeof(float));
    payload_bytes = 0;
  }
  st->payload = cc_calloc(padded_words(payload_bytes) + 1, sizeof(float));
  if (cc_compressor_path(&st->z) == CC_PATH_ALLGATHER)
    st->gathered = cc_calloc(padded_words(payload_bytes) * (size_t)ranks + 1, sizeof(float));
}

void cc_compress_state_free(cc_compress_state *st) {
  if (st->z.ef) cc_ef_free(&st->ef);
  if (st->z.kind == CC_COMP_POWERSGD) cc_powersgd_free(&st->psgd);
  free(st->payload), free(st->gathered), free(st->scratch), free(st->matrix);
  memset(st, 0, sizeof *st);
}

// --- encode and decode, with or without error feedback --------------------------------------------

static void encode(cc_compress_state *st, const float *send, uint64_t shared) {
  if (st->z.ef) cc_ef_encode(&st->ef, &st->z, send, st->payload, st->scratch, &st->rng, shared);
  else cc_compress_encode(&st->z, send, st->count, st->payload, &st->rng, shared);
}

static void finish_average(float *recv, size_t n, cc_redop op, int ranks) {
  if (op != CC_AVG) return;
  for (size_t i = 0; i < n; i++) recv[i] /= (float)ranks;
}

// --- the three paths ------------------------------------------------------------------------------

// fp16/bf16: the algorithm adds the 16-bit payloads in f32; randk: the k values add as a dense vector.
static void reduce_path(cc_comm *c, cc_compress_state *st, const float *send, float *recv, cc_redop op,
                        uint64_t shared, cc_compress_timing *tm) {
  size_t n = st->count;
  double t0 = cc_now_us();
  encode(st, send, shared);
  double t1 = cc_now_us();
  if (st->z.kind == CC_COMP_RANDK) {
    size_t k = cc_compressed_bytes(&st->z, n) / sizeof(float);
    cc_allreduce(c, &st->base, st->payload, st->payload, k, CC_F32, CC_SUM);
  } else {
    cc_dtype wire = st->z.kind == CC_COMP_FP16 ? CC_F16 : CC_BF16;
    cc_allreduce(c, &st->base, st->payload, st->payload, n, wire, CC_SUM);
  }
  double t2 = cc_now_us();
  memset(recv, 0, n * sizeof(float));
  cc_compress_decode_add(&st->z, st->payload, n, recv, shared);
  finish_average(recv, n, op, c->world.size);
  tm->encode_us = t1 - t0, tm->comm_us = t2 - t1, tm->decode_us = cc_now_us() - t2;
}

// Per-rank scales or positions: gather every payload, decode each and add them in rank order.
static void allgather_path(cc_comm *c, cc_compress_state *st, const float *send, float *recv, cc_redop op,
                           uint64_t shared, cc_compress_timing *tm) {
  size_t n = st->count, bytes = cc_compressed_bytes(&st->z, n), words = padded_words(bytes);
  double t0 = cc_now_us();
  encode(st, send, shared);
  double t1 = cc_now_us();
  cc_strategy mover = st->base;
  char err[160];
  if (!cc_strategy_implements(&mover, CC_ALLGATHER, err, sizeof err) || mover.algo == CC_ALGO_HIER)
    cc_strategy_parse("ring", &mover, err, sizeof err);  // tree, btree, hier have no allgather of their own
  cc_allgather(c, &mover, st->payload, st->gathered, words, CC_F32);
  double t2 = cc_now_us();
  memset(recv, 0, n * sizeof(float));
  for (int r = 0; r < c->world.size; r++)
    cc_compress_decode_add(&st->z, (const float *)st->gathered + (size_t)r * words, n, recv, shared);
  finish_average(recv, n, op, c->world.size);
  tm->encode_us = t1 - t0, tm->comm_us = t2 - t1, tm->decode_us = cc_now_us() - t2;
}

// PowerSGD: P = M Q summed over ranks, orthonormalised; Q = M^T P summed; the result is P Q^T.
// With error feedback M is the gradient plus the residual, and the residual keeps what the average
// approximation missed.
static void low_rank_path(cc_comm *c, cc_compress_state *st, const float *send, float *recv, cc_redop op,
                          cc_compress_timing *tm) {
  size_t n = st->count, rows = st->rows, cols = st->cols;
  cc_powersgd *ps = &st->psgd;
  int r = ps->rank;
  if (!cc_powersgd_compresses(rows, cols, r)) {  // factors as large as the vector: send it as it is
    double t0 = cc_now_us();
    cc_allreduce(c, &st->base, send, recv, n, CC_F32, op);
    tm->comm_us = cc_now_us() - t0;
    return;
  }
  double comm = 0, t0 = cc_now_us();
  memset(st->matrix, 0, rows * cols * sizeof(float));
  for (size_t i = 0; i < n; i++) st->matrix[i] = send[i] + (st->z.ef ? st->ef.residual[i] : 0.0f);
  cc_powersgd_project(ps, st->matrix);
  double t = cc_now_us();
  cc_allreduce(c, &st->base, ps->p, ps->p, rows * (size_t)r, CC_F32, CC_SUM);
  comm += cc_now_us() - t;
  cc_powersgd_orthogonalize(ps);
  cc_powersgd_back_project(ps, st->matrix);
  t = cc_now_us();
  cc_allreduce(c, &st->base, ps->q, ps->q, cols * (size_t)r, CC_F32, CC_SUM);
  comm += cc_now_us() - t;
  double t3 = cc_now_us();
  float scale = op == CC_AVG ? 1.0f / (float)c->world.size : 1.0f;
  // Decode into the padded matrix buffer (recv may alias send, and the residual needs the average).
  float *approx = cc_calloc(rows * cols, sizeof(float));
  cc_powersgd_decode(ps, approx, 1.0f);
  if (st->z.ef) {  // the matrix's padding is zero in both terms, so its residual stays zero
    cc_powersgd_residual(ps, st->matrix, st->matrix, 1.0f / (float)c->world.size);
    memcpy(st->ef.residual, st->matrix, n * sizeof(float));
  }
  for (size_t i = 0; i < n; i++) recv[i] = scale * approx[i];
  free(approx);
  double t4 = cc_now_us();
  tm->encode_us = (t3 - t0) - comm, tm->comm_us = comm, tm->decode_us = t4 - t3;
}

void cc_compressed_allreduce(cc_comm *c, cc_compress_state *st, const float *send, float *recv, size_t count,
                             cc_redop op, cc_compress_timing *timing) {
  if (count != st->count) CC_FATAL("compressed allreduce of %zu elements with state for %zu", count, st->count);
  // Compressors estimate a sum (decode-and-add); a product, minimum or maximum has no such estimate.
  if (op != CC_SUM && op != CC_AVG) CC_FATAL("compressed allreduce: no %s, only sum and avg", cc_redop_name(op));
  cc_compress_timing tm = {0};
  uint64_t shared = cc_hash64(st->seed, st->step++);
  if (count > 0) {
    switch (cc_compressor_path(&st->z)) {
      case CC_PATH_REDUCE: reduce_path(c, st, send, recv, op, shared, &tm); break;
      case CC_PATH_ALLGATHER: allgather_path(c, st, send, recv, op, shared, &tm); break;
      case CC_PATH_LOW_RANK: low_rank_path(c, st, send, recv, op, &tm); break;
    }
  }
  tm.payload_bytes = cc_compressed_bytes(&st->z, count);
  if (st->z.kind == CC_COMP_POWERSGD && cc_powersgd_compresses(st->rows, st->cols, st->z.rank))
    tm.payload_bytes = cc_powersgd_bytes(st->rows, st->cols, st->z.rank);
  if (timing) *timing = tm;
}

// --- persistence (checkpoints) --------------------------------------------------------------------

static size_t psgd_q_floats(const cc_compress_state *st) {
  return st->z.kind == CC_COMP_POWERSGD ? st->psgd.cols * (size_t)st->psgd.rank : 0;
}

size_t cc_compress_state_bytes(const cc_compress_state *st) {
  return sizeof st->step + sizeof st->rng + (st->z.ef ? st->count * sizeof(float) : 0) +
         psgd_q_floats(st) * sizeof(float);
}

void cc_compress_state_save(const cc_compress_state *st, void *out) {
  char *p = out;
  memcpy(p, &st->step, sizeof st->step), p += sizeof st->step;
  memcpy(p, &st->rng, sizeof st->rng), p += sizeof st->rng;
  if (st->z.ef) memcpy(p, st->ef.residual, st->count * sizeof(float)), p += st->count * sizeof(float);
  if (psgd_q_floats(st)) memcpy(p, st->psgd.q, psgd_q_floats(st) * sizeof(float));
}

void cc_compress_state_load(cc_compress_state *st, const void *in) {
  const char *p = in;
  memcpy(&st->step, p, sizeof st->step), p += sizeof st->step;
  memcpy(&st->rng, p, sizeof st->rng), p += sizeof st->rng;
  if (st->z.ef) memcpy(st->ef.residual, p, st->count * sizeof(float)), p += st->count * sizeof(float);
  if (psgd_q_floats(st)) memcpy(st->psgd.q, p, psgd_q_floats(st) * sizeof(float));
}
