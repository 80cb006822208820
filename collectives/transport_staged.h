// MPI-staged transport: device buffers moved by a host MPI library through pinned host memory, for an
// MPI that is not CUDA-aware (Debian's Open MPI).
//
// Every message is cut into chunks of `chunk_bytes`, and each operation owns two pinned chunk slots,
// so chunk i+1 is in one slot while chunk i is in the other:
//   send: D2H copy of chunk i into its slot on the stream, an event after it; when the event has
//         completed MPI_Isend of the slot; when that completes the slot takes chunk i+2. The D2H of
//         chunk i+1 overlaps the MPI transfer of chunk i.
//   recv: MPI_Irecv of chunk i into its slot; when it completes an H2D copy on the stream, an event
//         after it; when that has completed the slot receives chunk i+2. The H2D of chunk i overlaps
//         the receive of chunk i+1.
// send() and recv() start the first two chunks (the D2H copies are enqueued in program order, so a
// send reads what the stream wrote before it); wait() drives every posted operation to the end by
// polling events and MPI requests. wait() returns when every send has left and every received chunk's
// H2D copy is enqueued: later work on the stream sees the data; a slot is reused only after its
// event says the copy out of it has finished.
//
// Matching: the k-th send to a peer pairs with the k-th receive from it (the transport contract). Its
// chunks carry MPI tag k mod 32768, so chunks of operations polled in any interleaving still match.
#pragma once
#include <stddef.h>

#include "collectives/transport.h"

#define CC_STAGED_CHUNK_DEFAULT ((size_t)1 << 20)

// Collective over the MPI transport's ranks, which must outlive it; the GPU must be open (device.h).
cc_transport *cc_transport_staged_create(cc_transport *mpi, size_t chunk_bytes);
