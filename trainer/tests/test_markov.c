// Tests for trainer/markov: the entropies against values computed here independently (by hand for a
// two-state chain, by solving for pi and enumerating every sequence for order 2 and 3), the generated
// stream against the exact rate and the stationary distribution, the loss floor's properties, seeds.
#include <math.h>
#include <stdint.h>

#include "common/rng.h"
#include "common/tests/check.h"
#include "trainer/markov.h"

static double binary_entropy(double p) { return -p * log(p) - (1 - p) * log(1 - p); }

// Two states, P(1|0) = a, P(0|1) = b: pi = (b, a) / (a + b), H = pi0 h(a) + pi1 h(b). The second
// eigenvalue 1 - a - b sets how power iteration approaches pi: fast, slowly (0.996), or alternating
// from side to side (-0.7).
static void test_two_state_chain(double a, double b) {
  const double probs[4] = {1 - a, a, b, 1 - b};
  char err[256];
  markov_chain *m = markov_create_from_probs(2, 1, probs, err, sizeof err);
  CHECKF(m, "two-state chain: %s", err);
  if (!m) return;
  double pi0 = b / (a + b), pi1 = a / (a + b);
  double rate = pi0 * binary_entropy(a) + pi1 * binary_entropy(b);
  CHECKF(fabs(m->stationary[0] - pi0) < 1e-13 && fabs(m->stationary[1] - pi1) < 1e-13,
         "pi = (%.15f, %.15f), want (%.15f, %.15f)", m->stationary[0], m->stationary[1], pi0, pi1);
  CHECKF(fabs(markov_entropy_rate(m) - rate) < 1e-13, "H = %.15f, want %.15f", markov_entropy_rate(m), rate);
  CHECKF(fabs(markov_conditional_entropy(m, 0) - binary_entropy(pi0)) < 1e-13, "H(X0) = %.15f, want %.15f",
         markov_conditional_entropy(m, 0), binary_entropy(pi0));
  // Order 1: every position already sees the one token that matters.
  for (int T = 1; T <= 8; T++)
    CHECKF(fabs(markov_loss_floor(m, T) - rate) < 1e-13, "floor(%d) = %.15f, want %.15f", T,
           markov_loss_floor(m, T), rate);
  markov_free(m);
}

// pi of the context chain by Gaussian elimination: pi (P - I) = 0 with the last equation replaced by
// sum pi = 1. Contexts number the most recent token least significant (as markov.h documents).
static void solve_stationary(int V, int k, const double *probs, double *pi) {
  int n = 1;
  for (int i = 0; i < k; i++) n *= V;
  double *a = calloc((size_t)n * (n + 1), sizeof(double));  // row r: equation r, column n: right side
#define A(r, c) a[(size_t)(r) * (n + 1) + (c)]
  // Equation for context d: sum_c pi(c) P(c -> d) - pi(d) = 0.
  for (int c = 0; c < n; c++)
    for (int x = 0; x < V; x++) A((c * V + x) % n, c) += probs[c * V + x];
  for (int d = 0; d < n; d++) A(d, d) -= 1;
  for (int c = 0; c < n; c++) A(n - 1, c) = 1;
  A(n - 1, n) = 1;
  for (int col = 0; col < n; col++) {
    int pivot = col;
    for (int r = col + 1; r < n; r++)
      if (fabs(A(r, col)) > fabs(A(pivot, col))) pivot = r;
    for (int c = 0; c <= n; c++) {
      double t = A(col, c);
      A(col, c) = A(pivot, c);
      A(pivot, c) = t;
    }
    for (int r = 0; r < n; r++) {
      if (r == col) continue;
      double f = A(r, col) / A(col, col);
      for (int c = col; c <= n; c++) A(r, c) -= f * A(col, c);
    }
  }
  for (int r = 0; r < n; r++) pi[r] = A(r, n) / A(r, r);
#undef A
  free(a);
}

