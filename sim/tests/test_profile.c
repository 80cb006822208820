// Profile files: every field parsed, comments cut only where they start, every error named by file,
// line and key, writing round-trips, and the shipped profiles parse and say what their sources say.
#include <math.h>
#include <stdint.h>

#include "common/tests/check.h"
#include "sim/profile.h"

// Every key, with comment lines, a blank line, a tab before a comment, a CRLF line ending and a '#'
// inside the source value that must survive.
static const char *full =
    "# a comment line\n"
    "\n"
    "name = lab-cluster\n"
    "source = made up for the test; see nccl-tests#212   # this part is a comment\n"
    "ranks_per_node = 8\n"
    "  nodes = 16\t# indented, tab before the comment\n"
    "base_us = 6.5\r\n"
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
    "compress.int8.decode_ns_per_elem = 0.25\n"
    "compress.topk.encode_ns_per_elem = 3\n";

// The three intra keys, to append to texts that test something else.
#define INTRA "intra.alpha_us = 1\nintra.beta_ns_per_byte = 0.3\nintra.gamma_ns_per_byte = 0.1\n"

static int parse(cc_profile *p, const char *text, char *err, size_t len) {
  err[0] = '\0';
  return cc_profile_parse(p, text, "t.profile", err, len);
}

// Parsing must return -1 with every given fragment (up to three, NULL ends) in the message.
static void expect_error(int line, const char *text, const char *a, const char *b, const char *c) {
  cc_profile p;
  char err[512];
  int rc = parse(&p, text, err, sizeof err);
  CHECKF(rc == -1, "line %d: rc %d for:\n%s", line, rc, text);
  const char *frags[] = {a, b, c};
  for (int i = 0; i < 3; i++)
    CHECKF(!frags[i] || strstr(err, frags[i]), "line %d: error '%s' lacks '%s'", line, err, frags[i]);
}
#define EXPECT_ERROR(text, a, b, c) expect_error(__LINE__, text, a, b, c)

// Equal to what "%.6g" keeps (half a unit in the 6th significant digit).
static bool same6(double got, double want) { return fabs(got - want) <= 5e-6 * fabs(want); }

static bool same_link6(const cc_link *a, const cc_link *b) {
  return same6(a->alpha_us, b->alpha_us) && same6(a->beta_ns_per_byte, b->beta_ns_per_byte) &&
         same6(a->gamma_ns_per_byte, b->gamma_ns_per_byte);
}

static bool same_link(const cc_link *a, const cc_link *b) {
  return a->alpha_us == b->alpha_us && a->beta_ns_per_byte == b->beta_ns_per_byte &&
         a->gamma_ns_per_byte == b->gamma_ns_per_byte;
}

static void parse_every_field(void) {
  cc_profile p;
  char err[512];
  CHECKF(parse(&p, full, err, sizeof err) == 0, "%s", err);
  CHECK_STREQ(p.name, "lab-cluster");
  CHECK_STREQ(p.source, "made up for the test; see nccl-tests#212");
  CHECKF(p.ranks_per_node == 8 && p.nodes == 16, "shape %d x %d", p.ranks_per_node, p.nodes);
  CHECKF(p.base_us == 6.5, "base_us %g", p.base_us);
  CHECKF(!p.single_level, "two levels given");
  const cc_link *in = &p.link[CC_INTRA], *out = &p.link[CC_INTER];
  CHECKF(in->alpha_us == 0.6 && in->beta_ns_per_byte == 0.00274 && in->gamma_ns_per_byte == 0.001, "intra %g %g %g",
         in->alpha_us, in->beta_ns_per_byte, in->gamma_ns_per_byte);
  CHECKF(out->alpha_us == 2.7 && out->beta_ns_per_byte == 0.0213 && out->gamma_ns_per_byte == 0.002, "inter %g %g %g",
         out->alpha_us, out->beta_ns_per_byte, out->gamma_ns_per_byte);
  CHECKF(p.ring_segment_bytes == 2u << 20 && p.tree_chunk_bytes == 64u << 10 && p.mpi_rd_max_bytes == 8192,
         "sizes %llu %llu %llu", (unsigned long long)p.ring_segment_bytes, (unsigned long long)p.tree_chunk_bytes,
         (unsigned long long)p.mpi_rd_max_bytes);

  // Compressor costs: stored under their names, looked up by name, missing half left at 0.
  CHECKF(p.ncompress == 2, "%d compressors", p.ncompress);
  const cc_compress_cost *int8 = cc_profile_compress(&p, "int8"), *topk = cc_profile_compress(&p, "topk");
  CHECKF(int8 && strcmp(int8->name, "int8") == 0 && int8->encode_ns_per_elem == 0.5 && int8->decode_ns_per_elem == 0.25,
         "int8 costs");
  CHECKF(topk && topk->encode_ns_per_elem == 3 && topk->decode_ns_per_elem == 0, "topk costs");
  CHECKF(int8 >= p.compress && int8 < p.compress + p.ncompress, "lookup points into the profile");
  CHECKF(cc_profile_compress(&p, "fp16") == NULL && cc_profile_compress(&p, "int") == NULL, "no such compressor");

  CHECK_STREQ(cc_level_name(CC_INTRA), "intra");
  CHECK_STREQ(cc_level_name(CC_INTER), "inter");
}

