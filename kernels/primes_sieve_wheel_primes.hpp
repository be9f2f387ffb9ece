// Small and medium sieving primes: crossed off every piece or segment they hit (each hits it
// at least 8 times), grouped by residue class so each group's loop calls its own crossing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "primes_sieve_wheel.hpp"

namespace parscale::sieve {

// Sieving primes grouped by p mod 30, with their positions: each group's loop calls its own
// cross_off_wheel directly. Calling through a table indexed by the residue of primes in
// increasing order mispredicted an indirect branch on most of the ~17 million calls below 1e10.
struct WheelPrimes {
  std::vector<std::uint32_t> primes;
  std::vector<WheelPosition> next;
  std::array<std::size_t, 9> residue_begin{};

  template <typename FirstPosition>
  WheelPrimes(const std::uint32_t* first, const std::uint32_t* last, FirstPosition first_position)
      : primes(static_cast<std::size_t>(last - first)), next(primes.size()) {
    for (const std::uint32_t* p = first; p != last; ++p) {
      ++residue_begin[kWheelIndex[*p % 30] + 1];
    }
    for (std::size_t r = 0; r < 8; ++r) {
      residue_begin[r + 1] += residue_begin[r];
    }
    std::array<std::size_t, 9> fill = residue_begin;  // next free slot of each residue
    for (const std::uint32_t* p = first; p != last; ++p) {
      const std::size_t at = fill[kWheelIndex[*p % 30]]++;
      primes[at] = *p;
      next[at] = first_position(*p);
    }
  }

  // Crosses every prime off bytes [0, byte_count) and moves its position past them.
  void cross_off_all(std::uint8_t* bytes, std::uint64_t byte_count) {
    [&]<unsigned... R>(std::integer_sequence<unsigned, R...>) {
      (cross_off_residue<R>(bytes, byte_count), ...);
    }(std::make_integer_sequence<unsigned, 8>{});
  }

 private:
  template <unsigned R>
  void cross_off_residue(std::uint8_t* bytes, std::uint64_t byte_count) {
    const WheelPosition shift = make_position(byte_count, 0);
    for (std::size_t i = residue_begin[R]; i < residue_begin[R + 1]; ++i) {
      next[i] = cross_off_wheel<R>(bytes, byte_count, primes[i], next[i]) - shift;
    }
  }
};

}  // namespace parscale::sieve
