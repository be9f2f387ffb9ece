// An independent oracle for sums of primes: the exact sum and count of the primes below N
// by Lucy_Hedgehog's method, O(N^3/4) time and O(sqrt N) memory, with no sieve over [0, N).
//
// For every v in {floor(n / i)} (n = N - 1), S(v) starts as the sum (and count) of 2..v and
// loses, for each prime p <= sqrt(n) in turn, the numbers whose least prime factor is p:
//   S(v) -= p * (S(v / p) - S(p - 1))   for v >= p^2.
// Only +, - and * appear, so the sums are exact in unsigned __int128. It shares no code with
// the segmented sieve (kernels/primes_sieve.*), which is what makes it a check of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kernel.hpp"
#include "primes_sieve.hpp"

namespace parscale {

// The oracle's range: floor(n / d) is exact in double below 2^53, and 10^15 is the sieve's maximum.
inline constexpr std::uint64_t kOracleMaxLimit = 1'000'000'000'000'000;

// Sum and count of the primes below `limit` (limit <= kOracleMaxLimit; throws std::invalid_argument above).
PrimeTotals lucy_prime_totals(std::uint64_t limit);

// Seconds the oracle is expected to take at `limit` on one core of a 2020s server, from its
// measured times (docs/verification.md), rounded up: an estimate, used only to decide whether
// a check would cost more than the run it checks.
double lucy_seconds_estimate(std::uint64_t limit);

// Verdicts of exact prime totals, shared by the primes workloads.
// The value fields only (status unverified, no reference): for runs whose check is skipped.
Verdict prime_totals_result(const PrimeTotals& value);
// The totals of the primes in [from, limit) checked against `given` (a sum the user supplied)
// when set, else the published table where an end is 10^k (k <= 15), else this oracle: a
// window's reference is the difference of the totals below its two ends.
Verdict prime_totals_verdict(const PrimeTotals& value, std::uint64_t from, std::uint64_t limit,
                             const std::optional<uint128>& given);
// One core's seconds for that check (0 for table look-ups): lets a program skip a check dearer
// than the run.
double prime_totals_check_seconds(std::uint64_t from, std::uint64_t limit);

// The oracle as a primes workload: one block, so one worker computes it all, on one core.
// It lets a reader compare a better algorithm on one core with the sieve on P cores.
class PrimeSumOracle {
 public:
  using Partial = PrimeTotals;
  using Value = PrimeTotals;

  static constexpr std::uint64_t max_limit = kOracleMaxLimit;

  explicit PrimeSumOracle(std::uint64_t limit);

  [[nodiscard]] std::string name() const { return "oracle"; }
  [[nodiscard]] std::uint64_t limit() const { return limit_; }
  // One work index: the whole computation is one indivisible task (its steps depend on each other).
  [[nodiscard]] std::uint64_t work_size() const { return 1; }
  [[nodiscard]] std::uint64_t block_size() const { return 1; }
  [[nodiscard]] std::string work_unit() const { return "problems"; }

  [[nodiscard]] Partial compute(std::uint64_t begin, std::uint64_t end) const;
  static Partial identity() { return {}; }
  static Partial combine(const Partial& a, const Partial& b) { return {a.sum + b.sum, a.count + b.count}; }
  [[nodiscard]] Value finalize(const Partial& totals) const { return totals; }

  // Checked against the published table where N = 10^k, else against the segmented sieve
  // when that is cheap (N <= 10^8), else unverified (it would check the oracle by itself).
  [[nodiscard]] Verdict verdict(const Value& value) const;
  [[nodiscard]] Verdict result(const Value& value) const { return prime_totals_result(value); }
  // A sum to compare with instead (e.g. a published value); the count is then not checked.
  void set_given_reference(uint128 sum) { given_ = sum; }
  void describe(nlohmann::json& parameters) const;

 private:
  std::uint64_t limit_;
  std::optional<uint128> given_;
};

}  // namespace parscale
