// MPI transport on host memory.
#pragma once
#include <mpi.h>

#include "collectives/transport.h"

// Duplicates `comm` (so our traffic never matches the application's) with MPI_ERRORS_RETURN, and
// finds nodes with MPI_Comm_split_type(MPI_COMM_TYPE_SHARED). Collective over `comm`.
cc_transport *cc_transport_mpi_create(MPI_Comm comm);
// The duplicated communicator, for the MPI_Allreduce baseline and for barriers.
MPI_Comm cc_transport_mpi_comm(const cc_transport *t);
