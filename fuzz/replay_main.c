// Runs a fuzz harness once per file named on the command line, without libFuzzer: how the seed corpus
// and every crash turned regression run in CTest under the ordinary (and the sanitizer) build.
#include <stdio.h>
#include <stdlib.h>

#include "common/readfile.h"
#include "fuzz/fuzz_input.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE...  (runs the harness on each file)\n", argv[0]);
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    size_t size;
    char err[256];
    char *data = cc_read_text_file(argv[i], &size, err, sizeof err);
    if (!data) {
      fprintf(stderr, "%s: %s\n", argv[0], err);
      return 2;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, size);
    free(data);
  }
  printf("%s: %d inputs, no crash\n", argv[0], argc - 1);
  return 0;
}
