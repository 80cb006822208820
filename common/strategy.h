// Strategy names: the one spelling ccbench, ccsim and cctrain share.
//
//   strategy := algo [ "+" compressor ]        (compressor: common/compressor_spec.h)
//   algo     := ring | tree | btree | rd | rabenseifner | mpi | nccl[:<nalgo>[/<proto>]] | hier[:<intra>/<inter>]
//   nalgo    := ring | tree | nvls | nvlstree | collnetdirect | collnetchain | any
//   proto    := ll | ll128 | simple          (nccl:ring is NCCL with NCCL_ALGO=Ring; nccl:any/simple
//                                             NCCL_PROTO=Simple)
//   intra    := ring | rabenseifner            (algorithms with a reduce-scatter and an allgather)
//   inter    := ring | tree | btree | rd | rabenseifner
// "hier" alone means hier:ring/ring. Every part written must be there: "hier:", "nccl:", "hier:ring/",
// "ring+" and "ring+topk:" are errors, not the defaults.
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/compressor_spec.h"

typedef enum {
  CC_ALGO_RING,
  CC_ALGO_TREE,          // double binary tree
  CC_ALGO_BTREE,         // single binary tree
  CC_ALGO_RD,            // recursive doubling
  CC_ALGO_RABENSEIFNER,
  CC_ALGO_HIER,
  CC_ALGO_MPI,           // the MPI library's collective (baseline)
  CC_ALGO_NCCL,          // NCCL's collective (baseline on GPU buffers)
  CC_NALGOS
} cc_algo;

typedef enum { CC_ALLREDUCE, CC_ALLGATHER, CC_REDUCE_SCATTER, CC_NCOLLS } cc_coll;

// NCCL's algorithms and protocols, which "nccl:<algo>[/<proto>]" may force (as NCCL_ALGO and
// NCCL_PROTO do); ccsim models each (sim/nccl_model.h).
typedef enum {
  CC_NCCL_RING,
  CC_NCCL_TREE,
  CC_NCCL_NVLS,            // NVLink SHARP: the switch reduces; one node
  CC_NCCL_NVLS_TREE,       // NVLS inside nodes, a tree between them
  CC_NCCL_COLLNET_DIRECT,  // in-network reduction (SHARP), every GPU to its NIC
  CC_NCCL_COLLNET_CHAIN,   // in-network reduction, a chain inside the node
  CC_NCCL_NALGOS
} cc_nccl_algo;
typedef enum { CC_NCCL_LL, CC_NCCL_LL128, CC_NCCL_SIMPLE, CC_NCCL_NPROTOS } cc_nccl_proto;
const char *cc_nccl_algo_name(cc_nccl_algo a);    // "ring", "tree", "nvls", "nvlstree", "collnetdirect", "collnetchain"
const char *cc_nccl_proto_name(cc_nccl_proto p);  // "ll", "ll128", "simple"
// Case-insensitive, so NCCL's own spellings ("Ring", "NVLSTree", "CollnetDirect", "LL128") read too.
// 0, or -1.
int cc_nccl_algo_parse(const char *s, size_t len, cc_nccl_algo *out);
int cc_nccl_proto_parse(const char *s, size_t len, cc_nccl_proto *out);
// The canonical spelling of NCCL with `algo` and `proto` forced (-1: NCCL's choice): "nccl",
// "nccl:ring", "nccl:tree/ll128", "nccl:any/simple".
void cc_nccl_strategy_name(int algo, int proto, char *out, size_t len);

typedef struct {
  cc_algo algo;
  cc_algo intra, inter;  // for CC_ALGO_HIER
  char name[112];        // canonical spelling: "hier:ring/tree+topk:0.01+ef"
  char algo_name[64];    // the algorithm part of the name
  char compress[48];     // compressor part, canonical, or "none"
  bool compressed;       // false: compressor below is unused
  cc_compressor compressor;
  int nccl_algo, nccl_proto;  // "nccl:ring/simple": the forced cc_nccl_algo / cc_nccl_proto; -1: NCCL's choice
} cc_strategy;

// 0 on success; -1 with a one-line reason in err.
int cc_strategy_parse(const char *text, cc_strategy *out, char *err, size_t errlen);
const char *cc_algo_name(cc_algo a);
// Whether the strategy implements collective `coll` (independent of the communicator). When not,
// writes a reason listing the strategies that do.
bool cc_strategy_implements(const cc_strategy *s, cc_coll coll, char *err, size_t errlen);

const char *cc_coll_name(cc_coll c);   // "allreduce", "allgather", "reduce_scatter"
int cc_coll_parse(const char *s, cc_coll *out);
// nccl-tests' bus bandwidth factor: allreduce 2(n-1)/n, allgather and reduce-scatter (n-1)/n.
double cc_busbw_factor(cc_coll c, int ranks);

// The same algorithm without the compressor: what moves a compressed strategy's payloads, or its
// uncompressed tensors.
cc_strategy cc_strategy_uncompressed(const cc_strategy *s);

// A profile name: what ccbench --profile puts in the rows' profile column, what ccsim calibrate writes
// as a profile's `name` (from --name, or from the rows) and what plots/plot.sh prints in titles. It is
// 1 to CC_NAME_MAX - 1 characters of A-Z a-z 0-9 . _ - + : @ so that every one of those carries it
// unchanged: a profile file trims blanks and cuts at " #", a CSV field needs quoting for a comma or
// quote and breaks at a newline, plot.sh turns blanks into '_' and awk reads backslashes as escapes.
#define CC_NAME_MAX 64
// 0, or -1 with a one-line reason in why (which never repeats the name's characters, so a newline or
// escape in it cannot break the line).
int cc_name_check(const char *name, char *why, size_t len);

// A comma-separated list of strategies into out[0..max). A compressor's own options contain commas
// ("topk:0.01,approx"), so an item that is not a strategy continues the previous compressed one:
// "ring+topk:0.01,approx,rd" is two strategies. Returns the count, or -1 with a one-line reason.
int cc_strategy_parse_list(const char *list, cc_strategy *out, int max, char *err, size_t errlen);
