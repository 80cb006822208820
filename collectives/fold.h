// Non-power-of-two fix-up for the recursive algorithms (rd, rabenseifner).
//
// With P = p2 + extra ranks (p2 the largest power of two <= P), the first 2*extra ranks pair up: each
// even one hands its vector to its odd neighbour, which reduces it into its own, and sits out; the remaining p2 "core"
// ranks run the power-of-two algorithm; at the end each odd rank returns the result to its even
// neighbour. Cost: two extra steps of the whole vector, paid only when P is not a power of two.
#pragma once
#include <stdbool.h>

#include "collectives/comm.h"

typedef struct {
  int p2;     // largest power of two <= group size
  int extra;  // group size - p2
  int core;   // my core id in [0, p2), or -1 when I sit out
} cc_fold;

cc_fold cc_fold_plan(int size, int me);
// Group index of core id v.
int cc_fold_member(const cc_fold *f, int v);
// Odd ranks below 2*extra receive the even neighbour's vector and reduce it: recv = send op theirs
// (avg as sum). Returns true when this rank's recv now holds its (folded) contribution, false when send
// still does.
bool cc_fold_in(const cc_group *g, const cc_fold *f, const void *send, void *recv, size_t count, cc_dtype t,
                cc_redop op);
// Odd ranks below 2*extra send the finished vector to their even neighbour.
void cc_fold_out(const cc_group *g, const cc_fold *f, void *recv, size_t count, cc_dtype t);
