// The sieve's references and verdict: the exact decimal text of a sum, the known totals below
// 10^k, the plain sieve for small limits, and PrimeSieveSum::verdict, which picks among them.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "primes_sieve.hpp"
#include "primes_sieve_base.hpp"

namespace parscale {

using sieve::odd_primes_up_to;

std::string to_decimal(uint128 value) {
  if (value == 0) {
    return "0";
  }
  std::string digits;
  while (value != 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}

const std::vector<KnownPrimeTotals>& known_prime_totals() {
  static const std::vector<KnownPrimeTotals> known = {
      {10ULL, "17", 4},
      {100ULL, "1060", 25},
      {1000ULL, "76127", 168},
      {10000ULL, "5736396", 1229},
      {100000ULL, "454396537", 9592},
      {1000000ULL, "37550402023", 78498},
      {10000000ULL, "3203324994356", 664579},
      {100000000ULL, "279209790387276", 5761455},
      {1000000000ULL, "24739512092254535", 50847534},
      {10000000000ULL, "2220822432581729238", 455052511},
      // Checked against libprimesieve 11.0 (iterator sum in __int128, count_primes).
      {100000000000ULL, "201467077743744681014", 4118054813},
      // The published sum (OEIS A046731) and pi(10^12); the count also from libprimesieve 11.0.
      {1000000000000ULL, "18435588552550705911377", 37607912018},
  };
  return known;
}

PrimeTotals plain_sieve_totals(std::uint64_t limit) {
  PrimeTotals totals;
  if (limit > 2) {
    totals.sum = 2;
    totals.count = 1;
  }
  if (limit > 3) {
    for (const std::uint32_t p : odd_primes_up_to(limit - 1)) {
      totals.sum += p;
      ++totals.count;
    }
  }
  return totals;
}

namespace {

// The plain sieve needs limit/16 bytes and about a second per 10^8.
constexpr std::uint64_t kPlainSieveMax = 100'000'000;

// The totals below `limit` from the known values or the plain sieve, with their source; none
// when neither applies.
std::optional<std::pair<PrimeTotals, std::string>> reference_below(std::uint64_t limit) {
  for (const auto& known : known_prime_totals()) {
    if (known.limit == limit) {
      PrimeTotals totals{0, known.count};
      for (const char* digit = known.sum; *digit != 0; ++digit) {
        totals.sum = 10 * totals.sum + static_cast<unsigned>(*digit - '0');
      }
      return std::pair{totals, fmt::format("the known values for N = {}", limit)};
    }
  }
  if (limit <= kPlainSieveMax) {
    return std::pair{plain_sieve_totals(limit), fmt::format("an independent plain sieve below {}", limit)};
  }
  return std::nullopt;
}

}  // namespace

Verdict PrimeSieveSum::window_verdict(const Value& value) const {
  Verdict verdict;
  verdict.value_text = to_decimal(value.sum);
  verdict.detail = fmt::format("{} primes", value.count);
  verdict.value = static_cast<double>(value.sum);
  const auto below_end = reference_below(limit_);
  const auto below_from = reference_below(from_);
  if (!below_end || !below_from) {
    // Not verified against any reference: shown like any other run without one (see verdict()).
    verdict.reference_text = fmt::format(
        "none: the window [{}, {}) is not validated (references: both ends 10^k, k <= 12, or <= 10^8)", from_,
        limit_);
    verdict.valid = true;
    verdict.criterion = fmt::format("NOT VALIDATED: no reference for the window [{}, {}); {} primes", from_, limit_,
                                    value.count);
    return verdict;
  }
  const PrimeTotals reference{below_end->first.sum - below_from->first.sum,
                              below_end->first.count - below_from->first.count};
  verdict.reference_text = to_decimal(reference.sum);
  const bool sum_equal = verdict.value_text == verdict.reference_text;
  const bool count_equal = value.count == reference.count;
  verdict.valid = sum_equal && count_equal;
  verdict.error = sum_equal ? 0.0 : std::abs(verdict.value - static_cast<double>(reference.sum));
  verdict.tolerance = 0.0;
  verdict.criterion = fmt::format("exact: sum and count ({} primes, expected {}) equal the difference of {} and {}",
                                  value.count, reference.count, below_end->second, below_from->second);
  return verdict;
}

Verdict PrimeSieveSum::verdict(const Value& value) const {
  if (from_ > 0) {
    return window_verdict(value);
  }
  Verdict verdict;
  verdict.value_text = to_decimal(value.sum);
  verdict.detail = fmt::format("{} primes", value.count);
  verdict.value = static_cast<double>(value.sum);
  std::optional<PrimeTotals> reference;
  std::string source;
  for (const auto& known : known_prime_totals()) {
    if (known.limit == limit_) {
      verdict.reference_text = known.sum;
      reference = PrimeTotals{0, known.count};
      source = fmt::format("the known values for N = {}", limit_);
    }
  }
  if (!reference && limit_ <= kPlainSieveMax) {
    reference = plain_sieve_totals(limit_);
    verdict.reference_text = to_decimal(reference->sum);
    source = "an independent plain sieve";
  }
  if (!reference) {
    verdict.reference_text = fmt::format("none: N = {} is not validated (references: N = 10^k, k <= 12, and N <= 10^8)",
                                         limit_);
    verdict.valid = true;
    verdict.criterion = fmt::format("NOT VALIDATED: no reference for N = {}; {} primes", limit_, value.count);
    return verdict;
  }
  const bool sum_equal = verdict.value_text == verdict.reference_text;
  const bool count_equal = value.count == reference->count;
  verdict.valid = sum_equal && count_equal;
  verdict.error = sum_equal ? 0.0 : std::abs(verdict.value - std::stod(verdict.reference_text));
  verdict.tolerance = 0.0;
  verdict.criterion = fmt::format("exact: sum and count ({} primes, expected {}) equal {}", value.count,
                                  reference->count, source);
  return verdict;
}

}  // namespace parscale
