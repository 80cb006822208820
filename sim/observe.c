#include "sim/observe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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
  // The model prices sums (and allgather's none); max, min, prod and avg are left out of fits and checks.
  if (r->redop && r->redop[0] && strcmp(r->redop, "sum") != 0 && strcmp(r->redop, "none") != 0) {
    snprintf(why, len, "redop %s (the model prices sum)", r->redop);
    return why;
  }
  if (r->bytes == 0) return "0 bytes";
  if (!(r->time_us > 0) || !isfinite(r->time_us)) return "no time";  // the CSV reader refuses these; logs may not
  if (r->errors > 0) {  // a run that failed its own check measured something else than the collective
    snprintf(why, len, "its check found %lld wrong elements", r->errors);
    return why;
  }
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

static int cmp_str(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : ""); }

// Orders by what names a measured point: strategy, op, layout, size, dtype, redop and profile.
static int point_cmp(const cc_obs *a, const cc_obs *b) {
  int c = strcmp(a->strategy.name, b->strategy.name);
  if (!c) c = (int)a->op - (int)b->op;
  if (!c) c = a->topo.ranks - b->topo.ranks;
  if (!c) c = a->topo.ranks_per_node - b->topo.ranks_per_node;
  if (!c) c = (a->bytes > b->bytes) - (a->bytes < b->bytes);
  if (!c) c = cmp_str(a->row->dtype, b->row->dtype);
  if (!c) c = cmp_str(a->row->redop, b->row->redop);
  if (!c) c = cmp_str(a->row->profile, b->row->profile);
  return c;
}

// The order that puts repeats of one point side by side, fastest first.
static int same_point_order(const void *pa, const void *pb) {
  const cc_obs *a = *(const cc_obs *const *)pa, *b = *(const cc_obs *const *)pb;
  int c = point_cmp(a, b);
  if (!c) c = (a->time_us > b->time_us) - (a->time_us < b->time_us);
  if (!c) c = (a > b) - (a < b);
  return c;
}

static size_t mark_repeats(cc_obs *obs, size_t n) {
  cc_obs **order = cc_calloc(n ? n : 1, sizeof *order);
  for (size_t i = 0; i < n; i++) order[i] = &obs[i];
  qsort(order, n, sizeof *order, same_point_order);
  size_t repeats = 0;
  for (size_t i = 1; i < n; i++)
    if (point_cmp(order[i - 1], order[i]) == 0) order[i]->repeat = true, repeats++;
  free(order);
  return repeats;
}

size_t cc_observations(const cc_rowset *rows, const cc_profile *p, cc_obs **out, size_t *skipped, char *reason,
                       size_t reason_len) {
  return cc_observations_ex(rows, p, out, skipped, NULL, reason, reason_len);
}

size_t cc_observations_ex(const cc_rowset *rows, const cc_profile *p, cc_obs **out, size_t *skipped, size_t *repeats,
                          char *reason, size_t reason_len) {
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
  size_t r = mark_repeats(obs, n);
  if (repeats) *repeats = r;
  *out = obs;
  return n;
}
