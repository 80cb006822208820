// ccbench's text output read as measured rows. The files in sim/tests/data/ccbench-text are real runs
// (README there); the numbers below are read off them by hand.
#include <math.h>

#include "common/error.h"
#include "common/readfile.h"
#include "common/tests/check.h"
#include "kernels/dtype.h"
#include "sim/ccbench_text.h"
#include "sim/nccltests.h"

#define DATA CC_SOURCE_DIR "/sim/tests/data/ccbench-text/"

static char notes[4096];
static void note(void *ctx, const char *line) {
  (void)ctx;
  size_t at = strlen(notes);
  snprintf(notes + at, sizeof notes - at, "%s\n", line);
}
static const cc_ccbench_text_opts noting = {.note = note};

static char *slurp(const char *path) {
  char err[512];
  char *text = cc_read_text_file(path, NULL, err, sizeof err);
  if (!text) {
    fprintf(stderr, "%s\n", err);
    exit(1);
  }
  return text;
}

// A row as the table prints it: what each test compares, column by column.
typedef struct {
  size_t index;
  uint64_t bytes, count;
  const char *dtype, *strategy;
  double time, min, max, algbw, busbw;
  long long errors;
} printed;

static void check_row(const char *what, const cc_rowset *rs, const printed *p) {
  CHECKF(p->index < rs->n, "%s: no row %zu (%zu rows)", what, p->index, rs->n);
  if (p->index >= rs->n) return;
  const cc_row *r = &rs->rows[p->index];
  CHECKF(r->bytes == p->bytes && r->count == p->count, "%s row %zu: %llu B, %llu elements", what, p->index,
         (unsigned long long)r->bytes, (unsigned long long)r->count);
  CHECKF(strcmp(r->dtype, p->dtype) == 0 && strcmp(r->strategy, p->strategy) == 0, "%s row %zu: %s %s", what, p->index,
         r->dtype, r->strategy);
  CHECKF(r->time_us == p->time && r->time_min_us == p->min && r->time_max_us == p->max,
         "%s row %zu: times %g %g %g", what, p->index, r->time_us, r->time_min_us, r->time_max_us);
  CHECKF(r->algbw_GBps == p->algbw && r->busbw_GBps == p->busbw && r->errors == p->errors,
         "%s row %zu: algbw %g busbw %g errors %lld", what, p->index, r->algbw_GBps, r->busbw_GBps, r->errors);
}

// What every row of a run shares: its collective, reduction, layout and host.
static void check_run(const char *what, const cc_rowset *rs, size_t from, size_t to, const char *op, const char *redop) {
  for (size_t i = from; i < to && i < rs->n; i++) {
    const cc_row *r = &rs->rows[i];
    CHECKF(strcmp(r->source, "measured") == 0 && strcmp(r->op, op) == 0 && strcmp(r->redop, redop) == 0,
           "%s row %zu: %s %s %s", what, i, r->source, r->op, r->redop);
    CHECKF(r->ranks == 4 && r->nodes == 2 && r->ranks_per_node == 2, "%s row %zu: %d ranks, %d nodes, %d per node",
           what, i, r->ranks, r->nodes, r->ranks_per_node);
    CHECKF(r->profile && strcmp(r->profile, "vm") == 0, "%s row %zu: profile %s", what, i, r->profile);
  }
}

static int parse(cc_rowset *rs, const char *text, const char *name, const cc_ccbench_text_opts *o, char *err) {
  cc_rowset_init(rs);
  notes[0] = '\0';
  return cc_ccbench_text_parse(rs, text, name, o, err, 512);
}

