// Where the ranks ran, summarised per node without gathering one entry per rank at rank 0.
//
// Each rank starts a summary of itself; the summaries combine over the ranks of each node
// (to the node's lowest rank, which then closes the node: is it oversubscribed?) and then over
// the nodes (to rank 0), both along binomial trees (MpiTeam::reduce_by_node). Every list in a
// summary is capped, so what rank 0 receives is O(log P) messages of bounded size:
// - per-rank entries (host, CPUs) only while the job has at most kRanksListed ranks;
// - per-node entries (host, workers, usable CPUs) for the first kNodesListed nodes, with the
//   number of nodes not listed;
// - the first kWarningsListed ranks with fewer CPUs than threads, and oversubscribed nodes,
//   with how many more there are.
// Oversubscription is decided on each node from that node's complete set of ranks, so it is
// exact at any rank count; only the listings are cut.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "context.hpp"

namespace parscale {

class MpiTeam;
struct RunRecord;

constexpr std::size_t kRanksListed = 16;  // as the summary lists every worker up to 16
constexpr std::size_t kNodesListed = 64;
constexpr std::size_t kWarningsListed = 3;

struct RankEntry {
  int rank = 0;
  std::string host;
  std::string cpus;  // "0-3,6"
  int cpu_count = 0;
};

struct NodeEntry {
  std::string host;
  int ranks = 0;
  int workers = 0;
  std::string cpus;  // the CPUs its ranks may use (the union of their bindings)
  int cpu_count = 0;
};

struct PlacementSummary {
  int threads = 1;  // per rank
  bool list_ranks = false;
  std::vector<RankEntry> ranks;        // every rank, when list_ranks
  std::vector<RankEntry> short_ranks;  // the first ranks with fewer CPUs than threads
  std::uint64_t short_rank_count = 0;
  std::vector<NodeEntry> nodes;                   // the first closed nodes, by lowest rank
  std::vector<NodeEntry> oversubscribed_nodes;    // the first oversubscribed ones
  std::uint64_t node_count = 0;
  std::uint64_t oversubscribed_node_count = 0;
  // The node being summarised (before close_node): its host, ranks and usable CPUs.
  std::string open_host;
  int open_ranks = 0;
  std::vector<int> open_cpus;  // sorted, unique
};

// One rank's summary. A rank whose affinity is unknown may use its whole host.
PlacementSummary rank_placement_summary(int rank, const RankPlacement& placement, int threads, bool list_ranks);
// Folds `later` (higher ranks) into `into`: lists stay in rank order and within their caps.
void merge_placements(PlacementSummary& into, const PlacementSummary& later);
// On a node's lowest rank, once every rank of the node is merged: the node becomes an entry.
void close_node(PlacementSummary& summary);

std::vector<char> to_bytes(const PlacementSummary& summary);
PlacementSummary placement_from_bytes(const std::vector<char>& bytes);

// Collective: every rank's placement, summarised; the result is meaningful on rank 0.
PlacementSummary summarize_placement(MpiTeam& team, int threads);

// Fills the record's placement fields (nodes, oversubscribed, context ranks/hosts/nodes_detail)
// and returns warnings about binding and oversubscription, one line each.
std::vector<std::string> describe_placement(RunRecord& record, const PlacementSummary& summary);

}  // namespace parscale
