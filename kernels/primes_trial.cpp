#include "primes_trial.hpp"

#include "primes_oracle.hpp"

#include <algorithm>
#include <cmath>
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
  uint128 checksum = 0;
  for (std::uint64_t task = 0; task < work_size(); ++task) {
    checksum += lucy_prime_totals(task_bound(task)).sum;
  }
  return checksum;
}

double PrimeSumsTrial::reference_seconds_estimate() const {
  double seconds = 0.0;
  // Tasks cost alike near each other: sample at most ~1000 of them and scale.
  const std::uint64_t stride = std::max<std::uint64_t>(1, work_size() / 1000);
  for (std::uint64_t task = 0; task < work_size(); task += stride) {
    seconds += lucy_seconds_estimate(task_bound(task)) * static_cast<double>(stride);
  }
  return seconds;
}

Verdict PrimeSumsTrial::result(const Value& value) const {
  Verdict verdict;
  verdict.status = VerdictStatus::unverified;
  verdict.value_text = to_decimal(value);
  verdict.value = static_cast<double>(value);
  verdict.reference_source = "none";
  verdict.criterion = "not checked";
  return verdict;
}

Verdict PrimeSumsTrial::verdict(const Value& value) const {
  Verdict verdict = result(value);
  const uint128 expected = given_ ? *given_ : reference();
  verdict.reference_text = to_decimal(expected);
  verdict.reference_source = given_ ? "given with --reference" : "oracle: Lucy_Hedgehog sum below each task's bound";
  verdict.status = pass_if(value == expected);
  verdict.error = verdict.passed() ? 0.0 : std::abs(verdict.value - static_cast<double>(expected));
  verdict.tolerance = 0.0;
  verdict.criterion = "exact: equals the sum over the tasks of the primes below each task's bound";
  return verdict;
}

void PrimeSumsTrial::describe(nlohmann::json& parameters) const {
  parameters["limit"] = limit_;
  parameters["step"] = step_;
  parameters["tasks"] = work_size();
}

}  // namespace parscale
