// The cost model against times worked out by hand from docs/cost-model.md, at P = 2..12 including
// non-powers of two (3, 6, 12), one and two link levels.
#include <math.h>

#include "common/tests/check.h"
#include "sim/tests/model_check.h"
#include "sim/model.h"

static cc_profile test_profile(void) {
  cc_profile p;
  cc_profile_init(&p);  // ring segment 1 MiB, tree chunk 256 KiB, mpi switch 10000 B
  snprintf(p.name, sizeof p.name, "test");
  p.base_us = 1;
  p.link[CC_INTRA] = (cc_link){.alpha_us = 2, .beta_ns_per_byte = 0.5, .gamma_ns_per_byte = 0.25};
  p.link[CC_INTER] = (cc_link){.alpha_us = 10, .beta_ns_per_byte = 2, .gamma_ns_per_byte = 0.25};
  return p;
}


int main(void) {
  cc_profile p = test_profile();
  const double MiB = 1048576;

  // ring, one node, P=3, 3 MiB: blocks of 1 MiB, one segment each; 4 steps, 4 MiB received, 2 MiB reduced.
  EXPECT_TIME("ring", CC_ALLREDUCE, 3, 3, 3 * MiB, 1 + 4 * 2 + 4 * MiB * 0.5e-3 + 2 * MiB * 0.25e-3);
  // ring across 2 nodes of 3: every step waits for the inter-node hop.
  EXPECT_TIME("ring", CC_ALLREDUCE, 6, 3, 6 * MiB, 1 + 10 * 10 + 10 * MiB * 2e-3 + 5 * MiB * 0.25e-3);
  // ring P=12, 24 MiB: blocks of 2 MiB are 2 segments, so 2 * 11 * 2 = 44 messages.
  EXPECT_TIME("ring", CC_ALLREDUCE, 12, 12, 24 * MiB, 1 + 44 * 2 + 22 * 2 * MiB * 0.5e-3 + 11 * 2 * MiB * 0.25e-3);
  EXPECT_TIME("ring", CC_ALLGATHER, 3, 3, 3 * MiB, 1 + 2 * 2 + 2 * MiB * 0.5e-3);

  // rd P=6: p2 = 4, 2 extra ranks fold in and out: 4 messages of the whole vector, 3 reductions.
  EXPECT_TIME("rd", CC_ALLREDUCE, 6, 6, 1000, 1 + 4 * 2 + 4000 * 0.5e-3 + 3000 * 0.25e-3);
  // rd P=8 on 2 nodes of 4: distances 1 and 2 stay inside a node, distance 4 crosses.
  EXPECT_TIME("rd", CC_ALLREDUCE, 8, 4, 1000, 1 + 2 * (2 + 0.5 + 0.25) + (10 + 2 + 0.25));
  EXPECT_TIME("rd", CC_ALLREDUCE, 2, 2, 64, 1 + 2 + 64 * 0.5e-3 + 64 * 0.25e-3);

  // Rabenseifner P=4: 2 halving + 2 doubling steps, 3/4 of the vector each way.
  EXPECT_TIME("rabenseifner", CC_ALLREDUCE, 4, 4, 4096, 1 + 4 * 2 + 6144 * 0.5e-3 + 3072 * 0.25e-3);
  // P=12: p2 = 8; fold in (8000 B), halving 4000+2000+1000, doubling 1000+2000+4000, fold out (8000 B).
  EXPECT_TIME("rabenseifner", CC_ALLREDUCE, 12, 12, 8000, 1 + 8 * 2 + 30000 * 0.5e-3 + 15000 * 0.25e-3);
  // reduce-scatter P=6, 6000 B: fold in, halving 3000+1500, then the folded neighbour's 1000 B block.
  EXPECT_TIME("rabenseifner", CC_REDUCE_SCATTER, 6, 6, 6000, 1 + 4 * 2 + 11500 * 0.5e-3 + 10500 * 0.25e-3);

  // double tree P=6, 1 MiB: 512 KiB per tree = 2 chunks, height 2: 2 + 4 - 1 = 5 rounds; 2n in, n reduced.
  EXPECT_TIME("tree", CC_ALLREDUCE, 6, 6, MiB, 1 + 5 * 2 + 2 * MiB * 0.5e-3 + MiB * 0.25e-3);
  // binary tree P=3, 1 MiB: 4 chunks, height 1: 5 rounds; the root receives and reduces 2n.
  EXPECT_TIME("btree", CC_ALLREDUCE, 3, 3, MiB, 1 + 5 * 2 + 2 * MiB * 0.5e-3 + 2 * MiB * 0.25e-3);

  // hier:ring/ring, 12 ranks as 2 nodes of 6, 12 MiB: intra reduce-scatter (blocks of 2 MiB = 2 segments),
  // inter ring allreduce of 2 MiB between 2 ranks, intra allgather.
  EXPECT_TIME("hier:ring/ring", CC_ALLREDUCE, 12, 6, 12 * MiB,
              1 + 20 * 2 + 20 * MiB * 0.5e-3 + 10 * MiB * 0.25e-3 + 2 * 10 + 2 * MiB * 2e-3 + MiB * 0.25e-3);
  // hier:rabenseifner/rd, 8 ranks as 2 nodes of 4, 4096 B: intra halving 2048+1024, inter rd of 1024 B,
  // intra doubling 1024+2048.
  EXPECT_TIME("hier:rabenseifner/rd", CC_ALLREDUCE, 8, 4, 4096,
              1 + 4 * 2 + 6144 * 0.5e-3 + 3072 * 0.25e-3 + 10 + 1024 * 2e-3 + 1024 * 0.25e-3);

  // mpi, one switch: recursive doubling below 10000 B, unsegmented ring above.
  p.mpi_decision = CC_MPI_SWITCH;
  EXPECT_TIME("mpi", CC_ALLREDUCE, 4, 4, 512, 1 + 2 * 2 + 1024 * 0.5e-3 + 1024 * 0.25e-3);
  EXPECT_TIME("mpi", CC_ALLREDUCE, 4, 4, MiB, 1 + 6 * 2 + 1.5 * MiB * 0.5e-3 + 0.75 * MiB * 0.25e-3);
  // mpi as Open MPI 4.1 decides (commutative ops). P=3, 6000 B: ring (4096 <= n < 8192), 4 steps of 2000 B.
  p.mpi_decision = CC_MPI_OPENMPI;
  EXPECT_TIME("mpi", CC_ALLREDUCE, 3, 3, 6000, 1 + 4 * 2 + 8000 * 0.5e-3 + 4000 * 0.25e-3);
  // P=3, 1 MiB: Rabenseifner; Open MPI folds by halves (2 messages: n/2 in and reduced, then the
  // partner's reduced n/2), halving (n/2), doubling (n/2), fold out (n); 3n in, n reduced.
  EXPECT_TIME("mpi", CC_ALLREDUCE, 3, 3, MiB, 1 + 5 * 2 + 3 * MiB * 0.5e-3 + 1 * MiB * 0.25e-3);
  // P=6, 4096 B: recursive doubling (16 <= n < 8192), as rd above.
  EXPECT_TIME("mpi", CC_ALLREDUCE, 6, 6, 4096, 1 + 4 * 2 + 4 * 4096 * 0.5e-3 + 3 * 4096 * 0.25e-3);
  // P=12, 8000 B: recursive doubling below 8192; 1 MiB: Rabenseifner: fold by halves (n in, n/2 reduced,
  // 2 messages), n/2 + n/4 + n/8 in and reduced, the same back, fold out n: 3.75n in, 1.375n reduced, 9 messages.
  EXPECT_TIME("mpi", CC_ALLREDUCE, 12, 12, 8000, 1 + 5 * 2 + 5 * 8000 * 0.5e-3 + 4 * 8000 * 0.25e-3);
  EXPECT_TIME("mpi", CC_ALLREDUCE, 12, 12, MiB, 1 + 9 * 2 + 3.75 * MiB * 0.5e-3 + 1.375 * MiB * 0.25e-3);
  // The library halves the vector as it doubles the distance: on 2 nodes of 2 (P=4, 1 MiB) its n/2
  // exchange stays inside the node and only n/4 each way crosses (our rabenseifner crosses with n/2).
  // (p's inter link: alpha 10 us, beta 2 ns/B.)
  EXPECT_TIME("mpi", CC_ALLREDUCE, 4, 2, MiB,
                1 + 2 * 2 + 2 * 10 + MiB * 0.5e-3 + 0.5 * MiB * 2e-3 + 0.75 * MiB * 0.25e-3);
  EXPECT_TIME("rabenseifner", CC_ALLREDUCE, 4, 2, MiB,
                1 + 2 * 2 + 2 * 10 + 0.5 * MiB * 0.5e-3 + MiB * 2e-3 + 0.75 * MiB * 0.25e-3);
  // The node's NIC: 100 Mbit/s with a payload share of 0.5 carries 160 ns/B, slower than a rank's own
  // 2 ns/B, so it paces what crosses. Rabenseifner: both ranks of a node send n across, 2n through the
  // NIC; the ring: one rank's 1.5n (4 MiB: blocks of one segment, 6 inter-node steps).
  p.nics_per_node = 1, p.nic_GBps = 0.0125, p.nic_efficiency = 0.5;
  EXPECT_TIME("rabenseifner", CC_ALLREDUCE, 4, 2, MiB,
              1 + 2 * 2 + 2 * 10 + 0.5 * MiB * 0.5e-3 + 2 * MiB * 160e-3 + 0.75 * MiB * 0.25e-3);
  EXPECT_TIME("ring", CC_ALLREDUCE, 4, 2, 4 * MiB, 1 + 6 * 10 + 6 * MiB * 160e-3 + 3 * MiB * 0.25e-3);
  p.nics_per_node = 0, p.nic_GBps = 0, p.nic_efficiency = 1;
  // P=16, 8 B: the ring of the table (below 64 B), but two f32 elements for 16 ranks: recursive doubling.
  EXPECT_TIME("mpi", CC_ALLREDUCE, 16, 16, 8, 1 + 4 * 2 + 4 * 8 * 0.5e-3 + 4 * 8 * 0.25e-3);
  // P=300, 1000 B: reduce then broadcast, ceil(log2 300) = 9 binomial steps each way.
  EXPECT_TIME("mpi", CC_ALLREDUCE, 300, 300, 1000, 1 + 18 * 2 + 18000 * 0.5e-3 + 9000 * 0.25e-3);
  // The library's own costs: 3 us per call and 0.5 ns per byte it reduces, on top of the links.
  p.mpi_base_us = 3, p.mpi_gamma_ns_per_byte = 0.5;
  EXPECT_TIME("mpi", CC_ALLREDUCE, 6, 6, 4096, 1 + 3 + 4 * 2 + 4 * 4096 * 0.5e-3 + 3 * 4096 * (0.25e-3 + 0.5e-3));
  p.mpi_base_us = 0, p.mpi_gamma_ns_per_byte = 0;
  // MPICH: recursive doubling up to 2048 B, Rabenseifner above. P=6, 1 MiB: fold in (n), halving n/2 +
  // n/4, doubling n/4 + n/2, fold out (n): 6 steps, 3.5n received, 1.75n reduced.
  p.mpi_decision = CC_MPI_MPICH;
  EXPECT_TIME("mpi", CC_ALLREDUCE, 6, 6, 2048, 1 + 4 * 2 + 4 * 2048 * 0.5e-3 + 3 * 2048 * 0.25e-3);
  EXPECT_TIME("mpi", CC_ALLREDUCE, 6, 6, MiB, 1 + 6 * 2 + 3.5 * MiB * 0.5e-3 + 1.75 * MiB * 0.25e-3);
  p.mpi_decision = CC_MPI_SWITCH;
  // nccl: sim/tests/test_nccl_model.c.

  // Host memory: cache 8 MiB; bytes moved that miss pay 0.1 ns/B, bytes reduced 0.3 ns/B; MPI
  // temporaries >= 32 MiB fault at 0.8 ns/B.
  cc_profile host = p;
  host.cache_bytes = 8 * MiB, host.mem_ns_per_byte = 0.1, host.mem_reduce_ns_per_byte = 0.3;
  host.fault_ns_per_byte = 0.8;
  host.mmap_threshold_bytes = 32 * MiB;
  cc_profile saved = p;
  p = host;
  // rd P=2 on one node, 16 MiB: working set 2 ranks x 2 buffers x 16 MiB = 64 MiB, 7/8 of it misses;
  // 16 MiB received and 16 MiB reduced, so 14 MiB of each pay the memory costs.
  EXPECT_TIME("rd", CC_ALLREDUCE, 2, 2, 16 * MiB, 1 + 2 + 16 * MiB * 0.75e-3 + 14 * MiB * (0.1e-3 + 0.3e-3));
  // 2 MiB: working set 8 MiB fits, no memory term.
  EXPECT_TIME("rd", CC_ALLREDUCE, 2, 2, 2 * MiB, 1 + 2 + 2 * MiB * 0.75e-3);
  // Two nodes of one rank each: the working set per node is 2 x 16 MiB, 3/4 misses.
  EXPECT_TIME("rd", CC_ALLREDUCE, 2, 1, 16 * MiB, 1 + 10 + 16 * MiB * 2e-3 + 16 * MiB * 0.25e-3 + 12 * MiB * (0.1e-3 + 0.3e-3));
  // mpi as rd (switch above everything), 32 MiB on 2 ranks of 2 nodes: the 32 MiB temporary faults;
  // working set 64 MiB per node, 7/8 of the 32 MiB moved and of the 32 MiB reduced misses.
  p.mpi_rd_max_bytes = UINT64_MAX;
  EXPECT_TIME("mpi", CC_ALLREDUCE, 2, 1, 32 * MiB,
              1 + 10 + 32 * MiB * 2.25e-3 + 28 * MiB * (0.1e-3 + 0.3e-3) + 32 * MiB * 0.8e-3);
  // mpi as ring, P=3 on one node, 96 MiB: two 32 MiB block temporaries fault. Working set 576 MiB:
  // 1 - 8/576 of (128 MiB received + 64 MiB reduced) misses.
  p.mpi_rd_max_bytes = 0;
  EXPECT_TIME("mpi", CC_ALLREDUCE, 3, 3, 96 * MiB,
              1 + 4 * 2 + 128 * MiB * 0.5e-3 + 64 * MiB * 0.25e-3 + (1 - 8.0 / 576) * MiB * (128 * 0.1e-3 + 64 * 0.3e-3) +
                  64 * MiB * 0.8e-3);
  // Below the threshold (P=3, 48 MiB: 16 MiB blocks) the heap reuses its blocks: no faults.
  EXPECT_TIME("mpi", CC_ALLREDUCE, 3, 3, 48 * MiB,
              1 + 4 * 2 + 64 * MiB * 0.5e-3 + 32 * MiB * 0.25e-3 + (1 - 8.0 / 288) * MiB * (64 * 0.1e-3 + 32 * 0.3e-3));
  p = saved;

  // Shared resources. NICs: 1 GB/s per node (1 ns/B), rd over 2 nodes of 4 ranks, 16 MiB: steps 1 and
  // 2 stay in a node, step 4 crosses, all 4 ranks of a node at once: 4 x 16 MiB through the node's NIC
  // at 1 ns/B beats the rank's own 2 ns/B x 16 MiB, so the NIC sets the pace of the crossing step.
  cc_profile shared = p;
  shared.nics_per_node = 1, shared.nic_GBps = 1;
  cc_profile saved_p = p;
  p = shared;
  EXPECT_TIME("rd", CC_ALLREDUCE, 8, 4, 16 * MiB, 1 + 2 * 2 + 10 + 2 * 16 * MiB * 0.5e-3 + 3 * 16 * MiB * 0.25e-3 + 4 * 16 * MiB * 1e-3);
  // A flat ring crosses with one rank per node: 1.75 x 16 MiB at its own 2 ns/B, slower than the NIC.
  EXPECT_TIME("ring", CC_ALLREDUCE, 8, 4, 16 * MiB, 1 + 14 * 2 * 10 + 1.75 * 16 * MiB * 2e-3 + 0.875 * 16 * MiB * 0.25e-3);
  // Memory: 1 GB/s for the node, no cache modelled. Ring on one node of 4, 4 MiB (blocks of 1 MiB, one
  // segment): 1.5n received (copied twice), 0.75n reduced (1.5 copies): 4.125n per rank, 16.5n for
  // the node at 1 ns/B, above the rank's own 0.9375n x 1e-3 us: memory sets the pace.
  p = saved_p;
  p.mem_GBps = 1;
  EXPECT_TIME("ring", CC_ALLREDUCE, 4, 4, 4 * MiB, 1 + 6 * 2 + 16.5 * 4 * MiB * 1e-3);
  p.mem_GBps = 1000;  // a fast memory leaves the ranks' own terms in charge
  EXPECT_TIME("ring", CC_ALLREDUCE, 4, 4, 4 * MiB, 1 + 6 * 2 + 1.5 * 4 * MiB * 0.5e-3 + 0.75 * 4 * MiB * 0.25e-3);
  p = saved_p;

  // One rank: nothing to exchange, the call's fixed cost only.
  EXPECT_TIME("ring", CC_ALLREDUCE, 1, 1, MiB, 1);

  // What the model refuses, with a reason.
  cc_strategy s;
  cc_cost c;
  char err[256] = "";
  cc_strategy_parse("tree", &s, err, sizeof err);
  CHECK(cc_model_cost(&p, &s, CC_ALLGATHER, (cc_topology){4, 4, 0}, 1024, &c, err, sizeof err) != 0);
  CHECK(strstr(err, "allgather") != NULL);
  cc_strategy_parse("hier", &s, err, sizeof err);
  CHECK(cc_model_cost(&p, &s, CC_ALLREDUCE, (cc_topology){10, 4, 0}, 1024, &c, err, sizeof err) != 0);
  CHECK(strstr(err, "same number of ranks") != NULL);

  // Properties over a sweep: time grows with size, and one level equals two identical levels.
  const char *all[] = {"ring", "tree", "btree", "rd", "rabenseifner", "hier:ring/tree", "mpi", "nccl"};
  cc_profile flat = p;
  flat.link[CC_INTER] = flat.link[CC_INTRA];
  for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
    for (int P = 2; P <= 64; P += P < 8 ? 1 : 8) {
      double prev = 0;
      for (double n = 8; n <= 256 * MiB; n *= 4) {
        double t = predict(&p, all[k], CC_ALLREDUCE, P, P % 4 == 0 ? 4 : P, n);
        CHECKF(t >= prev, "%s P=%d: %.0f B predicted %.3f us, less than the smaller size's %.3f", all[k], P, n, t, prev);
        prev = t;
      }
    }
  return check_done("test_sim_model");
}
