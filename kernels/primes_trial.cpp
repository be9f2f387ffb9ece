#include "primes_trial.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace parscale {

std::uint64_t trial_division_prime_sum(std::uint32_t below) {
  std::uint64_t sum = 0;
  for (std::uint32_t candidate = 2; candidate < below; ++candidate) {
    bool prime = true;
    for (std::uint32_t divisor = 2; divisor <= candidate / divisor; ++divisor) {  // divisor <= sqrt(candidate)
      if (candidate % divisor == 0) {
        prime = false;
        break;
      }
    }
    if (prime) {
      sum += candidate;
    }
  }
  return sum;
}

PrimeSumsTrial::PrimeSumsTrial(std::uint64_t limit, std::uint64_t step) : limit_(limit), step_(step) {
  if (limit < 1 || limit > max_limit) {
    throw std::invalid_argument(fmt::format("the trial limit must be in [1, 10^9], got {}", limit));
  }
  if (step < 1 || step > max_limit) {
    throw std::invalid_argument(fmt::format("the trial step must be in [1, 10^9], got {}", step));
  }
}

PrimeSumsTrial::Partial PrimeSumsTrial::compute(std::uint64_t begin, std::uint64_t end) const {
  uint128 checksum = 0;
  for (std::uint64_t task = begin; task < end; ++task) {
    checksum += trial_division_prime_sum(static_cast<std::uint32_t>(task_bound(task)));
  }
  return checksum;
}

uint128 PrimeSumsTrial::reference() const {
  const PrimeSieveSum sieve(limit_);
  uint128 below = 0;  // sum of the primes below the current task's bound
  uint128 checksum = 0;
  std::uint64_t previous = 0;
  for (std::uint64_t task = 0; task < work_size(); ++task) {
    below += sieve.compute(previous, task_bound(task)).sum;
    previous = task_bound(task);
    checksum += below;
  }
  return checksum;
}

Verdict PrimeSumsTrial::verdict(const Value& value) const {
  Verdict verdict;
  verdict.value_text = to_decimal(value);
  verdict.value = static_cast<double>(value);
  const uint128 expected = reference();
  verdict.reference_text = to_decimal(expected);
  verdict.valid = value == expected;
  verdict.error = verdict.valid ? 0.0 : std::abs(verdict.value - static_cast<double>(expected));
  verdict.tolerance = 0.0;
  verdict.criterion = "exact: equals the sum of the tasks' prime sums computed by the segmented sieve";
  return verdict;
}

void PrimeSumsTrial::describe(nlohmann::json& parameters) const {
  parameters["limit"] = limit_;
  parameters["step"] = step_;
  parameters["tasks"] = work_size();
}

}  // namespace parscale
