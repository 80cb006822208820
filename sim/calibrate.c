#include "sim/calibrate.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/error.h"
#include "sim/compressed_model.h"
#include "sim/model.h"
#include "sim/observe.h"

// Parameter vector: base_us, then alpha_us, beta_ns_per_byte, gamma_ns_per_byte per level, then the
// host memory terms mem_ns_per_byte and fault_ns_per_byte, the rendezvous cost rndv_us,
// mem_reduce_ns_per_byte, the MPI library's overheads, and the NICs' overhead: what the node's network
// takes beyond its line rate, 1 / nic_efficiency - 1 (>= 0, so the fit never makes a NIC faster than
// its rate).
enum { NPARAMS = CC_CALIB_NPARAMS, MEM = 7, FAULT = 8, RNDV = 9, MEM_REDUCE = 10, MPI_BASE = 11, MPI_GAMMA = 12, NIC = 13 };
// The parameters only `mpi` rows depend on.
static const unsigned library_params = 1u << MPI_BASE | 1u << MPI_GAMMA | 1u << FAULT;

static void params_from_profile(const cc_profile *p, double x[NPARAMS]) {
  x[0] = p->base_us;
  for (int l = 0; l < CC_NLEVELS; l++) {
    x[1 + 3 * l] = p->link[l].alpha_us;
    x[2 + 3 * l] = p->link[l].beta_ns_per_byte;
    x[3 + 3 * l] = p->link[l].gamma_ns_per_byte;
  }
  x[MEM] = p->mem_ns_per_byte;
  x[MEM_REDUCE] = p->mem_reduce_ns_per_byte;
  x[FAULT] = p->fault_ns_per_byte;
  x[RNDV] = p->rndv_us;
  x[MPI_BASE] = p->mpi_base_us;
  x[MPI_GAMMA] = p->mpi_gamma_ns_per_byte;
  x[NIC] = 1 / p->nic_efficiency - 1;
}

static void params_to_profile(const double x[NPARAMS], cc_profile *p) {
  p->base_us = x[0];
  for (int l = 0; l < CC_NLEVELS; l++)
    p->link[l] = (cc_link){.alpha_us = x[1 + 3 * l], .beta_ns_per_byte = x[2 + 3 * l], .gamma_ns_per_byte = x[3 + 3 * l]};
  p->mem_ns_per_byte = x[MEM];
  p->mem_reduce_ns_per_byte = x[MEM_REDUCE];
  p->fault_ns_per_byte = x[FAULT];
  p->rndv_us = x[RNDV];
  p->mpi_base_us = x[MPI_BASE];
  p->mpi_gamma_ns_per_byte = x[MPI_GAMMA];
  p->nic_efficiency = 1 / (1 + x[NIC]);
}

// The row of the design matrix: time_us = a . x. One level: inter steps load the intra columns.
static void design_row(const cc_profile *p, const cc_cost *c, int levels, double a[NPARAMS]) {
  a[0] = c->calls;
  // Terms a shared resource replaces do not move the time (model.c, shared_resources).
  double own = c->memory_bound ? 0 : 1;
  for (int l = 0; l < CC_NLEVELS; l++) {
    a[1 + 3 * l] = c->msgs[l];
    a[2 + 3 * l] = (c->bytes[l] - (l == CC_INTER ? c->nic_replaced_bytes : 0)) * 1e-3 * own;
    a[3 + 3 * l] = c->reduced[l] * 1e-3 * own;
  }
  a[MEM] = c->spilled * 1e-3 * own;
  a[MEM_REDUCE] = c->spilled_reduced * 1e-3 * own;
  a[FAULT] = c->faulted * 1e-3;
  a[RNDV] = c->rndv_msgs;
  a[MPI_BASE] = c->lib_calls;
  a[MPI_GAMMA] = c->lib_reduced * 1e-3;
  // The NIC's bytes at its line rate: the fitted overhead scales them (the line rate itself is in b).
  a[NIC] = c->nic_bytes > 0 && !c->memory_bound ? c->nic_bytes / (p->nics_per_node * p->nic_GBps) * 1e-3 : 0;
  if (levels == 1)
    for (int j = 1; j <= 3; j++) a[j] += a[j + 3], a[j + 3] = 0;
}

