// The one generic driver: splits a kernel's blocks over a team of ranks (block, cyclic in
// aligned groups, or the dynamic work queue) and over each rank's threads (the executor),
// then combines every partial in the fixed block tree along a binomial tree of ranks
// (rank_reduction.hpp), so rank 0 receives ceil(log2 P) messages. Serial = LocalTeam + no OpenMP; openmp = LocalTeam +
// OpenMP; mpi = MpiTeam + no OpenMP; hybrid = MpiTeam + OpenMP. Written once for every kernel.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "block_tree.hpp"
#include "executor.hpp"
#include "kernel.hpp"
#include "plan.hpp"
#include "rank_reduction.hpp"
#include "team.hpp"

namespace parscale {

// Contiguous share of `blocks` for `rank` of `ranks`: the first (blocks % ranks) ranks get
// one extra block. No intermediate exceeds `blocks`, so it is safe for any 64-bit count.
inline BlockSequence block_share(std::uint64_t blocks, int rank, int ranks) {
  const auto r = static_cast<std::uint64_t>(rank);
  const auto p = static_cast<std::uint64_t>(ranks);
  const std::uint64_t base = blocks / p;
  const std::uint64_t extra = blocks % p;
  return BlockSequence{r * base + std::min(r, extra), 1, base + (r < extra ? 1 : 0)};
}

// Round-robin share of aligned groups of `group` blocks: groups rank, rank+ranks, ... (the
// last group may be short). No intermediate exceeds blocks + group.
inline BlockSequence cyclic_share(std::uint64_t blocks, int rank, int ranks, std::uint64_t group = 1) {
  const auto r = static_cast<std::uint64_t>(rank);
  const auto p = static_cast<std::uint64_t>(ranks);
  const std::uint64_t groups = blocks / group + (blocks % group != 0 ? 1 : 0);
  const std::uint64_t my_groups = r < groups ? (groups - r - 1) / p + 1 : 0;
  std::uint64_t count = my_groups * group;
  const bool owns_short_last_group = my_groups > 0 && (groups - 1) % p == r && blocks % group != 0;
  if (owns_short_last_group) {
    count -= group - blocks % group;
  }
  return BlockSequence{r * group, p * group, count, group};
}

// How the work queue sizes its grabs. An explicit chunk is fixed. The default is guided:
// each grab takes remaining / (2 x ranks) blocks, never fewer than 1/64 of a worker's even
// share nor than one block per thread: about 2P(1 + ln(32 x threads)) grabs per run in all,
// whatever the number of blocks, and the last grabs are fine enough to balance. A group
// leader's share is its group's size times a grab (ChunkPolicy::share, guided with the same
// divisor even for an explicit chunk), so rank 0 serves about 2(1 + ln 32) + 1 requests per
// leader and per member of its own group, each leader as many per member (work_queue.hpp;
// docs/at-scale.md has both measured).
inline constexpr std::uint64_t kGuidedSharesPerRank = 2;  // divisor = this x ranks
inline constexpr std::uint64_t kGuidedFloorPerShare = 64; // floor = even share per worker / this

inline ChunkPolicy dynamic_chunk_policy(std::uint64_t blocks, int ranks, int threads, std::uint64_t requested) {
  const auto r = static_cast<std::uint64_t>(ranks);
  if (requested != 0) {
    return ChunkPolicy{requested, 1, kGuidedSharesPerRank * r};
  }
  const auto t = static_cast<std::uint64_t>(threads);
  const std::uint64_t floor = std::max<std::uint64_t>(t, blocks / (r * t * kGuidedFloorPerShare));
  return ChunkPolicy{0, floor, kGuidedSharesPerRank * r};
}

template <Kernel K>
struct RunOnce {
  typename K::Partial total{};        // rank 0 only
  WorkerSummary worker_summary;       // rank 0 only: every worker's statistics, reduced
  // Rank 0 only, by rank and thread: every worker when plan.worker_detail or when the summary
  // names them all (up to 2 x WorkerSummary::kNamed workers), else the slowest and fastest.
  std::vector<WorkerSample> workers;
  std::uint64_t peak_nodes = 0;       // the most tree nodes this rank held in the reduction
  // Since this run started on this rank: when it entered the reduction, and when it left.
  double reduction_entered = 0.0;
  double reduction_left = 0.0;
};

template <Kernel K, class Team>
RunOnce<K> run_once(const K& kernel, const ExecutionPlan& plan, Team& team) {
  using Partial = typename K::Partial;
  const auto begin = std::chrono::steady_clock::now();
  BlockExecutor<K> executor(kernel, uses_threads(plan.model), plan.threads, plan.schedule, team.rank(), team.size());
  executor.count_blocks_in(plan.blocks_done);
  const std::uint64_t blocks = executor.blocks_total();
  const Distribution distribution = team.size() == 1 ? Distribution::block : plan.distribution;
  switch (distribution) {
    case Distribution::block:
      executor.run(block_share(blocks, team.rank(), team.size()));
      break;
    case Distribution::cyclic: {
      const auto workers = static_cast<std::uint64_t>(team.size()) * static_cast<std::uint64_t>(executor.threads());
      executor.run(cyclic_share(blocks, team.rank(), team.size(), round_robin_group(blocks, workers)));
      break;
    }
    case Distribution::dynamic: {
      const ChunkPolicy policy = dynamic_chunk_policy(blocks, team.size(), executor.threads(), plan.dynamic_chunk);
      auto queue = team.work_queue(blocks, policy);
      while (const auto grab = queue.next()) {
        executor.run(BlockSequence{grab->first, 1, grab->count}, [&queue] { queue.serve(); });
      }
      queue.finish();
      break;
    }
  }
  RunOnce<K> result;
  result.reduction_entered = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  RankPartials<Partial> mine;
  mine.nodes = executor.nodes();
  const std::vector<WorkerStats> stats = executor.stats();
  mine.summary.note_rank_threads(static_cast<std::uint32_t>(stats.size()));
  for (const WorkerStats& worker : stats) {  // the threads that ran: OMP_DYNAMIC may give fewer
    const WorkerSample sample{worker.rank, static_cast<std::int32_t>(worker.thread), worker.busy_seconds,
                              worker.blocks};
    mine.summary.add(sample);
    if (plan.worker_detail) {
      mine.detail.push_back(sample);
    }
  }
  RankPartials<Partial> combined =
      reduce_over_ranks(std::move(mine), blocks, &K::combine, team, distribution == Distribution::dynamic);
  result.peak_nodes = combined.peak_nodes;
  if (team.rank() == 0) {
    result.total = assemble_tree(combined.nodes, blocks, &K::combine, K::identity());
    result.worker_summary = combined.summary;
    result.workers = plan.worker_detail ? std::move(combined.detail) : combined.summary.named();
  }
  result.reduction_left = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  return result;
}

struct TimingSummary {
  std::vector<double> seconds;  // one per timed repetition: max over ranks
  double min = 0.0;
  double median = 0.0;
  double max = 0.0;
  std::size_t median_index = 0;  // which repetition is the median one
};

inline TimingSummary summarize(std::vector<double> seconds) {
  TimingSummary summary;
  summary.seconds = seconds;
  if (seconds.empty()) {
    return summary;
  }
  std::vector<std::size_t> order(seconds.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return seconds[a] < seconds[b]; });
  summary.min = seconds[order.front()];
  summary.max = seconds[order.back()];
  const std::size_t n = order.size();
  summary.median_index = order[(n - 1) / 2];
  summary.median = n % 2 == 1 ? seconds[order[n / 2]] : 0.5 * (seconds[order[n / 2 - 1]] + seconds[order[n / 2]]);
  return summary;
}

// The timing protocol (warm-up, repetitions, the interleaved baseline): protocol.hpp.

}  // namespace parscale
