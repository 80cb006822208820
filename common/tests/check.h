// Tiny test helpers shared by every module's tests: CHECK records a failure with its line and keeps
// going, CHECKF does the same with an explanation, check_done turns the count into the exit status.
#pragma once
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long check_failures, check_count;

#define CHECK(cond)                                                                          \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
      check_failures++;                                                                      \
    }                                                                                        \
  } while (0)

// CHECK with a printf-style explanation. Counts every evaluation; prints only the first 20 failures,
// so a systematic bug in a loop over millions of cases stays readable.
#define CHECKF(cond, ...)                                                                    \
  do {                                                                                       \
    check_count++;                                                                           \
    if (!(cond) && check_failures++ < 20) {                                                  \
      fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                        \
      fprintf(stderr, __VA_ARGS__);                                                          \
      fputc('\n', stderr);                                                                   \
    }                                                                                        \
  } while (0)

#define CHECK_STREQ(got, want)                                                               \
  do {                                                                                       \
    const char *got_ = (got), *want_ = (want);                                               \
    if (!got_ || !want_ || strcmp(got_, want_) != 0) {                                       \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n  want: \"%s\"\n  got:  \"%s\"\n", __FILE__,   \
              __LINE__, #got, want_ ? want_ : "(null)", got_ ? got_ : "(null)");             \
      check_failures++;                                                                      \
    }                                                                                        \
  } while (0)

static inline int check_done(const char *test) {
  if (check_failures) {
    fprintf(stderr, "%s: %ld check(s) failed\n", test, check_failures);
    return 1;
  }
  if (check_count) printf("%s: all %ld checks passed\n", test, check_count);
  else printf("%s: all checks passed\n", test);
  return 0;
}

// The rest of an open stream from the start, as a string (caller frees).
static inline char *read_stream(FILE *f) {
  size_t cap = 4096, len = 0;
  char *text = malloc(cap);
  rewind(f);
  for (size_t got; (got = fread(text + len, 1, cap - 1 - len, f)) > 0;) {
    len += got;
    if (len + 1 == cap) {
      char *grown = realloc(text, cap *= 2);
      if (!grown) abort();
      text = grown;
    }
  }
  text[len] = '\0';
  return text;
}

// A whole file as a string (caller frees), or NULL when it cannot be opened.
static inline char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *text = read_stream(f);
  fclose(f);
  return text;
}

static inline int write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

static inline int file_exists(const char *path) { return access(path, F_OK) == 0; }

// A fresh directory for the test's files, under the working directory (the build tree).
static inline const char *make_test_dir(const char *test) {
  static char dir[256];
  snprintf(dir, sizeof dir, "%s_XXXXXX", test);
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    exit(1);
  }
  return dir;
}

// "<dir>/<name>", valid for the whole test (every call gets its own slot).
static inline const char *test_path(const char *dir, const char *name) {
  static char paths[256][512];
  static int used;
  if (used == 256) {
    fprintf(stderr, "test_path: out of slots\n");
    exit(1);
  }
  char *p = paths[used++];
  snprintf(p, sizeof paths[0], "%s/%s", dir, name);
  return p;
}

// Removes the files in dir and dir itself (tests create no subdirectories).
static inline void remove_test_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  char path[512];
  for (struct dirent *e; (e = readdir(d));) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    remove(path);
  }
  closedir(d);
  rmdir(dir);
}

// Writes n bytes to path (a test fixture); exits the test on failure.
static inline void write_test_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    perror(path);
    exit(1);
  }
  if (n) fwrite(data, 1, n, f);
  fclose(f);
}
