#include "collectives/baseline_mpi.h"

#include <mpi.h>
#include <stdbool.h>
#include <string.h>

#include "collectives/transport_mpi.h"
#include "common/check_mpi.h"
#include "kernels/reduce.h"

// MPI counts are ints: larger vectors go as several calls of at most this many elements.
#define MAX_PIECE_ELEMS ((size_t)1 << 30)

// What MPI cannot reduce right: f16 and bf16, which it has no type for (they travel as 2-byte
// contiguous types), and 8-bit sums, which Open MPI's AVX kernels saturate instead of wrapping
// (open-mpi/ompi#8045, closed as won't fix). User-defined ops (commutative, as every op is) call the C
// kernels for them. One function per (type, op); avg reduces as sum; int8 and uint8 sums are the same
// bits.
#define USER_OP(name, t, op)                                            \
  static void name(void *in, void *inout, int *len, MPI_Datatype *type) { \
    cc_host_reduce(inout, inout, in, (size_t)*len, t, op);                \
  }
USER_OP(f16_sum, CC_F16, CC_SUM)
USER_OP(f16_prod, CC_F16, CC_PROD)
USER_OP(f16_min, CC_F16, CC_MIN)
USER_OP(f16_max, CC_F16, CC_MAX)
USER_OP(bf16_sum, CC_BF16, CC_SUM)
USER_OP(bf16_prod, CC_BF16, CC_PROD)
USER_OP(bf16_min, CC_BF16, CC_MIN)
USER_OP(bf16_max, CC_BF16, CC_MAX)
USER_OP(byte_sum, CC_U8, CC_SUM)

static MPI_User_function *const half_fns[2][CC_NREDOPS] = {
    {[CC_SUM] = f16_sum, [CC_AVG] = f16_sum, [CC_PROD] = f16_prod, [CC_MIN] = f16_min, [CC_MAX] = f16_max},
    {[CC_SUM] = bf16_sum, [CC_AVG] = bf16_sum, [CC_PROD] = bf16_prod, [CC_MIN] = bf16_min, [CC_MAX] = bf16_max},
};

// The MPI op calling fn, created on first use.
static MPI_Op user_op(MPI_User_function *fn) {
  static struct {
    MPI_User_function *fn;
    MPI_Op op;
  } made[16];
  static int nmade;
  for (int i = 0; i < nmade; i++)
    if (made[i].fn == fn) return made[i].op;
  if (nmade == 16) CC_FATAL("mpi baseline: too many user-defined ops");
  made[nmade].fn = fn;
  CC_CHECK_MPI(MPI_Op_create(fn, 1, &made[nmade].op));
  return made[nmade++].op;
}

// The MPI datatype of a dtype; the 16-bit ones are created once per process.
static MPI_Datatype mpi_type(cc_dtype t) {
  static MPI_Datatype half_types[2] = {MPI_DATATYPE_NULL, MPI_DATATYPE_NULL};
  switch (t) {
    case CC_F32: return MPI_FLOAT;
    case CC_F64: return MPI_DOUBLE;
    case CC_I8: return MPI_INT8_T;
    case CC_U8: return MPI_UINT8_T;
    case CC_I32: return MPI_INT32_T;
    case CC_U32: return MPI_UINT32_T;
    case CC_I64: return MPI_INT64_T;
    case CC_U64: return MPI_UINT64_T;
    case CC_F16:
    case CC_BF16: {
      int i = t == CC_BF16;
      if (half_types[i] == MPI_DATATYPE_NULL) {
        CC_CHECK_MPI(MPI_Type_contiguous(2, MPI_BYTE, &half_types[i]));
        CC_CHECK_MPI(MPI_Type_commit(&half_types[i]));
      }
      return half_types[i];
    }
    default: CC_FATAL("unknown dtype %d", (int)t);
  }
}

// The MPI op that reduces dtype t with op. avg is the sum: the caller divides with the kernel the
// algorithms use, so the bits agree.
static MPI_Op mpi_op(cc_dtype t, cc_redop op) {
  if ((unsigned)op >= CC_NREDOPS) CC_FATAL("unknown reduction %d", (int)op);
  bool sum = op == CC_SUM || op == CC_AVG;
  if (t == CC_F16 || t == CC_BF16) return user_op(half_fns[t == CC_BF16][op]);
  if (sum && cc_dtype_size(t) == 1) return user_op(byte_sum);
  return sum ? MPI_SUM : op == CC_PROD ? MPI_PROD : op == CC_MIN ? MPI_MIN : MPI_MAX;
}

