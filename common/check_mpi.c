// MPI error hooks: a failure on one rank stops the whole job, input errors finalize cleanly.
#include "common/check_mpi.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"

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

static void agree(MPI_Comm comm, const char *msg, void (*leave)(const char *, ...)) {
  int rank = 0;
  CC_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  int mine = msg ? rank : INT_MAX, first;
  CC_CHECK_MPI(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm));
  if (first == INT_MAX) return;
  char text[1024] = "";
  if (rank == first) snprintf(text, sizeof text, "%s", msg);
  CC_CHECK_MPI(MPI_Bcast(text, sizeof text, MPI_CHAR, first, comm));
  if (first == 0) leave("%s", text);
  leave("rank %d: %s", first, text);
  abort();  // not reached: leave never returns
}

void cc_mpi_agree(MPI_Comm comm, const char *msg) { agree(comm, msg, cc_input_error); }
void cc_mpi_agree_output(MPI_Comm comm, const char *msg) { agree(comm, msg, cc_output_error); }

void cc_mpi_cli_parse(const cc_cli *cli, int argc, char **argv, int rank) {
  char err[512];
  cc_cli_result r = cc_cli_parse(cli, argc, argv, NULL, NULL, err, sizeof err);
  if (r == CC_CLI_HELP) {
    if (rank == 0) cc_cli_print_help(cli, stdout);
    MPI_Finalize();
    exit(0);
  }
  cc_mpi_agree(MPI_COMM_WORLD, r == CC_CLI_OK ? NULL : err);
}

void cc_mpi_require_same_args(int argc, char **argv) {
  uint64_t h = (uint64_t)argc;
  for (int i = 1; i < argc; i++)
    for (const char *c = argv[i]; ; c++) {
      h = cc_hash64(h, (unsigned char)*c);  // the terminating 0 too: "ab" "c" differs from "a" "bc"
      if (!*c) break;
    }
  uint64_t root = h;
  CC_CHECK_MPI(MPI_Bcast(&root, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD));
  cc_mpi_agree(MPI_COMM_WORLD, h == root ? NULL
                                         : "was started with other arguments than rank 0; every rank must run "
                                           "the same command");
}
