// MPI transport: MPI_Isend/MPI_Irecv of bytes, MPI_Waitall.
#include "collectives/transport_mpi.h"

#include <stdlib.h>

#include "common/check_mpi.h"
#include "common/error.h"

// MPI counts are ints: larger messages go as several pieces, cut identically on both sides.
#define MAX_PIECE ((size_t)1 << 30)

typedef struct {
  cc_transport base;
  MPI_Comm comm;
  MPI_Request *reqs;
  int nreqs, capreqs;
} mpi_transport;

static MPI_Request *next_request(mpi_transport *m) {
  if (m->nreqs == m->capreqs) {
    m->capreqs = m->capreqs ? 2 * m->capreqs : 64;
    m->reqs = realloc(m->reqs, sizeof(MPI_Request) * (size_t)m->capreqs);
    if (!m->reqs) CC_FATAL("out of memory for %d MPI requests", m->capreqs);
  }
  return &m->reqs[m->nreqs++];
}

static void mpi_send(cc_transport *t, const void *buf, size_t bytes, int peer, int tag) {
  mpi_transport *m = (mpi_transport *)t;
  const char *p = buf;
  do {
    int piece = (int)(bytes < MAX_PIECE ? bytes : MAX_PIECE);
    CC_CHECK_MPI(MPI_Isend(p, piece, MPI_BYTE, peer, tag, m->comm, next_request(m)));
    p += piece;
    bytes -= (size_t)piece;
  } while (bytes > 0);
}

static void mpi_recv(cc_transport *t, void *buf, size_t bytes, int peer, int tag) {
  mpi_transport *m = (mpi_transport *)t;
  char *p = buf;
  do {
    int piece = (int)(bytes < MAX_PIECE ? bytes : MAX_PIECE);
    CC_CHECK_MPI(MPI_Irecv(p, piece, MPI_BYTE, peer, tag, m->comm, next_request(m)));
    p += piece;
    bytes -= (size_t)piece;
  } while (bytes > 0);
}

static void mpi_wait(cc_transport *t) {
  mpi_transport *m = (mpi_transport *)t;
  if (m->nreqs == 0) return;
  CC_CHECK_MPI(MPI_Waitall(m->nreqs, m->reqs, MPI_STATUSES_IGNORE));
  m->nreqs = 0;
}

static void mpi_destroy(cc_transport *t) {
  mpi_transport *m = (mpi_transport *)t;
  if (m->nreqs) CC_FATAL("transport destroyed with %d operations in flight", m->nreqs);
  MPI_Comm_free(&m->comm);
  free(m->reqs);
  free(t->node_of);
  free(m);
}

// node_of[r] = dense node id: nodes are numbered by their lowest world rank.
static int *find_nodes(MPI_Comm comm, int rank, int size) {
  MPI_Comm shared;
  CC_CHECK_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &shared));
  int leader = rank;  // lowest world rank on my node
  CC_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &leader, 1, MPI_INT, MPI_MIN, shared));
  MPI_Comm_free(&shared);
  int *leader_of = cc_malloc(sizeof(int) * (size_t)size);
  CC_CHECK_MPI(MPI_Allgather(&leader, 1, MPI_INT, leader_of, 1, MPI_INT, comm));
  int *node_of = cc_malloc(sizeof(int) * (size_t)size);
  int nodes = 0;
  for (int r = 0; r < size; r++)
    node_of[r] = leader_of[r] == r ? nodes++ : node_of[leader_of[r]];  // leader_of[r] <= r
  free(leader_of);
  return node_of;
}

cc_transport *cc_transport_mpi_create(MPI_Comm comm) {
  mpi_transport *m = cc_calloc(1, sizeof(mpi_transport));
  CC_CHECK_MPI(MPI_Comm_dup(comm, &m->comm));
  CC_CHECK_MPI(MPI_Comm_set_errhandler(m->comm, MPI_ERRORS_RETURN));
  cc_transport *t = &m->base;
  t->name = "mpi";
  t->memkind = CC_MEM_HOST;
  CC_CHECK_MPI(MPI_Comm_rank(m->comm, &t->rank));
  CC_CHECK_MPI(MPI_Comm_size(m->comm, &t->size));
  t->node_of = find_nodes(m->comm, t->rank, t->size);
  t->send = mpi_send;
  t->recv = mpi_recv;
  t->wait = mpi_wait;
  t->destroy = mpi_destroy;
  return t;
}

MPI_Comm cc_transport_mpi_comm(const cc_transport *t) { return ((const mpi_transport *)t)->comm; }
