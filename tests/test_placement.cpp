// The per-node placement summary (src/placement.*) without MPI: summaries of single ranks
// merged and closed the way MpiTeam::reduce_by_node does, in rank order, node by node.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "placement.hpp"
#include "record.hpp"

namespace parscale {
namespace {

struct RankOn {
  std::string host;
  std::vector<int> cpus;
};

// Merges ranks node by node (consecutive ranks with one host form a node), closes each node,
// then merges the nodes; every summary goes through its bytes, as between ranks.
PlacementSummary reduce(const std::vector<RankOn>& ranks, int threads) {
  const bool list_ranks = ranks.size() <= kRanksListed;
  PlacementSummary total;
  bool first_node = true;
  for (std::size_t first = 0; first < ranks.size();) {
    RankPlacement placement{ranks[first].host, ranks[first].cpus, 8};
    PlacementSummary node = rank_placement_summary(static_cast<int>(first), placement, threads, list_ranks);
    std::size_t next = first + 1;
    for (; next < ranks.size() && ranks[next].host == ranks[first].host; ++next) {
      RankPlacement later{ranks[next].host, ranks[next].cpus, 8};
      merge_placements(node, placement_from_bytes(to_bytes(
                                 rank_placement_summary(static_cast<int>(next), later, threads, list_ranks))));
    }
    close_node(node);
    node = placement_from_bytes(to_bytes(node));
    if (first_node) {
      total = node;
      first_node = false;
    } else {
      merge_placements(total, node);
    }
    first = next;
  }
  return total;
}

TEST(Placement, NodesUnionTheirRanksCpusAndAreOversubscribedOnlyBeyondThem) {
  const std::vector<RankOn> ranks = {{"a", {0, 1}}, {"a", {2, 3}}, {"b", {0}}, {"b", {0}}};
  const PlacementSummary summary = reduce(ranks, 2);
  RunRecord record;
  const auto warnings = describe_placement(record, summary);
  EXPECT_EQ(record.nodes, 2);
  EXPECT_TRUE(record.oversubscribed);
  ASSERT_EQ(summary.nodes.size(), 2U);
  EXPECT_EQ(summary.nodes[0].cpus, "0-3");
  EXPECT_EQ(summary.nodes[0].workers, 4);
  EXPECT_EQ(summary.nodes[1].cpus, "0");
  EXPECT_EQ(summary.oversubscribed_node_count, 1U);
  ASSERT_EQ(summary.oversubscribed_nodes.size(), 1U);
  EXPECT_EQ(summary.oversubscribed_nodes[0].host, "b");
  EXPECT_EQ(summary.short_rank_count, 2U);  // ranks 2 and 3: 2 threads on 1 CPU
  EXPECT_EQ(record.context["ranks"].size(), 4U);
  EXPECT_EQ(record.context["ranks"][3]["host"], "b");
  ASSERT_EQ(warnings.size(), 3U);
  EXPECT_NE(warnings[0].find("rank 2 runs 2 threads on 1 CPU(s) (0)"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[2].find("4 workers share 1 CPU(s) on host b: oversubscribed"), std::string::npos) << warnings[2];
}

TEST(Placement, UnknownAffinityCountsTheWholeHost) {
  RankPlacement placement{"h", {}, 8};
  PlacementSummary summary = rank_placement_summary(0, placement, 1, true);
  close_node(summary);
  ASSERT_EQ(summary.nodes.size(), 1U);
  EXPECT_EQ(summary.nodes[0].cpus, "0-7");
  EXPECT_EQ(summary.oversubscribed_node_count, 0U);
}

TEST(Placement, ListsAreCutButCountsAndOversubscriptionStayExactAtScale) {
  // 300 nodes of 4 ranks each; every third node has its 4 ranks bound to one CPU.
  std::vector<RankOn> ranks;
  for (int node = 0; node < 300; ++node) {
    for (int r = 0; r < 4; ++r) {
      ranks.push_back({fmt::format("n{}", node), node % 3 == 0 ? std::vector<int>{0} : std::vector<int>{r}});
    }
  }
  const PlacementSummary summary = reduce(ranks, 1);
  EXPECT_EQ(summary.node_count, 300U);
  EXPECT_EQ(summary.nodes.size(), kNodesListed);
  EXPECT_EQ(summary.nodes.back().host, fmt::format("n{}", kNodesListed - 1));  // the first ones, in rank order
  EXPECT_EQ(summary.oversubscribed_node_count, 100U);
  EXPECT_EQ(summary.oversubscribed_nodes.size(), kWarningsListed);
  EXPECT_TRUE(summary.ranks.empty());  // 1200 ranks: above kRanksListed, no per-rank list
  EXPECT_LT(to_bytes(summary).size(), 8192U);
  RunRecord record;
  const auto warnings = describe_placement(record, summary);
  EXPECT_EQ(record.nodes, 300);
  EXPECT_TRUE(record.context["ranks"].empty());
  EXPECT_EQ(record.context["nodes_detail"].size(), kNodesListed);
  EXPECT_EQ(record.context["nodes_not_listed"], 300 - kNodesListed);
  ASSERT_EQ(warnings.size(), kWarningsListed + 1);
  EXPECT_NE(warnings.back().find("97 more nodes are oversubscribed"), std::string::npos) << warnings.back();
}

}  // namespace
}  // namespace parscale
