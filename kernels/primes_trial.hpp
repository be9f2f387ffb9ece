// Sums of primes by trial division: the classic lesson in load imbalance.
//
// Task i (i = 0..T-1, T = ceil(limit / step)) computes the sum of the primes below
// x_i = i * step by trial division of every candidate 2..x_i-1 by 2, 3, ... up to its
// square root: the textbook algorithm, kept on purpose. A task costs ~x^1.5, so the last
// tasks dominate and a contiguous split of the tasks leaves the last worker most of the
// work. One task per block: the task is the unit of scheduling. The checksum is the sum of
// all the tasks' sums; the verdict compares it with the same sums from the oracle
// (kernels/primes_oracle.hpp), an independent algorithm.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kernel.hpp"
#include "primes_sieve.hpp"

namespace parscale {

// Sum of the primes below `below`, by trial division (the per-task work, exposed for tests).
std::uint64_t trial_division_prime_sum(std::uint32_t below);

class PrimeSumsTrial {
 public:
  using Partial = uint128;
  using Value = uint128;

  static constexpr std::uint64_t max_limit = 1'000'000'000;  // candidates fit 32 bits

  // Throws std::invalid_argument unless 1 <= limit <= max_limit and 1 <= step <= max_limit.
  PrimeSumsTrial(std::uint64_t limit, std::uint64_t step);

  [[nodiscard]] std::string name() const { return "trial"; }
  [[nodiscard]] std::uint64_t limit() const { return limit_; }
  [[nodiscard]] std::uint64_t step() const { return step_; }
  [[nodiscard]] std::uint64_t work_size() const { return (limit_ + step_ - 1) / step_; }
  [[nodiscard]] std::uint64_t block_size() const { return 1; }
  [[nodiscard]] std::string work_unit() const { return "tasks"; }
  [[nodiscard]] std::uint64_t task_bound(std::uint64_t task) const { return task * step_; }

  [[nodiscard]] Partial compute(std::uint64_t begin, std::uint64_t end) const;
  static Partial identity() { return 0; }
  static Partial combine(const Partial& a, const Partial& b) { return a + b; }
  [[nodiscard]] Value finalize(const Partial& checksum) const { return checksum; }

  // The same checksum from the oracle, task by task.
  [[nodiscard]] uint128 reference() const;
  [[nodiscard]] Verdict verdict(const Value& value) const;
  [[nodiscard]] Verdict result(const Value& value) const;
  // One core's seconds for verdict(): lets the program skip a check dearer than the run.
  [[nodiscard]] double reference_seconds_estimate() const;
  // A checksum to compare with instead (e.g. from another implementation).
  void set_given_reference(uint128 checksum) { given_ = checksum; }
  void describe(nlohmann::json& parameters) const;

 private:
  std::uint64_t limit_;
  std::uint64_t step_;
  std::optional<uint128> given_;
};

}  // namespace parscale
