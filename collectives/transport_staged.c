// MPI-staged transport: chunked, double-buffered device <-> pinned host <-> MPI (transport_staged.h).
#include "collectives/transport_staged.h"

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>

#include <cuda_runtime.h>
#include <mpi.h>

#include "collectives/device.h"
#include "collectives/transport_device.h"
#include "collectives/transport_mpi.h"
#include "common/check_cuda.h"
#include "common/check_mpi.h"

#define TAG_MASK 0x7fff  // MPI guarantees tags up to 32767

// A pinned chunk buffer. `copied` is recorded after every copy into or out of it, so a free slot may
// be handed out only when the event has completed (a queued H2D copy may still be reading it).
typedef struct {
  char *host;
  cudaEvent_t copied;
  bool in_use;
} slot;

// One posted send or receive. Chunk i always uses slot i % 2.
typedef struct {
  bool is_send;
  char *dev;
  size_t bytes;
  int peer, tag, nchunks;
  slot *slots[2];
  MPI_Request req[2];  // the MPI transfer of the slot's chunk; MPI_REQUEST_NULL when none
  bool busy[2];        // the slot holds a chunk not yet finished with
  int next_stage;      // send: next chunk to copy down; recv: next chunk to receive
  int next_move;       // send: next chunk to hand to MPI; recv: next chunk to copy up
  int finished;        // chunks done: sent, or copied up (enqueued)
} op;

typedef struct {
  cc_device_transport d;
  MPI_Comm comm;
  size_t chunk;
  slot **pool;
  int npool;
  op *ops;
  int nops, capops;
  unsigned *send_seq, *recv_seq;  // operations posted per peer, for the tags
} staged;

static bool event_done(cudaEvent_t e) {
  cudaError_t rc = cudaEventQuery(e);
  if (rc == cudaErrorNotReady) return false;
  CC_CHECK_CUDA(rc);
  return true;
}

// A free slot whose last copy has finished, or a new one.
static slot *acquire_slot(staged *s) {
  for (int i = 0; i < s->npool; i++)
    if (!s->pool[i]->in_use && event_done(s->pool[i]->copied)) {
      s->pool[i]->in_use = true;
      return s->pool[i];
    }
  s->pool = realloc(s->pool, sizeof(slot *) * (size_t)(s->npool + 1));
  if (!s->pool) CC_FATAL("out of memory for %d staging slots", s->npool + 1);
  slot *sl = cc_calloc(1, sizeof(slot));
  CC_CHECK_CUDA(cudaMallocHost((void **)&sl->host, s->chunk));
  CC_CHECK_CUDA(cudaEventCreateWithFlags(&sl->copied, cudaEventDisableTiming));
  sl->in_use = true;
  s->pool[s->npool++] = sl;
  return sl;
}

static size_t chunk_bytes(const staged *s, const op *o, int i) {
  size_t left = o->bytes - (size_t)i * s->chunk;
  return left < s->chunk ? left : s->chunk;
}

static bool op_finished(const op *o) { return o->finished == o->nchunks; }

// A send: copy chunks down while their slot is free, hand them to MPI in chunk order once their copy
// has finished, free the slot when MPI is done with it. Returns whether anything moved.
static bool advance_send(staged *s, op *o) {
  bool moved = false;
  cudaStream_t stream = cc_device_stream();
  for (int k = 0; k < 2; k++) {
    int flag = 0;
    if (o->req[k] == MPI_REQUEST_NULL) continue;
    CC_CHECK_MPI(MPI_Test(&o->req[k], &flag, MPI_STATUS_IGNORE));
    if (flag) o->busy[k] = false, o->finished++, moved = true;
  }
  while (o->next_stage < o->nchunks && !o->busy[o->next_stage % 2]) {
    int i = o->next_stage++, k = i % 2;
    size_t n = chunk_bytes(s, o, i);
    if (n) CC_CHECK_CUDA(cudaMemcpyAsync(o->slots[k]->host, o->dev + (size_t)i * s->chunk, n, cudaMemcpyDeviceToHost, stream));
    CC_CHECK_CUDA(cudaEventRecord(o->slots[k]->copied, stream));
    o->busy[k] = true;
    moved = true;
  }
  while (o->next_move < o->next_stage && event_done(o->slots[o->next_move % 2]->copied)) {
    int i = o->next_move++, k = i % 2;
    CC_CHECK_MPI(MPI_Isend(o->slots[k]->host, (int)chunk_bytes(s, o, i), MPI_BYTE, o->peer, o->tag, s->comm, &o->req[k]));
    moved = true;
  }
  return moved;
}

