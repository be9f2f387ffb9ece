// Sum and count of the primes in a window [A, N) (below N by default) by a segmented sieve of Eratosthenes.
//
// A window [A, N) (A = 0 by default) is the work; work index i is the integer A0 + i, where A0 is A
// rounded down to a multiple of 240 (one 64-bit word of the wheel), so block boundaries fall on
// word boundaries and no word is sieved by two blocks. A block is a fixed range of whole
// segments (its length depends on N only), so the blocks are fixed by the problem [A, N) and
// results are bit-identical for every decomposition. compute() sieves its range in cache-sized
// segments of a mod-30 wheel bit array: byte b of a segment starting at s (a multiple of
// 240) holds s + 30 b + {1, 7, 11, 13, 17, 19, 23, 29}, so 2, 3 and 5 cost nothing and a
// byte covers 30 numbers (odd-only covers 16):
//   * multiples of 7..163 are removed by ANDing precomputed periodic byte patterns
//     (primes_sieve_presieve.*);
//   * small primes (46+ hits per L1-sized piece) cross off piece by piece while it is in L1,
//     round by round: the 8 multiples p*(30 j + w) of a round span p bytes at offsets and
//     bits fixed by p mod 30, so each residue class has its own unrolled loop with
//     compile-time masks and one read-modify-write per crossing (primes_sieve_wheel.hpp,
//     primes_sieve_wheel_primes.hpp);
//   * sparse medium primes (about 16 down to one hit per segment) cross off over the whole
//     L2-sized segment in the same grouped lists, one checked multiple at a time
//     (primes_sieve_medium_sparse.hpp);
//   * dense medium primes (between small and sparse) cross off over the whole segment on the
//     mod-2310 wheel of multipliers (they skip the multiples of 7 and 11 too), one multiple
//     at a time, sorted by where they resume so the jump into each one's turn is predicted:
//     in L2 the number of crossings counts more than the instructions around them
//     (primes_sieve_medium_dense.hpp, primes_sieve_multiplier_wheel.hpp);
//   * large primes (fewer hits per segment) wait in buckets of the next segment they hit, so
//     a segment only touches the primes that actually hit it; they skip the multiples of 7
//     too (the mod-210 wheel of multipliers: primes_sieve_buckets.hpp);
//   * sums come from the words, by popcounts of masked words (primes_sieve_sums.*).
// The base primes come from primes_sieve_base.*; the known totals, the plain sieve and the
// verdict live in primes_sieve_reference.cpp; this header's class and primes_sieve.cpp tie
// the layers together, segment by segment.
// Memory: the base primes up to sqrt(N) (shared, read-only) plus, per worker, one segment
// and one wheel position per base prime, kept from call to call in the worker's workspace
// (primes_sieve_workspace.hpp). Sums are exact in unsigned __int128.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kernel.hpp"
#include "primes_sieve_presieve.hpp"
#include "primes_sieve_wheel.hpp"
#include "primes_sieve_workspace.hpp"

namespace parscale {

__extension__ typedef unsigned __int128 uint128;  // GCC/Clang extension; -Wpedantic wants the marker

// Exact decimal text of a 128-bit unsigned value.
std::string to_decimal(uint128 value);

struct PrimeTotals {
  uint128 sum = 0;
  std::uint64_t count = 0;
  friend bool operator==(const PrimeTotals&, const PrimeTotals&) = default;
};

class PrimeSieveSum {
 public:
  using Partial = PrimeTotals;
  using Value = PrimeTotals;
  // Memory kept from one compute() call to the next (the drivers keep one per worker).
  using Workspace = sieve::SieveWorkspace;

