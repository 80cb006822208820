// The row schema: CSV and JSON lines writers, and the CSV reader (see rows.h).
#include "common/rows.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cli.h"
#include "common/error.h"
#include "common/json.h"
#include "common/readfile.h"

const char *const cc_row_columns[CC_ROW_NCOLS] = {
    "source", "op", "strategy", "algo", "compress", "dtype", "ranks", "nodes", "ranks_per_node", "bytes",
    "count", "time_us", "time_min_us", "time_max_us", "algbw_GBps", "busbw_GBps", "wire_bytes", "errors",
    "profile", "encode_us", "comm_us", "decode_us", "rel_err", "redop", "placement"};

// Where each column lives in cc_row and what it holds, in cc_row_columns order. One table drives the
// writers and the reader, so they cannot disagree.
typedef enum { COL_STRING, COL_INT, COL_U64, COL_I64, COL_DOUBLE } col_kind;
static const struct {
  col_kind kind;
  size_t offset;
} layout[] = {
    {COL_STRING, offsetof(cc_row, source)},      {COL_STRING, offsetof(cc_row, op)},
    {COL_STRING, offsetof(cc_row, strategy)},    {COL_STRING, offsetof(cc_row, algo)},
    {COL_STRING, offsetof(cc_row, compress)},    {COL_STRING, offsetof(cc_row, dtype)},
    {COL_INT, offsetof(cc_row, ranks)},          {COL_INT, offsetof(cc_row, nodes)},
    {COL_INT, offsetof(cc_row, ranks_per_node)}, {COL_U64, offsetof(cc_row, bytes)},
    {COL_U64, offsetof(cc_row, count)},          {COL_DOUBLE, offsetof(cc_row, time_us)},
    {COL_DOUBLE, offsetof(cc_row, time_min_us)}, {COL_DOUBLE, offsetof(cc_row, time_max_us)},
    {COL_DOUBLE, offsetof(cc_row, algbw_GBps)},  {COL_DOUBLE, offsetof(cc_row, busbw_GBps)},
    {COL_U64, offsetof(cc_row, wire_bytes)},     {COL_I64, offsetof(cc_row, errors)},
    {COL_STRING, offsetof(cc_row, profile)},     {COL_DOUBLE, offsetof(cc_row, encode_us)},
    {COL_DOUBLE, offsetof(cc_row, comm_us)},     {COL_DOUBLE, offsetof(cc_row, decode_us)},
    {COL_DOUBLE, offsetof(cc_row, rel_err)},     {COL_STRING, offsetof(cc_row, redop)},
    {COL_STRING, offsetof(cc_row, placement)},
};
_Static_assert(sizeof layout / sizeof layout[0] == CC_ROW_NCOLS, "one layout entry per column");

static const void *field_of(const cc_row *row, int c) { return (const char *)row + layout[c].offset; }
static void *field_of_mut(cc_row *row, int c) { return (char *)row + layout[c].offset; }

// --- writing -------------------------------------------------------------------------------------

