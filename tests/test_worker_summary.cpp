// The reduced worker statistics: merged in any order they equal the statistics of all
// workers together; the slowest and fastest are named; up to 16 workers every one is named.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

#include "worker_summary.hpp"

namespace parscale {
namespace {

std::vector<WorkerSample> random_workers(int ranks, int threads, std::mt19937_64& random) {
  std::uniform_real_distribution<double> busy(0.001, 2.0);
  std::vector<WorkerSample> all;
  for (int r = 0; r < ranks; ++r) {
    for (int t = 0; t < threads; ++t) {
      // Some ties (idle workers) on purpose.
      all.push_back({r, t, (r * threads + t) % 5 == 4 ? 0.0 : busy(random), static_cast<std::uint64_t>(r + t)});
    }
  }
  return all;
}

TEST(WorkerSummary, MergedAlongRanksEqualsAllWorkersTogether) {
  std::mt19937_64 random(3);
  for (int ranks : {1, 2, 3, 7, 64, 300}) {
    for (int threads : {1, 2, 3}) {
      const auto all = random_workers(ranks, threads, random);
      std::vector<WorkerSummary> per_rank(static_cast<std::size_t>(ranks));
      for (const auto& sample : all) {
        per_rank[static_cast<std::size_t>(sample.rank)].add(sample);
      }
      // Binomial-tree order: rank r takes r + step.
      for (int step = 1; step < ranks; step *= 2) {
        for (int r = 0; r + step < ranks; r += 2 * step) {
          per_rank[static_cast<std::size_t>(r)].merge(per_rank[static_cast<std::size_t>(r + step)]);
        }
      }
      const WorkerSummary& merged = per_rank[0];
      std::vector<WorkerSample> by_busy = all;
      std::sort(by_busy.begin(), by_busy.end(), [](const WorkerSample& a, const WorkerSample& b) {
        return a.busy_seconds > b.busy_seconds || (a.busy_seconds == b.busy_seconds && a.rank * 10 + a.thread < b.rank * 10 + b.thread);
      });
      ASSERT_EQ(merged.workers(), all.size());
      EXPECT_EQ(merged.busy_max(), by_busy.front().busy_seconds);
      EXPECT_EQ(merged.busy_min(), by_busy.back().busy_seconds);
      const auto slowest = merged.slowest();
      ASSERT_EQ(slowest.size(), std::min<std::size_t>(all.size(), WorkerSummary::kNamed));
      for (std::size_t i = 0; i < slowest.size(); ++i) {
        EXPECT_EQ(slowest[i].busy_seconds, by_busy[i].busy_seconds) << i;
      }
      if (all.size() <= 2 * WorkerSummary::kNamed) {
        EXPECT_EQ(merged.named().size(), all.size()) << ranks << "x" << threads << ": every worker is named";
        EXPECT_TRUE(merged.median_is_exact());
      } else {
        EXPECT_FALSE(merged.median_is_exact());
      }
      std::vector<double> busy;
      for (const auto& sample : all) {
        busy.push_back(sample.busy_seconds);
      }
      std::sort(busy.begin(), busy.end());
      const double exact_median = busy.size() % 2 == 1 ? busy[busy.size() / 2]
                                                      : 0.5 * (busy[busy.size() / 2 - 1] + busy[busy.size() / 2]);
      if (merged.median_is_exact()) {
        EXPECT_EQ(merged.busy_median(), exact_median);
      } else {
        // The histogram's median bin: within one 2.7% bin of the lower/upper middle value.
        const double low = busy[(busy.size() - 1) / 2];
        const double high = busy[busy.size() / 2];
        EXPECT_GE(merged.busy_median(), low / 1.03) << ranks << "x" << threads;
        EXPECT_LE(merged.busy_median(), high * 1.03) << ranks << "x" << threads;
      }
    }
  }
}

TEST(WorkerSummary, TravelsAsACompactMessage) {
  std::mt19937_64 random(5);
  WorkerSummary summary;
  for (const auto& sample : random_workers(40, 2, random)) {
    summary.add(sample);
  }
  std::vector<char> bytes;
  summary.append_to(bytes);
  EXPECT_LT(bytes.size(), sizeof(WorkerSummary)) << "only the occupied histogram bins travel";
  std::size_t offset = 0;
  const WorkerSummary back = WorkerSummary::read_from(bytes, offset);
  EXPECT_EQ(offset, bytes.size());
  EXPECT_EQ(back.workers(), summary.workers());
  EXPECT_EQ(back.blocks(), summary.blocks());
  EXPECT_EQ(back.busy_min(), summary.busy_min());
  EXPECT_EQ(back.busy_max(), summary.busy_max());
  EXPECT_EQ(back.busy_mean(), summary.busy_mean());
  EXPECT_EQ(back.busy_median(), summary.busy_median());
  EXPECT_EQ(back.named().size(), summary.named().size());
  bytes.pop_back();
  offset = 0;
  EXPECT_THROW(WorkerSummary::read_from(bytes, offset), std::runtime_error);
}

}  // namespace
}  // namespace parscale
