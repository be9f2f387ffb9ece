// Runs a rank's blocks on its threads: serially, or with OpenMP under a chosen schedule.
// Each thread folds its blocks into its own NodeStack; nothing is shared while computing.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <vector>

#include <omp.h>

#include "block_tree.hpp"
#include "kernel.hpp"
#include "plan.hpp"

namespace parscale {

struct WorkerStats {
  double busy_seconds = 0.0;  // time spent computing blocks
  std::uint64_t blocks = 0;   // blocks (tasks) computed
  int rank = 0;               // who: the record lists the workers that ran, which may be
  int thread = 0;             // fewer than planned (OMP_DYNAMIC), so position alone cannot say
};

// `count` blocks in runs of `group` consecutive blocks, the runs starting `stride` apart:
// first, first+1, ..., first+group-1, first+stride, ... A rank's share under block (one run)
// or cyclic distribution (aligned groups dealt round robin), or one chunk of the work queue.
struct BlockSequence {
  std::uint64_t first = 0;
  std::uint64_t stride = 1;
  std::uint64_t count = 0;
  std::uint64_t group = 1;
  [[nodiscard]] std::uint64_t at(std::uint64_t j) const {
    return group == 1 ? first + j * stride : first + (j / group) * stride + j % group;
  }
};

// Blocks per group when blocks are dealt round robin to `workers`: the largest power of two
// that still gives every worker 32 or more groups (at most 64). Aligned power-of-two groups
// fold into one tree node each, so a worker holds O(groups) partials, not O(blocks), while
// 32+ groups per worker keep the balance of a round-robin deal (later sieve blocks cost more).
inline std::uint64_t round_robin_group(std::uint64_t blocks, std::uint64_t workers) {
  constexpr std::uint64_t kGroupsPerWorker = 32;
  const std::uint64_t target = blocks / (workers * kGroupsPerWorker);
  std::uint64_t group = 1;
  while (group <= target / 2) {
    group *= 2;
  }
  return group;
}

// The index range [begin, end) of `block`: the last block may be short. No overflow for
// any work_size < 2^64 (end never exceeds work_size).
struct IndexRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};
inline IndexRange block_range(std::uint64_t work_size, std::uint64_t block_size, std::uint64_t block) {
  const std::uint64_t begin = block * block_size;
  const std::uint64_t remaining = work_size - begin;
  return {begin, begin + (remaining < block_size ? remaining : block_size)};
}

struct NothingBetweenBlocks {
  void operator()() const {}
};

template <Kernel K>
class BlockExecutor {
 public:
  using Partial = typename K::Partial;
  using Combine = Partial (*)(const Partial&, const Partial&);

  // use_openmp=false runs on the calling thread without touching the OpenMP runtime.
  BlockExecutor(const K& kernel, bool use_openmp, int threads, Schedule schedule, int rank, int ranks)
      : kernel_(kernel),
        use_openmp_(use_openmp),
        threads_(use_openmp ? threads : 1),
        schedule_(schedule),
        rank_(rank),
        ranks_(ranks),
        blocks_total_(block_count(kernel.work_size(), kernel.block_size())),
        per_thread_(static_cast<std::size_t>(threads_)) {}

  [[nodiscard]] std::uint64_t blocks_total() const { return blocks_total_; }
  // Progress display (src/progress.*): a relaxed bump per block, nothing when null.
  void count_blocks_in(std::atomic<std::uint64_t>* counter) { blocks_done_ = counter; }
  [[nodiscard]] int threads() const { return threads_; }

  // `between_blocks` runs on thread 0 (the thread that called MPI_Init) after each of its
  // blocks: rank 0 answers the dynamic distribution's requests there.
  template <class BetweenBlocks = NothingBetweenBlocks>
  void run(const BlockSequence& sequence, BetweenBlocks&& between_blocks = {}) {
    if (sequence.count == 0) {
      return;
    }
    if (!use_openmp_) {
      team_size_ = 1;
      run_thread_share(sequence, 0, 0, sequence.count, between_blocks);
      return;
    }
    run_openmp(sequence, between_blocks);
  }

  // All nodes of this rank, every thread's, for the tree assembly.
  [[nodiscard]] std::vector<TreeNode<Partial>> nodes() const {
    std::vector<TreeNode<Partial>> all;
    for (const auto& mine : per_thread_) {
      all.insert(all.end(), mine.stack.nodes().begin(), mine.stack.nodes().end());
    }
    return all;
  }
  // One entry per thread that existed: the largest team the runtime gave in this run's
  // parallel regions (all planned threads if none ran, e.g. a rank with no blocks).
  [[nodiscard]] std::vector<WorkerStats> stats() const {
    std::vector<WorkerStats> all;
    const int existed = team_size_ > 0 ? team_size_ : threads_;
    for (int thread = 0; thread < existed; ++thread) {
      WorkerStats stats = per_thread_[static_cast<std::size_t>(thread)].stats;
      stats.rank = rank_;
      stats.thread = thread;
      all.push_back(stats);
    }
    return all;
  }