static void one_level_and_defaults(void) {
  cc_profile p;
  char err[512];
  CHECKF(parse(&p, "name = host\n" INTRA, err, sizeof err) == 0, "%s", err);
  CHECKF(p.single_level, "no inter.* keys: one level");
  CHECKF(same_link(&p.link[CC_INTER], &p.link[CC_INTRA]), "inter copies intra");
  CHECKF(p.link[CC_INTRA].alpha_us == 1 && p.link[CC_INTRA].beta_ns_per_byte == 0.3 &&
             p.link[CC_INTRA].gamma_ns_per_byte == 0.1,
         "intra as given");
  CHECKF(p.ranks_per_node == 1 && p.nodes == 1 && p.base_us == 0 && p.source[0] == '\0' && p.ncompress == 0,
         "defaults for the optional keys");
  CHECKF(p.ring_segment_bytes == 1u << 20 && p.tree_chunk_bytes == 256u << 10 && p.mpi_rd_max_bytes == 10000,
         "ccbench's default cuts");
  // The largest size, as calibrate writes for "mpi never switches to ring".
  CHECKF(parse(&p, "name = h\nmpi_rd_max_bytes = 18446744073709551615\n" INTRA, err, sizeof err) == 0 &&
             p.mpi_rd_max_bytes == UINT64_MAX,
         "%s", err);
}

static void comments(void) {
  cc_profile p;
  char err[512];
  CHECKF(parse(&p, "name = a\nsource = a#b\n" INTRA, err, sizeof err) == 0 && strcmp(p.source, "a#b") == 0,
         "'#' inside a value");
  CHECKF(parse(&p, "name = a #b\n" INTRA, err, sizeof err) == 0 && strcmp(p.name, "a") == 0, "got '%s'", p.name);
  CHECKF(parse(&p, "name = a\t#b\n" INTRA, err, sizeof err) == 0 && strcmp(p.name, "a") == 0, "got '%s'", p.name);
  CHECKF(parse(&p, "#name = z\n   # indented comment\nname = y\n" INTRA, err, sizeof err) == 0 &&
             strcmp(p.name, "y") == 0,
         "commented-out key is no duplicate: %s", err);
  // A value that is all comment is no value.
  EXPECT_ERROR("name = # nothing\n" INTRA, "t.profile:1:", "key = value", NULL);
}

