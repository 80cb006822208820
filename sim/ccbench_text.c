#include "sim/ccbench_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/error.h"
#include "common/readfile.h"
#include "common/strategy.h"
#include "kernels/dtype.h"
#include "sim/logline.h"

enum { MAX_TOKENS = 128, MAX_LINE = 1024 };

// The columns the reader takes, by their header text. The first eleven are in every table ccbench
// prints; the rest come with compressed strategies. Any other column is passed over, and a name the
// header prints twice is its first column (the second "busbw" is the ratio to mpi: "/mpi" below it).
enum { SIZE, COUNT, TYPE, REDOP, STRATEGY, TIME, MIN, MAX, ALGBW, BUSBW, WRONG, NREQUIRED };
enum { WIRE = NREQUIRED, ENCODE, COMM, DECODE, REL_ERR, NCOLUMNS };
static const char *const column_names[NCOLUMNS] = {"size",  "count", "type",   "redop", "strategy", "time",
                                                   "min",   "max",   "algbw",  "busbw", "#wrong",   "wire",
                                                   "encode", "comm", "decode", "rel_err"};

typedef struct {
  const char *path;
  cc_ccbench_text_opts o;
  int line;
  // The current run (a banner starts one): its collective, layout and rank 0's host.
  bool banner;                 // a banner was seen
  const char *op;              // NULL: the banner named a collective ccsim does not read
  int ranks, nodes, per_node;  // 0 until the layout line
  bool layout_known;           // checked against the caller's, or taken from it, at the run's first row
  char host[256];
  // The current table: where each column stands in a row; ncols is 0 while no table is open.
  int ncols, col[NCOLUMNS], header_line;
  // The file so far.
  int rows_read;
  bool skipped;  // a table of a collective ccsim does not read
} reader;

static void note(reader *r, const char *fmt, ...) {
  if (!r->o.note) return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  cc_log_vformat(msg, sizeof msg, r->path, r->line, fmt, ap);
  va_end(ap);
  r->o.note(r->o.note_ctx, msg);
}

static int fail(reader *r, char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cc_log_vformat(err, errlen, r->path, r->line, fmt, ap);
  va_end(ap);
  return -1;
}

static bool is_integer(const char *t) { return cc_log_is_count(t); }

static bool names(char **tok, int n, const char *name) {
  for (int i = 1; i < n; i++)
    if (strcmp(tok[i], name) == 0) return true;
  return false;
}

// "#  size  count  type  redop  strategy  time ...": ccbench's column header. nccl-tests' has no
// strategy column, the summary ("# strategy avg busbw GB/s") no size.
static bool is_header(char **tok, int n) {
  return n > 1 && strcmp(tok[0], "#") == 0 && names(tok, n, "size") && names(tok, n, "strategy") &&
         (names(tok, n, "time") || names(tok, n, "cputime"));
}

// --- the run's comment lines ----------------------------------------------------------------------

// "# ccbench 0.1.0 (abc123): allreduce, sum, out of place": a new run, whose collective follows the
// commit. Nothing of the previous run (collective, layout, host, columns) carries over.
static void banner_line(reader *r, char **tok, int n) {
  r->banner = true;
  r->op = NULL;
  r->ranks = r->nodes = r->per_node = 0;
  r->layout_known = false;
  r->host[0] = '\0';
  r->ncols = 0;
  int i = 2;
  while (i < n && !(strlen(tok[i]) >= 2 && strcmp(tok[i] + strlen(tok[i]) - 2, "):") == 0)) i++;
  char name[32] = "";
  if (i + 1 < n) snprintf(name, sizeof name, "%.*s", (int)strcspn(tok[i + 1], ","), tok[i + 1]);
  cc_coll c;
  if (name[0] && cc_coll_parse(name, &c) == 0) {
    r->op = cc_coll_name(c);
    return;
  }
  r->skipped = true;
  if (name[0]) note(r, "'%s' is no collective ccsim reads (allreduce, allgather, reduce_scatter): its table is skipped", name);
  else note(r, "the banner names no collective: its table is skipped");
}

