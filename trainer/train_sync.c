// Bucketed gradient averaging (see train_sync.h).
#include "trainer/train_sync.h"

#include <stdlib.h>
#include <string.h>

#include "collectives/collectives.h"
#include "common/error.h"
#include "common/rng.h"
#include "common/timer.h"

void grad_sync_init(grad_sync *gs, cc_comm *comm, const cc_strategy *s, size_t count, size_t bucket_bytes,
                    uint64_t seed) {
  memset(gs, 0, sizeof *gs);
  gs->comm = comm;
  gs->strategy = *s;
  gs->count = count;
  gs->bucket_elems = bucket_bytes / sizeof(float);
  if (gs->bucket_elems == 0 || gs->bucket_elems > count) gs->bucket_elems = count ? count : 1;
  gs->nbuckets = (int)((count + gs->bucket_elems - 1) / gs->bucket_elems);
  if (!s->compressed) return;
  gs->states = cc_calloc((size_t)gs->nbuckets, sizeof *gs->states);
  for (int b = 0; b < gs->nbuckets; b++) {
    size_t n = b == gs->nbuckets - 1 ? count - (size_t)b * gs->bucket_elems : gs->bucket_elems;
    // Every bucket its own shared seed, so their sampled positions are independent.
    cc_compress_state_init(&gs->states[b], s, n, cc_hash64(seed, (uint64_t)b), comm->world.me, comm->world.size);
  }
}

void grad_sync_free(grad_sync *gs) {
  if (gs->states)
    for (int b = 0; b < gs->nbuckets; b++) cc_compress_state_free(&gs->states[b]);
  free(gs->states);
  memset(gs, 0, sizeof *gs);
}

void grad_sync_run(grad_sync *gs, float *grads, sync_timing *t) {
  memset(t, 0, sizeof *t);
  uint64_t sent0 = gs->comm->bytes_sent;
  for (int b = 0; b < gs->nbuckets; b++) {
    size_t off = (size_t)b * gs->bucket_elems;
    size_t n = b == gs->nbuckets - 1 ? gs->count - off : gs->bucket_elems;
    if (gs->strategy.compressed) {
      cc_compress_timing ct;
      cc_compressed_allreduce(gs->comm, &gs->states[b], grads + off, grads + off, n, CC_AVG, &ct);
      t->encode_us += ct.encode_us;
      t->comm_us += ct.comm_us;
      t->decode_us += ct.decode_us;
      t->payload_bytes += ct.payload_bytes;
    } else {
      double t0 = cc_now_us();
      cc_allreduce(gs->comm, &gs->strategy, grads + off, grads + off, n, CC_F32, CC_AVG);
      t->comm_us += cc_now_us() - t0;
      t->payload_bytes += n * sizeof(float);
    }
  }
  t->wire_bytes = gs->comm->bytes_sent - sent0;
}

size_t grad_sync_state_bytes(const grad_sync *gs) {
  size_t bytes = 0;
  if (gs->states)
    for (int b = 0; b < gs->nbuckets; b++) bytes += cc_compress_state_bytes(&gs->states[b]);
  return bytes;
}

void grad_sync_state_save(const grad_sync *gs, void *out) {
  char *p = out;
  if (!gs->states) return;
  for (int b = 0; b < gs->nbuckets; b++) {
    cc_compress_state_save(&gs->states[b], p);
    p += cc_compress_state_bytes(&gs->states[b]);
  }
}

void grad_sync_state_load(grad_sync *gs, const void *in) {
  const char *p = in;
  if (!gs->states) return;
  for (int b = 0; b < gs->nbuckets; b++) {
    cc_compress_state_load(&gs->states[b], p);
    p += cc_compress_state_bytes(&gs->states[b]);
  }
}
