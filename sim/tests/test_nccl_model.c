// NCCL's algorithms x protocols (sim/nccl_model.c) against times worked out by hand from
// docs/cost-model.md, NCCL's published defaults and hardware ceilings, and the fit (calibrate_nccl.c)
// recovering a known profile, switch points included, from rows the model generated with noise.
#include <math.h>

#include "common/rng.h"
#include "common/tests/check.h"
#include "sim/tests/model_check.h"
#include "sim/calibrate.h"
#include "sim/model.h"


// Every pair's terms set to numbers that tell them apart: base 10a + p, hops 1 + 0.1 p inside a node
// and 5 + p between nodes, inverse bandwidths 0.01 (p + 1) inside a node and 0.1 (p + 1) on the network
// (a = algorithm index, p = protocol index: ll 0, ll128 1, simple 2).
static cc_profile test_profile(void) {
  cc_profile p;
  cc_profile_init(&p);
  snprintf(p.name, sizeof p.name, "test");
  p.nccl_algos = (1u << CC_NCCL_NALGOS) - 1;
  for (int a = 0; a < CC_NCCL_NALGOS; a++)
    for (int pr = 0; pr < CC_NCCL_NPROTOS; pr++) {
      int b = cc_nccl_param((cc_nccl_algo)a, (cc_nccl_proto)pr, CC_NCCL_BASE_US);
      double v[CC_NCCL_NKINDS] = {10 * a + pr, 1 + 0.1 * pr, 5 + pr, 0.01 * (pr + 1), 0.1 * (pr + 1)};
      for (int k = 0; k < CC_NCCL_NKINDS; k++) p.nccl[b + k] = v[k], p.nccl_given[b + k] = 1;
    }
  return p;
}