// The default sweep's stdout, with nccl-tests' two footer lines added after the last row.
static void test_allreduce(void) {
  char *text = slurp(DATA "allreduce_4r2n.txt"), err[512] = "";
  cc_rowset rs;
  CHECK(cc_ccbench_text_sniff(text) && !cc_nccltests_sniff(text));
  CHECKF(parse(&rs, text, "allreduce_4r2n.txt", &noting, err) == 0, "%s", err);
  CHECKF(rs.n == 54, "%zu rows, want 6 strategies x 9 sizes", rs.n);
  CHECKF(notes[0] == '\0', "notes: %s", notes);
  check_run("allreduce", &rs, 0, rs.n, "allreduce", "sum");
  const printed want[] = {
      {0, 8, 2, "f32", "ring", 13.90, 13.21, 123.16, 0.00, 0.00, 0},
      {4, 8, 2, "f32", "hier:ring/ring", 12.93, 12.46, 17.82, 0.00, 0.00, 0},
      {27, 2048, 512, "f32", "rabenseifner", 26.08, 25.62, 232.78, 0.08, 0.12, 0},
      {53, 524288, 131072, "f32", "mpi", 409.45, 393.64, 524.84, 1.28, 1.92, 0},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) check_row("allreduce", &rs, &want[i]);
  if (rs.n == 54) {
    const cc_row *r = &rs.rows[4];
    CHECK_STREQ(r->algo, "hier:ring/ring");
    CHECK_STREQ(r->compress, "none");
    // No compressed columns: the whole time is communication, as in ccbench's CSV.
    CHECK(r->comm_us == 12.93 && r->encode_us == 0 && r->decode_us == 0 && r->rel_err == -1 && r->wire_bytes == 0);
  }
  cc_rowset_free(&rs);
  free(text);
}

// Compressed strategies: the wire, encode, comm, decode and rel_err columns, "N/A" and "-".
static void test_compressed(void) {
  char *text = slurp(DATA "compressed_4r2n.txt"), err[512] = "";
  cc_rowset rs;
  CHECKF(parse(&rs, text, "compressed_4r2n.txt", NULL, err) == 0, "%s", err);
  CHECKF(rs.n == 20, "%zu rows, want 5 strategies x 4 sizes", rs.n);
  check_run("compressed", &rs, 0, rs.n, "allreduce", "sum");
  const printed want[] = {
      {0, 1024, 256, "f32", "ring", 23.19, 21.12, 46.49, 0.04, 0.07, 0},
      {1, 1024, 256, "f32", "ring+int8", 35.00, 31.80, 48.60, 0.03, 0.04, -1},
      {2, 1024, 256, "f32", "ring+topk:0.01,approx+ef", 297.91, 157.32, 376.61, 0.00, 0.01, -1},
      {15, 524288, 131072, "f32", "ring", 700.14, 648.06, 1709.14, 0.75, 1.12, 0},
      {19, 524288, 131072, "f32", "mpi", 651.79, 588.30, 798.89, 0.80, 1.21, 0},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) check_row("compressed", &rs, &want[i]);
  if (rs.n == 20) {
    const cc_row *int8 = &rs.rows[1], *topk = &rs.rows[2], *hier = &rs.rows[3], *mpi = &rs.rows[4], *ring = &rs.rows[15];
    CHECK_STREQ(int8->algo, "ring");
    CHECK_STREQ(int8->compress, "int8");
    CHECK(int8->wire_bytes == 780 && int8->encode_us == 2.31 && int8->comm_us == 32.16 && int8->decode_us == 0.37 &&
          int8->rel_err == 3.54e-03);
    CHECK_STREQ(topk->algo, "ring");
    CHECK_STREQ(topk->compress, "topk:0.01,approx+ef");
    CHECK(topk->wire_bytes == 84 && topk->encode_us == 99.41 && topk->rel_err == 2.27e+00);
    CHECK_STREQ(hier->strategy, "hier:ring/tree+bf16");
    CHECK_STREQ(hier->algo, "hier:ring/tree");
    CHECK(hier->rel_err == 0 && hier->wire_bytes == 768);
    // mpi's wire is "-" (the library's own bytes are not counted) and its rel_err "-" (not computed).
    CHECK(mpi->wire_bytes == 0 && mpi->rel_err == -1 && mpi->comm_us == 20.39);
    CHECK(ring->wire_bytes == 786432 && ring->encode_us == 0 && ring->comm_us == 700.14 && ring->rel_err == -1);
  }
  cc_rowset_free(&rs);
  free(text);
}