// Issue 18 item 8: values strtod reads but no person means, compress.* keys no lookup can find, lists
// with an empty item, names the rows and plots cannot carry.
static void strict_values(void) {
  const char *numbers[] = {"0x10", "0x1p3", "1e", "1e+", ".", "+", "nan", "-inf", "infinity", "1,5", "2 3", "1e400"};
  for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
    char text[256];
    snprintf(text, sizeof text, "name = x\nbase_us = %s\n" INTRA, numbers[i]);
    EXPECT_ERROR(text, "t.profile:2:", "'base_us'", "not a number");
    snprintf(text, sizeof text, "name = x\n" INTRA "compress.int8.encode_us = %s\n", numbers[i]);
    EXPECT_ERROR(text, "t.profile:5:", "'compress.int8.encode_us'", "not a number");
  }
  EXPECT_ERROR("name = x\nnodes = 0x10\n" INTRA, "t.profile:2:", "'nodes'", "positive integer");
  EXPECT_ERROR("name = x\nnics_per_node = 1e1\nnic_GBps = 50\n" INTRA, "t.profile:2:", "'nics_per_node'", NULL);
  // The NICs' payload share is a share: above 1 a link would carry more than its rate.
  EXPECT_ERROR("name = x\nnics_per_node = 1\nnic_GBps = 50\nnic_efficiency = 1.2\n" INTRA, "t.profile", "nic_efficiency",
               "(0, 1]");
  EXPECT_ERROR("name = x\nnics_per_node = 1\nnic_GBps = 50\nnic_efficiency = 0\n" INTRA, "t.profile", "nic_efficiency",
               "(0, 1]");
  EXPECT_ERROR("name = x\ncache_bytes = 0x10\n" INTRA, "t.profile:2:", "'cache_bytes'", "not a size");

  // compress.<name>: a compressor as a strategy spells it (canonical), or its kind alone.
  EXPECT_ERROR("name = x\ncompress.zstd.encode_ns_per_elem = 1\n" INTRA, "t.profile:2:",
               "'compress.zstd.encode_ns_per_elem'", "unknown compressor 'zstd'");
  EXPECT_ERROR("name = x\ncompress.topk:0.010.encode_us = 1\n" INTRA, "t.profile:2:", "'compress.topk:0.010.encode_us'",
               "'topk:0.01'");
  EXPECT_ERROR("name = x\ncompress.topk+ef.encode_us = 1\n" INTRA, "t.profile:2:", "'compress.topk+ef.encode_us'",
               "needs a ratio");
  EXPECT_ERROR("name = x\ncompress.qsgd:4+ef.encode_us = 1\n" INTRA, "t.profile:2:", "at least 16 levels", NULL);
  cc_profile p;
  char err[512];
  CHECKF(parse(&p, "name = x\ncompress.topk.encode_us = 1\ncompress.topk:0.01,approx+ef.encode_us = 2\n"
                   "compress.powersgd:4.encode_ns_per_flop = 3\n" INTRA, err, sizeof err) == 0 &&
             p.ncompress == 3,
         "kinds and canonical spellings: %s", err);

  // NCCL lists: comma-separated, blanks around an item allowed, no empty item.
  const char *lists[] = {"ring,,tree", "ring,", ",ring", "ring tree", " , "};
  for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
    char text[256];
    snprintf(text, sizeof text, "name = x\nnccl.algorithms = %s\n" INTRA, lists[i]);
    EXPECT_ERROR(text, "t.profile:2:", "'nccl.algorithms'", "comma-separated");
  }
  EXPECT_ERROR("name = x\nnccl.protocols = ll,,simple\n" INTRA, "t.profile:2:", "'nccl.protocols'", NULL);
  CHECKF(parse(&p, "name = x\nnccl.algorithms = ring , Tree,nvls\nnccl.protocols = LL128\n" INTRA, err, sizeof err) == 0 &&
             p.nccl_algos == (1u << CC_NCCL_RING | 1u << CC_NCCL_TREE | 1u << CC_NCCL_NVLS) &&
             p.nccl_protos == 1u << CC_NCCL_LL128,
         "blanks around items and NCCL's spellings: %s", err);

  // Names: what rows, profile files and plot titles all carry unchanged (cc_name_check).
  EXPECT_ERROR("name = a\"b\n" INTRA, "t.profile:1:", "'name'", "'\"' at character 2");
  EXPECT_ERROR("name = my host\n" INTRA, "t.profile:1:", "'name'", "a blank at character 3");
  EXPECT_ERROR("name = a,b\n" INTRA, "t.profile:1:", "'name'", "','");
  EXPECT_ERROR("name = a\\b\n" INTRA, "t.profile:1:", "'name'", NULL);
  EXPECT_ERROR("name = a\x01" "b\n" INTRA, "t.profile:1:", "'name'", "byte 0x01");
  CHECKF(parse(&p, "name = node01.cluster_A-h100+ib:2@site\n" INTRA, err, sizeof err) == 0, "%s", err);
}

