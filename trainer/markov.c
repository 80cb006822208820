// Synthetic order-k Markov source with exactly known entropy (see markov.h for the derivation).
#include "trainer/markov.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/rng.h"

// Power iteration stops when the estimated distance to the fixed point is below this (L1 norm). The
// distance after a step that moved pi by d, on a chain contracting by r per step, is about d r / (1 - r);
// r is estimated from successive moves. The drawn chains contract by about 0.6 per step (V=64, k=2).
static const double STATIONARY_TOLERANCE = 1e-14;
// Iterations allowed: as many as 2^32 table updates buy, but at least 1000 and at most 100000.
static const double STATIONARY_MAX_UPDATES = 4294967296.0;
static const double STATIONARY_MIN_ITERATIONS = 1000, STATIONARY_MAX_ITERATIONS = 100000;

// -sum p ln p over n probabilities (0 ln 0 = 0).
static double entropy(const double *p, size_t n) {
  double h = 0;
  for (size_t i = 0; i < n; i++)
    if (p[i] > 0) h -= p[i] * log(p[i]);
  return h;
}

// V^k, or 0 when the table V^k x V would exceed MARKOV_MAX_ENTRIES.
static size_t count_contexts(int vocab, int order) {
  size_t contexts = 1;
  for (int i = 0; i < order; i++) {
    if (contexts > MARKOV_MAX_ENTRIES / (size_t)vocab) return 0;
    contexts *= (size_t)vocab;
  }
  if (contexts > MARKOV_MAX_ENTRIES / (size_t)vocab) return 0;
  return contexts;
}

static int check_shape(int vocab, int order, char *err, size_t errlen) {
  if (vocab < 2 || vocab > 65536) {
    snprintf(err, errlen, "markov: vocabulary %d must be in 2..65536", vocab);
    return -1;
  }
  if (order < 1) {
    snprintf(err, errlen, "markov: order %d must be at least 1", order);
    return -1;
  }
  if (count_contexts(vocab, order) == 0) {
    snprintf(err, errlen,
             "markov: vocabulary %d and order %d need %d^%d next-token probabilities, more than the "
             "limit of %zu; lower the order or the vocabulary",
             vocab, order, vocab, order + 1, MARKOV_MAX_ENTRIES);
    return -1;
  }
  return 0;
}

static markov_chain *alloc_chain(int vocab, int order) {
  markov_chain *m = cc_calloc(1, sizeof *m);
  m->vocab = vocab;
  m->order = order;
  m->num_contexts = count_contexts(vocab, order);
  size_t entries = m->num_contexts * (size_t)vocab;
  m->prob = cc_malloc(entries * sizeof(double));
  m->cdf = cc_malloc(entries * sizeof(double));
  m->stationary = cc_malloc(m->num_contexts * sizeof(double));
  m->prefix_entropy = cc_malloc((size_t)order * sizeof(double));
  return m;
}

void markov_free(markov_chain *m) {
  if (!m) return;
  free(m->prob);
  free(m->cdf);
  free(m->stationary);
  free(m->prefix_entropy);
  free(m);
}

// Running sums of every row. The last entry is set to exactly 1 so sampling u in [0, 1) always lands.
static void build_cdf(markov_chain *m) {
  size_t V = (size_t)m->vocab;
  for (size_t ctx = 0; ctx < m->num_contexts; ctx++) {
    const double *p = m->prob + ctx * V;
    double *c = m->cdf + ctx * V;
    double sum = 0;
    for (size_t x = 0; x < V; x++) c[x] = sum += p[x];
    c[V - 1] = 1.0;
  }
}