 private:
  void compute_block(std::uint64_t block, int thread) {
    const auto [begin, end] = block_range(kernel_.work_size(), kernel_.block_size(), block);
    const WorkerId worker{rank_, ranks_, thread, threads_};
    auto& mine = per_thread_[static_cast<std::size_t>(thread)];
    mine.stack.push_block(block, compute_range(kernel_, begin, end, worker, mine.workspace));
    ++mine.stats.blocks;
    if (blocks_done_ != nullptr) {
      blocks_done_->fetch_add(1, std::memory_order_relaxed);
    }
  }

  template <class BetweenBlocks>
  void run_thread_share(const BlockSequence& sequence, int thread, std::uint64_t from, std::uint64_t to,
                        BetweenBlocks& between_blocks) {
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t j = from; j < to; ++j) {
      compute_block(sequence.at(j), thread);
      between_blocks();
    }
    per_thread_[static_cast<std::size_t>(thread)].stats.busy_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  template <class BetweenBlocks>
  void run_openmp(const BlockSequence& sequence, BetweenBlocks& between_blocks) {
    omp_sched_t kind = omp_sched_static;
    int chunk = static_cast<int>(schedule_.chunk);
    switch (schedule_.kind) {
      case ScheduleKind::static_block: kind = omp_sched_static; break;
      // Round robin in aligned power-of-two groups (see round_robin_group), and the same
      // group size for dynamic's default chunk: each thread keeps O(groups) tree nodes.
      case ScheduleKind::cyclic: kind = omp_sched_static; chunk = automatic_chunk(sequence.count); break;
      case ScheduleKind::dynamic:
        kind = omp_sched_dynamic;
        chunk = schedule_.chunk == 0 ? automatic_chunk(sequence.count) : chunk;
        break;
      case ScheduleKind::guided: kind = omp_sched_guided; break;
    }
    omp_set_schedule(kind, chunk);
    std::exception_ptr failure;
    std::atomic<bool> failed{false};
    const std::uint64_t count = sequence.count;
#pragma omp parallel num_threads(threads_)
    {
      const int thread = omp_get_thread_num();
#pragma omp single nowait
      team_size_ = std::max(team_size_, omp_get_num_threads());
      const auto start = std::chrono::steady_clock::now();
      // An exception may not leave a worksharing-loop iteration (GCC calls std::terminate):
      // catch it inside the iteration, keep the first, skip the rest, rethrow after.
#pragma omp for schedule(runtime) nowait
      for (std::uint64_t j = 0; j < count; ++j) {
        if (failed.load(std::memory_order_relaxed)) {
          continue;
        }
        try {
          compute_block(sequence.at(j), thread);
          if (thread == 0) {
            between_blocks();
          }
        } catch (...) {
#pragma omp critical(parscale_executor_failure)
          if (!failure) {
            failure = std::current_exception();
          }
          failed.store(true, std::memory_order_relaxed);
        }
      }
      per_thread_[static_cast<std::size_t>(thread)].stats.busy_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    if (failure) {
      std::rethrow_exception(failure);
    }
  }

  [[nodiscard]] int automatic_chunk(std::uint64_t count) const {
    constexpr std::uint64_t kLargestChunk = std::uint64_t{1} << 30;  // OpenMP chunks are int
    return static_cast<int>(std::min(round_robin_group(count, static_cast<std::uint64_t>(threads_)), kLargestChunk));
  }

  const K& kernel_;
  bool use_openmp_;
  int threads_;
  Schedule schedule_;
  int rank_;
  int ranks_;
  std::uint64_t blocks_total_;
  std::atomic<std::uint64_t>* blocks_done_ = nullptr;
  int team_size_ = 0;  // the most threads the runtime gave a region of this executor
  // Cache-line aligned so threads updating their own entry do not share a line.
  struct alignas(64) PerThread {
    NodeStack<Partial, Combine> stack{&K::combine};
    WorkerStats stats;
    WorkspaceFor<K> workspace;  // the kernel's memory from this thread's last block (kernel.hpp)
  };
  std::vector<PerThread> per_thread_;
};

}  // namespace parscale
