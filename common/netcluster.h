// The emulated cluster a run may be on: scripts/netcluster.sh mpirun exports CCBENCH_NETCLUSTER
// ("name=ccnc nodes=2 ranks_per_node=2 rate_bps=100000000 delay_ms=0"), and the tools record it in
// their sidecars and name their rows' profile after it.
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/json.h"

typedef struct {
  char name[16];       // the cluster's name (its namespaces are <name>-n<i>)
  int nodes, ranks_per_node;
  double rate_bps;     // each node's link, each way, in bits per second (tbf's rate)
  double delay_ms;     // one-way delay added to every packet a node receives
} cc_netcluster;

// Reads CCBENCH_NETCLUSTER: 1 when set and well formed, 0 when unset or empty, -1 with one line in
// err when set but malformed.
int cc_netcluster_from_env(cc_netcluster *nc, char *err, size_t errlen);
// Parses the variable's text (what cc_netcluster_from_env does with getenv's value).
int cc_netcluster_parse(cc_netcluster *nc, const char *text, char *err, size_t errlen);
// The profile name of the rows measured on it: "netcluster-100mbit" ("-5ms" added for a delay).
void cc_netcluster_profile_name(const cc_netcluster *nc, char *buf, size_t len);
// Adds netcluster_{name,nodes,ranks_per_node,rate_bps,delay_ms} to a sidecar.
void cc_netcluster_meta(const cc_netcluster *nc, cc_meta *m);
