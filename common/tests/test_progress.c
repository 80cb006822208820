// Tests for common/progress: durations, silence when disabled or not on a terminal, and the exact
// bytes of a drawn, rate-limited, cleared bar (stderr redirected to a file).
#include <fcntl.h>
#include <math.h>

#include "common/progress.h"
#include "common/tests/check.h"

static void test_durations(void) {
  const struct { double s; const char *want; } cases[] = {
      {0, "0:00"}, {59.4, "0:59"}, {59.6, "1:00"}, {75, "1:15"}, {3599, "59:59"}, {3600, "1:00:00"},
      {3725, "1:02:05"}, {86399, "23:59:59"}, {360000, "100:00:00"}, {-5, "0:00"}, {NAN, "0:00"},
  };
  char buf[32];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cc_format_duration(cases[i].s, buf, sizeof buf);
    CHECK_STREQ(buf, cases[i].want);
  }
}

int main(void) {
  test_durations();

  // Send stderr to a file for the rest of the test; messages of failed checks go to stdout meanwhile.
  char path[] = "test_progress_XXXXXX";
  int fd = mkstemp(path);
  int saved_stderr = dup(STDERR_FILENO);
  fflush(stderr);
  dup2(fd, STDERR_FILENO);

  cc_progress p;
  cc_progress_start(&p, 10, false);  // not wanted
  cc_progress_update(&p, 5, "ring 1 MiB");
  cc_progress_clear(&p);
  cc_progress_update(&p, 10, "");
  cc_progress_finish(&p);
  cc_progress_start(&p, 10, true);  // wanted, but stderr is not a terminal
  bool enabled_on_file = p.enabled;
  cc_progress_update(&p, 10, "ring");
  cc_progress_finish(&p);
  fflush(stderr);
  off_t silent_size = lseek(fd, 0, SEEK_END);

  // Force drawing to see the bytes a terminal would get.
  cc_progress_start(&p, 10, false);
  p.enabled = true;
  cc_progress_update(&p, 4, "ring 1 MiB");
  cc_progress_update(&p, 5, "too soon");  // within 0.1 s of the last draw: skipped
  cc_progress_update(&p, 10, "");         // the final update is always drawn
  cc_progress_finish(&p);
  cc_progress_update(&p, 10, "after finish");
  fflush(stderr);

  dup2(saved_stderr, STDERR_FILENO);
  close(saved_stderr);
  char *drawn = read_text(path);
  close(fd);
  remove(path);

  CHECK(!enabled_on_file);
  CHECK(silent_size == 0);
  const char *first = "[#########...............]  40%  4/10  ring 1 MiB  elapsed 0:00  ETA 0:00";
  const char *final = "[########################] 100%  10/10  elapsed 0:00  ETA 0:00";
  int pad = (int)(strlen(first) - strlen(final));
  char want[512];
  snprintf(want, sizeof want, "\r%s\r%s%*s\r%*s\r", first, final, pad, "", (int)strlen(final), "");
  CHECK_STREQ(drawn, want);
  free(drawn);
  return check_done("test_progress");
}
