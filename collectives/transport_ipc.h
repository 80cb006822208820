// CUDA IPC transport (one node): a receiver copies straight out of the sender's device buffer, mapped
// into its own address space; MPI carries only small control messages. Works for several processes
// sharing one GPU as well as for one GPU per process.
//
// Protocol for one send(buf) / recv(buf) pair, matched in posting order per peer:
//   send():  find the allocation holding buf (the device registry: buffers must come from
//            cc_device_memops), export it (cudaIpcGetMemHandle, cached per allocation), record an
//            interprocess event on the stream (so it covers every write to buf enqueued before the
//            send), MPI_Isend {mem handle, allocation id, offset, bytes, event handle, event slot};
//            post MPI_Irecv for the receiver's ack.
//   recv():  MPI_Irecv of the sender's request.
//   wait():  1. for each receive: take its request, open the sender's allocation and event (cached
//               per (peer, allocation id) and (peer, event slot): opening is expensive), make the
//               stream wait for the sender's event, enqueue the copy from the mapped buffer;
//            2. wait for the stream, so the copies are done, then ack every request;
//            3. wait for the acks of my sends: the receivers have finished reading my buffers.
// Steps 1-2 need only messages the peers posted before their wait, so no rank blocks another. An
// event slot is recorded again only after its receiver acked, so a receiver always waits for the
// record meant for it.
//
// Lifetime: an exported allocation freed while this transport lives is kept until destroy (a peer
// may still map it; freeing it would be undefined behaviour). destroy() closes every mapping and
// opened event, then a barrier, then the exported allocations freed meanwhile are released.
#pragma once
#include "collectives/transport.h"

// Collective over the MPI transport's ranks, which must outlive it and all be on one node (fatal
// otherwise; tools check first); the GPU must be open (device.h).
cc_transport *cc_transport_ipc_create(cc_transport *mpi);