static void errors(void) {
  // Partial inter.*: all three or none.
  EXPECT_ERROR("name = x\n" INTRA "inter.alpha_us = 3\n", "t.profile", "inter.beta_ns_per_byte", "or none");
  EXPECT_ERROR("name = x\n" INTRA "inter.beta_ns_per_byte = 0.02\n", "t.profile", "inter.alpha_us", "or none");
  EXPECT_ERROR("name = x\n" INTRA "inter.alpha_us = 3\ninter.gamma_ns_per_byte = 0\n", "t.profile", "or none", NULL);

  // Line numbers count comment and blank lines.
  EXPECT_ERROR("# header\n\nname = x\nwarp_factor = 9\n" INTRA, "t.profile:4:", "unknown key", "'warp_factor'");
  EXPECT_ERROR("name = x\nintra.alpha = 1\n" INTRA, "t.profile:2:", "'intra.alpha'", NULL);
  EXPECT_ERROR("name = x\nintra\n", "t.profile:2:", "key = value", NULL);
  EXPECT_ERROR("name = x\n" INTRA "intra.alpha_us = 2\n", "t.profile:5:", "'intra.alpha_us'", "twice");
  EXPECT_ERROR("name = x\nname = y\n" INTRA, "t.profile:2:", "'name'", "twice");
  EXPECT_ERROR("name = x\nintra.beta_ns_per_byte = -0.3\n", "t.profile:2:", "'intra.beta_ns_per_byte'", "negative");
  EXPECT_ERROR("name = x\nmpi_decision = intel\n" INTRA, "t.profile:2:", "'mpi_decision'", "openmpi, mpich, switch");
  EXPECT_ERROR("name = x\nbase_us = -1\n" INTRA, "t.profile:2:", "'base_us'", "negative");
  EXPECT_ERROR("name = x\n" INTRA "inter.gamma_ns_per_byte = -1e-3\n", "t.profile:5:", "'inter.gamma_ns_per_byte'",
               "negative");
  EXPECT_ERROR("name = x\nintra.alpha_us = fast\n", "t.profile:2:", "'intra.alpha_us'", "not a number");
  EXPECT_ERROR("name = x\nbase_us = 6.5us\n" INTRA, "t.profile:2:", "'base_us'", "not a number");
  EXPECT_ERROR("name = x\nbase_us = inf\n" INTRA, "t.profile:2:", "'base_us'", "not a number");
  EXPECT_ERROR("name = x\nnodes = 0\n" INTRA, "t.profile:2:", "'nodes'", NULL);
  EXPECT_ERROR("name = x\nranks_per_node = 2.5\n" INTRA, "t.profile:2:", "'ranks_per_node'", NULL);
  EXPECT_ERROR("name = x\nring_segment_bytes = 1X\n" INTRA, "t.profile:2:", "'ring_segment_bytes'", "not a size");
  EXPECT_ERROR("name = x\ntree_chunk_bytes = 0\n" INTRA, "t.profile", "tree_chunk_bytes", "positive");
  EXPECT_ERROR("name = x\njust some words\n", "t.profile:2:", "key = value", NULL);
  EXPECT_ERROR("name = x\n= 3\n", "t.profile:2:", "key = value", NULL);

  // Missing required keys: named, with the file.
  EXPECT_ERROR(INTRA, "t.profile", "missing 'name'", NULL);
  EXPECT_ERROR("name = x\nintra.alpha_us = 1\nintra.gamma_ns_per_byte = 0\n", "t.profile", "intra.beta_ns_per_byte",
               NULL);
  EXPECT_ERROR("name = x\nintra.beta_ns_per_byte = 1\nintra.gamma_ns_per_byte = 0\n", "t.profile", "intra.alpha_us",
               NULL);
  EXPECT_ERROR("name = x\nintra.alpha_us = 1\nintra.beta_ns_per_byte = 1\n", "t.profile", "intra.gamma_ns_per_byte",
               NULL);
  char long_name[200];
  snprintf(long_name, sizeof long_name, "name = %070d\n" INTRA, 7);
  EXPECT_ERROR(long_name, "t.profile:1:", "too long", NULL);

  // Compressor keys.
  EXPECT_ERROR("name = x\ncompress.int8.speed = 1\n" INTRA, "t.profile:2:", "'compress.int8.speed'", "encode_ns_per_elem");
  EXPECT_ERROR("name = x\ncompress.int8 = 1\n" INTRA, "t.profile:2:", "'compress.int8'", NULL);
  EXPECT_ERROR("name = x\ncompress..encode_ns_per_elem = 1\n" INTRA, "t.profile:2:", NULL, NULL);
  EXPECT_ERROR("name = x\ncompress.int8.decode_ns_per_elem = -2\n" INTRA, "t.profile:2:", "negative", NULL);
  // Sixteen compressors fit; the seventeenth does not.
  char many[4096] = "name = x\n" INTRA;
  for (int i = 0; i < CC_PROFILE_MAX_COMPRESS; i++) {
    size_t len = strlen(many);
    snprintf(many + len, sizeof many - len, "compress.qsgd:%d.encode_ns_per_elem = %d\n", i + 1, i);
  }
  cc_profile p;
  char err[512];
  CHECKF(parse(&p, many, err, sizeof err) == 0 && p.ncompress == CC_PROFILE_MAX_COMPRESS &&
             cc_profile_compress(&p, "qsgd:16") && cc_profile_compress(&p, "qsgd:16")->encode_ns_per_elem == 15,
         "16 compressors: %s", err);
  size_t len = strlen(many);
  snprintf(many + len, sizeof many - len, "compress.qsgd:17.encode_ns_per_elem = 1\n");
  EXPECT_ERROR(many, "t.profile:21:", "too many compressors", NULL);

  strict_values();
  char msg[512];
  CHECKF(cc_profile_read(&p, "no/such/file.profile", msg, sizeof msg) == -1 && strstr(msg, "no/such/file.profile"),
         "missing file: %s", msg);
}

