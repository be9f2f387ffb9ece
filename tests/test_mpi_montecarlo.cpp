// Monte Carlo under real MPI (np 1..4): block streams give the serial driver's exact hits
// for every distribution, thread count and schedule; rank streams give each rank its own.
#include <gtest/gtest.h>

#include "invariance.hpp"
#include "montecarlo.hpp"
#include "mpi_world.hpp"

namespace parscale {
namespace {

using testing::world;

TEST(MpiMonteCarlo, BlockStreamsGiveSerialHitsForEveryDecomposition) {
  // 3 blocks per rank at most for np 4, plus a ragged last block of odd length.
  const MonteCarloPi kernel(3 * MonteCarloPi::samples_per_block + 1001, MonteCarloPi::default_seed, StreamMode::block);
  testing::expect_serial_bits_for_every_plan(kernel, world(), testing::team_plans());
}

TEST(MpiMonteCarlo, LargerBlockStreamRunMatchesSerialHits) {
  const MonteCarloPi kernel(10'000'000, 3, StreamMode::block);
  const std::string expected = testing::serial_result(kernel);
  ExecutionPlan plan;
  plan.model = Model::mpi;
  const auto run = run_once(kernel, plan, world());
  if (world().rank() == 0) {
    EXPECT_EQ(testing::result_text(kernel, run.total), expected);
    EXPECT_TRUE(kernel.verdict(kernel.finalize(run.total)).passed());
  }
}

TEST(MpiMonteCarlo, RankStreamsDrawEachRanksShareFromItsOwnStream) {
  const MonteCarloPi kernel(5 * MonteCarloPi::samples_per_block + 77, 17, StreamMode::rank);
  const philox::Key key = philox::key_from_seed(17);
  const std::uint64_t blocks = block_count(kernel.work_size(), kernel.block_size());
  std::uint64_t expected = 0;
  for (int rank = 0; rank < world().size(); ++rank) {
    const BlockSequence share = block_share(blocks, rank, world().size());
    const std::uint64_t begin = share.first * kernel.block_size();
    const std::uint64_t end = std::min(kernel.work_size(), (share.first + share.count) * kernel.block_size());
    if (share.count > 0) {
      expected += sampling::count_hits(key, static_cast<std::uint64_t>(rank), begin, end - begin);
    }
  }
  ExecutionPlan plan;
  plan.model = Model::mpi;
  plan.distribution = Distribution::block;
  const auto run = run_once(kernel, plan, world());
  if (world().rank() == 0) {
    EXPECT_EQ(run.total, expected);
  }
}

}  // namespace
}  // namespace parscale
