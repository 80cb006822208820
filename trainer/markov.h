// Synthetic Markov source: the trainer's built-in data, a token stream whose best possible loss is known
// exactly, so a training run can be judged against a floor instead of a guess.
//
// The source is an order-k Markov chain over V tokens: the next token depends on the previous k. A
// context is the tuple of the last k tokens, numbered with the most recent token least significant:
//   ctx = x[t-k+1] V^(k-1) + ... + x[t-1] V + x[t],   next ctx = (ctx V + x[t+1]) mod V^k.
// markov_create draws every context's next-token distribution at random, deterministically from a seed:
// logits = sharpness * N(0,1), then softmax. Larger sharpness puts more mass on fewer tokens (lower
// entropy); every probability stays positive, so the chain over contexts is irreducible and aperiodic and
// has one stationary distribution pi (a very large sharpness makes it mix so slowly that pi does not
// converge within the iteration budget: markov_create then fails with a message saying so).
//
// Entropy, in nats:
//   - pi is found by power iteration on the context chain, pi <- pi P, until its estimated L1 distance to
//     the fixed point is below 1e-14.
//   - entropy rate H_k = sum_ctx pi(ctx) H(next | ctx): the loss per token of a model that knows the chain
//     and sees at least k previous tokens.
//   - markov_generate starts the stream from a context drawn from pi, so every window of the stream is
//     distributed as the stationary process. A model with context window T is trained on windows
//     x_0..x_T and predicts x_{t+1} from x_0..x_t for t = 0..T-1, its loss averaged over the T targets.
//     The best it can do at position t is the conditional entropy H(X_{t+1} | X_0..X_t):
//       t+1 >= k: the Markov property makes the older tokens useless, so it is H_k;
//       t+1 <  k: only t+1 tokens are visible, and by the chain rule the conditional entropy is
//                 G(t+2) - G(t+1), where G(m) = H(X_0..X_{m-1}) is the entropy of the stationary
//                 m-gram marginal (for m <= k: pi summed over the k-m most recent tokens).
//     So floor(T) = (1/T) sum_{t=0}^{T-1} H(X_{t+1} | X_0..X_t)
//                 = (G(min(T,k-1)+1) - G(1) + max(0, T-k+1) H_k) / T,
//     which is nonincreasing in T, equals H(X_1 | X_0) at T = 1 and tends to H_k as T grows. No model
//     can have a lower expected loss on this data; a perfect one reaches it.
#pragma once
#include <stddef.h>
#include <stdint.h>

// Defaults of the trainer's built-in data: 64 tokens, order 2 (4096 contexts), sharpness 3. With seed 1:
// entropy rate 1.798 nats (ln 64 = 4.159), floor(64) = 1.832, floor(1) = 3.961.
#define MARKOV_DEFAULT_VOCAB 64
#define MARKOV_DEFAULT_ORDER 2
#define MARKOV_DEFAULT_SHARPNESS 3.0
// Largest table: V^k contexts x V next tokens (2^24 entries: 256 MiB of doubles for prob and cdf).
#define MARKOV_MAX_ENTRIES ((size_t)1 << 24)

typedef struct {
  int vocab;               // V: tokens are 0..V-1
  int order;               // k >= 1
  size_t num_contexts;     // V^k
  double *prob;            // [num_contexts][V]: P(next token | context)
  double *cdf;             // [num_contexts][V]: running sums of prob; the last of each row is 1
  double *stationary;      // [num_contexts]: pi, the stationary distribution of contexts
  double entropy_rate;     // H_k, nats per token
  double *prefix_entropy;  // [order]: H(X_j | X_0..X_{j-1}) for j = 0..k-1 (j = 0: H(X_0))
} markov_chain;

// A random chain (see above). vocab >= 2, order >= 1, vocab^(order+1) <= MARKOV_MAX_ENTRIES, sharpness
// finite and >= 0. NULL with a message in err on bad arguments or when pi does not converge.
markov_chain *markov_create(int vocab, int order, double sharpness, uint64_t seed, char *err, size_t errlen);
// A chain with given transition probabilities: probs[ctx * vocab + x] = P(x | ctx), rows summing to 1
// (within 1e-9; they are renormalized). For tests and hand-made sources. The chain must have a unique
// stationary distribution that power iteration reaches (e.g. irreducible and aperiodic).
markov_chain *markov_create_from_probs(int vocab, int order, const double *probs, char *err, size_t errlen);
void markov_free(markov_chain *m);

// n tokens of a stationary stream: the first k are a context drawn from pi, the rest follow the chain.
// The same chain and seed give the same tokens. Needs vocab <= 65536 (always true when k >= 1).
void markov_generate(const markov_chain *m, uint64_t seed, uint16_t *out, size_t n);

// H_k in nats per token.
double markov_entropy_rate(const markov_chain *m);
// H(X_t | X_0..X_{t-1}) of the stationary process, t >= 0 (t = 0: H(X_0); t >= k: H_k).
double markov_conditional_entropy(const markov_chain *m, int t);
// The lowest expected loss (nats per target) of a model with context window T >= 1 (see above).
double markov_loss_floor(const markov_chain *m, int T);