// --- non-negative least squares for a handful of parameters ---------------------------------------
// Solves G[s,s] y = h[s] for the parameters in `mask` by Gaussian elimination with partial pivoting.
static bool solve_subset(const double G[NPARAMS][NPARAMS], const double h[NPARAMS], unsigned mask, double x[NPARAMS]) {
  int idx[NPARAMS], q = 0;
  for (int j = 0; j < NPARAMS; j++)
    if (mask & (1u << j)) idx[q++] = j;
  double M[NPARAMS][NPARAMS + 1];
  for (int r = 0; r < q; r++) {
    for (int c = 0; c < q; c++) M[r][c] = G[idx[r]][idx[c]];
    M[r][q] = h[idx[r]];
  }
  for (int col = 0; col < q; col++) {
    int piv = col;
    for (int r = col + 1; r < q; r++)
      if (fabs(M[r][col]) > fabs(M[piv][col])) piv = r;
    if (fabs(M[piv][col]) < 1e-12 * (fabs(G[idx[col]][idx[col]]) + 1e-300)) return false;  // singular
    for (int c = 0; c <= q; c++) {
      double t = M[col][c];
      M[col][c] = M[piv][c], M[piv][c] = t;
    }
    for (int r = 0; r < q; r++) {
      if (r == col) continue;
      double f = M[r][col] / M[col][col];
      for (int c = col; c <= q; c++) M[r][c] -= f * M[col][c];
    }
  }
  memset(x, 0, sizeof(double) * NPARAMS);
  for (int r = 0; r < q; r++) x[idx[r]] = M[r][q] / M[r][r];
  return true;
}

// min |A x - b|^2 subject to x >= 0, from the Gram matrix G = A'A, h = A'b and bb = b'b. The optimum
// is the unconstrained solution on its own support, so the best non-negative subset solution is it.
static void nnls(const double G_in[NPARAMS][NPARAMS], const double h_in[NPARAMS], double bb, unsigned usable,
                 double x[NPARAMS]) {
  double scale[NPARAMS], G[NPARAMS][NPARAMS], h[NPARAMS];  // unit-diagonal scaling for conditioning
  for (int j = 0; j < NPARAMS; j++) scale[j] = G_in[j][j] > 0 ? 1.0 / sqrt(G_in[j][j]) : 0;
  for (int i = 0; i < NPARAMS; i++) {
    h[i] = h_in[i] * scale[i];
    for (int j = 0; j < NPARAMS; j++) G[i][j] = G_in[i][j] * scale[i] * scale[j];
  }
  double best = bb, y[NPARAMS];  // x = 0 leaves residual b'b
  memset(x, 0, sizeof(double) * NPARAMS);
  for (unsigned mask = 1; mask < (1u << NPARAMS); mask++) {
    if ((mask & usable) != mask || !solve_subset(G, h, mask, y)) continue;
    bool positive = true;
    for (int j = 0; j < NPARAMS; j++)
      if ((mask & (1u << j)) && y[j] <= 0) positive = false;
    if (!positive) continue;
    double res = bb;  // |Ay - b|^2 = b'b - 2 y'h + y'Gy
    for (int i = 0; i < NPARAMS; i++) {
      res -= 2 * y[i] * h[i];
      for (int j = 0; j < NPARAMS; j++) res += y[i] * G[i][j] * y[j];
    }
    if (res < best - 1e-15 * bb) {
      best = res;
      for (int j = 0; j < NPARAMS; j++) x[j] = y[j] * scale[j];
    }
  }
}

// --- which rows drive the fit ---------------------------------------------------------------------
static bool is_baseline(const cc_strategy *s) { return s->algo == CC_ALGO_MPI || s->algo == CC_ALGO_NCCL; }

// Whether s is in the strategy list, compared by canonical name: "hier" is hier:ring/ring, and a
// compressor's comma ("ring+topk:0.01,approx") is no separator. ccsim checked the list.
static bool in_list(const char *list, const cc_strategy *s) {
  enum { MAX_LISTED = 64 };
  cc_strategy listed[MAX_LISTED];
  char err[256];
  int n = cc_strategy_parse_list(list, listed, MAX_LISTED, err, sizeof err);
  for (int k = 0; k < n; k++)
    if (strcmp(listed[k].name, s->name) == 0) return true;
  return false;
}