static void test_allgather(void) {
  char *text = slurp(DATA "allgather_4r2n.txt"), err[512] = "";
  cc_rowset rs;
  CHECKF(parse(&rs, text, "allgather_4r2n.txt", NULL, err) == 0, "%s", err);
  CHECKF(rs.n == 18, "%zu rows, want 3 strategies x 6 sizes", rs.n);
  check_run("allgather", &rs, 0, rs.n, "allgather", "none");
  const printed want[] = {
      {0, 1024, 256, "f32", "ring", 17.16, 15.84, 32.36, 0.06, 0.04, 0},
      {17, 1048576, 262144, "f32", "mpi", 736.50, 681.37, 882.02, 1.42, 1.07, 0},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) check_row("allgather", &rs, &want[i]);
  cc_rowset_free(&rs);

  // Two runs in one file (cat allreduce.txt allgather.txt): each its own collective.
  char *first = slurp(DATA "allreduce_4r2n.txt");
  size_t a = strlen(first), b = strlen(text);
  char *both = malloc(a + b + 1);
  memcpy(both, first, a);
  memcpy(both + a, text, b + 1);
  CHECKF(parse(&rs, both, "both.txt", NULL, err) == 0, "%s", err);
  CHECKF(rs.n == 72, "%zu rows from two runs, want 54 + 18", rs.n);
  check_run("first run", &rs, 0, 54, "allreduce", "sum");
  check_run("second run", &rs, 54, 72, "allgather", "none");
  cc_rowset_free(&rs);
  free(both);
  free(first);
  free(text);
}

// --csv - puts the table on stderr; the CSV of the same run holds the exact values the table rounds.
static void test_csv_on_stdout(void) {
  char *text = slurp(DATA "avg_f32_bf16_4r2n.stderr.txt"), err[512] = "";
  cc_rowset rs, csv;
  CHECKF(parse(&rs, text, "avg_f32_bf16_4r2n.stderr.txt", NULL, err) == 0, "%s", err);
  CHECKF(rs.n == 36, "%zu rows, want 3 strategies x 6 sizes x 2 types", rs.n);
  check_run("--csv -", &rs, 0, rs.n, "allreduce", "avg");
  const printed want[] = {
      {0, 64, 16, "f32", "ring", 25.04, 19.51, 32.20, 0.00, 0.00, 0},
      {18, 64, 32, "bf16", "ring", 21.28, 16.50, 70.66, 0.00, 0.00, 0},
      {35, 65536, 32768, "bf16", "mpi", 95.16, 87.57, 109.87, 0.69, 1.03, 0},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) check_row("--csv -", &rs, &want[i]);

  cc_rowset_init(&csv);
  CHECKF(cc_rowset_read_csv(&csv, DATA "avg_f32_bf16_4r2n.csv", err, sizeof err) == 0, "%s", err);
  CHECKF(csv.n == rs.n, "the CSV has %zu rows, the table %zu", csv.n, rs.n);
  for (size_t i = 0; i < csv.n && i < rs.n; i++) {
    const cc_row *t = &rs.rows[i], *c = &csv.rows[i];
    CHECKF(strcmp(t->op, c->op) == 0 && strcmp(t->strategy, c->strategy) == 0 && strcmp(t->algo, c->algo) == 0 &&
               strcmp(t->compress, c->compress) == 0 && strcmp(t->dtype, c->dtype) == 0 &&
               strcmp(t->redop, c->redop) == 0 && strcmp(t->profile, c->profile) == 0,
           "row %zu: %s %s %s %s differs from the CSV's", i, t->op, t->strategy, t->dtype, t->redop);
    CHECKF(t->bytes == c->bytes && t->count == c->count && t->ranks == c->ranks && t->nodes == c->nodes &&
               t->ranks_per_node == c->ranks_per_node && t->errors == c->errors,
           "row %zu: sizes, layout or errors differ from the CSV's", i);
    // The table prints two decimals.
    double got[] = {t->time_us, t->time_min_us, t->time_max_us, t->algbw_GBps, t->busbw_GBps, t->comm_us};
    double exact[] = {c->time_us, c->time_min_us, c->time_max_us, c->algbw_GBps, c->busbw_GBps, c->comm_us};
    for (int k = 0; k < 6; k++)
      CHECKF(fabs(got[k] - exact[k]) <= 0.005 + 1e-9, "row %zu value %d: %g in the table, %g in the CSV", i, k, got[k],
             exact[k]);
  }
  cc_rowset_free(&csv);
  cc_rowset_free(&rs);

  // Both streams in one file (2>&1): the CSV lines are no table rows.
  char *rows = slurp(DATA "avg_f32_bf16_4r2n.csv");
  size_t a = strlen(rows), b = strlen(text);
  char *both = malloc(a + b + 1);
  memcpy(both, rows, a);
  memcpy(both + a, text, b + 1);
  CHECKF(parse(&rs, both, "both.txt", NULL, err) == 0 && rs.n == 36, "2>&1: %zu rows; %s", rs.n, err);
  cc_rowset_free(&rs);
  free(both);
  free(rows);
  free(text);
}

