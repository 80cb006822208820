// Tests for common/resume: rows of an interrupted run are merged from .resume, .partial and the final
// file without duplicates, a torn last line is cut (and only it), the kept copy is complete, and a
// malformed file is an error naming it.
#include <stdio.h>
#include <string.h>

#include "common/resume.h"
#include "common/tests/check.h"

static const char *dir;

static const char *path_in_dir(const char *name) { return test_path(dir, name); }

static cc_row row_at(const char *strategy, uint64_t bytes, double time_us) {
  return (cc_row){"measured", "allreduce", strategy, strategy, "none", "f32", 4, 1, 4, bytes, bytes / 4, time_us,
                  time_us, time_us, 1, 1, 0, 0, "host", 0, time_us, 0, -1, "sum", NULL};
}

// Writes rows through the normal writer; `partial` leaves them in <path>.partial as a killed run would.
static void write_rows(const char *path, const cc_row *rows, int n, bool partial) {
  cc_rowfile rf;
  CHECK(cc_rowfile_open(&rf, path, CC_ROWS_CSV) == 0);
  for (int i = 0; i < n; i++) cc_rowfile_write(&rf, &rows[i]);
  if (partial) {
    fclose(rf.af.f);  // abandon it: the .partial stays, as after SIGKILL
    free(rf.af.path);
    free(rf.af.tmp_path);
  } else {
    CHECK(cc_rowfile_commit(&rf) == 0);
  }
}

static void append_text(const char *path, const char *text) {
  FILE *f = fopen(path, "ab");
  CHECK(f != NULL);
  if (f) fputs(text, f), fclose(f);
}

static void test_same_point(void) {
  cc_row a = row_at("ring", 1024, 10), b = row_at("ring", 1024, 99);
  CHECK(cc_row_same_point(&a, &b));  // timings differ: same point
  b.bytes = 2048;
  CHECK(!cc_row_same_point(&a, &b));
  b = row_at("rd", 1024, 10);
  CHECK(!cc_row_same_point(&a, &b));
  b = row_at("ring", 1024, 10), b.ranks = 8;
  CHECK(!cc_row_same_point(&a, &b));
  b = row_at("ring", 1024, 10), b.dtype = "bf16";
  CHECK(!cc_row_same_point(&a, &b));
  b = row_at("ring", 1024, 10), b.source = "predicted";
  CHECK(!cc_row_same_point(&a, &b));
  // The reduction and placement are part of the point; a file without them held sum, out of place.
  b = row_at("ring", 1024, 10), b.redop = "max";
  CHECK(!cc_row_same_point(&a, &b));
  b = row_at("ring", 1024, 10), b.redop = "sum", b.placement = "out-of-place";
  CHECK(cc_row_same_point(&a, &b));
  b.placement = "in-place";
  CHECK(!cc_row_same_point(&a, &b));
  a.redop = "", b.redop = "sum", b.placement = "";
  CHECK(cc_row_same_point(&a, &b));
}

static void test_nothing_to_resume(void) {
  cc_rowset rs;
  cc_rowset_init(&rs);
  char err[256] = "";
  size_t torn = 99;
  CHECK(cc_resume_load(&rs, path_in_dir("none.csv"), &torn, err, sizeof err) == 0);
  CHECK(rs.n == 0 && torn == 0);
  cc_rowset_free(&rs);
}

