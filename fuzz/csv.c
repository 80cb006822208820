// Result rows in CSV (what ccsim reads from ccbench and cctrain) and nccl-tests logs.
#include <stdlib.h>

#include "common/rows.h"
#include "fuzz/fuzz_input.h"
#include "sim/nccltests.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256] = "";
  cc_rowset rs;
  cc_rowset_init(&rs);
  if (cc_rowset_read_csv(&rs, fuzz_file(data, size, ".csv"), err, sizeof err) != 0 && err[0] == '\0') abort();
  cc_rowset_free(&rs);
  return 0;
}
