// Small and medium sieving primes: crossed off every piece or segment (each hits a piece at
// least 32 times, or a segment about once or more), grouped by residue class and by where their rounds resume, so each
// group's loop calls its own crossing with a fixed entry.
#pragma once

#include <array>
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
class GroupedWheelPrimes {
 public:
  template <typename FirstPosition>
  GroupedWheelPrimes(const std::uint32_t* first, const std::uint32_t* last, FirstPosition first_position) {
    for (const std::uint32_t* p = first; p != last; ++p) {
      const WheelPosition position = first_position(*p);
      groups_[kWheelIndex[*p % 30]][position & 7].push_back({static_cast<std::uint32_t>(position >> 3), *p});
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
  struct Entry {
    std::uint32_t byte;  // of the next multiple, from the start of the next call's bytes
    std::uint32_t prime;
  };

  template <unsigned R, unsigned... J>
  void cross_off_residue(std::uint8_t* bytes, std::uint64_t byte_count, std::integer_sequence<unsigned, J...>) {
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
      const WheelPosition next =
          cross_off_from<R, J>(bytes, byte_count, entry.prime, entry.byte, std::make_index_sequence<8>{});
      moved_[next & 7].push_back({static_cast<std::uint32_t>((next >> 3) - byte_count), entry.prime});
    }
  }

  std::array<std::array<std::vector<Entry>, 8>, 8> groups_;  // [residue][resuming crossing]
  std::array<std::vector<Entry>, 8> moved_;                   // this residue's groups for the next call
};

}  // namespace parscale::sieve
