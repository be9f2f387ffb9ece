// The sieve's references and verdict: the exact decimal text of a sum, the known totals below
// 10^k, the plain sieve for small limits, and PrimeSieveSum::verdict, which picks among them.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

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

Verdict PrimeSieveSum::verdict(const Value& value) const {
  // The plain sieve needs limit/16 bytes and about a second per 10^8.
  constexpr std::uint64_t kPlainSieveMax = 100'000'000;
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
