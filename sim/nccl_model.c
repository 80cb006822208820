// NCCL's algorithms x protocols, priced as NCCL's tuning model structures them (sim/nccl_model.h,
// docs/cost-model.md "NCCL"). The numbers here are defaults only: NCCL's published latencies and
// protocol efficiencies; the profile holds the values a prediction uses.
#include "sim/nccl_model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/model.h"
#include "sim/profile.h"

static const char *const kind_names[CC_NCCL_NKINDS] = {"base_us", "intra_hop_us", "inter_hop_us", "intra_ns_per_byte",
                                                       "net_ns_per_byte"};

const char *cc_nccl_kind_name(cc_nccl_kind k) { return (unsigned)k < CC_NCCL_NKINDS ? kind_names[k] : "?"; }

bool cc_nccl_pair_exists(cc_nccl_algo a, cc_nccl_proto p) {
  return a == CC_NCCL_RING || a == CC_NCCL_TREE || p == CC_NCCL_SIMPLE;
}

static void param_parts(int i, cc_nccl_algo *a, cc_nccl_proto *p, cc_nccl_kind *k) {
  *k = (cc_nccl_kind)(i % CC_NCCL_NKINDS);
  *p = (cc_nccl_proto)(i / CC_NCCL_NKINDS % CC_NCCL_NPROTOS);
  *a = (cc_nccl_algo)(i / (CC_NCCL_NKINDS * CC_NCCL_NPROTOS));
}

bool cc_nccl_param_exists(int i) {
  if (i < 0 || i >= CC_NCCL_NPARAMS) return false;
  cc_nccl_algo a;
  cc_nccl_proto p;
  cc_nccl_kind k;
  param_parts(i, &a, &p, &k);
  return cc_nccl_pair_exists(a, p);
}

void cc_nccl_param_key(int i, char *out, size_t len) {
  cc_nccl_algo a;
  cc_nccl_proto p;
  cc_nccl_kind k;
  param_parts(i, &a, &p, &k);
  snprintf(out, len, "nccl.%s.%s.%s", cc_nccl_algo_name(a), cc_nccl_proto_name(p), kind_names[k]);
}

int cc_nccl_param_of_key(const char *key) {
  for (int i = 0; i < CC_NCCL_NPARAMS; i++) {
    if (!cc_nccl_param_exists(i)) continue;
    char k[96];
    cc_nccl_param_key(i, k, sizeof k);
    if (strcmp(k, key) == 0) return i;
  }
  return -1;
}