  static constexpr std::uint64_t max_limit = 1'000'000'000'000'000;  // 1e15: sqrt(N) < 2^25
  // The segment: 8 sqrt(N) bytes rounded up to a power of two, within [256 KB, 1 MB] (1 MB
  // from N ~ 4.3e9 on). A larger segment means fewer visits per crossing for the medium and
  // large primes (each visit pays a call, a mispredicted exit and a filing), a smaller one
  // keeps more of the segment near the L1; 1 MB is the whole L2 of the EPYC VM and half the
  // Xeon VM's. It depends on N only, never on the host, since blocks are whole segments.
  // On the EPYC VM (2026-12-03, two copies of the kernel in one process, the same blocks
  // alternating, time of 1 MB / the other): below 1e10 0.973 and 0.989 against 256 KB; at
  // [9e10, 1e11) 0.954 and 0.981 against 512 KB; at [1e9, 3e9) 1.013 and 1.004 against
  // 256 KB. (The Xeon VM, earlier code, ratio to libprimesieve's count, 256 KB / 512 KB / 1 MB:
  // below 1e10 0.999 / 1.006 / 1.018; below 1e11 1.012 / 0.982 / 0.995; the 1e12 window 1.000
  // (512 KB) / 0.956-0.967 (1 MB) / 0.961 (2 MB); the 1e15 window 1.150 (512 KB) /
  // 1.112-1.121 (1 MB) / 1.266 (2 MB).)
  static constexpr std::uint64_t default_segment_bytes = 256 * 1024;
  static constexpr std::uint64_t large_segment_bytes = 1024 * 1024;
  static constexpr std::uint64_t automatic_segment_bytes = 0;  // chosen from N as above
  static std::uint64_t segment_bytes_for(std::uint64_t limit);
  // Small primes cross a segment a piece at a time: equal pieces of at most the host's L1d
  // (sieve::l1_data_bytes(): 48 KB on the Xeon VM, where 32 KB pieces measured ~5 % slower
  // below 1e10; 32 KB on the EPYC VM); this is the L1d assumed when sysconf reports none.
  static constexpr std::uint64_t default_piece_bytes = 32 * 1024;
  static constexpr std::uint64_t kNumbersPerByte = sieve::kNumbersPerByte;
  // Blocks further up sieve with more primes (up to the square root of their end): at 1e11 a
  // static split of 2 threads measured imbalance 1.14, cyclic 1.02.
  static constexpr bool later_blocks_cost_more = true;

  // Sum of the primes in [from, limit). segment_bytes (a power of two, at least 16; 0: chosen
  // from limit) and segments_per_block (0: chosen from limit) exist for tests that want many
  // small segments and blocks.
  // Throws std::invalid_argument on a limit above max_limit, from > limit or a bad geometry.
  explicit PrimeSieveSum(std::uint64_t limit, std::uint64_t segment_bytes = automatic_segment_bytes,
                         std::uint64_t segments_per_block = 0, std::uint64_t from = 0);

  [[nodiscard]] std::string name() const { return "sieve"; }
  [[nodiscard]] std::uint64_t limit() const { return limit_; }
  [[nodiscard]] std::uint64_t from() const { return from_; }
  [[nodiscard]] std::uint64_t work_size() const { return limit_ - origin_; }
  [[nodiscard]] std::uint64_t block_size() const { return block_numbers_; }
  [[nodiscard]] std::string work_unit() const { return "numbers"; }
  [[nodiscard]] std::uint64_t segment_numbers() const { return segment_bytes_ * kNumbersPerByte; }

  // Primes among work indices [first_index, end_index) (numbers origin + index, clipped to
  // [from, limit)), any range (not only block boundaries). The result does not depend on
  // what the workspace held; without one, the call allocates its own.
  [[nodiscard]] Partial compute(std::uint64_t first_index, std::uint64_t end_index, Workspace& workspace) const;
  [[nodiscard]] Partial compute(std::uint64_t first_index, std::uint64_t end_index) const {
    Workspace workspace;
    return compute(first_index, end_index, workspace);
  }
  static Partial identity() { return {}; }
  static Partial combine(const Partial& a, const Partial& b) { return {a.sum + b.sum, a.count + b.count}; }
  [[nodiscard]] Value finalize(const Partial& totals) const { return totals; }

  // Checked against the published table where N = 10^k, else the oracle (primes_oracle.hpp).
  [[nodiscard]] Verdict verdict(const Value& value) const;
  // The value fields only, unchecked.
  [[nodiscard]] Verdict result(const Value& value) const;
  // One core's seconds for verdict(): lets the program skip a check dearer than the run.
  [[nodiscard]] double reference_seconds_estimate() const;
  // A sum to compare with instead (e.g. a published value); the count is then not checked.
  void set_given_reference(uint128 sum) { given_ = sum; }
  void describe(nlohmann::json& parameters) const;

 private:

  std::uint64_t from_;    // the window's first number
  std::uint64_t origin_;  // the number of work index 0: from_ rounded down to a word
  std::uint64_t limit_;
  std::uint64_t segment_bytes_;
  std::uint64_t piece_bytes_;  // small primes cross a piece of the segment at a time (equal pieces of at most the L1d)
  std::uint64_t block_numbers_;
  std::vector<std::uint32_t> sieving_primes_;  // primes above the pattern primes with p*p < limit
  sieve::Presieve presieve_;  // the patterns of 7..163
  std::optional<uint128> given_;
};

// Published sum (OEIS A046731) and count (A006880) of the primes below 10^k, k <= 12.
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
