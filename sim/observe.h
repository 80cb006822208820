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
} cc_obs;

// The measured rows (source "measured") that the model can predict: known collective and strategy,
// 2+ ranks, bytes > 0, a positive time. Returns how many; *out is malloc'd (free it). *skipped counts
// the others and `reason` gets the first one's reason ("out.csv row 7: ...").
size_t cc_observations(const cc_rowset *rows, const cc_profile *p, cc_obs **out, size_t *skipped, char *reason,
                       size_t reason_len);