// pi <- pi P until it stops moving. Context ctx followed by token x moves to (ctx V + x) mod V^k.
static int find_stationary(markov_chain *m, char *err, size_t errlen) {
  size_t n = m->num_contexts, V = (size_t)m->vocab;
  double *pi = m->stationary, *next = cc_malloc(n * sizeof(double));
  for (size_t ctx = 0; ctx < n; ctx++) pi[ctx] = 1.0 / (double)n;
  long max_iterations = (long)fmin(STATIONARY_MAX_ITERATIONS,
                                   fmax(STATIONARY_MIN_ITERATIONS, STATIONARY_MAX_UPDATES / (double)(n * V)));
  double change = INFINITY, remaining = INFINITY, previous_rate = 0;
  for (long it = 0; it < max_iterations && !(remaining < STATIONARY_TOLERANCE); it++) {
    memset(next, 0, n * sizeof(double));
    for (size_t ctx = 0; ctx < n; ctx++) {
      const double *p = m->prob + ctx * V;
      double *dst = next + (ctx * V) % n;  // the V successors of ctx are consecutive
      for (size_t x = 0; x < V; x++) dst[x] += pi[ctx] * p[x];
    }
    double total = 0;
    for (size_t ctx = 0; ctx < n; ctx++) total += next[ctx];
    double previous_change = change;
    change = 0;
    for (size_t ctx = 0; ctx < n; ctx++) {
      next[ctx] /= total;  // keep the sum at 1 against rounding drift
      change += fabs(next[ctx] - pi[ctx]);
      pi[ctx] = next[ctx];
    }
    if (it == 0) continue;  // the first move says nothing about the contraction
    // Contraction per step: the larger of the last two ratios, so one lucky step of an oscillating
    // approach does not pass for fast convergence.
    double rate = fmax(change / previous_change, previous_rate);
    previous_rate = change / previous_change;
    if (change < STATIONARY_TOLERANCE * 1e-2)
      remaining = 0;  // at the rounding floor: nothing left
    else if (change < STATIONARY_TOLERANCE && rate < 0.999)
      remaining = change * rate / (1 - rate);
  }
  free(next);
  if (!(remaining < STATIONARY_TOLERANCE)) {
    snprintf(err, errlen,
             "markov: the stationary distribution did not converge (last step moved it by %.3g in L1); "
             "the chain mixes too slowly or is periodic: lower the sharpness",
             change);
    return -1;
  }
  return 0;
}

// H_k and the conditional entropies of the first k tokens, from pi (see markov.h).
static void compute_entropies(markov_chain *m) {
  size_t n = m->num_contexts, V = (size_t)m->vocab;
  m->entropy_rate = 0;
  for (size_t ctx = 0; ctx < n; ctx++) m->entropy_rate += m->stationary[ctx] * entropy(m->prob + ctx * V, V);

  // G(j) = entropy of the stationary j-gram (X_0..X_{j-1}): the first j tokens of a context are its
  // index divided by V^(k-j), so the marginal sums consecutive blocks of V^(k-j) contexts.
  double *marginal = cc_malloc(n * sizeof(double));
  double previous_joint = 0;  // G(0)
  size_t block = n;
  for (int j = 1; j <= m->order; j++) {
    block /= V;
    size_t grams = n / block;
    for (size_t g = 0; g < grams; g++) {
      double sum = 0;
      for (size_t i = 0; i < block; i++) sum += m->stationary[g * block + i];
      marginal[g] = sum;
    }
    double joint = entropy(marginal, grams);
    m->prefix_entropy[j - 1] = joint - previous_joint;  // H(X_{j-1} | X_0..X_{j-2})
    previous_joint = joint;
  }
  free(marginal);
}

static markov_chain *finish_chain(markov_chain *m, char *err, size_t errlen) {
  build_cdf(m);
  if (find_stationary(m, err, errlen) != 0) {
    markov_free(m);
    return NULL;
  }
  compute_entropies(m);
  return m;
}

