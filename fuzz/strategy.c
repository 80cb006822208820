// Strategy names, strategy lists and compressor specs: the vocabulary every tool's flags go through.
#include <stdlib.h>
#include <string.h>

#include "common/compressor_spec.h"
#include "common/strategy.h"
#include "fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_string(data, size), err[256];
  cc_strategy one, list[64];
  if (cc_strategy_parse(text, &one, err, sizeof err) == 0) {
    // A parsed strategy names itself; parsing the name again gives the same strategy.
    cc_strategy again;
    if (cc_strategy_parse(one.name, &again, err, sizeof err) != 0 || strcmp(again.name, one.name) != 0) abort();
  } else if (err[0] == '\0') {
    abort();  // a rejection always says why
  }
  int n = cc_strategy_parse_list(text, list, 64, err, sizeof err);
  if (n < -1 || n > 64 || (n < 0 && err[0] == '\0')) abort();
  cc_compressor c;
  if (cc_compressor_parse(text, &c, err, sizeof err) != 0 && err[0] == '\0') abort();
  free(text);
  return 0;
}
