// One collective call checked against an independent reference (collective_check.h).
#include "collectives/tests/collective_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "common/error.h"
#include "common/rng.h"

static const char *const pattern_names[] = {"exact", "random", "ops"};
#define CANARY 16  // elements past the end of recv that must stay untouched

static int P, me;
static long long failures, checks;

// Largest |x| for exact inputs: P of them must sum exactly in the dtype's significand.
static int exact_range(cc_dtype t) {
  int bits = t == CC_F16 ? 11 : t == CC_BF16 ? 8 : 24;
  int m = (1 << bits) / (2 * P);
  return m < 1 ? 1 : m > 64 ? 64 : m;
}

static double round_to(cc_dtype t, double v) {
  double cell;
  cc_store(&cell, 0, t, v);
  return cc_load(&cell, 0, t);
}

// Input element i of rank r, representable in t.
static double input(int r, size_t i, cc_dtype t, int pattern) {
  uint64_t h = cc_hash64(0x5eed0000ULL + (uint64_t)r * 7919 + (uint64_t)pattern, i);
  if (pattern == PATTERN_EXACT) {
    int m = exact_range(t);
    return (double)(int)(h % (uint64_t)(2 * m + 1)) - m;
  }
  return round_to(t, (double)(h >> 11) * 0x1p-52 - 1.0);  // uniform in [-1, 1)
}

// The ops pattern: input element i of rank r for op, exact under any order of reduction.
//   integers    random bits, one in eight a value where sums wrap or signed compares flip;
//   float prod  -2, -1, 1 or 2 (2 one time in four): every partial product is a power of two, exact
//               in any order (an overflow to infinity too, as it stays infinite);
//   float min/max  halves in [-10, 10] (many ties), now and then an infinity; with signed_zeros every
//               other zero is -0 (the libraries' own min and max may pick either zero, so not for the
//               mpi and nccl baselines).
// Returned as the bits of the value in t (integers) or as the value itself (floats, in *value).
static uint64_t ops_input(int r, size_t i, cc_dtype t, cc_redop op, bool signed_zeros, double *value) {
  uint64_t h = cc_hash64(0x0b5e0000ULL + (uint64_t)r * 7919 + (uint64_t)op, i);
  if (cc_dtype_is_integer(t)) {
    uint64_t mask = cc_dtype_mask(t), top = (mask >> 1) + 1;
    const uint64_t edges[] = {0, 1, mask, top, top - 1, 2, mask - 1, 3};
    return (h % 8 == 0 ? edges[(h >> 8) % 8] : cc_hash64(h, 1)) & mask;
  }
  if (op == CC_PROD) {
    double magnitude = (h >> 8) % 4 == 0 ? 2 : 1;
    *value = h % 2 ? -magnitude : magnitude;
  } else if (h % 32 == 0) {
    *value = h & 32 ? INFINITY : -INFINITY;
  } else {
    *value = ((double)(int)((h >> 8) % 41) - 20) / 2;
    if (*value == 0 && signed_zeros && (h >> 20) % 2) *value = -0.0;
  }
  return 0;
}

// An integer's bits (zero-extended) as the signed value they encode.
static int64_t as_signed(uint64_t bits, cc_dtype t) {
  uint64_t sign = (cc_dtype_mask(t) >> 1) + 1;
  return (int64_t)((bits ^ sign) - sign);
}

// x op y on integer bits: sums and products wrap (uint64 arithmetic keeps the low bits exact), min and
// max compare as the type; avg accumulates the sum (the division comes once, at the end).
static uint64_t integer_combine(uint64_t x, uint64_t y, cc_dtype t, cc_redop op) {
  bool y_below = cc_dtype_is_signed(t) ? as_signed(y, t) < as_signed(x, t) : y < x;
  switch (op) {
    case CC_PROD: return (x * y) & cc_dtype_mask(t);
    case CC_MIN: return y_below ? y : x;
    case CC_MAX: return y_below || x == y ? x : y;
    default: return (x + y) & cc_dtype_mask(t);
  }
}

// The sum's quotient by P truncated toward zero, from its magnitude.
static uint64_t integer_average(uint64_t sum, cc_dtype t) {
  if (!cc_dtype_is_signed(t)) return sum / (uint64_t)P;
  int64_t v = as_signed(sum, t);
  uint64_t magnitude = v < 0 ? 0 - (uint64_t)v : (uint64_t)v, q = magnitude / (uint64_t)P;
  return (v < 0 ? 0 - q : q) & cc_dtype_mask(t);
}