static void pair_terms(void) {
  cc_profile p = test_profile();
  const double MiB = 1048576, n = 64 * MiB;
  // ring, P = 16 as 2 nodes of 8, 64 MiB: 30 steps, 2 of them entering the other node; factor 30/16;
  // the network (0.1 (p+1)) is slower than NVLink (0.01 (p+1)), so the network sets the pace.
  EXPECT_TIME("nccl:ring/simple", CC_ALLREDUCE, 16, 8, n, 2 + 28 * 1.2 + 2 * 7 + 30.0 / 16 * n * 0.3e-3);
  EXPECT_TIME("nccl:ring/ll", CC_ALLREDUCE, 16, 8, n, 0 + 28 * 1.0 + 2 * 5 + 30.0 / 16 * n * 0.1e-3);
  // One node of 8: 14 steps, none crossing, NVLink only.
  EXPECT_TIME("nccl:ring/ll128", CC_ALLREDUCE, 8, 8, n, 1 + 14 * 1.1 + 14.0 / 8 * n * 0.02e-3);
  // allgather and reduce-scatter: P - 1 steps, N - 1 crossing, factor (P-1)/P.
  EXPECT_TIME("nccl:ring/simple", CC_ALLGATHER, 16, 8, n, 2 + 14 * 1.2 + 1 * 7 + 15.0 / 16 * n * 0.3e-3);
  EXPECT_TIME("nccl:ring/simple", CC_REDUCE_SCATTER, 32, 8, n, 2 + 28 * 1.2 + 3 * 7 + 31.0 / 32 * n * 0.3e-3);
  // tree: 2 (l - 1) hops inside, 2 floor(log2 N) between; factor 2. Two nodes send each byte once
  // (network share 1/2): 0.5 x 0.3 still beats NVLink's 0.03. Four nodes: share 1.
  EXPECT_TIME("nccl:tree/simple", CC_ALLREDUCE, 16, 8, n, 12 + 14 * 1.2 + 2 * 7 + 2 * n * 0.15e-3);
  EXPECT_TIME("nccl:tree/ll", CC_ALLREDUCE, 32, 8, n, 10 + 14 * 1.0 + 4 * 5 + 2 * n * 0.1e-3);
  EXPECT_TIME("nccl:tree/ll128", CC_ALLREDUCE, 8, 8, n, 11 + 14 * 1.1 + 2 * n * 0.02e-3);
  // NVLS, one node of 8: one hop through the switch, factor 2 x 7/8 (Simple only).
  EXPECT_TIME("nccl:nvls/simple", CC_ALLREDUCE, 8, 8, n, 22 + 1 * 1.2 + 14.0 / 8 * n * 0.03e-3);
  // NVLS-tree, 4 nodes of 8: one switch hop, 2 log2(4) network hops, factor 2 x 31/32.
  EXPECT_TIME("nccl:nvlstree/simple", CC_ALLREDUCE, 32, 8, n, 32 + 1.2 + 4 * 7 + 62.0 / 32 * n * 0.3e-3);
  // CollNet: the network reduces, a node sends once (share 1/2); factor 2. Direct: 2 hops inside
  // (one when a node holds a single GPU: none), 1 between; chain: 2 (l - 1) inside.
  EXPECT_TIME("nccl:collnetdirect/simple", CC_ALLREDUCE, 16, 8, n, 42 + 2 * 1.2 + 7 + 2 * n * 0.15e-3);
  EXPECT_TIME("nccl:collnetchain/simple", CC_ALLREDUCE, 16, 8, n, 52 + 14 * 1.2 + 7 + 2 * n * 0.15e-3);
  EXPECT_TIME("nccl:collnetdirect/simple", CC_ALLREDUCE, 4, 1, n, 42 + 0 + 7 + 2 * n * 0.15e-3);

  // NCCL's own choice is the cheapest enabled pair, at every size. At 8 B that is tree LL (10 + 14 x 1 +
  // 2 x 5 = 34 us, against ring LL's 0 + 28 + 10 = 38 us and the others' 38.4 us and more).
  double best = INFINITY;
  const char *pairs[] = {"nccl:ring/ll", "nccl:ring/ll128", "nccl:ring/simple", "nccl:tree/ll", "nccl:tree/ll128",
                         "nccl:tree/simple", "nccl:nvlstree/simple", "nccl:collnetdirect/simple",
                         "nccl:collnetchain/simple"};
  for (double bytes = 8; bytes <= 1 << 30; bytes *= 32) {
    best = INFINITY;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) best = fmin(best, predict(&p, pairs[i], CC_ALLREDUCE, 16, 8, bytes));
    EXPECT_TIME("nccl", CC_ALLREDUCE, 16, 8, bytes, best);
  }
  EXPECT_TIME("nccl", CC_ALLREDUCE, 16, 8, 8, 10 + 14 + 2 * 5 + 2 * 8 * 0.05e-3);
  // Only the enabled pairs compete: ring and simple alone at 8 B.
  p.nccl_algos = 1u << CC_NCCL_RING, p.nccl_protos = 1u << CC_NCCL_SIMPLE;
  EXPECT_TIME("nccl", CC_ALLREDUCE, 16, 8, 8, 2 + 28 * 1.2 + 2 * 7 + 30.0 / 16 * 8 * 0.3e-3);
  // ... and a forced algorithm runs even when NCCL would not pick it by default (NCCL_ALGO).
  EXPECT_TIME("nccl:tree/simple", CC_ALLREDUCE, 16, 8, n, 12 + 14 * 1.2 + 2 * 7 + 2 * n * 0.15e-3);

  // Pairs that cannot run refuse: NVLS on two nodes (no CollNet), NVLS-tree and CollNet on one, LL on NVLS.
  cc_strategy s;
  char err[256];
  cc_cost c;
  CHECK(cc_strategy_parse("nccl:nvls", &s, err, sizeof err) == 0);
  CHECK(cc_model_cost(&p, &s, CC_ALLREDUCE, (cc_topology){16, 8, 0}, n, &c, err, sizeof err) != 0 && strstr(err, "NCCL"));
  CHECK(cc_strategy_parse("nccl:nvlstree", &s, err, sizeof err) == 0);
  CHECK(cc_model_cost(&p, &s, CC_ALLREDUCE, (cc_topology){8, 8, 0}, n, &c, err, sizeof err) != 0);
  CHECK(cc_strategy_parse("nccl:nvls/ll", &s, err, sizeof err) == 0);
  CHECK(cc_model_cost(&p, &s, CC_ALLREDUCE, (cc_topology){8, 8, 0}, n, &c, err, sizeof err) != 0);
  CHECK(cc_strategy_parse("nccl:tree/ll128+x", &s, err, sizeof err) != 0);
  CHECK(cc_strategy_parse("nccl:warp", &s, err, sizeof err) != 0 && strstr(err, "NCCL algorithm"));
  CHECK(cc_strategy_parse("nccl:ring/fast", &s, err, sizeof err) != 0 && strstr(err, "NCCL protocol"));
  CHECK(cc_strategy_parse("nccl:any", &s, err, sizeof err) != 0);
  CHECK(cc_strategy_parse("nccl:Ring/LL128", &s, err, sizeof err) == 0 && strcmp(s.name, "nccl:ring/ll128") == 0);
  CHECK(cc_strategy_parse("nccl:any/simple", &s, err, sizeof err) == 0 && s.nccl_algo < 0 && s.nccl_proto == CC_NCCL_SIMPLE);
}

