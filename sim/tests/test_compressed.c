// Compressed allreduce in the cost model (sim/compressed_model.c): times worked out by hand from
// docs/cost-model.md for each path at two rank counts, the payload sizes against compress/'s own
// functions (odd counts, fewer elements than ranks), how a compressor's rates are found, and
// calibration recovering known encode/decode rates from noisy rows.
#include <math.h>

#include "common/rng.h"
#include "common/tests/check.h"
#include "compress/compressor.h"
#include "compress/powersgd.h"
#include "sim/calibrate.h"
#include "sim/compressed_model.h"
#include "sim/model.h"

static void set_rates(cc_profile *p, const char *name, double enc_us, double enc_elem, double enc_flop, double dec_us,
                      double dec_elem) {
  cc_compress_cost *c = &p->compress[p->ncompress++];
  *c = (cc_compress_cost){.encode_us = enc_us, .encode_ns_per_elem = enc_elem, .encode_ns_per_flop = enc_flop,
                          .decode_us = dec_us, .decode_ns_per_elem = dec_elem};
  snprintf(c->name, sizeof c->name, "%s", name);
}

// The links of sim/tests/test_model.c, and rates for the compressors the cases below use.
static cc_profile test_profile(void) {
  cc_profile p;
  cc_profile_init(&p);  // ring segment 1 MiB, no eager limit, no cache
  snprintf(p.name, sizeof p.name, "test");
  p.base_us = 1;
  p.link[CC_INTRA] = (cc_link){.alpha_us = 2, .beta_ns_per_byte = 0.5, .gamma_ns_per_byte = 0.25};
  p.link[CC_INTER] = (cc_link){.alpha_us = 10, .beta_ns_per_byte = 2, .gamma_ns_per_byte = 0.25};
  set_rates(&p, "int8", 3, 2, 0, 1, 0.5);
  set_rates(&p, "bf16", 0.5, 1, 0, 0.25, 0.5);
  set_rates(&p, "topk:0.01", 10, 3, 0, 2, 0.01);
  set_rates(&p, "powersgd:4", 5, 1, 0.1, 2, 0.5);
  return p;
}

static int cost_of(const cc_profile *p, const char *strategy, int ranks, int per_node, double bytes, cc_cost *c) {
  cc_strategy s;
  char err[256];
  if (cc_strategy_parse(strategy, &s, err, sizeof err) != 0 ||
      cc_model_cost(p, &s, CC_ALLREDUCE, (cc_topology){ranks, per_node, 0}, bytes, c, err, sizeof err) != 0) {
    fprintf(stderr, "%s: %s\n", strategy, err);
    return -1;
  }
  return 0;
}

#define NEAR(got, want) (fabs((got) - (double)(want)) < 1e-9 * fabs((double)(want)) + 1e-9)

// Total, encode and decode in microseconds.
#define EXPECT_SPLIT(strategy, ranks, per_node, bytes, want_total, want_encode, want_decode)                        \
  do {                                                                                                             \
    cc_cost c_;                                                                                                    \
    CHECKF(cost_of(&p, strategy, ranks, per_node, bytes, &c_) == 0, "%s has no cost", strategy);                   \
    double t_ = cc_cost_time_us(&p, &c_), e_ = cc_cost_encode_us(&p, &c_), d_ = cc_cost_decode_us(&p, &c_);        \
    CHECKF(NEAR(t_, want_total) && NEAR(e_, want_encode) && NEAR(d_, want_decode),                                 \
           "%s P=%d (%d per node), %.0f B: total/encode/decode %.6f %.6f %.6f us, want %.6f %.6f %.6f", strategy,   \
           ranks, per_node, (double)(bytes), t_, e_, d_, (double)(want_total), (double)(want_encode),              \
           (double)(want_decode));                                                                                 \
  } while (0)

