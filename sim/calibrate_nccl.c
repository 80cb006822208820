#include "sim/calibrate_nccl.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "sim/model.h"
#include "sim/nnls.h"

enum { NP = CC_NCCL_NPARAMS, MAX_PAIRS = CC_NCCL_NALGOS * CC_NCCL_NPROTOS };

// A row's candidate pairs, with their terms under the current parameters.
typedef struct {
  int npairs;
  cc_nccl_algo algo[MAX_PAIRS];
  cc_nccl_proto proto[MAX_PAIRS];
} candidates;

typedef struct {
  const cc_obs *obs;
  size_t n;
  const bool *fit;
  candidates *cand;  // per row
  double lo[NP], prior[NP], scale[NP];
  bool free_param[NP];
  double weight;     // prior weight
} problem;

static void pair_terms(const cc_profile *p, const cc_obs *o, cc_nccl_algo a, cc_nccl_proto pr, double terms[NP]) {
  cc_cost c = {.nccl_algo = -1};
  cc_nccl_pair_cost(p, a, pr, o->op, o->topo, o->bytes, &c);
  memcpy(terms, c.nccl, sizeof c.nccl);
}

static double dot(const double *a, const double *x) {
  double s = 0;
  for (int j = 0; j < NP; j++)
    if (a[j] != 0) s += a[j] * x[j];
  return s;
}

// Adds the row (a . x ~ target), weight w, to the normal equations over the free parameters, with x
// shifted by the lower bounds (x = lo + y, y >= 0).
static void accumulate(const problem *pb, const double *a, double target, double w, double *G, double *h, double *bb) {
  int nz[NP], k = 0;
  double t = target;
  for (int j = 0; j < NP; j++) {
    if (a[j] == 0) continue;
    t -= a[j] * pb->lo[j];
    if (pb->free_param[j]) nz[k++] = j;
  }
  for (int u = 0; u < k; u++) {
    int i = nz[u];
    h[i] += w * w * a[i] * t;
    for (int v = 0; v < k; v++) G[i * NP + nz[v]] += w * w * a[i] * a[nz[v]];
  }
  *bb += w * w * t * t;
}

// The model's time of row i: its cheapest candidate pair under the profile.
static double model_time(const cc_profile *p, const problem *pb, size_t i, int *which) {
  double best = INFINITY, terms[NP];
  for (int c = 0; c < pb->cand[i].npairs; c++) {
    pair_terms(p, &pb->obs[i], pb->cand[i].algo[c], pb->cand[i].proto[c], terms);
    double t = dot(terms, p->nccl);
    if (t < best) best = t, *which = c;
  }
  return best;
}

// What a start is judged by: the sum of squared relative errors at the cheapest pairs (*data), and the
// prior's pull (*pull).
static void objective(const cc_profile *p, const problem *pb, double *data, double *pull) {
  *data = *pull = 0;
  int which = 0;
  for (size_t i = 0; i < pb->n; i++) {
    if (!pb->fit[i]) continue;
    double e = model_time(p, pb, i, &which) / pb->obs[i].time_us - 1;
    *data += e * e;
  }
  for (int j = 0; j < NP; j++)
    if (pb->free_param[j]) {
      double d = pb->weight * (p->nccl[j] - pb->prior[j]) / pb->scale[j];
      *pull += d * d;
    }
}

