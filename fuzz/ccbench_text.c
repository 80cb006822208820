// ccbench's text tables (stdout, or stderr with --csv -), which ccsim calibrate and validate accept as
// measurements.
#include <stdlib.h>

#include "common/rows.h"
#include "fuzz/fuzz_input.h"
#include "sim/ccbench_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_string(data, size), err[256] = "";
  cc_rowset rs;
  cc_rowset_init(&rs);
  (void)cc_ccbench_text_sniff(text);
  // 0: from the table's "# N ranks on M nodes" line
  cc_ccbench_text_opts o = {.ranks = size ? data[0] % 4 : 0, .ranks_per_node = size > 1 ? data[1] % 3 : 0};
  int rc = cc_ccbench_text_parse(&rs, text, "fuzz.txt", &o, err, sizeof err);
  if (rc != 0 && (err[0] == '\0' || rs.n != 0)) abort();  // an error says why and keeps no row
  for (size_t i = 0; i < rs.n; i++)  // every row kept is one the row CSV reader would take back
    if (!(rs.rows[i].time_us >= 0) || !rs.rows[i].strategy || !rs.rows[i].dtype || !rs.rows[i].op) abort();
  cc_rowset_free(&rs);
  free(text);
  return 0;
}
