// Combining the ranks' partial trees and worker statistics along a binomial tree of ranks.
//
// In round k (k = 0, 1, ...), a rank whose lowest set bit is bit k sends everything it holds
// to rank - 2^k and is done; a rank with bits 0..k clear receives from rank + 2^k (if that
// rank exists) and folds what arrived into its own nodes (merge_nodes: sibling subtrees that
// became complete are combined at once). After ceil(log2 P) rounds rank 0 holds the result,
// having received ceil(log2 P) messages. Every combine() is one the fixed block tree
// performs, so the result is bit-identical to the serial one for every decomposition; with
// aligned groups of blocks (round_robin_group) what a rank holds and sends stays O(groups)
// per rank, whatever the number of blocks, and the worker statistics stay a constant-size
// WorkerSummary unless per-worker detail was asked for. Under the dynamic distribution a
// rank's blocks lie anywhere, so its nodes first go home to their block-distribution slice
// (send_nodes_home), after which the tree proceeds as for contiguous shares.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "block_tree.hpp"
#include "worker_summary.hpp"

namespace parscale {

template <class Partial>
struct RankPartials {
  std::vector<TreeNode<Partial>> nodes;
  WorkerSummary summary;
  std::vector<WorkerSample> detail;  // every worker's sample, only when asked for
  std::uint64_t peak_nodes = 0;      // the most nodes held at once (not sent)
};

namespace detail {

template <class T>
void append_values(std::vector<char>& bytes, const T* values, std::size_t count) {
  static_assert(std::is_trivially_copyable_v<T>);
  const std::size_t offset = bytes.size();
  bytes.resize(offset + count * sizeof(T));
  if (count != 0) {
    std::memcpy(bytes.data() + offset, values, count * sizeof(T));
  }
}

template <class T>
void read_values(const std::vector<char>& bytes, std::size_t& offset, T* values, std::size_t count) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (offset + count * sizeof(T) > bytes.size()) {
    throw std::runtime_error("rank reduction: a message is shorter than its header says");
  }
  if (count != 0) {
    std::memcpy(values, bytes.data() + offset, count * sizeof(T));
  }
  offset += count * sizeof(T);
}

// One message: [node count][sample count][summary][nodes][samples].
template <class Partial>
std::vector<char> serialize(const RankPartials<Partial>& partials) {
  std::vector<char> bytes;
  const std::uint64_t counts[2] = {partials.nodes.size(), partials.detail.size()};
  append_values(bytes, counts, 2);
  partials.summary.append_to(bytes);
  append_values(bytes, partials.nodes.data(), partials.nodes.size());
  append_values(bytes, partials.detail.data(), partials.detail.size());
  return bytes;
}

template <class Partial>
void deserialize_into(const std::vector<char>& bytes, RankPartials<Partial>& into, WorkerSummary& summary) {
  std::size_t offset = 0;
  std::uint64_t counts[2] = {0, 0};
  read_values(bytes, offset, counts, 2);
  summary = WorkerSummary::read_from(bytes, offset);
  const std::size_t old_nodes = into.nodes.size();
  into.nodes.resize(old_nodes + counts[0]);
  read_values(bytes, offset, into.nodes.data() + old_nodes, counts[0]);
  const std::size_t old_detail = into.detail.size();
  into.detail.resize(old_detail + counts[1]);
  read_values(bytes, offset, into.detail.data() + old_detail, counts[1]);
}

}  // namespace detail

// The rank whose home slice holds `block`: the slices are the block distribution's
// (block_share in driver.hpp: the first B % P ranks hold one block more), so under that
// distribution every node is already home.
inline int home_rank(std::uint64_t block, std::uint64_t block_count, int ranks) {
  const auto p = static_cast<std::uint64_t>(ranks);
  const std::uint64_t base = block_count / p;
  const std::uint64_t extra = block_count % p;
  const std::uint64_t in_longer = extra * (base + 1);  // blocks held by the ranks with one more
  if (block < in_longer) {
    return static_cast<int>(block / (base + 1));
  }
  return static_cast<int>(extra + (block - in_longer) / base);  // base > 0 here: block < block_count
}

// Sends each node to the rank whose home slice holds its first block (a sparse exchange:
// a rank talks only to the ranks its nodes belong to). Needed where the blocks a rank
// computed lie anywhere (the dynamic distribution's grabs): afterwards a rank's nodes cover its
// own slice, so they merge to O(log B) and the binomial tree below stays O(log B) per
// message instead of one node per grab of the ranks beneath. Rank 0 hears only from the
// ranks whose grabs fell in its slice (with guided grabs, the first two or three).
template <class Partial, class Team>
void send_nodes_home(std::vector<TreeNode<Partial>>& nodes, std::uint64_t block_count, Team& team) {
  const int rank = team.rank();
  std::vector<TreeNode<Partial>> kept;
  std::vector<std::pair<int, std::vector<char>>> outgoing;  // by destination, in node order
  for (const auto& node : nodes) {
    const int home = home_rank(node.first_block, block_count, team.size());
    if (home == rank) {
      kept.push_back(node);
      continue;
    }
    if (outgoing.empty() || outgoing.back().first != home) {
      outgoing.emplace_back(home, std::vector<char>{});
    }
    detail::append_values(outgoing.back().second, &node, 1);
  }
  for (const auto& bytes : team.exchange_sparse(outgoing)) {
    const std::size_t count = bytes.size() / sizeof(TreeNode<Partial>);
    std::size_t offset = 0;
    const std::size_t old = kept.size();
    kept.resize(old + count);
    detail::read_values(bytes, offset, kept.data() + old, count);
  }
  nodes = std::move(kept);
}

// Rank 0 returns everything combined (nodes merged as far as the tree allows; detail, if
// any, in rank order); every other rank returns empty partials. `scattered`: this rank's
// blocks may lie anywhere (the dynamic distribution), so nodes go home first.
template <class Partial, class Combine, class Team>
RankPartials<Partial> reduce_over_ranks(RankPartials<Partial> mine, std::uint64_t block_count, Combine combine,
                                        Team& team, bool scattered = false) {
  std::uint64_t peak = mine.nodes.size();
  merge_nodes(mine.nodes, block_count, combine);  // sorted by first block: one message per home
  if (scattered && team.size() > 1 && block_count != 0) {
    send_nodes_home(mine.nodes, block_count, team);
    peak = std::max<std::uint64_t>(peak, mine.nodes.size());
    merge_nodes(mine.nodes, block_count, combine);
  }
  const int rank = team.rank();
  const int size = team.size();
  for (int step = 1; step < size; step *= 2) {
    if ((rank & step) != 0) {
      team.send_bytes(rank - step, detail::serialize(mine));
      RankPartials<Partial> sent;
      sent.peak_nodes = peak;
      return sent;
    }
    if (rank + step < size) {
      WorkerSummary theirs;
      detail::deserialize_into(team.receive_bytes(rank + step), mine, theirs);
      peak = std::max<std::uint64_t>(peak, mine.nodes.size());
      mine.summary.merge(theirs);
      merge_nodes(mine.nodes, block_count, combine);
    }
    if (step > size / 2) {
      break;  // step * 2 would overflow int for size near 2^31
    }
  }
  mine.peak_nodes = peak;
  return mine;
}

}  // namespace parscale
