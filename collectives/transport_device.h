// What every device-buffer transport (mpi-staged, ipc, nccl) shares: it runs over a host MPI
// transport, whose communicator it duplicates or bootstraps from and whose node layout it reports.
// Plain C: comm.c uses it to find the MPI transport under any transport, with or without CUDA.
#pragma once
#include "collectives/transport.h"

typedef struct {
  cc_transport base;  // memkind CC_MEM_DEVICE
  cc_transport *mpi;  // the MPI transport underneath; not owned, must outlive this one
} cc_device_transport;

// Fills d->base from the MPI transport (rank, size, a copy of node_of); the caller sets the functions.
void cc_device_transport_init(cc_device_transport *d, cc_transport *mpi, const char *name);
void cc_device_transport_fini(cc_device_transport *d);

// The MPI transport under t: t itself for a host transport (the MPI transport), else the one a
// device transport runs over. The MPI baseline and barriers use its communicator.
cc_transport *cc_transport_mpi_of(cc_transport *t);
