// AdamW, clipping and the schedule against values computed by hand from their definitions.
#include <math.h>
#include <stdio.h>

#include "common/tests/check.h"
#include "trainer/optim.h"

#define CHECK_NEAR(got, want, tol) \
  CHECKF(fabs((double)(got) - (double)(want)) <= (tol), "%s = %.9g, want %.9g (tol %g)", #got, (double)(got), (double)(want), (double)(tol))

// AdamW's first two steps on one parameter, written out from the formulas in optim.h.
static void test_adamw_by_hand(void) {
  adamw_params hp = {.beta1 = 0.9, .beta2 = 0.95, .eps = 1e-8, .weight_decay = 0.1};
  float p[2] = {0.5f, 0.5f}, m[2] = {0, 0}, v[2] = {0, 0};
  float g1[2] = {0.2f, 0.2f}, g2[2] = {-0.1f, -0.1f};
  double lr = 0.01;
  double P = 0.5, M = 0, V = 0;
  for (int t = 1; t <= 2; t++) {
    const float *g = t == 1 ? g1 : g2;
    adamw_update(p, g, m, v, 2, t, lr, &hp, true);
    M = 0.9 * M + 0.1 * g[0];
    V = 0.95 * V + 0.05 * (double)g[0] * g[0];
    double mhat = M / (1 - pow(0.9, t)), vhat = V / (1 - pow(0.95, t));
    P -= lr * (mhat / (sqrt(vhat) + 1e-8) + 0.1 * P);
    CHECK_NEAR(p[0], P, 1e-6);
    CHECK_NEAR(m[0], M, 1e-7);
    CHECK_NEAR(v[0], V, 1e-8);
  }
  // Step 1 moves every parameter by about lr (m-hat / sqrt(v-hat) = sign(g)), plus the decay.
  float q = 1.0f, mq = 0, vq = 0, gq = 123.0f;
  adamw_update(&q, &gq, &mq, &vq, 1, 1, 0.01, &hp, false);
  CHECK_NEAR(q, 1.0 - 0.01, 1e-6);
  // decay false: a zero gradient leaves the parameter alone; decay true shrinks it by lr wd p.
  float a = 2.0f, b = 2.0f, zero = 0, ma = 0, va = 0, mb = 0, vb = 0;
  adamw_update(&a, &zero, &ma, &va, 1, 1, 0.01, &hp, false);
  adamw_update(&b, &zero, &mb, &vb, 1, 1, 0.01, &hp, true);
  CHECK(a == 2.0f);
  CHECK_NEAR(b, 2.0 - 0.01 * 0.1 * 2.0, 1e-7);
}

static void test_clip(void) {
  float g[4] = {3, 4, 0, 0};  // norm 5
  double norm = grad_norm(g, 4);
  CHECK_NEAR(norm, 5.0, 1e-12);
  CHECK(clip_grad_norm(g, 4, norm, 10.0) == 1.0);  // under the limit: untouched
  CHECK(g[0] == 3 && g[1] == 4);
  double scale = clip_grad_norm(g, 4, norm, 1.0);
  CHECK_NEAR(scale, 0.2, 1e-6);
  CHECK_NEAR(grad_norm(g, 4), 1.0, 1e-6);
  CHECK(grad_norm(g, 4) <= 1.0);
  CHECK(clip_grad_norm(g, 4, 1.0, 0.0) == 1.0);  // 0 disables clipping
}

static void test_schedule(void) {
  // Warm-up: 1/4, 2/4, 3/4 of max, then max at the first decay step.
  CHECK_NEAR(lr_cosine(0, 4, 104, 1.0, 0.1), 0.25, 1e-12);
  CHECK_NEAR(lr_cosine(2, 4, 104, 1.0, 0.1), 0.75, 1e-12);
  CHECK_NEAR(lr_cosine(4, 4, 104, 1.0, 0.1), 1.0, 1e-12);
  // Halfway through the decay: min + (max - min) / 2.
  CHECK_NEAR(lr_cosine(54, 4, 104, 1.0, 0.1), 0.55, 1e-12);
  // A quarter: min + (max - min) (1 + cos(pi/4)) / 2.
  CHECK_NEAR(lr_cosine(29, 4, 104, 1.0, 0.1), 0.1 + 0.9 * (1 + sqrt(0.5)) / 2, 1e-12);
  CHECK_NEAR(lr_cosine(104, 4, 104, 1.0, 0.1), 0.1, 1e-12);
  CHECK_NEAR(lr_cosine(500, 4, 104, 1.0, 0.1), 0.1, 1e-12);
  // Monotone after the warm-up; no warm-up starts at max.
  double prev = 2;
  for (int s = 4; s < 104; s++) {
    double lr = lr_cosine(s, 4, 104, 1.0, 0.1);
    CHECK(lr <= prev && lr > 0.1);
    prev = lr;
  }
  CHECK_NEAR(lr_cosine(0, 0, 10, 1.0, 0.0), 1.0, 1e-12);
}

int main(void) {
  test_adamw_by_hand();
  test_clip();
  test_schedule();
  return check_done("test_optim");
}
