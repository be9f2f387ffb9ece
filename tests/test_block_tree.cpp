// The block tree gives the same bits for any split of the blocks over workers, even for
// a combine that is far from associative.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "block_tree.hpp"
#include "driver.hpp"
#include "rank_reduction.hpp"

namespace parscale {
namespace {

// Deliberately non-associative: (a o b) o c != a o (b o c) in almost every case.
double skewed(const double& a, const double& b) { return a * 1.000000119 + b * 0.999999881 + 1e-3; }
using Combine = double (*)(const double&, const double&);

double leaf(std::uint64_t block) { return static_cast<double>((block * 2654435761U) % 1000) / 7.0; }

double reduce_with_cuts(std::uint64_t blocks, std::vector<std::uint64_t> cuts) {
  std::sort(cuts.begin(), cuts.end());
  cuts.insert(cuts.begin(), 0);
  cuts.push_back(blocks);
  std::vector<TreeNode<double>> all;
  for (std::size_t w = 0; w + 1 < cuts.size(); ++w) {
    NodeStack<double, Combine> stack(&skewed);
    for (std::uint64_t b = cuts[w]; b < cuts[w + 1]; ++b) {
      stack.push_block(b, leaf(b));
    }
    all.insert(all.end(), stack.nodes().begin(), stack.nodes().end());
  }
  return assemble_tree(all, blocks, &skewed, 0.0);
}

TEST(BlockTree, SameBitsForEveryContiguousSplit) {
  std::mt19937_64 random(42);
  for (std::uint64_t blocks : {1ULL, 2ULL, 3ULL, 7ULL, 8ULL, 9ULL, 100ULL, 1023ULL, 1025ULL}) {
    const double whole = reduce_with_cuts(blocks, {});
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<std::uint64_t> cuts(static_cast<std::size_t>(trial % 6 + 1));
      for (auto& cut : cuts) {
        cut = random() % (blocks + 1);
      }
      EXPECT_EQ(reduce_with_cuts(blocks, cuts), whole) << blocks << " blocks, trial " << trial;
    }
  }
}

TEST(BlockTree, SameBitsForInterleavedWorkers) {
  // Round robin with gaps, as cyclic and dynamic schedules produce.
  const std::uint64_t blocks = 777;
  const double whole = reduce_with_cuts(blocks, {});
  for (std::uint64_t workers = 1; workers <= 9; ++workers) {
    std::vector<TreeNode<double>> all;
    for (std::uint64_t w = 0; w < workers; ++w) {
      NodeStack<double, Combine> stack(&skewed);
      for (std::uint64_t b = w; b < blocks; b += workers) {
        stack.push_block(b, leaf(b));
      }
      all.insert(all.end(), stack.nodes().begin(), stack.nodes().end());
    }
    EXPECT_EQ(assemble_tree(all, blocks, &skewed, 0.0), whole) << workers << " workers";
  }
}

TEST(BlockTree, ContiguousRunKeepsLogarithmicNodes) {
  NodeStack<double, Combine> stack(&skewed);
  for (std::uint64_t b = 0; b < 100000; ++b) {
    stack.push_block(b, 1.0);
  }
  EXPECT_LE(stack.nodes().size(), 17U);
}

TEST(BlockTree, MissingBlockIsDetected) {
  NodeStack<double, Combine> stack(&skewed);
  stack.push_block(0, 1.0);
  stack.push_block(2, 1.0);
  auto nodes = stack.nodes();
  EXPECT_THROW(assemble_tree(nodes, 3, &skewed, 0.0), std::logic_error);
}

TEST(BlockTree, HeightCoversBlocks) {
  EXPECT_EQ(tree_height(1), 0U);
  EXPECT_EQ(tree_height(2), 1U);
  EXPECT_EQ(tree_height(3), 2U);
  EXPECT_EQ(tree_height(std::uint64_t{1} << 62), 62U);
  EXPECT_EQ(tree_height((std::uint64_t{1} << 62) + 1), 63U);
}


// Ranks meeting along a binomial tree: each "rank" holds the blocks dealt to it round robin
// in groups (or single blocks), folds them, and merge_nodes() combines what arrives. The
// result has the serial bits, and a complete cover merges into the single root node.
TEST(BlockTree, MergingRanksNodesInAnyOrderGivesSerialBits) {
  std::mt19937_64 random(7);
  for (std::uint64_t blocks : {1ULL, 2ULL, 5ULL, 64ULL, 100ULL, 1000ULL, 1025ULL}) {
    const double whole = reduce_with_cuts(blocks, {});
    for (int ranks : {1, 2, 3, 5, 8, 13}) {
      for (std::uint64_t group : {1ULL, 2ULL, 8ULL, 32ULL}) {
        std::vector<std::vector<TreeNode<double>>> held(static_cast<std::size_t>(ranks));
        for (int r = 0; r < ranks; ++r) {
          NodeStack<double, Combine> stack(&skewed);
          for (std::uint64_t g = static_cast<std::uint64_t>(r); g * group < blocks; g += static_cast<std::uint64_t>(ranks)) {
            for (std::uint64_t b = g * group; b < std::min(blocks, (g + 1) * group); ++b) {
              stack.push_block(b, leaf(b));
            }
          }
          held[static_cast<std::size_t>(r)] = stack.nodes();
        }
        // Random pairings until one set is left (every order a reduction tree can take).
        while (held.size() > 1) {
          const std::size_t a = random() % held.size();
          std::size_t b = random() % (held.size() - 1);
          b += b >= a ? 1 : 0;
          held[a].insert(held[a].end(), held[b].begin(), held[b].end());
          merge_nodes(held[a], blocks, &skewed);
          held.erase(held.begin() + static_cast<std::ptrdiff_t>(b));
        }
        merge_nodes(held[0], blocks, &skewed);
        ASSERT_EQ(held[0].size(), 1U) << blocks << " blocks, " << ranks << " ranks, groups of " << group;
        EXPECT_EQ(held[0][0].value, whole) << blocks << " blocks, " << ranks << " ranks, groups of " << group;
        EXPECT_EQ(assemble_tree(held[0], blocks, &skewed, 0.0), whole);
      }
    }
  }
}

// The dynamic distribution sends nodes home before the binomial tree: home_rank must be the
// exact inverse of the block distribution's shares (including more ranks than blocks and
// counts near 2^62), or a rank's slice would not merge.
TEST(BlockTree, HomeRankIsTheBlockDistributionsOwner) {
  for (const std::uint64_t blocks : {1ULL, 2ULL, 7ULL, 64ULL, 1000ULL, 65537ULL}) {
    for (const int ranks : {1, 2, 3, 8, 63, 64, 100}) {
      for (int rank = 0; rank < ranks; ++rank) {
        const BlockSequence share = block_share(blocks, rank, ranks);
        for (std::uint64_t i = 0; i < share.count; ++i) {
          ASSERT_EQ(home_rank(share.first + i, blocks, ranks), rank) << blocks << " blocks, " << ranks << " ranks";
        }
      }
    }
  }
  const std::uint64_t huge = (std::uint64_t{1} << 62) + 12345;
  for (const int ranks : {3, 4096, 1 << 20}) {
    for (const int rank : {0, 1, ranks / 2, ranks - 1}) {
      const BlockSequence share = block_share(huge, rank, ranks);
      EXPECT_EQ(home_rank(share.first, huge, ranks), rank);
      EXPECT_EQ(home_rank(share.first + share.count - 1, huge, ranks), rank);
    }
  }
}

}  // namespace
}  // namespace parscale
