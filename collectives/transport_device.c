// The part every device transport shares with the MPI transport it runs over.
#include "collectives/transport_device.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

void cc_device_transport_init(cc_device_transport *d, cc_transport *mpi, const char *name) {
  if (mpi->memkind != CC_MEM_HOST) CC_FATAL("transport %s must run over the host MPI transport", name);
  d->mpi = mpi;
  cc_transport *t = &d->base;
  t->name = name;
  t->memkind = CC_MEM_DEVICE;
  t->rank = mpi->rank;
  t->size = mpi->size;
  t->node_of = cc_malloc(sizeof(int) * (size_t)mpi->size);
  memcpy(t->node_of, mpi->node_of, sizeof(int) * (size_t)mpi->size);
}

void cc_device_transport_fini(cc_device_transport *d) {
  free(d->base.node_of);
  d->base.node_of = NULL;
}

cc_transport *cc_transport_mpi_of(cc_transport *t) {
  return t->memkind == CC_MEM_HOST ? t : ((cc_device_transport *)t)->mpi;
}