// G(m) = H(X_0..X_{m-1}) by enumerating all V^m sequences (m >= 1) of the stationary process.
static double joint_entropy(int V, int k, const double *probs, const double *pi, int m) {
  int contexts = 1;
  for (int i = 0; i < k; i++) contexts *= V;
  long sequences = 1;
  for (int i = 0; i < m; i++) sequences *= V;
  double h = 0;
  int *x = calloc((size_t)(m > k ? m : k), sizeof(int));
  for (long s = 0; s < sequences; s++) {
    long rest = s;
    for (int i = m - 1; i >= 0; i--, rest /= V) x[i] = (int)(rest % V);
    double p;
    if (m <= k) {  // sum pi over the contexts whose first m tokens are x_0..x_{m-1}
      int block = contexts;
      int prefix = 0;
      for (int i = 0; i < m; i++) prefix = prefix * V + x[i], block /= V;
      p = 0;
      for (int i = 0; i < block; i++) p += pi[prefix * block + i];
    } else {
      int ctx = 0;
      for (int i = 0; i < k; i++) ctx = ctx * V + x[i];
      p = pi[ctx];
      for (int t = k; t < m; t++) {
        p *= probs[ctx * V + x[t]];
        ctx = (ctx * V + x[t]) % contexts;
      }
    }
    if (p > 0) h -= p * log(p);
  }
  free(x);
  return h;
}

static void brute_force_check(int V, int k, uint64_t seed, int max_len) {
  int contexts = 1;
  for (int i = 0; i < k; i++) contexts *= V;
  double *probs = malloc((size_t)contexts * V * sizeof(double));
  cc_rng rng;
  cc_rng_seed(&rng, seed);
  for (int c = 0; c < contexts; c++) {
    double sum = 0;
    for (int x = 0; x < V; x++) sum += probs[c * V + x] = 0.05 + cc_rng_uniform(&rng) * cc_rng_uniform(&rng);
    for (int x = 0; x < V; x++) probs[c * V + x] /= sum;
  }
  char err[256];
  markov_chain *m = markov_create_from_probs(V, k, probs, err, sizeof err);
  CHECKF(m, "V=%d k=%d: %s", V, k, err);
  if (!m) {
    free(probs);
    return;
  }
  double *pi = malloc((size_t)contexts * sizeof(double));
  solve_stationary(V, k, probs, pi);
  for (int c = 0; c < contexts; c++)
    CHECKF(fabs(m->stationary[c] - pi[c]) < 1e-12, "V=%d k=%d: pi[%d] = %.15f, solved %.15f", V, k, c,
           m->stationary[c], pi[c]);

  double G[16] = {0};  // G[m] = H(X_0..X_{m-1})
  for (int len = 1; len <= max_len; len++) G[len] = joint_entropy(V, k, probs, pi, len);
  for (int t = 0; t < max_len; t++)
    CHECKF(fabs(markov_conditional_entropy(m, t) - (G[t + 1] - G[t])) < 1e-11,
           "V=%d k=%d: H(X_%d | past) = %.15f, enumeration %.15f", V, k, t, markov_conditional_entropy(m, t),
           G[t + 1] - G[t]);
  CHECKF(fabs(markov_entropy_rate(m) - (G[max_len] - G[max_len - 1])) < 1e-11,
         "V=%d k=%d: H_k = %.15f, enumeration %.15f", V, k, markov_entropy_rate(m),
         G[max_len] - G[max_len - 1]);
  // floor(T) = (1/T) sum_{t<T} H(X_{t+1} | X_0..X_t) = (G(T+1) - G(1)) / T.
  for (int T = 1; T < max_len; T++) {
    double want = (G[T + 1] - G[1]) / T;
    CHECKF(fabs(markov_loss_floor(m, T) - want) < 1e-11, "V=%d k=%d: floor(%d) = %.15f, enumeration %.15f", V,
           k, T, markov_loss_floor(m, T), want);
  }
  free(pi);
  free(probs);
  markov_free(m);
}

