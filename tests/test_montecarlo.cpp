// The Monte Carlo kernel: the vectorised Philox against Random123 and its published
// known-answer vectors (on the vector path too), the exact hit test, statistical validity,
// determinism, uncorrelated worker streams, and bit-identical hits in block mode for every
// thread count and schedule.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <set>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "invariance.hpp"
#include "montecarlo.hpp"
#include "philox.hpp"

namespace parscale {
namespace {

struct KnownAnswer {
  philox::Words counter;
  philox::Key key;
  philox::Words output;
};

// Random123's examples/kat_vectors, the three "philox4x32 10" lines (counter, key, output).
const KnownAnswer kKnownAnswers[] = {
    {{0x00000000, 0x00000000, 0x00000000, 0x00000000}, {0x00000000, 0x00000000},
     {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

std::uint64_t index_of(const philox::Words& counter) { return (std::uint64_t{counter[1]} << 32) | counter[0]; }
std::uint64_t stream_of(const philox::Words& counter) { return (std::uint64_t{counter[3]} << 32) | counter[2]; }

TEST(Philox, Random123MatchesThePublishedKnownAnswers) {
  for (const auto& answer : kKnownAnswers) {
    EXPECT_EQ(philox::random123(answer.counter, answer.key), answer.output);
    EXPECT_EQ(philox::random123(answer.key, stream_of(answer.counter), index_of(answer.counter)), answer.output);
  }
}

TEST(Philox, VectorisedAndPortableGeneratorsMatchTheKnownAnswers) {
  for (const auto& answer : kKnownAnswers) {
    // The 8-aligned window of blocks holding the known answer's counter: 2^32 is a multiple of
    // 8, so its lanes share the high index word and the vector path computes all of them (a
    // window crossing that word falls back to the portable path).
    const std::uint64_t index = index_of(answer.counter);
    const std::uint64_t first = index - index % 8;
    ASSERT_EQ(first >> 32, (first + 7) >> 32);
    const std::uint64_t lane = index - first;
    std::vector<std::uint32_t> vectorised(4 * 8);
    std::vector<std::uint32_t> portable(4 * 8);
    sampling::generate(answer.key, stream_of(answer.counter), first, 8, vectorised.data());
    sampling::generate_portable(answer.key, stream_of(answer.counter), first, 8, portable.data());
    EXPECT_EQ(philox::Words({portable[4 * lane], portable[4 * lane + 1], portable[4 * lane + 2],
                             portable[4 * lane + 3]}),
              answer.output);
    EXPECT_EQ(philox::Words({vectorised[4 * lane], vectorised[4 * lane + 1], vectorised[4 * lane + 2],
                             vectorised[4 * lane + 3]}),
              answer.output);
  }
  if (!sampling::has_avx512()) {
    GTEST_SKIP() << "built without AVX-512: generate() is the portable path, so only that path was checked";
  }
}

TEST(Philox, VectorisedGeneratorIsBitIdenticalToScalarRandom123) {
  const std::vector<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> cases = {
      // (seed, stream, first index): zero, carries from index word 0 into word 1, all-ones words
      {0, 0, 0},
      {20240601, 3, (std::uint64_t{1} << 32) - 13},
      {0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFFFFFFFFFFULL - 200},
      {0x0123456789ABCDEFULL, 0xFEDCBA9876543210ULL, 0x00000000FFFFFFF0ULL},
      {7, 1ULL << 40, 1ULL << 61}};
  for (const auto& [seed, stream, first] : cases) {
    const philox::Key key = philox::key_from_seed(seed);
    constexpr std::uint64_t count = 203;  // whole vectors plus a ragged end
    std::vector<std::uint32_t> vectorised(4 * count);
    std::vector<std::uint32_t> portable(4 * count);
    sampling::generate(key, stream, first, count, vectorised.data());
    sampling::generate_portable(key, stream, first, count, portable.data());
    EXPECT_EQ(vectorised, portable) << "seed " << seed << " stream " << stream;
    for (std::uint64_t k = 0; k < count; ++k) {
      const philox::Words scalar = philox::random123(key, stream, first + k);
      ASSERT_EQ(philox::Words({vectorised[4 * k], vectorised[4 * k + 1], vectorised[4 * k + 2],
                               vectorised[4 * k + 3]}),
                scalar)
          << "seed " << seed << " stream " << stream << " index " << first + k;
    }
  }
}

TEST(Sampling, ShippedAndPortableLoopsCountTheSameHits) {
  const philox::Key key = philox::key_from_seed(MonteCarloPi::default_seed);
  // Odd and even starts, lengths around the 32-sample vector batch, a large range.
  for (const std::uint64_t first : {0ULL, 1ULL, 2ULL, 31ULL, 33ULL, 65536ULL, (1ULL << 33) - 99, (1ULL << 33) - 40, (1ULL << 33) + 7}) {
    for (const std::uint64_t count : {0ULL, 1ULL, 2ULL, 3ULL, 31ULL, 32ULL, 33ULL, 63ULL, 64ULL, 1000ULL, 100001ULL}) {
      EXPECT_EQ(sampling::count_hits(key, 5, first, count), sampling::count_hits_portable(key, 5, first, count))
          << "first " << first << " count " << count;
    }
  }
}

TEST(Sampling, HitsFollowTheDocumentedMappingOfPhiloxWords) {
  // Sample s uses Philox block s/2: words (0,1) when s is even, (2,3) when s is odd.
  const philox::Key key = philox::key_from_seed(99);
  std::uint64_t hits = 0;
  for (std::uint64_t sample = 10; sample < 10 + 777; ++sample) {
    const philox::Words words = philox::random123(key, 42, sample / 2);
    hits += sample % 2 == 0 ? sampling::is_hit(words[0], words[1]) : sampling::is_hit(words[2], words[3]);
  }
  EXPECT_EQ(sampling::count_hits(key, 42, 10, 777), hits);
}

__extension__ using Wide = unsigned __int128;

// The definition: the cell centre ((x + 1/2) / 2^32, (y + 1/2) / 2^32) lies in the disk.
bool centre_in_disk(std::uint32_t x, std::uint32_t y) {
  const Wide a = 2 * Wide{x} + 1;
  const Wide b = 2 * Wide{y} + 1;
  return a * a + b * b <= (Wide{1} << 66);
}

TEST(Sampling, HitTestIsExactOnTheCircle) {
  constexpr std::uint32_t kMax = 0xFFFFFFFFU;
  EXPECT_TRUE(sampling::is_hit(0, 0));
  EXPECT_TRUE(sampling::is_hit(kMax, 0));
  EXPECT_TRUE(sampling::is_hit(0, kMax));
  EXPECT_FALSE(sampling::is_hit(kMax, kMax));
  EXPECT_FALSE(sampling::is_hit(kMax, 1U << 20));
  // Along the circle: for each x, the last y inside and the first one outside.
  for (std::uint64_t x = 0; x <= kMax; x += 9'999'991) {
    const double centre_x = (static_cast<double>(x) + 0.5) / 4294967296.0;
    const auto guess = static_cast<std::int64_t>(std::sqrt(1.0 - centre_x * centre_x) * 4294967296.0);
    for (std::int64_t y = std::max<std::int64_t>(0, guess - 3); y <= std::min<std::int64_t>(kMax, guess + 3); ++y) {
      const auto wx = static_cast<std::uint32_t>(x);
      const auto wy = static_cast<std::uint32_t>(y);
      ASSERT_EQ(sampling::is_hit(wx, wy), centre_in_disk(wx, wy)) << x << ", " << y;
    }
  }
}

std::uint64_t serial_hits(const MonteCarloPi& kernel) {
  LocalTeam alone;
  ExecutionPlan plan;
  plan.model = Model::serial;
  return run_once(kernel, plan, alone).total;
}

TEST(MonteCarlo, EstimatesAreStatisticallyValidForSeveralSeeds) {
  constexpr std::uint64_t samples = 4'000'000;
  double sum_of_squares = 0.0;
  // 6 seeds x 2 stream modes: 12 degrees of freedom below.
  for (const std::uint64_t seed : std::vector<std::uint64_t>{1, 2, 3, 12345, MonteCarloPi::default_seed, 0xFFFFFFFFFFFFFFFFULL}) {
    for (const StreamMode mode : {StreamMode::rank, StreamMode::block}) {
      const MonteCarloPi kernel(samples, seed, mode);
      const PiEstimate estimate = kernel.finalize(serial_hits(kernel));
      const Verdict verdict = kernel.verdict(estimate);
      EXPECT_TRUE(verdict.passed()) << "seed " << seed << " " << to_string(mode) << ": " << verdict.value_text;
      const double z = (estimate.pi - std::numbers::pi) / estimate.sigma;
      sum_of_squares += z * z;
    }
  }
  // Chi-square with 12 degrees of freedom: P(> 32.9) = 0.001. Too small a spread would
  // mean correlated seeds, too large a biased generator.
  EXPECT_LT(sum_of_squares, 32.9);
  EXPECT_GT(sum_of_squares, 3.07);  // P(< 3.07) = 0.005
}

TEST(MonteCarlo, VerdictCatchesAWrongEstimateAndPrintsTheFactor) {
  const MonteCarloPi kernel(1'000'000, 1, StreamMode::block);
  const double sigma = pi_estimate_sigma(1'000'000);
  const auto hits_for = [](double pi) { return static_cast<std::uint64_t>(std::llround(pi / 4.0 * 1e6)); };
  EXPECT_TRUE(kernel.verdict(kernel.finalize(hits_for(std::numbers::pi + 4.5 * sigma))).passed());
  const Verdict wrong = kernel.verdict(kernel.finalize(hits_for(std::numbers::pi + 5.5 * sigma)));
  EXPECT_FALSE(wrong.passed());
  EXPECT_NE(wrong.criterion.find("<= 5 sigma"), std::string::npos) << wrong.criterion;
  EXPECT_NEAR(wrong.tolerance, 5 * sigma, 1e-15);
  EXPECT_NEAR(sigma, 4 * std::sqrt(std::numbers::pi / 4 * (1 - std::numbers::pi / 4) / 1e6), 1e-15);
  EXPECT_NE(wrong.detail.find("hits"), std::string::npos);
}

std::vector<std::uint64_t> hits_per_block(const MonteCarloPi& kernel) {
  std::vector<std::uint64_t> hits;
  for (std::uint64_t begin = 0; begin < kernel.work_size(); begin += kernel.block_size()) {
    hits.push_back(kernel.compute(begin, std::min(begin + kernel.block_size(), kernel.work_size()), WorkerId{}));
  }
  return hits;
}

TEST(MonteCarlo, SameSeedSameHitsDifferentSeedsDifferentHits) {
  constexpr std::uint64_t samples = 16 * MonteCarloPi::samples_per_block;
  for (const StreamMode mode : {StreamMode::rank, StreamMode::block}) {
    std::set<std::vector<std::uint64_t>> seen;
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
      const MonteCarloPi kernel(samples, seed, mode);
      const std::vector<std::uint64_t> hits = hits_per_block(kernel);
      EXPECT_EQ(hits, hits_per_block(MonteCarloPi(samples, seed, mode)));
      EXPECT_EQ(serial_hits(kernel), serial_hits(MonteCarloPi(samples, seed, mode)));
      EXPECT_TRUE(seen.insert(hits).second) << "seed " << seed << " repeats another seed's hits";
    }
  }
}

TEST(MonteCarlo, NeighbouringWorkerStreamsAreUncorrelated) {
  // Distinct stream numbers are distinct by construction; what matters is that their samples are
  // independent. For workers w and w + 1 (and w and a far worker) at the same sample indices,
  // hit/miss agree with probability q^2 + (1-q)^2 (q = pi/4) if independent, 1 if a stream
  // ignored its number. The agreement count must lie within 5 sigma of independence.
  const philox::Key key = philox::key_from_seed(MonteCarloPi::default_seed);
  constexpr std::uint64_t samples = 1'000'000;
  constexpr double q = std::numbers::pi / 4.0;
  const double p_agree = q * q + (1.0 - q) * (1.0 - q);
  const double sigma = std::sqrt(samples * p_agree * (1.0 - p_agree));
  const WorkerId worker{3, 250, 1, 4};
  for (const WorkerId& other : {WorkerId{3, 250, 2, 4}, WorkerId{249, 250, 3, 4}}) {
    const std::uint64_t a = MonteCarloPi::worker_stream(worker);
    const std::uint64_t b = MonteCarloPi::worker_stream(other);
    ASSERT_NE(a, b);
    std::uint64_t agree = 0;
    for (std::uint64_t block = 0; block < samples / 2; ++block) {
      const philox::Words x = philox::random123(key, a, block);
      const philox::Words y = philox::random123(key, b, block);
      agree += sampling::is_hit(x[0], x[1]) == sampling::is_hit(y[0], y[1]) ? 1 : 0;
      agree += sampling::is_hit(x[2], x[3]) == sampling::is_hit(y[2], y[3]) ? 1 : 0;
    }
    EXPECT_LT(std::abs(static_cast<double>(agree) - samples * p_agree), 5.0 * sigma)
        << "streams " << a << " and " << b << " agree on " << agree << " of " << samples;
  }
}

TEST(MonteCarlo, RecordedWorkerStreamsAreTheOnesComputeUses) {
  // The streams describe_workers records are those compute() draws from: worker (1, 1) of
  // 250 x 4 computes a range exactly as count_hits does on the recorded stream.
  const MonteCarloPi kernel(4 * MonteCarloPi::samples_per_block, 1, StreamMode::rank);
  nlohmann::json details;
  kernel.describe_workers(details, 250, 4);
  ASSERT_EQ(details["worker_streams"].size(), 1000U);
  const auto& entry = details["worker_streams"][5];
  EXPECT_EQ(entry["rank"], 1);
  EXPECT_EQ(entry["thread"], 1);
  const std::uint64_t stream = entry["stream"].get<std::uint64_t>();
  const philox::Key key = philox::key_from_seed(1);
  EXPECT_EQ(kernel.compute(1000, 5000, WorkerId{1, 250, 1, 4}), sampling::count_hits(key, stream, 1000, 4000));
  EXPECT_NE(kernel.compute(1000, 5000, WorkerId{1, 250, 2, 4}), sampling::count_hits(key, stream, 1000, 4000));
}

TEST(MonteCarlo, BlockModeSplitAndCombineIsExact) {
  const MonteCarloPi kernel(5 * MonteCarloPi::samples_per_block + 333, 11, StreamMode::block);
  const std::uint64_t end = kernel.work_size();
  const std::uint64_t whole = kernel.compute(0, end, WorkerId{});
  for (const std::uint64_t middle : std::vector<std::uint64_t>{1, 2, 77, 65535, 65536, 100001, end - 1}) {
    EXPECT_EQ(MonteCarloPi::combine(kernel.compute(0, middle, WorkerId{}), kernel.compute(middle, end, WorkerId{3, 4, 1, 2})),
              whole)
        << "split at " << middle;
  }
}

TEST(MonteCarlo, BlockModeHitsAreIdenticalForEveryThreadCountAndSchedule) {
  testing::expect_serial_bits_for_every_openmp_plan(
      MonteCarloPi(7 * MonteCarloPi::samples_per_block + 12345, 5, StreamMode::block));
}

TEST(MonteCarlo, RankModeGivesEachThreadItsOwnStream) {
  // Static schedule, 2 threads: thread t computes the t-th contiguous half of the blocks
  // from stream t, so the total is predictable, and differs from the serial one.
  const MonteCarloPi kernel(4 * MonteCarloPi::samples_per_block, 8, StreamMode::rank);
  const philox::Key key = philox::key_from_seed(8);
  const std::uint64_t half = 2 * MonteCarloPi::samples_per_block;
  const std::uint64_t expected = sampling::count_hits(key, 0, 0, half) + sampling::count_hits(key, 1, half, half);
  LocalTeam alone;
  ExecutionPlan plan;
  plan.model = Model::openmp;
  plan.threads = 2;
  plan.schedule = Schedule{ScheduleKind::static_block, 0};
  EXPECT_EQ(run_once(kernel, plan, alone).total, expected);
  EXPECT_NE(expected, serial_hits(kernel));
}

TEST(MonteCarlo, RejectsZeroAndTooManySamples) {
  EXPECT_THROW(MonteCarloPi(0, 1, StreamMode::rank), std::invalid_argument);
  EXPECT_THROW(MonteCarloPi((std::uint64_t{1} << 62) + 1, 1, StreamMode::rank), std::invalid_argument);
  EXPECT_NO_THROW(MonteCarloPi(std::uint64_t{1} << 62, 1, StreamMode::block));
  EXPECT_NO_THROW(MonteCarloPi(1, 1, StreamMode::block));
}

}  // namespace
}  // namespace parscale
