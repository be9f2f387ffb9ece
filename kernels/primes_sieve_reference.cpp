// The sieve's references and verdict: the exact decimal text of a sum, the published totals
// below 10^k, the plain sieve for small limits (tests), and PrimeSieveSum::verdict, which uses
// the table or the oracle (primes_oracle.hpp).
#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "primes_oracle.hpp"
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
      // OEIS A046731 (equal to the cumulative sums of A077645 and to 10^k(10^k+1)/2 - 1 - A139043)
      // and A006880; the oracle reproduces them (docs/verification.md).
      {10000000000000ULL, "1699246443377779418889494", 346065536839},
      {100000000000000ULL, "157589260710736940541561021", 3204941750802},
      {1000000000000000ULL, "14692398516908006398225702366", 29844570422669},
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

// Checked against the published table where N = 10^k, else the oracle; a window [from, N)
// against the difference of the totals below its two ends (primes_oracle.hpp).
Verdict PrimeSieveSum::verdict(const Value& value) const { return prime_totals_verdict(value, from_, limit_, given_); }

Verdict PrimeSieveSum::result(const Value& value) const { return prime_totals_result(value); }

double PrimeSieveSum::reference_seconds_estimate() const { return prime_totals_check_seconds(from_, limit_); }

}  // namespace parscale
