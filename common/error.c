// Error reporting: one line per failure, then the right exit (see error.h).
#include "common/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *progname = "ccbench";
static int my_rank = -1;
static void (*abort_hook)(int status);
static void (*exit_hook)(void);

void cc_set_progname(const char *name) { progname = name; }
const char *cc_progname(void) { return progname; }
void cc_set_rank(int rank) { my_rank = rank; }
int cc_get_rank(void) { return my_rank; }
void cc_set_abort_hook(void (*hook)(int status)) { abort_hook = hook; }
void cc_set_exit_hook(void (*hook)(void)) { exit_hook = hook; }

static const char *basename_of(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

_Noreturn void cc_fatal_at(const char *file, int line, const char *fmt, ...) {
  // Format the whole line first and write it with one call, so lines from many ranks sharing a
  // terminal do not interleave mid-line.
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char rank_part[32] = "";
  if (my_rank >= 0) snprintf(rank_part, sizeof rank_part, "rank %d: ", my_rank);
  fflush(stdout);  // keep the results printed so far
  fprintf(stderr, "%s: %serror: %s:%d: %s\n", progname, rank_part, basename_of(file), line, msg);
  fflush(stderr);
  if (abort_hook) abort_hook(1);
  exit(1);
}

_Noreturn void cc_fatal_errno_at(const char *file, int line, const char *what) {
  int saved = errno;
  cc_fatal_at(file, line, "%s failed: %s", what, strerror(saved));
}

void *cc_malloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p) CC_FATAL("out of memory allocating %zu bytes", bytes);
  return p;
}

void *cc_calloc(size_t n, size_t size) {
  void *p = (n && size) ? calloc(n, size) : calloc(1, 1);
  if (!p) CC_FATAL("out of memory allocating %zu x %zu bytes", n, size);
  return p;
}

void *cc_realloc(void *p, size_t bytes) {
  void *q = realloc(p, bytes ? bytes : 1);
  if (!q) CC_FATAL("out of memory growing a buffer to %zu bytes", bytes);
  return q;
}

char *cc_strdup(const char *s) {
  size_t len = strlen(s) + 1;
  return memcpy(cc_malloc(len), s, len);
}

void cc_vwarn(const char *fmt, va_list ap) {
  if (my_rank > 0) return;
  char msg[1024];
  vsnprintf(msg, sizeof msg, fmt, ap);
  fprintf(stderr, "%s: %s\n", progname, msg);
  fflush(stderr);
}

void cc_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cc_vwarn(fmt, ap);
  va_end(ap);
}

static _Noreturn void leave(int status, const char *msg) {
  cc_warn("%s", msg);
  fflush(stdout);
  if (exit_hook) exit_hook();
  exit(status);
}

_Noreturn void cc_input_error(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  leave(2, msg);
}

_Noreturn void cc_output_error(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  leave(1, msg);
}