// One start: alternate assignments and non-negative least squares until the assignments settle.
static void descend(const problem *pb, cc_profile *p, int *assigned) {
  double *G = cc_malloc(sizeof(double) * NP * NP), h[NP], y[NP], terms[MAX_PAIRS][NP], time[MAX_PAIRS];
  for (int it = 0; it < 40; it++) {
    memset(G, 0, sizeof(double) * NP * NP);
    memset(h, 0, sizeof h);
    double bb = 0;
    bool changed = false;
    for (size_t i = 0; i < pb->n; i++) {
      if (!pb->fit[i]) continue;
      const candidates *cd = &pb->cand[i];
      double t = pb->obs[i].time_us, best_err = INFINITY;
      int best = 0;
      for (int c = 0; c < cd->npairs; c++) {
        pair_terms(p, &pb->obs[i], cd->algo[c], cd->proto[c], terms[c]);
        time[c] = dot(terms[c], p->nccl);
        double e = fabs(time[c] / t - 1);
        if (e < best_err) best_err = e, best = c;
      }
      if (assigned[i] != best) changed = true, assigned[i] = best;
      // The row's pair should match it; every other pair should be no faster (else NCCL ran it).
      for (int c = 0; c < cd->npairs; c++)
        if (c == best || time[c] < t) accumulate(pb, terms[c], t, 1.0 / t, G, h, &bb);
    }
    for (int j = 0; j < NP; j++) {
      if (!pb->free_param[j]) continue;
      double w = pb->weight / pb->scale[j];
      G[j * NP + j] += w * w;
      h[j] += w * w * (pb->prior[j] - pb->lo[j]);
    }
    // Unit-diagonal scaling keeps the elimination well conditioned (terms span 1 to 1e10).
    double sc[NP];
    for (int j = 0; j < NP; j++) sc[j] = G[j * NP + j] > 0 ? 1 / sqrt(G[j * NP + j]) : 0;
    for (int j = 0; j < NP; j++) {
      h[j] *= sc[j];
      for (int k = 0; k < NP; k++) G[j * NP + k] *= sc[j] * sc[k];
    }
    cc_nnls(G, h, NP, y);
    // Settled when the assignments hold and the parameters no longer move (the pushed-up pairs and the
    // bottlenecks are functions of them).
    double moved = 0;
    for (int j = 0; j < NP; j++) {
      if (!pb->free_param[j]) continue;
      double x = pb->lo[j] + y[j] * sc[j];
      moved = fmax(moved, fabs(x - p->nccl[j]) / fmax(fabs(x), 1e-12));
      p->nccl[j] = x;
    }
    if (!changed && moved < 1e-6) break;
  }
  free(G);
}

// xorshift64*: the starts are the same on every run and machine.
static double uniform(uint64_t *s) {
  *s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
  return (double)((*s * 2685821657736338717ULL) >> 11) * 0x1.0p-53;
}

static double normal(uint64_t *s) {
  double u = uniform(s), v = uniform(s);
  return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(6.283185307179586 * v);
}

// Which free parameters the rows determine. Reading each row as a measurement with 5% relative noise
// and the prior as knowing each parameter to within its own size (100%), a parameter is determined when
// the rows that ran its pair leave it less than half that uncertain.
enum { NOISE_PCT = 5 };
static void identify(const problem *pb, const cc_profile *p, const int *assigned, cc_nccl_fit_report *rep) {
  double *H = cc_calloc(NP * NP, sizeof(double)), h[NP] = {0}, bb = 0, row[NP];
  for (size_t i = 0; i < pb->n; i++) {
    if (!pb->fit[i]) continue;
    // Only the pair a row ran speaks for its parameters: the others are bounded below by the row
    // (NCCL did not find them faster), which pins nothing.
    const candidates *cd = &pb->cand[i];
    double t = pb->obs[i].time_us;
    pair_terms(p, &pb->obs[i], cd->algo[assigned[i]], cd->proto[assigned[i]], row);
    accumulate(pb, row, t, 1.0 / t, H, h, &bb);
  }
  int idx[NP], q = 0;
  for (int j = 0; j < NP; j++)
    if (pb->free_param[j]) idx[q++] = j;
  double *M = cc_calloc(NP * NP, sizeof(double)), e[NP], z[NP], noise = NOISE_PCT / 100.0;
  for (int j = 0; j < NP; j++) {
    for (int k = 0; k < NP; k++) M[j * NP + k] = H[j * NP + k] / (noise * noise);
    M[j * NP + j] += 1 / (pb->scale[j] * pb->scale[j]);
  }
  for (int u = 0; u < q; u++) {
    int j = idx[u];
    memset(e, 0, sizeof e);
    e[j] = 1;
    double prior_var = pb->scale[j] * pb->scale[j];
    bool determined = cc_solve_subset(M, e, NP, idx, q, z) == 0 && z[u] < 0.25 * prior_var;
    bool at_bound = p->nccl[j] <= pb->lo[j] * (1 + 1e-6);
    rep->note[j] = at_bound ? CC_NOTE_AT_BOUND : determined ? CC_NOTE_FITTED : CC_NOTE_UNDETERMINED;
  }
  free(H), free(M);
}

