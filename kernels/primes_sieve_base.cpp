#include "primes_sieve_base.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>

#include <unistd.h>

namespace parscale::sieve {

std::uint64_t isqrt(std::uint64_t n) {
  auto root = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(n)));
  while (root * root > n) {
    --root;
  }
  while ((root + 1) * (root + 1) <= n) {
    ++root;
  }
  return root;
}

std::uint64_t l1_data_bytes(std::uint64_t fallback) {
  const long reported = ::sysconf(_SC_LEVEL1_DCACHE_SIZE);  // glibc; 0 or -1 when unknown
  constexpr long kPage = 4096;
  if (reported < 16 * 1024 || reported > 256 * 1024) {
    return fallback;
  }
  return static_cast<std::uint64_t>(reported / kPage * kPage);
}

std::vector<std::uint32_t> odd_primes_up_to(std::uint64_t bound) {
  std::vector<std::uint32_t> primes;
  if (bound < 3) {
    return primes;
  }
  std::vector<bool> composite(bound / 2 + 1, false);  // index i is 2i+1
  for (std::uint64_t i = 1; 2 * i + 1 <= bound; ++i) {
    if (composite[i]) {
      continue;
    }
    const std::uint64_t p = 2 * i + 1;
    primes.push_back(static_cast<std::uint32_t>(p));
    for (std::uint64_t m = p * p; m <= bound; m += 2 * p) {
      composite[m / 2] = true;
    }
  }
  return primes;
}

std::vector<std::uint32_t> sieving_primes_up_to(std::uint64_t bound) {
  std::vector<std::uint32_t> primes;
  if (bound < 3) {
    return primes;
  }
  // Room for them all (pi(x) < 1.26 x / ln x for x > 1, Rosser and Schoenfeld), written
  // through a pointer: push_back re-read the vector's end after every byte store.
  const double x = static_cast<double>(bound);
  primes.resize(static_cast<std::size_t>(1.26 * x / std::log(x)) + 16);
  std::uint32_t* out = primes.data();
  // Odd number 2i + 1 is byte i (0 while no odd prime factor is known), sieved in windows that
  // stay in the L1. Each window starts as a copy of the pattern of the multiples of 3..13,
  // which repeats every 15015 odd numbers, so only the primes from 17 on cross, each from its
  // square. (The plain sieve, a 16 MB vector<bool> and a bit test per odd number, built the
  // 10^15 window's primes in 71 ms, 2.5 % of the run and all of it before the workers start;
  // this takes 18 ms.)
  constexpr std::array<std::uint64_t, 5> kWindowPatternPrimes = {3, 5, 7, 11, 13};  // not the pre-sieve's kPatternPrimes
  constexpr std::uint64_t kPeriod = 3 * 5 * 7 * 11 * 13;
  constexpr std::uint64_t kWindow = 32 * 1024;  // bytes, a multiple of 8
  std::vector<std::uint8_t> pattern(kPeriod + kWindow, 0);
  for (const std::uint64_t p : kWindowPatternPrimes) {
    if (p <= bound) {
      *out++ = static_cast<std::uint32_t>(p);
    }
    for (std::uint64_t i = p / 2; i < pattern.size(); i += p) {
      pattern[i] = 1;
    }
  }
  const std::uint64_t odd_count = (bound - 1) / 2 + 1;  // the odd numbers 2i + 1 <= bound: i < odd_count
  const std::uint64_t root = isqrt(bound);
  std::vector<std::uint8_t> composite(kWindow);
  std::vector<std::uint32_t> crossing;       // the primes from 17 up to the root
  std::vector<std::uint64_t> next_multiple;  // the byte of each one's next odd multiple
  constexpr std::uint64_t kFirstScanned = 17 / 2;  // 1 and 3..15 are settled above
  static_assert(kFirstScanned % 8 == 0, "the scan starts at a whole word");
  for (std::uint64_t low = 0; low < odd_count; low += kWindow) {
    const std::uint64_t count = std::min(kWindow, odd_count - low);
    std::copy_n(pattern.begin() + static_cast<std::ptrdiff_t>(low % kPeriod), count, composite.begin());
    std::fill(composite.begin() + static_cast<std::ptrdiff_t>(count), composite.end(), std::uint8_t{1});
    for (std::size_t j = 0; j < crossing.size(); ++j) {
      std::uint64_t i = next_multiple[j] - low;
      for (const std::uint64_t step = crossing[j]; i < count; i += step) {
        composite[i] = 1;
      }
      next_multiple[j] = low + i;
    }
    // Eight bytes at a time: the zero bytes are primes. A prime's square lies more than eight
    // bytes past it, so crossing its multiples here changes only words not yet read.
    for (std::uint64_t word = low == 0 ? kFirstScanned : 0; word < count; word += 8) {
      std::uint64_t bytes = 0;
      std::memcpy(&bytes, composite.data() + word, 8);
      std::uint64_t zero_bytes = ~bytes & 0x0101010101010101ULL;
      for (; zero_bytes != 0; zero_bytes &= zero_bytes - 1) {
        const std::uint64_t i = word + static_cast<std::uint64_t>(std::countr_zero(zero_bytes)) / 8;
        const std::uint64_t p = 2 * (low + i) + 1;
        *out++ = static_cast<std::uint32_t>(p);
        if (p <= root) {
          std::uint64_t m = p * p / 2 - low;
          for (; m < count; m += p) {
            composite[m] = 1;
          }
          crossing.push_back(static_cast<std::uint32_t>(p));
          next_multiple.push_back(low + m);
        }
      }
    }
  }
  primes.resize(static_cast<std::size_t>(out - primes.data()));
  return primes;
}

}  // namespace parscale::sieve
