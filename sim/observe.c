#include "sim/observe.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"

// Why row r cannot be used, or NULL when it can (filling *o).
static const char *usable(const cc_row *r, const cc_profile *p, cc_obs *o, char *why, size_t len) {
  if (!r->source || strcmp(r->source, "measured") != 0) return "not a measured row";
  if (!r->op || cc_coll_parse(r->op, &o->op) != 0) return "unknown collective";
  char err[200];
  if (!r->strategy || cc_strategy_parse(r->strategy, &o->strategy, err, sizeof err) != 0) {
    snprintf(why, len, "%s", err);
    return why;
  }
  if (r->ranks < 2) return "fewer than 2 ranks";
  if (r->bytes == 0) return "0 bytes";
  if (!(r->time_us > 0)) return "no time";
  int per_node = r->ranks_per_node > 0 ? r->ranks_per_node : r->nodes > 0 ? r->ranks / r->nodes : r->ranks;
  o->topo = (cc_topology){.ranks = r->ranks, .ranks_per_node = per_node > 0 ? per_node : r->ranks};
  o->bytes = (double)r->bytes;
  o->time_us = r->time_us;
  o->row = r;
  cc_cost c;
  if (cc_model_cost(p, &o->strategy, o->op, o->topo, o->bytes, &c, err, sizeof err) != 0) {
    snprintf(why, len, "%s", err);
    return why;
  }
  return NULL;
}

size_t cc_observations(const cc_rowset *rows, const cc_profile *p, cc_obs **out, size_t *skipped, char *reason,
                       size_t reason_len) {
  cc_obs *obs = cc_calloc(rows->n ? rows->n : 1, sizeof(cc_obs));
  size_t n = 0;
  *skipped = 0;
  if (reason_len) reason[0] = '\0';
  for (size_t i = 0; i < rows->n; i++) {
    char why_buf[200];
    const char *why = usable(&rows->rows[i], p, &obs[n], why_buf, sizeof why_buf);
    if (!why) {
      n++;
      continue;
    }
    if ((*skipped)++ == 0 && reason_len) snprintf(reason, reason_len, "row %zu: %s", i + 1, why);
  }
  *out = obs;
  return n;
}