// "# 4 ranks on 2 nodes (2 per node, from --ranks-per-node), Open MPI v4.1.4, host memory, transport mpi"
static void layout_line(reader *r, char **tok, int n) {
  long long ranks, nodes, per_node;
  if (n < 8 || strcmp(tok[2], "ranks") != 0 || strcmp(tok[3], "on") != 0 || strncmp(tok[5], "node", 4) != 0 ||
      tok[6][0] != '(' || strcmp(tok[7], "per") != 0)
    return;
  if (cc_parse_int(tok[1], &ranks) != 0 || cc_parse_int(tok[4], &nodes) != 0 || cc_parse_int(tok[6] + 1, &per_node) != 0)
    return;
  if (ranks < 1 || ranks > 1 << 24 || nodes < 1 || nodes > ranks || per_node < 1 || per_node > ranks) return;
  r->ranks = (int)ranks, r->nodes = (int)nodes, r->per_node = (int)per_node;
}

// "#  Rank  0 Pid    2752 on HOST node 0": rank 0's host names the machine, as in ccbench's own CSV.
static void rank_line(reader *r, char **tok, int n) {
  if (n < 3 || strcmp(tok[2], "0") != 0) return;
  for (int i = 3; i + 1 < n; i++)
    if (strcmp(tok[i], "on") == 0) {
      snprintf(r->host, sizeof r->host, "%s", tok[i + 1]);
      return;
    }
}

// The column header: where each column the reader takes stands in a row.
static int header_line(reader *r, char **tok, int n, char *err, size_t errlen) {
  r->ncols = 0;
  for (int c = 0; c < NCOLUMNS; c++) r->col[c] = -1;
  for (int i = 1; i < n; i++)
    for (int c = 0; c < NCOLUMNS; c++)
      // With -C 1 the time column is the host's, "cputime" (as nccl-tests names it): still the time.
      if (r->col[c] < 0 && (strcmp(tok[i], column_names[c]) == 0 || (c == TIME && strcmp(tok[i], "cputime") == 0)))
        r->col[c] = i - 1;
  for (int c = 0; c < NREQUIRED; c++)
    if (r->col[c] < 0) return fail(r, err, errlen, "the table header has no '%s' column", column_names[c]);
  r->ncols = n - 1;
  r->header_line = r->line;
  return 0;
}

static int comment_line(reader *r, char **tok, int n, char *err, size_t errlen) {
  if (n < 2 || strcmp(tok[0], "#") != 0) return 0;
  if (strcmp(tok[1], "ccbench") == 0) banner_line(r, tok, n);
  else if (strcmp(tok[1], "Rank") == 0) rank_line(r, tok, n);
  else if (is_header(tok, n)) return header_line(r, tok, n, err, errlen);
  else if (strcmp(tok[1], "size") == 0 || strcmp(tok[1], "nThread") == 0) r->ncols = 0;  // nccl-tests' table: not ours
  else if (n > 2 && strcmp(tok[2], "ranks") == 0) layout_line(r, tok, n);
  return 0;
}

// --- rows -----------------------------------------------------------------------------------------

// The run's layout: from its "# N ranks on M nodes" line, or from the caller for a table pasted without
// it; checked against the caller's where both say. 0, or -1 with the reason in err.
static int layout(reader *r, char *err, size_t errlen) {
  if (r->ranks > 0) {
    if (r->o.ranks > 0 && r->o.ranks != r->ranks)
      return fail(r, err, errlen, "the run has %d ranks, but %d were given (--ranks)", r->ranks, r->o.ranks);
    if (r->o.ranks_per_node > 0 && r->o.ranks_per_node != r->per_node)
      return fail(r, err, errlen, "the run puts %d ranks on a node, but %d were given (--ranks-per-node)", r->per_node,
                  r->o.ranks_per_node);
  } else {
    if (r->o.ranks < 1)
      return fail(r, err, errlen, "no '# N ranks on M nodes' line before the table: give the rank count (--ranks)");
    r->ranks = r->o.ranks;
    r->per_node = r->o.ranks_per_node > 0 && r->o.ranks_per_node < r->ranks ? r->o.ranks_per_node : r->ranks;
    r->nodes = (r->ranks + r->per_node - 1) / r->per_node;
  }
  r->layout_known = true;
  return 0;
}

