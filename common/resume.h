// Resuming an interrupted sweep (ccbench --resume): the rows an earlier run of the same command left
// behind, kept safe while the new run rewrites its result file.
//
// A run writing <csv> flushes every finished row to <csv>.partial and renames it onto <csv> at the
// end (rows.h, atomic_file.h). A SIGKILL or a node failure leaves <csv>.partial, possibly ending in
// half a row. Resuming:
//   1. cc_resume_load reads every row of <csv>.resume, <csv>.partial and <csv> that exist (a row
//      measured twice is kept once, first found wins), leaving out a torn last line of the .partial;
//      the files are only read (a .partial that is not a plain file, or that a running run still
//      writes, is refused before anything changes);
//   2. cc_resume_keep writes them all to <csv>.resume (atomically) before the new run truncates
//      <csv>.partial, so a crash at any moment leaves every row in one of the three files;
//   3. the new run copies them into its own file, measures only what is missing, and after its
//      commit calls cc_resume_done, which removes <csv>.resume.
// No MPI here: the caller reads on one rank and shares the verdict.
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/rows.h"

// "<csv>.resume": the rows a resumed run keeps, until its own file is complete (cctrain's CSV too).
#define CC_RESUME_SUFFIX ".resume"

// Fills prev (initialized by the caller) from the files above. *torn_bytes: bytes of an unfinished
// last line left out of <csv>.partial (0 if none). Returns the number of files read (0: nothing to
// resume, not an error), or -1 with one line in err naming the file and line.
int cc_resume_load(cc_rowset *prev, const char *csv, size_t *torn_bytes, char *err, size_t errlen);
// Writes prev to <csv>.resume through its own .partial and rename. 0, or -1 with errno.
int cc_resume_keep(const cc_rowset *prev, const char *csv);
void cc_resume_done(const char *csv);

// Two rows describe the same measurement: same source, collective, strategy, dtype, ranks, nodes,
// ranks per node and size. (Timings and everything derived from them may differ.)
bool cc_row_same_point(const cc_row *a, const cc_row *b);
// The first row of rs that is the same point as key, or NULL.
const cc_row *cc_rowset_find_point(const cc_rowset *rs, const cc_row *key);
