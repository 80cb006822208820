// The trees of the tree allreduce: valid binary trees whose parent/child links agree, heights and
// depths consistent, and the double-tree property: a rank is an inner node in at most one of the two
// trees (all ranks for even n; all but the last for odd n), so inner-node work is spread evenly.
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "collectives/tree_shape.h"
#include "common/tests/check.h"


static void check_tree(int n, int which, cc_tree_node *nodes) {
  for (int g = 0; g < n; g++) cc_tree_node_of(n, which, g, &nodes[g]);
  int roots = 0, max_depth = 0;
  for (int g = 0; g < n; g++) {
    cc_tree_node *v = &nodes[g];
    CHECKF(v->nchildren >= 0 && v->nchildren <= 2, "n=%d tree %d rank %d: %d children", n, which, g, v->nchildren);
    if (v->parent < 0) roots++;
    else {
      cc_tree_node *p = &nodes[v->parent];
      int listed = 0;
      for (int c = 0; c < p->nchildren; c++) listed += p->child[c] == g;
      CHECKF(listed == 1, "n=%d tree %d: rank %d not a child of its parent %d", n, which, g, v->parent);
      CHECKF(v->depth == p->depth + 1, "n=%d tree %d rank %d: depth %d, parent's %d", n, which, g, v->depth, p->depth);
    }
    int h = 0;
    for (int c = 0; c < v->nchildren; c++) {
      int child = v->child[c];
      CHECKF(child >= 0 && child < n && nodes[child].parent == g, "n=%d tree %d: child link %d->%d", n, which, g, child);
      CHECKF(v->child_height[c] == nodes[child].height, "n=%d tree %d rank %d: stale child height", n, which, g);
      if (c == 1) CHECKF(v->child_height[0] <= v->child_height[1], "n=%d tree %d rank %d: children unordered", n, which, g);
      if (nodes[child].height + 1 > h) h = nodes[child].height + 1;
    }
    CHECKF(v->height == h, "n=%d tree %d rank %d: height %d, expected %d", n, which, g, v->height, h);
    if (v->depth > max_depth) max_depth = v->depth;
  }
  CHECKF(roots == 1, "n=%d tree %d: %d roots", n, which, roots);
  for (int g = 0; g < n; g++)
    if (nodes[g].parent < 0) CHECKF(nodes[g].height == nodes[g].root_height, "n=%d tree %d: root height", n, which);
  // Balanced: no deeper than floor(log2 n).
  int log2n = 0;
  while ((2 << log2n) <= n) log2n++;
  CHECKF(max_depth <= log2n, "n=%d tree %d: depth %d > log2 n", n, which, max_depth);
}

int main(void) {
  for (int n = 1; n <= 300; n++) {
    cc_tree_node *t0 = calloc((size_t)n, sizeof *t0), *t1 = calloc((size_t)n, sizeof *t1);
    check_tree(n, 0, t0);
    check_tree(n, 1, t1);
    for (int g = 0; g < n; g++) {
      bool inner_twice = t0[g].nchildren > 0 && t1[g].nchildren > 0;
      bool allowed = n % 2 == 1 && g == n - 1;
      CHECKF(!inner_twice || allowed, "n=%d: rank %d is an inner node in both trees", n, g);
    }
    free(t0);
    free(t1);
  }
  return check_done("test_tree_shape");
}
