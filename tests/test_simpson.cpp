// The Simpson kernel: its error model, the split/combine property, and bit-identical
// results for every thread count and schedule.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "fast_sqrt.hpp"
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
    EXPECT_TRUE(verdict.passed()) << "n = " << n << " error " << verdict.error;
    EXPECT_LE(verdict.error, verdict.tolerance);
  }
  const SimpsonPi kernel(1000);
  EXPECT_FALSE(kernel.verdict(3.14).passed());  // a wrong value is caught
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
  testing::expect_serial_bits_for_every_openmp_plan(SimpsonPi(7 * SimpsonPi::points_per_block + 12346));
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

#ifdef __AVX512F__
// Signed distance of simd::fast_sqrt(a) from std::sqrt(a), in ulps of std::sqrt(a).
std::vector<double> fast_sqrt_ulp_errors(const std::vector<double>& arguments) {
  std::vector<double> errors;
  errors.reserve(arguments.size());
  for (const double a : arguments) {
    alignas(64) double lanes[8];
    _mm512_store_pd(lanes, simd::fast_sqrt(_mm512_set1_pd(a)));
    const double exact = std::sqrt(a);
    const double ulp = std::nextafter(exact, INFINITY) - exact;
    errors.push_back((lanes[0] - exact) / ulp);
  }
  return errors;
}

// The arguments the kernel feeds to sqrt near x = 1: (n - i)(n + i) for i close to n.
std::vector<double> arguments_near_x_equal_one(double intervals, int count) {
  std::vector<double> arguments;
  for (int k = 1; k <= count; ++k) {
    arguments.push_back((static_cast<double>(k)) * (2.0 * intervals - static_cast<double>(k)));
  }
  return arguments;
}
#endif

TEST(FastSqrt, WithinTheDocumentedUlpsOfStdSqrtOverASweep) {
#ifndef __AVX512F__
  GTEST_SKIP() << "built without AVX-512: fast_sqrt does not exist in this build";
#else
  std::vector<double> arguments = {0.0, DBL_TRUE_MIN, DBL_MIN, 1.0, 2.0, 3.0, DBL_MAX};
  // Every binade from the subnormals to DBL_MAX, 64 mantissas each (odd and even exponents).
  for (int exponent = -1074; exponent <= 1023; ++exponent) {
    for (int m = 0; m < 64; ++m) {
      arguments.push_back(std::ldexp(1.0 + m / 64.0, exponent));
    }
  }
  std::mt19937_64 random(20261123);
  std::uniform_real_distribution<double> mantissa(1.0, 4.0);
  for (int k = 0; k < 200000; ++k) {
    arguments.push_back(mantissa(random));
  }
  for (const double n : {1e8, 1e9, 4e15}) {
    const auto near_one = arguments_near_x_equal_one(n, 20000);
    arguments.insert(arguments.end(), near_one.begin(), near_one.end());
  }
  const auto errors = fast_sqrt_ulp_errors(arguments);
  double worst = 0.0;
  for (std::size_t k = 0; k < errors.size(); ++k) {
    ASSERT_LE(std::abs(errors[k]), simd::fast_sqrt_max_ulps) << "sqrt(" << arguments[k] << ")";
    worst = std::max(worst, std::abs(errors[k]));
  }
  EXPECT_GT(worst, 0.0) << "a sweep this long should find at least one 1-ulp case";
  alignas(64) double zero[8];
  _mm512_store_pd(zero, simd::fast_sqrt(_mm512_setzero_pd()));
  EXPECT_EQ(zero[0], 0.0);  // the x = 1 end point: exactly 0, not NaN
#endif
}

