// Resuming an interrupted sweep: see resume.h.
#include "common/resume.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/error.h"

#define RESUME_SUFFIX ".resume"

static bool same_text(const char *a, const char *b) { return (!a || !b) ? a == b : strcmp(a, b) == 0; }

bool cc_row_same_point(const cc_row *a, const cc_row *b) {
  return same_text(a->source, b->source) && same_text(a->op, b->op) && same_text(a->strategy, b->strategy) &&
         same_text(a->dtype, b->dtype) && a->ranks == b->ranks && a->nodes == b->nodes &&
         a->ranks_per_node == b->ranks_per_node && a->bytes == b->bytes;
}

const cc_row *cc_rowset_find_point(const cc_rowset *rs, const cc_row *key) {
  for (size_t i = 0; i < rs->n; i++)
    if (cc_row_same_point(&rs->rows[i], key)) return &rs->rows[i];
  return NULL;
}

// Cuts path after its last line break: a writer killed inside a row's write leaves half of it.
// Returns the bytes cut, or -1 with errno.
static long trim_torn_line(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  long size = -1, keep = 0;
  if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
  // Walk back from the end to the last '\n' (rows are short: this reads a few hundred bytes).
  for (long pos = size - 1; pos >= 0; pos--) {
    if (fseek(f, pos, SEEK_SET) != 0) break;
    if (fgetc(f) == '\n') {
      keep = pos + 1;
      break;
    }
  }
  fclose(f);
  if (size < 0) return -1;
  if (keep == size) return 0;
  if (truncate(path, keep) != 0) return -1;
  return size - keep;
}

// Adds the rows of one file that prev does not hold yet. 1 when the file was read, 0 when it does
// not exist, -1 on error.
static int merge_file(cc_rowset *prev, const char *path, char *err, size_t errlen) {
  struct stat st;
  if (stat(path, &st) != 0) return 0;
  if (st.st_size == 0) return 1;  // killed before even the header was flushed: nothing lost
  cc_rowset file;
  cc_rowset_init(&file);
  if (cc_rowset_read_csv(&file, path, err, errlen) != 0) {
    cc_rowset_free(&file);
    return -1;
  }
  for (size_t i = 0; i < file.n; i++)
    if (!cc_rowset_find_point(prev, &file.rows[i])) cc_rowset_add(prev, &file.rows[i]);
  cc_rowset_free(&file);
  return 1;
}

// "<csv>.resume" or "<csv>.partial" (caller frees).
static char *sibling(const char *csv, const char *suffix) {
  char *path;
  CC_CHECK_PTR(path = cc_path_with_suffix(csv, suffix));
  return path;
}

int cc_resume_load(cc_rowset *prev, const char *csv, size_t *torn_bytes, char *err, size_t errlen) {
  char *resume = sibling(csv, RESUME_SUFFIX), *partial = sibling(csv, CC_PARTIAL_SUFFIX);
  *torn_bytes = 0;
  long torn = access(partial, F_OK) == 0 ? trim_torn_line(partial) : 0;
  int files = 0, rc = 0;
  if (torn < 0) {
    snprintf(err, errlen, "%s: %s", partial, strerror(errno));
    files = -1;
  } else {
    *torn_bytes = (size_t)torn;
    // The .resume file first: it is complete whenever it exists; the .partial may be a new run's start.
    const char *paths[3] = {resume, partial, csv};
    for (int i = 0; i < 3 && files >= 0; i++) {
      rc = merge_file(prev, paths[i], err, errlen);
      files = rc < 0 ? -1 : files + rc;
    }
  }
  free(resume);
  free(partial);
  return files;
}

int cc_resume_keep(const cc_rowset *prev, const char *csv) {
  char *resume = sibling(csv, RESUME_SUFFIX);
  cc_rowfile rf;
  int rc = cc_rowfile_open(&rf, resume, CC_ROWS_CSV);
  if (rc == 0) {
    for (size_t i = 0; i < prev->n; i++) cc_rowfile_write(&rf, &prev->rows[i]);
    rc = cc_rowfile_commit(&rf);
  }
  free(resume);
  return rc;
}

void cc_resume_done(const char *csv) {
  char *resume = sibling(csv, RESUME_SUFFIX);
  unlink(resume);  // absent when nothing was resumed: fine
  free(resume);
}
