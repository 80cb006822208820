// Bucketed gradient averaging (see train_sync.h).
#include "trainer/train_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectives/collectives.h"
#include "common/error.h"
#include "common/rng.h"
#include "common/timer.h"

static void add_unit(grad_sync *gs, size_t offset, size_t count, bool compressed, int *cap) {
  if (gs->nunits == *cap) {
    *cap = *cap * 2 + 8;
    gs->units = realloc(gs->units, (size_t)*cap * sizeof *gs->units);
    CC_CHECK_PTR(gs->units);
  }
  gs->units[gs->nunits++] = (sync_unit){.offset = offset, .count = count, .compressed = compressed};
}

// Units covering [from, to) in buckets of at most bucket_elems.
static void add_buckets(grad_sync *gs, size_t from, size_t to, bool compressed, int *cap) {
  for (size_t off = from; off < to; off += gs->bucket_elems)
    add_unit(gs, off, to - off < gs->bucket_elems ? to - off : gs->bucket_elems, compressed, cap);
}

void grad_sync_init(grad_sync *gs, cc_comm *comm, const cc_strategy *s, size_t count, size_t bucket_bytes,
                    const grad_matrix *matrices, int nmatrices, uint64_t seed) {
  memset(gs, 0, sizeof *gs);
  gs->comm = comm;
  gs->strategy = *s;
  gs->plain = cc_strategy_uncompressed(s);
  gs->count = count;
  gs->bucket_elems = bucket_bytes / sizeof(float);
  if (gs->bucket_elems == 0) gs->bucket_elems = 1;
  int cap = 0;
  bool by_shape = s->compressed && s->compressor.kind == CC_COMP_POWERSGD && matrices;
  if (!by_shape) {
    add_buckets(gs, 0, count, s->compressed, &cap);
  } else {
    size_t at = 0;
    for (int i = 0; i < nmatrices; i++) {
      const grad_matrix *m = &matrices[i];
      if (m->offset < at || m->offset + m->rows * m->cols > count) CC_FATAL("gradient matrices overlap or overflow");
      add_buckets(gs, at, m->offset, false, &cap);
      add_unit(gs, m->offset, m->rows * m->cols, true, &cap);  // a matrix is one unit, whatever its size
      at = m->offset + m->rows * m->cols;
    }
    add_buckets(gs, at, count, false, &cap);
  }
  int matrix = 0;
  for (int u = 0; u < gs->nunits; u++) {
    sync_unit *unit = &gs->units[u];
    if (!unit->compressed) continue;
    size_t cols = 0;
    if (by_shape) {
      while (matrices[matrix].offset != unit->offset) matrix++;
      cols = matrices[matrix].cols;
    }
    // Every unit its own shared seed, so their sampled positions are independent.
    cc_compress_state_init_matrix(&unit->state, s, unit->count, cols, cc_hash64(seed, (uint64_t)u),
                                  comm->world.me, comm->world.size);
  }
}

void grad_sync_free(grad_sync *gs) {
  for (int u = 0; u < gs->nunits; u++)
    if (gs->units[u].compressed) cc_compress_state_free(&gs->units[u].state);
  free(gs->units);
  memset(gs, 0, sizeof *gs);
}

void grad_sync_run(grad_sync *gs, float *grads, sync_timing *t) {
  memset(t, 0, sizeof *t);
  uint64_t sent0 = gs->comm->bytes_sent;
  for (int u = 0; u < gs->nunits; u++) {
    sync_unit *unit = &gs->units[u];
    float *g = grads + unit->offset;
    if (unit->compressed) {
      cc_compress_timing ct;
      cc_compressed_allreduce(gs->comm, &unit->state, g, g, unit->count, CC_AVG, &ct);
      t->encode_us += ct.encode_us;
      t->comm_us += ct.comm_us;
      t->decode_us += ct.decode_us;
      t->payload_bytes += ct.payload_bytes;
    } else {
      double t0 = cc_now_us();
      cc_allreduce(gs->comm, &gs->plain, g, g, unit->count, CC_F32, CC_AVG);
      t->comm_us += cc_now_us() - t0;
      t->payload_bytes += unit->count * sizeof(float);
    }
  }
  t->wire_bytes = gs->comm->bytes_sent - sent0;
}

size_t grad_sync_state_bytes(const grad_sync *gs) {
  size_t bytes = 0;
  for (int u = 0; u < gs->nunits; u++)
    if (gs->units[u].compressed) bytes += cc_compress_state_bytes(&gs->units[u].state);
  return bytes;
}

void grad_sync_state_save(const grad_sync *gs, void *out) {
  char *p = out;
  for (int u = 0; u < gs->nunits; u++)
    if (gs->units[u].compressed) {
      cc_compress_state_save(&gs->units[u].state, p);
      p += cc_compress_state_bytes(&gs->units[u].state);
    }
}

void grad_sync_state_load(grad_sync *gs, const void *in) {
  const char *p = in;
  for (int u = 0; u < gs->nunits; u++)
    if (gs->units[u].compressed) {
      cc_compress_state_load(&gs->units[u].state, p);
      p += cc_compress_state_bytes(&gs->units[u].state);
    }
}
