// Reads the text output of nccl-tests (and rccl-tests: the same layout) as measured rows, so a profile
// can be calibrated from logs people already have.
//
// Each data line gives two rows (out-of-place, then in-place), strategy "nccl", with the table's
// reduction in `redop`. What the reader copes with, because people paste logs as their job printed them:
//  - line prefixes: `srun --label` ("3: "), `mpirun --tag-output` ("[1,0]<stdout>:"), MPICH/Intel MPI
//    `-prepend-rank` ("[0] "), pdsh/clush ("node01: "); Open MPI's own "[host:pid] ..." lines;
//  - NCCL INFO/WARN lines, MPI warnings and anything else anywhere, inside the table too (a row is a
//    line with the header's columns whose size and count are integers; nothing else is one);
//  - every layout nccl-tests printed: 2017's "bytes N type op" with times in ms, the "size count type
//    redop" one with an `error` column, today's with `root` and `#wrong`, `-C 1` (cputime), `-S 1` (a
//    timestamp after the in-place columns), extra columns (copybw, per-iteration statistics);
//  - several runs in one file (cat run_np8.log run_np16.log), each with its own ranks and hosts, and
//    several collectives: each table is the collective its run names (the "Collective test starting"
//    banner, or a command line naming the binary); allreduce, allgather and reduce_scatter are read,
//    other collectives are skipped with a note. An unnamed table with a reduction is read as allreduce,
//    one without a redop column as allgather (older all_gather_perf), each with a note.
// Ranks come from the "#  Rank N ... on HOST ..." lines, nodes from the distinct hosts; a log without
// them needs the rank count (and optionally ranks per node) from the caller.
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/rows.h"

// Called with one line (no newline) for each thing the reader skipped or assumed, e.g.
// "log.txt:120: broadcast_perf table skipped (ccsim reads allreduce, allgather, reduce_scatter)".
typedef void (*cc_nccltests_note_fn)(void *ctx, const char *note);

typedef struct {
  int ranks;           // > 0: rank count of tables without rank lines; checked against those with them
  int ranks_per_node;  // > 0: ranks per node of tables without host names; checked against those with them
  cc_nccltests_note_fn note;  // NULL: notes are dropped
  void *note_ctx;
} cc_nccltests_opts;

// Appends the rows of `path`. opts may be NULL. 0, or -1 with one line "<path>:<line>: ..." in err; on
// error no row of the file is kept.
int cc_nccltests_read(cc_rowset *rs, const char *path, const cc_nccltests_opts *opts, char *err, size_t errlen);
// Parses log text already in memory (path only names it in messages).
int cc_nccltests_parse(cc_rowset *rs, const char *text, const char *path, const cc_nccltests_opts *opts, char *err,
                       size_t errlen);
// Whether the text looks like an nccl-tests log rather than a CSV in the row schema.
bool cc_nccltests_sniff(const char *text);