// IEEE 754-2019 minimum/maximum of two non-NaN values: -0 counts as below +0.
static double float_combine(double x, double y, cc_redop op) {
  if (op == CC_PROD) return x * y;
  bool y_below = y < x || (y == x && signbit(y) && !signbit(x));
  return (op == CC_MIN) == y_below ? y : x;
}

// Cached per (dtype, pattern, length, and for the ops pattern op and zeros): the big cases are checked
// by many strategies in a row.
//   mine: this rank's input, in the dtype;
//   sum, abs_sum: the reference sum over all ranks (and of magnitudes, for the error bound), in double;
//   gathered: the allgather result, in the dtype (rank r's block is r's input).
typedef struct {
  cc_dtype t;
  int pattern;
  cc_redop op;
  bool signed_zeros;
  size_t n, c;
  void *mine, *gathered;
  void *sum_bits;  // the exact sums in the dtype (exact pattern), or op's exact results (ops pattern)
  double *sum, *abs_sum;
} reference;

#define NCACHE 4

static void reference_free(reference *ref) {
  free(ref->mine);
  free(ref->gathered);
  free(ref->sum_bits);
  free(ref->sum);
  free(ref->abs_sum);
  memset(ref, 0, sizeof *ref);
}

// The ops pattern's inputs and exact results: each element folded over the ranks in rank order (any
// order gives the same).
static void fill_ops_reference(reference *ref) {
  cc_dtype t = ref->t;
  ref->sum_bits = malloc(ref->n * cc_dtype_size(t) + 1);
  for (size_t i = 0; i < ref->n; i++) {
    uint64_t acc_bits = 0;
    double acc = 0;
    for (int r = 0; r < P; r++) {
      double x = 0;
      uint64_t bits = ops_input(r, i, t, ref->op, ref->signed_zeros, &x);
      if (cc_dtype_is_integer(t)) {
        acc_bits = r == 0 ? bits : integer_combine(acc_bits, bits, t, ref->op);
        if (r == me) cc_store_bits(ref->mine, i, t, bits);
        if (ref->c && i / ref->c == (size_t)r) cc_store_bits(ref->gathered, i, t, bits);
      } else {
        acc = r == 0 ? x : float_combine(acc, x, ref->op);
        if (r == me) cc_store(ref->mine, i, t, x);
        if (ref->c && i / ref->c == (size_t)r) cc_store(ref->gathered, i, t, x);
      }
    }
    if (!cc_dtype_is_integer(t)) cc_store(ref->sum_bits, i, t, acc);
    else cc_store_bits(ref->sum_bits, i, t, ref->op == CC_AVG ? integer_average(acc_bits, t) : acc_bits);
  }
}

// n is the full vector length (allreduce count, or size x count_per_rank); c the per-rank block. op and
// signed_zeros matter to the ops pattern only.
static reference *get_reference(cc_dtype t, int pattern, cc_redop op, bool signed_zeros, size_t n, size_t c) {
  static reference cache[NCACHE];
  static int next;
  if (pattern != PATTERN_OPS) op = CC_SUM, signed_zeros = false;
  for (int k = 0; k < NCACHE; k++)
    if (cache[k].mine && cache[k].t == t && cache[k].pattern == pattern && cache[k].op == op &&
        cache[k].signed_zeros == signed_zeros && cache[k].n == n && cache[k].c == c)
      return &cache[k];
  reference *ref = &cache[next];
  next = (next + 1) % NCACHE;
  reference_free(ref);
  *ref = (reference){.t = t, .pattern = pattern, .op = op, .signed_zeros = signed_zeros, .n = n, .c = c};
  size_t es = cc_dtype_size(t);
  ref->mine = malloc(n * es + 1);
  ref->gathered = malloc(n * es + 1);
  if (pattern == PATTERN_OPS) {
    fill_ops_reference(ref);
    return ref;
  }
  ref->sum = calloc(n + 1, sizeof(double));
  ref->abs_sum = calloc(n + 1, sizeof(double));
  for (int r = 0; r < P; r++)
    for (size_t i = 0; i < n; i++) {
      double x = input(r, i, t, pattern);
      ref->sum[i] += x;
      ref->abs_sum[i] += fabs(x);
      if (r == me) cc_store(ref->mine, i, t, x);
      if (c && i / c == (size_t)r) cc_store(ref->gathered, i, t, x);
    }
  if (pattern == PATTERN_EXACT) {
    ref->sum_bits = malloc(n * es + 1);
    for (size_t i = 0; i < n; i++) cc_store(ref->sum_bits, i, t, ref->sum[i]);
  }
  return ref;
}

