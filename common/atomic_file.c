// Output files: .partial + lock + rename for regular files, in place for streams (see atomic_file.h).
#define _DEFAULT_SOURCE  // realpath, flock
#include "common/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
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
  af->f = NULL, af->path = af->tmp_path = NULL;
}

// Records why and returns -1 with errno = err (why: NULL for errno's own text).
static int failed(cc_afile *af, int err, const char *why) {
  snprintf(af->why, sizeof af->why, "%s", why ? why : strerror(err));
  errno = err;
  return -1;
}

char *cc_path_with_suffix(const char *path, const char *suffix) {
  size_t len = strlen(path), extra = strlen(suffix);
  char *out = malloc(len + extra + 1);
  if (!out) return NULL;
  memcpy(out, path, len);
  memcpy(out + len, suffix, extra + 1);
  return out;
}

static int data_stdout = -1;  // the process's original stdout, once claimed for data

// Whether st is the file stdout writes to (as /dev/stdout is): the original one, once claimed.
static bool is_stdout(const struct stat *st) {
  struct stat out;
  return fstat(cc_stdout_fd(), &out) == 0 && out.st_dev == st->st_dev && out.st_ino == st->st_ino;
}

int cc_stdout_fd(void) { return data_stdout >= 0 ? data_stdout : STDOUT_FILENO; }

int cc_claim_stdout(void) {
  if (data_stdout >= 0) return 0;
  fflush(stdout);
  int fd = dup(STDOUT_FILENO);
  if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    int err = errno;
    if (fd >= 0) close(fd);
    errno = err;
    return -1;
  }
  data_stdout = fd;
  return 0;
}

bool cc_output_is_stdout(const char *path) {
  struct stat st;
  return strcmp(path, "-") == 0 || (stat(path, &st) == 0 && is_stdout(&st));
}

// Writes in place to fd (-1: the open or dup that made it failed, errno says why).
static int open_stream(cc_afile *af, int fd) {
  if (fd < 0 || !(af->f = fdopen(fd, "w"))) {
    int err = errno;
    if (fd >= 0) close(fd);
    return failed(af, err, NULL);
  }
  af->direct = true;
  return 0;
}

// The data gets stdout's file; everything else the process prints to stdout goes to stderr.
static int open_stdout(cc_afile *af) { return open_stream(af, cc_claim_stdout() == 0 ? dup(data_stdout) : -1); }

// A device, FIFO or socket: opened as it is (a FIFO waits for its reader, as with any tool).
static int open_in_place(cc_afile *af, const char *path) { return open_stream(af, open(path, O_WRONLY | O_CLOEXEC)); }

// "<path>.partial": never through a symlink, only a plain file of ours with no other name, locked for
// as long as we write it. A run that finished meanwhile may have renamed the file we opened onto its
// final name: then the lock is taken on an inode that is no longer the .partial file, so start over.
static int open_partial(cc_afile *af) {
  for (int attempt = 0; attempt < 8; attempt++) {
    int fd = open(af->tmp_path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0)
      return failed(af, errno, errno == ELOOP ? "its .partial file is a symbolic link (never followed; remove it)" : NULL);
    struct stat st, now;
    const char *why = NULL;
    int err = 0;
    if (fstat(fd, &st) != 0) err = errno;
    else if (!S_ISREG(st.st_mode)) err = EISDIR, why = "its .partial file is not a regular file";
    else if (st.st_nlink != 1 || st.st_uid != geteuid())
      err = EPERM, why = "its .partial file has other names or another owner (remove it)";
    else if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
      err = EWOULDBLOCK, why = "another run is writing it (its .partial file is locked)";
    // Other flock failures (ENOLCK, EOPNOTSUPP: a Lustre or NFS mount without locks) write unlocked.
    if (err) {
      close(fd);
      return failed(af, err, why);
    }
    if (lstat(af->tmp_path, &now) != 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
      close(fd);
      continue;
    }
    if (ftruncate(fd, 0) != 0 || !(af->f = fdopen(fd, "w"))) {
      err = errno;
      close(fd);
      return failed(af, err, NULL);
    }
    return 0;
  }
  return failed(af, EBUSY, "its .partial file keeps being replaced by other runs");
}