// NCCL's published figures as defaults, bandwidths from the hardware, and its ceilings.
static void defaults_and_ceilings(void) {
  cc_profile p;
  cc_profile_init(&p);
  CHECK(p.nccl[cc_nccl_param(CC_NCCL_RING, CC_NCCL_LL128, CC_NCCL_BASE_US)] == 14.0);
  CHECK(p.nccl[cc_nccl_param(CC_NCCL_TREE, CC_NCCL_SIMPLE, CC_NCCL_INTER_HOP_US)] == 14.0);
  CHECK(p.nccl[cc_nccl_param(CC_NCCL_RING, CC_NCCL_LL, CC_NCCL_INTRA_HOP_US)] == 0.6);
  CHECK(p.nccl[cc_nccl_param(CC_NCCL_NVLS, CC_NCCL_SIMPLE, CC_NCCL_INTRA_HOP_US)] == 25.0);
  CHECK(p.nccl_algos == (1u << CC_NCCL_RING | 1u << CC_NCCL_TREE));  // no NVLS without a switch figure
  const char *text = "name = h100\nintra.alpha_us = 0\nintra.beta_ns_per_byte = 0\nintra.gamma_ns_per_byte = 0\n"
                     "nvlink_GBps = 450\nnvls_GBps = 480\nnics_per_node = 8\nnic_GBps = 50\n"
                     "nccl.ring.simple.base_us = 9\n";
  char err[256];
  CHECKF(cc_profile_parse(&p, text, "h100.profile", err, sizeof err) == 0, "%s", err);
  CHECK(p.nccl_algos == (1u << CC_NCCL_RING | 1u << CC_NCCL_TREE | 1u << CC_NCCL_NVLS | 1u << CC_NCCL_NVLS_TREE));
  CHECK(p.nccl[cc_nccl_param(CC_NCCL_RING, CC_NCCL_SIMPLE, CC_NCCL_BASE_US)] == 9);
  // Ring Simple inside a node: 80% of NVLink's 450 GB/s; LL128 carries 0.92 of it; the network 80% of
  // 8 x 50 GB/s; NVLS its own figure. Ceilings: the line rates.
  int ring_s = cc_nccl_param(CC_NCCL_RING, CC_NCCL_SIMPLE, CC_NCCL_INTRA_NS_PER_BYTE);
  CHECK(fabs(p.nccl[ring_s] - 1 / 360.0) < 1e-12);
  CHECK(fabs(p.nccl[cc_nccl_param(CC_NCCL_RING, CC_NCCL_LL128, CC_NCCL_INTRA_NS_PER_BYTE)] - 1 / (360 * 0.92)) < 1e-12);
  CHECK(fabs(p.nccl[cc_nccl_param(CC_NCCL_RING, CC_NCCL_SIMPLE, CC_NCCL_NET_NS_PER_BYTE)] - 1 / 320.0) < 1e-12);
  CHECK(fabs(p.nccl[cc_nccl_param(CC_NCCL_NVLS, CC_NCCL_SIMPLE, CC_NCCL_INTRA_NS_PER_BYTE)] - 1 / 480.0) < 1e-12);
  CHECK(fabs(cc_profile_nccl_floor(&p, ring_s) - 1 / 450.0) < 1e-15);
  CHECK(fabs(cc_profile_nccl_floor(&p, ring_s + 1) - 1 / 400.0) < 1e-15);
  CHECK(cc_profile_nccl_floor(&p, cc_nccl_param(CC_NCCL_RING, CC_NCCL_SIMPLE, CC_NCCL_BASE_US)) == 0);
  // A profile may not be faster than its hardware: one line naming the key.
  const char *too_fast = "name = x\nintra.alpha_us = 0\nintra.beta_ns_per_byte = 0\nintra.gamma_ns_per_byte = 0\n"
                         "nvlink_GBps = 450\nnccl.ring.simple.intra_ns_per_byte = 0.001\n";
  CHECK(cc_profile_parse(&p, too_fast, "x.profile", err, sizeof err) != 0 &&
        strstr(err, "nccl.ring.simple.intra_ns_per_byte") && !strchr(err, '\n'));
  // At 4096 ranks on the NDR profile no pair beats the network: ring bus bandwidth <= 400 GB/s.
  CHECKF(cc_profile_parse(&p, text, "h100.profile", err, sizeof err) == 0, "%s", err);
  double t = predict(&p, "nccl", CC_ALLREDUCE, 4096, 8, 1 << 30);
  double busbw = (1 << 30) / t * 1e-3 * 2 * 4095 / 4096;
  CHECKF(busbw <= 400 * (1 + 1e-9), "4096 ranks: %.1f GB/s of bus bandwidth over 8 x 50 GB/s NICs", busbw);
}

