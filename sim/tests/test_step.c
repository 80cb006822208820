// Training-step prediction against timelines worked out by hand.
#include <math.h>

#include "common/tests/check.h"
#include "sim/step.h"

#define NEAR(got, want) CHECKF(fabs((double)(got) - (want)) < 1e-6 * fabs((double)(want)) + 1e-9, "%s = %.6f, want %.6f", #got, (double)(got), (double)(want))

int main(void) {
  cc_profile p;
  cc_profile_init(&p);
  p.link[CC_INTRA] = p.link[CC_INTER] = (cc_link){.alpha_us = 10, .beta_ns_per_byte = 1, .gamma_ns_per_byte = 0};
  cc_strategy ring;
  char err[256];
  CHECK(cc_strategy_parse("ring", &ring, err, sizeof err) == 0);
  cc_topology four = {4, 4, 0};
  // 1e6 f32 gradients = 4e6 B. Ring over 4 ranks: 6 messages (60 us) and 1.5 x bytes received.
  cc_step_config c = {.params = 1e6, .grad_bytes_per_param = 4, .bucket_bytes = 0, .forward_us = 1000,
                      .backward_us = 2000, .optimizer_us = 100};
  cc_step_prediction s;

  // One bucket after backward: nothing overlaps.
  CHECK(cc_step_predict(&p, &ring, four, &c, &s, err, sizeof err) == 0);
  double t_all = 60 + 1.5 * 4e6 * 1e-3;
  CHECK(s.buckets == 1);
  NEAR(s.comm_us, t_all);
  NEAR(s.exposed_comm_us, t_all);
  NEAR(s.step_us, 1000 + 2000 + t_all + 100);
  NEAR(s.efficiency, 3100 / (3100 + t_all));

  // Four buckets of 1e6 B, ready at 500, 1000, 1500, 2000 us; each takes 60 + 1500 us, back to back:
  // done at 2060, 3620, 5180, 6740.
  c.bucket_bytes = 1e6;
  CHECK(cc_step_predict(&p, &ring, four, &c, &s, err, sizeof err) == 0);
  CHECK(s.buckets == 4);
  NEAR(s.comm_us, 4 * 1560.0);
  NEAR(s.exposed_comm_us, 6740 - 2000);
  NEAR(s.step_us, 1000 + 6740 + 100);

  // A long backward hides every bucket but the last.
  c.backward_us = 1e6;
  CHECK(cc_step_predict(&p, &ring, four, &c, &s, err, sizeof err) == 0);
  NEAR(s.exposed_comm_us, 1560);

  // Buckets of 3e6 B: one full, then the remaining 1e6 B.
  c.bucket_bytes = 3e6;
  c.backward_us = 2000;
  CHECK(cc_step_predict(&p, &ring, four, &c, &s, err, sizeof err) == 0);
  CHECK(s.buckets == 2);
  double t3 = 60 + 1.5 * 3e6 * 1e-3, t1 = 1560;
  // Ready at 1500 and 2000 us.
  NEAR(s.step_us, 1000 + fmax(1500 + t3, 2000) + t1 + 100);

  // One rank: no communication, efficiency 1.
  CHECK(cc_step_predict(&p, &ring, (cc_topology){1, 1, 0}, &c, &s, err, sizeof err) == 0);
  NEAR(s.step_us, 3100);
  NEAR(s.efficiency, 1);

  // Bad configuration is refused with a reason.
  c.params = 0;
  CHECK(cc_step_predict(&p, &ring, four, &c, &s, err, sizeof err) != 0 && strstr(err, "positive"));
  return check_done("test_sim_step");
}