// --- the mpi baseline's algorithm choice ----------------------------------------------------------
static double mpi_sq_error(const cc_obs *obs, size_t n, const cc_profile *p) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    if (obs[i].strategy.algo != CC_ALGO_MPI) continue;
    double e = cc_model_time_us(p, &obs[i].strategy, obs[i].op, obs[i].topo, obs[i].bytes) / obs[i].time_us - 1;
    sum += e * e;
  }
  return sum;
}

// The decisions worth trying: Open MPI's table, MPICH's, and a switch from recursive doubling to ring
// at no size, at every size, or at one of the sizes the mpi rows measured (each size once). Only
// `decision` when it is >= 0. The caller frees the list.
typedef struct {
  cc_mpi_decision decision;
  uint64_t rd_max_bytes;
} mpi_candidate;

static size_t mpi_candidates(const cc_obs *obs, size_t n, int decision, mpi_candidate **out) {
  mpi_candidate *c = cc_calloc(n + 4, sizeof *c);
  size_t k = 0;
  *out = c;
  bool any = false;
  for (size_t i = 0; i < n; i++) any |= obs[i].strategy.algo == CC_ALGO_MPI;
  if (!any) return 0;  // nothing to choose by: the profile keeps its decision
  for (int d = 0; d < CC_MPI_NDECISIONS; d++) {
    if (decision >= 0 && d != decision) continue;
    if (d != CC_MPI_SWITCH) {
      c[k++] = (mpi_candidate){(cc_mpi_decision)d, 0};
      continue;
    }
    c[k++] = (mpi_candidate){CC_MPI_SWITCH, 0};
    c[k++] = (mpi_candidate){CC_MPI_SWITCH, UINT64_MAX};
    for (size_t i = 0; i < n; i++) {
      if (obs[i].strategy.algo != CC_ALGO_MPI) continue;
      bool seen = false;
      for (size_t j = 0; j < k && !seen; j++) seen = c[j].decision == CC_MPI_SWITCH && c[j].rd_max_bytes == (uint64_t)obs[i].bytes;
      if (!seen) c[k++] = (mpi_candidate){CC_MPI_SWITCH, (uint64_t)obs[i].bytes};
    }
  }
  return k;
}

static void fit_mpi_library(const cc_obs *obs, size_t n, unsigned params, int decision, cc_profile *p,
                            cc_calib_report *rep);

// The time of the communication alone (for uncompressed strategies, the whole time): what a row's
// time_us, or a compressed row's comm_us, is compared with while the links are fitted.
static double comm_time_us(const cc_profile *p, const cc_obs *o) {
  cc_cost c;
  char e[160];
  if (cc_model_cost(p, &o->strategy, o->op, o->topo, o->bytes, &c, e, sizeof e) != 0) return -1.0;
  c.compress[0] = '\0';  // leaves encode and decode out
  return cc_cost_time_us(p, &c);
}

