// Tests for common/error: each failure path runs in a child process with stderr in a file, and the
// parent checks the exact line and the exit status.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/wait.h>

#include "common/error.h"
#include "common/tests/check.h"

typedef void (*scenario)(void);

// Runs fn in a child; returns its exit status (-1 if it did not exit) and what it wrote to stderr.
static int run_child(scenario fn, char **stderr_text) {
  char path[] = "test_error_XXXXXX";
  int fd = mkstemp(path);
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd, STDERR_FILENO);
    fn();
    exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(fd);
  *stderr_text = read_text(path);
  remove(path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void fatal_with_rank(void) {
  cc_set_progname("ccbench");
  cc_set_rank(3);
  CC_FATAL("MPI_Waitall(...) failed: %s", "boom");
}

static void fatal_without_rank(void) {
  cc_set_progname("tool");
  CC_CHECK_SYS(close(-1));
}

static void exit_with_status_plus_41(int status) { _exit(41 + status); }
static void fatal_with_abort_hook(void) {
  cc_set_rank(0);
  cc_set_abort_hook(exit_with_status_plus_41);
  CC_CHECK_PTR(fopen("no/such/file", "r"));
}

static void out_of_memory(void) { cc_malloc(SIZE_MAX); }

// Under AddressSanitizer an impossible malloc must return NULL, as it does in a normal build, instead of
// stopping the process with ASan's own report.
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

static void input_error_no_rank(void) { cc_input_error("-b/--minbytes: '%s' is not a size", "abc"); }

static void say_finalized(void) { fputs("finalized\n", stderr); }
static void input_error_rank1(void) {
  cc_set_rank(1);
  cc_set_exit_hook(say_finalized);
  cc_input_error("printed by rank 0 only");
}
static void input_error_rank0(void) {
  cc_set_rank(0);
  cc_set_exit_hook(say_finalized);
  cc_input_error("bad input");
}

static void warnings(void) {
  cc_set_rank(2);
  cc_warn("not from rank 2");
  cc_set_rank(0);
  cc_warn("from rank %d", 0);
  cc_set_rank(-1);
  cc_warn("no rank");
}

static void expect(scenario fn, int want_status, const char *want_stderr) {
  char *got = NULL;
  CHECK(run_child(fn, &got) == want_status);
  CHECK_STREQ(got, want_stderr);
  free(got);
}

// Fatal errors name the source line: expects before + a line number + after.
static void expect_fatal(scenario fn, int want_status, const char *before, const char *after) {
  char *text = NULL;
  CHECK(run_child(fn, &text) == want_status);
  const char *got = text;
  while (got && strncmp(got, "==", 2) == 0 && strchr(got, '\n')) got = strchr(got, '\n') + 1;  // sanitizer notes
  size_t nbefore = strlen(before), nafter = strlen(after), len = got ? strlen(got) : 0;
  bool ok = got && len > nbefore + nafter && strncmp(got, before, nbefore) == 0 &&
            strcmp(got + len - nafter, after) == 0 && strspn(got + nbefore, "0123456789") == len - nbefore - nafter;
  if (!ok) fprintf(stderr, "  want: \"%s<line>%s\"\n  got:  \"%s\"\n", before, after, got ? got : "(null)");
  CHECK(ok);
  free(text);
}

int main(void) {
  expect_fatal(fatal_with_rank, 1, "ccbench: rank 3: error: test_error.c:", ": MPI_Waitall(...) failed: boom\n");
  char after[128];
  snprintf(after, sizeof after, ": close(-1) failed: %s\n", strerror(EBADF));
  expect_fatal(fatal_without_rank, 1, "tool: error: test_error.c:", after);
  snprintf(after, sizeof after, ": fopen(\"no/such/file\", \"r\") failed: %s\n", strerror(ENOENT));
  expect_fatal(fatal_with_abort_hook, 42, "ccbench: rank 0: error: test_error.c:", after);
  expect_fatal(out_of_memory, 1, "ccbench: error: error.c:", ": out of memory allocating 18446744073709551615 bytes\n");
  expect(input_error_no_rank, 2, "ccbench: -b/--minbytes: 'abc' is not a size\n");
  expect(input_error_rank1, 2, "finalized\n");
  expect(input_error_rank0, 2, "ccbench: bad input\nfinalized\n");
  expect(warnings, 0, "ccbench: from rank 0\nccbench: no rank\n");

  void *p = cc_malloc(0), *q = cc_calloc(0, 8);
  CHECK(p != NULL && q != NULL && p != q);
  free(p);
  free(q);
  char *s = cc_strdup("copy");
  CHECK_STREQ(s, "copy");
  free(s);
  return check_done("test_error");
}
