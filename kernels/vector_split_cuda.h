// Host-side helper for element-wise kernels that load 16 bytes at a time: which elements go through
// the wide loads and which through scalar code. Include from .cu files only.
//
// Elements [0, head) and [head + nvec * vec, n) are scalar; the nvec groups of `vec` elements in
// between are wide, and every pointer is aligned for its wide access at every group. When the
// pointers cannot all be aligned at one index (different misalignments), everything is scalar.
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef struct {
  size_t head;     // scalar elements before the first group
  size_t nvec;     // groups of `vec` elements
  size_t nscalar;  // head + tail: the scalar elements
} cc_vec_split;

// One pointer: its address, bytes per element, and the alignment its wide access needs.
typedef struct {
  const void *ptr;
  size_t elem_bytes;
  size_t align;
} cc_vec_ptr;

static inline cc_vec_split cc_vec_split_of(size_t n, size_t vec, const cc_vec_ptr *ptrs, int nptrs) {
  cc_vec_split all_scalar = {0, 0, n};
  uintptr_t first = (uintptr_t)ptrs[0].ptr;
  size_t s0 = ptrs[0].elem_bytes, a0 = ptrs[0].align;
  if (first % s0 != 0) return all_scalar;
  size_t head = ((a0 - first % a0) % a0) / s0;  // elements until the first pointer is aligned
  for (int k = 0; k < nptrs; k++) {
    uintptr_t at = (uintptr_t)ptrs[k].ptr + head * ptrs[k].elem_bytes;
    if (at % ptrs[k].align != 0) return all_scalar;
  }
  if (head >= n) return all_scalar;
  cc_vec_split split = {head, (n - head) / vec, 0};
  split.nscalar = n - split.nvec * vec;
  return split;
}

// Element index of scalar number s (s < nscalar): the head first, then the tail after the groups.
static __host__ __device__ __forceinline__ size_t cc_vec_scalar_index(size_t s, size_t head, size_t nvec,
                                                                      size_t vec) {
  return s < head ? s : s + nvec * vec;
}
