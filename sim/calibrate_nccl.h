// Fitting NCCL's pair parameters (sim/nccl_model.h) to measured rows of strategy nccl[:algo[/proto]].
//
// A measured size ran one (algorithm, protocol) pair, the cheapest; which one is not in the log. The
// fit alternates: each row is given to the pair that explains it best, every other pair that would be
// faster than the measurement there is pushed up to it (NCCL would have run that one otherwise), and
// the parameters are solved by non-negative least squares on the relative error, bandwidths kept at or
// below the hardware's ceilings, every parameter pulled gently toward its prior (the profile's value:
// NCCL's published default or an earlier fit) so that what the rows cannot tell apart keeps a
// physical value. Several starts, the best kept.
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "sim/observe.h"
#include "sim/profile.h"

typedef struct {
  double prior_weight;  // pull toward the prior, relative to one row's error (0: the default, 0.01)
  int starts;           // the prior and starts-1 random perturbations of it (0: the default, 32)
} cc_nccl_fit_opts;

typedef struct {
  size_t rows;
  double rms_rel_error;                   // of the fitted rows, each at its cheapest pair
  bool free_param[CC_NCCL_NPARAMS];       // a pair some row could run: fitted
  unsigned char note[CC_NCCL_NPARAMS];    // cc_param_note of each fitted parameter
  unsigned runs[CC_NCCL_NALGOS];          // per algorithm, the protocols (bits) the fit runs at some row
} cc_nccl_fit_report;

// Fits the parameters of every pair the rows with fit[i] could run, in p->nccl (marking them given and
// noting each in p->nccl_note). 0, or -1 when no row is an nccl row.
int cc_fit_nccl(const cc_obs *obs, size_t n, const bool *fit, const cc_nccl_fit_opts *o, cc_profile *p,
                cc_nccl_fit_report *rep);
