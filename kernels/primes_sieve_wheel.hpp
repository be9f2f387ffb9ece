// The mod-30 wheel of the segmented sieve (primes_sieve.hpp): which bit stands for which number,
// and the crossing off of one prime's multiples from a position, round by round.
//   Byte b of a segment starting at s (a multiple of 240) holds s + 30 b + kWheel[k] in bit k.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace parscale::sieve {

static_assert(std::endian::native == std::endian::little,
              "the sieve addresses the bits of its 64-bit words as bytes");

// The wheel: the residues mod 30 coprime to 30, one bit each; [8] is the next round's first.
constexpr std::array<std::uint32_t, 9> kWheel = {1, 7, 11, 13, 17, 19, 23, 29, 31};
constexpr std::uint64_t kNumbersPerByte = 30;
constexpr std::uint64_t kNumbersPerWord = 8 * kNumbersPerByte;  // 240

// Index in kWheel of each residue mod 30, 8 for residues that share a factor with 30.
constexpr std::array<std::uint8_t, 30> kWheelIndex = [] {
  std::array<std::uint8_t, 30> index{};
  index.fill(8);
  for (std::uint8_t k = 0; k < 8; ++k) {
    index[kWheel[k]] = k;
  }
  return index;
}();

// Smallest d >= 0 that makes x + d coprime to 30, by x % 30.
constexpr std::array<std::uint8_t, 30> kToCoprime = [] {
  std::array<std::uint8_t, 30> distance{};
  for (std::uint32_t x = 0; x < 30; ++x) {
    std::uint32_t d = 0;
    while (kWheelIndex[(x + d) % 30] == 8) {
      ++d;
    }
    distance[x] = static_cast<std::uint8_t>(d);
  }
  return distance;
}();

// Index of the first bit whose number is >= segment_low + r, by r = 0..29 (never 8: 29 is on the wheel).
constexpr std::array<std::uint8_t, 30> kFirstBitAtOrAbove = [] {
  std::array<std::uint8_t, 30> bit{};
  for (std::uint32_t r = 0; r < 30; ++r) {
    std::uint8_t k = 0;
    while (kWheel[k] < r) {
      ++k;
    }
    bit[r] = k;
  }
  return bit;
}();

// A prime p = 30 q + kWheel[R] crosses off p * (30 j + kWheel[k]) = 30 (p j + q kWheel[k]) + kWheel[R] kWheel[k]:
// byte p j + q kWheel[k] + kRoundByte[R][k], bit kWheelIndex[kWheel[R] kWheel[k] % 30]. Round j covers
// k = 0..7; its bytes lie within [p j, p j + p).
constexpr auto kRoundByte = [] {
  std::array<std::array<std::uint32_t, 9>, 8> byte{};
  for (std::size_t r = 0; r < 8; ++r) {
    for (std::size_t k = 0; k < 9; ++k) {
      byte[r][k] = kWheel[r] * kWheel[k] / 30;
    }
  }
  return byte;
}();
constexpr auto kRoundMask = [] {
  std::array<std::array<std::uint8_t, 8>, 8> mask{};
  for (std::size_t r = 0; r < 8; ++r) {
    for (std::size_t k = 0; k < 8; ++k) {
      mask[r][k] = static_cast<std::uint8_t>(~(1U << kWheelIndex[kWheel[r] * kWheel[k] % 30]));
    }
  }
  return mask;
}();

// A prime's place in its crossing off: the byte of its next multiple (relative to the
// current piece or segment) and the wheel index of that multiple's multiplier, packed as
// byte << 3 | index so that moving to the next piece is one subtraction.
using WheelPosition = std::uint64_t;
constexpr WheelPosition make_position(std::uint64_t byte, unsigned k) { return byte << 3 | k; }

// Crosses off crossing J (at byte `at`) of a partial round; when `at` is at or past `end`,
// returns its position instead (never 0: end > 0), the place to resume from.
template <unsigned R, unsigned J>
[[gnu::always_inline]] inline WheelPosition cross_or_stop(std::uint8_t* bytes, std::int64_t at, std::int64_t end) {
  if (at >= end) {
    return make_position(static_cast<std::uint64_t>(at), J);
  }
  bytes[at] &= kRoundMask[R][J];
  return 0;
}

// Crosses off the multiples of p = 30 q + kWheel[R] from byte `byte` (crossing J of its round)
// below byte_count; returns the position of the first multiple at or past byte_count. Round by
// round: a round's eight offsets stay in registers and its masks are immediates, so a whole
// round is eight read-modify-writes; a partial round (the first and the last) checks each
// crossing. J is known at compile time (primes are grouped by it), so no jump on a run-time
// crossing index, mispredicted on most calls, picks the entry into the first round.
// (A plain function over the pack, not a lambda capturing by reference: byte stores may alias
// anything, so captured variables were reloaded from memory at every crossing.)
template <unsigned R, unsigned J, std::size_t... K>
WheelPosition cross_off_from(std::uint8_t* const bytes, const std::uint64_t byte_count, const std::uint64_t quotient,
                             const std::uint64_t byte, std::index_sequence<K...> /*crossings*/) {
  if (byte >= byte_count) {
    return make_position(byte, J);
  }
  const auto q = static_cast<std::int64_t>(quotient);
  const auto step = static_cast<std::int64_t>(30 * quotient + kWheel[R]);  // p
  const auto end = static_cast<std::int64_t>(byte_count);
  const std::array<std::int64_t, 8> offsets = {(q * kWheel[K] + kRoundByte[R][K])...};
  std::int64_t base = static_cast<std::int64_t>(byte) - offsets[J];
  const std::int64_t stop = end - offsets[7];  // a round from base < stop is whole
  WheelPosition past = 0;
  // The rest of this round (crossings J..7), each checked; then whole rounds; then the last,
  // checked round, which ends past the end (base >= stop), so it returns.
  ((past = (K >= J && past == 0) ? cross_or_stop<R, K>(bytes, base + offsets[K], end) : past), ...);
  if (past != 0) {
    return past;
  }
  for (base += step; base < stop; base += step) {
    ((bytes[base + offsets[K]] &= kRoundMask[R][K]), ...);
  }
  ((past = past == 0 ? cross_or_stop<R, K>(bytes, base + offsets[K], end) : past), ...);
  return past;
}

}  // namespace parscale::sieve
