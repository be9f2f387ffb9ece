// The mod-210 wheel of the sieve's largest primes: the multipliers of a prime p that skip the
// multiples of 2, 3, 5 and 7 (48 of every 210, against 8 of every 30 on the mod-30 wheel: 14 %
// fewer crossings), still crossed off the mod-30 byte array of primes_sieve_wheel.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>

#include "primes_sieve_wheel.hpp"

namespace parscale::sieve {

constexpr std::size_t kWheel210Size = 48;

// The residues mod 210 coprime to 210; [48] = 211 is the next turn's first.
constexpr auto kWheel210 = [] {
  std::array<std::uint32_t, kWheel210Size + 1> wheel{};
  std::size_t next = 0;
  for (std::uint32_t m = 1; m < 210; ++m) {
    if (std::gcd(m, 210U) == 1) {
      wheel[next++] = m;
    }
  }
  wheel[kWheel210Size] = 211;
  return wheel;
}();

// Index in kWheel210 of each residue mod 210 (48 for residues sharing a factor with 210).
constexpr auto kWheel210Index = [] {
  std::array<std::uint8_t, 210> index{};
  index.fill(kWheel210Size);
  for (std::size_t k = 0; k < kWheel210Size; ++k) {
    index[kWheel210[k]] = static_cast<std::uint8_t>(k);
  }
  return index;
}();

// Smallest d >= 0 that makes x + d coprime to 210, by x % 210.
constexpr auto kToCoprime210 = [] {
  std::array<std::uint8_t, 210> distance{};
  for (std::uint32_t x = 0; x < 210; ++x) {
    std::uint32_t d = 0;
    while (kWheel210Index[(x + d) % 210] == kWheel210Size) {
      ++d;
    }
    distance[x] = static_cast<std::uint8_t>(d);
  }
  return distance;
}();

// Crossing k of a prime p = 30 q + kWheel[R] strikes p * m with m = kWheel210[k] (mod 210): the
// bit of (kWheel[R] m) mod 30, and the next multiple, p * (m + gap), lies q gap + step bytes on,
// where step = floor(kWheel[R] m' / 30) - floor(kWheel[R] m / 30) (m' = m + gap: the multiples
// of 210 in m add whole bytes). One 4-byte load per crossing.
struct Crossing210 {
  std::uint8_t mask;  // clears the multiple's bit
  std::uint8_t gap;   // to the next multiplier
  std::uint8_t step;  // bytes beyond q * gap
  std::uint8_t next;  // the next crossing's index
};
constexpr auto kCrossing210 = [] {
  std::array<std::array<Crossing210, kWheel210Size>, 8> table{};
  for (std::size_t r = 0; r < 8; ++r) {
    for (std::size_t k = 0; k < kWheel210Size; ++k) {
      const std::uint32_t m = kWheel210[k];
      const std::uint32_t m_next = kWheel210[k + 1];
      table[r][k] = {static_cast<std::uint8_t>(~(1U << kWheelIndex[kWheel[r] * m % 30])),
                     static_cast<std::uint8_t>(m_next - m),
                     static_cast<std::uint8_t>(kWheel[r] * m_next / 30 - kWheel[r] * m / 30),
                     static_cast<std::uint8_t>((k + 1) % kWheel210Size)};
    }
  }
  return table;
}();

// The largest distance between two multipliers, which bounds how far a crossing moves.
constexpr std::uint32_t kLargestGap210 = 10;

// A prime's place on the mod-210 wheel: the byte of its next multiple and that multiplier's
// index in kWheel210, packed as byte << 6 | index.
constexpr unsigned kIndexBits210 = 6;
constexpr std::uint64_t kIndexMask210 = (std::uint64_t{1} << kIndexBits210) - 1;
constexpr std::uint64_t make_position210(std::uint64_t byte, unsigned k) { return byte << kIndexBits210 | k; }

// kCrossing210 for a prime's place p / 30 << 32 | make_position210(byte, k) taken whole: the
// next place is place + (p / 30) gap_shifted + addend (while byte stays below 2^26).
struct HitStep210 {
  std::uint64_t gap_shifted;  // gap << kIndexBits210
  std::uint64_t addend;       // step << kIndexBits210, plus the next index minus this one (mod 2^64)
  std::uint64_t mask;         // clears the multiple's bit (the low byte)
  std::uint64_t padding;      // 32 bytes: an entry's address is a shift of its index
};
constexpr auto kHitStep210 = [] {
  std::array<std::array<HitStep210, kWheel210Size>, 8> table{};
  for (std::size_t r = 0; r < 8; ++r) {
    for (std::size_t k = 0; k < kWheel210Size; ++k) {
      const Crossing210 crossing = kCrossing210[r][k];
      table[r][k] = {std::uint64_t{crossing.gap} << kIndexBits210,
                     (std::uint64_t{crossing.step} << kIndexBits210) + crossing.next - k, crossing.mask, 0};
    }
  }
  return table;
}();

}  // namespace parscale::sieve
