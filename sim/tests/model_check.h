// The cost-model tests' shared check: predict a strategy's time on (ranks, ranks per node) under the
// profile `p` in scope, and compare it with a time worked out by hand.
#pragma once
#include <math.h>
#include <stdio.h>

#include "common/tests/check.h"
#include "sim/model.h"

static inline double predict(const cc_profile *p, const char *strategy, cc_coll op, int ranks, int per_node, double bytes) {
  cc_strategy s;
  char err[256];
  if (cc_strategy_parse(strategy, &s, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    return NAN;
  }
  return cc_model_time_us(p, &s, op, (cc_topology){ranks, per_node, 0}, bytes);
}

#define EXPECT_TIME(strategy, op, ranks, per_node, bytes, want)                                               \
  do {                                                                                                       \
    double got_ = predict(&p, strategy, op, ranks, per_node, bytes);                                         \
    CHECKF(fabs(got_ - (want)) < 1e-9 * (want) + 1e-9, "%s %s P=%d per node %d, %.0f B: got %.6f us, want %.6f", \
           strategy, cc_coll_name(op), ranks, per_node, (double)(bytes), got_, (double)(want));               \
  } while (0)