static void hand_computed(void) {
  cc_profile p = test_profile();

  // int8 (allgather path), ring, n = 65536: payload 65536 + 4 x 256 scales = 66560 B. Ring's allgather
  // of P payloads: P-1 steps of one 66560 B block (one segment). Encode 3 + 65536 x 2 ns; decode of
  // P payloads 1 + P x 65536 x 0.5 ns.
  double enc = 3 + 65536 * 2e-3;
  EXPECT_SPLIT("ring+int8", 2, 2, 262144, enc + (1 + 2 + 66560 * 0.5e-3) + (1 + 2 * 32.768), enc, 1 + 2 * 32.768);
  EXPECT_SPLIT("ring+int8", 4, 4, 262144, enc + (1 + 3 * 2 + 3 * 66560 * 0.5e-3) + (1 + 4 * 32.768), enc, 1 + 4 * 32.768);
  // rd has an allgather of its own (recursive doubling, P = 4: 66560 then 133120 B); tree has none:
  // ring's.
  EXPECT_SPLIT("rd+int8", 4, 4, 262144, enc + (1 + 2 * 2 + 3 * 66560 * 0.5e-3) + (1 + 4 * 32.768), enc, 1 + 4 * 32.768);
  EXPECT_SPLIT("tree+int8", 4, 4, 262144, enc + (1 + 3 * 2 + 3 * 66560 * 0.5e-3) + (1 + 4 * 32.768), enc, 1 + 4 * 32.768);
  // hier's payloads go round one ring over both nodes: every step pays the inter-node link.
  EXPECT_SPLIT("hier:ring/ring+int8", 4, 2, 262144, enc + (1 + 3 * 10 + 3 * 66560 * 2e-3) + (1 + 4 * 32.768), enc,
               1 + 4 * 32.768);

  // bf16 (reduce path), rd, n = 1000: the algorithm's allreduce of 2000 B, one decode of the sum.
  // P = 2: one exchange. P = 6: fold in, 2 exchanges, fold out: 4 messages of 2000 B, 3 reductions.
  EXPECT_SPLIT("rd+bf16", 2, 2, 4000, 1.5 + (1 + 2 + 2000 * 0.5e-3 + 2000 * 0.25e-3) + 0.75, 1.5, 0.75);
  EXPECT_SPLIT("rd+bf16", 6, 6, 4000, 1.5 + (1 + 4 * 2 + 8000 * 0.5e-3 + 6000 * 0.25e-3) + 0.75, 1.5, 0.75);

  // topk:0.01, ring, n = 100000: k = 1000, payload 4 + 8 x 1000 = 8004 B. P = 2: one step; P = 8 on
  // 2 nodes of 4: 7 steps, all inter-node. Encode 10 + 100000 x 3 ns, decode 2 + P x 100000 x 0.01 ns.
  EXPECT_SPLIT("ring+topk:0.01", 2, 2, 400000, 310 + (1 + 2 + 8004 * 0.5e-3) + 4, 310, 4);
  EXPECT_SPLIT("ring+topk:0.01", 8, 4, 400000, 310 + (1 + 7 * 10 + 7 * 8004 * 2e-3) + 10, 310, 10);

  // powersgd:4, ring, n = 10000: a 100 x 100 matrix, factors of 100 x 4 floats = 1600 B, two ring
  // allreduces. Encode 5 + 10000 x 1 ns + (4 x 100 x 100 x 4 + 4 x 100 x 16) flops x 0.1 ns; decode
  // 2 + 10000 x 0.5 ns. Ring of 1600 B: P = 2: 2 messages, 1600 B in, 800 reduced; P = 4: 6, 2400, 1200.
  double psgd_enc = 5 + 10 + 166400 * 0.1e-3;
  EXPECT_SPLIT("ring+powersgd:4", 2, 2, 40000, psgd_enc + 2 * (1 + 2 * 2 + 1600 * 0.5e-3 + 800 * 0.25e-3) + 7, psgd_enc, 7);
  EXPECT_SPLIT("ring+powersgd:4", 4, 4, 40000, psgd_enc + 2 * (1 + 6 * 2 + 2400 * 0.5e-3 + 1200 * 0.25e-3) + 7, psgd_enc, 7);
  // 10 elements: a 3 x 4 matrix whose rank-3 factors (84 B) are larger than it (48 B): the vector
  // goes as it is, an f32 ring allreduce of 40 B, no encode, no decode.
  EXPECT_SPLIT("ring+powersgd:4", 2, 2, 40, 1 + 2 * 2 + 40 * 0.5e-3 + 20 * 0.25e-3, 0, 0);

  // A node's NIC (0.0125 GB/s x 0.8 = 100 ns/B of payload, slower than the rank's own 2 ns/B) paces
  // the payloads that cross it: int8 with ring on 2 nodes of 1 sends its one 66560 B payload across,
  // bf16 with rd on 2 nodes of 2 exchanges 2000 B at distance 2 (both ranks of a node: 4000 B through
  // the NIC) after 2000 B inside.
  p.nics_per_node = 1, p.nic_GBps = 0.0125, p.nic_efficiency = 0.8;
  EXPECT_SPLIT("ring+int8", 2, 1, 262144, enc + (1 + 10 + 66560 * 100e-3) + (1 + 2 * 32.768), enc, 1 + 2 * 32.768);
  EXPECT_SPLIT("rd+bf16", 4, 2, 4000,
               1.5 + (1 + 2 + 10 + 2000 * 0.5e-3 + 4000 * 100e-3 + 2 * 2000 * 0.25e-3) + 0.75, 1.5, 0.75);
  p.nics_per_node = 0, p.nic_GBps = 0, p.nic_efficiency = 1;
}

