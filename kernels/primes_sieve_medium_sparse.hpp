// Sparse medium sieving primes: segment bytes / 2 < p <= 8 x segment bytes, from about 16
// hits per segment down to about one. Grouped like the small primes (GroupedWheelPrimes), but
// each visit crosses one checked multiple at a time instead of in whole rounds.
#pragma once

#include <cstdint>
#include <utility>

#include "primes_sieve_wheel.hpp"
#include "primes_sieve_wheel_primes.hpp"

namespace parscale::sieve {

// A sparse prime has few hits per segment, so the small primes' rounds (a checked first
// round, whole rounds, a checked last one) mostly ran their checked parts and left each visit
// two unpredictable branches: leaving the first round and leaving the loop of whole rounds.
// One checked crossing after another leaves one, the branch that ends the visit. (At the
// 1e15 window, where these primes take ~30 % of the time, the layer went from 2.21 to 2.14 G
// cycles; ratio to libprimesieve's count, 1 thread, interleaved in one run: 1.090 -> 1.071.
// A fixed number of unchecked crossings per visit, the misses sent to a byte they leave as it
// is, was slower: 1.057-1.100 against 1.020 in one run.)
struct CheckedCrossing {
  template <unsigned R, unsigned J>
  [[gnu::always_inline]] static WheelPosition cross(std::uint8_t* bytes, std::uint64_t byte_count, std::uint64_t q,
                                                    std::uint64_t byte) {
    return cross_from<R, J>(bytes, byte_count, q, byte, std::make_integer_sequence<unsigned, 8>{});
  }

 private:
  // From crossing K of a round to the next (K = 7: the next round's first), in bytes:
  // q kGap + kCarry for p = 30 q + kWheel[R].
  template <unsigned K>
  static constexpr std::uint64_t kGap = kWheel[K + 1] - kWheel[K];
  template <unsigned R, unsigned K>
  static constexpr std::uint64_t kCarry = kRoundByte[R][K + 1] - kRoundByte[R][K];

  // Crosses off crossing K at `byte` and steps to the next; false, with byte left as it is,
  // once byte is at or past the end.
  template <unsigned R, unsigned K>
  [[gnu::always_inline]] static bool cross_one(std::uint8_t* const bytes, const std::uint64_t end,
                                               const std::uint64_t q, std::uint64_t& byte) {
    if (byte >= end) [[unlikely]] {
      return false;
    }
    bytes[byte] &= kRoundMask[R][K];
    byte += q * kGap<K> + kCarry<R, K>;
    return true;
  }

  // The rest of the round from crossing J, then round after round; `stop` is the crossing
  // that found the end.
  template <unsigned R, unsigned J, unsigned... K>
  [[gnu::always_inline]] static WheelPosition cross_from(std::uint8_t* const bytes, const std::uint64_t end,
                                                         const std::uint64_t q, std::uint64_t byte,
                                                         std::integer_sequence<unsigned, K...> /*crossings*/) {
    unsigned stop = 0;
    if (((K < J || cross_one<R, K>(bytes, end, q, byte) || ((stop = K), false)) && ...)) {
      while (((cross_one<R, K>(bytes, end, q, byte) || ((stop = K), false)) && ...)) {
      }
    }
    return make_position(byte, stop);
  }
};
using SparseMediumPrimes = GroupedWheelPrimes<CheckedCrossing>;

}  // namespace parscale::sieve