// One fit at the profile's cache size: NNLS over the parameters, refitted while the baselines' choices
// and the shared resources' binding (which depend on the parameters) change. Returns the rms relative
// error over the fitted rows.
static double fit_parameters(const cc_obs *obs, size_t n, const bool *fit, size_t rows_fit, int levels, int decision,
                             cc_profile *prof, cc_calib_report *rep) {
  double x[NPARAMS], (*A)[NPARAMS] = cc_calloc(n, sizeof *A), (*prevA)[NPARAMS] = cc_calloc(n, sizeof *A);
  params_from_profile(prof, x);
  unsigned usable = 0;
  for (int it = 0; it < 20; it++) {
    rep->iterations = it + 1;
    // Terms under the current parameters (mpi and nccl choose their algorithm from them). The first
    // pass leaves the node's shared memory and NICs out: whether they set the pace depends on the
    // per-rank terms, which must be fitted first (from zeros, every row would look bound by them).
    cc_profile own = *prof;
    if (it == 0) own.mem_GBps = own.cache_GBps = 0, own.nics_per_node = 0, own.nic_GBps = 0;
    cc_profile line = own;  // the NICs at their line rate: the rest of their time is x[NIC]'s
    line.nic_efficiency = 1;
    double G[NPARAMS][NPARAMS] = {{0}}, h[NPARAMS] = {0}, bb = 0;
    usable = 0;
    for (size_t i = 0; i < n; i++) {
      cc_cost c;
      char e[160];
      if (cc_model_cost(&own, &obs[i].strategy, obs[i].op, obs[i].topo, obs[i].bytes, &c, e, sizeof e) != 0) CC_FATAL("%s", e);
      design_row(&own, &c, levels, A[i]);
      if (!fit[i]) continue;
      double w = 1.0 / obs[i].time_us;  // relative error: divide the row by its time
      double b = 1 - cc_cost_shared_us(&line, &c) * w;  // what the fitted terms must explain
      for (int j = 0; j < NPARAMS; j++) {
        if (A[i][j] != 0 && j != MPI_BASE && j != MPI_GAMMA) usable |= 1u << j;
        h[j] += A[i][j] * w * b;
        for (int k = 0; k < NPARAMS; k++) G[j][k] += A[i][j] * A[i][k] * w * w;
      }
      bb += b * b;
    }
    if (it > 0 && memcmp(A, prevA, n * sizeof *A) == 0) break;  // choices settled: the fit stands
    double nic_prior = x[NIC];
    nnls(G, h, bb, usable, x);
    if (!(usable & (1u << NIC))) x[NIC] = nic_prior;  // no row bound by the NICs: keep what was given
    if (levels == 1)
      for (int j = 1; j <= 3; j++) x[j + 3] = x[j];
    params_to_profile(x, prof);
    fit_mpi_library(obs, n, 0, decision, prof, rep);  // the decision alone, under these parameters
    memcpy(prevA, A, n * sizeof *A);
  }
  for (int j = 0; j < NPARAMS; j++) rep->identified[j] = usable & (1u << j);
  if (levels == 1) {
    prof->single_level = true;
    for (int j = 4; j < 7; j++) rep->identified[j] = rep->identified[j - 3];
  } else {
    // A level no row exercised keeps the other level's link rather than zeros.
    bool intra_seen = usable & 0x0e, inter_seen = usable & 0x70;
    if (!inter_seen) prof->link[CC_INTER] = prof->link[CC_INTRA];
    if (!intra_seen) prof->link[CC_INTRA] = prof->link[CC_INTER];
    prof->single_level = false;
  }

  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    if (!fit[i]) continue;
    double e = comm_time_us(prof, &obs[i]) / obs[i].time_us - 1;
    sum += e * e;
  }
  free(A), free(prevA);
  return sqrt(sum / (double)rows_fit);
}

// Sizes worth trying for a threshold: 0 (no such effect), then powers of two from `from` below `limit`.
static int threshold_candidates(double from, double limit, uint64_t *cand, int max) {
  int k = 0;
  cand[k++] = 0;
  for (uint64_t c = (uint64_t)from; (double)c < limit && k < max; c *= 2) cand[k++] = c;
  return k;
}

static double largest_working_set(const cc_obs *obs, size_t n) {
  double largest = 0;
  for (size_t i = 0; i < n; i++) {
    double on_node = obs[i].topo.ranks_per_node < obs[i].topo.ranks ? obs[i].topo.ranks_per_node : obs[i].topo.ranks;
    if (2 * obs[i].bytes * on_node > largest) largest = 2 * obs[i].bytes * on_node;
  }
  return largest;
}

static double largest_row(const cc_obs *obs, size_t n) {
  double largest = 0;
  for (size_t i = 0; i < n; i++)
    if (obs[i].bytes > largest) largest = obs[i].bytes;
  return largest;
}