static size_t piece(size_t left) { return left < MAX_PIECE_ELEMS ? left : MAX_PIECE_ELEMS; }

static MPI_Comm world(const cc_comm *c) { return cc_transport_mpi_comm(c->mpi); }

// The MPI calls themselves, on host buffers.
static void host_allreduce(const cc_comm *c, const void *send, void *recv, size_t count, cc_dtype t, cc_redop op) {
  MPI_Datatype type = mpi_type(t);
  MPI_Op reduction = mpi_op(t, op);
  for (size_t done = 0; done < count;) {
    size_t n = piece(count - done);
    const void *in = send == recv ? MPI_IN_PLACE : cc_cat(send, done, t);
    CC_CHECK_MPI(MPI_Allreduce(in, cc_at(recv, done, t), (int)n, type, reduction, world(c)));
    done += n;
  }
}

static void host_allgather(const cc_comm *c, const void *send, void *recv, size_t count_per_rank, cc_dtype t) {
  MPI_Datatype type = mpi_type(t);
  if (count_per_rank > MAX_PIECE_ELEMS) CC_FATAL("mpi allgather: %zu elements per rank exceed MPI's int count", count_per_rank);
  const void *in = send == cc_cat(recv, count_per_rank * (size_t)c->t->rank, t) ? MPI_IN_PLACE : send;
  CC_CHECK_MPI(MPI_Allgather(in, (int)count_per_rank, type, recv, (int)count_per_rank, type, world(c)));
}

static void host_reduce_scatter(const cc_comm *c, const void *send, void *recv, size_t count_per_rank, cc_dtype t,
                                cc_redop op) {
  MPI_Datatype type = mpi_type(t);
  MPI_Op reduction = mpi_op(t, op);
  if (count_per_rank > MAX_PIECE_ELEMS) CC_FATAL("mpi reduce_scatter: %zu elements per rank exceed MPI's int count", count_per_rank);
  // In place means recv is this rank's block of send (nccl-tests' convention); MPI wants the whole
  // buffer as recv then, with the result landing at its start, so move it afterwards.
  bool in_place = recv == cc_cat(send, count_per_rank * (size_t)c->t->rank, t);
  if (in_place) {
    CC_CHECK_MPI(MPI_Reduce_scatter_block(MPI_IN_PLACE, (void *)send, (int)count_per_rank, type, reduction, world(c)));
    if (recv != send) memmove(recv, send, count_per_rank * cc_dtype_size(t));
  } else {
    CC_CHECK_MPI(MPI_Reduce_scatter_block(send, recv, (int)count_per_rank, type, reduction, world(c)));
  }
}

// On device buffers the MPI library (not CUDA-aware here) works on one host staging buffer, in place:
// the input is copied down, reduced or gathered there, and the result copied back up.

void mpi_baseline_allreduce(cc_comm *c, const void *send, void *recv, size_t count, cc_dtype t, cc_redop op) {
  if (c->mem->kind == CC_MEM_HOST) {
    host_allreduce(c, send, recv, count, t, op);
  } else {
    size_t bytes = count * cc_dtype_size(t);
    void *h = cc_staging(c, bytes);
    c->mem->to_host(h, send, bytes);
    host_allreduce(c, h, h, count, t, op);
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
    host_reduce_scatter(c, send, recv, count_per_rank, t, op);
  } else {
    size_t block = count_per_rank * cc_dtype_size(t);
    char *h = cc_staging(c, block * (size_t)c->t->size);
    c->mem->to_host(h, send, block * (size_t)c->t->size);
    host_reduce_scatter(c, h, h + block * (size_t)c->t->rank, count_per_rank, t, op);
    c->mem->from_host(recv, h + block * (size_t)c->t->rank, block);
  }
  if (op == CC_AVG && count_per_rank) c->mem->divide(recv, count_per_rank, t, c->t->size);
}