markov_chain *markov_create(int vocab, int order, double sharpness, uint64_t seed, char *err, size_t errlen) {
  if (check_shape(vocab, order, err, errlen) != 0) return NULL;
  if (!(sharpness >= 0 && sharpness <= 1e3)) {
    snprintf(err, errlen, "markov: sharpness %g must be in 0..1000", sharpness);
    return NULL;
  }
  markov_chain *m = alloc_chain(vocab, order);
  size_t V = (size_t)vocab;
  cc_rng rng;
  cc_rng_seed(&rng, seed);
  for (size_t ctx = 0; ctx < m->num_contexts; ctx++) {
    double *p = m->prob + ctx * V;
    double max_logit = -INFINITY;
    for (size_t x = 0; x < V; x++) {
      p[x] = sharpness * cc_rng_normal(&rng);
      if (p[x] > max_logit) max_logit = p[x];
    }
    double sum = 0;
    for (size_t x = 0; x < V; x++) sum += p[x] = exp(p[x] - max_logit);
    for (size_t x = 0; x < V; x++) p[x] /= sum;
  }
  return finish_chain(m, err, errlen);
}

markov_chain *markov_create_from_probs(int vocab, int order, const double *probs, char *err, size_t errlen) {
  if (check_shape(vocab, order, err, errlen) != 0) return NULL;
  size_t V = (size_t)vocab, n = count_contexts(vocab, order);
  for (size_t ctx = 0; ctx < n; ctx++) {
    double sum = 0;
    for (size_t x = 0; x < V; x++) {
      double p = probs[ctx * V + x];
      if (!(p >= 0 && p <= 1)) {
        snprintf(err, errlen, "markov: probability %g of token %zu after context %zu is not in [0, 1]", p, x,
                 ctx);
        return NULL;
      }
      sum += p;
    }
    if (fabs(sum - 1) > 1e-9) {
      snprintf(err, errlen, "markov: the probabilities after context %zu sum to %.12g, not 1", ctx, sum);
      return NULL;
    }
  }
  markov_chain *m = alloc_chain(vocab, order);
  for (size_t ctx = 0; ctx < n; ctx++) {
    double sum = 0;
    for (size_t x = 0; x < V; x++) sum += probs[ctx * V + x];
    for (size_t x = 0; x < V; x++) m->prob[ctx * V + x] = probs[ctx * V + x] / sum;
  }
  return finish_chain(m, err, errlen);
}

// First index i with u < cdf[i] (cdf nondecreasing, cdf[n-1] = 1 > u).
static size_t sample_cdf(const double *cdf, size_t n, double u) {
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (u < cdf[mid])
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

void markov_generate(const markov_chain *m, uint64_t seed, uint16_t *out, size_t n) {
  if (n == 0) return;
  size_t V = (size_t)m->vocab, k = (size_t)m->order, contexts = m->num_contexts;
  cc_rng rng;
  cc_rng_seed(&rng, seed);

  // The first context from pi (a linear scan: once per stream).
  double u = cc_rng_uniform(&rng), sum = 0;
  size_t ctx = contexts - 1;
  for (size_t c = 0; c < contexts; c++) {
    sum += m->stationary[c];
    if (u < sum) {
      ctx = c;
      break;
    }
  }
  // Its tokens, oldest first (a stream shorter than k keeps the oldest n: also a stationary window).
  size_t place = contexts;
  for (size_t i = 0; i < k && i < n; i++) {
    place /= V;
    out[i] = (uint16_t)(ctx / place % V);
  }
  for (size_t i = k; i < n; i++) {
    size_t x = sample_cdf(m->cdf + ctx * V, V, cc_rng_uniform(&rng));
    out[i] = (uint16_t)x;
    ctx = (ctx * V + x) % contexts;
  }
}

double markov_entropy_rate(const markov_chain *m) { return m->entropy_rate; }

double markov_conditional_entropy(const markov_chain *m, int t) {
  return t < m->order ? m->prefix_entropy[t] : m->entropy_rate;
}

double markov_loss_floor(const markov_chain *m, int T) {
  if (T < 1) return NAN;
  double sum = 0;
  for (int t = 1; t <= T; t++) sum += markov_conditional_entropy(m, t);
  return sum / T;
}