// The MPI library's own costs (per call, per reduced byte, page faults of its temporaries) show only in
// `mpi` rows, which stay out of the main fit when rows of our own algorithms exist. With the links
// fixed: non-negative least squares on the relative error of those rows over the library's parameters
// (`params`), under the decision the profile names.
static void fit_library_terms(const cc_obs *obs, size_t n, unsigned params, cc_profile *p, bool identified[NPARAMS]) {
  if (!params) return;
  double x[NPARAMS];
  params_from_profile(p, x);
  for (int j = 0; j < NPARAMS; j++)
    if (params & (1u << j)) x[j] = 0;
  params_to_profile(x, p);
  double G[NPARAMS][NPARAMS] = {{0}}, h[NPARAMS] = {0}, bb = 0;
  unsigned usable = 0;
  for (size_t i = 0; i < n; i++) {
    if (obs[i].strategy.algo != CC_ALGO_MPI) continue;
    cc_cost c;
    char e[160];
    if (cc_model_cost(p, &obs[i].strategy, obs[i].op, obs[i].topo, obs[i].bytes, &c, e, sizeof e) != 0) continue;
    double a[NPARAMS], w = 1.0 / obs[i].time_us, b = 1 - cc_cost_time_us(p, &c) * w;  // what the library's terms explain
    design_row(p, &c, 2, a);
    for (int j = 0; j < NPARAMS; j++) {
      if (!(params & (1u << j)) || a[j] == 0) continue;
      usable |= 1u << j;
      h[j] += a[j] * w * b;
      for (int k = 0; k < NPARAMS; k++)
        if (params & (1u << k)) G[j][k] += a[j] * a[k] * w * w;
    }
    bb += b * b;
  }
  double y[NPARAMS];
  nnls(G, h, bb, usable, y);
  for (int j = 0; j < NPARAMS; j++)
    if (params & (1u << j)) x[j] = y[j], identified[j] = usable & (1u << j);
  params_to_profile(x, p);
}

// The decision (Open MPI's table, MPICH's, or one switch from recursive doubling to ring at a measured
// size) whose fitted library terms (none when `params` is 0) explain the `mpi` rows best.
static void fit_mpi_library(const cc_obs *obs, size_t n, unsigned params, int decision, cc_profile *p,
                            cc_calib_report *rep) {
  mpi_candidate *cand;
  size_t ncand = mpi_candidates(obs, n, decision, &cand);
  cc_profile best = *p, trial = *p;
  bool best_identified[NPARAMS] = {false}, identified[NPARAMS] = {false};
  double best_err = INFINITY;
  for (size_t k = 0; k < ncand; k++) {
    trial.mpi_decision = cand[k].decision, trial.mpi_rd_max_bytes = cand[k].rd_max_bytes;
    fit_library_terms(obs, n, params, &trial, identified);
    double e = mpi_sq_error(obs, n, &trial);
    if (e < best_err) best_err = e, best = trial, memcpy(best_identified, identified, sizeof identified);
  }
  free(cand);
  *p = best;
  for (int j = 0; j < NPARAMS; j++)
    if (params & (1u << j)) rep->identified[j] = best_identified[j];
}

// --- compressors: encode and decode rates, with the links fixed -------------------------------------
// Per compressor spelling, two small non-negative least-squares fits on the relative error: encode_us
// against (calls, elements, flops) and decode_us against (calls, elements decoded). The parameters sit
// in the first slots of the NNLS arrays; the rest stay unused.
enum { FIT_US = 0, FIT_ELEM = 1, FIT_FLOP = 2 };

static double fit_phase(const cc_obs *obs, const cc_cost *costs, size_t n, const char *name, double min_bytes,
                        bool decode, double rates[3], size_t *rows) {
  double G[NPARAMS][NPARAMS] = {{0}}, h[NPARAMS] = {0}, bb = 0, x[NPARAMS];
  unsigned usable = 0;
  *rows = 0;
  for (size_t i = 0; i < n; i++) {
    const cc_cost *c = &costs[i];
    double t = decode ? obs[i].row->decode_us : obs[i].row->encode_us;
    if (!obs[i].strategy.compressed || strcmp(c->compress, name) != 0 || obs[i].bytes < min_bytes || !(t > 0)) continue;
    double a[NPARAMS] = {0};
    a[FIT_US] = decode ? c->decode_calls : c->encode_calls;
    a[FIT_ELEM] = (decode ? c->decode_elems : c->encode_elems) * 1e-3;
    a[FIT_FLOP] = decode ? 0 : c->encode_flops * 1e-3;
    if (a[FIT_US] == 0) continue;  // PowerSGD sending the vector as it is: no such phase
    double w = 1.0 / t;
    for (int j = 0; j < 3; j++) {
      if (a[j] != 0) usable |= 1u << j;
      h[j] += a[j] * w;
      for (int k = 0; k < 3; k++) G[j][k] += a[j] * a[k] * w * w;
    }
    bb += 1;
    ++*rows;
  }
  if (*rows == 0) return 0;
  nnls(G, h, bb, usable, x);
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    const cc_cost *c = &costs[i];
    double t = decode ? obs[i].row->decode_us : obs[i].row->encode_us;
    if (!obs[i].strategy.compressed || strcmp(c->compress, name) != 0 || obs[i].bytes < min_bytes || !(t > 0)) continue;
    double pred = decode ? x[FIT_US] * c->decode_calls + x[FIT_ELEM] * c->decode_elems * 1e-3
                         : x[FIT_US] * c->encode_calls + (x[FIT_ELEM] * c->encode_elems + x[FIT_FLOP] * c->encode_flops) * 1e-3;
    if (pred == 0 && (decode ? c->decode_calls : c->encode_calls) == 0) continue;
    sum += (pred / t - 1) * (pred / t - 1);
  }
  for (int j = 0; j < 3; j++) rates[j] = x[j];
  return sqrt(sum / (double)*rows);
}

