// nccl-tests logs (all_reduce_perf tables), which ccsim calibrate accepts as measurements.
#include <stdlib.h>

#include "common/rows.h"
#include "fuzz/fuzz_input.h"
#include "sim/nccltests.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_string(data, size), err[256] = "";
  cc_rowset rs;
  cc_rowset_init(&rs);
  (void)cc_nccltests_sniff(text);
  // 0: from the log's "#  Rank" lines and hosts
  cc_nccltests_opts o = {.ranks = size ? data[0] % 4 : 0, .ranks_per_node = size > 1 ? data[1] % 3 : 0};
  if (cc_nccltests_parse(&rs, text, "fuzz.log", &o, err, sizeof err) != 0 && err[0] == '\0') abort();
  cc_rowset_free(&rs);
  free(text);
  return 0;
}