static void rates_lookup(void) {
  cc_profile p = test_profile();
  cc_compress_cost r;
  bool ef;
  CHECK(cc_compress_rates_of(&p, "int8", CC_COMP_INT8, &r, &ef) == CC_RATES_EXACT && !ef && r.encode_us == 3);
  // int8+ef without its own entry: int8's, plus error feedback's decode of its own payload in encode.
  CHECK(cc_compress_rates_of(&p, "int8+ef", CC_COMP_INT8, &r, &ef) == CC_RATES_NO_EF && ef);
  double enc = 3 + 65536 * 2e-3 + 65536 * 0.5e-3;
  EXPECT_SPLIT("ring+int8+ef", 2, 2, 262144, enc + (1 + 2 + 66560 * 0.5e-3) + (1 + 2 * 32.768), enc, 1 + 2 * 32.768);
  // An entry fitted with +ef already holds it.
  set_rates(&p, "int8+ef", 4, 2.5, 0, 1, 0.5);
  CHECK(cc_compress_rates_of(&p, "int8+ef", CC_COMP_INT8, &r, &ef) == CC_RATES_EXACT && !ef);
  enc = 4 + 65536 * 2.5e-3;
  EXPECT_SPLIT("ring+int8+ef", 2, 2, 262144, enc + (1 + 2 + 66560 * 0.5e-3) + (1 + 2 * 32.768), enc, 1 + 2 * 32.768);
  // The kind's entry serves every ratio.
  set_rates(&p, "topk", 1, 1, 0, 1, 1);
  CHECK(cc_compress_rates_of(&p, "topk:0.05", CC_COMP_TOPK, &r, &ef) == CC_RATES_KIND && r.encode_us == 1);
  // No entry: a reduce step's element (4 (beta + gamma) = 3 ns) per element per decoded payload, two
  // in encode, one per PowerSGD flop.
  CHECK(cc_compress_rates_of(&p, "int4", CC_COMP_INT4, &r, &ef) == CC_RATES_DEFAULT && r.encode_ns_per_elem == 6 &&
        r.decode_ns_per_elem == 3 && r.encode_ns_per_flop == 3 && r.encode_us == 0 && r.decode_us == 0);
  // int4, n = 65536: 32768 B of codes + 1024 B of scales.
  EXPECT_SPLIT("ring+int4", 2, 2, 262144, 393.216 + (1 + 2 + 33792 * 0.5e-3) + 393.216, 393.216, 393.216);
  // Uncompressed costs carry no compressor.
  cc_cost c;
  CHECK(cost_of(&p, "ring", 2, 2, 4096, &c) == 0 && !c.compress[0] && cc_cost_encode_us(&p, &c) == 0 &&
        cc_cost_decode_us(&p, &c) == 0);
  // Compressors apply to allreduce only.
  cc_strategy s;
  char err[256];
  CHECK(cc_strategy_parse("ring+int8", &s, err, sizeof err) == 0);
  CHECK(cc_model_cost(&p, &s, CC_ALLGATHER, (cc_topology){2, 2, 0}, 4096, &c, err, sizeof err) == -1 &&
        strstr(err, "allreduce only"));
}

