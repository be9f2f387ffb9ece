// Simpson under real MPI (np 1..4): mpi and hybrid give the serial driver's exact bits
// for every distribution and schedule.
#include <gtest/gtest.h>

#include "invariance.hpp"
#include "mpi_world.hpp"
#include "simpson.hpp"

namespace parscale {
namespace {

using testing::world;

TEST(MpiSimpson, EveryDistributionAndThreadCountGivesSerialBits) {
  // 3 blocks per rank at most for np 4, plus a ragged last block.
  testing::expect_serial_bits_for_every_plan(SimpsonPi(3 * SimpsonPi::points_per_block + 1000), world(),
                                             testing::team_plans());
}

TEST(MpiSimpson, LargeProblemMatchesSerialBits) {
  const SimpsonPi kernel(20'000'000);
  const std::string expected = testing::serial_result(kernel);
  ExecutionPlan plan;
  plan.model = Model::mpi;
  const auto run = run_once(kernel, plan, world());
  if (world().rank() == 0) {
    EXPECT_EQ(testing::result_text(kernel, run.total), expected);
  }
}

TEST(MpiSimpson, MoreRanksThanBlocks) {
  const SimpsonPi kernel(100);  // one block: every rank but one has nothing to do
  const std::string expected = testing::serial_result(kernel);
  for (const Distribution distribution : testing::all_distributions()) {
    ExecutionPlan plan;
    plan.model = Model::mpi;
    plan.distribution = distribution;
    const auto run = run_once(kernel, plan, world());
    if (world().rank() == 0) {
      EXPECT_EQ(testing::result_text(kernel, run.total), expected) << to_string(distribution);
    }
  }
}

}  // namespace
}  // namespace parscale
