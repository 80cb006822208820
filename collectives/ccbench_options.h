// ccbench's command line: its own options and nccl-tests' flags, parsed and checked on every rank before
// any work (docs/ccbench.md has the table of nccl-tests' flags and what each does here).
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "common/netcluster.h"
#include "common/strategy.h"
#include "kernels/dtype.h"

#define MAX_STRATEGIES 32
#define MAX_SIZES 4096
#define UNSET_SIZE UINT64_MAX  // -b and -e not on the command line

typedef struct {
  // command line
  uint64_t minbytes, maxbytes, stepbytes, ring_segment, tree_chunk, staging_chunk;
  long long stepfactor, iters, warmup, ranks_per_node;
  // nccl-tests' flags (docs/ccbench.md has the table of what each does here)
  long long nthreads, ngpus, root, agg_iters, run_cycles, average, per_iter, per_iter_skip, parallel_init,
      check_iters, blocking, stream_null, cudagraph, cputime, local_register, cta_policy, device_impl,
      device_cta, timestamps, memory_report, unalign;
  double timeout_s;
  const char *strategies, *dtypes, *redops, *coll, *csv, *json, *profile, *transport, *format, *output_file;
  bool in_place, no_progress, device, resume, dry_run;
  // derived
  cc_strategy strategy[MAX_STRATEGIES];
  int nstrategies;
  const char *compress;                     // --compress LIST
  char compress_text[MAX_STRATEGIES][128];
  int ncompress;
  cc_dtype dtype[CC_NDTYPES];
  int ndtypes;
  cc_redop redop[CC_NREDOPS];
  int nredops;
  uint64_t size[MAX_SIZES];
  int nsizes;
  cc_coll op;
  bool nccl_format;                         // --format nccl-tests
  int nplaces;                              // placements measured per strategy: 2 (nccl-tests format) or 1
  bool check_given;                         // -c was on the command line (else nccl-tests' default, 1)
  bool ngpus_given;                         // -g was on the command line
  bool step_is_factor;                      // sizes grow by stepfactor, else by stepbytes
  bool ccbench_sweep;                       // no -b, -e, -f, -i: ccbench's default sweep
  cc_netcluster netcluster;                 // CCBENCH_NETCLUSTER (scripts/netcluster.sh)
  bool on_netcluster;                       // ... was set
} cc_bench_options;

// Fills o from the command line: one line naming the flag and exit status 2 on every rank for bad
// input (cc_input_error), identical options on every rank otherwise. P: the ranks, rank: mine.
void cc_bench_parse_options(cc_bench_options *o, int argc, char **argv, int P, int rank);
