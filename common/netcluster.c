#include "common/netcluster.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// One "key=value" word: its number, checked to lie in [lo, hi].
static int number_of(const char *word, const char *value, double lo, double hi, double *out, char *err, size_t errlen) {
  char *end;
  double v = strtod(value, &end);
  if (end == value || *end != '\0' || !isfinite(v) || v < lo || v > hi) {
    snprintf(err, errlen, "CCBENCH_NETCLUSTER: '%s' is not a number in [%g, %g]", word, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

int cc_netcluster_parse(cc_netcluster *nc, const char *text, char *err, size_t errlen) {
  *nc = (cc_netcluster){0};
  double nodes = 0, per_node = 0;
  bool have_rate = false;
  char buf[512];
  if (strlen(text) >= sizeof buf) {
    snprintf(err, errlen, "CCBENCH_NETCLUSTER is longer than %zu characters", sizeof buf - 1);
    return -1;
  }
  strcpy(buf, text);
  for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
    char *eq = strchr(w, '=');
    if (!eq) {
      snprintf(err, errlen, "CCBENCH_NETCLUSTER: '%s' is not key=value", w);
      return -1;
    }
    *eq = '\0';
    const char *key = w, *value = eq + 1;
    int rc = 0;
    if (strcmp(key, "name") == 0) {
      if (strlen(value) == 0 || strlen(value) >= sizeof nc->name) {
        snprintf(err, errlen, "CCBENCH_NETCLUSTER: name '%s' is empty or too long", value);
        return -1;
      }
      strcpy(nc->name, value);
    } else if (strcmp(key, "nodes") == 0) rc = number_of(key, value, 1, 4096, &nodes, err, errlen);
    else if (strcmp(key, "ranks_per_node") == 0) rc = number_of(key, value, 1, 4096, &per_node, err, errlen);
    else if (strcmp(key, "rate_bps") == 0) rc = number_of(key, value, 1e3, 1e12, &nc->rate_bps, err, errlen), have_rate = true;
    else if (strcmp(key, "delay_ms") == 0) rc = number_of(key, value, 0, 1e4, &nc->delay_ms, err, errlen);
    // Keys a later netcluster.sh may add are ignored, so an older tool still runs on a newer cluster.
    if (rc != 0) return -1;
  }
  if (nodes < 1 || !have_rate || nodes != floor(nodes) || per_node != floor(per_node)) {
    snprintf(err, errlen, "CCBENCH_NETCLUSTER '%s' lacks a whole nodes= or a rate_bps=", text);
    return -1;
  }
  nc->nodes = (int)nodes, nc->ranks_per_node = (int)per_node;
  if (!nc->name[0]) strcpy(nc->name, "netcluster");
  return 1;
}

int cc_netcluster_from_env(cc_netcluster *nc, char *err, size_t errlen) {
  const char *text = getenv("CCBENCH_NETCLUSTER");
  *nc = (cc_netcluster){0};
  if (!text || !*text) return 0;
  return cc_netcluster_parse(nc, text, err, errlen);
}

void cc_netcluster_profile_name(const cc_netcluster *nc, char *buf, size_t len) {
  double r = nc->rate_bps;
  char rate[32];
  if (r >= 1e9 && fmod(r, 1e8) == 0) snprintf(rate, sizeof rate, "%ggbit", r / 1e9);
  else if (r >= 1e6 && fmod(r, 1e5) == 0) snprintf(rate, sizeof rate, "%gmbit", r / 1e6);
  else snprintf(rate, sizeof rate, "%gkbit", r / 1e3);
  if (nc->delay_ms > 0) snprintf(buf, len, "netcluster-%s-%gms", rate, nc->delay_ms);
  else snprintf(buf, len, "netcluster-%s", rate);
}

void cc_netcluster_meta(const cc_netcluster *nc, cc_meta *m) {
  cc_meta_str(m, "netcluster_name", nc->name);
  cc_meta_int(m, "netcluster_nodes", nc->nodes);
  if (nc->ranks_per_node > 0) cc_meta_int(m, "netcluster_ranks_per_node", nc->ranks_per_node);
  cc_meta_num(m, "netcluster_rate_bps", nc->rate_bps);
  cc_meta_num(m, "netcluster_delay_ms", nc->delay_ms);
}