void report_failure(const test_case *tc, const char *what) {
  if (failures++ < 20)
    fprintf(stderr, "FAIL rank %d/%d rpn=%d %s %s %s %s count=%zu %s %s tuning=%s: %s\n", me, P, tc->rpn,
            tc->strategy, cc_coll_name(tc->coll), cc_dtype_name(tc->t), cc_redop_name(tc->op), tc->count,
            tc->in_place ? "in-place" : "out-of-place", pattern_names[tc->pattern], tc->tuning, what);
}

// |got - want| within the bound for this case; the bound is 0 for exact sums.
static bool close_enough(const test_case *tc, double got, double want, double abs_sum) {
  double eps = cc_dtype_eps(tc->t), tol;
  if (tc->pattern == PATTERN_EXACT) tol = tc->op == CC_SUM ? 0 : 2.01 * eps * fabs(want);
  else tol = (P - 1) * eps * abs_sum / (tc->op == CC_AVG ? P : 1) + 2.01 * eps * fabs(want);
  return fabs(got - want) <= tol;
}

static uint64_t fnv1a(const void *buf, size_t bytes) {
  const unsigned char *p = buf;
  uint64_t h = 1469598103934665603ULL, word;
  size_t i = 0;
  for (; i + 8 <= bytes; i += 8) memcpy(&word, p + i, 8), h = (h ^ word) * 1099511628211ULL;
  for (; i < bytes; i++) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

static void check_identical_across_ranks(const test_case *tc, const void *buf, size_t bytes) {
  uint64_t mine = fnv1a(buf, bytes), *all = malloc(sizeof(uint64_t) * (size_t)P);
  MPI_Allgather(&mine, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
  for (int r = 0; r < P; r++)
    if (all[r] != all[0]) {
      report_failure(tc, "ranks hold different bits");
      break;
    }
  free(all);
}


void check_setup(int world_size, int my_rank) { P = world_size, me = my_rank; }

void case_buffers_free(case_buffers *bufs) {
  if (bufs->a != bufs->host_a) bufs->mem->free(bufs->a), bufs->mem->free(bufs->b);
  free(bufs->host_a), free(bufs->host_b), free(bufs->send_copy);
  *bufs = (case_buffers){.mem = bufs->mem};
}

static void reserve(case_buffers *bufs, size_t bytes) {
  if (bytes <= bufs->capacity) return;
  const cc_memops *mem = bufs->mem;
  case_buffers_free(bufs);
  // Doubling: with the ipc transport an exported buffer is only released at the transport's end.
  bufs->capacity = bytes * 2;
  bufs->host_a = malloc(bufs->capacity), bufs->host_b = malloc(bufs->capacity), bufs->send_copy = malloc(bufs->capacity);
  if (!bufs->host_a || !bufs->host_b || !bufs->send_copy) CC_FATAL("out of memory for %zu-byte test buffers", bufs->capacity);
  bufs->a = mem->kind == CC_MEM_HOST ? (void *)bufs->host_a : mem->alloc(bufs->capacity);
  bufs->b = mem->kind == CC_MEM_HOST ? (void *)bufs->host_b : mem->alloc(bufs->capacity);
}

// The host image of a point in buffer a or b.
static unsigned char *image(const case_buffers *bufs, const void *p) {
  const unsigned char *c = p, *a = bufs->a, *b = bufs->b;
  return c >= a && c < a + bufs->capacity ? bufs->host_a + (c - a) : bufs->host_b + (c - b);
}

void run_case(cc_comm *comm, case_buffers *bufs, const test_case *tc) {
  cc_strategy s;
  char err[256];
  if (cc_strategy_parse(tc->strategy, &s, err, sizeof err) != 0) CC_FATAL("%s", err);
  size_t es = cc_dtype_size(tc->t), c = tc->count;
  // Element counts of send and recv as the collective defines them.
  size_t send_n = tc->coll == CC_REDUCE_SCATTER ? c * (size_t)P : c;
  size_t recv_n = tc->coll == CC_ALLGATHER ? c * (size_t)P : c;
  size_t total = tc->coll == CC_ALLREDUCE ? c : c * (size_t)P;  // elements of the reduced/gathered vector

  bool signed_zeros = strcmp(tc->strategy, "mpi") != 0 && strncmp(tc->strategy, "nccl", 4) != 0;
  reference *ref = get_reference(tc->t, tc->pattern, tc->op, signed_zeros, total, tc->coll == CC_ALLREDUCE ? 0 : c);
  // One allocation holds both buffers for in-place calls: [full vector | canary].
  size_t buf_n = (send_n > recv_n ? send_n : recv_n) + CANARY, bytes = buf_n * es;
  reserve(bufs, bytes);
  unsigned char *a = bufs->host_a, *b = bufs->host_b;
  memset(a, 0xA5, bytes);
  memset(b, 0xA5, bytes);  // poison: unwritten elements are garbage, overruns hit the canary
  const void *send;
  void *recv;
  size_t my_block = c * (size_t)me;
  if (tc->coll == CC_ALLGATHER) {
    void *mine = tc->in_place ? (void *)cc_at(bufs->b, my_block, tc->t) : bufs->a;
    memcpy(image(bufs, mine), cc_at(ref->mine, my_block, tc->t), c * es);
    send = mine;
    recv = bufs->b;
  } else {
    memcpy(a, ref->mine, send_n * es);
    send = bufs->a;
    recv = !tc->in_place ? bufs->b : tc->coll == CC_REDUCE_SCATTER ? (void *)cc_at(bufs->a, my_block, tc->t) : bufs->a;
  }
  memcpy(bufs->send_copy, a, bytes);
  const cc_memops *mem = bufs->mem;
  mem->from_host(bufs->a, a, bytes);
  mem->from_host(bufs->b, b, bytes);
  mem->sync();

  if (tc->coll == CC_ALLREDUCE) cc_allreduce(comm, &s, send, recv, c, tc->t, tc->op);
  else if (tc->coll == CC_ALLGATHER) cc_allgather(comm, &s, send, recv, c, tc->t);
  else cc_reduce_scatter(comm, &s, send, recv, c, tc->t, tc->op);
  checks++;
  // What the buffers hold once everything the call queued has finished (to_host waits for it).
  mem->to_host(a, bufs->a, bytes);
  mem->to_host(b, bufs->b, bytes);
  unsigned char *result = image(bufs, recv);

  char what[256];
  if (tc->coll == CC_ALLGATHER) {
    if (memcmp(result, ref->gathered, recv_n * es) != 0) report_failure(tc, "gathered vector differs from the inputs");
  } else if (tc->pattern == PATTERN_OPS) {
    // Every result is exact: the bits must be the reference's.
    const unsigned char *want =
        (const unsigned char *)cc_cat(ref->sum_bits, tc->coll == CC_REDUCE_SCATTER ? my_block : 0, tc->t);
    for (size_t i = 0; i < recv_n; i++)
      if (memcmp(result + i * es, want + i * es, es) != 0) {
        uint64_t got_bits = 0, want_bits = 0;
        memcpy(&got_bits, result + i * es, es), memcpy(&want_bits, want + i * es, es);
        snprintf(what, sizeof what, "element %zu: got bits %#llx (%.9g), want %#llx (%.9g)", i,
                 (unsigned long long)got_bits, cc_load(result, i, tc->t), (unsigned long long)want_bits,
                 cc_load(want, i, tc->t));
        report_failure(tc, what);
        break;
      }
  } else {
    size_t first = tc->coll == CC_REDUCE_SCATTER ? my_block : 0;
    bool exact_sum = tc->pattern == PATTERN_EXACT && tc->op == CC_SUM;
    // Exact sums compare bytewise; the element loop then only runs to find what differs.
    size_t n_check = exact_sum && memcmp(result, cc_cat(ref->sum_bits, first, tc->t), recv_n * es) == 0 ? 0 : recv_n;
    for (size_t i = 0; i < n_check; i++) {
      double want = ref->sum[first + i] / (tc->op == CC_AVG ? P : 1), got = cc_load(result, i, tc->t);
      if (!close_enough(tc, got, want, ref->abs_sum[first + i])) {
        snprintf(what, sizeof what, "element %zu: got %.9g, want %.9g", i, got, want);
        report_failure(tc, what);
        break;
      }
    }
  }
  // Nothing past the result; an out-of-place call must not modify its input.
  // (In-place reduce-scatter may overwrite the rest of send, so its tail is not checked.)
  unsigned char *recv_end = result + recv_n * es;
  unsigned char *base = result >= a && result < a + bytes ? a : b;
  bool tail_checked = !(tc->in_place && tc->coll == CC_REDUCE_SCATTER);
  for (unsigned char *p = recv_end; tail_checked && p < base + bytes; p++)
    if (*p != 0xA5) {
      report_failure(tc, "wrote past the end of recv");
      break;
    }
  if (!tc->in_place && memcmp(bufs->send_copy, a, bytes) != 0) report_failure(tc, "out-of-place call modified send");
  if (tc->coll != CC_REDUCE_SCATTER) check_identical_across_ranks(tc, result, recv_n * es);
}

void run_matrix(cc_comm *comm, case_buffers *bufs, const char *const *strategies, int nstrategies,
                const size_t *counts, int ncounts, size_t big, const cc_dtype *dtypes, int ndtypes, int rpn,
                const char *tuning) {
  for (int ci = 0; ci < ncounts; ci++)
    for (int ti = 0; ti < ndtypes; ti++)
      for (int pattern = 0; pattern < (counts[ci] == big ? 1 : 2); pattern++)
        for (int si = 0; si < nstrategies; si++)
          for (int coll = 0; coll < CC_NCOLLS; coll++) {
            cc_strategy s;
            char err[256];
            if (cc_strategy_parse(strategies[si], &s, err, sizeof err) != 0) CC_FATAL("%s", err);
            if (!cc_strategy_implements(&s, (cc_coll)coll, err, sizeof err)) continue;
            size_t count = counts[ci] == big && coll != CC_ALLREDUCE ? (big + (size_t)P - 1) / (size_t)P : counts[ci];
            // sum and avg; the other ops have their own exact matrix (run_ops_matrix).
            for (int op = 0; op < (coll == CC_ALLGATHER ? 1 : 2); op++)
              for (int in_place = 0; in_place < 2; in_place++) {
                test_case tc = {strategies[si], (cc_coll)coll, dtypes[ti], (cc_redop)op, count,
                                in_place, pattern, rpn, tuning};
                run_case(comm, bufs, &tc);
              }
          }
}

void run_ops_matrix(cc_comm *comm, case_buffers *bufs, const char *const *strategies, int nstrategies,
                    const size_t *counts, int ncounts, const dtype_op *pairs, int npairs, int rpn,
                    const char *tuning) {
  const cc_coll colls[] = {CC_ALLREDUCE, CC_REDUCE_SCATTER};
  for (int ci = 0; ci < ncounts; ci++)
    for (int pi = 0; pi < npairs; pi++)
      for (int si = 0; si < nstrategies; si++)
        for (int k = 0; k < 2; k++) {
          cc_strategy s;
          char err[256];
          if (cc_strategy_parse(strategies[si], &s, err, sizeof err) != 0) CC_FATAL("%s", err);
          if (!cc_strategy_implements(&s, colls[k], err, sizeof err)) continue;
          for (int in_place = 0; in_place < 2; in_place++) {
            test_case tc = {strategies[si], colls[k], pairs[pi].t, pairs[pi].op, counts[ci], in_place, PATTERN_OPS,
                            rpn, tuning};
            run_case(comm, bufs, &tc);
          }
        }
}

long long check_summary(const char *test) {
  long long total_failures = 0, total_checks = 0;
  MPI_Allreduce(&failures, &total_failures, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  MPI_Allreduce(&checks, &total_checks, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  if (me == 0) printf("%s P=%d: %lld checks, %lld failures\n", test, P, total_checks, total_failures);
  return total_failures;
}

int ops_matrix_pairs(dtype_op *pairs) {
  int npairs = 0;
  for (int ti = 0; ti < CC_NDTYPES; ti++)
    for (int op = 0; op < CC_NREDOPS; op++)
      if (cc_dtype_is_integer((cc_dtype)ti) || (op != CC_SUM && op != CC_AVG))
        pairs[npairs++] = (dtype_op){(cc_dtype)ti, (cc_redop)op};
  return npairs;
}
