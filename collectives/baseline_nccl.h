// Baselines through NCCL's own collectives (ncclAllReduce, ncclAllGather, ncclReduceScatter) on device
// buffers, on the collectives stream. Every dtype (NCCL's int8 .. uint64 for the integers) and op
// (ncclSum, ncclProd, ncclMin, ncclMax; avg is ncclAvg). The NCCL communicator is
// the nccl transport's when the communicator runs over it, else one created on the first call (all
// ranks call together) and kept until cc_comm_destroy. One rank per GPU (transport_nccl.h).
#pragma once
#include "collectives/comm.h"

void nccl_baseline_allreduce(cc_comm *c, const void *send, void *recv, size_t count, cc_dtype t, cc_redop op);
void nccl_baseline_allgather(cc_comm *c, const void *send, void *recv, size_t count_per_rank, cc_dtype t);
void nccl_baseline_reduce_scatter(cc_comm *c, const void *send, void *recv, size_t count_per_rank, cc_dtype t,
                                  cc_redop op);
