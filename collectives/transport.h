// Transport: moves bytes between ranks, nothing else.
//
// A transport posts non-blocking sends and receives on buffers of one memory kind and completes them
// all at once. It never reduces and never allocates user buffers; algorithms (ring.c, tree.c, ...) are
// written once over this interface and run on every backend. Backends: MPI on host memory
// (transport_mpi.c); MPI staged through pinned memory, NCCL p2p and CUDA IPC join with the GPU path.
//
// Matching rule: between one pair of ranks, sends and receives match in the order they are posted
// (MPI's non-overtaking rule, NCCL's per-peer ordering), so algorithms post in a consistent order on
// both sides; the tag is kept for backends that can use it.
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef enum { CC_MEM_HOST, CC_MEM_DEVICE } cc_memkind;

typedef struct cc_transport cc_transport;
struct cc_transport {
  const char *name;   // "mpi"
  cc_memkind memkind; // kind of buffer this transport moves
  int rank, size;     // this process in the transport's world
  int *node_of;       // node_of[r]: dense node id (0..nodes-1) of world rank r, from the backend
  // Post a send of `bytes` at buf to world rank `peer` / a receive from it. Buffers must stay valid
  // and untouched (send) or unread (recv) until wait().
  void (*send)(cc_transport *t, const void *buf, size_t bytes, int peer, int tag);
  void (*recv)(cc_transport *t, void *buf, size_t bytes, int peer, int tag);
  // Completes every operation posted since the previous wait.
  void (*wait)(cc_transport *t);
  void (*destroy)(cc_transport *t);
};
