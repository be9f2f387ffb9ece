// Partition arithmetic: every block exactly once, remainders on low ranks, no overflow up
// to 2^62 blocks and any rank count.
#include <gtest/gtest.h>

#include <cmath>

#include <algorithm>
#include <cstdint>
#include <queue>
#include <utility>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "driver.hpp"
#include "executor.hpp"

namespace parscale {
namespace {

void expect_block_partition(std::uint64_t blocks, int ranks) {
  std::uint64_t next = 0;
  for (int r = 0; r < ranks; ++r) {
    const BlockSequence share = block_share(blocks, r, ranks);
    ASSERT_EQ(share.first, next) << blocks << " blocks, rank " << r << " of " << ranks;
    ASSERT_EQ(share.stride, 1U);
    const std::uint64_t base = blocks / static_cast<std::uint64_t>(ranks);
    ASSERT_TRUE(share.count == base || share.count == base + 1);
    if (r > 0 && share.count > 0) {
      ASSERT_LE(share.count, block_share(blocks, r - 1, ranks).count);  // remainder on low ranks
    }
    next += share.count;
  }
  EXPECT_EQ(next, blocks);
}

void expect_cyclic_partition(std::uint64_t blocks, int ranks) {
  std::uint64_t total = 0;
  for (int r = 0; r < ranks; ++r) {
    const BlockSequence share = cyclic_share(blocks, r, ranks);
    total += share.count;
    if (share.count > 0) {
      ASSERT_LT(share.at(share.count - 1), blocks);
      ASSERT_GE(share.at(share.count - 1) + share.stride, blocks);
    }
  }
  EXPECT_EQ(total, blocks);
}

TEST(Partition, BlockAndCyclicCoverEveryBlockOnce) {
  for (std::uint64_t blocks : {0ULL, 1ULL, 2ULL, 3ULL, 5ULL, 7ULL, 64ULL, 1001ULL}) {
    for (int ranks : {1, 2, 3, 4, 5, 7, 13, 64, 1000}) {
      expect_block_partition(blocks, ranks);
      expect_cyclic_partition(blocks, ranks);
    }
  }
}

// Aligned groups dealt round robin: every block exactly once, each rank's groups aligned to
// the group size, and the group size gives each worker 32 to 63 groups when there are enough.
TEST(Partition, GroupedCyclicCoversEveryBlockOnceInAlignedGroups) {
  for (std::uint64_t blocks : {0ULL, 1ULL, 5ULL, 63ULL, 64ULL, 1000ULL, 4097ULL, 100000ULL}) {
    for (int ranks : {1, 2, 3, 4, 7, 64}) {
      for (std::uint64_t group : std::vector<std::uint64_t>{1, 2, 16, round_robin_group(blocks, static_cast<std::uint64_t>(ranks))}) {
        std::vector<int> owner(blocks, -1);
        for (int r = 0; r < ranks; ++r) {
          const BlockSequence share = cyclic_share(blocks, r, ranks, group);
          for (std::uint64_t j = 0; j < share.count; ++j) {
            const std::uint64_t block = share.at(j);
            ASSERT_LT(block, blocks);
            ASSERT_EQ(owner[block], -1) << "block " << block << " dealt twice";
            owner[block] = r;
            ASSERT_EQ((block / group) % static_cast<std::uint64_t>(ranks), static_cast<std::uint64_t>(r));
          }
        }
        EXPECT_EQ(std::count(owner.begin(), owner.end(), -1), 0) << blocks << " blocks, " << ranks << " ranks";
      }
    }
  }
  for (std::uint64_t workers : {1ULL, 2ULL, 8ULL, 4096ULL}) {
    for (std::uint64_t blocks : std::vector<std::uint64_t>{workers * 32, workers * 100, workers * 5000 + 3, std::uint64_t{1} << 40}) {
      const std::uint64_t group = round_robin_group(blocks, workers);
      const std::uint64_t groups_per_worker = blocks / group / workers;
      EXPECT_EQ(group & (group - 1), 0U) << "a power of two";
      EXPECT_GE(groups_per_worker, 32U) << blocks << " blocks, " << workers << " workers";
      EXPECT_LT(groups_per_worker, 64U) << blocks << " blocks, " << workers << " workers";
    }
  }
}

TEST(Partition, SafeAtTwoToThe62) {
  const std::uint64_t huge = std::uint64_t{1} << 62;
  for (std::uint64_t blocks : {huge, huge + 1, huge - 1, huge / 3 + 17}) {
    for (int ranks : {1, 3, 7, 1023, 65537, 2147483647}) {
      const BlockSequence last = block_share(blocks, ranks - 1, ranks);
      EXPECT_EQ(last.first + last.count, blocks);
      const BlockSequence last_cyclic = cyclic_share(blocks, ranks - 1, ranks);
      EXPECT_LT(last_cyclic.at(last_cyclic.count - 1), blocks);
    }
  }
}

TEST(Partition, OddRankCountsAndMoreRanksThanBlocks) {
  for (std::uint64_t blocks : {1ULL, 2ULL, 4ULL, 9ULL, 10ULL}) {
    for (int ranks : {3, 5, 9, 11, 15, 17, 31}) {
      expect_block_partition(blocks, ranks);
      expect_cyclic_partition(blocks, ranks);
      int idle = 0;
      for (int r = 0; r < ranks; ++r) {
        idle += block_share(blocks, r, ranks).count == 0 ? 1 : 0;
      }
      // More ranks than blocks: exactly the surplus ranks get nothing, and they are not an error.
      EXPECT_EQ(idle, blocks < static_cast<std::uint64_t>(ranks) ? ranks - static_cast<int>(blocks) : 0);
    }
  }
}

// The executor's index arithmetic at the supported maximum: work 2^62 (and odd sizes near
// it) cut into 2^16-index blocks. The ranges of the last blocks are computed, not run.
TEST(Partition, BlockRangesNearTwoToThe62) {
  const std::uint64_t block_size = std::uint64_t{1} << 16;
  const std::uint64_t huge = std::uint64_t{1} << 62;
  for (std::uint64_t work : {huge, huge - 1, huge + 1, huge - block_size + 1, huge + block_size - 1}) {
    const std::uint64_t blocks = block_count(work, block_size);
    ASSERT_GE(blocks * block_size, work);
    ASSERT_LT((blocks - 1) * block_size, work);
    std::uint64_t expected_begin = (blocks - 3) * block_size;
    for (std::uint64_t block = blocks - 3; block < blocks; ++block) {
      const IndexRange range = block_range(work, block_size, block);
      EXPECT_EQ(range.begin, expected_begin) << work << " block " << block;
      EXPECT_GT(range.end, range.begin);
      EXPECT_LE(range.end - range.begin, block_size);
      expected_begin = range.end;
    }
    EXPECT_EQ(expected_begin, work) << "the last block ends exactly at work_size " << work;
    // The last rank's share under both distributions, for odd rank counts, ends in range.
    for (int ranks : {3, 7, 1023, 65537}) {
      const BlockSequence last = block_share(blocks, ranks - 1, ranks);
      EXPECT_EQ(block_range(work, block_size, last.first + last.count - 1).end, work);
      const BlockSequence cyclic = cyclic_share(blocks, ranks - 1, ranks);
      EXPECT_LE(block_range(work, block_size, cyclic.at(cyclic.count - 1)).end, work);
    }
  }
  // Block size 1 at 2^62: every index is a block.
  const IndexRange last = block_range(huge, 1, huge - 1);
  EXPECT_EQ(last.begin, huge - 1);
  EXPECT_EQ(last.end, huge);
}

// Every grab sequence covers the blocks once, contiguously, in order.
std::vector<BlockChunk> all_grabs(std::uint64_t blocks, ChunkPolicy policy) {
  LocalWorkQueue queue(blocks, policy);
  std::vector<BlockChunk> grabs;
  std::uint64_t next = 0;
  while (const auto grab = queue.next()) {
    EXPECT_EQ(grab->first, next);
    EXPECT_GE(grab->count, 1U);
    next += grab->count;
    grabs.push_back(*grab);
  }
  EXPECT_EQ(next, blocks);
  return grabs;
}

TEST(Partition, DynamicExplicitChunkIsFixed) {
  const auto grabs = all_grabs(400, dynamic_chunk_policy(400, 2, 1, 7));
  ASSERT_EQ(grabs.size(), 58U);  // 57 x 7 + 1
  EXPECT_EQ(grabs.front().count, 7U);
  EXPECT_EQ(grabs.back().count, 1U);
  EXPECT_TRUE(all_grabs(0, dynamic_chunk_policy(0, 4, 1, 0)).empty());
}

TEST(Partition, DynamicDefaultGrabsShrinkAndNumberOPLogBlocks) {
  for (const int ranks : {2, 8, 64, 4096}) {
    for (const std::uint64_t blocks : {std::uint64_t{1000}, std::uint64_t{1} << 20, std::uint64_t{1} << 40}) {
      const ChunkPolicy policy = dynamic_chunk_policy(blocks, ranks, 1, 0);
      const auto grabs = all_grabs(blocks, policy);
      for (std::size_t i = 1; i < grabs.size(); ++i) {
        EXPECT_LE(grabs[i].count, grabs[i - 1].count);  // guided: never growing
      }
      // Geometric shrinking by (1 - 1/(2P)) down to the floor, then the floor-sized tail.
      const double d = 2.0 * ranks;
      const double floor = static_cast<double>(policy.floor);
      const double bound = d * (std::log(std::max(1.0, static_cast<double>(blocks) / (d * floor))) + 2.0) + 1.0;
      EXPECT_LE(static_cast<double>(grabs.size()), bound) << ranks << " ranks, " << blocks << " blocks";
      // The last grab is at most 1/64 of a worker's even share (or one block per thread): it bounds the imbalance.
      EXPECT_LE(grabs.back().count, std::max<std::uint64_t>(1, blocks / (static_cast<std::uint64_t>(ranks) * 64)));
    }
  }
}

// The two-level queue (work_queue.hpp) without MPI: P workers of equal speed, a block costing
// one time unit, each worker grabbing again when its chunk is done; groups of kQueueGroupSize
// consecutive ranks; rank 0's group grabs from the counter, every other group from its
// leader's share, refilled from the counter when empty. Returns what each server answered.
struct TwoLevelRun {
  std::vector<std::uint64_t> answered;  // per group: requests its server answered ("no more" included)
  std::vector<std::uint64_t> busy;      // per worker: blocks computed
  std::uint64_t last_grab = 0;          // the largest of the grabs taken once the counter was dry
};

TwoLevelRun simulate_two_level_queue(std::uint64_t blocks, int ranks, ChunkPolicy policy) {
  const int groups = (ranks + kQueueGroupSize - 1) / kQueueGroupSize;
  TwoLevelRun run;
  run.answered.assign(static_cast<std::size_t>(groups), 0);
  run.busy.assign(static_cast<std::size_t>(ranks), 0);
  BlockRange counter{0, blocks};
  std::vector<GroupSource> shares(static_cast<std::size_t>(groups));
  std::vector<bool> dry(static_cast<std::size_t>(groups), false);
  std::vector<BlockChunk> chunks;
  using Event = std::pair<std::uint64_t, int>;  // (time the worker is free, worker)
  std::priority_queue<Event, std::vector<Event>, std::greater<>> free_at;
  for (int worker = 0; worker < ranks; ++worker) {
    free_at.push({0, worker});
  }
  while (!free_at.empty()) {
    const auto [time, worker] = free_at.top();
    free_at.pop();
    const int group = worker / kQueueGroupSize;
    const auto g = static_cast<std::size_t>(group);
    const bool leader = worker % kQueueGroupSize == 0;
    const bool was_dry = counter.remaining() == 0;
    BlockChunk chunk;
    if (group == 0) {
      chunk = counter.take(policy.grab(counter.remaining()));
    } else {
      if (shares[g].empty() && !dry[g]) {
        const auto size = static_cast<std::uint64_t>(std::min(kQueueGroupSize, ranks - group * kQueueGroupSize));
        const BlockChunk share = counter.take(policy.share(counter.remaining(), size));
        ++run.answered[0];  // rank 0 answered the leader's refill
        dry[g] = share.count == 0;
        shares[g] = GroupSource(BlockRange{share.first, share.count}, counter.remaining());
      }
      chunk = shares[g].take(policy);
    }
    if (!leader) {
      ++run.answered[g];  // a member's request, or its "no more"
    }
    if (chunk.count == 0) {
      continue;  // this worker is done
    }
    if (was_dry) {
      run.last_grab = std::max(run.last_grab, chunk.count);
    }
    chunks.push_back(chunk);
    run.busy[static_cast<std::size_t>(worker)] += chunk.count;
    free_at.push({time + chunk.count, worker});
  }
  std::sort(chunks.begin(), chunks.end(), [](const BlockChunk& a, const BlockChunk& b) { return a.first < b.first; });
  std::uint64_t next = 0;
  for (const BlockChunk& chunk : chunks) {
    EXPECT_EQ(chunk.first, next) << "every block handed out exactly once";
    next = chunk.first + chunk.count;
  }
  EXPECT_EQ(next, blocks);
  return run;
}

// Each server answers O(G + P/G) requests at every P up to 4096 and every block count up to
// 2^40 (the same bound test_mpi_scale asserts on the PMPI-counted runs, without the reduction's
// messages), and the balance holds: the most blocks a worker computed is within 1/16 of the
// mean, since the last grabs (and shares of a group's size in grabs) are 1/64 of a share.
TEST(Partition, TwoLevelQueueServesOGPlusPOverGAndBalances) {
  const double c = 2.0 * (std::log(32.0) + 2.0) + 1.0;
  for (const int ranks : {2, 17, 64, 100, 1024, 4096}) {
    for (const std::uint64_t blocks : {std::uint64_t{1} << 20, std::uint64_t{1} << 40}) {
      const ChunkPolicy policy = dynamic_chunk_policy(blocks, ranks, 1, 0);
      const TwoLevelRun run = simulate_two_level_queue(blocks, ranks, policy);
      const auto groups = static_cast<double>(run.answered.size());
      const double bound = c * (std::min(ranks, kQueueGroupSize) + groups);
      for (std::size_t group = 0; group < run.answered.size(); ++group) {
        EXPECT_LE(static_cast<double>(run.answered[group]), bound) << ranks << " ranks, group " << group;
      }
      const double mean = static_cast<double>(blocks) / ranks;
      const auto most = static_cast<double>(*std::max_element(run.busy.begin(), run.busy.end()));
      EXPECT_LE(most, mean * (1.0 + 1.0 / 16)) << ranks << " ranks, " << blocks << " blocks";
      EXPECT_LE(run.last_grab, std::max<std::uint64_t>(1, blocks / (static_cast<std::uint64_t>(ranks) * 64)));
      if (ranks == 4096 && blocks == (std::uint64_t{1} << 40)) {
        std::printf("4096 ranks, 2^40 blocks: rank 0 answers %llu, the busiest leader %llu (bound %.0f), "
                    "the busiest worker %.4f x the mean\n",
                    static_cast<unsigned long long>(run.answered[0]),
                    static_cast<unsigned long long>(*std::max_element(run.answered.begin() + 1, run.answered.end())),
                    bound, most / mean);
      }
    }
  }
}

TEST(Partition, SummaryPicksMedianRepetition) {
  const TimingSummary summary = summarize({3.0, 1.0, 2.0});
  EXPECT_EQ(summary.min, 1.0);
  EXPECT_EQ(summary.median, 2.0);
  EXPECT_EQ(summary.max, 3.0);
  EXPECT_EQ(summary.median_index, 2U);
  EXPECT_EQ(summarize({1.0, 2.0}).median, 1.5);
}

// The executor tests' kernels: blocks of one index whose partials add up.
struct OneIndexBlocks {
  using Partial = std::uint64_t;
  using Value = std::uint64_t;
  [[nodiscard]] std::uint64_t block_size() const { return 1; }
  [[nodiscard]] std::string work_unit() const { return "blocks"; }
  static Partial identity() { return 0; }
  static Partial combine(const Partial& a, const Partial& b) { return a + b; }
  [[nodiscard]] Value finalize(const Partial& total) const { return total; }
  [[nodiscard]] Verdict verdict(const Value& /*value*/) const { return {}; }
  void describe(nlohmann::json& /*parameters*/) const {}
};

// A kernel that throws on one block: the exception must come out of the executor (and so
// reach run_program's MPI_Abort), not end the process in std::terminate.
struct ThrowingKernel : OneIndexBlocks {
  std::uint64_t bad_block = 5;
  [[nodiscard]] std::string name() const { return "throwing"; }
  [[nodiscard]] std::uint64_t work_size() const { return 64; }
  [[nodiscard]] Partial compute(std::uint64_t begin, std::uint64_t end) const {
    if (begin == bad_block) {
      throw std::runtime_error("block failed");
    }
    return end - begin;
  }
};

// Calls check(schedule, use_openmp) for every schedule kind, serial and with OpenMP.
template <class Check>
void for_every_schedule(Check check) {
  for (const ScheduleKind kind :
       {ScheduleKind::static_block, ScheduleKind::cyclic, ScheduleKind::dynamic, ScheduleKind::guided}) {
    for (const bool use_openmp : {false, true}) {
      Schedule schedule;
      schedule.kind = kind;
      check(schedule, use_openmp);
    }
  }
}

TEST(Executor, ExceptionInsideOpenMPLoopIsRethrown) {
  const ThrowingKernel kernel;
  for_every_schedule([&](Schedule schedule, bool use_openmp) {
    BlockExecutor<ThrowingKernel> executor(kernel, use_openmp, 2, schedule, 0, 1);
    EXPECT_THROW(executor.run(BlockSequence{0, 1, 64}), std::runtime_error);
  });
}

// A kernel with a Workspace: each call says whether its workspace was new, and whether it
// was last used on another thread.
struct WorkspaceKernel : OneIndexBlocks {
  static constexpr Partial kNewWorkspace = 1;
  static constexpr Partial kSharedAcrossThreads = 1'000'000;
  struct Workspace {
    std::uint64_t calls = 0;
    std::thread::id user;
  };
  [[nodiscard]] std::string name() const { return "workspace"; }
  [[nodiscard]] std::uint64_t work_size() const { return 256; }
  [[nodiscard]] Partial compute(std::uint64_t /*begin*/, std::uint64_t /*end*/, Workspace& workspace) const {
    const std::thread::id me = std::this_thread::get_id();
    const Partial value = workspace.calls++ == 0 ? kNewWorkspace : (workspace.user == me ? 0 : kSharedAcrossThreads);
    workspace.user = me;
    return value;
  }
  [[nodiscard]] Partial compute(std::uint64_t begin, std::uint64_t end) const {
    Workspace workspace;
    return compute(begin, end, workspace);
  }
};

TEST(Executor, EachThreadKeepsItsOwnWorkspaceFromBlockToBlock) {
  const WorkspaceKernel kernel;
  for_every_schedule([&](Schedule schedule, bool use_openmp) {
    const int threads = 3;
    BlockExecutor<WorkspaceKernel> executor(kernel, use_openmp, threads, schedule, 0, 1);
    executor.run(BlockSequence{0, 1, kernel.work_size()});
    std::uint64_t total = 0;
    for (const auto& node : executor.nodes()) {
      total += node.value;
    }
    // At most one new workspace per thread, none used by two threads.
    EXPECT_GE(total, 1U) << to_string(schedule.kind);
    EXPECT_LE(total, static_cast<std::uint64_t>(use_openmp ? threads : 1)) << to_string(schedule.kind);
  });
}

}  // namespace
}  // namespace parscale
