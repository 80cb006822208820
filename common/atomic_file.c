// Files that appear whole or not at all: write "<path>.partial", fsync, rename (see atomic_file.h).
#include "common/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dup_string(const char *s) {
  size_t len = strlen(s) + 1;
  char *copy = malloc(len);
  if (copy) memcpy(copy, s, len);
  return copy;
}

static void release(cc_afile *af) {
  free(af->path);
  free(af->tmp_path);
  *af = (cc_afile){0};
}

char *cc_path_with_suffix(const char *path, const char *suffix) {
  size_t len = strlen(path), extra = strlen(suffix);
  char *out = malloc(len + extra + 1);
  if (!out) return NULL;
  memcpy(out, path, len);
  memcpy(out + len, suffix, extra + 1);
  return out;
}

int cc_afile_open(cc_afile *af, const char *path) {
  *af = (cc_afile){0};
  af->path = dup_string(path);
  af->tmp_path = cc_path_with_suffix(path, CC_PARTIAL_SUFFIX);
  if (!af->path || !af->tmp_path) {
    release(af);
    errno = ENOMEM;
    return -1;
  }
  af->f = fopen(af->tmp_path, "w");
  if (!af->f) {
    int saved = errno;
    release(af);
    errno = saved;
    return -1;
  }
  return 0;
}

// The rename is durable only once the directory entry is on disk too; best effort.
static void sync_parent_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = dup_string(slash ? path : ".");
  if (!dir) return;
  if (slash) dir[slash == path ? 1 : slash - path] = '\0';  // "/x" -> "/", "a/b/x" -> "a/b"
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  free(dir);
}

int cc_afile_commit(cc_afile *af) {
  if (!af->f) {  // never opened, or already committed/discarded
    errno = EBADF;
    return -1;
  }
  // A write that failed earlier leaves ferror set; fflush, fsync and fclose catch the rest (disk full).
  int saved = 0;
  if (fflush(af->f) != 0) saved = errno;
  else if (ferror(af->f)) saved = EIO;
  else if (fsync(fileno(af->f)) != 0) saved = errno;
  if (fclose(af->f) != 0 && !saved) saved = errno;
  if (!saved && rename(af->tmp_path, af->path) != 0) saved = errno;
  if (!saved) sync_parent_dir(af->path);
  // On failure the .partial file stays: it holds every complete row written so far.
  release(af);
  errno = saved;
  return saved ? -1 : 0;
}

void cc_afile_discard(cc_afile *af) {
  if (!af->f) return;
  fclose(af->f);
  remove(af->tmp_path);
  release(af);
}

int cc_write_file_atomic(const char *path, const char *text, size_t len) {
  cc_afile af;
  if (cc_afile_open(&af, path) != 0) return -1;
  if (fwrite(text, 1, len, af.f) != len) {
    int saved = errno;
    cc_afile_discard(&af);
    errno = saved;
    return -1;
  }
  return cc_afile_commit(&af);
}
