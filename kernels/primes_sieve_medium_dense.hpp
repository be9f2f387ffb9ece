// Dense medium sieving primes: too large to gain from the small primes' L1-sized pieces, but
// hitting a segment at least ~16 times (p <= segment bytes / 2). Their crossings go to a
// segment in the L2, so each one is a cache line moved between L1 and L2: what counts is how
// many there are, not the instructions around them. So they use the mod-2310 wheel (the
// multipliers skip the multiples of 7 and 11: 22 % fewer crossings than the mod-30 rounds of
// primes_sieve_wheel_primes.hpp), one multiple at a time, each checked against the end.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "primes_sieve_multiplier_wheel.hpp"
#include "primes_sieve_wheel.hpp"
#include "primes_sieve_workspace.hpp"

namespace parscale::sieve {

// A dense prime's crossing steps by q * gap + step bytes (Wheel2310::kCrossings): the
// distinct (gap, step) pairs of each residue's 480 crossings (9 or 10), and each crossing's pair.
constexpr std::size_t kDenseStepKinds = 10;
struct DenseStepTable {
  struct Kind {
    std::uint8_t gap = 0;
    std::uint8_t step = 0;
  };
  std::array<std::array<Kind, kDenseStepKinds>, 8> kinds{};
  std::array<std::array<std::uint8_t, Wheel2310::kSize>, 8> of_crossing{};
};
constexpr DenseStepTable kDenseStepTable = [] {
  DenseStepTable table;
  for (std::size_t r = 0; r < 8; ++r) {
    std::size_t used = 0;
    for (std::size_t k = 0; k < Wheel2310::kSize; ++k) {
      const MultiplierCrossing& crossing = Wheel2310::kCrossings[r][k];
      std::size_t kind = 0;
      while (kind < used && (table.kinds[r][kind].gap != crossing.gap || table.kinds[r][kind].step != crossing.step)) {
        ++kind;
      }
      if (kind == used) {
        if (used == kDenseStepKinds) {
          throw "more kinds of step than kDenseStepKinds";  // not a constant expression: fails the build
        }
        table.kinds[r][used++] = {crossing.gap, crossing.step};
      }
      table.of_crossing[r][k] = static_cast<std::uint8_t>(kind);
    }
    for (std::size_t kind = used; kind < kDenseStepKinds; ++kind) {
      table.kinds[r][kind] = table.kinds[r][0];  // unused: any valid step
    }
  }
  return table;
}();

// Each prime keeps its place in one array per residue class p mod 30 (the arrays share the
// workspace's storage), sorted by the crossing it resumes at after every call (below). A call
// enters the prime's unrolled turn of 480 crossings at its resuming crossing through a switch:
// the multiplier's mask, gap and byte step are constants of the case, so a crossing is a
// compare, a read-modify-write and an add. (A loop reading the crossing from a table was 9 %
// slower than the mod-30 rounds at the 1e12 window; the switch on the mod-210 wheel 5 %
// faster, and below 1e10 6 % faster, each against libprimesieve's count in the same run.
// Mod 2310 against mod 210, ratio to libprimesieve's count, 1 thread, 5 interleaved
// repetitions, medians: the 1e15 window 0.943 -> 0.924, the 1e12 window 0.901 -> 0.882, below
// 1e10 0.947 -> 0.936; the dense layer at the 1e15 window 1.92 -> 1.82 G cycles, less than the
// 9 % fewer crossings, as a turn's code is now 8 KB for each residue class.)
class DenseMediumPrimes {
 public:
  // first_position(p): Wheel2310::make_position of p's first multiple from the start of the first call's bytes.
  // The arrays live in `memory`, which must outlive this object.
  template <typename FirstPosition>
  DenseMediumPrimes(const std::uint32_t* first, const std::uint32_t* last, FirstPosition first_position,
                    ReusedArray& memory) {
    std::array<std::size_t, 8> per_residue{};
    for (const std::uint32_t* p = first; p != last; ++p) {
      ++per_residue[kWheelIndex[*p % 30]];
    }
    // Two arrays' room: each call's sort writes a residue's entries to the other one.
    const auto count = static_cast<std::ptrdiff_t>(last - first);
    Entry* next = memory.storage_for<Entry>(2 * static_cast<std::size_t>(count));  // filled below
    for (unsigned r = 0; r < 8; ++r) {
      residues_[r] = {next, next, count};
      next += per_residue[r];
    }
    for (const std::uint32_t* p = first; p != last; ++p) {
      const std::uint64_t position = first_position(*p);
      *residues_[kWheelIndex[*p % 30]].end++ = {
          static_cast<std::uint32_t>(position >> Wheel2310::kIndexBits),
          static_cast<std::uint32_t>(*p / 30 | (position & Wheel2310::kIndexMask) << kIndexShift)};
    }
  }
  DenseMediumPrimes(const DenseMediumPrimes&) = delete;  // the arrays are the workspace's
  DenseMediumPrimes& operator=(const DenseMediumPrimes&) = delete;

