// One collective call checked against an independent reference, on any memory kind; shared by the
// host test (test_collectives) and the device test (test_device).
//
// Each rank regenerates every rank's input from a stateless hash, sums them in double precision and
// compares its own result against that sum: with integer-valued inputs small enough that every partial
// sum is exact, results must match exactly; with random inputs, within the rounding bound of P-1
// additions in the dtype. The other ops and the integer types (the ops pattern) have inputs whose
// result is exact in any order of reduction, so their results must be the reference's bits: integers
// wrap, float products are of powers of two, min and max pick an input. Also checked: all ranks hold bit-identical allreduce/allgather results, an
// out-of-place call leaves send untouched, nothing is written past the end of recv.
//
// Buffers are prepared and checked on the host and copied to and from the communicator's memory kind
// through its memops (on the host the copies are no-ops), so a device run checks the same things.
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "collectives/collectives.h"

enum { PATTERN_EXACT, PATTERN_RANDOM, PATTERN_OPS };

typedef struct {
  cc_dtype t;
  cc_redop op;
} dtype_op;

// The ops matrix's pairs: every integer type with every op, every float type with the ops other than sum
// and avg (which the float matrix covers). pairs holds CC_NDTYPES * CC_NREDOPS; returns how many.
int ops_matrix_pairs(dtype_op *pairs);

typedef struct {
  const char *strategy;
  cc_coll coll;
  cc_dtype t;
  cc_redop op;
  size_t count;
  int in_place, pattern, rpn;
  const char *tuning;  // a label for failure messages: the transport and pipelining settings
} test_case;

// Host images and the buffers the collective runs on (the images themselves on the host). Grow-only:
// fresh allocations per case would spend the test in allocation.
typedef struct {
  const cc_memops *mem;
  unsigned char *host_a, *host_b, *send_copy;
  void *a, *b;
  size_t capacity;
} case_buffers;

// Once per process, after MPI_Init: the world size and my rank.
void check_setup(int world_size, int my_rank);
void case_buffers_free(case_buffers *bufs);

void run_case(cc_comm *comm, case_buffers *bufs, const test_case *tc);
// Counts a failure of a check made outside run_case; prints the first 20.
void report_failure(const test_case *tc, const char *what);

// Every (count, dtype, pattern, strategy, collective, op, placement) the strategies implement, for the
// ops sum and avg.
// counts are allreduce lengths; allgather and reduce-scatter use them per rank, except `big`, which is
// split over the ranks so every collective moves a vector of about `big` elements, with the exact
// pattern only.
void run_matrix(cc_comm *comm, case_buffers *bufs, const char *const *strategies, int nstrategies,
                const size_t *counts, int ncounts, size_t big, const cc_dtype *dtypes, int ndtypes, int rpn,
                const char *tuning);

// The ops pattern: every (count, (dtype, op) pair, strategy, placement) for allreduce and
// reduce-scatter, where the strategy has them. counts are allreduce lengths and reduce-scatter's per rank.
void run_ops_matrix(cc_comm *comm, case_buffers *bufs, const char *const *strategies, int nstrategies,
                    const size_t *counts, int ncounts, const dtype_op *pairs, int npairs, int rpn,
                    const char *tuning);

// Failures and checks summed over ranks; prints the summary line on rank 0. Collective.
long long check_summary(const char *test);
