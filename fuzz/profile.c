// Machine profiles (key = value text).
#include <stdlib.h>

#include "fuzz/fuzz_input.h"
#include "sim/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_string(data, size), err[256] = "";
  cc_profile p;
  cc_profile_init(&p);
  if (cc_profile_parse(&p, text, "fuzz.profile", err, sizeof err) != 0 && err[0] == '\0') abort();
  free(text);
  return 0;
}