// A receive: post MPI receives into free slots whose last copy up has finished, copy arrived chunks
// up in chunk order, free a slot once its copy up has finished.
static bool advance_recv(staged *s, op *o) {
  bool moved = false;
  cudaStream_t stream = cc_device_stream();
  while (o->next_move < o->next_stage) {
    int i = o->next_move, k = i % 2, flag = 0;
    CC_CHECK_MPI(MPI_Test(&o->req[k], &flag, MPI_STATUS_IGNORE));
    if (!flag) break;
    size_t n = chunk_bytes(s, o, i);
    if (n) CC_CHECK_CUDA(cudaMemcpyAsync(o->dev + (size_t)i * s->chunk, o->slots[k]->host, n, cudaMemcpyHostToDevice, stream));
    CC_CHECK_CUDA(cudaEventRecord(o->slots[k]->copied, stream));
    o->next_move++, o->finished++, moved = true;
  }
  for (int k = 0; k < 2; k++)
    if (o->busy[k] && o->req[k] == MPI_REQUEST_NULL && event_done(o->slots[k]->copied)) o->busy[k] = false;
  while (o->next_stage < o->nchunks && !o->busy[o->next_stage % 2]) {
    int i = o->next_stage++, k = i % 2;
    CC_CHECK_MPI(MPI_Irecv(o->slots[k]->host, (int)chunk_bytes(s, o, i), MPI_BYTE, o->peer, o->tag, s->comm, &o->req[k]));
    o->busy[k] = true;
    moved = true;
  }
  return moved;
}

static bool advance(staged *s, op *o) { return o->is_send ? advance_send(s, o) : advance_recv(s, o); }

static void post(staged *s, bool is_send, const void *buf, size_t bytes, int peer) {
  if (s->nops == s->capops) {
    s->capops = s->capops ? 2 * s->capops : 16;
    s->ops = realloc(s->ops, sizeof(op) * (size_t)s->capops);
    if (!s->ops) CC_FATAL("out of memory for %d staged operations", s->capops);
  }
  op *o = &s->ops[s->nops++];
  unsigned seq = is_send ? s->send_seq[peer]++ : s->recv_seq[peer]++;
  *o = (op){.is_send = is_send, .dev = (char *)buf, .bytes = bytes, .peer = peer, .tag = (int)(seq & TAG_MASK),
            .req = {MPI_REQUEST_NULL, MPI_REQUEST_NULL}};
  // A zero-byte message is one empty chunk, so it still matches its partner.
  size_t chunks = bytes ? (bytes + s->chunk - 1) / s->chunk : 1;
  if (chunks > INT_MAX) CC_FATAL("staged transport: %zu chunks in one message", chunks);
  o->nchunks = (int)chunks;
  for (int k = 0; k < (o->nchunks < 2 ? o->nchunks : 2); k++) o->slots[k] = acquire_slot(s);
  advance(s, o);  // start the first chunks now: their copies queue in program order
}

static void staged_send(cc_transport *t, const void *buf, size_t bytes, int peer, int tag) {
  post((staged *)t, true, buf, bytes, peer);
}

static void staged_recv(cc_transport *t, void *buf, size_t bytes, int peer, int tag) {
  post((staged *)t, false, buf, bytes, peer);
}

// Polls every operation until all are done. Operations are driven together: a rank's send and its
// receive from the same peer both have to move for either to finish.
static void staged_wait(cc_transport *t) {
  staged *s = (staged *)t;
  for (int left = s->nops; left > 0;) {
    bool moved = false;
    left = 0;
    for (int i = 0; i < s->nops; i++) {
      if (op_finished(&s->ops[i])) continue;
      moved |= advance(s, &s->ops[i]);
      left += !op_finished(&s->ops[i]);
    }
    if (!moved) sched_yield();  // ranks may share cores with each other
  }
  for (int i = 0; i < s->nops; i++)
    for (int k = 0; k < 2; k++)
      if (s->ops[i].slots[k]) s->ops[i].slots[k]->in_use = false;
  s->nops = 0;
}

static void staged_destroy(cc_transport *t) {
  staged *s = (staged *)t;
  if (s->nops) CC_FATAL("staged transport destroyed with %d operations in flight", s->nops);
  CC_CHECK_CUDA(cudaStreamSynchronize(cc_device_stream()));
  for (int i = 0; i < s->npool; i++) {
    CC_CHECK_CUDA(cudaFreeHost(s->pool[i]->host));
    CC_CHECK_CUDA(cudaEventDestroy(s->pool[i]->copied));
    free(s->pool[i]);
  }
  free(s->pool);
  free(s->ops);
  free(s->send_seq);
  free(s->recv_seq);
  MPI_Comm_free(&s->comm);
  cc_device_transport_fini(&s->d);
  free(s);
}

cc_transport *cc_transport_staged_create(cc_transport *mpi, size_t chunk_bytes) {
  if (chunk_bytes == 0 || chunk_bytes > INT_MAX) CC_FATAL("staged transport: chunk of %zu bytes", chunk_bytes);
  staged *s = cc_calloc(1, sizeof(staged));
  cc_device_transport_init(&s->d, mpi, "mpi-staged");
  // Our own communicator: chunk tags never meet the MPI transport's or the baseline's traffic.
  CC_CHECK_MPI(MPI_Comm_dup(cc_transport_mpi_comm(mpi), &s->comm));
  CC_CHECK_MPI(MPI_Comm_set_errhandler(s->comm, MPI_ERRORS_RETURN));
  s->chunk = chunk_bytes;
  s->send_seq = cc_calloc((size_t)mpi->size, sizeof(unsigned));
  s->recv_seq = cc_calloc((size_t)mpi->size, sizeof(unsigned));
  cc_transport *t = &s->d.base;
  t->send = staged_send;
  t->recv = staged_recv;
  t->wait = staged_wait;
  t->destroy = staged_destroy;
  return t;
}
