// CUDA IPC transport: receivers copy from the senders' mapped buffers (transport_ipc.h).
#include "collectives/transport_ipc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime.h>
#include <mpi.h>

#include "collectives/device.h"
#include "collectives/transport_device.h"
#include "collectives/transport_mpi.h"
#include "common/check_cuda.h"
#include "common/check_mpi.h"

enum { TAG_REQUEST = 1, TAG_ACK = 2 };

// What a sender tells its receiver about one message.
typedef struct {
  cudaIpcMemHandle_t mem;     // the allocation holding the data
  cudaIpcEventHandle_t ready; // recorded on the sender's stream after the data was written
  uint64_t alloc_id;          // the sender's allocation id (cache key with the peer)
  uint64_t offset, bytes;     // the data within the allocation
  int32_t event_slot;         // the sender's event slot (cache key with the peer); -1: no data
  int32_t pad;
} request;

typedef struct {
  const void *buf;
  size_t bytes;
  int peer;
  int event_slot;
  request msg;              // must stay put until the MPI send completes
  MPI_Request sent, acked;
  int ack;
} send_op;

typedef struct {
  void *buf;
  size_t bytes;
  int peer;
  request msg;              // filled by MPI
  MPI_Request arrived, ack_sent;
  int ack;
} recv_op;

typedef struct {
  int peer;
  uint64_t id;
  char *ptr;
} mapping;

typedef struct {
  int peer, slot;
  cudaEvent_t event;
} peer_event;

typedef struct {
  cc_device_transport d;
  MPI_Comm comm;
  // Operations since the last wait. Each is allocated once and reused: MPI holds pointers into it.
  void **sends;  // send_op
  int nsends, allocsends;
  void **recvs;  // recv_op
  int nrecvs, allocrecvs;
  // My interprocess events; slot i is recorded by at most one send between waits.
  cudaEvent_t *events;
  cudaIpcEventHandle_t *event_handles;
  int nevents, events_used;  // created; taken since the last wait
  // What I opened of my peers.
  mapping *maps;
  int nmaps, capmaps;
  peer_event *peer_events;
  int npeer_events, cappeer_events;
} ipc;

// Grows an array of `size`-byte elements to hold one more.
static void *grow(void *array, int *cap, int n, size_t size) {
  if (n < *cap) return array;
  *cap = *cap ? 2 * *cap : 16;
  array = realloc(array, size * (size_t)*cap);
  if (!array) CC_FATAL("out of memory growing an array to %d elements", *cap);
  return array;
}

// The n-th record of a list of individually allocated records (which never move once made).
static void *record(void ***list, int *allocated, int n, size_t size) {
  if (n == *allocated) {
    *list = realloc(*list, sizeof(void *) * (size_t)(n + 1));
    if (!*list) CC_FATAL("out of memory for %d operation records", n + 1);
    (*list)[n] = cc_malloc(size);
    (*allocated)++;
  }
  return (*list)[n];
}

// An event slot no send since the last wait has recorded (its receiver has acked its last record).
static int event_slot(ipc *x) {
  int k = x->events_used++;
  if (k == x->nevents) {
    x->events = realloc(x->events, sizeof(cudaEvent_t) * (size_t)(k + 1));
    x->event_handles = realloc(x->event_handles, sizeof(cudaIpcEventHandle_t) * (size_t)(k + 1));
    if (!x->events || !x->event_handles) CC_FATAL("out of memory for %d IPC events", k + 1);
    CC_CHECK_CUDA(cudaEventCreateWithFlags(&x->events[k], cudaEventDisableTiming | cudaEventInterprocess));
    CC_CHECK_CUDA(cudaIpcGetEventHandle(&x->event_handles[k], x->events[k]));
    x->nevents++;
  }
  return k;
}

static void ipc_send(cc_transport *t, const void *buf, size_t bytes, int peer, int tag) {
  ipc *x = (ipc *)t;
  send_op *s = record(&x->sends, &x->allocsends, x->nsends, sizeof(send_op));
  *s = (send_op){.buf = buf, .bytes = bytes, .peer = peer, .event_slot = -1};
  s->msg.bytes = bytes;
  s->msg.event_slot = -1;
  if (bytes) {
    cc_device_allocation a;
    if (!cc_device_find(buf, bytes, &a))
      CC_FATAL("ipc transport: %zu bytes at %p are not inside one allocation of cc_device_memops", bytes, buf);
    s->event_slot = event_slot(x);
    CC_CHECK_CUDA(cudaEventRecord(x->events[s->event_slot], cc_device_stream()));
    s->msg.mem = cc_device_export(a.id);
    s->msg.ready = x->event_handles[s->event_slot];
    s->msg.alloc_id = a.id;
    s->msg.offset = (uint64_t)((const char *)buf - a.base);
    s->msg.event_slot = s->event_slot;
  }
  x->nsends++;
  CC_CHECK_MPI(MPI_Isend(&s->msg, (int)sizeof(request), MPI_BYTE, peer, TAG_REQUEST, x->comm, &s->sent));
  CC_CHECK_MPI(MPI_Irecv(&s->ack, 1, MPI_INT, peer, TAG_ACK, x->comm, &s->acked));
}

static void ipc_recv(cc_transport *t, void *buf, size_t bytes, int peer, int tag) {
  ipc *x = (ipc *)t;
  recv_op *r = record(&x->recvs, &x->allocrecvs, x->nrecvs++, sizeof(recv_op));
  *r = (recv_op){.buf = buf, .bytes = bytes, .peer = peer, .ack_sent = MPI_REQUEST_NULL, .ack = 1};
  CC_CHECK_MPI(MPI_Irecv(&r->msg, (int)sizeof(request), MPI_BYTE, peer, TAG_REQUEST, x->comm, &r->arrived));
}

