// nccl-tests output read as measured rows: a log written here in nccl-tests' layout, both columns,
// ranks and nodes from the rank lines, the collective from the banner, and the failures.
#include "common/tests/check.h"
#include "sim/nccltests.h"

static const char *log_2x2 =
    "# nThread 1 nGpus 1 minBytes 8 maxBytes 1048576 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0\n"
    "#\n"
    "# Using devices\n"
    "#  Rank  0 Group  0 Pid  41001 on      nodeA device  0 [0x18] NVIDIA H100 80GB HBM3\n"
    "#  Rank  1 Group  0 Pid  41002 on      nodeA device  1 [0x2a] NVIDIA H100 80GB HBM3\n"
    "#  Rank  2 Group  0 Pid  52001 on      nodeB device  0 [0x18] NVIDIA H100 80GB HBM3\n"
    "#  Rank  3 Group  0 Pid  52002 on      nodeB device  1 [0x2a] NVIDIA H100 80GB HBM3\n"
    "#\n"
    "#                                                              out-of-place                       in-place          \n"
    "#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong\n"
    "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       \n"
    "           8             2     float     sum      -1    21.37    0.00    0.00      0    20.91    0.00    0.00      0\n"
    "        4096          1024     float     sum      -1    25.02    0.16    0.25      0    24.88    0.16    0.25      0\n"
    "     1048576        262144     float     sum      -1    96.40   10.88   16.32      0    95.75   10.95   16.43    N/A\n"
    "# Out of bounds values : 0 OK\n"
    "# Avg bus bandwidth    : 5.54 \n";

// Older layout: no "Group", no root column, bfloat16, all_gather banner.
static const char *log_old =
    "# Collective test starting: all_gather_perf\n"
    "# nThread 1 nGpus 2 minBytes 1024 maxBytes 2048 step: 2(factor) warmup iters: 5 iters: 20 validation: 1\n"
    "#  Rank  0 Pid   777 on  box device  0 [0x18] NVIDIA A100\n"
    "#  Rank  1 Pid   777 on  box device  1 [0x2a] NVIDIA A100\n"
    "#                                                     out-of-place                       in-place\n"
    "#       size         count    type   redop     time   algbw   busbw  error     time   algbw   busbw  error\n"
    "#       size         count    type   redop     time   algbw   busbw #wrong     time   algbw   busbw #wrong\n"
    "        1024           256  bfloat16    sum    12.50    0.08    0.04      0    12.25    0.08    0.04      0\n"
    "        2048           512  bfloat16    sum    13.00    0.16    0.08      0    12.75    0.16    0.08      0\n";

int main(void) {
  cc_rowset rs;
  char err[512];
  cc_rowset_init(&rs);
  CHECKF(cc_nccltests_parse(&rs, log_2x2, "a.log", 0, err, sizeof err) == 0, "%s", err);
  CHECKF(rs.n == 6, "%zu rows, want 2 per data line", rs.n);
  if (rs.n == 6) {
    const double want_us[6] = {21.37, 20.91, 25.02, 24.88, 96.40, 95.75};
    for (int i = 0; i < 6; i++) {
      const cc_row *r = &rs.rows[i];
      CHECKF(r->time_us == want_us[i], "row %d: time %.2f, want %.2f", i, r->time_us, want_us[i]);
      CHECK_STREQ(r->source, "measured");
      CHECK_STREQ(r->strategy, "nccl");
      CHECK_STREQ(r->op, "allreduce");
      CHECK_STREQ(r->dtype, "f32");
      CHECK_STREQ(r->profile, "nodeA");
      CHECK(r->ranks == 4 && r->nodes == 2 && r->ranks_per_node == 2);
    }
    CHECK(rs.rows[4].bytes == 1048576 && rs.rows[4].count == 262144);
    CHECK(rs.rows[4].busbw_GBps == 16.32 && rs.rows[5].busbw_GBps == 16.43 && rs.rows[2].algbw_GBps == 0.16);
    CHECK(rs.rows[4].errors == 0 && rs.rows[5].errors == -1);  // "N/A": not checked
  }
  cc_rowset_free(&rs);

  cc_rowset_init(&rs);
  CHECKF(cc_nccltests_parse(&rs, log_old, "old.log", 0, err, sizeof err) == 0, "%s", err);
  CHECKF(rs.n == 4, "%zu rows from the old layout", rs.n);
  if (rs.n == 4) {
    CHECK_STREQ(rs.rows[0].op, "allgather");
    CHECK_STREQ(rs.rows[0].dtype, "bf16");
    CHECK(rs.rows[0].ranks == 2 && rs.rows[0].nodes == 1 && rs.rows[3].time_us == 12.75);
  }
  cc_rowset_free(&rs);

  // No rank lines: refused unless the count is given.
  const char *table = strstr(log_2x2, "#                                                              out-of-place");
  cc_rowset_init(&rs);
  CHECK(cc_nccltests_parse(&rs, table, "cut.log", 0, err, sizeof err) != 0 && strstr(err, "cut.log:"));
  CHECK(cc_nccltests_parse(&rs, table, "cut.log", 8, err, sizeof err) == 0 && rs.n == 6 && rs.rows[0].ranks == 8);
  cc_rowset_free(&rs);

  cc_rowset_init(&rs);
  CHECK(cc_nccltests_parse(&rs, "# nThread 1\nsomething else\n", "empty.log", 0, err, sizeof err) != 0);
  CHECKF(strstr(err, "no nccl-tests result table") != NULL, "error was: %s", err);
  cc_rowset_free(&rs);

  CHECK(cc_nccltests_sniff(log_2x2));
  CHECK(!cc_nccltests_sniff("source,op,strategy,algo,compress,dtype,ranks\nmeasured,allreduce,ring\n"));

  // From a file.
  const char *dir = make_test_dir("test_nccltests");
  char path[512];
  snprintf(path, sizeof path, "%s/all_reduce.log", dir);
  CHECK(write_text(path, log_2x2) == 0);
  cc_rowset_init(&rs);
  CHECKF(cc_nccltests_read(&rs, path, 0, err, sizeof err) == 0 && rs.n == 6, "%s", err);
  cc_rowset_free(&rs);
  remove_test_dir(dir);
  cc_rowset_init(&rs);
  CHECK(cc_nccltests_read(&rs, "no/such.log", 0, err, sizeof err) != 0 && strstr(err, "no/such.log"));
  cc_rowset_free(&rs);
  return check_done("test_sim_nccltests");
}
