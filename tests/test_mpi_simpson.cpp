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
  testing::expect_serial_bits_for_every_plan(SimpsonPi(20'000'000), world(), testing::mpi_plans());
}

TEST(MpiSimpson, MoreRanksThanBlocks) {
  // One block: every rank but one has nothing to do.
  testing::expect_serial_bits_for_every_plan(SimpsonPi(100), world(), testing::mpi_plans());
}

}  // namespace
}  // namespace parscale
