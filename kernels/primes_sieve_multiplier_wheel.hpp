// Multiplier wheels for the sieve's larger primes: the multipliers m of a prime p that skip the
// multiples of 2, 3, 5 and 7 (mod 210: 48 of every 210) or of 2 to 11 (mod 2310: 480 of every
// 2310), against 8 of every 30 on the mod-30 wheel: 14 % and 22 % fewer crossings. The
// crossings still go to the mod-30 byte array of primes_sieve_wheel.hpp; the multiples of 7
// and 11 they skip are cleared by the pre-sieve's patterns.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <numeric>

#include "primes_sieve_wheel.hpp"

namespace parscale::sieve {

// Crossing k of a prime p = 30 q + kWheel[R] strikes p * m with m = kMultipliers[k] (mod
// Modulus): the bit of (kWheel[R] m) mod 30, and the next multiple, p * (m + gap), lies
// q gap + step bytes on, where step = floor(kWheel[R] m' / 30) - floor(kWheel[R] m / 30)
// (m' = m + gap: the multiples of 30 in m add whole bytes).
struct MultiplierCrossing {
  std::uint8_t mask;  // clears the multiple's bit
  std::uint8_t gap;   // to the next multiplier
  std::uint8_t step;  // bytes beyond q * gap
};

template <std::uint32_t Modulus>
struct MultiplierWheel {
  static constexpr std::size_t kSize = [] {
    std::size_t coprime = 0;
    for (std::uint32_t m = 1; m < Modulus; ++m) {
      coprime += std::gcd(m, Modulus) == 1 ? 1 : 0;
    }
    return coprime;
  }();

  // The residues mod Modulus coprime to it; [kSize] = Modulus + 1 is the next turn's first.
  static constexpr auto kMultipliers = [] {
    std::array<std::uint32_t, kSize + 1> wheel{};
    std::size_t next = 0;
    for (std::uint32_t m = 1; m < Modulus; ++m) {
      if (std::gcd(m, Modulus) == 1) {
        wheel[next++] = m;
      }
    }
    wheel[kSize] = Modulus + 1;
    return wheel;
  }();

  // Index in kMultipliers of each residue (kSize for residues sharing a factor with Modulus).
  static constexpr auto kIndex = [] {
    std::array<std::uint16_t, Modulus> index{};
    index.fill(static_cast<std::uint16_t>(kSize));
    for (std::size_t k = 0; k < kSize; ++k) {
      index[kMultipliers[k]] = static_cast<std::uint16_t>(k);
    }
    return index;
  }();

  // Smallest d >= 0 that makes x + d coprime to Modulus, by x % Modulus.
  static constexpr auto kToCoprime = [] {
    std::array<std::uint8_t, Modulus> distance{};
    for (std::uint32_t x = 0; x < Modulus; ++x) {
      std::uint32_t d = 0;
      while (kIndex[(x + d) % Modulus] == kSize) {
        ++d;
      }
      distance[x] = static_cast<std::uint8_t>(d);
    }
    return distance;
  }();

  static constexpr auto kCrossings = [] {
    std::array<std::array<MultiplierCrossing, kSize>, 8> table{};
    for (std::size_t r = 0; r < 8; ++r) {
      for (std::size_t k = 0; k < kSize; ++k) {
        const std::uint32_t m = kMultipliers[k];
        const std::uint32_t m_next = kMultipliers[k + 1];
        table[r][k] = {static_cast<std::uint8_t>(~(1U << kWheelIndex[kWheel[r] * m % 30])),
                       static_cast<std::uint8_t>(m_next - m),
                       static_cast<std::uint8_t>(kWheel[r] * m_next / 30 - kWheel[r] * m / 30)};
      }
    }
    return table;
  }();

  // The largest distance between two multipliers, which bounds how far a crossing moves.
  static constexpr std::uint32_t kLargestGap = [] {
    std::uint32_t gap = 0;
    for (std::size_t k = 0; k < kSize; ++k) {
      gap = std::max(gap, kMultipliers[k + 1] - kMultipliers[k]);
    }
    return gap;
  }();

  // A prime's place on the wheel: the byte of its next multiple and that multiplier's index
  // in kMultipliers, packed as byte << kIndexBits | index.
  static constexpr unsigned kIndexBits = std::bit_width(kSize - 1);
  static constexpr std::uint64_t kIndexMask = (std::uint64_t{1} << kIndexBits) - 1;
  static constexpr std::uint64_t make_position(std::uint64_t byte, std::size_t k) { return byte << kIndexBits | k; }

  // The place of p's first multiple >= max(p^2, start) with a multiplier on the wheel, from
  // `start` (a multiple of 30).
  static constexpr std::uint64_t first_position(std::uint64_t p, std::uint64_t start) {
    std::uint64_t multiplier = std::max(p, (start + p - 1) / p);
    multiplier += kToCoprime[multiplier % Modulus];
    return make_position((p * multiplier - start) / 30, kIndex[multiplier % Modulus]);
  }
};

using Wheel210 = MultiplierWheel<210>;
using Wheel2310 = MultiplierWheel<2310>;
static_assert(Wheel210::kSize == 48 && Wheel210::kIndexBits == 6 && Wheel210::kLargestGap == 10);
static_assert(Wheel2310::kSize == 480 && Wheel2310::kIndexBits == 9 && Wheel2310::kLargestGap == 14);

// Wheel210's crossings for a large prime's place p / 30 << 32 | make_position(byte, k) taken
// whole (LargePrimeBuckets): the next place is place + (p / 30) gap_shifted + addend, while
// byte stays below 2^26.
struct HitStep210 {
  std::uint64_t gap_shifted;  // gap << kIndexBits
  std::uint64_t addend;       // step << kIndexBits, plus the next index minus this one (mod 2^64)
  std::uint64_t mask;         // clears the multiple's bit (the low byte)
  std::uint64_t padding;      // 32 bytes: an entry's address is a shift of its index
};
constexpr auto kHitStep210 = [] {
  std::array<std::array<HitStep210, Wheel210::kSize>, 8> table{};
  for (std::size_t r = 0; r < 8; ++r) {
    for (std::size_t k = 0; k < Wheel210::kSize; ++k) {
      const MultiplierCrossing crossing = Wheel210::kCrossings[r][k];
      const std::size_t next = (k + 1) % Wheel210::kSize;
      table[r][k] = {std::uint64_t{crossing.gap} << Wheel210::kIndexBits,
                     (std::uint64_t{crossing.step} << Wheel210::kIndexBits) + next - k, crossing.mask, 0};
    }
  }
  return table;
}();

}  // namespace parscale::sieve
