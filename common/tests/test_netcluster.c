// CCBENCH_NETCLUSTER, as scripts/netcluster.sh mpirun sets it: read to the values written, malformed
// text refused with a reason, profile names and sidecar keys as the results and plots expect them.
#include <stdlib.h>

#include "common/netcluster.h"
#include "common/tests/check.h"

static void parses(void) {
  cc_netcluster nc;
  char err[300];
  CHECK(cc_netcluster_parse(&nc, "name=ccnc nodes=2 ranks_per_node=2 rate_bps=100000000 delay_ms=0", err, sizeof err) == 1);
  CHECK_STREQ(nc.name, "ccnc");
  CHECK(nc.nodes == 2 && nc.ranks_per_node == 2 && nc.rate_bps == 1e8 && nc.delay_ms == 0);
  // Order free, unknown keys (a newer netcluster.sh) ignored, no name: a default one.
  CHECK(cc_netcluster_parse(&nc, "rate_bps=30000000  delay_ms=2.5 future=x nodes=4", err, sizeof err) == 1);
  CHECK(nc.nodes == 4 && nc.ranks_per_node == 0 && nc.rate_bps == 3e7 && nc.delay_ms == 2.5);
  CHECK_STREQ(nc.name, "netcluster");

  char name[64];
  cc_netcluster_profile_name(&nc, name, sizeof name);
  CHECK_STREQ(name, "netcluster-30mbit-2.5ms");
  CHECK(cc_netcluster_parse(&nc, "nodes=2 rate_bps=1000000000", err, sizeof err) == 1);
  cc_netcluster_profile_name(&nc, name, sizeof name);
  CHECK_STREQ(name, "netcluster-1gbit");
  CHECK(cc_netcluster_parse(&nc, "nodes=2 rate_bps=2500000000", err, sizeof err) == 1);
  cc_netcluster_profile_name(&nc, name, sizeof name);
  CHECK_STREQ(name, "netcluster-2.5gbit");
  CHECK(cc_netcluster_parse(&nc, "nodes=2 rate_bps=250000", err, sizeof err) == 1);
  cc_netcluster_profile_name(&nc, name, sizeof name);
  CHECK_STREQ(name, "netcluster-250kbit");
}

static void refuses(void) {
  const struct {
    const char *text, *want;
  } bad[] = {
      {"nodes=2", "rate_bps"},                                       // no rate
      {"rate_bps=1e8", "nodes"},                                     // no node count
      {"nodes=two rate_bps=1e8", "'nodes'"},                         // not a number
      {"nodes=2.5 rate_bps=1e8", "whole"},                           // not whole
      {"nodes=2 rate_bps=-5", "'rate_bps'"},                         // out of range
      {"nodes=2 rate_bps=1e8 delay_ms=nan", "'delay_ms'"},           // NaN
      {"nodes=2 rate_bps=1e8x", "'rate_bps'"},                       // trailing junk
      {"nodes=2 rate_bps=1e8 garbage", "key=value"},                 // a word without '='
      {"name= nodes=2 rate_bps=1e8", "name"},                        // empty name
      {"name=averyveryverylongname nodes=2 rate_bps=1e8", "name"},   // too long for a namespace prefix
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cc_netcluster nc;
    char err[300] = "";
    int rc = cc_netcluster_parse(&nc, bad[i].text, err, sizeof err);
    CHECKF(rc == -1 && strstr(err, bad[i].want) && strstr(err, "CCBENCH_NETCLUSTER"),
           "'%s': rc %d, err '%s' (want it to name %s)", bad[i].text, rc, err, bad[i].want);
  }
}

static void environment_and_sidecar(void) {
  cc_netcluster nc;
  char err[300];
  unsetenv("CCBENCH_NETCLUSTER");
  CHECK(cc_netcluster_from_env(&nc, err, sizeof err) == 0);
  setenv("CCBENCH_NETCLUSTER", "", 1);
  CHECK(cc_netcluster_from_env(&nc, err, sizeof err) == 0);
  setenv("CCBENCH_NETCLUSTER", "nodes=3", 1);
  CHECK(cc_netcluster_from_env(&nc, err, sizeof err) == -1);
  setenv("CCBENCH_NETCLUSTER", "name=t nodes=3 ranks_per_node=1 rate_bps=1e7 delay_ms=5", 1);
  CHECK(cc_netcluster_from_env(&nc, err, sizeof err) == 1);

  // The sidecar every tool writes carries the cluster (cc_meta_standard reads the variable itself).
  cc_meta m;
  cc_meta_init(&m);
  cc_meta_standard(&m, "test", 0, NULL);
  const char *want[] = {"netcluster_name", "netcluster_nodes", "netcluster_ranks_per_node", "netcluster_rate_bps",
                        "netcluster_delay_ms"};
  const char *values[] = {"\"t\"", "3", "1", "10000000", "5"};
  for (int k = 0; k < 5; k++) {
    int found = -1;
    for (int i = 0; i < m.n; i++)
      if (strcmp(m.keys[i], want[k]) == 0) found = i;
    CHECKF(found >= 0 && strcmp(m.values[found], values[k]) == 0, "sidecar %s: %s, want %s", want[k],
           found >= 0 ? m.values[found] : "(missing)", values[k]);
  }
  cc_meta_free(&m);
  unsetenv("CCBENCH_NETCLUSTER");
}

int main(void) {
  parses();
  refuses();
  environment_and_sidecar();
  return check_done("test_netcluster");
}
