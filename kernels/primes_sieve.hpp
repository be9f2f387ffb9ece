// Sum and count of the primes below N by a segmented sieve of Eratosthenes.
//
// Work index i is the integer i, i = 0..N-1; a block is a fixed range of whole segments
// (its length depends on N only). compute(low, high) sieves [low, high) in cache-sized
// segments of an odd-only bit array (bit j of a segment starting at even s is s + 2j + 1):
//   * multiples of 3..47 are removed by ANDing precomputed periodic byte patterns;
//   * small primes (64+ hits per L1-sized piece) cross off piece by piece while it is in L1,
//     with an 8-way unrolled byte loop whose masks are compile-time constants;
//   * medium primes (step < one segment) cross off over the whole L2-sized segment;
//   * large primes (step >= one segment, at most one hit per segment) wait in per-segment
//     buckets, so a segment only touches the primes that actually hit it;
//   * sums come from the words: the set-bit indices of a 64-bit word sum to
//     sum_{b=0..5} 2^b popcount(word & M_b).
// Memory: the base primes up to sqrt(N) (shared, read-only) plus, per compute() call, one
// segment and one offset per base prime. Sums are exact in unsigned __int128.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kernel.hpp"

namespace parscale {

__extension__ typedef unsigned __int128 uint128;  // GCC/Clang extension; -Wpedantic wants the marker

// Exact decimal text of a 128-bit unsigned value.
std::string to_decimal(uint128 value);

struct PrimeTotals {
  uint128 sum = 0;
  std::uint64_t count = 0;
};

class PrimeSieveSum {
 public:
  using Partial = PrimeTotals;
  using Value = PrimeTotals;

  static constexpr std::uint64_t max_limit = 1'000'000'000'000'000;  // 1e15: sqrt(N) < 2^25
  static constexpr std::uint64_t default_segment_bytes = 256 * 1024;    // fits L2 with room
  static constexpr std::uint64_t kPieceBytes = 32 * 1024;               // one L1d: small primes

  // Sum of the primes below `limit`. segment_bytes (a multiple of 16) and segments_per_block
  // (0: chosen from limit) exist for tests that want many small segments and blocks.
  // Throws std::invalid_argument on a limit above max_limit or a bad geometry.
  explicit PrimeSieveSum(std::uint64_t limit, std::uint64_t segment_bytes = default_segment_bytes,
                         std::uint64_t segments_per_block = 0);

  [[nodiscard]] std::string name() const { return "sieve"; }
  [[nodiscard]] std::uint64_t limit() const { return limit_; }
  [[nodiscard]] std::uint64_t work_size() const { return limit_; }
  [[nodiscard]] std::uint64_t block_size() const { return block_numbers_; }
  [[nodiscard]] std::string work_unit() const { return "numbers"; }
  [[nodiscard]] std::uint64_t segment_numbers() const { return segment_bytes_ * 16; }

  // Primes in [low, high), any range with high <= limit (not only block boundaries).
  [[nodiscard]] Partial compute(std::uint64_t low, std::uint64_t high) const;
  static Partial identity() { return {}; }
  static Partial combine(const Partial& a, const Partial& b) { return {a.sum + b.sum, a.count + b.count}; }
  [[nodiscard]] Value finalize(const Partial& totals) const { return totals; }

  [[nodiscard]] Verdict verdict(const Value& value) const;
  void describe(nlohmann::json& parameters) const;

 private:
  struct Pattern {
    std::uint64_t period = 0;        // bytes
    std::vector<std::uint8_t> bytes;  // period + one piece, so any piece's window is contiguous
  };

  void sieve_segment(std::uint8_t* bytes, std::uint64_t segment_low, std::uint64_t byte_count) const;

  std::uint64_t limit_;
  std::uint64_t segment_bytes_;
  std::uint64_t block_numbers_;
  std::vector<std::uint32_t> sieving_primes_;  // odd primes p > 47 with p*p < limit
  std::vector<Pattern> patterns_;
};

// Exact reference values the verdicts use: sum and count of the primes below 10^k.
struct KnownPrimeTotals {
  std::uint64_t limit;
  const char* sum;
  std::uint64_t count;
};
const std::vector<KnownPrimeTotals>& known_prime_totals();

// The primes below `limit` by the plain (unsegmented) sieve: the independent oracle for
// small limits.
PrimeTotals plain_sieve_totals(std::uint64_t limit);

}  // namespace parscale
