// nccl-tests output read as measured rows. The logs below are made up for this test in nccl-tests'
// layout (current and older), with NCCL chatter around the table as real runs have it.
#include "common/tests/check.h"
#include "sim/nccltests.h"

// Notes the reader gives, one per line.
static char notes[8192];
static int nnotes;
static void note(void *ctx, const char *line) {
  (void)ctx;
  size_t at = strlen(notes);
  snprintf(notes + at, sizeof notes - at, "%s\n", line);
  nnotes++;
}
static void notes_reset(void) { notes[0] = '\0', nnotes = 0; }
static const cc_nccltests_opts noting = {.note = note};

// Current layout: "Group" in the rank lines, a root column, "#wrong" counts; 2 hosts x 2 ranks.
static const char *log_2x2 =
    "# nThread 1 nGpus 1 minBytes 8 maxBytes 33554432 step: 128(factor) warmup iters: 5 iters: 20 agg iters: 1 "
    "validation: 1 graph: 0\n"
    "#\n"
    "# Using devices\n"
    "#  Rank  0 Group  0 Pid  12345 on      nodeA device  0 [0x18] NVIDIA H100 80GB HBM3\n"
    "#  Rank  1 Group  0 Pid  12346 on      nodeA device  1 [0x2a] NVIDIA H100 80GB HBM3\n"
    "#  Rank  2 Group  0 Pid  20871 on      nodeB device  0 [0x18] NVIDIA H100 80GB HBM3\n"
    "#  Rank  3 Group  0 Pid  20872 on      nodeB device  1 [0x2a] NVIDIA H100 80GB HBM3\n"
    "nodeA:12345:12345 [0] NCCL INFO Bootstrap : Using ib0:10.1.0.11<0>\n"
    "NCCL version 2.21.5+cuda12.4\n"
    "#\n"
    "#                                                              out-of-place                       in-place          \n"
    "#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong\n"
    "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       \n"
    "           8             2     float     sum      -1    24.61    0.00    0.00      0    23.97    0.00    0.00      0\n"
    "        1024           256     float     sum      -1    26.15    0.04    0.06      0    25.80    0.04    0.06      0\n"
    "      131072         32768     float     sum      -1    58.32    2.25    3.37      0    57.06    2.30    3.45    N/A\n"
    "    33554432       8388608     float     sum      -1   1203.5   27.88   41.82      0   1198.2   28.00   42.01      0\n"
    "# Out of bounds values : 0 OK\n"
    "# Avg bus bandwidth    : 11.3450 \n"
    "#\n";

// The banner names the collective; bf16 elements are 2 bytes (count = bytes / 2).
static const char *log_allgather =
    "# Collective test starting: all_gather_perf\n"
    "# nThread 1 nGpus 1 minBytes 4096 maxBytes 4194304 step: 1024(factor) warmup iters: 5 iters: 20 agg iters: 1 "
    "validation: 1 graph: 0\n"
    "#\n"
    "# Using devices\n"
    "#  Rank  0 Group  0 Pid  12345 on      nodeA device  0 [0x18] NVIDIA H100 80GB HBM3\n"
    "#  Rank  1 Group  0 Pid  12346 on      nodeA device  1 [0x2a] NVIDIA H100 80GB HBM3\n"
    "#  Rank  2 Group  0 Pid  20871 on      nodeB device  0 [0x18] NVIDIA H100 80GB HBM3\n"
    "#  Rank  3 Group  0 Pid  20872 on      nodeB device  1 [0x2a] NVIDIA H100 80GB HBM3\n"
    "#\n"
    "#                                                              out-of-place                       in-place          \n"
    "#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong\n"
    "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       \n"
    "        4096          2048  bfloat16    none      -1    18.42    0.22    0.17      0    18.10    0.23    0.17      0\n"
    "     4194304       2097152  bfloat16    none      -1    148.7   28.21   21.15      0    146.9   28.55   21.41      0\n"
    "# Out of bounds values : 0 OK\n"
    "# Avg bus bandwidth    : 10.7250 \n";

