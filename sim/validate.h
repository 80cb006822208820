// Prediction error against measurements: |predicted - measured| / measured, per row and summarised
// per strategy and size band.
#pragma once
#include <stddef.h>

#include "common/rows.h"
#include "sim/observe.h"
#include "sim/profile.h"

typedef struct {
  cc_obs obs;
  cc_cost cost;       // the model's terms for this row
  double predicted_us;
  double rel_error;  // |predicted - measured| / measured
} cc_check;

// Size bands for summaries: [0, 64K), [64K, 1M), [1M, 16M), [16M, inf).
enum { CC_NBANDS = 4 };
int cc_band_of(double bytes);
const char *cc_band_name(int band);  // "<64K", "64K-1M", "1M-16M", ">=16M"

// Predicts every usable measured point: a point measured more than once is compared at its fastest
// measurement (observe.h); *repeats (may be NULL) counts the slower ones left out. Returns the count;
// *out is malloc'd (free it).
size_t cc_validate(const cc_profile *p, const cc_rowset *measured, cc_check **out, size_t *skipped, size_t *repeats,
                   char *reason, size_t reason_len);

typedef struct {
  size_t n;
  double median, worst;
} cc_error_stats;

// Median and worst relative error over the checks that pass the filter: strategy name (NULL: any),
// band (-1: any), bytes >= min_bytes.
cc_error_stats cc_error_summary(const cc_check *checks, size_t n, const char *strategy, int band, double min_bytes);