int cc_fit_nccl(const cc_obs *obs, size_t n, const bool *fit, const cc_nccl_fit_opts *o, cc_profile *p,
                cc_nccl_fit_report *rep) {
  memset(rep, 0, sizeof *rep);
  problem pb = {.obs = obs, .n = n, .weight = o && o->prior_weight > 0 ? o->prior_weight : 0.01};
  bool *use = cc_calloc(n ? n : 1, sizeof(bool));
  pb.fit = use;
  pb.cand = cc_calloc(n ? n : 1, sizeof(candidates));
  for (size_t i = 0; i < n; i++) {
    const cc_strategy *s = &obs[i].strategy;
    if (!fit[i] || s->algo != CC_ALGO_NCCL || s->compressed) continue;
    candidates *cd = &pb.cand[i];
    cd->npairs = cc_nccl_pairs(p, s->nccl_algo, s->nccl_proto, obs[i].op, obs[i].topo, cd->algo, cd->proto);
    if (cd->npairs == 0) continue;
    use[i] = true;
    rep->rows++;
    for (int c = 0; c < cd->npairs; c++)
      for (int k = 0; k < CC_NCCL_NKINDS; k++) pb.free_param[cc_nccl_param(cd->algo[c], cd->proto[c], (cc_nccl_kind)k)] = true;
  }
  if (rep->rows == 0) {
    free(use), free(pb.cand);
    return -1;
  }
  for (int j = 0; j < NP; j++) {
    pb.lo[j] = cc_profile_nccl_floor(p, j);
    pb.prior[j] = fmax(p->nccl[j], pb.lo[j]);
    // A latency's prior is judged against a microsecond at least; a bandwidth term against its own size.
    pb.scale[j] = j % CC_NCCL_NKINDS <= CC_NCCL_INTER_HOP_US ? fmax(pb.prior[j], 1.0) : fmax(pb.prior[j], 1e-6);
  }
  memcpy(rep->free_param, pb.free_param, sizeof pb.free_param);

  // Several explanations may fit the rows equally well: two pairs whose terms mimic each other where
  // they were measured (a tree and an NVLS-tree on four or more nodes) part ways elsewhere (on two).
  // Of the starts whose rms error is within 5% (or 0.1 points) of the best, the one closest to the
  // prior wins: NCCL's own model breaks the tie.
  int *assigned = cc_malloc(sizeof(int) * (n ? n : 1));
  int starts = o && o->starts > 0 ? o->starts : 32;
  cc_profile *results = cc_malloc(sizeof(cc_profile) * (size_t)starts);
  double *rms = cc_malloc(sizeof(double) * (size_t)starts), *pull = cc_malloc(sizeof(double) * (size_t)starts);
  double best_rms = INFINITY;
  uint64_t seed = 0x9e3779b97f4a7c15ULL;
  for (int s = 0; s < starts; s++) {
    results[s] = *p;
    for (int j = 0; j < NP; j++)
      if (pb.free_param[j]) results[s].nccl[j] = s == 0 ? pb.prior[j] : fmax(pb.lo[j], pb.prior[j] * exp(normal(&seed)));
    for (size_t i = 0; i < n; i++) assigned[i] = -1;
    descend(&pb, &results[s], assigned);
    double data;
    objective(&results[s], &pb, &data, &pull[s]);
    rms[s] = sqrt(data / (double)rep->rows);
    best_rms = fmin(best_rms, rms[s]);
  }
  double near_best = fmax(1.05 * best_rms, best_rms + 0.001);
  int chosen = 0;
  for (int s = 1; s < starts; s++)
    if (rms[s] <= near_best && (rms[chosen] > near_best || pull[s] < pull[chosen])) chosen = s;
  *p = results[chosen];
  free(results), free(rms), free(pull);
  // Each row at its cheapest pair: what the fit's error and the pairs it runs are.
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    if (!use[i]) continue;
    int which = 0;
    double e = model_time(p, &pb, i, &which) / obs[i].time_us - 1;
    sum += e * e;
    rep->runs[pb.cand[i].algo[which]] |= 1u << pb.cand[i].proto[which];
    assigned[i] = which;
  }
  rep->rms_rel_error = sqrt(sum / (double)rep->rows);
  identify(&pb, p, assigned, rep);
  for (int j = 0; j < NP; j++)
    if (pb.free_param[j]) p->nccl_given[j] = 1, p->nccl_note[j] = rep->note[j];
  free(use), free(pb.cand), free(assigned);
  return 0;
}