static void fit_compressors(const cc_obs *obs, size_t n, double min_bytes, cc_profile *prof, cc_calib_report *rep) {
  cc_cost *costs = cc_calloc(n ? n : 1, sizeof *costs);
  char e[160];
  for (size_t i = 0; i < n; i++)
    if (obs[i].strategy.compressed &&
        cc_model_cost(prof, &obs[i].strategy, obs[i].op, obs[i].topo, obs[i].bytes, &costs[i], e, sizeof e) != 0)
      CC_FATAL("%s", e);
  for (size_t i = 0; i < n; i++) {
    const char *name = costs[i].compress;
    if (!obs[i].strategy.compressed || cc_profile_compress(prof, name)) continue;  // not one, or done
    bool listed = false;
    for (int k = 0; k < rep->ncompress; k++) listed |= strcmp(rep->compress[k].name, name) == 0;
    if (listed) continue;  // seen, but nothing to fit
    if (rep->ncompress == CC_PROFILE_MAX_COMPRESS) {
      rep->compress_dropped++;
      continue;
    }
    int k = rep->ncompress++;
    snprintf(rep->compress[k].name, sizeof rep->compress[k].name, "%s", name);
    double enc[3], dec[3];
    rep->compress[k].encode_rms = fit_phase(obs, costs, n, name, min_bytes, false, enc, &rep->compress[k].encode_rows);
    rep->compress[k].decode_rms = fit_phase(obs, costs, n, name, min_bytes, true, dec, &rep->compress[k].decode_rows);
    if (!rep->compress[k].encode_rows && !rep->compress[k].decode_rows) continue;  // rows without a phase split
    cc_compress_cost *c = &prof->compress[prof->ncompress++];
    *c = (cc_compress_cost){.encode_us = enc[FIT_US], .encode_ns_per_elem = enc[FIT_ELEM], .encode_ns_per_flop = enc[FIT_FLOP],
                            .decode_us = dec[FIT_US], .decode_ns_per_elem = dec[FIT_ELEM]};
    snprintf(c->name, sizeof c->name, "%s", name);
  }
  free(costs);
}

