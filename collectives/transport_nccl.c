// NCCL transport: ncclSend/ncclRecv grouped between waits, on the collectives stream.
#include "collectives/transport_nccl.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime.h>

#include "collectives/device.h"
#include "collectives/transport_device.h"
#include "collectives/transport_mpi.h"
#include "common/check_cuda.h"
#include "common/check_mpi.h"

static const char NAME[] = "nccl";

typedef struct {
  cc_device_transport d;
  ncclComm_t comm;
  bool in_group;  // a group is open: operations were posted since the last wait
} nccl_transport;

ncclComm_t cc_nccl_comm_create(MPI_Comm comm) {
  int rank, size;
  CC_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  CC_CHECK_MPI(MPI_Comm_size(comm, &size));
  ncclUniqueId id;
  if (rank == 0) CC_CHECK_NCCL(ncclGetUniqueId(&id));
  CC_CHECK_MPI(MPI_Bcast(&id, (int)sizeof id, MPI_BYTE, 0, comm));
  ncclComm_t nc;
  CC_CHECK_NCCL(ncclCommInitRank(&nc, size, id, rank));
  return nc;
}

void cc_nccl_comm_destroy(ncclComm_t comm) {
  CC_CHECK_CUDA(cudaStreamSynchronize(cc_device_stream()));
  CC_CHECK_NCCL(ncclCommDestroy(comm));
}

static void open_group(nccl_transport *n) {
  if (n->in_group) return;
  CC_CHECK_NCCL(ncclGroupStart());
  n->in_group = true;
}

static void nccl_send(cc_transport *t, const void *buf, size_t bytes, int peer, int tag) {
  nccl_transport *n = (nccl_transport *)t;
  open_group(n);
  CC_CHECK_NCCL(ncclSend(buf, bytes, ncclUint8, peer, n->comm, cc_device_stream()));
}

static void nccl_recv(cc_transport *t, void *buf, size_t bytes, int peer, int tag) {
  nccl_transport *n = (nccl_transport *)t;
  open_group(n);
  CC_CHECK_NCCL(ncclRecv(buf, bytes, ncclUint8, peer, n->comm, cc_device_stream()));
}

static void nccl_wait(cc_transport *t) {
  nccl_transport *n = (nccl_transport *)t;
  if (!n->in_group) return;
  n->in_group = false;
  CC_CHECK_NCCL(ncclGroupEnd());
}

static void nccl_destroy(cc_transport *t) {
  nccl_transport *n = (nccl_transport *)t;
  if (n->in_group) CC_FATAL("nccl transport destroyed with operations posted and not waited for");
  cc_nccl_comm_destroy(n->comm);
  cc_device_transport_fini(&n->d);
  free(n);
}

cc_transport *cc_transport_nccl_create(cc_transport *mpi) {
  nccl_transport *n = cc_calloc(1, sizeof(nccl_transport));
  cc_device_transport_init(&n->d, mpi, NAME);
  n->comm = cc_nccl_comm_create(cc_transport_mpi_comm(mpi));
  cc_transport *t = &n->d.base;
  t->send = nccl_send;
  t->recv = nccl_recv;
  t->wait = nccl_wait;
  t->destroy = nccl_destroy;
  return t;
}

ncclComm_t cc_transport_nccl_comm(const cc_transport *t) {
  return t->name == NAME ? ((const nccl_transport *)t)->comm : NULL;
}
