// Inputs whose exact reduction over ranks has a closed form: what ccbench's check compares results with.
//
// Element i of rank r is built from residues (h(i) + r) mod q, q = 2m+1, h a hash of i and of the
// check's repetition, so every rank holds a different value (up to q ranks) and the exact result costs
// O(1) per element and depends on no collective:
//   sum, avg, min, max: the residue minus m (unsigned integer types: the residue itself), small
//     integers; m is chosen so every partial sum of a float type is exact, so results match exactly;
//   prod: +-1, or +-2 on a few of the first 32 ranks (at most 8 of them), so every product is exact.
// Integers compare all their bits: sums and products wrap modulo 2^bits, avg divides the wrapped sum
// (as the type) by the rank count, truncating toward zero (NCCL's ncclAvg on integers).
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/dtype.h"

typedef struct {
  cc_dtype t;
  cc_redop red;
  int ranks, m;
  uint64_t seed;
  bool offset;  // values are residue - m (unsigned integer types: the residue)
} cc_check_pattern;

// The pattern of repetition rep (0: the timed calls' inputs; 1, 2, ...: each check's).
cc_check_pattern cc_check_pattern_make(cc_dtype t, cc_redop red, int ranks, int rep);
// Rank r's element i, and n of them from element `first` stored into buf (in the pattern's type).
double cc_check_pattern_value(const cc_check_pattern *p, size_t i, int r);
void cc_check_pattern_fill(void *buf, size_t first, size_t n, int r, const cc_check_pattern *p);
// The exact result over all ranks of element i, before avg's division (an integer a double holds).
double cc_check_pattern_result(const cc_check_pattern *p, size_t i);
// Wrong elements among result[0..n), which hold elements first.. of the reduction, or with `gathered`
// of the allgather (block r, count_per_rank elements, is rank r's input). Floats: exact when every
// partial result is representable, else (large sums) within the rounding bound of P-1 additions; avg
// adds one rounding of the division. Integers: every bit.
long long cc_check_pattern_wrong(const cc_check_pattern *p, const void *result, size_t first, size_t n,
                                 bool gathered, size_t count_per_rank);
