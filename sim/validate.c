#include "sim/validate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "sim/model.h"

int cc_band_of(double bytes) { return bytes < 65536 ? 0 : bytes < 1048576 ? 1 : bytes < 16777216 ? 2 : 3; }

const char *cc_band_name(int band) {
  static const char *const names[CC_NBANDS] = {"<64K", "64K-1M", "1M-16M", ">=16M"};
  return band >= 0 && band < CC_NBANDS ? names[band] : "all";
}

size_t cc_validate(const cc_profile *p, const cc_rowset *measured, cc_check **out, size_t *skipped, size_t *repeats,
                   char *reason, size_t reason_len) {
  cc_obs *obs;
  size_t nobs = cc_observations_ex(measured, p, &obs, skipped, repeats, reason, reason_len), n = 0;
  cc_check *checks = cc_calloc(nobs ? nobs : 1, sizeof(cc_check));
  for (size_t k = 0; k < nobs; k++) {
    if (obs[k].repeat) continue;  // a point is compared at its fastest measurement
    char err[200];
    size_t i = n++;
    checks[i].obs = obs[k];
    // cc_observations kept only rows the model covers, so this cannot fail.
    const cc_obs *o = &checks[i].obs;
    if (cc_model_cost(p, &o->strategy, o->op, o->topo, o->bytes, &checks[i].cost, err, sizeof err) != 0) CC_FATAL("%s", err);
    checks[i].predicted_us = cc_cost_time_us(p, &checks[i].cost);
    // o->time_us is positive and finite (observe.c); a prediction that is not a number is infinitely
    // wrong, so no summary of these errors can come out nan.
    checks[i].rel_error = fabs(checks[i].predicted_us - o->time_us) / o->time_us;
    if (isnan(checks[i].rel_error)) checks[i].rel_error = INFINITY;
  }
  free(obs);
  *out = checks;
  return n;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

cc_error_stats cc_error_summary(const cc_check *checks, size_t n, const char *strategy, int band, double min_bytes) {
  double *e = cc_malloc((n ? n : 1) * sizeof(double));
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    const cc_obs *o = &checks[i].obs;
    if (strategy && strcmp(o->strategy.name, strategy) != 0) continue;
    if (band >= 0 && cc_band_of(o->bytes) != band) continue;
    if (o->bytes < min_bytes) continue;
    e[m++] = checks[i].rel_error;
  }
  cc_error_stats s = {.n = m};
  if (m) {
    qsort(e, m, sizeof(double), by_value);
    s.median = m % 2 ? e[m / 2] : 0.5 * (e[m / 2 - 1] + e[m / 2]);
    s.worst = e[m - 1];
  }
  free(e);
  return s;
}