// The layout against compress/'s functions, and the bytes the model's ring allgather receives against
// what compressed.c's allgather of padded payloads moves: (P - 1) payloads per rank.
static void payload_sizes(void) {
  const char *const names[] = {"int8", "int4", "qsgd:16", "sign", "topk:0.01", "topk:0.3,approx", "fp16", "bf16",
                               "randk:0.01", "powersgd:4", "powersgd:1"};
  const size_t counts[] = {1, 2, 3, 7, 255, 256, 257, 1000, 1023, 65537, 1 << 20};
  const int ranks[] = {2, 3, 8};
  cc_profile p = test_profile();
  for (size_t a = 0; a < sizeof names / sizeof names[0]; a++) {
    cc_compressor z;
    char err[256];
    CHECKF(cc_compressor_parse(names[a], &z, err, sizeof err) == 0, "%s: %s", names[a], err);
    for (size_t b = 0; b < sizeof counts / sizeof counts[0]; b++)
      for (size_t r = 0; r < sizeof ranks / sizeof ranks[0]; r++) {
        size_t n = counts[b];
        int P = ranks[r];
        cc_compressed_layout L;
        cc_compressed_layout_of(&z, n, 0, P, &L);
        CHECKF(L.path == cc_compressor_path(&z) && L.n == n, "%s n=%zu: path", names[a], n);
        if (L.path != CC_PATH_LOW_RANK) {
          CHECKF(L.payload_bytes == cc_compressed_bytes(&z, n), "%s n=%zu: payload %zu, compress/ says %zu", names[a], n,
                 L.payload_bytes, cc_compressed_bytes(&z, n));
        } else {
          // compressed.c's shape: cols = ceil(sqrt n), rows = ceil(n / cols), just covering n.
          size_t c = L.cols;
          CHECKF(c * c >= n && (c - 1) * (c - 1) < n && L.rows * c >= n && (L.rows - 1) * c < n,
                 "%s n=%zu: %zu x %zu", names[a], n, L.rows, c);
          size_t want = cc_powersgd_compresses(L.rows, L.cols, z.rank) ? cc_powersgd_bytes(L.rows, L.cols, z.rank)
                                                                       : cc_compressed_bytes(&z, n);
          CHECKF(L.payload_bytes == want && L.factors_sent == cc_powersgd_compresses(L.rows, L.cols, z.rank),
                 "%s n=%zu: payload %zu, want %zu", names[a], n, L.payload_bytes, want);
          CHECKF(L.rank >= 1 && L.rank <= z.rank && (size_t)L.rank <= L.rows && (size_t)L.rank <= L.cols &&
                     cc_powersgd_bytes(L.rows, L.cols, z.rank) == 4 * (size_t)L.rank * (L.rows + L.cols),
                 "%s n=%zu: rank %d", names[a], n, L.rank);
        }
        if (L.path == CC_PATH_ALLGATHER) {
          size_t words = (cc_compressed_bytes(&z, n) + 3) / 4;
          CHECKF(L.gathered_bytes == 4 * words * (size_t)P, "%s n=%zu P=%d: gathered %zu", names[a], n, P, L.gathered_bytes);
          char text[64];
          snprintf(text, sizeof text, "ring+%s", names[a]);
          cc_cost c;
          CHECKF(cost_of(&p, text, P, P, 4.0 * (double)n, &c) == 0 &&
                     cc_cost_wire_bytes(&c) == (double)(P - 1) * 4.0 * (double)words,
                 "%s n=%zu P=%d: %.0f bytes received", text, n, P, cc_cost_wire_bytes(&c));
        }
      }
  }
  // The given shape, as cctrain's per-matrix state: a 64 x 100 matrix.
  cc_compressor z;
  char err[64];
  CHECK(cc_compressor_parse("powersgd:4", &z, err, sizeof err) == 0);
  cc_compressed_layout L;
  cc_compressed_layout_of(&z, 6400, 100, 2, &L);
  CHECK(L.rows == 64 && L.cols == 100 && L.rank == 4 && L.payload_bytes == cc_powersgd_bytes(64, 100, 4));
}

