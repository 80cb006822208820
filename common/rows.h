// The row schema shared by ccbench (measured), ccsim (predicted) and the plots.
//
// CSV header, in this order (JSON lines use the same keys):
//   source,op,strategy,algo,compress,dtype,ranks,nodes,ranks_per_node,bytes,count,time_us,
//   time_min_us,time_max_us,algbw_GBps,busbw_GBps,wire_bytes,errors,profile,
//   encode_us,comm_us,decode_us,rel_err,redop,placement
// errors is -1 when the result was not checked. Bandwidths are in GB/s (1e9 bytes per second).
// The last six are optional when reading (files written before them lack them). encode/comm/decode
// split the median time of compressed strategies (0 when not split), rel_err = ||result - exact sum||
// / ||exact sum|| (-1 when not computed); redop is the reduction ("sum", "avg", "max", ...; "none" for
// allgather; empty when the file did not say, read as sum); placement is "out-of-place" or "in-place"
// (empty when the file did not say).
// Reading, numbers are plain decimal (no hex, no inf); "nan" is a value not measured. Times and phases
// (time_us, time_min_us, time_max_us, encode_us, decode_us) are never negative, rel_err is >= 0 or -1,
// and a measured row's time_us is positive: the reader refuses anything else with file:line and column.
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "common/atomic_file.h"

typedef struct {
  const char *source;    // "measured" or "predicted"
  const char *op;        // "allreduce", "allgather", "reduce_scatter"
  const char *strategy;  // full strategy string: "hier:ring/ring+int8"
  const char *algo;      // algorithm part: "hier:ring/ring"
  const char *compress;  // compressor part or "none"
  const char *dtype;     // "f32", "f64", "f16", "bf16", "i8", "u8", "i32", "u32", "i64", "u64"
  int ranks, nodes, ranks_per_node;
  uint64_t bytes;        // message size as swept (allreduce: the vector; allgather/reduce_scatter:
                         // the whole gathered/scattered buffer, as nccl-tests)
  uint64_t count;        // elements in `bytes`
  double time_us, time_min_us, time_max_us;  // median, min, max over iterations
  double algbw_GBps, busbw_GBps;
  uint64_t wire_bytes;   // bytes sent per rank (max over ranks) per operation
  long long errors;      // wrong elements summed over ranks, -1 when not checked
  const char *profile;   // machine profile: measured host name or simulator profile name
  double encode_us, comm_us, decode_us;  // compressed strategies: medians of each phase
  double rel_err;        // relative error of the result against the exact sum, -1 when not computed
  const char *redop;     // "sum", "avg", "max", ...; "none" (allgather); NULL or "" when unknown (sum)
  const char *placement; // "out-of-place", "in-place"; NULL or "" when unknown
} cc_row;

#define CC_ROW_NCOLS 25
#define CC_ROW_NREQUIRED 19  // the columns every file must have
extern const char *const cc_row_columns[CC_ROW_NCOLS];

// --- writing -------------------------------------------------------------------------------------
typedef enum { CC_ROWS_CSV, CC_ROWS_JSONL } cc_rows_format;

typedef struct {
  cc_afile af;
  cc_rows_format format;
  long long nrows;
} cc_rowfile;

// Opens path (see atomic_file.h) and writes the CSV header. 0, or -1 with errno and rf->af.why set.
int cc_rowfile_open(cc_rowfile *rf, const char *path, cc_rows_format format);
// Appends one row and flushes it, so an interrupted run keeps every finished row. 0, or -1 with errno
// and rf->af.why set when this or an earlier write failed (a full disk): the caller stops there.
int cc_rowfile_write(cc_rowfile *rf, const cc_row *row);
int cc_rowfile_commit(cc_rowfile *rf);
void cc_rowfile_discard(cc_rowfile *rf);

// Single-row formatting (used by the writers and handy for tests).
void cc_row_write_csv(FILE *f, const cc_row *row);
void cc_row_write_json(FILE *f, const cc_row *row);
void cc_rows_write_csv_header(FILE *f);
// One CSV field (RFC 4180): quoted, quotes doubled, when it holds a comma, quote or line break or
// starts with '#'; NULL writes an empty field. Strategy names like "ring+topk:0.01,approx" need it.
void cc_csv_write_field(FILE *f, const char *s);

// --- reading -------------------------------------------------------------------------------------
// All rows of one or more files, with the strings they point to owned by the set.
typedef struct {
  cc_row *rows;
  size_t n, cap;
  char **strings;  // every string the rows point to, freed by cc_rowset_free
  size_t nstrings, capstrings;
} cc_rowset;

void cc_rowset_init(cc_rowset *rs);
void cc_rowset_free(cc_rowset *rs);
// Reads a CSV in the row schema (header required; columns may come in any order, unknown columns are
// ignored, missing ones are an error). On error returns -1 and writes one line naming the file, line
// and column, e.g. "out.csv:7: column 'time_us': 'abc' is not a number".
int cc_rowset_read_csv(cc_rowset *rs, const char *path, char *err, size_t errlen);
// The same for text already in memory (size bytes, not necessarily NUL-terminated; parsed in place,
// so it is changed); name is the file the messages name.
int cc_rowset_read_csv_text(cc_rowset *rs, char *text, size_t size, const char *name, char *err, size_t errlen);
// Appends a copy of row (strings duplicated into the set).
void cc_rowset_add(cc_rowset *rs, const cc_row *row);
