// Collectives on GPU buffers: every algorithm over every device transport, against the reference of
// test_collectives (collective_check.h), with P ranks sharing the GPUs of a node (P = 1..4 on one GPU
// is the intended setup).
//
//   mpirun -np P test_device [--quick]     exit 77 (Skipped) on every rank when a rank sees no GPU
//   mpirun -np 1 test_device --probe        exit 0 with a GPU, 77 without (for scripts)
//
// Transports: mpi-staged with 1000-byte chunks (every message above 1000 bytes is several chunks, and
// chunk edges cut elements apart) and with the default 1 MiB chunks on a vector of > 2 chunks per
// message; ipc when all ranks share a node; nccl, and the nccl baseline on every transport, when no
// two ranks share a GPU (NCCL refuses that) and NCCL is compiled in.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "collectives/device.h"
#include "collectives/tests/collective_check.h"
#include "collectives/transport_ipc.h"
#include "collectives/transport_mpi.h"
#include "collectives/transport_staged.h"
#include "common/check_mpi.h"
#include "common/cli.h"
#include "common/error.h"
#include "common/rng.h"
#include "kernels/cuda_device.h"
#ifdef CCBENCH_HAVE_NCCL
#include "collectives/transport_nccl.h"
#endif

static int P, me;

// Every rank sees a GPU, or all of them leave with 77.
static void skip_unless_every_rank_has_a_gpu(void) {
  int count = cc_cuda_device_count(), fewest = 0;
  MPI_Allreduce(&count, &fewest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (fewest > 0) return;
  if (me == 0) printf("test_device: skipped: no GPU visible%s\n", count ? " on some ranks" : "");
  MPI_Finalize();
  exit(77);
}

static int local_rank(const cc_transport *mpi) {
  int local = 0;
  for (int r = 0; r < me; r++) local += mpi->node_of[r] == mpi->node_of[me];
  return local;
}

static bool one_node(const cc_transport *mpi) {
  for (int r = 0; r < P; r++)
    if (mpi->node_of[r] != mpi->node_of[0]) return false;
  return true;
}

#ifdef CCBENCH_HAVE_NCCL
// Whether two ranks drive the same GPU (same host, same PCI bus id).
static bool gpus_shared(void) {
  enum { ID = MPI_MAX_PROCESSOR_NAME + 32 };
  char mine[ID] = "", *all = cc_malloc((size_t)P * ID);
  cc_device_info info;
  cc_device_describe(&info);
  int len;
  MPI_Get_processor_name(mine, &len);
  snprintf(mine + strlen(mine), sizeof mine - strlen(mine), "|%s", info.bus_id);
  MPI_Allgather(mine, ID, MPI_CHAR, all, ID, MPI_CHAR, MPI_COMM_WORLD);
  bool shared = false;
  for (int r = 0; r < P; r++)
    for (int q = 0; q < r; q++) shared |= strcmp(all + (size_t)r * ID, all + (size_t)q * ID) == 0;
  free(all);
  return shared;
}
#endif

// Payload byte j of message m from rank `from` to rank `to` in round `round`.
static unsigned char payload(int from, int to, int m, int round, size_t j) {
  return (unsigned char)(cc_hash64(((uint64_t)from << 40) ^ ((uint64_t)to << 24) ^ ((uint64_t)m << 8) ^ (uint64_t)round, j) >> 56);
}

// The transport alone, with what the algorithms never post: in one round every rank sends every other
// rank messages of 0 and 1 bytes, around the staging chunk's edges and of several chunks, all from one
// allocation at odd offsets, and receives theirs into another. Two rounds, so event and staging slots
// are reused; a device memop writes elsewhere in the send buffer between posting and waiting.
static void exchange(cc_transport *t, size_t chunk, const char *label) {
  const size_t sizes[] = {0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + 7, 5};
  enum { NMSG = 7 };
  size_t per_peer = 0;
  for (int m = 0; m < NMSG; m++) per_peer += sizes[m] + 1;  // one byte gap: odd offsets
  size_t total = per_peer * (size_t)P + 64;
  const cc_memops *mem = &cc_device_memops;
  unsigned char *host_send = cc_malloc(total), *host_recv = cc_malloc(total);
  unsigned char *dev_send = mem->alloc(total), *dev_recv = mem->alloc(total);
  for (int round = 0; round < 2; round++) {
    memset(host_send, 0, total);
    memset(host_recv, 0x5A, total);
    for (int q = 0; q < P; q++)
      for (size_t m = 0, off = per_peer * (size_t)q; m < NMSG; off += sizes[m] + 1, m++)
        for (size_t j = 0; j < sizes[m]; j++) host_send[off + 1 + j] = payload(me, q, (int)m, round, j);
    mem->from_host(dev_send, host_send, total);
    mem->from_host(dev_recv, host_recv, total);
    mem->sync();
    for (int q = 0; q < P; q++)
      for (size_t m = 0, off = per_peer * (size_t)q; q != me && m < NMSG; off += sizes[m] + 1, m++)
        t->send(t, dev_send + off + 1, sizes[m], q, 7);
    for (int q = 0; q < P; q++)
      for (size_t m = 0, off = per_peer * (size_t)q; q != me && m < NMSG; off += sizes[m] + 1, m++)
        t->recv(t, dev_recv + off + 1, sizes[m], q, 7);
    mem->copy(dev_send + per_peer * (size_t)P, dev_send, 64);  // past every message: must not disturb them
    t->wait(t);
    mem->to_host(host_recv, dev_recv, total);
    long long bad = 0;
    for (int q = 0; q < P; q++)
      for (size_t m = 0, off = per_peer * (size_t)q; q != me && m < NMSG; off += sizes[m] + 1, m++) {
        bad += host_recv[off] != 0x5A;  // the gap before each message stays untouched
        for (size_t j = 0; j < sizes[m]; j++) bad += host_recv[off + 1 + j] != payload(q, me, (int)m, round, j);
      }
    test_case tc = {.strategy = "exchange", .tuning = label};
    if (bad) report_failure(&tc, "raw transport exchange: received bytes differ from what was sent");
  }
  mem->free(dev_send);
  mem->free(dev_recv);
  free(host_send);
  free(host_recv);
}

// The whole matrix over one transport: flat algorithms, tiny and wide pipelining, hierarchical.
static void run_transport(cc_transport *t, size_t chunk, case_buffers *bufs, const char *label,
                          const size_t *counts, int ncounts, size_t big, bool with_nccl) {
  const char *flat[] = {"ring", "tree", "btree", "rd", "rabenseifner", "mpi", "nccl"};
  const char *hier[] = {"hier:ring/ring", "hier:rabenseifner/tree"};
  const char *pipelined[] = {"ring", "tree", "btree"};
  const cc_dtype dtypes[] = {CC_F32, CC_BF16};
  // The other ops and the integer types, exact (the CUDA kernels' every type and op, through every
  // algorithm and the baselines): every integer type with every op, every float type with prod, min, max.
  dtype_op pairs[CC_NDTYPES * CC_NREDOPS];
  int npairs = ops_matrix_pairs(pairs);
  const size_t op_counts[] = {0, 1, 97, 3001};
  char tuning[128];
  exchange(t, chunk, label);

  cc_comm *comm = cc_comm_create(t, &cc_device_memops, 0);
  snprintf(tuning, sizeof tuning, "%s, default pipelining", label);
  run_matrix(comm, bufs, flat, with_nccl ? 7 : 6, counts, ncounts, big, dtypes, 2, 0, tuning);
  run_ops_matrix(comm, bufs, flat, with_nccl ? 7 : 6, op_counts, 4, pairs, npairs, 0, tuning);
  // Many pipeline rounds on small vectors: several operations in flight per wait.
  comm->tuning.ring_segment_bytes = 24;
  comm->tuning.tree_chunk_bytes = 40;
  snprintf(tuning, sizeof tuning, "%s, tiny pipelining", label);
  run_matrix(comm, bufs, pipelined, 3, counts, 6, big, dtypes, 2, 0, tuning);
  // One segment per block: ring and tree messages of several staging chunks.
  comm->tuning.ring_segment_bytes = comm->tuning.tree_chunk_bytes = (size_t)64 << 20;
  snprintf(tuning, sizeof tuning, "%s, wide pipelining", label);
  run_matrix(comm, bufs, pipelined, 3, &counts[ncounts - 1], 1, big, dtypes, 2, 0, tuning);
  cc_comm_destroy(comm);

  int rpns[] = {1, 2, P};
  for (int k = 0; k < 3; k++) {
    if (P % rpns[k] != 0 || (k == 1 && P <= 2) || (k == 2 && P <= 1)) continue;
    comm = cc_comm_create(t, &cc_device_memops, rpns[k]);
    snprintf(tuning, sizeof tuning, "%s, %d ranks per node", label, rpns[k]);
    run_matrix(comm, bufs, hier, 2, counts, ncounts, big, dtypes, 2, rpns[k], tuning);
    run_ops_matrix(comm, bufs, hier, 1, &op_counts[2], 1, pairs, npairs, rpns[k], tuning);
    cc_comm_destroy(comm);
  }
  t->destroy(t);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  cc_set_progname("test_device");
  cc_mpi_install_error_hooks();
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  MPI_Comm_size(MPI_COMM_WORLD, &P);
  check_setup(P, me);
  bool quick = false, probe = false;
  cc_option opts[] = {
      {"quick", 0, CC_OPT_FLAG, &quick, NULL, "skip the vector of several default staging chunks", 0, 0},
      {"probe", 0, CC_OPT_FLAG, &probe, NULL, "only say whether every rank sees a GPU (0) or not (77)", 0, 0},
  };
  cc_cli cli = {.prog = "test_device",
                .usage = "mpirun -np P test_device [options]",
                .summary = "Checks every collective on GPU buffers over every device transport.",
                .opts = opts,
                .nopts = 2};
  cc_mpi_cli_parse(&cli, argc, argv, me);
  skip_unless_every_rank_has_a_gpu();
  if (probe) {
    MPI_Finalize();
    return 0;
  }

  cc_transport *mpi = cc_transport_mpi_create(MPI_COMM_WORLD);
  cc_device_open(local_rank(mpi));
  case_buffers bufs = {.mem = &cc_device_memops};
  // The last count: > 2 default chunks (1 MiB) per message for rd, rabenseifner, mpi and wide ring/tree,
  // in f32 and bf16; odd, so blocks and chunks never line up.
  size_t big = ((size_t)5 << 20) / 4 + 3;
  size_t counts[] = {0, 1, (size_t)P - 1, (size_t)P + 1, 97, 1001, big};
  bool nccl = false;
#ifdef CCBENCH_HAVE_NCCL
  nccl = !gpus_shared();
#endif

  // The raw exchange sizes its messages around this chunk on every transport.
  size_t chunk = CC_STAGED_CHUNK_DEFAULT;
  run_transport(cc_transport_staged_create(mpi, 1000), 1000, &bufs, "mpi-staged 1000 B chunks", counts, 6, big, nccl);
  if (!quick)
    run_transport(cc_transport_staged_create(mpi, chunk), chunk, &bufs, "mpi-staged 1 MiB chunks", counts, 7, big, nccl);
  if (one_node(mpi)) run_transport(cc_transport_ipc_create(mpi), chunk, &bufs, "ipc", counts, quick ? 6 : 7, big, nccl);
#ifdef CCBENCH_HAVE_NCCL
  if (nccl) run_transport(cc_transport_nccl_create(mpi), chunk, &bufs, "nccl", counts, quick ? 6 : 7, big, true);
  else if (me == 0) printf("test_device: nccl transport and baseline not run: ranks share a GPU\n");
#endif

  case_buffers_free(&bufs);
  cc_device_close();
  mpi->destroy(mpi);
  long long failures = check_summary("test_device");
  MPI_Finalize();
  return failures ? 1 : 0;
}
