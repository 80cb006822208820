// Bucketed gradient averaging, overlapped with backward or after it (see train_sync.h).
#include "trainer/train_sync.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectives/collectives.h"
#include "common/error.h"
#include "common/rng.h"
#include "common/timer.h"

static void *comm_thread(void *arg);

// ---------------------------------------------------------------------------------------------------
// Building the units

typedef struct {
  grad_sync *gs;
  int cap;          // of gs->units
  sync_unit open;   // the bucket being filled (count 0: none)
  int open_cap;     // of open.pieces
} unit_builder;

static void push_unit(unit_builder *b, sync_unit unit) {
  grad_sync *gs = b->gs;
  if (gs->nunits == b->cap) {
    b->cap = b->cap * 2 + 8;
    CC_CHECK_PTR(gs->units = realloc(gs->units, (size_t)b->cap * sizeof *gs->units));
  }
  gs->units[gs->nunits++] = unit;
}

static void close_bucket(unit_builder *b) {
  if (b->open.count == 0) return;
  push_unit(b, b->open);
  b->open = (sync_unit){0};
  b->open_cap = 0;
}

// Adds [offset, offset + count) of `stage` to the open bucket, closing buckets as they fill. A piece
// that continues the bucket's last one in memory extends it.
static void add_to_buckets(unit_builder *b, size_t offset, size_t count, int stage, bool compressed) {
  size_t limit = b->gs->bucket_elems;
  while (count > 0) {
    sync_unit *u = &b->open;
    size_t take = limit - u->count < count ? limit - u->count : count;
    grad_piece *last = u->npieces ? &u->pieces[u->npieces - 1] : NULL;
    if (last && last->offset + last->count == offset) {
      last->count += take;
    } else {
      if (u->npieces == b->open_cap) {
        b->open_cap = b->open_cap * 2 + 4;
        CC_CHECK_PTR(u->pieces = realloc(u->pieces, (size_t)b->open_cap * sizeof *u->pieces));
      }
      u->pieces[u->npieces++] = (grad_piece){offset, take};
    }
    u->count += take;
    u->compressed = compressed;
    if (stage > u->stage) u->stage = stage;
    offset += take, count -= take;
    if (u->count == limit) close_bucket(b);
  }
}

static int by_offset(const void *x, const void *y) {
  const grad_segment *a = x, *b = y;
  return (a->offset > b->offset) - (a->offset < b->offset);
}

static int by_stage_then_offset(const void *x, const void *y) {
  const grad_segment *a = x, *b = y;
  if (a->stage != b->stage) return a->stage < b->stage ? -1 : 1;
  return by_offset(x, y);
}

// The segments in stage order, checked to cover [0, count) exactly once.
static grad_segment *sorted_segments(const grad_sync_options *o, size_t count, int *n) {
  grad_segment whole = {0, count, 0};
  const grad_segment *given = o->segments ? o->segments : &whole;
  *n = o->segments ? o->nsegments : 1;
  grad_segment *seg = cc_malloc((size_t)*n * sizeof *seg);
  memcpy(seg, given, (size_t)*n * sizeof *seg);
  // Coverage: in offset order, each starts where the previous ended.
  qsort(seg, (size_t)*n, sizeof *seg, by_offset);
  size_t at = 0;
  for (int i = 0; i < *n; i++) {
    if (seg[i].offset != at) CC_FATAL("grad_sync_init: gradient segments leave a gap or overlap at %zu", at);
    at += seg[i].count;
  }
  if (at != count) CC_FATAL("grad_sync_init: gradient segments cover %zu of %zu elements", at, count);
  qsort(seg, (size_t)*n, sizeof *seg, by_stage_then_offset);
  return seg;
}

void grad_sync_init(grad_sync *gs, cc_comm *comm, const cc_strategy *s, size_t count, const grad_sync_options *o) {
  memset(gs, 0, sizeof *gs);
  gs->comm = comm;
  gs->plain = cc_strategy_uncompressed(s);
  gs->bucket_elems = o->bucket_bytes / sizeof(float);
  if (gs->bucket_elems == 0) gs->bucket_elems = 1;
  bool by_shape = s->compressed && s->compressor.kind == CC_COMP_POWERSGD && o->matrices;

  int nseg;
  grad_segment *seg = sorted_segments(o, count, &nseg);
  unit_builder b = {.gs = gs};
  for (int i = 0; i < nseg; i++) {
    size_t at = seg[i].offset, end = seg[i].offset + seg[i].count;
    while (at < end) {
      // The next matrix starting inside what is left of this segment, if any.
      const grad_matrix *m = NULL;
      for (int j = 0; by_shape && j < o->nmatrices && !m; j++)
        if (o->matrices[j].offset >= at && o->matrices[j].offset < end) m = &o->matrices[j];
      size_t upto = m ? m->offset : end;
      add_to_buckets(&b, at, upto - at, seg[i].stage, s->compressed && !by_shape);
      at = upto;
      if (m) {
        size_t elems = m->rows * m->cols;
        if (elems == 0) CC_FATAL("grad_sync_init: the gradient matrix at %zu is empty", m->offset);
        if (m->offset + elems > end) CC_FATAL("grad_sync_init: a gradient matrix at %zu leaves its segment", m->offset);
        close_bucket(&b);  // a matrix is one unit, whatever its size
        grad_piece *piece = cc_malloc(sizeof *piece);
        *piece = (grad_piece){m->offset, elems};
        push_unit(&b, (sync_unit){.pieces = piece, .npieces = 1, .count = elems, .stage = seg[i].stage,
                                  .compressed = true});
        at += elems;
      }
    }
  }
  close_bucket(&b);
  free(seg);

  for (int u = 0; u < gs->nunits; u++) {
    sync_unit *unit = &gs->units[u];
    if (unit->npieces > 1) unit->packed = cc_malloc(unit->count * sizeof(float));
    if (!unit->compressed) continue;
    size_t cols = 0;
    for (int j = 0; by_shape && j < o->nmatrices; j++)
      if (o->matrices[j].offset == unit->pieces[0].offset) cols = o->matrices[j].cols;
    // Every unit its own shared seed, so their sampled positions are independent.
    cc_compress_state_init_matrix(&unit->state, s, unit->count, cols, cc_hash64(o->seed, (uint64_t)u),
                                  comm->world.me, comm->world.size);
  }
  if (o->overlap) {
    gs->overlap = true;
    pthread_mutex_init(&gs->lock, NULL);
    pthread_cond_init(&gs->wake, NULL);
    pthread_cond_init(&gs->idle, NULL);
    if (pthread_create(&gs->thread, NULL, comm_thread, gs) != 0) CC_FATAL("grad_sync_init: cannot start the communication thread");
  }
}

