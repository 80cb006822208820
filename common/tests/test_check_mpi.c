// Tests for common/check_mpi. Without arguments: after the hooks are installed MPI errors come back as
// codes. With --fail: rank 1 fails a CC_CHECK_MPI while rank 0 waits in a barrier; the test passes when
// rank 1's message appears and the job ends (the abort hook) instead of hanging.
#include <string.h>

#include "common/check_mpi.h"
#include "common/tests/check.h"

// MPI libraries keep allocations until exit (and unload the plugins that made them), which
// LeakSanitizer would report as leaks of this test.
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  cc_set_progname("test_check_mpi");
  cc_mpi_install_error_hooks();
  int rank = -1, x = 0;
  CC_CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));

  if (argc > 1 && strcmp(argv[1], "--fail") == 0) {
    if (rank == 1) CC_CHECK_MPI(MPI_Send(&x, 1, MPI_INT, 99, 0, MPI_COMM_WORLD));
    MPI_Barrier(MPI_COMM_WORLD);
    fprintf(stderr, "rank %d: the failed check did not stop the job\n", rank);
    return 1;
  }

  MPI_Errhandler handler;
  CC_CHECK_MPI(MPI_Comm_get_errhandler(MPI_COMM_WORLD, &handler));
  CHECK(handler == MPI_ERRORS_RETURN);
  CHECK(MPI_Send(&x, 1, MPI_INT, 99, 0, MPI_COMM_WORLD) != MPI_SUCCESS);  // rank 99 does not exist
  MPI_Finalize();
  return check_done("test_check_mpi");
}
