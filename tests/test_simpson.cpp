// The Simpson kernel: its error model, the split/combine property, and bit-identical
// results for every thread count and schedule.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "invariance.hpp"
#include "simpson.hpp"

namespace parscale {
namespace {

double pi_estimate(std::uint64_t intervals) {
  const SimpsonPi kernel(intervals);
  return kernel.finalize(kernel.compute(0, kernel.work_size()));
}

TEST(Simpson, ErrorFallsAsNToTheMinusOneAndAHalf) {
  // Error ~ C n^-1.5 with C ~ 0.4592 (the derivative is singular at x = 1).
  for (std::uint64_t n : {1000ULL, 10000ULL, 100000ULL}) {
    const double error = std::numbers::pi - pi_estimate(n);
    const double constant = error * std::pow(static_cast<double>(n), 1.5);
    EXPECT_NEAR(constant, 0.4592, 0.01) << "n = " << n;
  }
  const double slope = std::log10((std::numbers::pi - pi_estimate(1000000)) /
                                  (std::numbers::pi - pi_estimate(10000))) / 2.0;
  EXPECT_NEAR(slope, -1.5, 0.02);
}

TEST(Simpson, ValidatesWithinItsTolerance) {
  for (std::uint64_t n : {2ULL, 4ULL, 100ULL, 1000000ULL}) {
    const SimpsonPi kernel(n);
    const Verdict verdict = kernel.verdict(pi_estimate(n));
    EXPECT_TRUE(verdict.valid) << "n = " << n << " error " << verdict.error;
    EXPECT_LE(verdict.error, verdict.tolerance);
  }
  const SimpsonPi kernel(1000);
  EXPECT_FALSE(kernel.verdict(3.14).valid);  // a wrong value is caught
}

TEST(Simpson, SplitAndCombineAgreeToRounding) {
  const SimpsonPi kernel(200000);
  const std::uint64_t end = kernel.work_size();
  const double whole = kernel.compute(0, end);
  for (const std::uint64_t middle : std::vector<std::uint64_t>{1, 2, 3, 777, 65536, 100001, end - 1}) {
    const double split = SimpsonPi::combine(kernel.compute(0, middle), kernel.compute(middle, end));
    EXPECT_NEAR(split, whole, 1e-15 * std::abs(whole) * 64) << "split at " << middle;
  }
}

TEST(Simpson, RejectsOddZeroAndTooLargeIntervalCounts) {
  EXPECT_THROW(SimpsonPi(0), std::invalid_argument);
  EXPECT_THROW(SimpsonPi(3), std::invalid_argument);
  EXPECT_THROW(SimpsonPi((std::uint64_t{1} << 62) + 2), std::invalid_argument);
  EXPECT_NO_THROW(SimpsonPi(std::uint64_t{1} << 62));
}

TEST(Simpson, BitIdenticalForEveryThreadCountAndSchedule) {
  const SimpsonPi kernel(7 * SimpsonPi::points_per_block + 12346);
  const std::string expected = testing::serial_result(kernel);
  for (int threads = 1; threads <= 3; ++threads) {
    for (const Schedule schedule : testing::all_schedules()) {
      LocalTeam alone;
      ExecutionPlan plan;
      plan.model = Model::openmp;
      plan.threads = threads;
      plan.schedule = schedule;
      EXPECT_EQ(testing::result_text(kernel, run_once(kernel, plan, alone).total), expected)
          << threads << " threads, " << to_string(schedule);
    }
  }
}

TEST(Simpson, ReachesTheSimpsonFloorAtOneHundredMillion) {
  // 4.6e-13 expected; naive summation would add ~1e-13 of rounding.
  const SimpsonPi kernel(100'000'000);
  LocalTeam alone;
  ExecutionPlan plan;
  plan.model = Model::openmp;
  plan.threads = 2;
  const double error = std::abs(kernel.finalize(run_once(kernel, plan, alone).total) - std::numbers::pi);
  EXPECT_LT(error, 1e-11);
  EXPECT_NEAR(error, 0.4592e-12, 0.03e-12);
}

}  // namespace
}  // namespace parscale