  // Crosses every prime off bytes [0, byte_count) and moves its place past them.
  void cross_off_all(std::uint8_t* bytes, std::uint64_t byte_count) {
    [&]<unsigned... R>(std::integer_sequence<unsigned, R...>) {
      (cross_off_residue<R>(bytes, byte_count), ...);
    }(std::make_integer_sequence<unsigned, 8>{});
  }

 private:
  // The resuming crossing (9 bits) shares a word with the quotient (p / 30 < 2^21 for p <= 2^25):
  // the byte alone takes 32 bits, since a block's first multiples lie up to 2^31 bytes ahead.
  static constexpr unsigned kIndexShift = 21;
  static_assert(kIndexShift + Wheel2310::kIndexBits <= 32);
  static constexpr std::uint32_t kQuotientMask = (std::uint32_t{1} << kIndexShift) - 1;
  struct Entry {
    std::uint32_t byte;                // of the next multiple, from the start of the next call's bytes
    std::uint32_t quotient_and_index;  // p / 30, and the next multiple's index in Wheel2310 above kIndexShift
  };
  struct Residue {
    Entry* begin = nullptr;
    Entry* end = nullptr;
    std::ptrdiff_t to_other = 0;  // from this array's entries to the other's
  };

  template <unsigned R>
  [[gnu::noinline]] void cross_off_residue(std::uint8_t* const bytes, const std::uint64_t byte_count) {
    Entry* const begin = residues_[R].begin;  // locals: the byte stores may alias the members
    Entry* const end = residues_[R].end;
    std::array<std::uint32_t, Wheel2310::kSize> resuming_at{};  // primes per resuming crossing
    for (Entry* entry = begin; entry != end; ++entry) {
      const std::uint64_t q = entry->quotient_and_index & kQuotientMask;
      std::uint64_t byte = entry->byte;
      unsigned k = entry->quotient_and_index >> kIndexShift;
      // Each crossing's whole step, q * gap + step, made once per prime (a residue's 480
      // crossings use at most kStepKinds of them) and hidden from the compiler: the chain
      // from one crossing to the next is then one add. Seeing q * gap + step, GCC folds the
      // constant into a three-operand LEA, which takes 2 cycles on Zen 4 (an add takes 1).
      // (Before, seven multiples q * gap were kept and the constant added at each crossing,
      // which GCC folded into the same 2-cycle LEA. Two copies of the kernel in one process at
      // [9e10, 1e11), EPYC VM: 0.975-0.995 alone; with the pre-sieve's pass and the small
      // primes' bound, see primes_sieve_presieve.hpp.)
      const std::array<std::uint64_t, kStepKinds> steps = hidden_from_compiler(whole_steps<R>(q));
      // Crossing K: stop at the end, else strike the multiple and step to the next one.
#define PARSCALE_CROSSING(K)                                                                            \
  case (K):                                                                                             \
    if (byte >= byte_count) {                                                                           \
      k = (K);                                                                                          \
      goto stopped;                                                                                     \
    }                                                                                                   \
    bytes[byte] &= Wheel2310::kCrossings[R][K].mask;                                                    \
    byte += steps[kStepKind[R][K]];
#define PARSCALE_CROSSINGS_8(K)                                                                         \
  PARSCALE_CROSSING(K)                                                                                  \
  PARSCALE_CROSSING((K) + 1)                                                                            \
  PARSCALE_CROSSING((K) + 2)                                                                            \
  PARSCALE_CROSSING((K) + 3)                                                                            \
  PARSCALE_CROSSING((K) + 4)                                                                            \
  PARSCALE_CROSSING((K) + 5)                                                                            \
  PARSCALE_CROSSING((K) + 6)                                                                            \
  PARSCALE_CROSSING((K) + 7)
#define PARSCALE_CROSSINGS_32(K)                                                                        \
  PARSCALE_CROSSINGS_8(K) PARSCALE_CROSSINGS_8((K) + 8) PARSCALE_CROSSINGS_8((K) + 16) PARSCALE_CROSSINGS_8((K) + 24)
      static_assert(Wheel2310::kSize == 480, "the turn below has 480 crossings");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"  // each crossing falls through to the next
      switch (k) {
        default:
          __builtin_unreachable();
        for (;;) {
          PARSCALE_CROSSINGS_32(0) PARSCALE_CROSSINGS_32(32) PARSCALE_CROSSINGS_32(64)
          PARSCALE_CROSSINGS_32(96) PARSCALE_CROSSINGS_32(128) PARSCALE_CROSSINGS_32(160)
          PARSCALE_CROSSINGS_32(192) PARSCALE_CROSSINGS_32(224) PARSCALE_CROSSINGS_32(256)
          PARSCALE_CROSSINGS_32(288) PARSCALE_CROSSINGS_32(320) PARSCALE_CROSSINGS_32(352)
          PARSCALE_CROSSINGS_32(384) PARSCALE_CROSSINGS_32(416) PARSCALE_CROSSINGS_32(448)
        }
      }
#pragma GCC diagnostic pop
#undef PARSCALE_CROSSINGS_32
#undef PARSCALE_CROSSINGS_8
#undef PARSCALE_CROSSING
    stopped:
      entry->byte = static_cast<std::uint32_t>(byte - byte_count);
      entry->quotient_and_index = static_cast<std::uint32_t>(q | std::uint64_t{k} << kIndexShift);
      ++resuming_at[k];
    }
    sort_by_resuming_crossing(residues_[R], resuming_at);
  }

