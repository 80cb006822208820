#include "sim/step.h"

#include <math.h>
#include <stdio.h>

int cc_step_predict(const cc_profile *p, const cc_strategy *s, cc_topology t, const cc_step_config *c,
                    cc_step_prediction *out, char *err, size_t errlen) {
  *out = (cc_step_prediction){0};
  if (!(c->params > 0) || !(c->grad_bytes_per_param > 0) || c->forward_us < 0 || c->backward_us < 0 ||
      c->optimizer_us < 0 || c->bucket_bytes < 0) {
    snprintf(err, errlen, "step: parameters, gradient size and compute times must be positive");
    return -1;
  }
  double grad = c->params * (s->compressed ? (double)sizeof(float) : c->grad_bytes_per_param);
  out->grad_bytes = grad;
  double bucket = c->bucket_bytes > 0 && c->bucket_bytes < grad ? c->bucket_bytes : grad;
  double full = floor(grad / bucket), rest = grad - full * bucket;  // full buckets, then a smaller one
  if (full > 1e7) {
    snprintf(err, errlen, "step: %.3g buckets is too many (bucket %.0f B for %.0f B of gradients)", full, bucket, grad);
    return -1;
  }
  out->compute_us = c->forward_us + c->backward_us + c->optimizer_us;
  out->buckets = (long long)full + (rest > 0);

  double t_full = 0, t_rest = 0;
  if (t.ranks > 1) {
    cc_cost cost;
    if (cc_model_cost(p, s, CC_ALLREDUCE, t, bucket, &cost, err, errlen) != 0) return -1;
    t_full = cc_cost_time_us(p, &cost);
    if (rest > 0) {
      if (cc_model_cost(p, s, CC_ALLREDUCE, t, rest, &cost, err, errlen) != 0) return -1;
      t_rest = cc_cost_time_us(p, &cost);
    }
  }
  // Bucket i of size b_i is ready at backward * (bytes up to and including it) / grad.
  double done = 0, produced = 0;  // time the previous bucket finished, bytes produced so far
  for (long long i = 0; i < out->buckets; i++) {
    bool last_partial = i == (long long)full;
    double b = last_partial ? rest : bucket, cost = last_partial ? t_rest : t_full;
    produced += b;
    double ready = c->backward_us * produced / grad;
    done = fmax(done, ready) + cost;
    out->comm_us += cost;
  }
  double backward_end = fmax(c->backward_us, done);
  out->exposed_comm_us = backward_end - c->backward_us;
  out->step_us = c->forward_us + backward_end + c->optimizer_us;
  out->efficiency = out->step_us > 0 ? out->compute_us / out->step_us : 1.0;
  return 0;
}
