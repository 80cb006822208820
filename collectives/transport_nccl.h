// NCCL transport: device buffers moved by ncclSend/ncclRecv, multi-node capable.
//
// The sends and receives posted between two waits form one NCCL group on the collectives stream
// (device.h); wait() ends the group, which enqueues the transfers. Nothing waits on the host: the
// reductions that read received data and any later write to a sent buffer are enqueued after the
// group on the same stream, so stream order finishes the transfers first. NCCL matches p2p operations
// per peer in posting order, the transport contract; the tag is unused.
//
// NCCL refuses two ranks of one communicator on the same GPU ("Duplicate GPU detected"): one rank per
// GPU (ccbench checks this before creating it).
#pragma once
#include <mpi.h>
#include <nccl.h>

#include "collectives/transport.h"

// Collective over the MPI transport's ranks, which must outlive it; the GPU must be open (device.h).
cc_transport *cc_transport_nccl_create(cc_transport *mpi);
// The NCCL communicator of t when t is the nccl transport, else NULL.
ncclComm_t cc_transport_nccl_comm(const cc_transport *t);

// A NCCL communicator over the ranks of `comm`, bootstrapped with rank 0's unique id broadcast over
// MPI. Collective over comm.
ncclComm_t cc_nccl_comm_create(MPI_Comm comm);
// Waits for the stream, then destroys it.
void cc_nccl_comm_destroy(ncclComm_t comm);
