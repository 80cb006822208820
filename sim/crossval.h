// Validation across rank counts: fit on every rank count but one, predict the one left out.
//
// A prediction is only worth what it is off by on data it was not fitted to. Given measurements at
// several rank counts of one machine, the profile is calibrated once on all of them (the plain fit,
// which says how well the model can describe the machine at all) and once per rank count with that
// count's rows left out (which says how well it predicts a scale it has not seen).
#pragma once
#include <stddef.h>

#include "common/rows.h"
#include "sim/calibrate.h"
#include "sim/validate.h"

typedef struct {
  cc_check *fit;           // every point against the profile fitted on all rows
  size_t nfit;
  cc_check *held_out;      // every point against the profile fitted without its rank count
  size_t nheld;
  int ranks[64];           // the rank counts, ascending
  int nranks;
  size_t fold_start[65];   // held_out[fold_start[k] .. fold_start[k + 1]) are the points at ranks[k]
  cc_profile *fold;        // fold[k]: the profile fitted without ranks[k], which priced those points
  cc_rowset held_rows[64]; // each fold's measured rows (held_out[i].obs.row points into them)
  cc_profile fitted;       // the plain fit
} cc_crossval;

// `base` gives the hardware, shape and priors (as calibrate --profile). Needs rows at 2 or more rank
// counts (3 or more to leave one out and still see a scaling). 0, or -1 with a reason in err.
int cc_leave_one_out(const cc_rowset *rows, const cc_calib_opts *o, const cc_profile *base, cc_crossval *out,
                     char *err, size_t errlen);
void cc_crossval_free(cc_crossval *cv);
