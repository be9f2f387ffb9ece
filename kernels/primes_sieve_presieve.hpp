// Pre-sieving: the multiples of 7..163 leave a segment by ANDing precomputed periodic byte
// patterns (one load per 64 bytes), instead of 8 / p crossings per byte for each such prime.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace parscale::sieve {

// Primes removed by the periodic patterns (beyond 2, 3, 5, which the wheel removes), grouped so
// each period (the product, in bytes) stays below ~110 KB: about 320 KB in all. A pattern AND
// costs one load per 64 bytes; the primes it removes would cost 8 / p crossings per byte each.
constexpr std::size_t kPatternGroupCount = 15;
constexpr std::array<std::array<std::uint32_t, 4>, kPatternGroupCount> kPatternGroups = {{
    {7, 11, 13, 17},
    {19, 23, 29, 0},
    {31, 37, 41, 0},
    {43, 47, 53, 0},
    {59, 61, 0, 0},
    {67, 71, 0, 0},
    {73, 79, 0, 0},
    {83, 89, 0, 0},
    {97, 101, 0, 0},
    {103, 107, 0, 0},
    {109, 113, 0, 0},
    {127, 131, 0, 0},
    {137, 139, 0, 0},
    {149, 151, 0, 0},
    {157, 163, 0, 0},
}};
constexpr std::uint32_t kLargestPatternPrime = 163;
// Patterns are ANDed a chunk at a time: each pattern holds period + one chunk bytes.
constexpr std::uint64_t kPatternChunkBytes = 4096;

// 2, 3, 5 and the pattern primes: the patterns clear their own bits, so they are counted apart.
constexpr auto kPatternPrimes = [] {
  std::array<std::uint32_t, 38> primes{2, 3, 5};
  std::size_t next = 3;
  for (const auto& group : kPatternGroups) {
    for (const std::uint32_t p : group) {
      if (p != 0) {
        primes[next++] = p;
      }
    }
  }
  return primes;
}();
static_assert(kPatternPrimes.back() == kLargestPatternPrime, "every pattern prime is listed once");

class Presieve {
 public:
  Presieve();

  // Writes the pattern primes' sieve into bytes [0, byte_count) of wheel byte first_byte on.
  void apply(std::uint8_t* bytes, std::uint64_t first_byte, std::uint64_t byte_count) const;

 private:
  struct Pattern {
    std::uint64_t period = 0;        // bytes
    std::vector<std::uint8_t> bytes;  // period + one chunk, so any chunk's window is contiguous
  };
  std::vector<Pattern> patterns_;
};

}  // namespace parscale::sieve
