// Dense medium sieving primes: too large to gain from the small primes' L1-sized pieces, but
// hitting a segment at least ~16 times (p <= segment bytes / 2). Their crossings go to a
// segment in the L2, so each one is a cache line moved between L1 and L2: what counts is how
// many there are, not the instructions around them. So they use the mod-210 wheel (the
// multipliers skip the multiples of 7: 14 % fewer crossings than the mod-30 rounds of
// primes_sieve_wheel_primes.hpp), one multiple at a time, each checked against the end.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "primes_sieve_wheel.hpp"
#include "primes_sieve_wheel210.hpp"

namespace parscale::sieve {

// Each prime keeps its place in one array per residue class p mod 30, updated in place after
// every call. A call enters the prime's unrolled turn of 48 crossings at its resuming crossing
// through a switch: the multiplier's mask, gap and byte step are constants of the case, so a
// crossing is a compare, a read-modify-write and an add. (A loop reading the crossing from
// kCrossing210 was 9 % slower than the mod-30 rounds at the 1e12 window; this is 5 % faster,
// and below 1e10 6 % faster, each against libprimesieve's count in the same run.)
class DenseMediumPrimes {
 public:
  // first_position(p): make_position210 of p's first multiple from the start of the first call's bytes.
  template <typename FirstPosition>
  DenseMediumPrimes(const std::uint32_t* first, const std::uint32_t* last, FirstPosition first_position) {
    for (const std::uint32_t* p = first; p != last; ++p) {
      const std::uint64_t position = first_position(*p);
      residues_[kWheelIndex[*p % 30]].push_back(
          {static_cast<std::uint32_t>(position >> kIndexBits210),
           static_cast<std::uint32_t>(*p / 30 | (position & kIndexMask210) << kIndexShift)});
    }
  }

  // Crosses every prime off bytes [0, byte_count) and moves its place past them.
  void cross_off_all(std::uint8_t* bytes, std::uint64_t byte_count) {
    [&]<unsigned... R>(std::integer_sequence<unsigned, R...>) {
      (cross_off_residue<R>(bytes, byte_count), ...);
    }(std::make_integer_sequence<unsigned, 8>{});
  }

 private:
  // The resuming crossing shares a word with the quotient (p / 30 < 2^21 for p <= 2^25): the
  // byte alone takes 32 bits, since a block's first multiples lie up to 2^31 bytes ahead.
  static constexpr unsigned kIndexShift = 26;
  static constexpr std::uint32_t kQuotientMask = (std::uint32_t{1} << kIndexShift) - 1;
  struct Entry {
    std::uint32_t byte;                // of the next multiple, from the start of the next call's bytes
    std::uint32_t quotient_and_index;  // p / 30, and the next multiple's index in kWheel210 above kIndexShift
  };

  template <unsigned R>
  [[gnu::noinline]] void cross_off_residue(std::uint8_t* const bytes, const std::uint64_t byte_count) {
    for (Entry& entry : residues_[R]) {
      const std::uint64_t q = entry.quotient_and_index & kQuotientMask;
      std::uint64_t byte = entry.byte;
      unsigned k = entry.quotient_and_index >> kIndexShift;
      // A crossing's step, q * gap + step, is one of five multiples of q, made once per prime
      // and hidden from the compiler, plus a constant. Seeing q * gap, GCC folds it into each
      // step as a scaled LEA, which takes 2 cycles on this host's cores (an add takes 1), on
      // the chain from one crossing to the next. (The dense layer at the 10^15 window, rdtsc
      // medians of 8 interleaved runs: 2.215 -> 2.137 G cycles; ratio to libprimesieve's count
      // below 10^10, 1 thread, interleaved in one run: 0.992 -> 0.947.)
      static_assert(kLargestGap210 == 10, "the gaps between multipliers are 2, 4, 6, 8 and 10");
      const std::array<std::uint64_t, 5> q_times_gap = hidden_from_compiler({2 * q, 4 * q, 6 * q, 8 * q, 10 * q});
      // Crossing K: stop at the end, else strike the multiple and step to the next one.
#define PARSCALE_CROSSING(K)                                                            \
  case (K):                                                                             \
    if (byte >= byte_count) {                                                           \
      k = (K);                                                                          \
      goto stopped;                                                                     \
    }                                                                                   \
    bytes[byte] &= kCrossing210[R][K].mask;                                             \
    byte += q_times_gap[kCrossing210[R][K].gap / 2 - 1] + kCrossing210[R][K].step;
#define PARSCALE_CROSSINGS_8(K)                                                         \
  PARSCALE_CROSSING(K)                                                                  \
  PARSCALE_CROSSING((K) + 1)                                                            \
  PARSCALE_CROSSING((K) + 2)                                                            \
  PARSCALE_CROSSING((K) + 3)                                                            \
  PARSCALE_CROSSING((K) + 4)                                                            \
  PARSCALE_CROSSING((K) + 5)                                                            \
  PARSCALE_CROSSING((K) + 6)                                                            \
  PARSCALE_CROSSING((K) + 7)
      static_assert(kWheel210Size == 48, "the turn below has 48 crossings");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"  // each crossing falls through to the next
      switch (k) {
        default:
          __builtin_unreachable();
        for (;;) {
          PARSCALE_CROSSINGS_8(0)
          PARSCALE_CROSSINGS_8(8)
          PARSCALE_CROSSINGS_8(16)
          PARSCALE_CROSSINGS_8(24)
          PARSCALE_CROSSINGS_8(32)
          PARSCALE_CROSSINGS_8(40)
        }
      }
#pragma GCC diagnostic pop
#undef PARSCALE_CROSSINGS_8
#undef PARSCALE_CROSSING
    stopped:
      entry.byte = static_cast<std::uint32_t>(byte - byte_count);
      entry.quotient_and_index = static_cast<std::uint32_t>(q | std::uint64_t{k} << kIndexShift);
    }
  }

  // The values unchanged, but computed out of the compiler's sight: it keeps them in registers.
  [[gnu::always_inline]] static std::array<std::uint64_t, 5> hidden_from_compiler(std::array<std::uint64_t, 5> v) {
    asm("" : "+r"(v[0]), "+r"(v[1]), "+r"(v[2]), "+r"(v[3]), "+r"(v[4]));
    return v;
  }

  std::array<std::vector<Entry>, 8> residues_;  // [index of p mod 30 in kWheel]
};

}  // namespace parscale::sieve
