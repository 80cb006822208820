// MPI error hooks: a failure on one rank stops the whole job, input errors finalize cleanly.
#include "common/check_mpi.h"

#include <stdio.h>
#include <stdlib.h>

static void mpi_abort_hook(int status) { MPI_Abort(MPI_COMM_WORLD, status); }

static void mpi_exit_hook(void) {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void cc_mpi_install_error_hooks(void) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  cc_set_rank(rank);
  cc_set_abort_hook(mpi_abort_hook);
  cc_set_exit_hook(mpi_exit_hook);
  // Return codes instead of MPI's default abort, so CC_CHECK_MPI can name the failing call.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

void cc_mpi_cli_parse(const cc_cli *cli, int argc, char **argv, int rank) {
  char err[512];
  cc_cli_result r = cc_cli_parse(cli, argc, argv, NULL, NULL, err, sizeof err);
  if (r == CC_CLI_HELP) {
    if (rank == 0) cc_cli_print_help(cli, stdout);
    MPI_Finalize();
    exit(0);
  }
  if (r != CC_CLI_OK) cc_input_error("%s", err);
}