static void round_trip(void) {
  cc_profile p, q;
  char err[512];
  CHECKF(parse(&p, full, err, sizeof err) == 0, "%s", err);
  // Values with more digits than the file keeps, to see the precision.
  p.link[CC_INTRA].beta_ns_per_byte = 1.0 / 365;
  p.link[CC_INTER].beta_ns_per_byte = 1.0 / 47;
  p.link[CC_INTER].alpha_us = 2.0 / 3;
  p.base_us = 1234567.891;
  p.mpi_decision = CC_MPI_SWITCH;
  p.mpi_rd_max_bytes = UINT64_MAX;
  p.mpi_base_us = 1.0 / 3;
  p.mpi_gamma_ns_per_byte = 0.125;
  p.cache_bytes = 24u << 20;
  p.mem_ns_per_byte = 1.0 / 7;
  p.fault_ns_per_byte = 0.85;
  p.mmap_threshold_bytes = 16u << 20;
  p.nics_per_node = 8, p.nic_GBps = 50, p.nic_efficiency = 1.0 / 1.1;
  // A source with '#' after a space: the comment rule would cut it if written as is.
  snprintf(p.source, sizeof p.source, "calibrated from run #3 and\nissue #12 logs");

  const char *dir = make_test_dir("test_profile");
  char path[512], partial[600];
  snprintf(path, sizeof path, "%s/out.profile", dir);
  snprintf(partial, sizeof partial, "%s.partial", path);
  CHECKF(cc_profile_write(&p, path, "written by test_profile\nsecond line") == 0, "write %s", path);
  CHECKF(!file_exists(partial), "%s left behind", partial);
  char *text = read_text(path);
  CHECKF(text && strncmp(text, "# written by test_profile\n# second line\n", 40) == 0, "comment lines lead:\n%s",
         text ? text : "(none)");
  free(text);

  CHECKF(cc_profile_read(&q, path, err, sizeof err) == 0, "%s", err);
  CHECK_STREQ(q.name, p.name);
  CHECK_STREQ(q.source, "calibrated from run#3 and issue#12 logs");
  CHECKF(q.cache_bytes == p.cache_bytes && q.mmap_threshold_bytes == p.mmap_threshold_bytes &&
             same6(q.mem_ns_per_byte, p.mem_ns_per_byte) && same6(q.fault_ns_per_byte, p.fault_ns_per_byte),
         "memory terms: %llu %llu %.9g %.9g", (unsigned long long)q.cache_bytes,
         (unsigned long long)q.mmap_threshold_bytes, q.mem_ns_per_byte, q.fault_ns_per_byte);
  CHECKF(q.ranks_per_node == p.ranks_per_node && q.nodes == p.nodes && q.single_level == p.single_level, "shape");
  CHECKF(q.nics_per_node == 8 && same6(q.nic_GBps, p.nic_GBps) && same6(q.nic_efficiency, p.nic_efficiency),
         "network: %d x %.9g GB/s, payload share %.9g", q.nics_per_node, q.nic_GBps, q.nic_efficiency);
  CHECKF(same6(q.base_us, p.base_us), "base_us %.9g vs %.9g", q.base_us, p.base_us);
  for (int l = 0; l < CC_NLEVELS; l++)
    CHECKF(same_link6(&q.link[l], &p.link[l]), "%s link: %.9g %.9g %.9g vs %.9g %.9g %.9g", cc_level_name((cc_level)l),
           q.link[l].alpha_us, q.link[l].beta_ns_per_byte, q.link[l].gamma_ns_per_byte, p.link[l].alpha_us,
           p.link[l].beta_ns_per_byte, p.link[l].gamma_ns_per_byte);
  CHECKF(q.ring_segment_bytes == p.ring_segment_bytes && q.tree_chunk_bytes == p.tree_chunk_bytes &&
             q.mpi_rd_max_bytes == p.mpi_rd_max_bytes,
         "sizes");
  CHECKF(q.mpi_decision == p.mpi_decision && same6(q.mpi_base_us, p.mpi_base_us) &&
             same6(q.mpi_gamma_ns_per_byte, p.mpi_gamma_ns_per_byte),
         "mpi model: %s %.9g %.9g", cc_mpi_decision_name(q.mpi_decision), q.mpi_base_us, q.mpi_gamma_ns_per_byte);
  CHECKF(q.ncompress == p.ncompress, "%d compressors back, %d written", q.ncompress, p.ncompress);
  for (int i = 0; i < p.ncompress && i < q.ncompress; i++) {
    const cc_compress_cost *c = cc_profile_compress(&q, p.compress[i].name);
    CHECKF(c && same6(c->encode_ns_per_elem, p.compress[i].encode_ns_per_elem) &&
               same6(c->decode_ns_per_elem, p.compress[i].decode_ns_per_elem),
           "compressor %s", p.compress[i].name);
  }

  // A one-level profile stays one level (no inter.* lines written).
  CHECK(parse(&p, "name = host\n" INTRA, err, sizeof err) == 0);
  CHECK(cc_profile_write(&p, path, NULL) == 0);
  CHECKF(cc_profile_read(&q, path, err, sizeof err) == 0, "%s", err);
  CHECKF(q.single_level && same_link(&q.link[CC_INTER], &q.link[CC_INTRA]) &&
             same_link6(&q.link[CC_INTRA], &p.link[CC_INTRA]),
         "one level after the round trip");
  text = read_text(path);
  CHECKF(text && !strstr(text, "inter.") && text[0] != '#', "one-level file, no comment:\n%s", text ? text : "");
  free(text);
  CHECKF(!file_exists(partial), "%s left behind", partial);

  // Nowhere to write: an error, and nothing created.
  char bad[600];
  snprintf(bad, sizeof bad, "%s/no/such/dir/x.profile", dir);
  CHECKF(cc_profile_write(&p, bad, NULL) != 0, "wrote into a missing directory");
  remove_test_dir(dir);
}