// Older nccl-tests: no "Group", no root column, and an "error" column (the largest deviation seen, not
// a count of wrong elements); no banner, so the collective defaults to allreduce.
static const char *log_old =
    "# nThread 1 nGpus 1 minBytes 1024 maxBytes 2048 step: 2(factor) warmup iters: 5 iters: 20 validation: 1 \n"
    "#\n"
    "# Using devices\n"
    "#   Rank  0 Pid  30211 on   gpuhost1 device  0 [0x3b] Tesla V100-SXM2-32GB\n"
    "#   Rank  1 Pid  30212 on   gpuhost1 device  1 [0x5e] Tesla V100-SXM2-32GB\n"
    "#\n"
    "#                                                     out-of-place                       in-place          \n"
    "#       size         count    type   redop     time   algbw   busbw  error     time   algbw   busbw  error\n"
    "#        (B)    (elements)                     (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       \n"
    "        1024           256   float     sum    14.86    0.07    0.07  0e+00    14.52    0.07    0.07  0e+00\n"
    "        2048           512   float     sum    15.11    0.14    0.14  1e-07    14.93    0.14    0.14  1e-07\n"
    "# Out of bounds values : 0 OK\n"
    "# Avg bus bandwidth    : 0.1050 \n";

// A run that found wrong elements: the count lands in `errors`.
static const char *log_wrong =
    "# nThread 1 nGpus 2 minBytes 65536 maxBytes 65536 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 "
    "validation: 1 graph: 0\n"
    "#  Rank  0 Group  0 Pid   9001 on      nodeC device  0 [0x18] NVIDIA H100 80GB HBM3\n"
    "#  Rank  1 Group  0 Pid   9001 on      nodeC device  1 [0x2a] NVIDIA H100 80GB HBM3\n"
    "#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong\n"
    "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       \n"
    "       65536         16384     float     sum      -1    19.75    3.32    3.32     37    19.40    3.38    3.38      0\n"
    "# Out of bounds values : 37 FAILED\n";

// broadcast_perf, named by the banner; its table has the root column and looks like an allreduce one.
static const char *log_broadcast =
    "# nccl-tests version 2.17.6 nccl-headers=22501 nccl-library=22501\n"
    "# Collective test starting: broadcast_perf\n"
    "# nThread 1 nGpus 1 minBytes 1024 maxBytes 1024 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 "
    "validation: 1 graph: 0\n"
    "#  Rank  0 Group  0 Pid  12345 on      nodeA device  0 [0x18] NVIDIA H100 80GB HBM3\n"
    "#  Rank  1 Group  0 Pid  12346 on      nodeA device  1 [0x2a] NVIDIA H100 80GB HBM3\n"
    "#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong\n"
    "        1024           256     float    none       0    12.31    0.08    0.08      0    12.02    0.09    0.09      0\n";

// Logs from before the banner: only the command line echoed by the job script names the collective.
static const char *log_alltoall_cmd =
    "+ mpirun -np 2 ./build/alltoall_perf -b 1K -e 1K -g 1\n"
    "# nThread 1 nGpus 1 minBytes 1024 maxBytes 1024 step: 2(factor) warmup iters: 5 iters: 20 validation: 1 \n"
    "#   Rank  0 Pid  30211 on   gpuhost1 device  0 [0x3b] Tesla V100-SXM2-32GB\n"
    "#   Rank  1 Pid  30212 on   gpuhost1 device  1 [0x5e] Tesla V100-SXM2-32GB\n"
    "#       size         count    type   redop     time   algbw   busbw  error     time   algbw   busbw  error\n"
    "        1024           128   float    none    20.10    0.05    0.03  0e+00    19.87    0.05    0.03  0e+00\n";
