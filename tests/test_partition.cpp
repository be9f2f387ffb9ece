// Partition arithmetic: every block exactly once, remainders on low ranks, no overflow up
// to 2^62 blocks and any rank count.
#include <gtest/gtest.h>

#include <cstdint>

#include "driver.hpp"

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

TEST(Partition, DynamicChunkIsPositive) {
  EXPECT_GE(dynamic_chunk(0, 4, 1, 0), 1U);
  EXPECT_GE(dynamic_chunk(400, 2, 1, 0), 1U);
  EXPECT_EQ(dynamic_chunk(400, 2, 1, 7), 7U);
}

TEST(Partition, SummaryPicksMedianRepetition) {
  const TimingSummary summary = summarize({3.0, 1.0, 2.0});
  EXPECT_EQ(summary.min, 1.0);
  EXPECT_EQ(summary.median, 2.0);
  EXPECT_EQ(summary.max, 3.0);
  EXPECT_EQ(summary.median_index, 2U);
  EXPECT_EQ(summarize({1.0, 2.0}).median, 1.5);
}

}  // namespace
}  // namespace parscale