// Plug-in conditional entropy of a long stream: -sum n(c,x)/N ln(n(c,x)/n(c)) over order-k contexts.
static void test_empirical_entropy(void) {
  const int V = 8, k = 2;
  const size_t n = (size_t)4 << 20;
  char err[256];
  markov_chain *m = markov_create(V, k, 2.0, 7, err, sizeof err);
  CHECKF(m, "%s", err);
  if (!m) return;
  uint16_t *tokens = malloc(n * sizeof(uint16_t));
  markov_generate(m, 99, tokens, n);
  size_t contexts = m->num_contexts;
  double *counts = calloc(contexts * V, sizeof(double)), *unigram = calloc(V, sizeof(double));
  size_t ctx = (size_t)tokens[0] * V + tokens[1];
  for (size_t i = k; i < n; i++) {
    counts[ctx * V + tokens[i]] += 1;
    ctx = (ctx * V + tokens[i]) % contexts;
  }
  for (size_t i = 0; i < n; i++) unigram[tokens[i]] += 1;
  double h = 0, total = (double)(n - k);
  for (size_t c = 0; c < contexts; c++) {
    double row = 0;
    for (int x = 0; x < V; x++) row += counts[c * V + x];
    for (int x = 0; x < V; x++)
      if (counts[c * V + x] > 0) h -= counts[c * V + x] / total * log(counts[c * V + x] / row);
  }
  // Standard error about sqrt(Var(-ln p) / N) < 1e-3; the plug-in bias (cells / 2N) is 3e-5.
  CHECKF(fabs(h - markov_entropy_rate(m)) < 5e-3, "plug-in entropy %.5f, exact rate %.5f", h,
         markov_entropy_rate(m));
  // Token frequencies against the stationary marginal (pi summed over the most recent token).
  for (int x = 0; x < V; x++) {
    double p = 0;
    for (int y = 0; y < V; y++) p += m->stationary[x * V + y];
    CHECKF(fabs(unigram[x] / (double)n - p) < 5e-3, "token %d: frequency %.5f, stationary %.5f", x,
           unigram[x] / (double)n, p);
  }
  free(counts);
  free(unigram);
  free(tokens);
  markov_free(m);
}

// The first k tokens of a stream are a context drawn from pi: checked over many short streams.
static void test_stationary_start(void) {
  const int V = 4, k = 2, streams = 50000;
  char err[256];
  markov_chain *m = markov_create(V, k, 1.5, 3, err, sizeof err);
  CHECKF(m, "%s", err);
  if (!m) return;
  double seen[16] = {0};
  for (int s = 0; s < streams; s++) {
    uint16_t pair[2];
    markov_generate(m, (uint64_t)s, pair, 2);
    seen[pair[0] * V + pair[1]] += 1;
  }
  for (int c = 0; c < 16; c++) {
    double p = m->stationary[c], sigma = sqrt(p * (1 - p) / streams);
    CHECKF(fabs(seen[c] / streams - p) < 5 * sigma + 1e-9, "context %d starts %.4f of streams, pi %.4f", c,
           seen[c] / streams, p);
  }
  markov_free(m);
}

static void test_loss_floor(void) {
  char err[256];
  markov_chain *m =
      markov_create(MARKOV_DEFAULT_VOCAB, MARKOV_DEFAULT_ORDER, MARKOV_DEFAULT_SHARPNESS, 1, err, sizeof err);
  CHECKF(m, "%s", err);
  if (!m) return;
  double H = markov_entropy_rate(m), first = markov_loss_floor(m, 1);
  printf(
      "markov defaults (V=%d, k=%d, sharpness %g, seed 1): H_k = %.4f nats, floor(1) = %.4f, "
      "floor(64) = %.4f, floor(1024) = %.4f, ln V = %.4f\n",
      MARKOV_DEFAULT_VOCAB, MARKOV_DEFAULT_ORDER, MARKOV_DEFAULT_SHARPNESS, H, first,
      markov_loss_floor(m, 64), markov_loss_floor(m, 1024), log(MARKOV_DEFAULT_VOCAB));
  CHECKF(H > 1.0 && H < 2.0, "default entropy rate %.4f is outside the intended 1..2 nats", H);
  CHECKF(fabs(first - markov_conditional_entropy(m, 1)) < 1e-15, "floor(1) %.15f != H(X1|X0) %.15f", first,
         markov_conditional_entropy(m, 1));
  CHECKF(first > H, "floor(1) %.4f should exceed H_k %.4f for order 2", first, H);
  double previous = first;
  for (int T = 2; T <= 2048; T++) {
    double f = markov_loss_floor(m, T);
    CHECKF(f <= previous + 1e-15 && f >= H - 1e-15, "floor(%d) = %.15f not in [H_k, floor(%d)]", T, f, T - 1);
    // Order 2: only the first target lacks the full context, so floor(T) - H_k = (floor(1) - H_k) / T.
    CHECKF(fabs((f - H) - (first - H) / T) < 1e-12, "floor(%d) - H_k = %.3g, want %.3g", T, f - H,
           (first - H) / T);
    previous = f;
  }
  CHECKF(fabs(markov_loss_floor(m, 100000) - H) < 1e-4, "floor(1e5) = %.6f, H_k = %.6f",
         markov_loss_floor(m, 100000), H);
  CHECK(isnan(markov_loss_floor(m, 0)));
  markov_free(m);
}

