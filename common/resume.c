// Resuming an interrupted sweep: see resume.h.
#define _DEFAULT_SOURCE  // flock
#include "common/resume.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/readfile.h"

static bool same_text(const char *a, const char *b) { return (!a || !b) ? a == b : strcmp(a, b) == 0; }

// An empty field is what a file written before the column existed holds: the old default.
static bool same_or_default(const char *a, const char *b, const char *dflt) {
  return same_text(a && *a ? a : dflt, b && *b ? b : dflt);
}

bool cc_row_same_point(const cc_row *a, const cc_row *b) {
  return same_text(a->source, b->source) && same_text(a->op, b->op) && same_text(a->strategy, b->strategy) &&
         same_text(a->dtype, b->dtype) && a->ranks == b->ranks && a->nodes == b->nodes &&
         a->ranks_per_node == b->ranks_per_node && a->bytes == b->bytes &&
         same_or_default(a->redop, b->redop, "sum") && same_or_default(a->placement, b->placement, "out-of-place");
}

const cc_row *cc_rowset_find_point(const cc_rowset *rs, const cc_row *key) {
  for (size_t i = 0; i < rs->n; i++)
    if (cc_row_same_point(&rs->rows[i], key)) return &rs->rows[i];
  return NULL;
}

// Adds the rows of file whose point prev does not hold yet (first found wins).
static void add_new_points(cc_rowset *prev, const cc_rowset *file) {
  for (size_t i = 0; i < file->n; i++)
    if (!cc_rowset_find_point(prev, &file->rows[i])) cc_rowset_add(prev, &file->rows[i]);
}

// The rows of "<csv>.partial" up to its last line break (a writer killed inside a row's write leaves
// half of it; *torn gets the bytes left out), read without changing the file: the new run's own
// output replaces it. Refused: anything but a plain file (never followed through a symlink), and a
// file another run still writes (it holds the lock, see atomic_file.h). 1 read, 0 absent, -1 error.
static int merge_partial(cc_rowset *prev, const char *path, size_t *torn, char *err, size_t errlen) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return 0;
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "%s: %s", path, fd < 0 && errno != ELOOP ? strerror(errno) : "not a regular file");
    if (fd >= 0) close(fd);
    return -1;
  }
  if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {  // other failures: no locks on this mount
    snprintf(err, errlen, "%s: another run is writing it", path);
    close(fd);
    return -1;
  }
  size_t size;
  char *text = cc_read_text_file(path, &size, err, errlen);
  close(fd);
  if (!text) return -1;
  size_t keep = size;
  while (keep > 0 && text[keep - 1] != '\n') keep--;
  *torn = size - keep;
  cc_rowset file;
  cc_rowset_init(&file);
  int rc = keep ? cc_rowset_read_csv_text(&file, text, keep, path, err, errlen) : 0;
  if (rc == 0) add_new_points(prev, &file);
  cc_rowset_free(&file);
  free(text);
  return rc < 0 ? -1 : 1;
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
  add_new_points(prev, &file);
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
  char *resume = sibling(csv, CC_RESUME_SUFFIX), *partial = sibling(csv, CC_PARTIAL_SUFFIX);
  *torn_bytes = 0;
  // The .resume file first: it is complete whenever it exists; the .partial may be a new run's start.
  int files = merge_file(prev, resume, err, errlen), rc;
  if (files >= 0) files = (rc = merge_partial(prev, partial, torn_bytes, err, errlen)) < 0 ? -1 : files + rc;
  if (files >= 0) files = (rc = merge_file(prev, csv, err, errlen)) < 0 ? -1 : files + rc;
  free(resume);
  free(partial);
  return files;
}

int cc_resume_keep(const cc_rowset *prev, const char *csv) {
  char *resume = sibling(csv, CC_RESUME_SUFFIX);
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
  char *resume = sibling(csv, CC_RESUME_SUFFIX);
  unlink(resume);  // absent when nothing was resumed: fine
  free(resume);
}
