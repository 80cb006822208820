// Binary trees over a group, for the pipelined tree allreduce.
//
// Tree 0 is the in-order tree over positions 1..n: the root of a position range is the position with
// the most trailing zero bits, and the halves on either side are its subtrees. In it, odd positions are
// exactly the leaves. Tree 1 maps ranks to positions mirrored (n even) or shifted by one (n odd), so
// the ranks that are leaves in one tree are inner nodes of the other: in a double binary tree each rank
// does inner-node work (receive two, send two) for only one half of the vector.
#pragma once

typedef struct {
  int parent;           // group index of the parent, -1 at the root
  int nchildren;        // 0, 1 or 2
  int child[2];         // group indices, ordered by height: child[0]'s contributions arrive first
  int child_height[2];
  int height;           // edges on the longest path down to a leaf (leaves: 0)
  int depth;            // edges up to the root
  int root_height;      // height of the whole tree
} cc_tree_node;

// Fills *out for group index `me` of tree `which` (0 or 1) over n >= 1 ranks. O(n) time.
void cc_tree_node_of(int n, int which, int me, cc_tree_node *out);