static void test_determinism(void) {
  char err[256];
  markov_chain *a = markov_create(16, 2, 3.0, 5, err, sizeof err),
               *b = markov_create(16, 2, 3.0, 5, err, sizeof err),
               *c = markov_create(16, 2, 3.0, 6, err, sizeof err);
  CHECK(a && b && c);
  if (!a || !b || !c) return;
  size_t entries = a->num_contexts * 16;
  CHECK(memcmp(a->prob, b->prob, entries * sizeof(double)) == 0);
  CHECK(memcmp(a->prob, c->prob, entries * sizeof(double)) != 0);
  CHECK(markov_entropy_rate(a) == markov_entropy_rate(b));
  CHECK(markov_entropy_rate(a) != markov_entropy_rate(c));
  enum { N = 10000 };
  static uint16_t x[N], y[N], z[N];
  markov_generate(a, 11, x, N);
  markov_generate(b, 11, y, N);
  markov_generate(a, 12, z, N);
  CHECK(memcmp(x, y, sizeof x) == 0);
  CHECK(memcmp(x, z, sizeof x) != 0);
  int in_range = 1;
  for (int i = 0; i < N; i++) in_range &= x[i] < 16;
  CHECK(in_range);
  // A stream shorter than the order gets the oldest tokens of its starting context.
  uint16_t one[1] = {0xffff};
  markov_generate(a, 11, one, 1);
  CHECK(one[0] == x[0]);
  markov_free(a);
  markov_free(b);
  markov_free(c);
}

static void test_errors(void) {
  char err[256] = "";
  CHECK(!markov_create(1, 2, 3.0, 1, err, sizeof err));
  CHECK(strstr(err, "vocabulary 1") != NULL);
  CHECK(!markov_create(8, 0, 3.0, 1, err, sizeof err));
  CHECK(strstr(err, "order 0") != NULL);
  CHECK(!markov_create(300, 2, 3.0, 1, err, sizeof err));
  CHECKF(strstr(err, "300^3") && strstr(err, "limit"), "too-large table: %s", err);
  CHECK(!markov_create(2, 40, 3.0, 1, err, sizeof err));  // 2^41 entries: no overflow on the way
  CHECK(!markov_create(8, 2, -1.0, 1, err, sizeof err));
  CHECK(strstr(err, "sharpness") != NULL);
  CHECK(!markov_create(8, 2, NAN, 1, err, sizeof err));
  const double bad_rows[4] = {0.5, 0.4, 0.5, 0.5};
  CHECK(!markov_create_from_probs(2, 1, bad_rows, err, sizeof err));
  CHECKF(strstr(err, "context 0") != NULL, "bad row: %s", err);
  // A periodic chain (0 -> 1 -> 0 or 2 -> 1) makes power iteration oscillate: an error, not a wrong
  // entropy.
  const double periodic[9] = {0, 1, 0, 0.5, 0, 0.5, 0, 1, 0};
  CHECK(!markov_create_from_probs(3, 1, periodic, err, sizeof err));
  CHECKF(strstr(err, "did not converge") != NULL, "periodic: %s", err);
}

int main(void) {
  test_two_state_chain(0.1, 0.3);
  test_two_state_chain(0.001, 0.003);
  test_two_state_chain(0.9, 0.8);
  brute_force_check(3, 2, 1, 6);
  brute_force_check(2, 3, 2, 9);
  brute_force_check(4, 1, 3, 5);
  test_empirical_entropy();
  test_stationary_start();
  test_loss_floor();
  test_determinism();
  test_errors();
  return check_done("test_markov");
}
