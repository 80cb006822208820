// Measured rows as the model sees them: parsed strategy, collective and topology.
#pragma once
#include <stddef.h>

#include "common/rows.h"
#include "common/strategy.h"
#include "sim/model.h"

typedef struct {
  const cc_row *row;
  cc_strategy strategy;
  cc_coll op;
  cc_topology topo;
  double bytes, time_us;
  // A point measured more than once (nccl-tests' out-of-place and in-place runs, the same sweep in two
  // files) is compared at its fastest measurement: interference only ever adds time, and the model
  // predicts the undisturbed collective. The slower measurements are marked and left out.
  bool repeat;
} cc_obs;

// The measured rows (source "measured") that the model can predict: known collective and strategy,
// 2+ ranks, bytes > 0, a positive time, a sum (or no) reduction. Returns how many; *out is malloc'd
// (free it). *skipped counts the others and `reason` gets the first one's reason ("row 7: ...");
// *repeats (may be NULL) counts the observations marked repeat.
size_t cc_observations_ex(const cc_rowset *rows, const cc_profile *p, cc_obs **out, size_t *skipped, size_t *repeats,
                          char *reason, size_t reason_len);
// cc_observations_ex without the count of repeats.
size_t cc_observations(const cc_rowset *rows, const cc_profile *p, cc_obs **out, size_t *skipped, char *reason,
                       size_t reason_len);