// Calibration: rows generated from known links and rates, each phase perturbed by up to +-3%; the
// links come from uncompressed rows, then every compressor's encode and decode rates within 5%.
static void calibration(void) {
  cc_profile truth = test_profile();
  truth.link[CC_INTER] = truth.link[CC_INTRA];
  truth.single_level = true;
  truth.ncompress = 0;
  set_rates(&truth, "int8", 30, 7.5, 0, 5, 0.3);
  set_rates(&truth, "bf16", 8, 0.6, 0, 4, 0.4);
  set_rates(&truth, "topk:0.01", 50, 6, 0, 10, 0.08);
  set_rates(&truth, "powersgd:4", 20, 2, 0.4, 15, 4);
  cc_rng rng;
  cc_rng_seed(&rng, 7);
  cc_rowset rs;
  cc_rowset_init(&rs);
  const char *const strategies[] = {"ring", "rd", "ring+int8", "rd+int8", "ring+bf16", "rd+bf16", "ring+topk:0.01",
                                    "rd+topk:0.01", "ring+powersgd:4", "rd+powersgd:4"};
  for (int k = 0; k < 10; k++)
    for (int P = 2; P <= 4; P += 2)
      for (double n = 65536; n <= 16 * 1048576; n *= 2)
        for (int sweep = 0; sweep < 3; sweep++) {
          cc_strategy s;
          char err[256];
          cc_cost c;
          CHECK(cc_strategy_parse(strategies[k], &s, err, sizeof err) == 0);
          CHECK(cc_model_cost(&truth, &s, CC_ALLREDUCE, (cc_topology){P, P, 0}, n, &c, err, sizeof err) == 0);
          double noise[3];
          for (int q = 0; q < 3; q++) noise[q] = 1 + 0.03 * (2 * cc_rng_uniform(&rng) - 1);
          double enc = cc_cost_encode_us(&truth, &c) * noise[0], dec = cc_cost_decode_us(&truth, &c) * noise[2];
          double comm = (cc_cost_time_us(&truth, &c) - cc_cost_encode_us(&truth, &c) - cc_cost_decode_us(&truth, &c)) * noise[1];
          cc_row row = {.source = "measured", .op = "allreduce", .strategy = s.name, .algo = s.algo_name,
                        .compress = s.compress, .dtype = "f32", .ranks = P, .nodes = 1, .ranks_per_node = P,
                        .bytes = (uint64_t)n, .count = (uint64_t)n / 4, .time_us = enc + comm + dec, .errors = -1,
                        .profile = sweep == 0 ? "synthetic-0" : sweep == 1 ? "synthetic-1" : "synthetic-2", .encode_us = enc, .comm_us = comm, .decode_us = dec, .rel_err = -1};
          row.time_min_us = row.time_max_us = row.time_us;
          cc_rowset_add(&rs, &row);
        }
  cc_profile fit;
  cc_profile_init(&fit);
  fit.ranks_per_node = 4;
  cc_calib_opts o = {.levels = 1, .cache_bytes = UINT64_MAX, .eager_bytes = UINT64_MAX};
  cc_calib_report rep;
  char err[256];
  CHECKF(cc_calibrate(&rs, &o, &fit, &rep, err, sizeof err) == 0, "%s", err);
  CHECKF(rep.rows_fit == 2 * 2 * 9 * 3, "%zu rows drove the link fit, want the 108 uncompressed ones", rep.rows_fit);
  CHECKF(rep.ncompress == 4 && fit.ncompress == 4, "%d compressors fitted", rep.ncompress);
  for (int i = 0; i < truth.ncompress; i++) {
    const cc_compress_cost *want = &truth.compress[i], *got = cc_profile_compress(&fit, want->name);
    CHECKF(got != NULL, "%s not fitted", want->name);
    if (!got) continue;
    double w[5] = {want->encode_us, want->encode_ns_per_elem, want->encode_ns_per_flop, want->decode_us, want->decode_ns_per_elem};
    double g[5] = {got->encode_us, got->encode_ns_per_elem, got->encode_ns_per_flop, got->decode_us, got->decode_ns_per_elem};
    const char *what[5] = {"encode_us", "encode_ns_per_elem", "encode_ns_per_flop", "decode_us", "decode_ns_per_elem"};
    // PowerSGD's flops on a near-square matrix are 16 n + 64 sqrt(n) for q = 4: nearly a multiple of
    // its elements, so rows of one rank q cannot tell the two encode rates apart (docs/cost-model.md).
    // What they do fix is the encode time at the sizes measured.
    bool low_rank = strncmp(want->name, "powersgd", 8) == 0;
    for (int j = low_rank ? 3 : 0; j < 5; j++)
      CHECKF(fabs(g[j] - w[j]) <= 0.05 * w[j] + 1e-12, "%s %s: fitted %.6g, true %.6g", want->name, what[j], g[j], w[j]);
    for (double n = 65536; low_rank && n <= 16 * 1048576; n *= 16) {
      cc_cost c;
      CHECK(cost_of(&truth, "ring+powersgd:4", 2, 2, n, &c) == 0);
      double t_want = cc_cost_encode_us(&truth, &c), t_got = cc_cost_encode_us(&fit, &c);
      CHECKF(fabs(t_got - t_want) <= 0.03 * t_want, "powersgd:4 encode of %.0f B: fitted rates give %.3f us, true %.3f",
             n, t_got, t_want);
    }
  }
  cc_rowset_free(&rs);
}

int main(void) {
  hand_computed();
  rates_lookup();
  payload_sizes();
  calibration();
  return check_done("sim_compressed");
}
