// Compressor spelling: every scheme parses to its canonical name and path; bad options are refused
// with a reason that names the offending part.
#include "common/tests/check.h"
#include "common/strategy.h"
#include "compress/compressor.h"

static void parses(const char *text, const char *canonical, cc_comp_kind kind, cc_comp_path path) {
  cc_compressor c;
  char err[256] = "";
  int rc = cc_compressor_parse(text, &c, err, sizeof err);
  CHECKF(rc == 0, "'%s' refused: %s", text, err);
  if (rc != 0) return;
  CHECK_STREQ(c.name, canonical);
  CHECKF(c.kind == kind, "'%s': kind %d, want %d", text, (int)c.kind, (int)kind);
  CHECKF(cc_compressor_path(&c) == path, "'%s': path %d, want %d", text, (int)cc_compressor_path(&c), (int)path);
}

static void refuses(const char *text, const char *reason_part) {
  cc_compressor c;
  char err[256] = "";
  CHECKF(cc_compressor_parse(text, &c, err, sizeof err) != 0, "'%s' accepted", text);
  CHECKF(strstr(err, reason_part) != NULL, "'%s': reason '%s' does not mention '%s'", text, err, reason_part);
  CHECKF(!strchr(err, '\n'), "'%s': reason spans lines", text);
}

// Strategy names carry a compressor after the first '+'; the algorithm's ':' options stay its own.
static void strategies(void) {
  cc_strategy s;
  char err[256] = "";
  CHECKF(cc_strategy_parse("ring+topk:0.010,approx+ef", &s, err, sizeof err) == 0, "%s", err);
  CHECK_STREQ(s.name, "ring+topk:0.01,approx+ef");
  CHECK_STREQ(s.algo_name, "ring");
  CHECK_STREQ(s.compress, "topk:0.01,approx+ef");
  CHECK(s.compressed && s.compressor.kind == CC_COMP_TOPK && s.compressor.approx && s.compressor.ef);
  CHECKF(cc_strategy_parse("hier:ring/tree+powersgd:4+ef", &s, err, sizeof err) == 0, "%s", err);
  CHECK_STREQ(s.name, "hier:ring/tree+powersgd:4+ef");
  CHECK(s.algo == CC_ALGO_HIER && s.intra == CC_ALGO_RING && s.inter == CC_ALGO_TREE && s.compressor.rank == 4);
  CHECKF(cc_strategy_parse("rabenseifner", &s, err, sizeof err) == 0, "%s", err);
  CHECK(!s.compressed);
  CHECK_STREQ(s.compress, "none");
  CHECK(cc_strategy_parse("ring+zstd", &s, err, sizeof err) != 0 && strstr(err, "ring+zstd") && strstr(err, "zstd"));
  CHECK(cc_strategy_parse("ring+", &s, err, sizeof err) != 0 && strstr(err, "empty"));
  CHECK(cc_strategy_parse("ring:x+int8", &s, err, sizeof err) != 0 && strstr(err, "takes no ':' options"));
  CHECK(cc_strategy_parse("ring+topk:2", &s, err, sizeof err) != 0 && strstr(err, "(0, 1]"));
  // Every part written must be there: an empty one is a typo, never the default.
  const char *empty_parts[] = {"hier:", "nccl:", "hier:ring/", "hier:/ring", "nccl:ring/", "nccl:/ll", "+int8",
                               "ring+topk:", "ring:"};
  for (size_t i = 0; i < sizeof empty_parts / sizeof empty_parts[0]; i++)
    CHECKF(cc_strategy_parse(empty_parts[i], &s, err, sizeof err) != 0 && strstr(err, empty_parts[i]),
           "'%s' accepted as %s (or its error does not name it: %s)", empty_parts[i], s.name, err);
  CHECKF(cc_strategy_parse("hier", &s, err, sizeof err) == 0 && strcmp(s.name, "hier:ring/ring") == 0, "%s", err);
  CHECKF(cc_strategy_parse("nccl", &s, err, sizeof err) == 0 && strcmp(s.name, "nccl") == 0, "%s", err);
}

int main(void) {
  strategies();
  parses("fp16", "fp16", CC_COMP_FP16, CC_PATH_REDUCE);
  parses("bf16+ef", "bf16+ef", CC_COMP_BF16, CC_PATH_REDUCE);
  parses("int8", "int8", CC_COMP_INT8, CC_PATH_ALLGATHER);
  parses("int4+ef", "int4+ef", CC_COMP_INT4, CC_PATH_ALLGATHER);
  parses("qsgd:4", "qsgd:4", CC_COMP_QSGD, CC_PATH_ALLGATHER);
  parses("sign+ef", "sign+ef", CC_COMP_SIGN, CC_PATH_ALLGATHER);
  parses("topk:0.010", "topk:0.01", CC_COMP_TOPK, CC_PATH_ALLGATHER);
  parses("topk:0.01,approx+ef", "topk:0.01,approx+ef", CC_COMP_TOPK, CC_PATH_ALLGATHER);
  parses("topk:1", "topk:1", CC_COMP_TOPK, CC_PATH_ALLGATHER);
  parses("randk:0.25", "randk:0.25", CC_COMP_RANDK, CC_PATH_REDUCE);
  parses("powersgd:4+ef", "powersgd:4+ef", CC_COMP_POWERSGD, CC_PATH_LOW_RANK);

  cc_compressor c;
  char err[256];
  CHECK(cc_compressor_parse("topk:0.05,approx", &c, err, sizeof err) == 0 && c.approx && c.ratio == 0.05 && !c.ef);
  CHECK(cc_compressor_parse("qsgd:127", &c, err, sizeof err) == 0 && c.levels == 127);
  CHECK(cc_compressor_parse("powersgd:1", &c, err, sizeof err) == 0 && c.rank == 1);

  refuses("topk:0", "(0, 1]");
  refuses("topk:1.5", "(0, 1]");
  refuses("topk:-0.1", "(0, 1]");
  refuses("topk:abc", "topk");
  refuses("topk: 0.01", "topk");  // plain decimal numbers only
  refuses("topk:0x1p-4", "topk");
  refuses("randk:1e", "randk");
  refuses("qsgd: 16", "qsgd");
  refuses("qsgd:0x10", "qsgd");
  refuses("topk", "needs a ratio");
  refuses("topk:0.01,fast", "unknown option 'fast'");
  refuses("randk:0", "(0, 1]");
  refuses("int8:foo", "int8 takes no options");
  refuses("qsgd", "needs a number of levels");
  refuses("qsgd:0", "1..127");
  refuses("qsgd:128", "1..127");
  refuses("qsgd:2.5", "qsgd");
  refuses("powersgd:0", "powersgd");
  refuses("qsgd:4+ef", "at least 16 levels");
  parses("qsgd:16+ef", "qsgd:16+ef", CC_COMP_QSGD, CC_PATH_ALLGATHER);
  refuses("zstd", "unknown compressor 'zstd'");
  refuses("", "empty");
  refuses("+ef", "unknown compressor");
  return check_done("test_compress_parse");
}
