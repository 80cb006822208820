#include "collectives/baseline_nccl.h"

#include <nccl.h>

#include "collectives/device.h"
#include "collectives/transport_mpi.h"
#include "collectives/transport_nccl.h"
#include "common/check_cuda.h"

static void destroy_world(void *nccl) { cc_nccl_comm_destroy((ncclComm_t)nccl); }

static ncclComm_t world(cc_comm *c) {
  if (c->mem->kind != CC_MEM_DEVICE) CC_FATAL("the nccl baseline needs device buffers");
  ncclComm_t own = cc_transport_nccl_comm(c->t);
  if (own) return own;
  if (!c->nccl) {
    c->nccl = cc_nccl_comm_create(cc_transport_mpi_comm(c->mpi));
    c->nccl_destroy = destroy_world;
  }
  return (ncclComm_t)c->nccl;
}

static ncclDataType_t nccl_type(cc_dtype t) {
  switch (t) {
    case CC_F32: return ncclFloat32;
    case CC_F64: return ncclFloat64;
    case CC_F16: return ncclFloat16;
    case CC_BF16: return ncclBfloat16;
    case CC_I8: return ncclInt8;
    case CC_U8: return ncclUint8;
    case CC_I32: return ncclInt32;
    case CC_U32: return ncclUint32;
    case CC_I64: return ncclInt64;
    case CC_U64: return ncclUint64;
    default: CC_FATAL("unknown dtype %d", (int)t);
  }
}

// ncclAvg on integers is the wrapped sum divided by the rank count, truncated toward zero: the avg of
// the custom algorithms. (On floats NCCL multiplies every input by 1/P before summing, which may round
// differently.)
static ncclRedOp_t nccl_op(cc_redop op) {
  switch (op) {
    case CC_SUM: return ncclSum;
    case CC_AVG: return ncclAvg;
    case CC_PROD: return ncclProd;
    case CC_MIN: return ncclMin;
    case CC_MAX: return ncclMax;
    default: CC_FATAL("unknown reduction %d", (int)op);
  }
}

void nccl_baseline_allreduce(cc_comm *c, const void *send, void *recv, size_t count, cc_dtype t, cc_redop op) {
  ncclComm_t nc = world(c);
  if (count == 0) return;
  CC_CHECK_NCCL(ncclAllReduce(send, recv, count, nccl_type(t), nccl_op(op), nc, cc_device_stream()));
}

// In place needs no special case: NCCL's in-place layouts are the ones collectives.h defines.
void nccl_baseline_allgather(cc_comm *c, const void *send, void *recv, size_t count_per_rank, cc_dtype t) {
  ncclComm_t nc = world(c);
  if (count_per_rank == 0) return;
  CC_CHECK_NCCL(ncclAllGather(send, recv, count_per_rank, nccl_type(t), nc, cc_device_stream()));
}

void nccl_baseline_reduce_scatter(cc_comm *c, const void *send, void *recv, size_t count_per_rank, cc_dtype t,
                                  cc_redop op) {
  ncclComm_t nc = world(c);
  if (count_per_rank == 0) return;
  CC_CHECK_NCCL(ncclReduceScatter(send, recv, count_per_rank, nccl_type(t), nccl_op(op), nc, cc_device_stream()));
}
