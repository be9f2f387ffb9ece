// The oracle (kernels/primes_oracle.*) against the published sums and counts below 10^k
// (OEIS A046731, A006880) through 10^12, against libprimesieve's iterator at random N, and
// against the segmented sieve; the verdicts it gives the primes workloads.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include <primesieve.hpp>

#include "primes_oracle.hpp"
#include "primes_sieve.hpp"
#include "primes_trial.hpp"

namespace parscale {
namespace {

TEST(PrimeOracle, PublishedSumsAndCountsBelowPowersOfTenThrough1e12) {
  int checked = 0;
  for (const auto& known : known_prime_totals()) {
    if (known.limit > 1'000'000'000'000ULL) {
      continue;  // 10^13..10^15: by hand (docs/verification.md), minutes each
    }
    const PrimeTotals totals = lucy_prime_totals(known.limit);
    EXPECT_EQ(to_decimal(totals.sum), known.sum) << "N = " << known.limit;
    EXPECT_EQ(totals.count, known.count) << "N = " << known.limit;
    ++checked;
  }
  EXPECT_EQ(checked, 12);  // 10^1 .. 10^12
}

TEST(PrimeOracle, AgreesWithLibprimesieveAtRandomLimits) {
  // One pass of libprimesieve's iterator (sums in __int128) past sorted random limits up to 4e9,
  // so the limits fall anywhere, not on round numbers. (Sums past 2^64 start near N = 3e10: the
  // table's 10^11 and 10^12 check those.)
  std::mt19937_64 random(20261202);
  std::vector<std::uint64_t> limits = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 4'000'000'000};
  for (int k = 0; k < 30; ++k) {
    limits.push_back(random() % 4'000'000'000ULL);
  }
  std::sort(limits.begin(), limits.end());
  primesieve::iterator primes;
  std::uint64_t prime = primes.next_prime();
  PrimeTotals running;
  for (const std::uint64_t limit : limits) {
    while (prime < limit) {
      running.sum += prime;
      ++running.count;
      prime = primes.next_prime();
    }
    const PrimeTotals oracle = lucy_prime_totals(limit);
    EXPECT_EQ(to_decimal(oracle.sum), to_decimal(running.sum)) << "N = " << limit;
    EXPECT_EQ(oracle.count, running.count) << "N = " << limit;
  }
  EXPECT_EQ(running.count, 189961812U);  // pi(4e9): the pass reached the last limit
}

TEST(PrimeOracle, CountAgreesWithLibprimesieveAtLargeRandomLimits) {
  std::mt19937_64 random(7);
  for (int k = 0; k < 3; ++k) {
    const std::uint64_t limit = 4'000'000'000ULL + random() % 16'000'000'000ULL;
    EXPECT_EQ(lucy_prime_totals(limit).count, primesieve::count_primes(0, limit - 1)) << "N = " << limit;
  }
}

TEST(PrimeOracle, AgreesWithTheSieveOnEveryLimitUpTo3000) {
  for (std::uint64_t n = 0; n <= 3000; ++n) {
    const PrimeTotals oracle = lucy_prime_totals(n);
    const PrimeTotals plain = plain_sieve_totals(n);
    ASSERT_EQ(to_decimal(oracle.sum), to_decimal(plain.sum)) << "N = " << n;
    ASSERT_EQ(oracle.count, plain.count) << "N = " << n;
  }
}

TEST(PrimeOracle, RejectsLimitsAboveTheMaximum) {
  EXPECT_THROW(lucy_prime_totals(kOracleMaxLimit + 1), std::invalid_argument);
  EXPECT_THROW(PrimeSumOracle(0), std::invalid_argument);
}

TEST(PrimeVerdicts, SieveAtAnUnlistedLimitIsCheckedByTheOracle) {
  const PrimeSieveSum sieve(12'345'679);
  PrimeTotals totals = sieve.compute(0, sieve.limit());
  const Verdict pass = sieve.verdict(totals);
  EXPECT_EQ(pass.status, VerdictStatus::pass);
  EXPECT_EQ(pass.reference_source, "oracle: Lucy_Hedgehog sum and count below N");
  totals.count += 1;
  EXPECT_EQ(sieve.verdict(totals).status, VerdictStatus::fail);
  totals.count -= 1;
  totals.sum -= 2;
  EXPECT_EQ(sieve.verdict(totals).status, VerdictStatus::fail);
  EXPECT_EQ(sieve.result(totals).status, VerdictStatus::unverified);
}

TEST(PrimeVerdicts, PowersOfTenUseThePublishedTableAndAGivenReferenceWins) {
  PrimeSieveSum sieve(1'000'000);
  const PrimeTotals totals = sieve.compute(0, sieve.limit());
  EXPECT_NE(sieve.verdict(totals).reference_source.find("published table"), std::string::npos);
  EXPECT_EQ(sieve.reference_seconds_estimate(), 0.0);
  sieve.set_given_reference(37550402024);  // off by one
  const Verdict given = sieve.verdict(totals);
  EXPECT_EQ(given.status, VerdictStatus::fail);
  EXPECT_EQ(given.reference_source, "given with --reference (the sum only)");
}

TEST(PrimeVerdicts, TrialChecksumIsCheckedTaskByTaskByTheOracle) {
  const PrimeSumsTrial trial(5000, 100);
  const uint128 checksum = trial.compute(0, trial.work_size());
  const Verdict pass = trial.verdict(checksum);
  EXPECT_EQ(pass.status, VerdictStatus::pass);
  EXPECT_NE(pass.reference_source.find("oracle"), std::string::npos);
  EXPECT_EQ(trial.verdict(checksum + 1).status, VerdictStatus::fail);
}

TEST(PrimeVerdicts, OracleWorkloadIsCheckedByTheTableOrTheSieveNeverByItself) {
  const PrimeSumOracle oracle(54'321);
  const PrimeTotals totals = oracle.compute(0, 1);
  const Verdict verdict = oracle.verdict(totals);
  EXPECT_EQ(verdict.status, VerdictStatus::pass);
  EXPECT_NE(verdict.reference_source.find("sieve"), std::string::npos);
  const PrimeSumOracle beyond(123'456'789'012ULL);
  EXPECT_EQ(beyond.verdict(PrimeTotals{}).status, VerdictStatus::unverified);
}

}  // namespace
}  // namespace parscale