// The peer's allocation mapped here, opened on first use.
static char *mapped(ipc *x, int peer, const request *m) {
  for (int i = 0; i < x->nmaps; i++)
    if (x->maps[i].peer == peer && x->maps[i].id == m->alloc_id) return x->maps[i].ptr;
  x->maps = grow(x->maps, &x->capmaps, x->nmaps, sizeof(mapping));
  mapping *p = &x->maps[x->nmaps++];
  p->peer = peer;
  p->id = m->alloc_id;
  CC_CHECK_CUDA(cudaIpcOpenMemHandle((void **)&p->ptr, m->mem, cudaIpcMemLazyEnablePeerAccess));
  return p->ptr;
}

// The peer's event slot opened here, on first use.
static cudaEvent_t opened_event(ipc *x, int peer, const request *m) {
  for (int i = 0; i < x->npeer_events; i++)
    if (x->peer_events[i].peer == peer && x->peer_events[i].slot == m->event_slot) return x->peer_events[i].event;
  x->peer_events = grow(x->peer_events, &x->cappeer_events, x->npeer_events, sizeof(peer_event));
  peer_event *e = &x->peer_events[x->npeer_events++];
  e->peer = peer;
  e->slot = m->event_slot;
  CC_CHECK_CUDA(cudaIpcOpenEventHandle(&e->event, m->ready));
  return e->event;
}

static void ipc_wait(cc_transport *t) {
  ipc *x = (ipc *)t;
  cudaStream_t stream = cc_device_stream();
  // 1. Queue a copy for every receive once its request is here.
  for (int i = 0; i < x->nrecvs; i++) {
    recv_op *r = x->recvs[i];
    CC_CHECK_MPI(MPI_Wait(&r->arrived, MPI_STATUS_IGNORE));
    if (r->msg.bytes != r->bytes)
      CC_FATAL("ipc transport: rank %d sent %llu bytes to a receive of %zu", r->peer,
               (unsigned long long)r->msg.bytes, r->bytes);
    if (!r->bytes) continue;
    char *src = mapped(x, r->peer, &r->msg) + r->msg.offset;
    CC_CHECK_CUDA(cudaStreamWaitEvent(stream, opened_event(x, r->peer, &r->msg), 0));
    CC_CHECK_CUDA(cudaMemcpyAsync(r->buf, src, r->bytes, cudaMemcpyDeviceToDevice, stream));
  }
  // 2. The copies are done: the senders may reuse their buffers.
  if (x->nrecvs) CC_CHECK_CUDA(cudaStreamSynchronize(stream));
  for (int i = 0; i < x->nrecvs; i++) {
    recv_op *r = x->recvs[i];
    CC_CHECK_MPI(MPI_Isend(&r->ack, 1, MPI_INT, r->peer, TAG_ACK, x->comm, &r->ack_sent));
  }
  // 3. My receivers have read my buffers.
  for (int i = 0; i < x->nsends; i++) {
    send_op *s = x->sends[i];
    CC_CHECK_MPI(MPI_Wait(&s->sent, MPI_STATUS_IGNORE));
    CC_CHECK_MPI(MPI_Wait(&s->acked, MPI_STATUS_IGNORE));
  }
  for (int i = 0; i < x->nrecvs; i++) {
    recv_op *r = x->recvs[i];
    CC_CHECK_MPI(MPI_Wait(&r->ack_sent, MPI_STATUS_IGNORE));
  }
  x->nsends = x->nrecvs = x->events_used = 0;
}

static void ipc_destroy(cc_transport *t) {
  ipc *x = (ipc *)t;
  if (x->nsends || x->nrecvs) CC_FATAL("ipc transport destroyed with operations in flight");
  CC_CHECK_CUDA(cudaStreamSynchronize(cc_device_stream()));
  for (int i = 0; i < x->nmaps; i++) CC_CHECK_CUDA(cudaIpcCloseMemHandle(x->maps[i].ptr));
  for (int i = 0; i < x->npeer_events; i++) CC_CHECK_CUDA(cudaEventDestroy(x->peer_events[i].event));
  // Nobody maps anything of mine after this: exported memory freed meanwhile can go.
  CC_CHECK_MPI(MPI_Barrier(x->comm));
  cc_device_exports_end();
  for (int i = 0; i < x->nevents; i++) CC_CHECK_CUDA(cudaEventDestroy(x->events[i]));
  free(x->events);
  free(x->event_handles);
  free(x->maps);
  free(x->peer_events);
  for (int i = 0; i < x->allocsends; i++) free(x->sends[i]);
  for (int i = 0; i < x->allocrecvs; i++) free(x->recvs[i]);
  free(x->sends);
  free(x->recvs);
  MPI_Comm_free(&x->comm);
  cc_device_transport_fini(&x->d);
  free(x);
}

cc_transport *cc_transport_ipc_create(cc_transport *mpi) {
  for (int r = 0; r < mpi->size; r++)
    if (mpi->node_of[r] != mpi->node_of[0]) CC_FATAL("the ipc transport needs every rank on one node");
  ipc *x = cc_calloc(1, sizeof(ipc));
  cc_device_transport_init(&x->d, mpi, "ipc");
  CC_CHECK_MPI(MPI_Comm_dup(cc_transport_mpi_comm(mpi), &x->comm));
  CC_CHECK_MPI(MPI_Comm_set_errhandler(x->comm, MPI_ERRORS_RETURN));
  cc_device_exports_begin();
  cc_transport *t = &x->d.base;
  t->send = ipc_send;
  t->recv = ipc_recv;
  t->wait = ipc_wait;
  t->destroy = ipc_destroy;
  return t;
}
