// Pre-sieving: the multiples of 7..163 leave a segment by ANDing precomputed periodic byte
// patterns (one load per 64 bytes), instead of 8 / p crossings per byte for each such prime.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace parscale::sieve {

// Primes removed by the periodic patterns (beyond 2, 3, 5, which the wheel removes), grouped so
// each period (the product, in bytes) stays under 10 KB: about 140 KB in all, beside the segment
// in the L2. A pattern AND costs one load per 64 bytes; the primes it removes would cost 8 / p
// crossings per byte each. All 16 are ANDed in one pass over a piece (Presieve::apply); 15
// groups of periods up to ~110 KB in four passes of four had each pass read and write the
// piece again (the pre-sieve took 147 perf samples to libprimesieve's 72 at [9e10, 1e11)).
// The pass, the small primes' bound and the dense primes' whole steps together, two copies of
// the kernel in one process, the same blocks alternating, time new / old at [9e10, 1e11):
// 0.967 and 0.979 with 512 KB segments, 0.938, 0.957 with 1 MB; below 1e10 with 1 MB: 0.948, 0.933.
constexpr std::size_t kPatternGroupCount = 16;
constexpr std::array<std::array<std::uint32_t, 3>, kPatternGroupCount> kPatternGroups = {{
    {7, 23, 37}, {11, 19, 31}, {13, 17, 29}, {41, 163, 0}, {43, 157, 0}, {47, 151, 0}, {53, 149, 0}, {59, 139, 0},
    {61, 137, 0}, {67, 131, 0}, {71, 127, 0}, {73, 113, 0}, {79, 109, 0}, {83, 107, 0}, {89, 103, 0}, {97, 101, 0},
}};
constexpr std::uint32_t kLargestPatternPrime = 163;
// Patterns are ANDed a chunk at a time: each pattern holds period + one chunk bytes.
constexpr std::uint64_t kPatternChunkBytes = 1024;

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
  std::sort(primes.begin(), primes.end());
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
