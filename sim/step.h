// Training-step prediction: a data-parallel step whose gradient allreduce is cut into buckets that
// start as soon as backward has produced them, so communication hides behind the rest of backward.
#pragma once
#include <stddef.h>

#include "common/strategy.h"
#include "sim/model.h"
#include "sim/profile.h"

typedef struct {
  double params;               // parameters (= gradient elements)
  double grad_bytes_per_param; // 4 for f32 gradients, 2 for bf16/f16
  double bucket_bytes;         // bucket size; 0 or >= the gradient: one bucket after backward
  double forward_us, backward_us, optimizer_us;  // compute per step on one rank (per-rank batch fixed)
} cc_step_config;

typedef struct {
  double step_us;         // forward + max(backward, last bucket done) + optimizer
  double compute_us;      // forward + backward + optimizer: the step on one rank
  double comm_us;         // sum of the buckets' allreduce times
  double exposed_comm_us; // communication not hidden behind backward
  double efficiency;      // compute_us / step_us: throughput per rank relative to one rank
  double grad_bytes;      // gradient bytes cut into buckets (compressed strategies: f32)
  long long buckets;
} cc_step_prediction;

// Backward emits gradient bytes at a steady rate; bucket i is ready when its last byte is, and the
// buckets' allreduces run one after another. A compressed strategy's buckets are cut from f32
// gradients whatever grad_bytes_per_param says (cctrain encodes f32), each bucket a compressed
// allreduce (PowerSGD: the bucket as a near-square matrix). 0, or -1 with a reason in err.
int cc_step_predict(const cc_profile *p, const cc_strategy *s, cc_topology t, const cc_step_config *c,
                    cc_step_prediction *out, char *err, size_t errlen);
