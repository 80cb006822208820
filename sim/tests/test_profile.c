// Profile files: every field parsed, every error named by file, line and key, writing round-trips,
// and the shipped profiles parse.
#include <math.h>

#include "common/tests/check.h"
#include "sim/profile.h"

static const char *full =
    "# a comment line\n"
    "name = lab-cluster\n"
    "source = made up; see nccl-tests#212   # trailing comment\n"
    "ranks_per_node = 8\n"
    "nodes = 16\n"
    "base_us = 6.5\n"
    "intra.alpha_us = 0.6\n"
    "intra.beta_ns_per_byte = 0.00274\n"
    "intra.gamma_ns_per_byte = 0.001\n"
    "inter.alpha_us = 2.7\n"
    "inter.beta_ns_per_byte = 0.0213\n"
    "inter.gamma_ns_per_byte = 0.002\n"
    "ring_segment_bytes = 2M\n"
    "tree_chunk_bytes = 64K\n"
    "mpi_rd_max_bytes = 8192\n"
    "compress.int8.encode_ns_per_elem = 0.5\n"
    "compress.int8.decode_ns_per_elem = 0.25\n";

static int parse(const char *text, cc_profile *p, char *err, size_t len) {
  err[0] = '\0';
  return cc_profile_parse(p, text, "t.profile", err, len);
}

// Parsing must fail with a message containing every fragment.
static void expect_error(const char *text, const char *frag1, const char *frag2) {
  cc_profile p;
  char err[512];
  int rc = parse(text, &p, err, sizeof err);
  CHECKF(rc != 0, "accepted: %s", text);
  CHECKF(strstr(err, frag1) && (!frag2 || strstr(err, frag2)), "error '%s' lacks '%s'/'%s'", err, frag1,
         frag2 ? frag2 : "");
}

int main(void) {
  cc_profile p;
  char err[512];
  CHECKF(parse(full, &p, err, sizeof err) == 0, "%s", err);
  CHECK_STREQ(p.name, "lab-cluster");
  CHECK_STREQ(p.source, "made up; see nccl-tests#212");
  CHECK(p.ranks_per_node == 8 && p.nodes == 16 && p.base_us == 6.5 && !p.single_level);
  CHECK(p.link[CC_INTRA].alpha_us == 0.6 && p.link[CC_INTRA].beta_ns_per_byte == 0.00274 &&
        p.link[CC_INTRA].gamma_ns_per_byte == 0.001);
  CHECK(p.link[CC_INTER].alpha_us == 2.7 && p.link[CC_INTER].beta_ns_per_byte == 0.0213 &&
        p.link[CC_INTER].gamma_ns_per_byte == 0.002);
  CHECK(p.ring_segment_bytes == 2u << 20 && p.tree_chunk_bytes == 64u << 10 && p.mpi_rd_max_bytes == 8192);
  const cc_compress_cost *int8 = cc_profile_compress(&p, "int8");
  CHECK(int8 && int8->encode_ns_per_elem == 0.5 && int8->decode_ns_per_elem == 0.25);
  CHECK(cc_profile_compress(&p, "topk") == NULL);

  // One level: inter copies intra; defaults for the rest.
  const char *one = "name = host\nintra.alpha_us = 1\nintra.beta_ns_per_byte = 0.3\nintra.gamma_ns_per_byte = 0.1\n";
  CHECKF(parse(one, &p, err, sizeof err) == 0, "%s", err);
  CHECK(p.single_level && p.link[CC_INTER].alpha_us == 1 && p.link[CC_INTER].beta_ns_per_byte == 0.3 &&
        p.link[CC_INTER].gamma_ns_per_byte == 0.1);
  CHECK(p.ranks_per_node == 1 && p.nodes == 1 && p.ring_segment_bytes == 1u << 20 && p.tree_chunk_bytes == 256u << 10);

  expect_error("name = x\nintra.alpha_us = 1\nintra.beta_ns_per_byte = 1\nintra.gamma_ns_per_byte = 0\n"
               "inter.alpha_us = 3\n", "inter.alpha_us", "or none");
  expect_error("name = x\nwarp_factor = 9\n", "t.profile:2:", "warp_factor");
  expect_error("name = x\nname = y\n", "t.profile:2:", "set twice");
  expect_error("name = x\nintra.alpha_us = -1\n", "t.profile:2:", "negative");
  expect_error("name = x\nintra.alpha_us = fast\n", "intra.alpha_us", "not a number");
  expect_error("name = x\nnodes = 0\n", "t.profile:2:", "nodes");
  expect_error("name = x\njust some words\n", "t.profile:2:", "key = value");
  expect_error("intra.alpha_us = 1\nintra.beta_ns_per_byte = 1\nintra.gamma_ns_per_byte = 0\n", "t.profile", "name");
  expect_error("name = x\nintra.alpha_us = 1\nintra.gamma_ns_per_byte = 0\n", "t.profile", "intra.beta_ns_per_byte");
  expect_error("name = x\ncompress.int8.speed = 1\n", "t.profile:2:", "encode_ns_per_elem");

  // Write, read back: same values (to %.6g), no .partial left behind.
  CHECK(parse(full, &p, err, sizeof err) == 0);
  const char *dir = make_test_dir("test_profile");
  char path[512], partial[520];
  snprintf(path, sizeof path, "%s/out.profile", dir);
  snprintf(partial, sizeof partial, "%s.partial", path);
  CHECK(cc_profile_write(&p, path, "written by test_profile\nsecond comment line") == 0);
  CHECK(!file_exists(partial));
  cc_profile q;
  CHECKF(cc_profile_read(&q, path, err, sizeof err) == 0, "%s", err);
  CHECK_STREQ(q.name, p.name);
  CHECK_STREQ(q.source, p.source);
  CHECK(q.ranks_per_node == p.ranks_per_node && q.nodes == p.nodes && q.single_level == p.single_level);
  CHECK(fabs(q.base_us - p.base_us) < 1e-6);
  for (int l = 0; l < CC_NLEVELS; l++)
    CHECK(fabs(q.link[l].alpha_us - p.link[l].alpha_us) < 1e-6 * p.link[l].alpha_us &&
          fabs(q.link[l].beta_ns_per_byte - p.link[l].beta_ns_per_byte) < 1e-6 * p.link[l].beta_ns_per_byte &&
          fabs(q.link[l].gamma_ns_per_byte - p.link[l].gamma_ns_per_byte) < 1e-6 * p.link[l].gamma_ns_per_byte);
  CHECK(q.ring_segment_bytes == p.ring_segment_bytes && q.tree_chunk_bytes == p.tree_chunk_bytes &&
        q.mpi_rd_max_bytes == p.mpi_rd_max_bytes && q.ncompress == 1);
  remove_test_dir(dir);

  CHECK(cc_profile_read(&q, "no/such/file.profile", err, sizeof err) != 0 && strstr(err, "no/such/file.profile"));

  // The shipped profiles parse.
  const char *shipped[] = {"c-kernels-2c", "dgx-h100", "h100-ib-cluster"};
  for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
    snprintf(path, sizeof path, "%s/profiles/%s.profile", CC_SOURCE_DIR, shipped[i]);
    CHECKF(cc_profile_read(&q, path, err, sizeof err) == 0, "%s", err);
    CHECK_STREQ(q.name, shipped[i]);
    CHECKF(q.link[CC_INTRA].beta_ns_per_byte > 0, "%s: no bandwidth", shipped[i]);
  }
  return check_done("test_sim_profile");
}