void grad_sync_free(grad_sync *gs) {
  if (gs->overlap) {
    pthread_mutex_lock(&gs->lock);
    gs->quit = true;
    pthread_cond_signal(&gs->wake);
    pthread_mutex_unlock(&gs->lock);
    pthread_join(gs->thread, NULL);
    pthread_mutex_destroy(&gs->lock);
    pthread_cond_destroy(&gs->wake);
    pthread_cond_destroy(&gs->idle);
  }
  for (int u = 0; u < gs->nunits; u++) {
    if (gs->units[u].compressed) cc_compress_state_free(&gs->units[u].state);
    free(gs->units[u].pieces);
    free(gs->units[u].packed);
  }
  free(gs->units);
  memset(gs, 0, sizeof *gs);
}

// ---------------------------------------------------------------------------------------------------
// Running them

// Averages one unit of grads over the ranks, through its packed buffer when it has several pieces.
static void run_unit(grad_sync *gs, sync_unit *unit, float *grads, sync_timing *t) {
  float *g = unit->packed ? unit->packed : grads + unit->pieces[0].offset;
  if (unit->packed) {
    size_t at = 0;
    for (int i = 0; i < unit->npieces; i++) {
      memcpy(unit->packed + at, grads + unit->pieces[i].offset, unit->pieces[i].count * sizeof(float));
      at += unit->pieces[i].count;
    }
  }
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
  if (unit->packed) {
    size_t at = 0;
    for (int i = 0; i < unit->npieces; i++) {
      memcpy(grads + unit->pieces[i].offset, unit->packed + at, unit->pieces[i].count * sizeof(float));
      at += unit->pieces[i].count;
    }
  }
}

// The communication thread: runs the step's units in order, each once its stage is done.
static void *comm_thread(void *arg) {
  grad_sync *gs = arg;
  pthread_mutex_lock(&gs->lock);
  for (;;) {
    while (!gs->quit && !(gs->stepping && gs->next < gs->nunits && gs->units[gs->next].stage <= gs->stage))
      pthread_cond_wait(&gs->wake, &gs->lock);
    if (gs->quit) break;
    sync_unit *unit = &gs->units[gs->next];
    float *grads = gs->grads;
    pthread_mutex_unlock(&gs->lock);
    run_unit(gs, unit, grads, &gs->timing);  // the caller reads timing only once the step is idle
    pthread_mutex_lock(&gs->lock);
    if (++gs->next == gs->nunits) pthread_cond_signal(&gs->idle);
  }
  pthread_mutex_unlock(&gs->lock);
  return NULL;
}

void grad_sync_begin(grad_sync *gs, float *grads) {
  if (gs->overlap) pthread_mutex_lock(&gs->lock);
  gs->grads = grads;
  gs->stage = -1;
  gs->next = 0;
  gs->stepping = true;
  memset(&gs->timing, 0, sizeof gs->timing);
  gs->sent_before = gs->comm->bytes_sent;
  if (gs->overlap) pthread_mutex_unlock(&gs->lock);
}

void grad_sync_stage_done(grad_sync *gs, int stage) {
  if (!gs->overlap) return;
  pthread_mutex_lock(&gs->lock);
  if (stage > gs->stage) gs->stage = stage;
  pthread_cond_signal(&gs->wake);
  pthread_mutex_unlock(&gs->lock);
}

void grad_sync_end(grad_sync *gs, sync_timing *t) {
  double t0 = cc_now_us();
  if (gs->overlap) {
    pthread_mutex_lock(&gs->lock);
    gs->stage = INT_MAX;  // every gradient is final
    pthread_cond_signal(&gs->wake);
    while (gs->next < gs->nunits) pthread_cond_wait(&gs->idle, &gs->lock);
    gs->stepping = false;
    pthread_mutex_unlock(&gs->lock);
  } else {
    for (; gs->next < gs->nunits; gs->next++) run_unit(gs, &gs->units[gs->next], gs->grads, &gs->timing);
    gs->stepping = false;
  }
  *t = gs->timing;
  t->exposed_us = cc_now_us() - t0;
  t->wire_bytes = gs->comm->bytes_sent - gs->sent_before;
}

void grad_sync_run(grad_sync *gs, float *grads, sync_timing *t) {
  grad_sync_begin(gs, grads);
  grad_sync_end(gs, t);
}

// ---------------------------------------------------------------------------------------------------
// Checkpoints

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
