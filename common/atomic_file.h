// Files that appear whole or not at all.
//
// Output goes to "<path>.partial" and is renamed onto <path> by cc_afile_commit after an fsync, so a
// crash never leaves a half-written <path>. The .partial file holds every complete row written so far
// (writers flush row by row), so an interrupted sweep loses nothing it had finished.
#pragma once
#include <stdbool.h>
#include <stdio.h>

typedef struct {
  FILE *f;
  char *path;      // final name
  char *tmp_path;  // "<path>.partial"
} cc_afile;

#define CC_PARTIAL_SUFFIX ".partial"

// "<path><suffix>" in a new allocation (caller frees); NULL when out of memory.
char *cc_path_with_suffix(const char *path, const char *suffix);

// Opens "<path>.partial" for writing (truncating it). Returns 0, or -1 with errno set.
int cc_afile_open(cc_afile *af, const char *path);
// Flushes, fsyncs, closes and renames onto the final path. Returns 0, or -1 with errno set.
int cc_afile_commit(cc_afile *af);
// Closes and removes the .partial file (bad input found after opening, nothing worth keeping).
void cc_afile_discard(cc_afile *af);
// Writes a whole small file atomically (text + rename). Returns 0, or -1 with errno set.
int cc_write_file_atomic(const char *path, const char *text, size_t len);
