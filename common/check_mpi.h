// CC_CHECK_MPI: fail with file:line, the call and MPI's own error string. Needs MPI_ERRORS_RETURN on
// the communicator (the default handler aborts before we could say anything useful).
#pragma once
#include <mpi.h>
#include "common/cli.h"
#include "common/error.h"

#define CC_CHECK_MPI(call)                                                                   \
  do {                                                                                       \
    int cc_mpi_rc_ = (call);                                                                 \
    if (cc_mpi_rc_ != MPI_SUCCESS) {                                                         \
      char cc_mpi_msg_[MPI_MAX_ERROR_STRING];                                                \
      int cc_mpi_len_ = 0;                                                                   \
      MPI_Error_string(cc_mpi_rc_, cc_mpi_msg_, &cc_mpi_len_);                               \
      cc_fatal_at(__FILE__, __LINE__, "%s failed: %s", #call, cc_mpi_msg_);                  \
    }                                                                                        \
  } while (0)

// Installs an abort hook (MPI_Abort on MPI_COMM_WORLD), an exit hook (MPI_Finalize) and the rank
// prefix for messages. Call right after MPI_Init.
void cc_mpi_install_error_hooks(void);

// Parses argv for an MPI tool: --help prints on rank 0 and leaves with status 0 on every rank, a bad
// flag is one input error (cc_input_error); returns only when the flags parsed.
void cc_mpi_cli_parse(const cc_cli *cli, int argc, char **argv, int rank);