// Pasted logs: mpirun --tag-output (a real one), srun --label and CRLF line ends (made from the real ones).
static void test_pasted(void) {
  char *text = slurp(DATA "reduce_scatter_4r2n_tagged.txt"), err[512] = "";
  cc_rowset rs;
  CHECK(cc_ccbench_text_sniff(text));
  CHECKF(parse(&rs, text, "tagged.txt", NULL, err) == 0, "%s", err);
  CHECKF(rs.n == 15, "%zu rows, want 3 strategies x 5 sizes", rs.n);
  check_run("tagged", &rs, 0, rs.n, "reduce_scatter", "sum");
  const printed want[] = {
      {0, 0, 0, "f32", "ring", 0.09, 0.07, 0.13, 0.00, 0.00, 0},
      {3, 64, 16, "f32", "ring", 12.01, 9.86, 25.33, 0.01, 0.00, 0},
      {14, 32768, 8192, "f32", "mpi", 34.26, 31.03, 103.81, 0.96, 0.72, 0},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) check_row("tagged", &rs, &want[i]);
  cc_rowset_free(&rs);
  free(text);

  text = slurp(DATA "compressed_4r2n.txt");
  size_t lines = 1;
  for (const char *p = text; *p; p++) lines += *p == '\n';
  char *label = malloc(strlen(text) + 4 * lines + 1), *crlf = malloc(strlen(text) + lines + 1), *l = label, *c = crlf;
  l += sprintf(l, "0: ");
  for (const char *p = text; *p; p++) {
    if (*p == '\n') *c++ = '\r';
    *c++ = *l++ = *p;
    if (*p == '\n' && p[1]) l += sprintf(l, "0: ");
  }
  *l = *c = '\0';
  CHECKF(parse(&rs, label, "label.txt", NULL, err) == 0 && rs.n == 20, "srun --label: %zu rows; %s", rs.n, err);
  if (rs.n == 20) CHECK(rs.rows[1].wire_bytes == 780 && rs.rows[19].time_us == 651.79);
  cc_rowset_free(&rs);
  CHECKF(parse(&rs, crlf, "crlf.txt", NULL, err) == 0 && rs.n == 20, "CRLF: %zu rows; %s", rs.n, err);
  if (rs.n == 20) CHECK(rs.rows[4].rel_err == -1 && rs.rows[19].decode_us == 0);
  cc_rowset_free(&rs);
  free(label);
  free(crlf);
  free(text);
}

