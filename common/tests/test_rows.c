// Tests for common/rows: exact CSV/JSON lines formatting, row files through .partial, and the CSV
// reader on round trips, reordered columns and malformed files.
#include <math.h>

#include "common/rows.h"
#include "common/tests/check.h"

enum { NROWS = 50 };
static const char *dir;

static const char *path_in_dir(const char *name) { return test_path(dir, name); }

// The 19 required columns (files written before compression have exactly these) and the full header.
static const char HEADER[] =
    "source,op,strategy,algo,compress,dtype,ranks,nodes,ranks_per_node,bytes,count,time_us,time_min_us,"
    "time_max_us,algbw_GBps,busbw_GBps,wire_bytes,errors,profile\n";
static const char FULL_HEADER[] =
    "source,op,strategy,algo,compress,dtype,ranks,nodes,ranks_per_node,bytes,count,time_us,time_min_us,"
    "time_max_us,algbw_GBps,busbw_GBps,wire_bytes,errors,profile,encode_us,comm_us,decode_us,rel_err,redop,"
    "placement\n";

static cc_row simple_row(void) {
  return (cc_row){"measured", "allreduce", "ring", "ring", "none", "f32", 4, 1, 4, 1024, 256, 12.5, 11, 14,
                  0.08192, 0.12288, 1536, 0, "host", 0, 12.5, 0, -1, "sum", "in-place"};
}

// Row i of the round trip: strings that need quoting, every numeric kind at its awkward values.
static cc_row awkward_row(int i) {
  static const char *strategies[] = {"hier:ring/ring+int8", "a,b", "say \"hi\"", "ring"};
  cc_row row = simple_row();
  row.source = i % 7 == 0 ? "#not a comment" : "measured";
  row.strategy = strategies[i % 4];
  row.algo = i % 5 == 0 ? "" : "hier:ring/ring";
  row.profile = i % 3 == 0 ? "two\nlines, \"quoted\"" : "host-1";
  row.ranks = i + 1;
  row.nodes = i % 3 + 1;
  row.ranks_per_node = -i;
  row.bytes = 1ULL << (i % 41);
  row.count = i == 1 ? UINT64_MAX : (uint64_t)i * 1000003;
  row.time_us = 123456.789 + i;  // 9 significant digits: exact through the CSV
  row.time_min_us = 0.125 * i;
  row.time_max_us = i == 2 ? NAN : 1.25e8;
  row.algbw_GBps = i == 3 ? 1.5e300 : 0.000123456789;
  row.busbw_GBps = -2.5;
  row.wire_bytes = (uint64_t)i << 33;
  row.errors = i % 2 ? -1 : i * 1000000000LL;
  row.encode_us = 0.5 * i;
  row.comm_us = 1e6 + i;
  row.decode_us = i == 4 ? NAN : 3.0;
  row.rel_err = i % 2 ? -1 : i / 1024.0;  // binary fractions: exact through 9 digits
  return row;
}

