// AdamW, clipping and the schedule against values computed by hand from their definitions.
#include <math.h>
#include <stdio.h>

#include "common/tests/check.h"
#include "trainer/cpu_threads.h"
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

// The threaded loops: a gradient of 3 norm chunks and a tail. Its norm matches a long double sum,
// and the norm, the clipped gradient and an AdamW step are the same bits on 1 and 3 threads.
static void test_threads(void) {
  enum { N = 3 * 32768 + 1001 };
  static float g[2][N], p[2][N], m[2][N], v[2][N];
  long double ref = 0;
  for (int i = 0; i < N; i++) {
    g[0][i] = g[1][i] = (float)sin(0.37 * i) * (i % 7 == 0 ? 10.0f : 0.01f);
    p[0][i] = p[1][i] = (float)cos(0.11 * i);
    ref += (long double)g[0][i] * g[0][i];
  }
  adamw_params hp = {.beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8, .weight_decay = 0.1};
  double norm[2];
  for (int run = 0; run < 2; run++) {
    cpu_threads_set(run == 0 ? 1 : 3);
    norm[run] = grad_norm(g[run], N);
    clip_grad_norm(g[run], N, norm[run], 1.0);
    adamw_update(p[run], g[run], m[run], v[run], N, 1, 1e-3, &hp, true);
  }
  CHECK_NEAR(norm[0], sqrtl(ref), 1e-12 * sqrtl(ref));
  CHECK(memcmp(&norm[0], &norm[1], sizeof norm[0]) == 0);
  CHECK(memcmp(g[0], g[1], sizeof g[0]) == 0 && memcmp(p[0], p[1], sizeof p[0]) == 0);
  CHECK(memcmp(m[0], m[1], sizeof m[0]) == 0 && memcmp(v[0], v[1], sizeof v[0]) == 0);
  cpu_threads_set(1);
}

int main(void) {
  test_threads();
  test_adamw_by_hand();
  test_clip();
  test_schedule();
  return check_done("test_optim");
}
