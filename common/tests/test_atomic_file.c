// Tests for common/atomic_file: the final name appears only at commit, discard leaves nothing,
// failures come back as -1 with errno, streams are written in place, the .partial is locked and never
// followed through a symlink.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/tests/check.h"

int main(void) {
  const char *dir = make_test_dir("test_atomic_file");
  char path[300], partial[320];
  snprintf(path, sizeof path, "%s/out.txt", dir);
  snprintf(partial, sizeof partial, "%s.partial", path);

  cc_afile af;
  CHECK(cc_afile_open(&af, path) == 0);
  CHECK_STREQ(af.tmp_path, partial);
  fputs("first line\n", af.f);
  fflush(af.f);
  CHECK(file_exists(partial) && !file_exists(path));
  CHECK(cc_afile_commit(&af) == 0);
  CHECK(!file_exists(partial));
  char *text = read_text(path);
  CHECK_STREQ(text, "first line\n");
  free(text);
  errno = 0;
  CHECK(cc_afile_commit(&af) == -1 && errno == EBADF);  // already committed
  cc_afile_discard(&af);                                 // and a no-op after commit

  // A discarded rewrite leaves the old file untouched and no .partial behind.
  CHECK(cc_afile_open(&af, path) == 0);
  fputs("half written", af.f);
  cc_afile_discard(&af);
  CHECK(!file_exists(partial));
  text = read_text(path);
  CHECK_STREQ(text, "first line\n");
  free(text);

  // A whole small file replaces the old one.
  CHECK(cc_write_file_atomic(path, "new\0text", 8) == 0);
  FILE *f = fopen(path, "rb");
  char buf[16] = {0};
  CHECK(f && fread(buf, 1, sizeof buf, f) == 8 && memcmp(buf, "new\0text", 8) == 0);
  if (f) fclose(f);
  CHECK(!file_exists(partial));

  errno = 0;
  CHECK(cc_afile_open(&af, "no/such/dir/out.txt") == -1 && errno == ENOENT);
  CHECK(af.f == NULL && af.path == NULL);
  errno = 0;
  CHECK(cc_write_file_atomic("no/such/dir/out.txt", "x", 1) == -1 && errno == ENOENT);

  // A directory is refused at open; a commit that fails (the name became a directory meanwhile) removes
  // the .partial, so a full disk does not stay full, and reports errno.
  char blocked[300], blocked_partial[320];
  snprintf(blocked, sizeof blocked, "%s/blocked", dir);
  snprintf(blocked_partial, sizeof blocked_partial, "%s.partial", blocked);
  CHECK(mkdir(blocked, 0755) == 0);
  errno = 0;
  CHECK(cc_afile_open(&af, blocked) == -1 && errno == EISDIR);
  rmdir(blocked);
  CHECK(cc_afile_open(&af, blocked) == 0);
  fputs("lost", af.f);
  CHECK(mkdir(blocked, 0755) == 0);
  errno = 0;
  CHECK(cc_afile_commit(&af) == -1 && errno == EISDIR);
  CHECK(!file_exists(blocked_partial));
  rmdir(blocked);

  // A .partial another writer holds (its lock) is refused; so is a planted symlink, never followed.
  cc_afile first, second;
  CHECK(cc_afile_open(&first, path) == 0);
  errno = 0;
  CHECK(cc_afile_open(&second, path) == -1 && errno == EWOULDBLOCK);
  CHECK(strstr(second.why, "another run") != NULL);
  cc_afile_discard(&first);
  char victim[300];
  snprintf(victim, sizeof victim, "%s/victim", dir);
  CHECK(cc_write_file_atomic(victim, "precious", 8) == 0);
  CHECK(symlink(victim, partial) == 0);
  errno = 0;
  CHECK(cc_afile_open(&af, path) == -1 && errno == ELOOP);
  text = read_text(victim);
  CHECK_STREQ(text, "precious");
  free(text);
  remove(partial);

  // A symlink to a file is written through: the target is replaced, the link stays a link.
  char link[300];
  snprintf(link, sizeof link, "%s/link", dir);
  CHECK(symlink("victim", link) == 0);
  CHECK(cc_write_file_atomic(link, "replaced", 8) == 0);
  struct stat st;
  CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
  text = read_text(victim);
  CHECK_STREQ(text, "replaced");
  free(text);
  remove(link);
  remove(victim);

  // A FIFO is written in place: no .partial, no rename, the FIFO stays (O_RDWR keeps open from waiting).
  char fifo[300];
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  CHECK(mkfifo(fifo, 0600) == 0);
  int reader = open(fifo, O_RDWR | O_NONBLOCK);
  CHECK(reader >= 0);
  CHECK(cc_afile_open(&af, fifo) == 0 && af.direct && af.tmp_path == NULL);
  fputs("row\n", af.f);
  CHECK(cc_afile_commit(&af) == 0);
  char got[8] = {0};
  CHECK(read(reader, got, sizeof got) == 4 && strcmp(got, "row\n") == 0);
  close(reader);
  CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
  remove(fifo);

  // A write that fails (/dev/full: ENOSPC) is kept, reported by flush and commit with its errno.
  if (cc_afile_open(&af, "/dev/full") == 0) {
    fputs("row\n", af.f);
    errno = 0;
    CHECK(cc_afile_flush(&af) == -1 && errno == ENOSPC && af.error == ENOSPC);
    CHECK(cc_afile_commit(&af) == -1 && errno == ENOSPC);
  }

  int rc = check_done("test_atomic_file");
  if (rc == 0) remove_test_dir(dir);
  return rc;
}
