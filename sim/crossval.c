#include "sim/crossval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

static void add_rank(cc_crossval *cv, int ranks) {
  for (int i = 0; i < cv->nranks; i++)
    if (cv->ranks[i] == ranks) return;
  if (cv->nranks == (int)(sizeof cv->ranks / sizeof cv->ranks[0])) return;
  int i = cv->nranks++;
  while (i > 0 && cv->ranks[i - 1] > ranks) cv->ranks[i] = cv->ranks[i - 1], i--;
  cv->ranks[i] = ranks;
}

// The rows at `ranks` (keep) or at every other count (!keep).
static void rows_at(const cc_rowset *rows, int ranks, bool keep, cc_rowset *out) {
  cc_rowset_init(out);
  for (size_t i = 0; i < rows->n; i++)
    if ((rows->rows[i].ranks == ranks) == keep) cc_rowset_add(out, &rows->rows[i]);
}

static size_t append(cc_check **all, size_t n, const cc_check *more, size_t m) {
  *all = cc_realloc(*all, (n + m + 1) * sizeof **all);
  memcpy(*all + n, more, m * sizeof *more);
  return n + m;
}

int cc_leave_one_out(const cc_rowset *rows, const cc_calib_opts *o, const cc_profile *base, cc_crossval *cv,
                     char *err, size_t errlen) {
  memset(cv, 0, sizeof *cv);
  cc_obs *obs;
  size_t skipped;
  char reason[200];
  size_t n = cc_observations(rows, base, &obs, &skipped, reason, sizeof reason);
  for (size_t i = 0; i < n; i++) add_rank(cv, obs[i].topo.ranks);
  free(obs);
  if (cv->nranks < 2) {
    snprintf(err, errlen, "leaving one rank count out needs rows at 2 or more rank counts (these have %d)", cv->nranks);
    return -1;
  }
  cc_calib_report rep;
  cv->fold = cc_calloc((size_t)cv->nranks, sizeof *cv->fold);
  cv->fitted = *base;
  if (cc_calibrate(rows, o, &cv->fitted, &rep, err, errlen) != 0) return -1;
  cv->nfit = cc_validate(&cv->fitted, rows, &cv->fit, &skipped, NULL, reason, sizeof reason);
  for (int k = 0; k < cv->nranks; k++) {
    cc_rowset train, test;
    rows_at(rows, cv->ranks[k], false, &train);
    rows_at(rows, cv->ranks[k], true, &test);
    cc_profile *p = &cv->fold[k];
    *p = *base;
    char why[400];
    if (cc_calibrate(&train, o, p, &rep, why, sizeof why) != 0) {
      snprintf(err, errlen, "without the %d-rank rows: %s", cv->ranks[k], why);
      cc_rowset_free(&train), cc_rowset_free(&test);
      cv->nranks = k;  // what cc_crossval_free must release
      return -1;
    }
    cc_check *checks;
    size_t m = cc_validate(p, &test, &checks, &skipped, NULL, reason, sizeof reason);
    cv->fold_start[k] = cv->nheld;
    cv->nheld = append(&cv->held_out, cv->nheld, checks, m);
    cv->fold_start[k + 1] = cv->nheld;
    free(checks);
    cc_rowset_free(&train);
    cv->held_rows[k] = test;  // the checks point into its rows
  }
  return 0;
}

void cc_crossval_free(cc_crossval *cv) {
  for (int k = 0; k < cv->nranks; k++) cc_rowset_free(&cv->held_rows[k]);
  free(cv->fit);
  free(cv->held_out);
  free(cv->fold);
  memset(cv, 0, sizeof *cv);
}
