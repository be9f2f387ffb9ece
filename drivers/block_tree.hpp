// Decomposition-independent reduction of block partials.
//
// Blocks 0..B-1 are the leaves of one fixed binary tree: node (level l, index i) covers
// blocks [i*2^l, min((i+1)*2^l, B)) and its value is combine(left child, right child), or
// just the left child when the right one lies past B. Every worker folds the blocks it
// computed into the largest complete tree nodes it can (NodeStack); the root assembles the
// tree from whatever nodes the workers sent. Whatever the decomposition, every combine()
// happens between the same two subtrees, so floating-point results are bit-identical, and
// the summation is pairwise over blocks (error grows with log B, not B).
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace parscale {

template <class Partial>
struct TreeNode {
  std::uint64_t first_block = 0;  // = index << level
  std::uint32_t level = 0;
  Partial value{};
};

// Per-worker accumulator: push blocks in increasing order (gaps allowed); complete sibling
// pairs are merged at once, so a contiguous run of m blocks keeps O(log m) nodes.
template <class Partial, class Combine>
class NodeStack {
 public:
  explicit NodeStack(Combine combine) : combine_(combine) {}

  void push_block(std::uint64_t block, const Partial& value) {
    TreeNode<Partial> node{block, 0, value};
    while (!nodes_.empty()) {
      const auto& top = nodes_.back();
      const std::uint64_t span = std::uint64_t{1} << node.level;
      const bool node_is_right_child = ((node.first_block >> node.level) & 1U) == 1U;
      if (!node_is_right_child || top.level != node.level || top.first_block + span != node.first_block) {
        break;
      }
      node = TreeNode<Partial>{top.first_block, node.level + 1, combine_(top.value, node.value)};
      nodes_.pop_back();
    }
    nodes_.push_back(node);
  }

  [[nodiscard]] const std::vector<TreeNode<Partial>>& nodes() const { return nodes_; }
  std::vector<TreeNode<Partial>>& nodes() { return nodes_; }

 private:
  Combine combine_;
  std::vector<TreeNode<Partial>> nodes_;
};

namespace detail {

template <class Partial, class Combine>
Partial tree_value(const std::vector<TreeNode<Partial>>& sorted, std::uint64_t block_count,
                   std::uint32_t level, std::uint64_t first_block, Combine& combine) {
  const auto it = std::lower_bound(sorted.begin(), sorted.end(), first_block,
                                   [](const TreeNode<Partial>& n, std::uint64_t b) { return n.first_block < b; });
  if (it == sorted.end() || it->first_block != first_block || it->level > level) {
    throw std::logic_error("block tree: the workers' nodes do not cover every block exactly once");
  }
  if (it->level == level) {
    return it->value;
  }
  const std::uint64_t half = std::uint64_t{1} << (level - 1);
  Partial left = tree_value(sorted, block_count, level - 1, first_block, combine);
  if (first_block + half >= block_count) {
    return left;
  }
  return combine(left, tree_value(sorted, block_count, level - 1, first_block + half, combine));
}

}  // namespace detail

inline std::uint32_t tree_height(std::uint64_t block_count) {
  std::uint32_t level = 0;
  while (level < 63 && (std::uint64_t{1} << level) < block_count) {
    ++level;
  }
  return level;
}

// Folds a set of disjoint nodes (e.g. two ranks' nodes put together) into the fewest the
// fixed tree allows: sibling pairs that are both present are combined, and a left child
// whose right sibling would start past the last block becomes its parent unchanged (the tree
// defines such a parent as its left child, see detail::tree_value). Every combine() is one
// the tree itself performs, so the final result does not depend on when or where nodes meet.
// `nodes` ends sorted by first block.
template <class Partial, class Combine>
void merge_nodes(std::vector<TreeNode<Partial>>& nodes, std::uint64_t block_count, Combine combine) {
  std::sort(nodes.begin(), nodes.end(),
            [](const TreeNode<Partial>& a, const TreeNode<Partial>& b) { return a.first_block < b.first_block; });
  const std::uint32_t root_level = tree_height(block_count);
  std::vector<TreeNode<Partial>> merged;
  merged.reserve(nodes.size());
  for (const auto& incoming : nodes) {
    merged.push_back(incoming);
    for (;;) {
      TreeNode<Partial>& top = merged.back();
      if (top.level >= root_level) {
        break;
      }
      const std::uint64_t span = std::uint64_t{1} << top.level;
      const bool is_right_child = ((top.first_block >> top.level) & 1U) == 1U;
      if (!is_right_child) {
        if (top.first_block + span < block_count) {
          break;  // its right sibling exists and has not arrived yet
        }
        ++top.level;  // nothing to its right: it is its parent
        continue;
      }
      if (merged.size() < 2) {
        break;
      }
      const TreeNode<Partial>& left = merged[merged.size() - 2];
      if (left.level != top.level || left.first_block + span != top.first_block) {
        break;
      }
      const TreeNode<Partial> parent{left.first_block, top.level + 1, combine(left.value, top.value)};
      merged.pop_back();
      merged.back() = parent;
    }
  }
  nodes = std::move(merged);
}

// Combines the nodes of all workers (which together cover blocks [0, block_count) exactly
// once) into the root value. `nodes` is reordered.
template <class Partial, class Combine>
Partial assemble_tree(std::vector<TreeNode<Partial>>& nodes, std::uint64_t block_count, Combine combine,
                      const Partial& identity) {
  if (block_count == 0) {
    return identity;
  }
  std::sort(nodes.begin(), nodes.end(),
            [](const TreeNode<Partial>& a, const TreeNode<Partial>& b) { return a.first_block < b.first_block; });
  return detail::tree_value(nodes, block_count, tree_height(block_count), 0, combine);
}

}  // namespace parscale
