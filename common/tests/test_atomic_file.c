// Tests for common/atomic_file: the final name appears only at commit, discard leaves nothing, and
// failures come back as -1 with errno.
#include <errno.h>
#include <sys/stat.h>

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

  // Commit onto a path that cannot be renamed to (a directory): -1, and the .partial keeps the data.
  char blocked[300], blocked_partial[320];
  snprintf(blocked, sizeof blocked, "%s/blocked", dir);
  snprintf(blocked_partial, sizeof blocked_partial, "%s.partial", blocked);
  CHECK(mkdir(blocked, 0755) == 0);
  CHECK(cc_afile_open(&af, blocked) == 0);
  fputs("kept", af.f);
  errno = 0;
  CHECK(cc_afile_commit(&af) == -1 && errno == EISDIR);
  text = read_text(blocked_partial);
  CHECK_STREQ(text, "kept");
  free(text);
  remove(blocked_partial);
  rmdir(blocked);

  int rc = check_done("test_atomic_file");
  if (rc == 0) remove_test_dir(dir);
  return rc;
}
