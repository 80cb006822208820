// Reads ccbench's own text table (what `mpirun -np 4 ccbench ...` prints on stdout, or on stderr with
// `--csv -`) as measured rows, so ccsim can calibrate and validate from a run's log when its CSV is gone.
//
// A run prints a banner naming its collective ("# ccbench 0.1.0 (abc123): allreduce, sum, out of
// place"), its layout ("# 4 ranks on 2 nodes (2 per node, ...)"), one line per rank ("#  Rank  0 Pid
// 1234 on HOST node 0"), a header naming the columns and one row per size and strategy. Each row is one
// cc_row: time is the median, size the bytes of the whole vector, the strategy name gives algo and
// compress, the type column's long name ("float", "bfloat16", "int32") becomes the short one ("f32"),
// #wrong's "N/A" is -1, the compressed columns (wire, encode, comm, decode, rel_err) are read where the
// table has them, and the profile is rank 0's host, as ccbench's own CSV has it by default.
//
// What the reader copes with, because people paste logs as their job printed them:
//  - columns are found by their header text, so columns it does not know (and ones a later ccbench
//    adds) are passed over; comment lines anywhere (the summary, nccl-tests' "# Out of bounds values"
//    and "# Avg bus bandwidth" footers) are ignored;
//  - launcher prefixes (sim/logline.h: srun --label, mpirun --tag-output, ...) and other output between
//    the lines (MPI warnings, a CSV printed by --csv - to the same file);
//  - several runs in one file (cat np4.txt np8.txt): each banner starts a run with its own collective,
//    layout and columns. A collective ccsim does not read is skipped with a note.
// A line inside a table with an integer under the size column is a row and must parse: a row cut short
// or garbled is an error naming the file and line, not a row silently lost.
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/rows.h"

// Called with one line (no newline) for each thing the reader skipped, e.g.
// "out.txt:1: broadcast is no collective ccsim reads (allreduce, allgather, reduce_scatter): its table is skipped".
typedef void (*cc_ccbench_text_note_fn)(void *ctx, const char *note);

typedef struct {
  int ranks;           // > 0: rank count of tables without the "# N ranks on M nodes" line; checked against it
  int ranks_per_node;  // > 0: the same for ranks per node
  cc_ccbench_text_note_fn note;  // NULL: notes are dropped
  void *note_ctx;
} cc_ccbench_text_opts;

// Appends the rows of `path`. opts may be NULL. 0, or -1 with one line "<path>:<line>: ..." in err; on
// error no row of the file is kept.
int cc_ccbench_text_read(cc_rowset *rs, const char *path, const cc_ccbench_text_opts *opts, char *err, size_t errlen);
// Parses text already in memory (path only names it in messages).
int cc_ccbench_text_parse(cc_rowset *rs, const char *text, const char *path, const cc_ccbench_text_opts *opts,
                          char *err, size_t errlen);
// Whether the text holds a ccbench table header (a comment line naming size, strategy and time columns):
// ccbench's text output rather than an nccl-tests log (no strategy column) or a CSV in the row schema.
bool cc_ccbench_text_sniff(const char *text);