// --- NCCL's published figures (src/graph/tuning.cc) ---------------------------------------------
// Latencies in us: base per call, per NVLink step, per network step; columns LL, LL128, Simple.
static const double nccl_base_us[CC_NCCL_NALGOS][CC_NCCL_NPROTOS] = {
    {6.6, 14.0, 8.4}, {6.8, 14.0, 8.4}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
static const double nccl_nvlink_hop_us[CC_NCCL_NALGOS][CC_NCCL_NPROTOS] = {
    {0.6, 1.9, 3.4}, {0.6, 1.25, 4.0}, {0, 0, 25}, {0, 0, 25}, {0, 0, 3.7}, {0, 0, 2.8}};
static const double nccl_net_hop_us[CC_NCCL_NALGOS][CC_NCCL_NPROTOS] = {
    {2.7, 4.0, 14.0}, {5.0, 8.5, 14.0}, {0, 0, 18}, {0, 0, 20.9}, {0, 0, 31}, {0, 0, 30}};
// The share of a link's bandwidth each protocol carries: LL sends 8-byte lines holding 4 bytes of data
// (NCCL prices ring LL at 1/2, tree LL at 1/3.8), LL128 120 of every 128 bytes (0.92), Simple all;
// NCCL's tree also pays 0.92 on Simple.
static const double nccl_efficiency[CC_NCCL_NALGOS][CC_NCCL_NPROTOS] = {
    {0.5, 0.92, 1.0}, {1 / 3.8, 0.92, 0.92}, {0, 0, 1}, {0, 0, 1}, {0, 0, 1}, {0, 0, 1}};
// A default bandwidth is this share of the hardware's line rate (H100: ~365 GB/s of ring bus
// bandwidth on 450 GB/s NVLink; ~47 GB/s per 50 GB/s NDR NIC, NVIDIA/nccl-tests#212, #290).
enum { LINE_RATE_SHARE_PCT = 80 };
// Without a hardware figure the defaults assume these rates (GB/s); the profile should say.
static const double fallback_intra_GBps = 100, fallback_net_GBps = 25;

static bool uses_switch(cc_nccl_algo a) { return a == CC_NCCL_NVLS || a == CC_NCCL_NVLS_TREE; }

static double intra_ceiling(const cc_profile *p, cc_nccl_algo a) {
  return uses_switch(a) ? p->nvls_GBps : p->nvlink_GBps;
}

static double net_ceiling(const cc_profile *p) {
  return p->nics_per_node > 0 && p->nic_GBps > 0 ? p->nics_per_node * p->nic_GBps : 0;
}

double cc_profile_nccl_default(const cc_profile *p, int i) {
  cc_nccl_algo a;
  cc_nccl_proto pr;
  cc_nccl_kind k;
  param_parts(i, &a, &pr, &k);
  double share = LINE_RATE_SHARE_PCT / 100.0 * nccl_efficiency[a][pr];
  switch (k) {
    case CC_NCCL_BASE_US: return nccl_base_us[a][pr];
    case CC_NCCL_INTRA_HOP_US: return nccl_nvlink_hop_us[a][pr];
    case CC_NCCL_INTER_HOP_US: return nccl_net_hop_us[a][pr];
    case CC_NCCL_INTRA_NS_PER_BYTE: {
      double ceiling = intra_ceiling(p, a);
      // The NVLS switch's figure is already a bus bandwidth NCCL reaches (nccl-tests#212: ~480 GB/s).
      double rate = ceiling > 0 ? ceiling * (uses_switch(a) ? 1.0 : share) : fallback_intra_GBps * nccl_efficiency[a][pr];
      return 1.0 / rate;
    }
    case CC_NCCL_NET_NS_PER_BYTE: {
      double ceiling = net_ceiling(p);
      return 1.0 / (ceiling > 0 ? ceiling * share : fallback_net_GBps * nccl_efficiency[a][pr]);
    }
    default: return 0;
  }
}

// The share of the bytes on the wire that are data: LL sends each 4-byte word with a 4-byte flag, LL128
// 120 bytes of data in every 128; a protocol cannot outrun its link by more than that.
static const double payload_share[CC_NCCL_NPROTOS] = {0.5, 120.0 / 128.0, 1.0};

double cc_profile_nccl_floor(const cc_profile *p, int i) {
  cc_nccl_algo a;
  cc_nccl_proto pr;
  cc_nccl_kind k;
  param_parts(i, &a, &pr, &k);
  double ceiling = k == CC_NCCL_INTRA_NS_PER_BYTE ? intra_ceiling(p, a) : k == CC_NCCL_NET_NS_PER_BYTE ? net_ceiling(p) : 0;
  return ceiling > 0 ? 1.0 / (ceiling * payload_share[pr]) : 0;
}

void cc_profile_nccl_defaults(cc_profile *p) {
  for (int i = 0; i < CC_NCCL_NPARAMS; i++)
    if (!p->nccl_given[i]) p->nccl[i] = cc_nccl_param_exists(i) ? cc_profile_nccl_default(p, i) : 0;
}

// --- the model ------------------------------------------------------------------------------------

static int nodes_of(cc_topology t) {
  int per_node = t.ranks_per_node < t.ranks ? t.ranks_per_node : t.ranks;
  return (t.ranks + per_node - 1) / per_node;
}

static int log2_floor(int n) {
  int l = 0;
  while ((2 << l) <= n) l++;
  return l;
}

static bool fits_topology(cc_nccl_algo a, cc_coll op, int ranks, int nodes) {
  if (ranks < 2) return false;
  if (op != CC_ALLREDUCE && a != CC_NCCL_RING && a != CC_NCCL_NVLS) return false;  // ring (and NVLS) gather and scatter
  switch (a) {
    case CC_NCCL_NVLS: return nodes == 1;  // several nodes need CollNet beside it
    case CC_NCCL_NVLS_TREE:
    case CC_NCCL_COLLNET_DIRECT:
    case CC_NCCL_COLLNET_CHAIN: return nodes > 1;
    default: return true;
  }
}

int cc_nccl_pairs(const cc_profile *p, int force_algo, int force_proto, cc_coll op, cc_topology t,
                  cc_nccl_algo algos[CC_NCCL_NALGOS * CC_NCCL_NPROTOS],
                  cc_nccl_proto protos[CC_NCCL_NALGOS * CC_NCCL_NPROTOS]) {
  int n = 0, nodes = nodes_of(t);
  for (int a = 0; a < CC_NCCL_NALGOS; a++) {
    // A forced algorithm runs whether or not NCCL would pick it by default (NCCL_ALGO overrides).
    if (force_algo >= 0 ? a != force_algo : !(p->nccl_algos & (1u << a))) continue;
    if (!fits_topology((cc_nccl_algo)a, op, t.ranks, nodes)) continue;
    for (int pr = 0; pr < CC_NCCL_NPROTOS; pr++) {
      if (!cc_nccl_pair_exists((cc_nccl_algo)a, (cc_nccl_proto)pr)) continue;
      if (force_proto >= 0 ? pr != force_proto : !(p->nccl_protos & (1u << pr))) continue;
      algos[n] = (cc_nccl_algo)a, protos[n] = (cc_nccl_proto)pr, n++;
    }
  }
  return n;
}

void cc_nccl_pair_cost(const cc_profile *p, cc_nccl_algo a, cc_nccl_proto pr, cc_coll op, cc_topology t, double bytes,
                       cc_cost *c) {
  int P = t.ranks, N = nodes_of(t), local = t.ranks_per_node < t.ranks ? t.ranks_per_node : t.ranks;
  bool all = op == CC_ALLREDUCE;
  double intra_hops = 0, inter_hops = 0, factor = 0, net_share = 1;
  switch (a) {
    case CC_NCCL_RING: {
      // NCCL's ring: 2(P-1) steps for allreduce (P-1 for allgather, reduce-scatter), of which the
      // steps entering the next node, 2(N-1) (N-1), cross the network.
      double steps = (all ? 2.0 : 1.0) * (P - 1), crossing = N > 1 ? (all ? 2.0 : 1.0) * (N - 1) : 0;
      intra_hops = steps - crossing, inter_hops = crossing;
      factor = steps / P;
      break;
    }
    case CC_NCCL_TREE:
      // A chain through the node's GPUs and a double binary tree over the nodes, up and down.
      intra_hops = 2.0 * (local - 1), inter_hops = 2.0 * log2_floor(N);
      factor = 2;  // NCCL: algorithm bandwidth = bus bandwidth / 2
      net_share = N <= 2 ? 0.5 : 1;  // two nodes: each sends its half once, not twice as a ring would
      break;
    case CC_NCCL_NVLS:
      intra_hops = 1, inter_hops = N > 1 ? 1 : 0;
      factor = (all ? 2.0 : 1.0) * (P - 1) / P;
      break;
    case CC_NCCL_NVLS_TREE:
      intra_hops = 1, inter_hops = 2.0 * log2_floor(N);
      factor = 2.0 * (P - 1) / P;
      net_share = N <= 2 ? 0.5 : 1;
      break;
    case CC_NCCL_COLLNET_DIRECT:
    case CC_NCCL_COLLNET_CHAIN:
      // The network switches reduce: a node sends its data up once and receives the result once.
      intra_hops = a == CC_NCCL_COLLNET_DIRECT ? 2.0 * (local > 1) : 2.0 * (local - 1), inter_hops = 1;
      factor = 2, net_share = 0.5;
      break;
    default: break;
  }
  int base = cc_nccl_param(a, pr, CC_NCCL_BASE_US);
  c->nccl[base] += 1;
  c->nccl[base + CC_NCCL_INTRA_HOP_US] += intra_hops;
  c->nccl[base + CC_NCCL_INTER_HOP_US] += inter_hops;
  // The slowest resource sets the pace: the GPU's links (the switch for NVLS), or the node's NICs.
  int intra = base + CC_NCCL_INTRA_NS_PER_BYTE, net = base + CC_NCCL_NET_NS_PER_BYTE;
  bool network_bound = N > 1 && p->nccl[net] * net_share > p->nccl[intra];
  c->nccl[network_bound ? net : intra] += factor * bytes * (network_bound ? net_share : 1) * 1e-3;
  c->nccl_algo = (int)a, c->nccl_proto = (int)pr;
}

int cc_nccl_cost(const cc_profile *p, int force_algo, int force_proto, cc_coll op, cc_topology t, double bytes,
                 cc_cost *c, char *err, size_t errlen) {
  cc_nccl_algo algos[CC_NCCL_NALGOS * CC_NCCL_NPROTOS];
  cc_nccl_proto protos[CC_NCCL_NALGOS * CC_NCCL_NPROTOS];
  int n = cc_nccl_pairs(p, force_algo, force_proto, op, t, algos, protos);
  if (n == 0) {
    snprintf(err, errlen, "no NCCL algorithm and protocol the profile enables runs %s on %d ranks in %d node(s)",
             cc_coll_name(op), t.ranks, nodes_of(t));
    return -1;
  }
  cc_cost best = *c, trial;
  double best_us = INFINITY;
  for (int i = 0; i < n; i++) {
    trial = *c;
    cc_nccl_pair_cost(p, algos[i], protos[i], op, t, bytes, &trial);
    double us = cc_cost_time_us(p, &trial);
    if (us < best_us) best_us = us, best = trial;
  }
  *c = best;
  return 0;
}
