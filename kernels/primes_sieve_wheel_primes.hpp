// Sieving primes visited on every call (the small primes per piece, the sparse medium primes
// per segment), grouped by residue class and by where they resume, so each group's loop
// calls its own crossing with a fixed entry. How a visit crosses is the Crossing policy:
// whole mod-30 rounds for the small primes (RoundCrossing, here), one checked multiple at a
// time for the sparse medium ones (primes_sieve_medium_sparse.hpp).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "primes_sieve_wheel.hpp"

namespace parscale::sieve {

// Sieving primes grouped by p mod 30 and by the crossing their next round resumes at (8 x 8
// groups), re-grouped after every call: each group's loop enters its rounds at a fixed place,
// so the only unpredictable branch per prime and call is where it stops. (Grouped by residue
// only, each call jumped on the resuming crossing: about one mispredicted indirect branch per
// prime and call. Calling through a table indexed by the residue of primes in increasing order
// mispredicted an indirect call on most of the ~17 million calls below 1e10.)
//   Crossing::cross<R, J>(bytes, byte_count, q, byte) crosses off the multiples of
//   p = 30 q + kWheel[R] from `byte` (crossing J of its round) below byte_count, and returns
//   the position (make_position) of the first one at or past byte_count.
template <typename Crossing>
class GroupedWheelPrimes {
 public:
  // first_position(p): make_position of p's first multiple from the start of the first call's bytes.
  template <typename FirstPosition>
  GroupedWheelPrimes(const std::uint32_t* first, const std::uint32_t* last, FirstPosition first_position) {
    // At 1e15 the sparse medium primes are ~500,000: room for the mean plus 4 standard
    // deviations per group, so no list is regrown and copied while it fills.
    const auto mean = static_cast<std::size_t>(last - first) / 64;
    const std::size_t room = mean + 4 * static_cast<std::size_t>(std::sqrt(static_cast<double>(mean))) + 16;
    for (auto& residue : groups_) {
      for (auto& group : residue) {
        group.reserve(room);
      }
    }
    for (const std::uint32_t* p = first; p != last; ++p) {
      const WheelPosition position = first_position(*p);
      groups_[kWheelIndex[*p % 30]][position & 7].push_back({static_cast<std::uint32_t>(position >> 3), *p / 30});
    }
  }

  // Crosses every prime off bytes [0, byte_count) and moves its position past them.
  void cross_off_all(std::uint8_t* bytes, std::uint64_t byte_count) {
    [&]<unsigned... R>(std::integer_sequence<unsigned, R...>) {
      (cross_off_residue<R>(bytes, byte_count, std::make_integer_sequence<unsigned, 8>{}), ...);
    }(std::make_integer_sequence<unsigned, 8>{});
  }

 private:
  // 8 bytes, not 16: the lists are read and rewritten whole on every call (a piece's small
  // primes share the L1 with the piece, and at 1e15 the medium primes' lists are megabytes),
  // so their size is traffic. (16 -> 8 bytes, ratio to libprimesieve's count in the same run:
  // 1.089 -> 1.061 below 1e10, 1.106 -> 1.072 at [1e12, 1e12 + 1e10).) The byte fits: a
  // block is under 2^31 bytes of the wheel (PrimeSieveSum's constructor).
  // The entry keeps q = p / 30, not p: a visit's second crossing waits for q (its step is a
  // multiple of q), and a visit's end is one mispredicted branch, after which the next
  // visit's chain starts from the entry's load. Dividing p by 30 there added a multiply and
  // a shift to every visit's chain. (rdtsc medians of 5 interleaved runs, at the 10^15 window:
  // sparse medium primes 2.445 -> 2.302 G cycles, small primes 1.476 -> 1.411, the whole run
  // 8.15 -> 7.92; below 10^10: small primes 1.380 -> 1.323, the run 2.61 -> 2.53.)
  struct Entry {
    std::uint32_t byte;      // of the next multiple, from the start of the next call's bytes
    std::uint32_t quotient;  // p / 30 (p mod 30 is the group's)
  };

  // Not inlined into cross_off_all: with the checked crossings the eight residues' code
  // together outgrew GCC's inlining budget, which then called each push_back out of line
  // (11 % of the 1e15 window's time).
  template <unsigned R, unsigned... J>
  [[gnu::noinline]] void cross_off_residue(std::uint8_t* bytes, std::uint64_t byte_count,
                                           std::integer_sequence<unsigned, J...>) {
    // Each prime goes to moved_'s group of where it resumes, so none is met twice in a call;
    // then the moved groups (their storage kept from call to call) replace the old ones.
    std::array<std::vector<Entry>, 8>& groups = groups_[R];
    for (auto& moved : moved_) {
      moved.clear();
    }
    (cross_off_group<R, J>(bytes, byte_count, groups[J]), ...);
    for (unsigned k = 0; k < 8; ++k) {
      groups[k].swap(moved_[k]);
    }
  }

  template <unsigned R, unsigned J>
  void cross_off_group(std::uint8_t* bytes, std::uint64_t byte_count, const std::vector<Entry>& group) {
    for (const Entry entry : group) {
      const WheelPosition next = Crossing::template cross<R, J>(bytes, byte_count, entry.quotient, entry.byte);
      moved_[next & 7].push_back({static_cast<std::uint32_t>((next >> 3) - byte_count), entry.quotient});
    }
  }

  std::array<std::array<std::vector<Entry>, 8>, 8> groups_;  // [residue][resuming crossing]
  std::array<std::vector<Entry>, 8> moved_;                   // this residue's groups for the next call
};

// Whole rounds (cross_off_from): in the L1, where the small primes cross a piece 32 times or
// more, a round's eight fixed offsets cost fewer instructions per crossing than checks.
struct RoundCrossing {
  template <unsigned R, unsigned J>
  [[gnu::always_inline]] static WheelPosition cross(std::uint8_t* bytes, std::uint64_t byte_count, std::uint64_t q,
                                                    std::uint64_t byte) {
    return cross_off_from<R, J>(bytes, byte_count, q, byte, std::make_index_sequence<8>{});
  }
};
using SmallPrimes = GroupedWheelPrimes<RoundCrossing>;

}  // namespace parscale::sieve
