// Baselines through the MPI library's own collectives (MPI_Allreduce, MPI_Allgather,
// MPI_Reduce_scatter_block) on the world group, with MPI_SUM, MPI_PROD, MPI_MIN or MPI_MAX on MPI's own
// types (integers as MPI_INT8_T .. MPI_UINT64_T; a float min/max of NaNs or of zeros of both signs is
// then the library's choice). f16/bf16, and the 8-bit sums that Open MPI saturates, use user-defined MPI
// ops that call the C kernels, like the custom algorithms; avg is the MPI sum divided afterwards by the
// same kernel the algorithms use. The MPI library here is not
// CUDA-aware, so on device buffers the data goes through one host staging buffer (cc_staging): copied
// down, reduced there by MPI, copied back up.
#pragma once
#include "collectives/comm.h"

void mpi_baseline_allreduce(cc_comm *c, const void *send, void *recv, size_t count, cc_dtype t, cc_redop op);
void mpi_baseline_allgather(cc_comm *c, const void *send, void *recv, size_t count_per_rank, cc_dtype t);
void mpi_baseline_reduce_scatter(cc_comm *c, const void *send, void *recv, size_t count_per_rank, cc_dtype t,
                                 cc_redop op);