// An earlier finished file, a crashed resume's .resume and the crashed run's .partial with a torn tail.
static void test_merge(void) {
  const char *csv = path_in_dir("merge.csv");
  cc_row finished[2] = {row_at("ring", 8, 1), row_at("rd", 8, 2)};
  cc_row kept[3] = {row_at("ring", 8, 111), row_at("ring", 64, 3), row_at("rd", 64, 4)};
  cc_row partial[2] = {row_at("rd", 64, 444), row_at("ring", 512, 5)};
  write_rows(csv, finished, 2, false);
  write_rows(path_in_dir("merge.csv.resume"), kept, 3, false);
  write_rows(csv, partial, 2, true);
  append_text(path_in_dir("merge.csv.partial"), "measured,allreduce,rd,rd,no");  // killed mid-row

  cc_rowset rs;
  cc_rowset_init(&rs);
  char err[256] = "";
  size_t torn = 0;
  int files = cc_resume_load(&rs, csv, &torn, err, sizeof err);
  CHECKF(files == 3, "files %d: %s", files, err);
  CHECK(torn == strlen("measured,allreduce,rd,rd,no"));
  // 5 distinct points: (ring 8) (rd 8) (ring 64) (rd 64) (ring 512); the .resume copy wins a tie.
  CHECKF(rs.n == 5, "%zu rows", rs.n);
  cc_row key = row_at("ring", 8, 0);
  const cc_row *r = cc_rowset_find_point(&rs, &key);
  CHECK(r && r->time_us == 111);
  key = row_at("rd", 64, 0);
  r = cc_rowset_find_point(&rs, &key);
  CHECK(r && r->time_us == 4);
  key = row_at("ring", 512, 0);
  r = cc_rowset_find_point(&rs, &key);
  CHECK(r && r->time_us == 5);
  key = row_at("rd", 512, 0);
  CHECK(cc_rowset_find_point(&rs, &key) == NULL);

  // The kept copy holds every row, and reading again finds nothing new; the .partial was only read
  // (the new run's output replaces it), so its torn tail is still there.
  CHECK(cc_resume_keep(&rs, csv) == 0);
  cc_rowset again;
  cc_rowset_init(&again);
  CHECK(cc_rowset_read_csv(&again, path_in_dir("merge.csv.resume"), err, sizeof err) == 0);
  CHECK(again.n == 5);
  cc_rowset_free(&again);
  cc_rowset_init(&again);
  CHECK(cc_resume_load(&again, csv, &torn, err, sizeof err) == 3);
  CHECK(torn == strlen("measured,allreduce,rd,rd,no") && again.n == 5);
  cc_rowset_free(&again);

  cc_resume_done(csv);
  CHECK(access(path_in_dir("merge.csv.resume"), F_OK) != 0);
  CHECK(access(csv, F_OK) == 0);  // the results themselves stay
  cc_rowset_free(&rs);
}

// A header-only .partial (killed before the first row) and an empty one (killed before the header).
static void test_empty_partials(void) {
  const char *csv = path_in_dir("empty.csv");
  write_rows(csv, NULL, 0, true);
  cc_rowset rs;
  cc_rowset_init(&rs);
  char err[256] = "";
  size_t torn = 0;
  CHECK(cc_resume_load(&rs, csv, &torn, err, sizeof err) == 1 && rs.n == 0 && torn == 0);
  FILE *f = fopen(path_in_dir("empty.csv.partial"), "w");
  if (f) fclose(f);
  CHECK(cc_resume_load(&rs, csv, &torn, err, sizeof err) == 1 && rs.n == 0);
  cc_rowset_free(&rs);
}

// A broken row in the middle is not a torn tail: an error naming the file, nothing silently dropped.
static void test_malformed(void) {
  const char *csv = path_in_dir("bad.csv");
  cc_row rows[1] = {row_at("ring", 8, 1)};
  write_rows(csv, rows, 1, true);
  append_text(path_in_dir("bad.csv.partial"), "measured,allreduce,ring,ring,none,f32,4,1,4,abc,2,1,1,1,1,1,0,0,host,0,1,0,-1\n");
  cc_rowset rs;
  cc_rowset_init(&rs);
  char err[256] = "";
  size_t torn = 0;
  CHECK(cc_resume_load(&rs, csv, &torn, err, sizeof err) == -1);
  CHECKF(strstr(err, "bad.csv.partial") != NULL, "error: %s", err);
  cc_rowset_free(&rs);
}

int main(void) {
  dir = make_test_dir("test_resume");
  test_same_point();
  test_nothing_to_resume();
  test_merge();
  test_empty_partials();
  test_malformed();
  remove_test_dir(dir);
  return check_done("test_resume");
}
