// The primes kernels under real MPI (np 1..4): every distribution, thread count and
// schedule gives the serial driver's exact result.
#include <gtest/gtest.h>

#include "invariance.hpp"
#include "mpi_world.hpp"
#include "primes_sieve.hpp"
#include "primes_trial.hpp"

namespace parscale {
namespace {

using testing::world;

template <Kernel K>
void expect_serial_result_everywhere(const K& kernel) {
  testing::expect_serial_bits_for_every_plan(kernel, world(), testing::team_plans());
}

TEST(MpiPrimes, TrialChecksumIsTheSameForEveryDecomposition) {
  expect_serial_result_everywhere(PrimeSumsTrial(20'000, 250));  // 80 tasks
}

TEST(MpiPrimes, SieveTotalsAreTheSameForEveryDecomposition) {
  // 9 blocks of 16 segments of 480 numbers, and a ragged end.
  expect_serial_result_everywhere(PrimeSieveSum(9 * 16 * 480 + 77, 16, 16));
}

TEST(MpiPrimes, SieveBelowOneHundredMillionIsExact) {
  const PrimeSieveSum kernel(100'000'000);
  for (const Distribution distribution : testing::all_distributions()) {
    ExecutionPlan plan;
    plan.model = Model::mpi;
    plan.distribution = distribution;
    const auto run = run_once(kernel, plan, world());
    if (world().rank() == 0) {
      EXPECT_EQ(to_decimal(run.total.sum), "279209790387276") << to_string(distribution);
      EXPECT_EQ(run.total.count, 5761455U) << to_string(distribution);
    }
  }
}

}  // namespace
}  // namespace parscale