// Columns are found by their header text: reordered, unknown and added ones change nothing.
static void test_columns(void) {
  const char *text =
      "# ccbench 0.2.0 (abc): allreduce, sum, out of place\n"
      "# 8 ranks on 1 node (8 per node), Open MPI v5.0.3, host memory, transport mpi\n"
      "#  Rank  0 Pid 11 on host-a.example node 0\n"
      "# strategy       size  count  type  redop  p50 time  min  max  algbw  busbw  #wrong  busbw  p99\n"
      "#                 (B)                                                          /mpi\n"
      "      ring       4096   1024  float  sum   1.5 20.00 19.00 21.00  0.20  0.36  0  1.00  25.00\n"
      "  ccbench: a stray line, and another tool's numbers:\n"
      "  42 is the answer, 7 of them\n"
      "# Out of bounds values : 0 OK\n"
      "# Avg bus bandwidth    : 0.360\n";
  char err[512];
  cc_rowset rs;
  CHECK(cc_ccbench_text_sniff(text));
  CHECKF(parse(&rs, text, "cols.txt", NULL, err) == 0 && rs.n == 1, "%zu rows; %s", rs.n, err);
  if (rs.n == 1) {
    const cc_row *r = &rs.rows[0];
    CHECK(r->bytes == 4096 && r->count == 1024 && r->time_us == 20 && r->time_min_us == 19 && r->time_max_us == 21);
    CHECK(r->algbw_GBps == 0.20 && r->busbw_GBps == 0.36 && r->errors == 0);
    CHECK(r->ranks == 8 && r->nodes == 1 && r->ranks_per_node == 8);
    CHECK_STREQ(r->strategy, "ring");
    CHECK_STREQ(r->profile, "host-a.example");
  }
  cc_rowset_free(&rs);

  // Integer types and reductions (prod, min, max), once kernels/ knows them.
  cc_dtype t;
  if (cc_dtype_parse("int32", &t) == 0) {
    const char *ints =
        "# ccbench 0.2.0 (abc): allreduce, prod, out of place\n"
        "# 2 ranks on 1 node (2 per node), Open MPI v5.0.3, host memory, transport mpi\n"
        "#  size  count  type  redop  strategy  time  min  max  algbw  busbw  #wrong  busbw\n"
        "     64     16  int32  prod  ring      5.00  4.00  6.00  0.01  0.01  0  -\n"
        "     64     64  uint8   max  rd        4.00  3.00  5.00  0.02  0.02  0  -\n";
    CHECKF(parse(&rs, ints, "ints.txt", NULL, err) == 0 && rs.n == 2, "%zu rows; %s", rs.n, err);
    if (rs.n == 2) {
      CHECK_STREQ(rs.rows[0].dtype, "i32");
      CHECK_STREQ(rs.rows[0].redop, "prod");
      CHECK_STREQ(rs.rows[1].dtype, "u8");
      CHECK_STREQ(rs.rows[1].redop, "max");
    }
    cc_rowset_free(&rs);
  }
}

