// The compressor a test names, or exit 1 with the parser's reason: a misspelt name is a broken test,
// not a check that failed. Shared by the C-reference tests and their GPU twins.
#pragma once
#include <stdio.h>
#include <stdlib.h>

#include "common/compressor_spec.h"

static inline cc_compressor test_compressor(const char *name) {
  cc_compressor c;
  char err[256];
  if (cc_compressor_parse(name, &c, err, sizeof err) != 0) {
    fprintf(stderr, "cannot parse compressor '%s': %s\n", name, err);
    exit(1);
  }
  return c;
}