int cc_afile_open(cc_afile *af, const char *path) {
  *af = (cc_afile){0};
  if (!path[0]) return failed(af, ENOENT, "empty file name");
  if (strcmp(path, "-") == 0) return open_stdout(af);
  struct stat st;
  bool exists = stat(path, &st) == 0;
  if (!exists && errno != ENOENT) return failed(af, errno, NULL);
  if (!exists && lstat(path, &st) == 0) return failed(af, ENOENT, "a symbolic link to a missing file");
  if (exists && S_ISDIR(st.st_mode)) return failed(af, EISDIR, NULL);
  if (exists && is_stdout(&st)) return open_stdout(af);  // /dev/stdout, also when stdout is a plain file
  if (exists && !S_ISREG(st.st_mode)) return open_in_place(af, path);
  // A regular file (through any symlinks: their target is what gets replaced) or a new one.
  af->path = exists ? realpath(path, NULL) : dup_string(path);
  af->tmp_path = af->path ? cc_path_with_suffix(af->path, CC_PARTIAL_SUFFIX) : NULL;
  if (!af->path || !af->tmp_path) {
    int err = af->path ? ENOMEM : errno;
    release(af);
    return failed(af, err, NULL);
  }
  if (open_partial(af) != 0) {
    int err = errno;
    release(af);
    errno = err;
    return -1;
  }
  return 0;
}

int cc_afile_flush(cc_afile *af) {
  if (!af->error && (fflush(af->f) != 0 || ferror(af->f))) af->error = errno ? errno : EIO;
  return af->error ? failed(af, af->error, NULL) : 0;
}

void cc_parent_dir(const char *path, char *out, size_t len) {
  const char *slash = strrchr(path, '/');
  if (!slash) snprintf(out, len, ".");
  else if (slash == path) snprintf(out, len, "/");
  else snprintf(out, len, "%.*s", (int)(slash - path), path);
}

// The rename is durable only once the directory entry is on disk too; best effort.
static void sync_parent_dir(const char *path) {
  char dir[PATH_MAX];
  cc_parent_dir(path, dir, sizeof dir);
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

int cc_afile_commit(cc_afile *af) {
  if (!af->f) return failed(af, EBADF, NULL);  // never opened, or already committed/discarded
  // A write that failed earlier is kept in af->error; flush, fsync and rename catch the rest. The
  // rename comes before the close, while the lock still keeps other runs off the .partial file.
  int err = cc_afile_flush(af) != 0 ? af->error : 0;
  if (!err && !af->direct && fsync(fileno(af->f)) != 0) err = errno;
  if (!err && !af->direct && rename(af->tmp_path, af->path) != 0) err = errno;
  if (fclose(af->f) != 0 && !err) err = errno;
  if (!err && !af->direct) sync_parent_dir(af->path);
  if (err && af->tmp_path) unlink(af->tmp_path);
  release(af);
  return err ? failed(af, err, NULL) : 0;
}

void cc_afile_discard(cc_afile *af) {
  if (!af->f) return;
  if (af->tmp_path) unlink(af->tmp_path);  // before the close: the lock still says it is ours
  fclose(af->f);
  release(af);
}

int cc_write_file_atomic(const char *path, const char *text, size_t len) {
  cc_afile af;
  if (cc_afile_open(&af, path) != 0) return -1;
  if (fwrite(text, 1, len, af.f) != len) af.error = errno ? errno : EIO;
  return cc_afile_commit(&af);
}

bool cc_output_is_stream(const char *path) {
  struct stat st;
  if (strcmp(path, "-") == 0) return true;
  return stat(path, &st) == 0 && (is_stdout(&st) || (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)));
}