// RFC 4180: a field holding a comma, quote or line break is quoted, with quotes doubled. So is one
// starting with '#', which the reader would take for a comment line in the first column.
void cc_csv_write_field(FILE *f, const char *s) {
  if (!s) return;
  if (s[0] != '#' && !s[strcspn(s, ",\"\r\n")]) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

// Nine significant digits: exact to 0.1 us up to 100 s, and short enough to read.
static void write_double(FILE *f, double v, bool json) {
  if (!isfinite(v) && json) fputs("null", f);
  else if (isnan(v)) fputs("nan", f);  // printf may write "-nan"
  else fprintf(f, "%.9g", v);
}

static void write_field(FILE *f, const cc_row *row, int c, bool json) {
  const void *p = field_of(row, c);
  switch (layout[c].kind) {
    case COL_STRING:
      if (json) cc_json_string(f, *(const char *const *)p);
      else cc_csv_write_field(f, *(const char *const *)p);
      break;
    case COL_INT: fprintf(f, "%d", *(const int *)p); break;
    case COL_U64: fprintf(f, "%" PRIu64, *(const uint64_t *)p); break;
    case COL_I64: fprintf(f, "%lld", *(const long long *)p); break;
    case COL_DOUBLE: write_double(f, *(const double *)p, json); break;
  }
}

void cc_rows_write_csv_header(FILE *f) {
  for (int c = 0; c < CC_ROW_NCOLS; c++) fprintf(f, "%s%s", c ? "," : "", cc_row_columns[c]);
  fputc('\n', f);
}

void cc_row_write_csv(FILE *f, const cc_row *row) {
  for (int c = 0; c < CC_ROW_NCOLS; c++) {
    if (c) fputc(',', f);
    write_field(f, row, c, false);
  }
  fputc('\n', f);
}

void cc_row_write_json(FILE *f, const cc_row *row) {
  fputc('{', f);
  for (int c = 0; c < CC_ROW_NCOLS; c++) {
    fprintf(f, "%s\"%s\":", c ? "," : "", cc_row_columns[c]);
    write_field(f, row, c, true);
  }
  fputs("}\n", f);
}

int cc_rowfile_open(cc_rowfile *rf, const char *path, cc_rows_format format) {
  *rf = (cc_rowfile){.format = format};
  if (cc_afile_open(&rf->af, path) != 0) return -1;
  if (format == CC_ROWS_CSV) cc_rows_write_csv_header(rf->af.f);
  if (cc_afile_flush(&rf->af) != 0) {
    int err = errno;
    cc_afile_discard(&rf->af);
    errno = err;
    return -1;
  }
  return 0;
}

int cc_rowfile_write(cc_rowfile *rf, const cc_row *row) {
  if (rf->format == CC_ROWS_CSV) cc_row_write_csv(rf->af.f, row);
  else cc_row_write_json(rf->af.f, row);
  rf->nrows++;
  return cc_afile_flush(&rf->af);  // now: the first failed write stops the run, not its end
}

int cc_rowfile_commit(cc_rowfile *rf) { return cc_afile_commit(&rf->af); }
void cc_rowfile_discard(cc_rowfile *rf) { cc_afile_discard(&rf->af); }

// --- the row set ---------------------------------------------------------------------------------

void cc_rowset_init(cc_rowset *rs) { *rs = (cc_rowset){0}; }

void cc_rowset_free(cc_rowset *rs) {
  for (size_t i = 0; i < rs->nstrings; i++) free(rs->strings[i]);
  free(rs->strings);
  free(rs->rows);
  *rs = (cc_rowset){0};
}

static void *grow(void *array, size_t *cap, size_t item_size) {
  size_t new_cap = *cap ? 2 * *cap : 64;
  *cap = new_cap;
  return cc_realloc(array, new_cap * item_size);
}

// A copy of s owned by the set. Columns like source, op and profile repeat row after row, so the
// previous row's copy is shared when equal.
static const char *store_string(cc_rowset *rs, const char *s, const char *previous) {
  if (!s) return NULL;
  if (previous && strcmp(previous, s) == 0) return previous;
  if (rs->nstrings == rs->capstrings) rs->strings = grow(rs->strings, &rs->capstrings, sizeof(char *));
  char *copy = cc_strdup(s);
  rs->strings[rs->nstrings++] = copy;
  return copy;
}

void cc_rowset_add(cc_rowset *rs, const cc_row *row) {
  if (rs->n == rs->cap) rs->rows = grow(rs->rows, &rs->cap, sizeof(cc_row));
  cc_row copy = *row;
  const cc_row *previous = rs->n ? &rs->rows[rs->n - 1] : NULL;
  for (int c = 0; c < CC_ROW_NCOLS; c++) {
    if (layout[c].kind != COL_STRING) continue;
    const char **s = field_of_mut(&copy, c);
    *s = store_string(rs, *s, previous ? *(const char *const *)field_of(previous, c) : NULL);
  }
  rs->rows[rs->n++] = copy;
}

// --- reading -------------------------------------------------------------------------------------

typedef struct {
  char *p, *end;      // unread text
  int line;           // line number at p
  int record_line;    // line where the current record starts
  char **fields;      // the current record's fields, pointing into the text
  int nfields, capfields;
  const char *error;  // what is wrong when next_record returns -1
} csv_in;

static bool blank_line(const char *p, const char *end) {
  for (; p < end && *p != '\n'; p++)
    if (*p != ' ' && *p != '\t' && *p != '\r') return false;
  return true;
}

// Parses the next record, skipping blank lines and '#' comment lines. Fields are unquoted in place:
// unquoting only shrinks text, so the write position never passes the read position. Returns the
// number of fields, 0 at the end of the text, or -1 for a malformed quoted field.
static int next_record(csv_in *in) {
  while (in->p < in->end && (*in->p == '#' || blank_line(in->p, in->end))) {
    char *eol = memchr(in->p, '\n', (size_t)(in->end - in->p));
    in->p = eol ? eol + 1 : in->end;
    in->line++;
  }
  if (in->p == in->end) return 0;
  in->record_line = in->line;
  in->nfields = 0;
  char *rd = in->p, *wr = in->p;
  for (;;) {
    char *field = wr;
    if (rd < in->end && *rd == '"') {
      for (rd++;; rd++) {
        if (rd == in->end) {
          in->error = "unterminated quoted field";
          return -1;
        }
        if (*rd == '"' && rd + 1 < in->end && rd[1] == '"') rd++;  // "" is one quote
        else if (*rd == '"') break;
        if (*rd == '\n') in->line++;
        *wr++ = *rd;
      }
      rd++;  // past the closing quote
      if (rd + 1 < in->end && rd[0] == '\r' && rd[1] == '\n') rd++;  // CRLF line end
      if (rd < in->end && *rd != ',' && *rd != '\n') {
        in->error = "text after a closing quote";
        return -1;
      }
    } else {
      while (rd < in->end && *rd != ',' && *rd != '\n') *wr++ = *rd++;
      if ((rd == in->end || *rd == '\n') && wr > field && wr[-1] == '\r') wr--;  // CRLF line end
    }
    if (in->nfields == in->capfields) {
      size_t cap = (size_t)in->capfields;
      in->fields = grow(in->fields, &cap, sizeof(char *));
      in->capfields = (int)cap;
    }
    in->fields[in->nfields++] = field;
    char separator = rd < in->end ? *rd++ : '\n';
    *wr++ = '\0';
    if (separator == '\n') {
      in->line++;
      in->p = rd;
      return in->nfields;
    }
  }
}

static int read_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int read_fail(char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static int parse_u64(const char *s, uint64_t *out) {
  if (!*s || s[strspn(s, "0123456789")]) return -1;
  errno = 0;
  unsigned long long v = strtoull(s, NULL, 10);
  if (errno) return -1;
  *out = v;
  return 0;
}

// A plain decimal number (cc_parse_double: no hex, no inf), or the "nan" the writer uses for a value
// not measured.
static int parse_double_field(const char *s, double *out) {
  if (strcasecmp(s, "nan") == 0) {
    *out = NAN;
    return 0;
  }
  return cc_parse_double(s, out);
}

static bool is_column(int c, size_t offset) { return layout[c].offset == offset; }

// Why column c of a parsed row holds what no writer can mean, or NULL: a negative time or phase, a
// rel_err below 0 other than -1 (not computed), a measured row whose time is not positive (ccbench
// times every point it writes; a 0 or nan there would be priced as an infinitely fast collective).
static const char *impossible_value(const cc_row *row, int c) {
  if (layout[c].kind != COL_DOUBLE) return NULL;
  double v = *(const double *)field_of(row, c);
  bool measured = row->source && strcmp(row->source, "measured") == 0;
  if (is_column(c, offsetof(cc_row, time_us)) && measured && !(v > 0)) return "is not a positive time (a measured row)";
  if (is_column(c, offsetof(cc_row, rel_err))) return v < 0 && v != -1 ? "is negative (and not -1, not computed)" : NULL;
  bool time = is_column(c, offsetof(cc_row, time_us)) || is_column(c, offsetof(cc_row, time_min_us)) ||
              is_column(c, offsetof(cc_row, time_max_us)) || is_column(c, offsetof(cc_row, encode_us)) ||
              is_column(c, offsetof(cc_row, decode_us));
  return time && v < 0 ? "is a negative time" : NULL;
}

static int parse_field(cc_row *row, int c, const char *text) {
  void *p = field_of_mut(row, c);
  long long v;
  switch (layout[c].kind) {
    case COL_STRING: *(const char **)p = text; return 0;
    case COL_INT:
      if (cc_parse_int(text, &v) != 0 || v < INT_MIN || v > INT_MAX) return -1;
      *(int *)p = (int)v;
      return 0;
    case COL_U64: return parse_u64(text, p);
    case COL_I64: return cc_parse_int(text, p);
    case COL_DOUBLE: return parse_double_field(text, p);
  }
  return -1;
}

static int parse_csv(cc_rowset *rs, csv_in *in, const char *path, char *err, size_t errlen) {
  int nheader = next_record(in);
  if (nheader < 0) return read_fail(err, errlen, "%s:%d: %s", path, in->record_line, in->error);
  if (nheader == 0) return read_fail(err, errlen, "%s: empty file (expected a header line)", path);
  int index_of[CC_ROW_NCOLS];  // field index of each column in this file
  for (int c = 0; c < CC_ROW_NCOLS; c++) index_of[c] = -1;
  for (int i = 0; i < nheader; i++) {
    for (int c = 0; c < CC_ROW_NCOLS; c++) {
      if (strcmp(in->fields[i], cc_row_columns[c]) != 0) continue;
      if (index_of[c] >= 0)
        return read_fail(err, errlen, "%s:%d: column '%s' appears twice", path, in->record_line, cc_row_columns[c]);
      index_of[c] = i;
    }
  }
  for (int c = 0; c < CC_ROW_NREQUIRED; c++)
    if (index_of[c] < 0)
      return read_fail(err, errlen, "%s:%d: missing column '%s'", path, in->record_line, cc_row_columns[c]);

  for (;;) {
    int n = next_record(in);
    if (n == 0) return 0;
    if (n < 0) return read_fail(err, errlen, "%s:%d: %s", path, in->record_line, in->error);
    if (n != nheader)
      return read_fail(err, errlen, "%s:%d: %d fields, but the header has %d", path, in->record_line, n, nheader);
    cc_row row = {.rel_err = -1};
    for (int c = 0; c < CC_ROW_NCOLS; c++) {
      if (index_of[c] < 0) continue;  // an optional column this file lacks
      const char *text = in->fields[index_of[c]];
      if (parse_field(&row, c, text) != 0)
        return read_fail(err, errlen, "%s:%d: column '%s': '%s' is not %s", path, in->record_line, cc_row_columns[c],
                         text, layout[c].kind == COL_DOUBLE ? "a number" : "an integer");
    }
    for (int c = 0; c < CC_ROW_NCOLS; c++) {  // after the whole row: a rule may depend on its source
      const char *why = index_of[c] < 0 ? NULL : impossible_value(&row, c);
      if (why)
        return read_fail(err, errlen, "%s:%d: column '%s': '%s' %s", path, in->record_line, cc_row_columns[c],
                         in->fields[index_of[c]], why);
    }
    cc_rowset_add(rs, &row);
  }
}

int cc_rowset_read_csv_text(cc_rowset *rs, char *text, size_t size, const char *name, char *err, size_t errlen) {
  csv_in in = {.p = text, .end = text + size, .line = 1};
  if (size >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) in.p += 3;  // UTF-8 mark some editors add
  size_t first_row = rs->n;
  int rc = parse_csv(rs, &in, name, err, errlen);
  if (rc != 0) rs->n = first_row;  // a file is read whole or not at all
  free(in.fields);
  return rc;
}

int cc_rowset_read_csv(cc_rowset *rs, const char *path, char *err, size_t errlen) {
  size_t size;
  char *text = cc_read_text_file(path, &size, err, errlen);
  if (!text) return -1;
  int rc = cc_rowset_read_csv_text(rs, text, size, path, err, errlen);
  free(text);
  return rc;
}