int cc_calibrate(const cc_rowset *rows, const cc_calib_opts *o, cc_profile *prof, cc_calib_report *rep,
                 char *err, size_t errlen) {
  memset(rep, 0, sizeof(*rep));
  int levels = o->levels == 1 ? 1 : 2;
  int decision = o->fix_mpi_decision ? (int)o->mpi_decision : -1;  // -1: choose
  cc_obs *obs = NULL;
  size_t n = cc_observations_ex(rows, prof, &obs, &rep->rows_skipped, &rep->repeats, rep->skip_reason,
                                sizeof rep->skip_reason);
  bool any_own = false, any_plain = false;
  for (size_t i = 0; i < n; i++) {
    any_own |= !is_baseline(&obs[i].strategy);
    any_plain |= !is_baseline(&obs[i].strategy) && !obs[i].strategy.compressed;
  }

  // NCCL's rows fit NCCL's parameters (calibrate_nccl.c), the others base_us, the links and the host
  // terms: the two sets share no parameter.
  bool *fit = cc_calloc(n ? n : 1, sizeof(bool)), *fit_nccl = cc_calloc(n ? n : 1, sizeof(bool));
  size_t rows_host = 0, rows_nccl = 0;
  for (size_t i = 0; i < n; i++) {
    const cc_strategy *s = &obs[i].strategy;
    if (obs[i].repeat || obs[i].bytes < o->min_bytes) continue;
    if (s->algo == CC_ALGO_NCCL && !s->compressed) {
      fit_nccl[i] = o->strategies ? in_list(o->strategies, s) : true;
      rows_nccl += fit_nccl[i];
      continue;
    }
    // A compressed row's encode and decode are the compressor's, fitted afterwards: the links see
    // its communication alone, and only when no uncompressed row of ours shows them more directly.
    bool chosen = o->strategies ? in_list(o->strategies, s) : !(any_own && is_baseline(s)) && !(any_plain && s->compressed);
    if (s->compressed) {
      obs[i].time_us = obs[i].row->comm_us;
      chosen &= obs[i].time_us > 0;
    }
    fit[i] = chosen;
    rows_host += fit[i];
  }
  rep->rows_fit = rows_host + rows_nccl;
  if (rep->rows_fit == 0) {
    if (n == 0)
      snprintf(err, errlen, "no usable rows (measured rows of a modelled strategy with 2+ ranks and a time)%s%s",
               rep->skip_reason[0] ? "; first skipped: " : "", rep->skip_reason);
    else
      snprintf(err, errlen, "none of the %zu usable rows matches the strategies and sizes chosen for the fit", n);
    free(fit), free(fit_nccl), free(obs);
    return -1;
  }
  if (rows_nccl) {
    rep->nccl_fit = cc_fit_nccl(obs, n, fit_nccl, &o->nccl, prof, &rep->nccl) == 0;
    rep->rms_rel_error = rep->nccl.rms_rel_error;
  }
  free(fit_nccl);
  if (rows_host == 0) {
    free(fit), free(obs);
    return 0;
  }
  rep->host_fit = true;

  // The cache size and the eager limit enter the terms non-linearly: fit at each pair of candidates.
  // Their terms are nearly collinear with others (the miss term with beta for large rows, rendezvous
  // with alpha), so noise alone could buy a small gain with a spurious one: each threshold in use adds
  // a tenth to the rms error it is judged by. --cache and --eager fix them instead.
  uint64_t caches[64], eagers[64];
  int ncache = o->cache_bytes ? 1 : threshold_candidates(64 << 10, largest_working_set(obs, n), caches, 64);
  if (o->cache_bytes) caches[0] = o->cache_bytes == UINT64_MAX ? 0 : o->cache_bytes;
  int neager = o->eager_bytes ? 1 : threshold_candidates(1 << 10, fmin(largest_row(obs, n), 4 << 20), eagers, 64);
  if (o->eager_bytes) eagers[0] = o->eager_bytes == UINT64_MAX ? 0 : o->eager_bytes;
  // Coordinate search: the eager limit with no cache, the cache with that limit, the limit again.
  cc_profile start = *prof, best = *prof;
  cc_calib_report trial = *rep;
  double best_score = INFINITY;
  uint64_t eager = 0, cache = 0;
  for (int pass = 0; pass < 3; pass++) {
    bool cache_pass = pass == 1;
    int ncand = cache_pass ? ncache : neager;
    for (int k = 0; k < ncand; k++) {
      cc_profile p = start;
      p.cache_bytes = cache_pass ? caches[k] : cache;
      p.eager_bytes = cache_pass ? eager : eagers[k];
      double rms = fit_parameters(obs, n, fit, rows_host, levels, decision, &p, &trial);
      unsigned library = library_params & ~(trial.identified[FAULT] ? 1u << FAULT : 0u);
      if (any_own) fit_mpi_library(obs, n, library, decision, &p, &trial);
      trial.rms_rel_error = rms;
      double score = rms * (1 + 0.1 * ((p.cache_bytes != 0 && !o->cache_bytes) + (p.eager_bytes != 0 && !o->eager_bytes)));
      if (score < best_score) best = p, best_score = score, *rep = trial;  // trial keeps rep's other fields
    }
    eager = best.eager_bytes, cache = best.cache_bytes;
  }
  if (best.rndv_us == 0) best.eager_bytes = 0;  // a protocol switch that costs nothing says nothing
  if (best.mem_ns_per_byte == 0 && best.mem_reduce_ns_per_byte == 0) best.cache_bytes = 0;  // a cache that costs nothing to miss says nothing
  *prof = best;
  fit_compressors(obs, n, o->min_bytes, prof, rep);
  free(fit), free(obs);
  return 0;
}
