// The one generic driver: splits a kernel's blocks over a team of ranks (block, cyclic or
// dynamic) and over each rank's threads (the executor), then combines every partial in
// the fixed block tree on rank 0. Serial = LocalTeam + no OpenMP; openmp = LocalTeam +
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

// Round-robin share: blocks rank, rank+ranks, ...
inline BlockSequence cyclic_share(std::uint64_t blocks, int rank, int ranks) {
  const auto r = static_cast<std::uint64_t>(rank);
  const auto p = static_cast<std::uint64_t>(ranks);
  const std::uint64_t count = r < blocks ? (blocks - r - 1) / p + 1 : 0;
  return BlockSequence{r, p, count};
}

// Blocks per grab of the work queue: small enough to balance, large enough that a
// request's round trip (hidden behind the current chunk by prefetching) is noise.
inline std::uint64_t dynamic_chunk(std::uint64_t blocks, int ranks, int threads, std::uint64_t requested) {
  if (requested != 0) {
    return requested;
  }
  const std::uint64_t workers = static_cast<std::uint64_t>(ranks) * static_cast<std::uint64_t>(threads);
  return std::max<std::uint64_t>(static_cast<std::uint64_t>(threads), blocks / (workers * 32));
}

template <Kernel K>
struct RunOnce {
  typename K::Partial total{};      // rank 0 only
  std::vector<WorkerStats> workers;  // rank 0 only: rank-major, one entry per (rank, thread)
  // Since this run started on this rank: when it entered the reduction, and when it left.
  double reduction_entered = 0.0;
  double reduction_left = 0.0;
};

template <Kernel K, class Team>
RunOnce<K> run_once(const K& kernel, const ExecutionPlan& plan, Team& team) {
  using Partial = typename K::Partial;
  const auto begin = std::chrono::steady_clock::now();
  BlockExecutor<K> executor(kernel, uses_threads(plan.model), plan.threads, plan.schedule, team.rank(), team.size());
  const std::uint64_t blocks = executor.blocks_total();
  const Distribution distribution = team.size() == 1 ? Distribution::block : plan.distribution;
  switch (distribution) {
    case Distribution::block:
      executor.run(block_share(blocks, team.rank(), team.size()));
      break;
    case Distribution::cyclic:
      executor.run(cyclic_share(blocks, team.rank(), team.size()));
      break;
    case Distribution::dynamic: {
      const std::uint64_t chunk = dynamic_chunk(blocks, team.size(), executor.threads(), plan.dynamic_chunk);
      auto queue = team.work_queue(blocks, chunk);
      while (const auto grab = queue.next()) {
        executor.run(BlockSequence{grab->first, 1, grab->count}, [&queue] { queue.serve(); });
      }
      queue.finish();
      break;
    }
  }
  RunOnce<K> result;
  result.reduction_entered = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  auto nodes = from_bytes<TreeNode<Partial>>(team.gather_bytes(to_bytes(executor.nodes())));
  result.workers = from_bytes<WorkerStats>(team.gather_bytes(to_bytes(executor.stats())));
  if (team.rank() == 0) {
    result.total = assemble_tree(nodes, blocks, &K::combine, K::identity());
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

template <Kernel K>
struct Measurement {
  typename K::Partial total{};       // rank 0 only
  TimingSummary timing;              // identical on every rank
  std::vector<WorkerStats> workers;  // rank 0 only, from the median repetition
  // The median repetition's reduction and gathers from the moment the slowest rank entered
  // them (waiting for slower ranks is imbalance, not reduction cost).
  double reduction_seconds = 0.0;
};

// The timing protocol: `warmup` untimed runs, then `repeat` timed runs, each started
// together after a barrier; a repetition's time is the slowest rank's.
template <Kernel K, class Team>
Measurement<K> measure(const K& kernel, const ExecutionPlan& plan, Team& team, int warmup, int repeat) {
  for (int i = 0; i < warmup; ++i) {
    run_once(kernel, plan, team);
  }
  Measurement<K> measurement;
  std::vector<double> seconds;
  std::vector<std::vector<WorkerStats>> workers;
  std::vector<double> reductions;
  for (int i = 0; i < repeat; ++i) {
    team.barrier();
    const auto start = std::chrono::steady_clock::now();
    RunOnce<K> run = run_once(kernel, plan, team);
    const double local = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    seconds.push_back(team.max(local));
    if (team.rank() == 0) {
      measurement.total = run.total;
    }
    workers.push_back(std::move(run.workers));
    // After the timed region. Runs start together (barrier), so their clocks are comparable.
    reductions.push_back(std::max(0.0, team.max(run.reduction_left) - team.max(run.reduction_entered)));
  }
  measurement.timing = summarize(seconds);
  if (!workers.empty()) {
    measurement.workers = workers[measurement.timing.median_index];
    measurement.reduction_seconds = reductions[measurement.timing.median_index];
  }
  return measurement;
}

}  // namespace parscale