static bool same_double(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

static bool same_row(const cc_row *a, const cc_row *b) {
  return strcmp(a->source, b->source) == 0 && strcmp(a->op, b->op) == 0 && strcmp(a->strategy, b->strategy) == 0 &&
         strcmp(a->algo, b->algo) == 0 && strcmp(a->compress, b->compress) == 0 && strcmp(a->dtype, b->dtype) == 0 &&
         a->ranks == b->ranks && a->nodes == b->nodes && a->ranks_per_node == b->ranks_per_node &&
         a->bytes == b->bytes && a->count == b->count && same_double(a->time_us, b->time_us) &&
         same_double(a->time_min_us, b->time_min_us) && same_double(a->time_max_us, b->time_max_us) &&
         same_double(a->algbw_GBps, b->algbw_GBps) && same_double(a->busbw_GBps, b->busbw_GBps) &&
         a->wire_bytes == b->wire_bytes && a->errors == b->errors && strcmp(a->profile, b->profile) == 0 &&
         same_double(a->encode_us, b->encode_us) && same_double(a->comm_us, b->comm_us) &&
         same_double(a->decode_us, b->decode_us) && same_double(a->rel_err, b->rel_err) &&
         (a->redop && b->redop ? strcmp(a->redop, b->redop) == 0 : a->redop == b->redop);
}

static void test_formatting(void) {
  FILE *f = tmpfile();
  cc_rows_write_csv_header(f);
  cc_row row = simple_row();
  cc_row_write_csv(f, &row);
  row.strategy = "a,b";
  row.algo = "say \"hi\"";
  row.profile = "two\nlines";
  row.source = "#x";
  row.compress = NULL;
  row.time_max_us = NAN;
  row.errors = -1;
  cc_row_write_csv(f, &row);
  char *csv = read_stream(f);
  fclose(f);
  char want[1024];
  snprintf(want, sizeof want, "%s%s%s", FULL_HEADER,
           "measured,allreduce,ring,ring,none,f32,4,1,4,1024,256,12.5,11,14,0.08192,0.12288,1536,0,host,0,12.5,0,-1,sum,"
           "in-place\n",
           "\"#x\",allreduce,\"a,b\",\"say \"\"hi\"\"\",,f32,4,1,4,1024,256,12.5,11,nan,0.08192,0.12288,1536,-1,"
           "\"two\nlines\",0,12.5,0,-1,sum,in-place\n");
  CHECK_STREQ(csv, want);
  free(csv);

  f = tmpfile();
  cc_row_write_json(f, &row);
  char *json = read_stream(f);
  fclose(f);
  CHECK_STREQ(json, "{\"source\":\"#x\",\"op\":\"allreduce\",\"strategy\":\"a,b\",\"algo\":\"say \\\"hi\\\"\","
                    "\"compress\":null,\"dtype\":\"f32\",\"ranks\":4,\"nodes\":1,\"ranks_per_node\":4,\"bytes\":1024,"
                    "\"count\":256,\"time_us\":12.5,\"time_min_us\":11,\"time_max_us\":null,\"algbw_GBps\":0.08192,"
                    "\"busbw_GBps\":0.12288,\"wire_bytes\":1536,\"errors\":-1,\"profile\":\"two\\nlines\",\"encode_us\":0,"
                    "\"comm_us\":12.5,\"decode_us\":0,\"rel_err\":-1,\"redop\":\"sum\",\"placement\":\"in-place\"}\n");
  free(json);
}

static void test_round_trip(void) {
  const char *csv_path = path_in_dir("rows.csv"), *json_path = path_in_dir("rows.jsonl");
  char csv_partial[300], json_partial[300];
  snprintf(csv_partial, sizeof csv_partial, "%s.partial", csv_path);
  snprintf(json_partial, sizeof json_partial, "%s.partial", json_path);

  cc_rowfile csv, json;
  CHECK(cc_rowfile_open(&csv, csv_path, CC_ROWS_CSV) == 0);
  CHECK(cc_rowfile_open(&json, json_path, CC_ROWS_JSONL) == 0);
  for (int i = 0; i < NROWS; i++) {
    cc_row row = awkward_row(i);
    cc_rowfile_write(&csv, &row);
    cc_rowfile_write(&json, &row);
    if (i == 0) {  // rows are flushed as they are written, into the .partial file only
      char *partial = read_text(csv_partial);
      CHECK(partial && strncmp(partial, FULL_HEADER, strlen(FULL_HEADER)) == 0 && strstr(partial, "hier:ring/ring+int8"));
      free(partial);
      CHECK(!file_exists(csv_path) && !file_exists(json_path) && file_exists(json_partial));
    }
  }
  CHECK(csv.nrows == NROWS && json.nrows == NROWS);
  CHECK(cc_rowfile_commit(&csv) == 0 && cc_rowfile_commit(&json) == 0);
  CHECK(file_exists(csv_path) && !file_exists(csv_partial));
  CHECK(file_exists(json_path) && !file_exists(json_partial));

  // One JSON object per line, newlines inside strings escaped.
  char *lines = read_text(json_path);
  int nlines = 0;
  for (const char *p = lines; p && *p; p++) nlines += *p == '\n';
  CHECK(nlines == NROWS);
  free(lines);

  cc_rowset rs;
  cc_rowset_init(&rs);
  char err[512] = "";
  CHECK(cc_rowset_read_csv(&rs, csv_path, err, sizeof err) == 0);
  CHECK_STREQ(err, "");
  CHECK(rs.n == NROWS);
  for (size_t i = 0; i < rs.n && i < NROWS; i++) {
    cc_row want = awkward_row((int)i);
    if (!same_row(&rs.rows[i], &want)) fprintf(stderr, "  row %zu differs after the round trip\n", i);
    CHECK(same_row(&rs.rows[i], &want));
  }
  // Reading appends; every string the rows point to belongs to the set.
  CHECK(cc_rowset_read_csv(&rs, csv_path, err, sizeof err) == 0 && rs.n == 2 * NROWS);
  CHECK(rs.n == 2 * NROWS && same_row(&rs.rows[NROWS + 5], &rs.rows[5]));
  cc_rowset_free(&rs);
  CHECK(rs.n == 0 && rs.rows == NULL);
}

static void test_discard(void) {
  const char *path = path_in_dir("discarded.csv");
  cc_rowfile rf;
  CHECK(cc_rowfile_open(&rf, path, CC_ROWS_CSV) == 0);
  cc_row row = simple_row();
  cc_rowfile_write(&rf, &row);
  cc_rowfile_discard(&rf);
  char partial[300];
  snprintf(partial, sizeof partial, "%s.partial", path);
  CHECK(!file_exists(path) && !file_exists(partial));
  CHECK(cc_rowfile_open(&rf, path_in_dir("no/such/dir.csv"), CC_ROWS_CSV) == -1);
}

// Columns in another order, an unknown column, comments, blank lines, CRLF line ends, a UTF-8 mark.
static void test_reader_flexible(void) {
  const char *path = path_in_dir("flexible.csv");
  write_text(path,
             "\xef\xbb\xbf# written by hand\r\n"
             "extra,profile,errors,wire_bytes,busbw_GBps,algbw_GBps,time_max_us,time_min_us,time_us,count,bytes,"
             "ranks_per_node,nodes,ranks,dtype,compress,algo,strategy,op,source\r\n"
             "\r\n"
             "x,\"p,1\",-1,10,1.5,2.5,3,1,2,4,16,2,1,2,f32,none,ring,ring,allreduce,measured\r\n"
             "# a comment between rows\n"
             "  \n"
             "y,\"multi\nline\",7,10,1.5,2.5,3,1,2,4,16,2,1,2,bf16,int8,ring,ring+int8,allreduce,predicted");
  cc_rowset rs;
  cc_rowset_init(&rs);
  char err[512] = "";
  CHECK(cc_rowset_read_csv(&rs, path, err, sizeof err) == 0);
  CHECK_STREQ(err, "");
  CHECK(rs.n == 2);
  if (rs.n == 2) {
    // Files without the optional compression columns read as "not split, not computed".
    cc_row want0 = {"measured", "allreduce", "ring", "ring", "none", "f32", 2, 1, 2, 16, 4, 2, 1, 3, 2.5, 1.5, 10, -1,
                    "p,1", 0, 0, 0, -1, NULL, NULL};
    cc_row want1 = {"predicted", "allreduce", "ring+int8", "ring", "int8", "bf16", 2, 1, 2, 16, 4, 2, 1, 3, 2.5, 1.5,
                    10, 7, "multi\nline", 0, 0, 0, -1, NULL, NULL};
    CHECK(same_row(&rs.rows[0], &want0));
    CHECK(same_row(&rs.rows[1], &want1));
  }
  cc_rowset_free(&rs);
}

static const char GOOD_ROW[] =
    "measured,allreduce,ring,ring,none,f32,4,1,4,1024,256,12.5,11,14,0.08192,0.12288,1536,0,host\n";

// Writes a fixture, expects the reader to reject it with want (after "<path>") and leave the set alone.
static void expect_read_error(const char *file, const char *text, const char *want) {
  const char *path = path_in_dir(file);
  if (text) write_text(path, text);
  cc_rowset rs;
  cc_rowset_init(&rs);
  cc_row row = simple_row();
  cc_rowset_add(&rs, &row);
  char err[512] = "", expected[512];
  snprintf(expected, sizeof expected, "%s%s", path, want);
  CHECK(cc_rowset_read_csv(&rs, path, err, sizeof err) == -1);
  CHECK_STREQ(err, expected);
  CHECK(rs.n == 1);
  cc_rowset_free(&rs);
}

static void test_reader_errors(void) {
  char text[2048];
  snprintf(text, sizeof text, "%s%s%s", HEADER, GOOD_ROW,
           "measured,allreduce,ring,ring,none,f32,4,1,4,1024,256,abc,11,14,0.08192,0.12288,1536,0,host\n");
  expect_read_error("bad_number.csv", text, ":3: column 'time_us': 'abc' is not a number");
  snprintf(text, sizeof text, "%s%s", HEADER,
           "measured,allreduce,ring,ring,none,f32,2.5,1,4,1024,256,12.5,11,14,0.08192,0.12288,1536,0,host\n");
  expect_read_error("bad_int.csv", text, ":2: column 'ranks': '2.5' is not an integer");
  snprintf(text, sizeof text, "%s%s", HEADER,
           "measured,allreduce,ring,ring,none,f32,4,1,4,-1024,256,12.5,11,14,0.08192,0.12288,1536,0,host\n");
  expect_read_error("negative_bytes.csv", text, ":2: column 'bytes': '-1024' is not an integer");
  snprintf(text, sizeof text, "%s%s", HEADER,
           "measured,allreduce,ring,ring,none,f32,4,1,4,1024,256,,11,14,0.08192,0.12288,1536,0,host\n");
  expect_read_error("empty_number.csv", text, ":2: column 'time_us': '' is not a number");
  expect_read_error("missing_column.csv",
                    "source,op,strategy,algo,compress,dtype,ranks,nodes,ranks_per_node,bytes,count,time_us,"
                    "time_min_us,time_max_us,algbw_GBps,busbw_GBps,wire_bytes,errors\n",
                    ":1: missing column 'profile'");
  expect_read_error("twice.csv", "# c\nop,op\n", ":2: column 'op' appears twice");
  snprintf(text, sizeof text, "%s%s%s", HEADER, GOOD_ROW,
           "measured,allreduce,ring,ring,none,f32,4,1,4,1024,256,12.5,11,14,0.08192,0.12288,1536,0\n");
  expect_read_error("field_count.csv", text, ":3: 18 fields, but the header has 19");
  snprintf(text, sizeof text, "%s%s%s", HEADER, GOOD_ROW, "\"unterminated,allreduce\n");
  expect_read_error("quote.csv", text, ":3: unterminated quoted field");
  snprintf(text, sizeof text, "%s%s", HEADER, "\"a\"b,allreduce\n");
  expect_read_error("after_quote.csv", text, ":2: text after a closing quote");
  expect_read_error("empty.csv", "", ": empty file (expected a header line)");
  expect_read_error("comments.csv", "# only\n\n# comments\n", ": empty file (expected a header line)");
  expect_read_error("missing.csv", NULL, ": No such file or directory");

  // Numbers no writer means (issue 18 item 8): strtod reads them, the reader does not.
  static const struct {
    const char *file, *time_us, *want;
  } impossible[] = {
      {"inf.csv", "inf", ":2: column 'time_us': 'inf' is not a number"},
      {"minus_inf.csv", "-inf", ":2: column 'time_us': '-inf' is not a number"},
      {"hex.csv", "0x10", ":2: column 'time_us': '0x10' is not a number"},
      {"overflow.csv", "1e999", ":2: column 'time_us': '1e999' is not a number"},
      {"negative.csv", "-5", ":2: column 'time_us': '-5' is not a positive time (a measured row)"},
      {"zero.csv", "0", ":2: column 'time_us': '0' is not a positive time (a measured row)"},
      {"nan_time.csv", "nan", ":2: column 'time_us': 'nan' is not a positive time (a measured row)"},
  };
  for (size_t i = 0; i < sizeof impossible / sizeof impossible[0]; i++) {
    snprintf(text, sizeof text, "%smeasured,allreduce,ring,ring,none,f32,4,1,4,1024,256,%s,11,14,0.08,0.12,1536,0,host\n",
             HEADER, impossible[i].time_us);
    expect_read_error(impossible[i].file, text, impossible[i].want);
  }
  snprintf(text, sizeof text, "%s%s", HEADER,
           "predicted,allreduce,ring,ring,none,f32,4,1,4,1024,256,12.5,-1,14,0.08,0.12,1536,-1,host\n");
  expect_read_error("negative_min.csv", text, ":2: column 'time_min_us': '-1' is a negative time");
  snprintf(text, sizeof text, "%s%s", HEADER,
           "predicted,allreduce,ring,ring,none,f32,4,1,4,1024,256,12.5,11,14,inf,0.12,1536,-1,host\n");
  expect_read_error("inf_bandwidth.csv", text, ":2: column 'algbw_GBps': 'inf' is not a number");
  snprintf(text, sizeof text, "%.*s,encode_us,comm_us,decode_us,rel_err\n%s", (int)strlen(HEADER) - 1, HEADER,
           "measured,allreduce,ring+int8,ring,int8,f32,4,1,4,1024,256,12.5,11,14,0.08,0.12,1536,-1,host,1,10,-0.5,-1\n");
  expect_read_error("negative_decode.csv", text, ":2: column 'decode_us': '-0.5' is a negative time");
  snprintf(text, sizeof text, "%.*s,encode_us,comm_us,decode_us,rel_err\n%s", (int)strlen(HEADER) - 1, HEADER,
           "measured,allreduce,ring+int8,ring,int8,f32,4,1,4,1024,256,12.5,11,14,0.08,0.12,1536,-1,host,1,10,1,-2\n");
  expect_read_error("rel_err.csv", text, ":2: column 'rel_err': '-2' is negative (and not -1, not computed)");

  // What is legitimate stays readable: nan (not measured) beside a measured time, -1 sentinels, a
  // predicted row of 0 us (one rank moves nothing), a comm_us below 0 by rounding.
  const char *path = path_in_dir("legit.csv");
  snprintf(text, sizeof text, "%.*s,encode_us,comm_us,decode_us,rel_err\n%s%s", (int)strlen(HEADER) - 1, HEADER,
           "measured,allreduce,ring+int8,ring,int8,f32,4,1,4,1024,256,12.5,nan,NaN,0.08,0.12,1536,-1,host,1,10,nan,-1\n",
           "predicted,allreduce,ring,ring,none,f32,1,1,1,1024,256,0,0,0,0,0,0,-1,host,0,-1e-12,0,nan\n");
  write_text(path, text);
  cc_rowset rs;
  cc_rowset_init(&rs);
  char err[512] = "";
  CHECKF(cc_rowset_read_csv(&rs, path, err, sizeof err) == 0 && rs.n == 2, "%s", err);
  CHECK(rs.n == 2 && isnan(rs.rows[0].time_min_us) && isnan(rs.rows[0].decode_us) && rs.rows[1].time_us == 0);
  cc_rowset_free(&rs);
}

int main(void) {
  dir = make_test_dir("test_rows");
  FILE *f = tmpfile();
  cc_rows_write_csv_header(f);
  char *header = read_stream(f);
  fclose(f);
  CHECK_STREQ(header, FULL_HEADER);
  free(header);
  test_formatting();
  test_round_trip();
  test_discard();
  test_reader_flexible();
  test_reader_errors();
  int rc = check_done("test_rows");
  if (rc == 0) remove_test_dir(dir);
  return rc;
}