static const char *log_reduce_scatter_cmd =
    "$ srun -N 1 -n 2 /opt/nccl-tests/build/reduce_scatter_perf_mpi -b 2K -e 2K -d bfloat16 | tee rs.log\n"
    "# nThread 1 nGpus 1 minBytes 2048 maxBytes 2048 step: 2(factor) warmup iters: 5 iters: 20 validation: 1 \n"
    "#   Rank  0 Pid  30211 on   gpuhost1 device  0 [0x3b] Tesla V100-SXM2-32GB\n"
    "#   Rank  1 Pid  30212 on   gpuhost1 device  1 [0x5e] Tesla V100-SXM2-32GB\n"
    "#       size         count    type   redop     time   algbw   busbw  error     time   algbw   busbw  error\n"
    "        2048          1024 bfloat16    sum    16.40    0.12    0.06  0e+00    16.02    0.13    0.06  0e+00\n";


// Layouts people paste: launcher prefixes, NCCL chatter inside the table (a host name starting with a
// digit), -C 1 (cputime) and -S 1 (a timestamp after the in-place columns), 2017's layout with times in
// milliseconds, a max reduction, an all_gather table from before the redop column.
static const char *log_srun_label =
    "0: # nThread 1 nGpus 1 minBytes 1048576 maxBytes 2097152 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 "
    "validation: 1 graph: 0\n"
    "0: #\n"
    "0: # Using devices\n"
    "0: #  Rank  0 Group  0 Pid   4242 on   10-0-0-1 device  0 [0x18] NVIDIA H100 80GB HBM3\n"
    "0: #  Rank  1 Group  0 Pid   4243 on   10-0-0-1 device  1 [0x2a] NVIDIA H100 80GB HBM3\n"
    "0: #  Rank  2 Group  0 Pid   5151 on   10-0-0-2 device  0 [0x18] NVIDIA H100 80GB HBM3\n"
    "0: #  Rank  3 Group  0 Pid   5152 on   10-0-0-2 device  1 [0x2a] NVIDIA H100 80GB HBM3\n"
    "0: #\n"
    "0: #       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong\n"
    "0: #        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       \n"
    "2: 10-0-0-2:5151:5190 [0] NCCL INFO Channel 00/0 : 1[1] -> 2[0] [receive] via NET/IB/0\n"
    "0:      1048576        262144     float     sum      -1    65.12   16.10   24.15      0    64.80   16.18   24.27      0\n"
    "1: 10-0-0-1:4243:4290 [1] NCCL INFO comm 0x5 rank 1 nRanks 4 nNodes 2 localRanks 2 localRank 1 MNNVL 0\n"
    "0:      2097152        524288     float     sum      -1    98.40   21.31   31.97      0    97.95   21.41   32.12      0\n"
    "0: # Out of bounds values : 0 OK\n";

static const char *log_tagged_cputime_timestamp =
    "[1,0]<stdout>:# nThread 1 nGpus 1 minBytes 65536 maxBytes 131072 step: 2(factor) warmup iters: 5 iters: 20 "
    "agg iters: 1 validation: 1 graph: 0\n"
    "[1,0]<stdout>:#  Rank  0 Group  0 Pid    100 on      gpu-a device  0 [0x18] NVIDIA A100-SXM4-80GB\n"
    "[1,0]<stdout>:#  Rank  1 Group  0 Pid    101 on      gpu-a device  1 [0x2a] NVIDIA A100-SXM4-80GB\n"
    "[1,0]<stdout>:#\n"
    "[1,0]<stdout>:#       size         count      type   redop    root  cputime   algbw   busbw #wrong  cputime   "
    "algbw   busbw #wrong           timestamp\n"
    "[1,0]<stdout>:#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  "
    "(GB/s)  (GB/s)       %Y-%m-%d %H:%M:%S\n"
    "[1,0]<stdout>:       65536         16384     float     max      -1    30.55    2.15    2.15      0    30.10    "
    "2.18    2.18      0  2025-06-01 10:11:12\n"
    "[1,1]<stderr>:gpu-a:101:101 [1] NCCL WARN Cuda failure 'out of memory' (retried)\n"
    "[gpu-a:00100] 1 more process has sent help message help-mpi-btl-openib.txt / no device params found\n"
    "[1,0]<stdout>:      131072         32768     float     max      -1    31.70    4.13    4.13      0    31.20    "
    "4.20    4.20      0  2025-06-01 10:11:13\n";

