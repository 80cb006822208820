#include "fuzz/fuzz_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"

char *fuzz_string(const uint8_t *data, size_t size) {
  char *s = cc_malloc(size + 1);
  if (size) memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix) {
  static char path[256];
  const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  snprintf(path, sizeof path, "%s/ccbench-fuzz-%ld%s", dir, (long)getpid(), suffix);
  FILE *f = fopen(path, "wb");
  if (!f) CC_FATAL("cannot create %s", path);
  if (size && fwrite(data, 1, size, f) != size) CC_FATAL("cannot write %s", path);
  if (fclose(f) != 0) CC_FATAL("cannot write %s", path);
  return path;
}
