// Checks a ccbench result file against properties that follow from the definitions, not from ccbench:
//
//   check_rows FILE.csv RANKS COLLECTIVE STRATEGIES [JSONL]
//
//  - the CSV parses in the row schema, one row per (size, strategy), sizes strictly increasing;
//  - every row was checked and has 0 wrong elements, min <= median <= max;
//  - algbw = bytes / time and busbw = algbw x nccl-tests' factor for the collective;
//  - ring allreduce puts exactly 2*count - block(r) - block(r+1) elements on the wire from rank r
//    (the blocks it neither forwards in the reduce-scatter nor in the allgather), max over ranks;
//  - the JSON lines file (if given) has the same number of rows, each an object with every column;
//  - the .meta.json sidecar exists and names the command, commit and MPI library.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strategy.h"
#include "common/rows.h"
#include "common/tests/check.h"


static bool near(double a, double b) { return fabs(a - b) <= 1e-6 * fabs(b) + 1e-9; }


// Elements ring allreduce sends from rank r: all blocks but r and r+1, twice over.
static double ring_wire_elems(double count, int P) {
  double worst = 0;
  for (int r = 0; r < P; r++) {
    double base = floor(count / P), extra = count - base * P;
    double br = base + (r < extra), bn = base + ((r + 1) % P < extra);
    double sent = 2 * count - br - bn;
    if (sent > worst) worst = sent;
  }
  return worst;
}

static void check_json_lines(const char *path, size_t nrows) {
  char *text = read_text(path);
  CHECKF(text != NULL, "%s: cannot read", path);
  if (!text) return;
  size_t lines = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), lines++) {
    size_t len = strlen(line);
    CHECKF(len > 2 && line[0] == '{' && line[len - 1] == '}', "%s:%zu: not a JSON object", path, lines + 1);
    for (int c = 0; c < CC_ROW_NCOLS; c++) {
      char key[64];
      snprintf(key, sizeof key, "\"%s\":", cc_row_columns[c]);
      CHECKF(strstr(line, key) != NULL, "%s:%zu: key %s missing", path, lines + 1, key);
    }
  }
  CHECKF(lines == nrows, "%s: %zu JSON lines, %zu CSV rows", path, lines, nrows);
  free(text);
}

static void check_sidecar(const char *results) {
  char path[4096];
  snprintf(path, sizeof path, "%s.meta.json", results);
  char *text = read_text(path);
  CHECKF(text != NULL, "%s: missing", path);
  if (!text) return;
  const char *keys[] = {"\"command\"", "\"commit\"", "\"mpi\"", "\"date\"", "\"host\"", "\"ranks\""};
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
    CHECKF(strstr(text, keys[k]) != NULL, "%s: no %s", path, keys[k]);
  free(text);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: check_rows FILE.csv RANKS COLLECTIVE STRATEGIES [JSONL]\n");
    return 2;
  }
  const char *csv = argv[1];
  int P = atoi(argv[2]);
  cc_coll coll;
  if (cc_coll_parse(argv[3], &coll) != 0) return 2;
  // Strategies in sweep order.
  char *names[32];
  int nstrategies = 0;
  for (char *s = strtok(argv[4], ","); s && nstrategies < 32; s = strtok(NULL, ",")) names[nstrategies++] = s;

  cc_rowset rs;
  cc_rowset_init(&rs);
  char err[512];
  if (cc_rowset_read_csv(&rs, csv, err, sizeof err) != 0) {
    fprintf(stderr, "check_rows: %s\n", err);
    return 1;
  }
  CHECKF(rs.n > 0 && rs.n % (size_t)nstrategies == 0, "%zu rows is not a multiple of %d strategies", rs.n, nstrategies);
  for (size_t i = 0; i < rs.n; i++) {
    const cc_row *r = &rs.rows[i];
    CHECKF(strcmp(r->strategy, names[i % (size_t)nstrategies]) == 0, "row %zu: strategy %s, expected %s", i, r->strategy,
           names[i % (size_t)nstrategies]);
    CHECKF(strcmp(r->source, "measured") == 0, "row %zu: source %s", i, r->source);
    CHECKF(strcmp(r->op, cc_coll_name(coll)) == 0, "row %zu: op %s", i, r->op);
    CHECKF(r->ranks == P, "row %zu: ranks %d", i, r->ranks);
    CHECKF(r->errors == 0, "row %zu (%s, %llu B): %lld wrong elements", i, r->strategy,
           (unsigned long long)r->bytes, r->errors);
    CHECKF(r->time_min_us <= r->time_us && r->time_us <= r->time_max_us, "row %zu: min/median/max out of order", i);
    double algbw = r->time_us > 0 ? (double)r->bytes / r->time_us / 1e3 : 0;
    CHECKF(near(r->algbw_GBps, algbw), "row %zu: algbw %g, bytes/time gives %g", i, r->algbw_GBps, algbw);
    double factor = coll == CC_ALLREDUCE ? 2.0 * (P - 1) / P : (double)(P - 1) / P;
    CHECKF(near(r->busbw_GBps, r->algbw_GBps * factor), "row %zu: busbw %g, expected %g", i, r->busbw_GBps,
           r->algbw_GBps * factor);
    if (i >= (size_t)nstrategies)
      CHECKF(r->bytes > rs.rows[i - (size_t)nstrategies].bytes, "row %zu: sizes not increasing", i);
    if (coll == CC_ALLREDUCE && strcmp(r->strategy, "ring") == 0 && P > 1) {
      double want = ring_wire_elems((double)r->count, P) * ((double)r->bytes / (double)(r->count ? r->count : 1));
      CHECKF(near((double)r->wire_bytes, want), "row %zu: ring wire bytes %llu, expected %.0f", i,
             (unsigned long long)r->wire_bytes, want);
    }
  }
  if (argc > 5) check_json_lines(argv[5], rs.n);
  check_sidecar(csv);
  size_t nrows = rs.n;
  cc_rowset_free(&rs);
  printf("check_rows: %s: %zu rows\n", csv, nrows);
  return check_done("check_rows");
}
