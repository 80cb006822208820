#include "collectives/baseline_mpi.h"

#include <mpi.h>
#include <stdbool.h>
#include <string.h>

#include "collectives/transport_mpi.h"
#include "common/check_mpi.h"
#include "kernels/reduce.h"

// MPI counts are ints: larger vectors go as several calls of at most this many elements.
#define MAX_PIECE_ELEMS ((size_t)1 << 30)

static void add_f16(void *in, void *inout, int *len, MPI_Datatype *type) {
  cc_host_reduce(inout, inout, in, (size_t)*len, CC_F16, CC_SUM);
}
static void add_bf16(void *in, void *inout, int *len, MPI_Datatype *type) {
  cc_host_reduce(inout, inout, in, (size_t)*len, CC_BF16, CC_SUM);
}

// MPI datatype and sum op for a dtype; 16-bit types are created once per process.
static void mpi_type_op(cc_dtype t, MPI_Datatype *type, MPI_Op *op) {
  static MPI_Datatype half_types[2] = {MPI_DATATYPE_NULL, MPI_DATATYPE_NULL};
  static MPI_Op half_ops[2] = {MPI_OP_NULL, MPI_OP_NULL};
  switch (t) {
    case CC_F32: *type = MPI_FLOAT, *op = MPI_SUM; return;
    case CC_F64: *type = MPI_DOUBLE, *op = MPI_SUM; return;
    case CC_F16:
    case CC_BF16: {
      int i = t == CC_BF16;
      if (half_types[i] == MPI_DATATYPE_NULL) {
        CC_CHECK_MPI(MPI_Type_contiguous(2, MPI_BYTE, &half_types[i]));
        CC_CHECK_MPI(MPI_Type_commit(&half_types[i]));
        CC_CHECK_MPI(MPI_Op_create(i ? add_bf16 : add_f16, 1, &half_ops[i]));
      }
      *type = half_types[i], *op = half_ops[i];
      return;
    }
    default: CC_FATAL("unknown dtype %d", (int)t);
  }
}

static size_t piece(size_t left) { return left < MAX_PIECE_ELEMS ? left : MAX_PIECE_ELEMS; }

static MPI_Comm world(const cc_comm *c) { return cc_transport_mpi_comm(c->mpi); }

// The MPI calls themselves, on host buffers.
static void host_allreduce(const cc_comm *c, const void *send, void *recv, size_t count, cc_dtype t) {
  MPI_Datatype type;
  MPI_Op sum;
  mpi_type_op(t, &type, &sum);
  for (size_t done = 0; done < count;) {
    size_t n = piece(count - done);
    const void *in = send == recv ? MPI_IN_PLACE : cc_cat(send, done, t);
    CC_CHECK_MPI(MPI_Allreduce(in, cc_at(recv, done, t), (int)n, type, sum, world(c)));
    done += n;
  }
}

static void host_allgather(const cc_comm *c, const void *send, void *recv, size_t count_per_rank, cc_dtype t) {
  MPI_Datatype type;
  MPI_Op sum;
  mpi_type_op(t, &type, &sum);
  if (count_per_rank > MAX_PIECE_ELEMS) CC_FATAL("mpi allgather: %zu elements per rank exceed MPI's int count", count_per_rank);
  const void *in = send == cc_cat(recv, count_per_rank * (size_t)c->t->rank, t) ? MPI_IN_PLACE : send;
  CC_CHECK_MPI(MPI_Allgather(in, (int)count_per_rank, type, recv, (int)count_per_rank, type, world(c)));
}

static void host_reduce_scatter(const cc_comm *c, const void *send, void *recv, size_t count_per_rank, cc_dtype t) {
  MPI_Datatype type;
  MPI_Op sum;
  mpi_type_op(t, &type, &sum);
  if (count_per_rank > MAX_PIECE_ELEMS) CC_FATAL("mpi reduce_scatter: %zu elements per rank exceed MPI's int count", count_per_rank);
  // In place means recv is this rank's block of send (nccl-tests' convention); MPI wants the whole
  // buffer as recv then, with the result landing at its start, so move it afterwards.
  bool in_place = recv == cc_cat(send, count_per_rank * (size_t)c->t->rank, t);
  if (in_place) {
    CC_CHECK_MPI(MPI_Reduce_scatter_block(MPI_IN_PLACE, (void *)send, (int)count_per_rank, type, sum, world(c)));
    if (recv != send) memmove(recv, send, count_per_rank * cc_dtype_size(t));
  } else {
    CC_CHECK_MPI(MPI_Reduce_scatter_block(send, recv, (int)count_per_rank, type, sum, world(c)));
  }
}

// On device buffers the MPI library (not CUDA-aware here) works on one host staging buffer, in place:
// the input is copied down, reduced or gathered there, and the result copied back up.

void mpi_baseline_allreduce(cc_comm *c, const void *send, void *recv, size_t count, cc_dtype t, cc_redop op) {
  if (c->mem->kind == CC_MEM_HOST) {
    host_allreduce(c, send, recv, count, t);
  } else {
    size_t bytes = count * cc_dtype_size(t);
    void *h = cc_staging(c, bytes);
    c->mem->to_host(h, send, bytes);
    host_allreduce(c, h, h, count, t);
    c->mem->from_host(recv, h, bytes);
  }
  // What this rank puts on the wire is unknowable inside MPI; leave bytes_sent alone.
  if (op == CC_AVG && count) c->mem->divide(recv, count, t, c->t->size);
}

void mpi_baseline_allgather(cc_comm *c, const void *send, void *recv, size_t count_per_rank, cc_dtype t) {
  if (c->mem->kind == CC_MEM_HOST) {
    host_allgather(c, send, recv, count_per_rank, t);
    return;
  }
  size_t block = count_per_rank * cc_dtype_size(t), mine = block * (size_t)c->t->rank;
  char *h = cc_staging(c, block * (size_t)c->t->size);
  c->mem->to_host(h + mine, send, block);
  host_allgather(c, h + mine, h, count_per_rank, t);
  c->mem->from_host(recv, h, block * (size_t)c->t->size);
}

void mpi_baseline_reduce_scatter(cc_comm *c, const void *send, void *recv, size_t count_per_rank, cc_dtype t,
                                 cc_redop op) {
  if (c->mem->kind == CC_MEM_HOST) {
    host_reduce_scatter(c, send, recv, count_per_rank, t);
  } else {
    size_t block = count_per_rank * cc_dtype_size(t);
    char *h = cc_staging(c, block * (size_t)c->t->size);
    c->mem->to_host(h, send, block * (size_t)c->t->size);
    host_reduce_scatter(c, h, h + block * (size_t)c->t->rank, count_per_rank, t);
    c->mem->from_host(recv, h + block * (size_t)c->t->rank, block);
  }
  if (op == CC_AVG && count_per_rank) c->mem->divide(recv, count_per_rank, t, c->t->size);
}