  // Sorts a residue's entries by the crossing they resume at (a counting sort into the other
  // array), so the next call's switch enters the same case for prime after prime: its jump is
  // predicted, where in the order of the primes it went to one of 480 cases at random, a
  // mispredicted jump per prime and call. (Two copies of the kernel in one process, the same
  // blocks alternating, EPYC VM, time sorted / unsorted: [9e10, 1e11) 0.965, 0.979, 0.982;
  // below 1e10 0.965, 0.975; the 1e12 window 0.985, 0.921; the 1e15 window 0.951, 0.945.)
  static void sort_by_resuming_crossing(Residue& residue, std::array<std::uint32_t, Wheel2310::kSize>& resuming_at) {
    std::uint32_t before = 0;
    for (std::uint32_t& at : resuming_at) {  // counts -> first slot of each crossing
      before += std::exchange(at, before);
    }
    Entry* const sorted = residue.begin + residue.to_other;
    for (const Entry* entry = residue.begin; entry != residue.end; ++entry) {
      sorted[resuming_at[entry->quotient_and_index >> kIndexShift]++] = *entry;
    }
    residue = {sorted, sorted + (residue.end - residue.begin), -residue.to_other};
  }

  static constexpr std::size_t kStepKinds = kDenseStepKinds;
  static constexpr auto& kStepKind = kDenseStepTable.of_crossing;

  template <unsigned R>
  [[gnu::always_inline]] static std::array<std::uint64_t, kStepKinds> whole_steps(std::uint64_t q) {
    std::array<std::uint64_t, kStepKinds> steps{};
    for (std::size_t kind = 0; kind < kStepKinds; ++kind) {
      steps[kind] = q * kDenseStepTable.kinds[R][kind].gap + kDenseStepTable.kinds[R][kind].step;
    }
    return steps;
  }

  // The values unchanged, but computed out of the compiler's sight: it keeps them in registers.
  [[gnu::always_inline]] static std::array<std::uint64_t, kStepKinds> hidden_from_compiler(
      std::array<std::uint64_t, kStepKinds> v) {
    asm("" : "+r"(v[0]), "+r"(v[1]), "+r"(v[2]), "+r"(v[3]), "+r"(v[4]), "+r"(v[5]), "+r"(v[6]), "+r"(v[7]),
        "+r"(v[8]), "+r"(v[9]));
    return v;
  }

  std::array<Residue, 8> residues_;  // [index of p mod 30 in kWheel]
};

}  // namespace parscale::sieve
