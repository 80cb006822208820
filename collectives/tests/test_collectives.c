// Every algorithm, collective, dtype, op, count and placement against an independent reference, on
// host buffers (collective_check.h says what is checked): the float types with sum and avg in full,
// then a smaller exact matrix of the integer types with every op and the floats with prod, min, max.
//
//   mpirun -np P test_collectives [--big N] [--quick]
#include <stdio.h>

#include <mpi.h>

#include "collectives/collectives.h"
#include "collectives/tests/collective_check.h"
#include "collectives/transport_mpi.h"
#include "common/check_mpi.h"
#include "common/cli.h"

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  cc_set_progname("test_collectives");
  cc_mpi_install_error_hooks();
  int P, me;
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  MPI_Comm_size(MPI_COMM_WORLD, &P);
  check_setup(P, me);
  long long big = 4 * 1024 * 1024 + 3;  // >= 4M elements, not a multiple of anything
  bool quick = false;
  cc_option opts[] = {
      {"big", 0, CC_OPT_INT, &big, "N", "element count of the large case", 0, 1e10},
      {"quick", 0, CC_OPT_FLAG, &quick, NULL, "skip the large case", 0, 0},
  };
  cc_cli cli = {.prog = "test_collectives",
                .usage = "mpirun -np P test_collectives [options]",
                .summary = "Checks every collective against an independent reference.",
                .opts = opts,
                .nopts = 2};
  char err[256];
  cc_cli_result pr = cc_cli_parse(&cli, argc, argv, NULL, NULL, err, sizeof err);
  if (pr == CC_CLI_HELP) {
    if (me == 0) cc_cli_print_help(&cli, stdout);
    MPI_Finalize();
    return 0;
  }
  if (pr != CC_CLI_OK) cc_input_error("%s", err);

  cc_transport *t = cc_transport_mpi_create(MPI_COMM_WORLD);
  const char *flat[] = {"ring", "tree", "btree", "rd", "rabenseifner", "mpi"};
  const char *hier[] = {"hier:ring/ring", "hier:rabenseifner/tree", "hier:ring/rd", "hier:rabenseifner/rabenseifner",
                        "hier:ring/btree"};
  const char *pipelined[] = {"ring", "tree", "btree"};
  size_t counts[] = {0, 1, (size_t)P - 1, (size_t)P + 1, 97, 1000, (size_t)big};
  int ncounts = quick ? 6 : 7;
  const cc_dtype dtypes[] = {CC_F32, CC_F64, CC_F16, CC_BF16};
  case_buffers bufs = {.mem = &cc_host_memops};
  // The ops matrix: every integer type with every op, every float type with the ops other than sum
  // and avg; counts 0, 1, below P, odd, and one moderate.
  dtype_op pairs[CC_NDTYPES * CC_NREDOPS];
  int npairs = ops_matrix_pairs(pairs);
  size_t op_counts[] = {0, 1, (size_t)P - 1, 97, 3001};

  // Flat algorithms with their default pipelining, one node.
  cc_comm *comm = cc_comm_create(t, &cc_host_memops, 0);
  run_matrix(comm, &bufs, flat, 6, counts, ncounts, (size_t)big, dtypes, 4, 0, "default");
  run_ops_matrix(comm, &bufs, flat, 6, op_counts, 5, pairs, npairs, 0, "default");
  // Tiny segments and chunks: many pipeline rounds even on small vectors.
  comm->tuning.ring_segment_bytes = 24;
  comm->tuning.tree_chunk_bytes = 40;
  run_matrix(comm, &bufs, pipelined, 3, counts, 6, (size_t)big, dtypes, 4, 0, "tiny");
  run_ops_matrix(comm, &bufs, pipelined, 3, &op_counts[3], 1, pairs, npairs, 0, "tiny");
  cc_comm_destroy(comm);

  // Hierarchical with 1, 2, 3 and P ranks per node, where they divide P.
  int rpns[] = {1, 2, 3, P};
  for (int k = 0; k < 4; k++) {
    if (P % rpns[k] != 0 || (k == 3 && P <= 3)) continue;
    comm = cc_comm_create(t, &cc_host_memops, rpns[k]);
    run_matrix(comm, &bufs, hier, 5, counts, ncounts, (size_t)big, dtypes, 4, rpns[k], "default");
    // One rank per node is the flat inter-node algorithm over the world, which the flat ops matrix has
    // covered; more ranks per node take both of hier's levels.
    if (k > 0 || P == 1) run_ops_matrix(comm, &bufs, hier, 5, op_counts, 5, pairs, npairs, rpns[k], "default");
    cc_comm_destroy(comm);
  }
  case_buffers_free(&bufs);
  t->destroy(t);

  long long total_failures = check_summary("test_collectives");
  MPI_Finalize();
  return total_failures ? 1 : 0;
}