// "-" and "N/A": a value the run did not measure (no check, no payload of its own).
static bool not_measured(const char *t) { return strcmp(t, "-") == 0 || strcmp(t, "N/A") == 0; }

// Column c of this row as a non-negative integer or number; -1 with the error naming the column.
static int integer_at(reader *r, char **tok, int c, long long *v, char *err, size_t errlen) {
  if (cc_parse_int(tok[r->col[c]], v) == 0 && *v >= 0) return 0;
  return fail(r, err, errlen, "column '%s': '%s' is not a count", column_names[c], tok[r->col[c]]);
}

static int number_at(reader *r, char **tok, int c, double *v, char *err, size_t errlen) {
  if (cc_parse_double(tok[r->col[c]], v) == 0 && *v >= 0) return 0;
  return fail(r, err, errlen, "column '%s': '%s' is not a non-negative number", column_names[c], tok[r->col[c]]);
}

// The same for columns a table may lack or leave unmeasured: those give `none`.
static int optional_integer(reader *r, char **tok, int c, long long none, long long *v, char *err, size_t errlen) {
  *v = none;
  if (r->col[c] < 0 || not_measured(tok[r->col[c]])) return 0;
  return integer_at(r, tok, c, v, err, errlen);
}

static int optional_number(reader *r, char **tok, int c, double none, double *v, char *err, size_t errlen) {
  *v = none;
  if (r->col[c] < 0 || not_measured(tok[r->col[c]])) return 0;
  return number_at(r, tok, c, v, err, errlen);
}

// One row of the table: one cc_row.
static int data_line(reader *r, cc_rowset *rs, char **tok, int n, char *err, size_t errlen) {
  if (n != r->ncols)
    return fail(r, err, errlen, "a row of %d columns under a header (line %d) of %d: cut short or garbled", n,
                r->header_line, r->ncols);
  if (!r->banner)
    return fail(r, err, errlen, "no '# ccbench ...: <collective>, ...' line before the table: which collective is it?");
  if (!r->op) return 0;  // a collective ccsim does not read, noted at its banner
  if (!r->layout_known && layout(r, err, errlen) != 0) return -1;

  cc_row row = {.source = "measured", .op = r->op, .ranks = r->ranks, .nodes = r->nodes, .ranks_per_node = r->per_node,
                .profile = r->host[0] ? r->host : NULL};
  long long bytes, count, wire, wrong;
  if (integer_at(r, tok, SIZE, &bytes, err, errlen) != 0 || integer_at(r, tok, COUNT, &count, err, errlen) != 0 ||
      number_at(r, tok, TIME, &row.time_us, err, errlen) != 0 || number_at(r, tok, MIN, &row.time_min_us, err, errlen) != 0 ||
      number_at(r, tok, MAX, &row.time_max_us, err, errlen) != 0 || number_at(r, tok, ALGBW, &row.algbw_GBps, err, errlen) != 0 ||
      number_at(r, tok, BUSBW, &row.busbw_GBps, err, errlen) != 0 ||
      optional_integer(r, tok, WRONG, -1, &wrong, err, errlen) != 0)
    return -1;
  row.bytes = (uint64_t)bytes, row.count = (uint64_t)count, row.errors = wrong;

  cc_dtype dtype;
  if (cc_dtype_parse(tok[r->col[TYPE]], &dtype) != 0)
    return fail(r, err, errlen, "column 'type': '%s' is not an element type", tok[r->col[TYPE]]);
  row.dtype = cc_dtype_name(dtype);
  cc_redop redop;
  row.redop = tok[r->col[REDOP]];
  if (strcmp(row.redop, "none") != 0) {  // allgather reduces nothing
    if (cc_redop_parse(row.redop, &redop) != 0)
      return fail(r, err, errlen, "column 'redop': '%s' is not a reduction", row.redop);
    row.redop = cc_redop_name(redop);
  }
  cc_strategy s;
  char why[256];
  if (cc_strategy_parse(tok[r->col[STRATEGY]], &s, why, sizeof why) != 0)
    return fail(r, err, errlen, "column 'strategy': %s", why);
  row.strategy = s.name, row.algo = s.algo_name, row.compress = s.compress;

  // The compressed strategies' columns. A table without them ran none: its rows spent all their time
  // communicating, as ccbench's CSV has it.
  if (optional_integer(r, tok, WIRE, 0, &wire, err, errlen) != 0 ||
      optional_number(r, tok, ENCODE, 0, &row.encode_us, err, errlen) != 0 ||
      optional_number(r, tok, COMM, row.time_us, &row.comm_us, err, errlen) != 0 ||
      optional_number(r, tok, DECODE, 0, &row.decode_us, err, errlen) != 0 ||
      optional_number(r, tok, REL_ERR, -1, &row.rel_err, err, errlen) != 0)
    return -1;
  row.wire_bytes = (uint64_t)wire;
  cc_rowset_add(rs, &row);
  r->rows_read++;
  return 0;
}