// The time of pair (algorithm x NCCL_NPROTOS + protocol) under a profile.
static double pair_time(const cc_profile *p, int pair, cc_topology t, double n) {
  cc_cost c = {.nccl_algo = -1};
  cc_nccl_pair_cost(p, (cc_nccl_algo)(pair / CC_NCCL_NPROTOS), (cc_nccl_proto)(pair % CC_NCCL_NPROTOS), CC_ALLREDUCE, t, n, &c);
  return cc_cost_time_us(p, &c);
}

// Rows generated by a known profile (ring, tree, NVLS, NVLS-tree; 8 to 128 ranks of 8 per node; 1 KiB
// to 1 GiB) with +-1% noise. From NCCL's defaults the fit must predict every row within 4% of the
// truth and switch pairs where the truth does (within one size step): the protocol and algorithm
// switch points. Which pair a segment of the curve is labelled with is not asserted: timings alone
// cannot always tell two pairs apart (the fit may explain a segment with another pair's terms, as
// closely as the truth does), but where the curve changes course they can.
static void recovers_known_profile(void) {
  cc_profile truth;
  const char *text = "name = truth\nintra.alpha_us = 0\nintra.beta_ns_per_byte = 0\nintra.gamma_ns_per_byte = 0\n"
                     "nvlink_GBps = 450\nnvls_GBps = 480\nnics_per_node = 8\nnic_GBps = 50\n";
  char err[256];
  CHECK(cc_profile_parse(&truth, text, "truth.profile", err, sizeof err) == 0);
  cc_profile start = truth;
  // The truth differs from NCCL's defaults: slower network hops, faster NVLink hops, other bandwidths.
  for (int i = 0; i < CC_NCCL_NPARAMS; i++) {
    int k = i % CC_NCCL_NKINDS;
    double f = k == CC_NCCL_INTER_HOP_US ? 2.5 : k == CC_NCCL_INTRA_HOP_US ? 0.6 : k == CC_NCCL_BASE_US ? 1.5 : 1.15;
    truth.nccl[i] *= f;
  }
  cc_rng rng;
  cc_rng_seed(&rng, 17);
  cc_rowset rs;
  cc_rowset_init(&rs);
  enum { NRANKS = 5, NSIZES = 21 };
  const int ranks[NRANKS] = {8, 16, 32, 64, 128};
  cc_strategy s;
  cc_strategy_parse("nccl", &s, err, sizeof err);
  for (int r = 0; r < NRANKS; r++)
    for (int k = 0; k < NSIZES; k++) {
      double n = 1024.0 * (1 << k);
      double t = cc_model_time_us(&truth, &s, CC_ALLREDUCE, (cc_topology){ranks[r], 8, 0}, n) * (1 + 0.01 * (2 * cc_rng_uniform(&rng) - 1));
      cc_row row = {.source = "measured", .op = "allreduce", .strategy = "nccl", .algo = "nccl", .compress = "none",
                    .dtype = "f32", .ranks = ranks[r], .nodes = ranks[r] / 8, .ranks_per_node = 8, .bytes = (uint64_t)n,
                    .count = (uint64_t)n / 4, .time_us = t, .time_min_us = t, .time_max_us = t, .errors = 0,
                    .profile = "synthetic", .redop = "sum"};
      cc_rowset_add(&rs, &row);
    }
  cc_profile fit = start;
  cc_calib_report rep;
  CHECKF(cc_calibrate(&rs, &(cc_calib_opts){.levels = 1}, &fit, &rep, err, sizeof err) == 0, "%s", err);
  CHECK(rep.nccl_fit && !rep.host_fit && rep.nccl.rows == rs.n);
  int switches = 0;
  for (int r = 0; r < NRANKS; r++) {
    bool fit_switch[NSIZES] = {false};
    int truth_pair[NSIZES], fit_pair[NSIZES];
    for (int k = 0; k < NSIZES; k++) {
      cc_topology t = {ranks[r], 8, 0};
      double n = 1024.0 * (1 << k);
      cc_cost want, got;
      cc_model_cost(&truth, &s, CC_ALLREDUCE, t, n, &want, err, sizeof err);
      cc_model_cost(&fit, &s, CC_ALLREDUCE, t, n, &got, err, sizeof err);
      double e = fabs(cc_cost_time_us(&fit, &got) / cc_cost_time_us(&truth, &want) - 1);
      CHECKF(e < 0.04, "%d ranks, %.0f B: fitted model %.1f%% off the truth", ranks[r], n, 100 * e);
      truth_pair[k] = want.nccl_algo * CC_NCCL_NPROTOS + want.nccl_proto;
      fit_pair[k] = got.nccl_algo * CC_NCCL_NPROTOS + got.nccl_proto;
      fit_switch[k] = k > 0 && fit_pair[k] != fit_pair[k - 1];
    }
    for (int k = 1; k < NSIZES; k++) {
      if (truth_pair[k] == truth_pair[k - 1]) continue;
      // A switch between two pairs whose times stay within 3% of each other a step or two away is no
      // change of course the curve shows: nothing to recover.
      cc_topology t = {ranks[r], 8, 0};
      int before = k >= 2 ? k - 2 : 0, after = k + 1 < NSIZES ? k + 1 : k;
      double a_after = pair_time(&truth, truth_pair[k - 1], t, 1024.0 * (1 << after));
      double b_after = pair_time(&truth, truth_pair[k], t, 1024.0 * (1 << after));
      double a_before = pair_time(&truth, truth_pair[k - 1], t, 1024.0 * (1 << before));
      double b_before = pair_time(&truth, truth_pair[k], t, 1024.0 * (1 << before));
      if (a_after < 1.03 * b_after || b_before < 1.03 * a_before) continue;
      switches++;
      bool near = fit_switch[k] || fit_switch[k - 1 > 0 ? k - 1 : k] || (k + 1 < NSIZES && fit_switch[k + 1]);
      CHECKF(near, "%d ranks: the truth switches pair at %.0f B, the fit not within a size step", ranks[r], 1024.0 * (1 << k));
    }
  }
  CHECKF(switches >= NRANKS, "the truth changes course only %d times: the test says little", switches);
  cc_rowset_free(&rs);
}

int main(void) {
  pair_terms();
  defaults_and_ceilings();
  recovers_known_profile();
  return check_done("test_sim_nccl_model");
}