static const char *log_2017 =
    "# nThread 1 nGpus 4 minBytes 4096 maxBytes 8192 step: 2(factor) warmup iters: 5 iters: 20 validation: 1 \n"
    "#\n"
    "# Using devices\n"
    "#   Rank  0 on       dgx1 device  0 [0x06] Tesla P100-SXM2-16GB\n"
    "#   Rank  1 on       dgx1 device  1 [0x07] Tesla P100-SXM2-16GB\n"
    "#   Rank  2 on       dgx1 device  2 [0x0a] Tesla P100-SXM2-16GB\n"
    "#   Rank  3 on       dgx1 device  3 [0x0b] Tesla P100-SXM2-16GB\n"
    "\n"
    "#                                                 out-of-place                    in-place\n"
    "#       bytes             N    type      op     time  algbw  busbw      res     time  algbw  busbw      res\n"
    "        4096          1024   float     sum    0.035   0.12   0.18    0e+00    0.034   0.12   0.18    0e+00\n"
    "        8192          2048   float     sum    0.036   0.23   0.34    0e+00    0.035   0.23   0.35    0e+00\n";

static const char *log_old_allgather =
    "# nThread 1 nGpus 1 minBytes 1024 maxBytes 1024 step: 2(factor) warmup iters: 5 iters: 20 validation: 1 \n"
    "#   Rank  0 Pid  30211 on   gpuhost1 device  0 [0x3b] Tesla V100-SXM2-32GB\n"
    "#   Rank  1 Pid  30212 on   gpuhost1 device  1 [0x5e] Tesla V100-SXM2-32GB\n"
    "#                                                     out-of-place                       in-place          \n"
    "#       size         count    type     time   algbw   busbw  error     time   algbw   busbw  error\n"
    "        1024           128   float    20.10    0.05    0.03  0e+00    19.87    0.05    0.03  0e+00\n";

static void check_rows(const char *what, const cc_rowset *rs, size_t want_n, const double *want_us, int ranks, int nodes,
                       int per_node, const char *op, const char *redop) {
  CHECKF(rs->n == want_n, "%s: %zu rows, want %zu", what, rs->n, want_n);
  for (size_t i = 0; i < rs->n && i < want_n; i++) {
    const cc_row *r = &rs->rows[i];
    CHECKF(r->time_us == want_us[i], "%s row %zu: %g us, want %g", what, i, r->time_us, want_us[i]);
    CHECKF(r->ranks == ranks && r->nodes == nodes && r->ranks_per_node == per_node,
           "%s row %zu: %d ranks on %d nodes, %d per node; want %d, %d, %d", what, i, r->ranks, r->nodes,
           r->ranks_per_node, ranks, nodes, per_node);
    CHECKF(strcmp(r->op, op) == 0 && strcmp(r->redop, redop) == 0, "%s row %zu: %s %s, want %s %s", what, i, r->op,
           r->redop, op, redop);
  }
}

