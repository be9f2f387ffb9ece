// Sieving primes visited on every call (the small primes per piece, the sparse medium primes
// per segment), grouped by residue class and by where they resume, so each group's loop
// calls its own crossing with a fixed entry. How a visit crosses is the Crossing policy:
// whole mod-30 rounds for the small primes (RoundCrossing, here), one checked multiple at a
// time for the sparse medium ones (primes_sieve_medium_sparse.hpp).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "primes_sieve_wheel.hpp"
#include "primes_sieve_workspace.hpp"

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
  // The lists live in `memory`, which must outlive this object.
  template <typename FirstPosition>
  GroupedWheelPrimes(const std::uint32_t* first, const std::uint32_t* last, FirstPosition first_position,
                     ReusedArray& memory) {
    std::array<std::size_t, 8> per_residue{};
    for (const std::uint32_t* p = first; p != last; ++p) {
      ++per_residue[kWheelIndex[*p % 30]];
    }
    const std::size_t capacity = *std::max_element(per_residue.begin(), per_residue.end());
    Entry* next_list = memory.storage_for<Entry>(kLists * capacity);  // filled before read
    for (auto& residue : groups_) {
      for (auto& list : residue) {
        list.entries = std::exchange(next_list, next_list + capacity);
      }
    }
    for (auto& list : moved_) {
      list.entries = std::exchange(next_list, next_list + capacity);
    }
    for (const std::uint32_t* p = first; p != last; ++p) {
      const WheelPosition position = first_position(*p);
      List& group = groups_[kWheelIndex[*p % 30]][position & 7];
      group.entries[group.size++] = {static_cast<std::uint32_t>(position >> 3), *p / 30};
    }
  }

  GroupedWheelPrimes(const GroupedWheelPrimes&) = delete;  // the lists are the workspace's
  GroupedWheelPrimes& operator=(const GroupedWheelPrimes&) = delete;

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

  // A group's entries. Any group can take every prime of its residue class, since a call may
  // move them all to one group: the lists have that room from the start and never grow, so a
  // visit files its prime with one store through a pointer, no capacity check. The lists
  // share one array (the workspace's, kept from call to call), of which only the filled part
  // is touched (the 10^15 window's sparse primes: 36 MB of address space; the run's peak RSS
  // stayed at 32 MB). Filing
  // through std::vector::push_back reloaded the vector's end and capacity from memory on
  // every visit, since the byte stores may alias them (rdtsc, one interleaved pair of runs
  // at the 10^15 window: sparse medium primes 1.95 -> 1.83 G cycles, small primes 1.20 -> 1.18).
  struct List {
    Entry* entries = nullptr;
    std::size_t size = 0;
  };
  static constexpr std::size_t kLists = 8 * 8 + 8;  // groups_ and moved_

  // Not inlined into cross_off_all: with the checked crossings the eight residues' code
  // together outgrew GCC's inlining budget, which then called the filing of each visit out
  // of line (std::vector::push_back then: 11 % of the 1e15 window's time).
  template <unsigned R, unsigned... J>
  [[gnu::noinline]] void cross_off_residue(std::uint8_t* bytes, std::uint64_t byte_count,
                                           std::integer_sequence<unsigned, J...>) {
    // Each prime goes to moved_'s group of where it resumes, so none is met twice in a call;
    // then the moved groups replace the old ones, whose storage the next residue fills.
    std::array<List, 8>& groups = groups_[R];
    std::array<Entry*, 8> tails;
    for (unsigned k = 0; k < 8; ++k) {
      tails[k] = moved_[k].entries;
    }
    (cross_off_group<R, J>(bytes, byte_count, groups[J], tails), ...);
    for (unsigned k = 0; k < 8; ++k) {
      moved_[k].size = static_cast<std::size_t>(tails[k] - moved_[k].entries);
      std::swap(groups[k], moved_[k]);
    }
  }

  template <unsigned R, unsigned J>
  [[gnu::always_inline]] static void cross_off_group(std::uint8_t* bytes, std::uint64_t byte_count, const List& group,
                                                     std::array<Entry*, 8>& tails) {
    const Entry* const end = group.entries + group.size;
    for (const Entry* entry = group.entries; entry != end; ++entry) {
      const std::uint32_t quotient = entry->quotient;
      const WheelPosition next = Crossing::template cross<R, J>(bytes, byte_count, quotient, entry->byte);
      *tails[next & 7]++ = {static_cast<std::uint32_t>((next >> 3) - byte_count), quotient};
    }
  }

  std::array<std::array<List, 8>, 8> groups_;  // [residue][resuming crossing]
  std::array<List, 8> moved_;                   // this residue's groups for the next call
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