// --- the file -------------------------------------------------------------------------------------

bool cc_ccbench_text_sniff(const char *text) {
  for (const char *line = text; line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    if (len < MAX_LINE && memchr(line, '#', len)) {  // a header is a short comment line
      char copy[MAX_LINE], *tok[MAX_TOKENS];
      memcpy(copy, line, len);
      copy[len] = '\0';
      int n = cc_log_tokenize(copy + cc_log_prefix_len(copy), tok, MAX_TOKENS);
      if (is_header(tok, n)) return true;
    }
    line = end ? end + 1 : NULL;
  }
  return false;
}

int cc_ccbench_text_parse(cc_rowset *rs, const char *text, const char *path, const cc_ccbench_text_opts *opts,
                          char *err, size_t errlen) {
  reader r = {.path = path};
  if (opts) r.o = *opts;
  size_t first_row = rs->n;
  char *copy = cc_strdup(text);
  int rc = 0;
  for (char *raw = copy, *next; raw && rc == 0; raw = next) {
    next = strchr(raw, '\n');
    if (next) *next++ = '\0';
    r.line++;
    char *tok[MAX_TOKENS];
    int n = cc_log_tokenize(raw + cc_log_prefix_len(raw), tok, MAX_TOKENS);
    if (n == 0) continue;
    if (tok[0][0] == '#') rc = comment_line(&r, tok, n, err, errlen);
    else if (r.ncols > 0 && n > r.col[SIZE] && is_integer(tok[r.col[SIZE]])) rc = data_line(&r, rs, tok, n, err, errlen);
    // anything else (MPI's warnings, a CSV on the same stream) is no row
  }
  free(copy);
  if (rc == 0 && r.rows_read == 0) {
    if (r.skipped) snprintf(err, errlen, "%s: no allreduce, allgather or reduce_scatter rows (its tables are of other collectives)", path);
    else snprintf(err, errlen, "%s: no ccbench table rows (expected a '#  size  count  type  redop  strategy  time ...' "
                               "header and rows)", path);
    rc = -1;
  }
  if (rc != 0) rs->n = first_row;  // a file is read whole or not at all
  return rc;
}

int cc_ccbench_text_read(cc_rowset *rs, const char *path, const cc_ccbench_text_opts *opts, char *err, size_t errlen) {
  char *text = cc_read_text_file(path, NULL, err, errlen);
  if (!text) return -1;
  int rc = cc_ccbench_text_parse(rs, text, path, opts, err, errlen);
  free(text);
  return rc;
}