// Whatever is wrong: one line naming the file and line; nothing of the file kept.
static void test_errors(void) {
  char *text = slurp(DATA "allgather_4r2n.txt"), err[512];
  cc_rowset rs;
  struct {
    const char *from, *to, *name, *want;
  } bad[] = {
      {"681.37     882.02     1.42     1.07       0    1.00\n", "681.", "cut.txt", "cut.txt:29: a row of 7"},
      {"17.16", "17.1x", "garbled.txt", "garbled.txt:12: column 'time': '17.1x'"},
      {"  ring      25.92", "  warp      25.92", "strategy.txt", "strategy.txt:15: column 'strategy'"},
      {"mpi      43.08", "mpi     -43.08", "neg.txt", "neg.txt:20: column 'time'"},
      {"float   none       rd      16.86", "quad    none       rd      16.86", "type.txt", "type.txt:13: column 'type'"},
      {"0    0.97", "x    0.97", "wrong.txt", "wrong.txt:13: column '#wrong'"},
      {"#wrong", "#right", "header.txt", "header.txt:10: the table header has no '#wrong' column"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *t = cc_strdup(text), *at = strstr(t, bad[i].from);
    CHECKF(at != NULL, "case %zu: '%s' not in the file", i, bad[i].from);
    if (!at) {
      free(t);
      continue;
    }
    size_t to = strlen(bad[i].to);
    memcpy(at, bad[i].to, to);
    if (i == 0) at[to] = '\0';  // the file ends there
    CHECKF(parse(&rs, t, bad[i].name, NULL, err) != 0, "case %zu accepted", i);
    CHECKF(strstr(err, bad[i].want) && !strchr(err, '\n'), "case %zu: error '%s', want '%s'", i, err, bad[i].want);
    CHECKF(rs.n == 0, "case %zu: %zu rows kept", i, rs.n);
    cc_rowset_free(&rs);
    free(t);
  }

  // No banner: which collective? No layout line: the caller says, or it is an error; and where both
  // say, they agree.
  const char *table = strstr(text, "#       size");
  CHECKF(parse(&rs, table, "bare.txt", NULL, err) != 0 && strstr(err, "bare.txt:3:") && strstr(err, "collective"),
         "%s", err);
  cc_rowset_free(&rs);
  const char *no_layout = "# ccbench 0.1.0 (x): allgather, no reduction, out of place\n"
                          "#  size  count  type  redop  strategy  time  min  max  algbw  busbw  #wrong  busbw\n"
                          "   1024    256  float  none  ring      17.16 15.84 32.36 0.06 0.04 0 -\n";
  CHECKF(parse(&rs, no_layout, "nolayout.txt", NULL, err) != 0 && strstr(err, "nolayout.txt:3:") &&
             strstr(err, "--ranks"),
         "%s", err);
  cc_rowset_free(&rs);
  CHECKF(parse(&rs, no_layout, "nolayout.txt", &(cc_ccbench_text_opts){.ranks = 8, .ranks_per_node = 4}, err) == 0 &&
             rs.n == 1,
         "%s", err);
  if (rs.n == 1) CHECK(rs.rows[0].ranks == 8 && rs.rows[0].nodes == 2 && rs.rows[0].ranks_per_node == 4 && !rs.rows[0].profile);
  cc_rowset_free(&rs);
  CHECKF(parse(&rs, text, "ag.txt", &(cc_ccbench_text_opts){.ranks = 8}, err) != 0 && strstr(err, "ag.txt:12:") &&
             strstr(err, "4 ranks, but 8"),
         "%s", err);
  cc_rowset_free(&rs);

  // A collective ccsim does not read: noted and skipped; with nothing else, an error.
  char *other = cc_strdup(text);
  memcpy(strstr(other, "allgather,"), "broadcast,", 10);
  CHECKF(parse(&rs, other, "bc.txt", &noting, err) != 0 && strstr(err, "bc.txt: no allreduce"), "%s", err);
  CHECKF(strstr(notes, "bc.txt:1: 'broadcast'") && strstr(notes, "skipped"), "notes: %s", notes);
  cc_rowset_free(&rs);
  free(other);
  // A header and no rows.
  char *header_only = cc_strdup(text);
  *strstr(header_only, "        1024") = '\0';
  CHECKF(parse(&rs, header_only, "empty.txt", NULL, err) != 0 && strstr(err, "empty.txt: no ccbench table rows"), "%s",
         err);
  cc_rowset_free(&rs);
  free(header_only);
  free(text);
}

// Only ccbench's own header says "ccbench text": nccl-tests logs and row CSVs do not.
static void test_sniff(void) {
  const char *others[] = {CC_SOURCE_DIR "/sim/tests/data/nccl-tests/aion-h100_h100_16r2n.log",
                          CC_SOURCE_DIR "/sim/tests/data/nccl-tests/abci-a100_a100_16r2n_sharp.log",
                          DATA "avg_f32_bf16_4r2n.csv"};
  for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
    char *text = slurp(others[i]);
    CHECKF(!cc_ccbench_text_sniff(text), "%s read as ccbench text", others[i]);
    free(text);
  }
  CHECK(!cc_ccbench_text_sniff("") && !cc_ccbench_text_sniff("# strategy avg busbw GB/s\n"));
  CHECK(cc_ccbench_text_sniff("junk\n[1,2]<stderr>:# size count type redop strategy time"));
}

int main(void) {
  test_allreduce();
  test_compressed();
  test_allgather();
  test_csv_on_stdout();
  test_pasted();
  test_columns();
  test_errors();
  test_sniff();
  return check_done("test_sim_ccbench_text");
}
