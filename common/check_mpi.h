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

// Agreement on an error that only some ranks may have found (a file one node cannot read, a flag given
// to one rank of an MPMD launch). Collective over comm: every rank says whether its part worked (msg
// NULL) or why not; when any failed, every rank leaves through cc_input_error with the lowest failing
// rank's message, prefixed "rank N: " when N is not 0. Without it that rank would leave alone and the
// others would wait in their next collective forever.
void cc_mpi_agree(MPI_Comm comm, const char *msg);
// The same for a result that could not be written (a full disk found by rank 0): exit status 1.
void cc_mpi_agree_output(MPI_Comm comm, const char *msg);

// Parses argv for an MPI tool: --help prints on rank 0 and leaves with status 0 on every rank, a bad
// flag is one input error, agreed over MPI_COMM_WORLD (a flag only one rank got still stops every
// rank, naming it); returns only when the flags parsed on every rank.
void cc_mpi_cli_parse(const cc_cli *cli, int argc, char **argv, int rank);

// For tools whose ranks must run the same command (ccbench: a different size list on one rank would
// hang the sweep): an input error naming the first rank whose arguments differ from rank 0's.
void cc_mpi_require_same_args(int argc, char **argv);
