// Prints the rows ccsim's readers take from a file, as CSV in the row schema: what a test compares
// with what the writer of the file meant. rows_dump nccl-tests FILE | rows_dump ccbench-text FILE
#include <stdio.h>
#include <string.h>

#include "common/rows.h"
#include "sim/ccbench_text.h"
#include "sim/nccltests.h"

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "nccl-tests") != 0 && strcmp(argv[1], "ccbench-text") != 0)) {
    fprintf(stderr, "usage: rows_dump nccl-tests|ccbench-text FILE\n");
    return 2;
  }
  cc_rowset rs;
  cc_rowset_init(&rs);
  char err[512];
  int rc = strcmp(argv[1], "nccl-tests") == 0 ? cc_nccltests_read(&rs, argv[2], NULL, err, sizeof err)
                                              : cc_ccbench_text_read(&rs, argv[2], NULL, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "rows_dump: %s\n", err);
    cc_rowset_free(&rs);
    return 1;
  }
  cc_rows_write_csv_header(stdout);
  for (size_t i = 0; i < rs.n; i++) cc_row_write_csv(stdout, &rs.rows[i]);
  cc_rowset_free(&rs);
  return 0;
}
