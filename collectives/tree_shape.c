#include "collectives/tree_shape.h"

#include "common/error.h"

// Position of group index g in tree `which`, and back.
static int position_of(int n, int which, int g) {
  if (which == 0) return g + 1;
  return n % 2 == 0 ? n - g : (g + 1) % n + 1;
}
static int index_at(int n, int which, int v) {
  if (which == 0) return v - 1;
  return n % 2 == 0 ? n - v : (v - 2 + n) % n;
}

// The position in [lo, hi] with the most trailing zero bits: the root of that range.
static int range_root(int lo, int hi) {
  for (int bit = 30; bit > 0; bit--) {
    int v = (hi >> bit) << bit;
    if (v >= lo && v > 0) return v;
  }
  return hi;
}

static int range_height(int lo, int hi) {
  if (lo > hi) return -1;
  int root = range_root(lo, hi);
  int left = range_height(lo, root - 1), right = range_height(root + 1, hi);
  return 1 + (left > right ? left : right);
}

void cc_tree_node_of(int n, int which, int me, cc_tree_node *out) {
  if (n < 1 || me < 0 || me >= n || (which != 0 && which != 1)) CC_FATAL("bad tree query n=%d me=%d", n, me);
  int target = position_of(n, which, me);
  int lo = 1, hi = n, parent = -1, depth = 0;
  for (;;) {
    int root = range_root(lo, hi);
    if (root == target) break;
    parent = root;
    depth++;
    if (target < root) hi = root - 1;
    else lo = root + 1;
  }
  out->parent = parent < 0 ? -1 : index_at(n, which, parent);
  out->depth = depth;
  out->root_height = range_height(1, n);

  // Children are the roots of the two sub-ranges, ordered by height (ties: left first).
  int root = target, nchildren = 0;
  int sub_lo[2] = {lo, root + 1}, sub_hi[2] = {root - 1, hi};
  out->height = 0;
  for (int side = 0; side < 2; side++) {
    if (sub_lo[side] > sub_hi[side]) continue;
    int h = range_height(sub_lo[side], sub_hi[side]);
    out->child[nchildren] = index_at(n, which, range_root(sub_lo[side], sub_hi[side]));
    out->child_height[nchildren] = h;
    if (h + 1 > out->height) out->height = h + 1;
    nchildren++;
  }
  out->nchildren = nchildren;
  if (nchildren == 2 && out->child_height[1] < out->child_height[0]) {
    int c = out->child[0], h = out->child_height[0];
    out->child[0] = out->child[1], out->child_height[0] = out->child_height[1];
    out->child[1] = c, out->child_height[1] = h;
  }
}
