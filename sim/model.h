// The analytic cost model: what one collective costs under a profile (docs/cost-model.md derives it).
//
// Every algorithm's cost is linear in the profile's parameters, so the model returns the *terms* and
// the time is their dot product with the profile. Calibration fits the same terms to measurements.
#pragma once
#include <stdbool.h>

#include "common/strategy.h"
#include "sim/profile.h"

// Counted on the critical path (the busiest rank) of one call.
typedef struct {
  double eager_bytes;          // copied from the profile: messages larger than this are rendezvous
  double calls;                // always 1: pays base_us
  double msgs[CC_NLEVELS];     // messages in sequence: pays alpha each
  double bytes[CC_NLEVELS];    // bytes received: pays beta per byte
  double reduced[CC_NLEVELS];  // bytes of reduction output: pays gamma per byte
  double spilled;              // bytes moved that miss the cache: pays mem_ns_per_byte
  double spilled_reduced;      // bytes reduced that miss the cache: pays mem_reduce_ns_per_byte
  double faulted;              // bytes of fresh temporary pages (the MPI library's): fault_ns_per_byte
  double rndv_msgs;            // messages larger than eager_bytes: pay rndv_us each
  double lib_calls;            // calls into the MPI library: pay mpi_base_us each
  double lib_reduced;          // bytes the MPI library reduces: pay mpi_gamma_ns_per_byte more
  // Compressed strategies (sim/compressed_model.h): the compressor's local work, priced by its entry in
  // the profile (cc_compress_rates_of). All zero for uncompressed strategies.
  char compress[48];           // the compressor's spelling, "" when uncompressed
  int compress_kind;           // its cc_comp_kind (finds an entry under the kind's name)
  double encode_calls, encode_elems, encode_flops;  // once per call: f32 elements in, PowerSGD's flops
  double decode_calls, decode_elems;  // f32 elements decoded: n per payload (P payloads on the allgather path)
  double ef_elems;             // error feedback decodes its own payload: priced as a decode unless the
                               // profile's entry was fitted with +ef
  // Shared resources (host strategies): the node's ranks copy through one memory system and send
  // through the node's NICs at once. When the node's share is the slower, it sets the pace and the
  // per-rank terms above it replaces are not priced (memory_bound: the bytes, reductions and cache
  // misses; NIC-bound, nic_bytes > 0: the inter-node bytes). docs/cost-model.md, "Shared resources".
  bool memory_bound;
  double node_copy_bytes;      // bytes the node's ranks copy through memory together: pays 1 / mem_GBps
  double node_cache_bytes;     // ... through the last-level cache (the working set fits it): 1 / cache_GBps
  double nic_bytes;            // bytes the node's crossing ranks send together (0: not NIC-bound): pays
                               // 1 / cc_node_nic_GBps
  double nic_replaced_bytes;   // the rank's inter-node bytes whose beta those replace (a compressed
                               // allreduce sums collectives of which only some may be NIC-bound)
  // NCCL (sim/nccl_model.h): coefficients of the profile's nccl[] parameters, and the pair they price.
  double nccl[CC_NCCL_NPARAMS];
  int nccl_algo, nccl_proto;   // the (algorithm, protocol) NCCL runs at this size; -1 for other strategies
} cc_cost;

// Ranks and how many share a node (ranks_per_node >= ranks: one node). ranks_per_host is how many
// share one machine's memory and NICs when that differs from the node the algorithms see (ccbench
// --ranks-per-node splits one machine into nodes); 0: ranks_per_node.
typedef struct {
  int ranks, ranks_per_node, ranks_per_host;
} cc_topology;

// Terms of collective `op` of `bytes` (as in the row schema: allreduce the vector, allgather and
// reduce-scatter the whole buffer) under strategy s. 0, or -1 with a reason in err when the strategy
// has no such collective or the topology does not suit it (hier with ranks not a multiple of a node).
// `mpi` and `nccl` pick their algorithm by size from p, so the terms depend on p.
int cc_model_cost(const cc_profile *p, const cc_strategy *s, cc_coll op, cc_topology topo, double bytes,
                  cc_cost *out, char *err, size_t errlen);
// Everything: communication, and for compressed strategies encode and decode.
double cc_cost_time_us(const cc_profile *p, const cc_cost *c);
// The part of cc_cost_time_us a node's shared memory or NICs set, when they set the pace (0 otherwise):
// fixed by the profile's hardware figures, not fitted (but for the NICs' payload share, nic_efficiency).
double cc_cost_shared_us(const cc_profile *p, const cc_cost *c);
// What a node's NICs carry of the host strategies' payload: nics_per_node x nic_GBps x nic_efficiency.
double cc_node_nic_GBps(const cc_profile *p);
// The compressor's share of cc_cost_time_us (0 when uncompressed); the rest is communication.
double cc_cost_encode_us(const cc_profile *p, const cc_cost *c);
double cc_cost_decode_us(const cc_profile *p, const cc_cost *c);
double cc_cost_wire_bytes(const cc_cost *c);  // bytes received per rank over all levels

// --- NCCL (sim/nccl_model.c) ---------------------------------------------------------------------------
// The (algorithm, protocol) pairs NCCL may run for `op` on topology t under the profile: the enabled
// ones that fit the topology (NVLS on one node, NVLS-tree and CollNet on several), or only those
// `force_algo` / `force_proto` allow (>= 0). Returns how many were written to algos[]/protos[].
int cc_nccl_pairs(const cc_profile *p, int force_algo, int force_proto, cc_coll op, cc_topology t,
                  cc_nccl_algo algos[CC_NCCL_NALGOS * CC_NCCL_NPROTOS], cc_nccl_proto protos[CC_NCCL_NALGOS * CC_NCCL_NPROTOS]);
// The terms of one pair, its bandwidth bottleneck (NVLink, NVLS switch or network) chosen under the
// profile's current values; c->calls stays 0 (NCCL's per-call cost is the pair's base latency).
void cc_nccl_pair_cost(const cc_profile *p, cc_nccl_algo a, cc_nccl_proto pr, cc_coll op, cc_topology t, double bytes,
                       cc_cost *c);
// NCCL's collective: the cheapest of cc_nccl_pairs. 0, or -1 with a reason when no pair can run.
int cc_nccl_cost(const cc_profile *p, int force_algo, int force_proto, cc_coll op, cc_topology t, double bytes,
                 cc_cost *c, char *err, size_t errlen);

// Predicted time in microseconds, or a negative value when cc_model_cost fails.
double cc_model_time_us(const cc_profile *p, const cc_strategy *s, cc_coll op, cc_topology topo, double bytes);