static void test_layouts(void) {
  cc_rowset rs;
  char err[512] = "";

  cc_rowset_init(&rs);
  notes_reset();
  CHECKF(cc_nccltests_parse(&rs, log_srun_label, "label.log", &noting, err, sizeof err) == 0, "srun --label: %s", err);
  const double label_us[4] = {65.12, 64.80, 98.40, 97.95};
  check_rows("srun --label", &rs, 4, label_us, 4, 2, 2, "allreduce", "sum");
  if (rs.n == 4) CHECK(rs.rows[2].bytes == 2097152 && rs.rows[2].count == 524288 && rs.rows[3].busbw_GBps == 32.12);
  CHECKF(nnotes == 0, "notes: %s", notes);
  cc_rowset_free(&rs);

  cc_rowset_init(&rs);
  CHECKF(cc_nccltests_parse(&rs, log_tagged_cputime_timestamp, "tag.log", NULL, err, sizeof err) == 0,
         "--tag-output, -C 1, -S 1: %s", err);
  const double tag_us[4] = {30.55, 30.10, 31.70, 31.20};
  check_rows("--tag-output -C -S", &rs, 4, tag_us, 2, 1, 2, "allreduce", "max");
  cc_rowset_free(&rs);

  cc_rowset_init(&rs);
  CHECKF(cc_nccltests_parse(&rs, log_2017, "2017.log", NULL, err, sizeof err) == 0, "2017 layout: %s", err);
  const double ms_as_us[4] = {35, 34, 36, 35};  // printed in milliseconds
  check_rows("2017 layout", &rs, 4, ms_as_us, 4, 1, 4, "allreduce", "sum");
  if (rs.n == 4) CHECK(rs.rows[2].bytes == 8192 && rs.rows[2].count == 2048 && rs.rows[2].errors == -1);
  cc_rowset_free(&rs);

  cc_rowset_init(&rs);
  notes_reset();
  CHECKF(cc_nccltests_parse(&rs, log_old_allgather, "ag_old.log", &noting, err, sizeof err) == 0, "%s", err);
  const double ag_us[2] = {20.10, 19.87};
  check_rows("old all_gather", &rs, 2, ag_us, 2, 1, 2, "allgather", "none");
  CHECKF(nnotes == 1 && strstr(notes, "ag_old.log:5:") && strstr(notes, "all_gather"), "notes: %s", notes);
  cc_rowset_free(&rs);

  // The node layout of a log cut before its rank lines comes from the caller; a log that lists its
  // ranks and hosts is checked against what the caller says.
  const char *table = strstr(log_2x2, "#                                                              out-of-place");
  cc_rowset_init(&rs);
  CHECKF(cc_nccltests_parse(&rs, table, "cut.log", &(cc_nccltests_opts){.ranks = 16, .ranks_per_node = 8}, err,
                            sizeof err) == 0, "%s", err);
  CHECK(rs.n == 8 && rs.rows[0].ranks == 16 && rs.rows[0].nodes == 2 && rs.rows[0].ranks_per_node == 8);
  cc_rowset_free(&rs);
  const cc_nccltests_opts wrong_layout[2] = {{.ranks = 8}, {.ranks_per_node = 4}};
  for (int i = 0; i < 2; i++) {
    cc_rowset_init(&rs);
    err[0] = '\0';
    CHECK(cc_nccltests_parse(&rs, log_2x2, "a.log", &wrong_layout[i], err, sizeof err) != 0 && rs.n == 0);
    CHECKF(strstr(err, "a.log:") && strstr(err, i ? "--ranks-per-node" : "--ranks") && !strchr(err, '\n'), "error: %s",
           err);
    cc_rowset_free(&rs);
  }
}

static void check_2x2(const cc_rowset *rs, size_t first) {
  // Out-of-place then in-place, per data line, exactly as printed.
  const double want_us[8] = {24.61, 23.97, 26.15, 25.80, 58.32, 57.06, 1203.5, 1198.2};
  const unsigned long long want_bytes[4] = {8, 1024, 131072, 33554432}, want_count[4] = {2, 256, 32768, 8388608};
  CHECKF(rs->n == first + 8, "%zu rows, want 2 per data line (8)", rs->n - first);
  if (rs->n != first + 8) return;
  for (int i = 0; i < 8; i++) {
    const cc_row *r = &rs->rows[first + (size_t)i];
    CHECKF(r->time_us == want_us[i] && r->time_min_us == want_us[i] && r->time_max_us == want_us[i],
           "row %d: time %g, want %g", i, r->time_us, want_us[i]);
    CHECKF(r->bytes == want_bytes[i / 2] && r->count == want_count[i / 2], "row %d: %llu B, %llu elements", i,
           (unsigned long long)r->bytes, (unsigned long long)r->count);
    CHECK_STREQ(r->source, "measured");
    CHECK_STREQ(r->op, "allreduce");
    CHECK_STREQ(r->strategy, "nccl");
    CHECK_STREQ(r->dtype, "f32");
    CHECKF(r->ranks == 4 && r->nodes == 2 && r->ranks_per_node == 2, "row %d: %d ranks, %d nodes, %d per node", i,
           r->ranks, r->nodes, r->ranks_per_node);
  }
  const cc_row *big = &rs->rows[first + 6];
  CHECK(big->algbw_GBps == 27.88 && big->busbw_GBps == 41.82 && big[1].algbw_GBps == 28.00 && big[1].busbw_GBps == 42.01);
  CHECK_STREQ(big->profile, "nodeA");  // the first host names the machine
  // #wrong "0" is a checked result with no errors; "N/A" (in-place of 131072) was not checked.
  CHECK(rs->rows[first + 4].errors == 0 && rs->rows[first + 5].errors == -1 && rs->rows[first + 7].errors == 0);
}

