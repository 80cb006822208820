// NCCL's collectives as NCCL itself prices them (docs/cost-model.md, "NCCL"): every enabled algorithm
// (ring, tree, NVLS, NVLS-tree, CollNet direct and chain) with every protocol it supports (LL, LL128,
// Simple) has a latency and a bandwidth term, and a call runs the pair that is cheapest at its size.
//
// Structure after NCCL's public tuning model (src/graph/tuning.cc): latency = base + hops inside nodes x
// NVLink hop latency + hops between nodes x network hop latency, with NCCL's hop counts per algorithm;
// bandwidth = the slowest resource the pair crosses (the GPU's NVLink, the NVLink switch for NVLS, the
// node's NICs shared by its ranks), each a parameter of the pair, never faster than the profile's
// hardware ceilings. The numbers are the profile's: NCCL's published latencies are the defaults, and
// ccsim calibrate fits them to measurements.
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/strategy.h"  // cc_nccl_algo, cc_nccl_proto and their names

// The terms of one (algorithm, protocol) pair.
typedef enum {
  CC_NCCL_BASE_US,         // per call
  CC_NCCL_INTRA_HOP_US,    // per step between GPUs of a node (NVLink)
  CC_NCCL_INTER_HOP_US,    // per step between nodes (network)
  CC_NCCL_INTRA_NS_PER_BYTE,  // inverse bus bandwidth inside a node (NVLink; the switch for NVLS)
  CC_NCCL_NET_NS_PER_BYTE,    // inverse bus bandwidth of the node's network (all its NICs)
  CC_NCCL_NKINDS
} cc_nccl_kind;

#define CC_NCCL_NPARAMS (CC_NCCL_NALGOS * CC_NCCL_NPROTOS * CC_NCCL_NKINDS)

static inline int cc_nccl_param(cc_nccl_algo a, cc_nccl_proto p, cc_nccl_kind k) {
  return ((int)a * CC_NCCL_NPROTOS + (int)p) * CC_NCCL_NKINDS + (int)k;
}

const char *cc_nccl_kind_name(cc_nccl_kind k);    // "base_us", "intra_hop_us", ... as in the profile keys

// Whether the algorithm runs the protocol at all (NVLS and CollNet run Simple only); the parameters of
// pairs that do not exist are never used.
bool cc_nccl_pair_exists(cc_nccl_algo a, cc_nccl_proto p);
bool cc_nccl_param_exists(int param);
// "nccl.ring.ll128.base_us"
void cc_nccl_param_key(int param, char *out, size_t len);
// Parses such a key into its parameter index; -1 when it is none.
int cc_nccl_param_of_key(const char *key);
