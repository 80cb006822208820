// Reads the text output of nccl-tests (all_reduce_perf and friends) as measured rows, so a profile can
// be calibrated from logs people already have.
//
// Each data line gives two rows (out-of-place, then in-place), strategy "nccl". Ranks come from the
// "#  Rank N ... on HOST ..." lines (nodes = distinct hosts); the collective from the binary the log
// names ("Collective test starting: all_gather_perf", a command line's ".../reduce_scatter_perf"),
// else allreduce. Tests other than all_reduce, all_gather and reduce_scatter are refused. Runs
// concatenated in one log are read each with its own ranks, hosts and collective.
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/rows.h"

// Appends the rows of `path`. ranks_override > 0 replaces the rank count (logs cut before the rank
// list). 0, or -1 with one line "<path>:<line>: ..." in err.
int cc_nccltests_read(cc_rowset *rs, const char *path, int ranks_override, char *err, size_t errlen);
// Parses log text already in memory (path only names it in messages).
int cc_nccltests_parse(cc_rowset *rs, const char *text, const char *path, int ranks_override, char *err,
                       size_t errlen);
// Whether the text looks like an nccl-tests log rather than a CSV in the row schema.
bool cc_nccltests_sniff(const char *text);
