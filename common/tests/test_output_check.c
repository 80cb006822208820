// Tests for common/output_check: outputs that cannot be written are named before any work, and one
// file named twice (by other strings, a symlink, a hard link, a file still to be created) is caught.
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/output_check.h"
#include "common/tests/check.h"

// The message of cc_check_files over uses, "" when it accepts them.
static const char *verdict(const cc_file_use *uses, int n) {
  static char msg[1024];
  return cc_check_files(uses, n, msg, sizeof msg) ? msg : "";
}

int main(void) {
  const char *dir = make_test_dir("test_output_check");
  char why[512];
  const char *sub = test_path(dir, "sub"), *file = test_path(dir, "file.csv");
  CHECK(mkdir(sub, 0755) == 0);
  CHECK(write_text(file, "x\n") == 0);

  // Writable: a new file in an existing directory, an existing file, "-", a device.
  CHECK(cc_output_check(test_path(dir, "new.csv"), why, sizeof why) == 0);
  CHECK(cc_output_check(file, why, sizeof why) == 0);
  CHECK(cc_output_check("-", why, sizeof why) == 0);
  CHECK(cc_output_check("/dev/null", why, sizeof why) == 0);
  // Not writable, each with its reason.
  CHECK(cc_output_check("", why, sizeof why) == -1 && strcmp(why, "empty file name") == 0);
  CHECK(cc_output_check(sub, why, sizeof why) == -1 && strcmp(why, "is a directory") == 0);
  CHECK(cc_output_check(test_path(dir, "missing/out.csv"), why, sizeof why) == -1 && strstr(why, "does not exist"));
  CHECK(cc_output_check(test_path(dir, "file.csv/out.csv"), why, sizeof why) == -1 && strstr(why, "Not a directory"));
  const char *dangling = test_path(dir, "dangling");
  CHECK(symlink("nowhere", dangling) == 0);
  CHECK(cc_output_check(dangling, why, sizeof why) == -1 && strstr(why, "symbolic link"));

  // One file under several names: "x" and "./x", a symlink, a hard link, "sub/../x" before it exists.
  char dotted[600], via_sub[600];
  snprintf(dotted, sizeof dotted, "%s/./file.csv", dir);
  const char *sym = test_path(dir, "link.csv"), *hard = test_path(dir, "hard.csv");
  CHECK(symlink("file.csv", sym) == 0);
  CHECK(link(file, hard) == 0);
  cc_file_use two[2] = {{"--csv", file, true}, {"--json", dotted, true}};
  CHECK(strstr(verdict(two, 2), "--json: ") == verdict(two, 2) && strstr(verdict(two, 2), "is the file --csv names"));
  two[1].path = sym;
  CHECK(strstr(verdict(two, 2), "--json"));
  two[1].path = hard;
  CHECK(strstr(verdict(two, 2), "--json"));
  snprintf(via_sub, sizeof via_sub, "%s/sub/../later.csv", dir);
  two[0].path = test_path(dir, "later.csv"), two[1].path = via_sub;
  CHECK(strstr(verdict(two, 2), "--json"));
  // An output on an input names the output's flag, whichever comes first.
  cc_file_use in_out[2] = {{"--csv", dotted, true}, {"-d/--data", file, false}};
  CHECKF(strncmp(verdict(in_out, 2), "--csv: ", 7) == 0 && strstr(verdict(in_out, 2), "never overwrites an input"),
         "%s", verdict(in_out, 2));
  cc_file_use out_in[2] = {{"-d/--data", file, false}, {"--csv", dotted, true}};
  CHECK(strncmp(verdict(out_in, 2), "--csv: ", 7) == 0);
  // Fine: two inputs on one file, different files, /dev/null twice, flags not given (NULL).
  cc_file_use fine[5] = {{"--from", file, false}, {"--from", hard, false}, {"--csv", "/dev/null", true},
                         {"--json", "/dev/null", true}, {"--errors", NULL, true}};
  CHECKF(verdict(fine, 5)[0] == '\0', "%s", verdict(fine, 5));
  // Not fine: stdout twice; an output that cannot be written comes first.
  cc_file_use dash[2] = {{"--csv", "-", true}, {"--json", "-", true}};
  CHECK(strncmp(verdict(dash, 2), "--json: ", 8) == 0);
  cc_file_use bad[2] = {{"--csv", file, true}, {"--json", sub, true}};
  CHECK(strncmp(verdict(bad, 2), "--json: cannot write '", 22) == 0 && strstr(verdict(bad, 2), "is a directory"));

  int rc = check_done("test_output_check");
  if (rc == 0) remove_test_dir(dir);
  return rc;
}