int main(void) {
  cc_rowset rs;
  char err[512];

  cc_rowset_init(&rs);
  err[0] = '\0';
  CHECKF(cc_nccltests_parse(&rs, log_2x2, "a.log", NULL, err, sizeof err) == 0, "%s", err);
  check_2x2(&rs, 0);
  cc_rowset_free(&rs);

  cc_rowset_init(&rs);
  err[0] = '\0';
  CHECKF(cc_nccltests_parse(&rs, log_allgather, "ag.log", NULL, err, sizeof err) == 0, "%s", err);
  CHECKF(rs.n == 4, "%zu all_gather rows, want 4", rs.n);
  for (size_t i = 0; i < rs.n; i++) {
    CHECK_STREQ(rs.rows[i].op, "allgather");
    CHECK_STREQ(rs.rows[i].dtype, "bf16");
    CHECK(rs.rows[i].ranks == 4 && rs.rows[i].nodes == 2 && rs.rows[i].count * 2 == rs.rows[i].bytes);
  }
  if (rs.n == 4) CHECK(rs.rows[2].bytes == 4194304 && rs.rows[2].time_us == 148.7 && rs.rows[3].time_us == 146.9);
  cc_rowset_free(&rs);

  // The older layout must parse: its "error" column is no count, so errors is -1 (not checked).
  cc_rowset_init(&rs);
  err[0] = '\0';
  CHECKF(cc_nccltests_parse(&rs, log_old, "old.log", NULL, err, sizeof err) == 0,
         "older nccl-tests layout (no root, no Group, 'error' columns) rejected: %s", err);
  CHECKF(rs.n == 4, "%zu rows from the older layout, want 4", rs.n);
  if (rs.n == 4) {
    const double want_us[4] = {14.86, 14.52, 15.11, 14.93};
    for (int i = 0; i < 4; i++) {
      const cc_row *r = &rs.rows[i];
      CHECKF(r->time_us == want_us[i], "old row %d: time %g, want %g", i, r->time_us, want_us[i]);
      CHECK_STREQ(r->op, "allreduce");
      CHECK_STREQ(r->dtype, "f32");
      CHECK(r->ranks == 2 && r->nodes == 1 && r->ranks_per_node == 2 && r->errors == -1);
    }
    CHECK(rs.rows[2].bytes == 2048 && rs.rows[2].count == 512);
  }
  cc_rowset_free(&rs);

  cc_rowset_init(&rs);
  CHECKF(cc_nccltests_parse(&rs, log_wrong, "wrong.log", NULL, err, sizeof err) == 0, "%s", err);
  CHECK(rs.n == 2 && rs.rows[0].errors == 37 && rs.rows[1].errors == 0);
  CHECK(rs.n == 2 && rs.rows[0].ranks == 2 && rs.rows[0].nodes == 1);
  cc_rowset_free(&rs);

  // A log cut before the rank list: refused (naming the first data line, 4th of the text) unless the
  // rank count is given.
  const char *table = strstr(log_2x2, "#                                                              out-of-place");
  cc_rowset_init(&rs);
  err[0] = '\0';
  CHECK(cc_nccltests_parse(&rs, table, "cut.log", NULL, err, sizeof err) != 0);
  CHECKF(strstr(err, "cut.log:4:") && strstr(err, "Rank"), "error was: %s", err);
  CHECK(rs.n == 0);
  cc_rowset_free(&rs);
  cc_rowset_init(&rs);
  CHECKF(cc_nccltests_parse(&rs, table, "cut.log", &(cc_nccltests_opts){.ranks = 8}, err, sizeof err) == 0, "%s", err);
  CHECK(rs.n == 8 && rs.rows[0].ranks == 8 && rs.rows[0].nodes == 1 && rs.rows[0].ranks_per_node == 8);
  cc_rowset_free(&rs);

  // The rank list without a table (the run died at init): no rows, and a message saying so.
  const char *no_table =
      "# nThread 1 nGpus 1 minBytes 8 maxBytes 1024 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0\n"
      "# Using devices\n"
      "#  Rank  0 Group  0 Pid  12345 on      nodeA device  0 [0x18] NVIDIA H100 80GB HBM3\n"
      "nodeA:12345:12345 [0] NCCL WARN Failed to open libibverbs.so[.1]\n";
  cc_rowset_init(&rs);
  err[0] = '\0';
  CHECK(cc_nccltests_parse(&rs, no_table, "empty.log", NULL, err, sizeof err) != 0);
  CHECKF(strstr(err, "empty.log") && strstr(err, "no nccl-tests result table"), "error was: %s", err);
  cc_rowset_free(&rs);

  // A data line cut short (job killed while printing) is skipped with a note naming that line; the
  // rows before it are kept.
  char cut_line[4096];
  snprintf(cut_line, sizeof cut_line, "%s    67108864      16777216     float     sum      -1   2391.1\n", log_2x2);
  cc_rowset_init(&rs);
  notes_reset();
  CHECKF(cc_nccltests_parse(&rs, cut_line, "short.log", &noting, err, sizeof err) == 0, "%s", err);
  check_2x2(&rs, 0);
  CHECKF(nnotes == 1 && strstr(notes, "short.log:21:") && strstr(notes, "cut short"), "notes: %s", notes);
  cc_rowset_free(&rs);

  // Other collectives than the three the rows describe are skipped with a note naming the file, line
  // and test, whether the banner or only the command line names them; a file with nothing else is an
  // error saying what was skipped.
  const char *refused[2][2] = {{log_broadcast, "broadcast_perf"}, {log_alltoall_cmd, "alltoall_perf"}};
  for (int i = 0; i < 2; i++) {
    cc_rowset_init(&rs);
    err[0] = '\0';
    notes_reset();
    CHECKF(cc_nccltests_parse(&rs, refused[i][0], "log.txt", &noting, err, sizeof err) != 0, "%s log accepted",
           refused[i][1]);
    CHECKF(strstr(err, "log.txt") && strstr(err, refused[i][1]) && strstr(err, "no allreduce") && !strchr(err, '\n'),
           "error was: %s", err);
    CHECKF(nnotes == 1 && strstr(notes, "log.txt:") && strstr(notes, refused[i][1]) && strstr(notes, "skipped"),
           "notes: %s", notes);
    CHECKF(rs.n == 0, "%zu rows from the %s log", rs.n, refused[i][1]);
    cc_rowset_free(&rs);
  }
  // ... and beside an allreduce table, the allreduce rows are read.
  char mixed[8192];
  snprintf(mixed, sizeof mixed, "%s%s", log_broadcast, log_2x2);
  cc_rowset_init(&rs);
  notes_reset();
  CHECKF(cc_nccltests_parse(&rs, mixed, "mixed.log", &noting, err, sizeof err) == 0, "%s", err);
  check_2x2(&rs, 0);
  CHECKF(nnotes == 1 && strstr(notes, "mixed.log:6:") && strstr(notes, "broadcast_perf"), "notes: %s", notes);
  cc_rowset_free(&rs);
  // reduce_scatter named by the command line (an MPI build's binary) is read as such.
  cc_rowset_init(&rs);
  err[0] = '\0';
  CHECKF(cc_nccltests_parse(&rs, log_reduce_scatter_cmd, "rs.log", NULL, err, sizeof err) == 0, "%s", err);
  CHECKF(rs.n == 2, "%zu reduce_scatter rows, want 2", rs.n);
  for (size_t i = 0; i < rs.n; i++) {
    CHECK_STREQ(rs.rows[i].op, "reduce_scatter");
    CHECK(rs.rows[i].ranks == 2 && rs.rows[i].bytes == 2048 && rs.rows[i].count == 1024);
  }
  cc_rowset_free(&rs);

  // Runs concatenated in one log (cat run_np2.log run_np4.log ...): each table gets the ranks, hosts
  // and collective of its own run, not those counted over the whole file.
  char runs[8192];
  snprintf(runs, sizeof runs, "%s%s%s%s", log_old, log_2x2, log_allgather, log_wrong);
  cc_rowset_init(&rs);
  err[0] = '\0';
  CHECKF(cc_nccltests_parse(&rs, runs, "runs.log", NULL, err, sizeof err) == 0, "%s", err);
  CHECKF(rs.n == 4 + 8 + 4 + 2, "%zu rows from four runs, want 18", rs.n);
  if (rs.n == 18) {
    for (int i = 0; i < 4; i++) {
      const cc_row *r = &rs.rows[i];
      CHECKF(r->ranks == 2 && r->nodes == 1 && r->ranks_per_node == 2, "run 1 row %d: %d ranks, %d nodes", i, r->ranks,
             r->nodes);
      CHECK_STREQ(r->op, "allreduce");
      CHECK_STREQ(r->profile, "gpuhost1");
    }
    cc_rowset upto_run2 = rs;  // check_2x2 wants its rows last: look at the first two runs only
    upto_run2.n = 12;
    check_2x2(&upto_run2, 4);  // 4 ranks on 2 hosts, not 6 on 3; allreduce, having no banner of its own
    for (int i = 12; i < 16; i++) {
      const cc_row *r = &rs.rows[i];
      CHECKF(r->ranks == 4 && r->nodes == 2, "run 3 row %d: %d ranks, %d nodes", i, r->ranks, r->nodes);
      CHECK_STREQ(r->op, "allgather");
    }
    for (int i = 16; i < 18; i++) {
      const cc_row *r = &rs.rows[i];
      CHECKF(r->ranks == 2 && r->nodes == 1 && r->ranks_per_node == 2, "run 4 row %d: %d ranks, %d nodes", i,
             r->ranks, r->nodes);
      CHECK_STREQ(r->op, "allreduce");
      CHECK_STREQ(r->profile, "nodeC");
    }
  }
  cc_rowset_free(&rs);

  test_layouts();

  CHECK(cc_nccltests_sniff(log_2x2));
  CHECK(cc_nccltests_sniff(log_old));
  CHECK(!cc_nccltests_sniff("source,op,strategy,algo,compress,dtype,ranks,nodes,ranks_per_node,bytes,count,time_us\n"
                            "measured,allreduce,ring,ring,none,f32,4,1,4,1024,256,12.5\n"));
  // A CSV with a placement column holds "out-of-place" outside any comment: still a CSV.
  CHECK(!cc_nccltests_sniff("source,op,strategy,placement\nmeasured,allreduce,ring,out-of-place\n"));
  CHECK(cc_nccltests_sniff("[1,0]<stdout>:#    out-of-place    in-place\n"));

  // From a file, appended after rows already in the set.
  const char *dir = make_test_dir("test_nccltests");
  char path[512];
  snprintf(path, sizeof path, "%s/all_reduce_perf.log", dir);
  CHECK(write_text(path, log_2x2) == 0);
  cc_rowset_init(&rs);
  CHECK(cc_nccltests_parse(&rs, log_wrong, "wrong.log", NULL, err, sizeof err) == 0 && rs.n == 2);
  err[0] = '\0';
  CHECKF(cc_nccltests_read(&rs, path, NULL, err, sizeof err) == 0, "%s", err);
  check_2x2(&rs, 2);
  CHECK(rs.n >= 2 && rs.rows[0].errors == 37);  // the earlier rows are untouched
  cc_rowset_free(&rs);
  remove_test_dir(dir);

  cc_rowset_init(&rs);
  CHECK(cc_nccltests_read(&rs, "no/such/dir/all_reduce.log", NULL, err, sizeof err) != 0 &&
        strstr(err, "no/such/dir/all_reduce.log"));
  cc_rowset_free(&rs);
  return check_done("test_sim_nccltests");
}