// Whether every key line except name and source has a comment after its value.
static bool numbers_commented(const char *text) {
  for (const char *s = text; *s;) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)n, s);
    s += n + (nl ? 1 : 0);
    if (line[0] == '#' || !strchr(line, '=') || strncmp(line, "name", 4) == 0 || strncmp(line, "source", 6) == 0)
      continue;
    if (!strstr(line, " #")) {
      fprintf(stderr, "no source comment: %s\n", line);
      return false;
    }
  }
  return true;
}

static void shipped_profiles(void) {
  char dir[512], path[1024], err[512];
  snprintf(dir, sizeof dir, "%s/profiles", CC_SOURCE_DIR);
  DIR *d = opendir(dir);
  CHECKF(d != NULL, "cannot open %s", dir);
  if (!d) return;
  int nfiles = 0;
  cc_profile dgx = {0}, cluster = {0};  // set below when found; zeroed to keep -Wmaybe-uninitialized quiet
  bool have_dgx = false, have_cluster = false;
  for (struct dirent *e; (e = readdir(d));) {
    size_t n = strlen(e->d_name);
    if (n <= 8 || strcmp(e->d_name + n - 8, ".profile") != 0) continue;
    nfiles++;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    cc_profile p;
    CHECKF(cc_profile_read(&p, path, err, sizeof err) == 0, "%s", err);
    CHECKF(strlen(p.name) == n - 8 && strncmp(p.name, e->d_name, n - 8) == 0, "%s is named '%s'", e->d_name, p.name);
    CHECKF(p.link[CC_INTRA].beta_ns_per_byte > 0 && p.link[CC_INTER].beta_ns_per_byte > 0, "%s: no bandwidth",
           e->d_name);
    CHECKF(p.source[0] != '\0', "%s: no source line", e->d_name);
    if (strcmp(p.name, "dgx-h100") == 0 || strcmp(p.name, "h100-ib-cluster") == 0) {
      char *text = read_text(path);
      CHECKF(text && numbers_commented(text), "%s: every number needs its source beside it", e->d_name);
      CHECKF(text && strstr(text, "NOT MEASURED") && strstr(p.source, "not measured"),
             "%s: must say it is published figures, not measured", e->d_name);
      free(text);
    }
    if (strcmp(p.name, "dgx-h100") == 0) dgx = p, have_dgx = true;
    if (strcmp(p.name, "h100-ib-cluster") == 0) cluster = p, have_cluster = true;
  }
  closedir(d);
  CHECKF(nfiles >= 2, "%d profiles shipped", nfiles);
  CHECKF(have_dgx && have_cluster, "dgx-h100 and h100-ib-cluster ship");
  if (!have_dgx || !have_cluster) return;

  // dgx-h100: one node of 8; NCCL's LL latencies; beta = 1/busbw with busbw in the published 365-370.
  const cc_link *nv = &dgx.link[CC_INTRA];
  CHECKF(dgx.ranks_per_node == 8 && dgx.nodes == 1 && dgx.single_level, "dgx-h100 shape");
  CHECKF(same_link(&dgx.link[CC_INTER], nv), "dgx-h100 is one level");
  CHECKF(dgx.base_us == 6.6 && nv->alpha_us == 0.6 && nv->gamma_ns_per_byte == 0, "dgx-h100 latencies, gamma");
  CHECKF(1 / nv->beta_ns_per_byte >= 364.9 && 1 / nv->beta_ns_per_byte <= 370, "NVLink busbw %g GB/s",
         1 / nv->beta_ns_per_byte);

  // h100-ib-cluster: the same nodes, NDR between them at 46-48 GB/s per NIC.
  const cc_link *ib = &cluster.link[CC_INTER];
  CHECKF(cluster.ranks_per_node == 8 && cluster.nodes == 128 && !cluster.single_level, "cluster shape");
  CHECKF(same_link(&cluster.link[CC_INTRA], nv) && cluster.base_us == dgx.base_us, "cluster nodes are dgx-h100s");
  CHECKF(ib->alpha_us == 2.7 && ib->gamma_ns_per_byte == 0, "cluster network latency, gamma");
  CHECKF(1 / ib->beta_ns_per_byte >= 46 && 1 / ib->beta_ns_per_byte <= 48, "NDR %g GB/s", 1 / ib->beta_ns_per_byte);
}

int main(void) {
  parse_every_field();
  one_level_and_defaults();
  comments();
  errors();
  round_trip();
  shipped_profiles();
  return check_done("test_sim_profile");
}