TEST(FastSqrt, HasNoMeasurableMeanBias) {
#ifndef __AVX512F__
  GTEST_SKIP() << "built without AVX-512: fast_sqrt does not exist in this build";
#else
  // A bias b (in ulps, ~b * 2^-52 relative) moves pi by ~b * 7e-16: 0.05 ulp would be
  // 3.5e-17, far below the Simpson floor 1.45e-14 at n = 1e9. Measured: ~-0.01 ulp.
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> mantissa(1.0, 4.0);
  std::vector<double> arguments(1'000'000);
  std::generate(arguments.begin(), arguments.end(), [&] { return mantissa(random); });
  const auto near_one = arguments_near_x_equal_one(1e9, 1'000'000);
  for (const auto& sample : {arguments, near_one}) {
    const auto errors = fast_sqrt_ulp_errors(sample);
    double sum = 0.0;
    for (const double error : errors) {
      sum += error;
    }
    EXPECT_LT(std::abs(sum / static_cast<double>(errors.size())), 0.05);
  }
#endif
}

TEST(Simpson, SqrtPathsAgreeWithinTheDocumentedBound) {
  using Path = SimpsonPi::SqrtPath;
  EXPECT_TRUE(SimpsonPi::has_path(Path::portable));
  const SimpsonPi kernel(1'000'000'000);
  if (!SimpsonPi::has_path(Path::avx512)) {
    EXPECT_THROW((void)kernel.compute_with(Path::avx512, 0, 10), std::invalid_argument);
    GTEST_SKIP() << "built without AVX-512: only the portable path exists";
  }
  // Blocks at x = 0 (end point), mid-range, near x = 1, the block holding x = 1, and
  // ranges that start odd or end mid-vector.
  const std::uint64_t end = kernel.work_size();
  const std::uint64_t block = SimpsonPi::points_per_block;
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges = {
      {0, block}, {7000 * block, 7001 * block}, {end - 3 * block, end - 2 * block},
      {end - end % block, end}, {12345, 12345 + 1001}, {end - 1017, end}, {5, 6}};
  for (const auto& [begin, stop] : ranges) {
    // Reference: the same points, std::sqrt, summed in long double.
    long double reference = 0.0L;
    for (std::uint64_t i = begin; i < stop; ++i) {
      const long double weight = (i == 0 || i == 1'000'000'000) ? 1.0L : (i % 2 == 0 ? 2.0L : 4.0L);
      reference += weight * std::sqrt(static_cast<long double>(1'000'000'000 - i) * (1'000'000'000 + i));
    }
    reference /= 1e9L;
    // 1 ulp per square root (2.2e-16 relative) plus the rounding of summing up to 65536
    // terms in a few chains: measured <= 1.3e-15 (portable), <= 4.3e-16 (avx512).
    constexpr double bound = 4e-15;
    const double portable = kernel.compute_with(Path::portable, begin, stop);
    const double avx512 = kernel.compute_with(Path::avx512, begin, stop);
    EXPECT_LE(std::abs(static_cast<double>((portable - reference) / reference)), bound) << begin << ".." << stop;
    EXPECT_LE(std::abs(static_cast<double>((avx512 - reference) / reference)), bound) << begin << ".." << stop;
  }
}

// pi from the block partials of one path, summed in long double so the sum adds no visible rounding.
double pi_through_path(const SimpsonPi& kernel, SimpsonPi::SqrtPath path) {
  long double sum = 0.0L;
  for (std::uint64_t begin = 0; begin < kernel.work_size(); begin += kernel.block_size()) {
    sum += kernel.compute_with(path, begin, std::min(begin + kernel.block_size(), kernel.work_size()));
  }
  return kernel.finalize(static_cast<double>(sum));
}

TEST(Simpson, BothSqrtPathsSitOnTheSimpsonFloorAtOneBillion) {
  // Error model 0.4592 n^-1.5 = 1.452e-14 at n = 1e9 (measured 1.42e-14 with the driver).
  // A sqrt bias of 1 ulp would move pi by ~7e-16; the 0.05e-14 window catches that.
  const SimpsonPi kernel(1'000'000'000);
  for (const auto path : {SimpsonPi::SqrtPath::portable, SimpsonPi::SqrtPath::avx512}) {
    if (!SimpsonPi::has_path(path)) {
      continue;
    }
    const double error = std::numbers::pi - pi_through_path(kernel, path);
    EXPECT_NEAR(error, 1.43e-14, 0.05e-14) << "path " << static_cast<int>(path);
  }
}

}  // namespace
}  // namespace parscale
