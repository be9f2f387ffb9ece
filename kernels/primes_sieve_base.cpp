#include "primes_sieve_base.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>

#include <unistd.h>

#include "primes_sieve_presieve.hpp"
#include "primes_sieve_wheel.hpp"
#include "primes_sieve_wheel_primes.hpp"

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

std::vector<std::uint32_t> sieving_primes_up_to(std::uint64_t bound, const Presieve& presieve,
                                                std::uint64_t window_bytes) {
  std::vector<std::uint32_t> primes;
  if (bound < 3) {
    return primes;
  }
  // The kernel's own layers on a small scale: windows of the mod-30 wheel (30 numbers a byte)
  // from the pre-sieve's patterns (7..163), then the primes from 167 to the root crossed in
  // rounds (SmallPrimes, each from its square), then the primes read a word's 64 bits at a
  // time. The kernel's constructor at the 10^15 window, which runs before the workers start
  // and so counts twice with 2 threads: 18 ms with an odd-number byte sieve from a pattern of
  // 3..13, 4 ms with this (medians of 5 calls in a row).
  // Room for them all (pi(x) < 1.26 x / ln x for x > 1, Rosser and Schoenfeld), written
  // through a pointer: push_back re-read the vector's end after every byte store.
  const double x = static_cast<double>(bound);
  primes.resize(static_cast<std::size_t>(1.26 * x / std::log(x)) + 16);
  std::uint32_t* out = primes.data();
  for (const std::uint32_t p : kPatternPrimes) {
    if (p != 2 && p <= bound) {
      *out++ = p;  // the wheel leaves out 3 and 5, and the patterns clear 7..163 themselves
    }
  }
  std::vector<std::uint32_t> crossing = odd_primes_up_to(isqrt(bound));
  crossing.erase(crossing.begin(), std::upper_bound(crossing.begin(), crossing.end(), kLargestPatternPrime));
  ReusedArray crossers_lists;
  SmallPrimes crossers(
      crossing.data(), crossing.data() + crossing.size(),
      [](std::uint64_t p) {
        return make_position(p * p / kNumbersPerByte, kWheelIndex[p % kNumbersPerByte]);  // p^2: multiplier p
      },
      crossers_lists);
  // The number of each bit of a 64-bit word, from the word's first byte.
  constexpr auto kBitNumber = [] {
    std::array<std::uint32_t, 64> number{};
    for (std::uint32_t i = 0; i < 64; ++i) {
      number[i] = i / 8 * static_cast<std::uint32_t>(kNumbersPerByte) + kWheel[i % 8];
    }
    return number;
  }();
  const std::uint64_t total_bytes = bound / kNumbersPerByte + 1;  // through the byte of `bound`
  window_bytes = std::max<std::uint64_t>(8, window_bytes / 8 * 8);
  std::vector<std::uint64_t> words(window_bytes / 8);
  auto* const bytes = reinterpret_cast<std::uint8_t*>(words.data());  // byte access to the words is allowed
  for (std::uint64_t low = 0; low < total_bytes; low += window_bytes) {
    const std::uint64_t count = std::min(window_bytes, total_bytes - low);
    presieve.apply(bytes, low, count);
    crossers.cross_off_all(bytes, count);
    if (low == 0) {
      bytes[0] &= 0xFE;  // 1
    }
    if (low + count == total_bytes) {
      // The numbers above `bound` in its byte, and the bytes after it up to the word's end.
      const std::uint64_t remainder = bound % kNumbersPerByte;
      const unsigned kept = remainder + 1 < kNumbersPerByte ? kFirstBitAtOrAbove[remainder + 1] : 8;  // kWheel[k] <= remainder
      bytes[count - 1] &= static_cast<std::uint8_t>((1U << kept) - 1U);
      std::fill(bytes + count, bytes + (count + 7) / 8 * 8, std::uint8_t{0});
    }
    for (std::uint64_t word = 0; word < (count + 7) / 8; ++word) {
      const std::uint64_t word_number = (low + 8 * word) * kNumbersPerByte;
      for (std::uint64_t bits = words[word]; bits != 0; bits &= bits - 1) {
        *out++ = static_cast<std::uint32_t>(word_number + kBitNumber[static_cast<unsigned>(std::countr_zero(bits))]);
      }
    }
  }
  primes.resize(static_cast<std::size_t>(out - primes.data()));
  return primes;
}

}  // namespace parscale::sieve
