// Output paths checked before any work, and files compared by identity: see output_check.h.
#define _DEFAULT_SOURCE  // realpath
#include "common/output_check.h"

#include "common/atomic_file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cc_dir_check(const char *dir, char *why, size_t len) {
  struct stat st;
  if (stat(dir, &st) != 0) {
    if (errno == ENOENT) snprintf(why, len, "directory '%s' does not exist", dir);
    else snprintf(why, len, "directory '%s': %s", dir, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    snprintf(why, len, "'%s' is not a directory", dir);
    return -1;
  }
  if (access(dir, W_OK | X_OK) != 0) {  // EROFS for a read-only mount, even for root
    snprintf(why, len, "directory '%s': %s", dir, strerror(errno));
    return -1;
  }
  return 0;
}

int cc_output_check(const char *path, char *why, size_t len) {
  if (!path[0]) {
    snprintf(why, len, "empty file name");
    return -1;
  }
  if (strcmp(path, "-") == 0) return 0;
  struct stat st;
  char dir[PATH_MAX];
  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      snprintf(why, len, "is a directory");
      return -1;
    }
    if (!S_ISREG(st.st_mode)) {  // written in place
      if (access(path, W_OK) == 0) return 0;
      snprintf(why, len, "%s", strerror(errno));
      return -1;
    }
    char *real = realpath(path, NULL);  // a symlink's target is what gets replaced, in its directory
    cc_parent_dir(real ? real : path, dir, sizeof dir);
    free(real);
    return cc_dir_check(dir, why, len);
  }
  if (errno != ENOENT) {
    snprintf(why, len, "%s", strerror(errno));
    return -1;
  }
  if (lstat(path, &st) == 0) {
    snprintf(why, len, "a symbolic link to a missing file");
    return -1;
  }
  cc_parent_dir(path, dir, sizeof dir);
  return cc_dir_check(dir, why, len);
}

// What makes two names one file: device and inode when it exists, else its resolved directory and name.
typedef struct {
  bool exists, shareable;  // shareable: a character device, fine to name twice (/dev/null)
  dev_t dev;
  ino_t ino;
  char where[PATH_MAX + NAME_MAX + 2];
} file_id;

static file_id identify(const char *path) {
  file_id id = {0};
  struct stat st;
  bool exists = strcmp(path, "-") == 0 ? fstat(cc_stdout_fd(), &st) == 0 : stat(path, &st) == 0;
  if (exists) {
    id.exists = true, id.dev = st.st_dev, id.ino = st.st_ino;
    id.shareable = S_ISCHR(st.st_mode) && strcmp(path, "-") != 0;
    return id;
  }
  char dir[PATH_MAX], real[PATH_MAX];
  cc_parent_dir(path, dir, sizeof dir);
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  snprintf(id.where, sizeof id.where, "%s/%s", realpath(dir, real) ? real : dir, name);
  return id;
}

static bool same_file(const file_id *a, const file_id *b) {
  if (a->exists != b->exists) return false;
  if (a->exists) return a->dev == b->dev && a->ino == b->ino && !(a->shareable && b->shareable);
  return strcmp(a->where, b->where) == 0;
}

bool cc_same_file(const char *a, const char *b) {
  file_id ia = identify(a), ib = identify(b);
  return same_file(&ia, &ib);
}

const char *cc_check_files(const cc_file_use *uses, int n, char *msg, size_t len) {
  char why[PATH_MAX + 64];
  for (int i = 0; i < n; i++)
    if (uses[i].path && uses[i].output && cc_output_check(uses[i].path, why, sizeof why) != 0) {
      snprintf(msg, len, "%s: cannot write '%s': %s", uses[i].flag, uses[i].path, why);
      return msg;
    }
  for (int i = 0; i < n; i++) {
    if (!uses[i].path) continue;
    file_id a = identify(uses[i].path);
    for (int j = i + 1; j < n; j++) {
      if (!uses[j].path || (!uses[i].output && !uses[j].output)) continue;
      file_id b = identify(uses[j].path);
      if (!same_file(&a, &b)) continue;
      // Name the output (the later one of two outputs): that is the flag to change.
      const cc_file_use *named = uses[j].output ? &uses[j] : &uses[i], *other = named == &uses[j] ? &uses[i] : &uses[j];
      snprintf(msg, len, "%s: '%s' is the file %s names ('%s')%s", named->flag, named->path, other->flag, other->path,
               other->output ? "" : "; an output never overwrites an input");
      return msg;
    }
  }
  return NULL;
}
