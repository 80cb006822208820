#include "common/readfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

char *cc_read_text_file(const char *path, size_t *len_out, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, len = 0;
  char *text = cc_malloc(cap);
  for (size_t got; (got = fread(text + len, 1, cap - 1 - len, f)) > 0;) {
    len += got;
    if (len == cap - 1) {
      char *bigger = realloc(text, cap *= 2);
      if (!bigger) CC_FATAL("out of memory reading %s", path);
      text = bigger;
    }
  }
  int failed = ferror(f);
  fclose(f);
  if (failed) {
    free(text);
    snprintf(err, errlen, "%s: read error", path);
    return NULL;
  }
  text[len] = '\0';
  if (len_out) *len_out = len;
  return text;
}
