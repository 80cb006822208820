// Error feedback loses nothing: after T steps, the sum of the gradients fed in equals the sum of what
// the payloads decoded to plus the final residual, up to f32 rounding of the running updates.
#include <math.h>

#include "common/rng.h"
#include "common/tests/check.h"
#include "compress/compressor.h"

static void conserves(const char *name) {
  cc_compressor c;
  char err[256];
  CHECKF(cc_compressor_parse(name, &c, err, sizeof err) == 0, "%s: %s", name, err);
  CHECK(c.ef);
  enum { N = 5003, T = 40 };
  static float grad[N], decoded[N], scratch[N];
  static double fed[N], got[N];
  static unsigned char payload[8 * N + 64];
  cc_error_feedback ef;
  cc_ef_init(&ef, N);
  cc_rng rng, data;
  cc_rng_seed(&rng, 11);
  cc_rng_seed(&data, 12);
  memset(fed, 0, sizeof fed), memset(got, 0, sizeof got);
  double largest = 0, worst_growth = 0;
  for (int t = 0; t < T; t++) {
    for (size_t i = 0; i < N; i++) {
      grad[i] = (float)(cc_rng_normal(&data) * (1 + (double)(i % 13)));
      fed[i] += grad[i];
    }
    uint64_t shared = 1000 + (uint64_t)t;
    cc_ef_encode(&ef, &c, grad, payload, scratch, &rng, shared);
    memset(decoded, 0, sizeof decoded);
    cc_compress_decode_add(&c, payload, N, decoded, shared);
    // Feedback must stay bounded: each step adds at most one gradient to what was left out, so with a
    // contractive compressor the residual grows no faster than t gradient norms. A rand-k scaled by n/k
    // multiplies its kept entries by (1 - n/k) every step and blows past this within a few steps.
    double rnorm = 0, gnorm = 0;
    for (size_t i = 0; i < N; i++) rnorm += (double)ef.residual[i] * ef.residual[i], gnorm += (double)grad[i] * grad[i];
    if (sqrt(rnorm / gnorm) > worst_growth) worst_growth = sqrt(rnorm / gnorm);
    for (size_t i = 0; i < N; i++) {
      got[i] += decoded[i];
      double m = fabs(fed[i]) + fabs(got[i]) + fabs((double)ef.residual[i]);
      if (m > largest) largest = m;
    }
  }
  // Each step rounds grad + residual and corrected - decoded once each in f32.
  double tol = 4.0 * T * 0x1p-24 * largest;
  double worst = 0;
  for (size_t i = 0; i < N; i++) {
    double gap = fabs(fed[i] - (got[i] + ef.residual[i]));
    if (gap > worst) worst = gap;
  }
  CHECKF(worst_growth <= T, "%s: residual grew to %.3g gradient norms in %d steps", name, worst_growth, T);
  CHECKF(worst <= tol, "%s: sum fed - (sum decoded + residual) is %.3g, bound %.3g", name, worst, tol);
  // A lossy scheme leaves something behind; a residual of zero would mean feedback never engaged.
  double residual_norm = 0;
  for (size_t i = 0; i < N; i++) residual_norm += fabs((double)ef.residual[i]);
  CHECKF(residual_norm > 0, "%s: residual is zero after %d lossy steps", name, T);
  cc_ef_free(&ef);
}

int main(void) {
  const char *schemes[] = {"fp16+ef", "bf16+ef", "int8+ef", "int4+ef", "qsgd:16+ef", "sign+ef",
                           "topk:0.01+ef", "topk:0.05,approx+ef", "randk:0.1+ef"};
  for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++) conserves(schemes[k]);
  return check_done("test_compress_error_feedback");
}
