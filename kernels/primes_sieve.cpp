// The kernel: PrimeSieveSum's blocks and segments, each segment through the layers in turn
// (pre-sieve patterns, small, medium and large primes, then the popcount sums).
#include "primes_sieve.hpp"

#include "primes_oracle.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "primes_sieve_base.hpp"
#include "primes_sieve_buckets.hpp"
#include "primes_sieve_medium_dense.hpp"
#include "primes_sieve_medium_sparse.hpp"
#include "primes_sieve_multiplier_wheel.hpp"
#include "primes_sieve_sums.hpp"
#include "primes_sieve_wheel.hpp"
#include "primes_sieve_wheel_primes.hpp"

namespace parscale {

using sieve::clear_bits;
using sieve::DenseMediumPrimes;
using sieve::first_bit_at_or_above;
using sieve::isqrt;
using sieve::kLargestPatternPrime;
using sieve::kNumbersPerWord;
using sieve::kPatternPrimes;
using sieve::kToCoprime;
using sieve::kWheelIndex;
using sieve::LargePrimeBuckets;
using sieve::Wheel210;
using sieve::Wheel2310;
using sieve::make_position;
using sieve::SegmentTotals;
using sieve::SmallPrimes;
using sieve::SparseMediumPrimes;
using sieve::sieving_primes_up_to;
using sieve::sum_segment;

std::uint64_t PrimeSieveSum::segment_bytes_for(std::uint64_t limit) {
  const std::uint64_t root = limit >= 2 ? isqrt(limit - 1) : 0;
  return std::clamp(std::bit_ceil(8 * std::max<std::uint64_t>(root, 1)), default_segment_bytes, large_segment_bytes);
}

PrimeSieveSum::PrimeSieveSum(std::uint64_t limit, std::uint64_t segment_bytes, std::uint64_t segments_per_block,
                             std::uint64_t from)
    : from_(from), origin_(from - from % kNumbersPerWord), limit_(limit),
      segment_bytes_(segment_bytes == automatic_segment_bytes ? segment_bytes_for(limit) : segment_bytes),
      piece_bytes_(0), block_numbers_(0) {
  segment_bytes = segment_bytes_;
  // The segment in equal pieces of at most the L1d, whole words: 48 KB pieces left a 16 KB
  // last piece of a 256 KB segment, where each small prime paid a whole call for a third of
  // its hits (ratio to libprimesieve's count, 1 thread, interleaved in one run: below 1e11
  // 1.074 -> 1.053, below 1e10 1.074 -> 1.061 with 6 pieces of 43688 bytes).
  const std::uint64_t l1_bytes = sieve::l1_data_bytes(default_piece_bytes);
  const std::uint64_t pieces = (segment_bytes_ + l1_bytes - 1) / l1_bytes;
  piece_bytes_ = ((segment_bytes_ + pieces - 1) / pieces + 7) / 8 * 8;
  if (limit > max_limit) {
    throw std::invalid_argument(fmt::format("the sieve limit must be at most 10^15, got {}", limit));
  }
  if (from > limit) {
    throw std::invalid_argument(fmt::format("the window [{}, {}) starts past its end", from, limit));
  }
  // At most 2^24: the large primes' hits keep their position in a segment in 32 bits (LargePrimeBuckets).
  if (segment_bytes < 16 || !std::has_single_bit(segment_bytes) || segment_bytes > (std::uint64_t{1} << 24)) {
    throw std::invalid_argument(fmt::format("segment bytes must be a power of two in [16, 2^24], got {}",
                                            segment_bytes));
  }
  if (segments_per_block == 0) {
    // Each block pays, per sieving prime, the division for its first multiple, the filing of
    // its position and the first touch of its list entry: with blocks of 64 sqrt(N) numbers
    // that was 3-7 % of the time (timed per layer: 6 % below 1e11, 5 % at the 1e12 window).
    // So a block is 256 sqrt(N) numbers, at least 4 segments (ratio to libprimesieve's count,
    // 1 thread, interleaved in one run: below 1e11 1.085 -> 1.066, the 1e12 window 1.072 ->
    // 1.051). A window narrow for its N (10^10 numbers below 10^15: 5 such blocks) would leave
    // 2 workers 3 blocks against 2, so a block is also at most a quarter of the work, unless
    // that is below 16 sqrt(N) numbers (where the setup would cost more than the balance).
    // A quarter, not an eighth: the 10^15 window's setup (every prime's first multiple, per
    // block) took 4.0 % of its time in 8 blocks, 2.2 % in 4 (ratio to libprimesieve's count,
    // interleaved in one run, 1 thread 1.091 -> 1.051, 2 threads 1.071 -> 1.051); 4 blocks
    // still split evenly over 1, 2 or 4 workers.
    const std::uint64_t root = isqrt(limit) + 1;
    const std::uint64_t wanted = std::min(256 * root, std::max((limit - origin_) / 4, 16 * root));
    segments_per_block = std::max<std::uint64_t>(4, (wanted + segment_numbers() - 1) / segment_numbers());
  }
  // Positions within a block are kept in 32 bits (the primes' lists): 2^31 bytes is 6.4e10
  // numbers, 8 times the longest automatic block (256 sqrt(1e15)).
  if (segments_per_block > (std::uint64_t{1} << 31) / segment_bytes) {
    throw std::invalid_argument(fmt::format("a block must be under 2^31 bytes of the wheel, got {} segments of {} bytes",
                                            segments_per_block, segment_bytes));
  }
  block_numbers_ = segments_per_block * segment_numbers();
  if (limit >= 2) {
    sieving_primes_ = sieving_primes_up_to(isqrt(limit - 1), presieve_);
    sieving_primes_.erase(sieving_primes_.begin(),
                          std::upper_bound(sieving_primes_.begin(), sieving_primes_.end(), kLargestPatternPrime));
  }
}

PrimeSieveSum::Partial PrimeSieveSum::compute(std::uint64_t first_index, std::uint64_t end_index,
                                              Workspace& workspace) const {
  // Work index i is the number origin_ + i; indices below from_ hold nothing.
  const std::uint64_t low = std::max(origin_ + first_index, from_);
  const std::uint64_t high = std::min(origin_ + std::min(end_index, work_size()), limit_);
  PrimeTotals totals;
  if (low >= high) {
    return totals;
  }
  for (const std::uint32_t p : kPatternPrimes) {
    if (p >= low && p < high) {
      totals.sum += p;
      ++totals.count;
    }
  }
  const std::uint64_t segment_span = segment_numbers();
  const std::uint64_t start = low - low % kNumbersPerWord;
  const std::uint64_t end = high + (kNumbersPerWord - high % kNumbersPerWord) % kNumbersPerWord;
  const std::uint64_t segments = (end - start + segment_span - 1) / segment_span;

  // Sieving primes with p*p < high, split into
  //   * small: p <= 0.175 x piece bytes, at least ~46 hits per L1-sized piece of a segment,
  //     crossed piece by piece while the piece is in L1, in mod-30 rounds (SmallPrimes);
  //   * dense medium: p <= segment bytes / 2 (about 16 hits per segment or more), crossed over
  //     the whole segment from L2 on the mod-2310 wheel (DenseMediumPrimes);
  //   * sparse medium: p <= 8 x segment bytes (about one hit per segment or more), crossed
  //     over the whole segment on the mod-30 wheel, one checked multiple at a time
  //     (SparseMediumPrimes);
  //   * large: fewer hits, in buckets (LargePrimeBuckets).
  // With the sparse layer's checked crossings the split was scanned again at the 1e15 window
  // (ratio to libprimesieve's count, 1 thread, interleaved in one run): dense up to segment
  // / 8, / 4, / 2: 1.068, 1.072, 1.071; sparse up to 4, 8, 16 x segment: 1.114, 1.071, 1.116.
  // The earlier scans, with the sparse primes in rounds:
  // Ratios to libprimesieve's count, 1 thread, interleaved in one run, dense medium up to
  // segment / 4, / 2, x 1, x 2: the 1e12 window 1.003, 1.001, 1.028, 1.144 (all medium in
  // mod-30 rounds: 1.051); the 1e15 window 1.194, 1.165 (1.215 before). Beyond ~16 hits per
  // segment the switch into a prime's turn, mispredicted on most calls, costs more than the
  // crossings saved. Small primes in mod-210 turns were far slower (1.33 against 1.00 below
  // 1e10): in L1 the rounds' fewer instructions per crossing count, not the crossings.
  // Medium reached only 8 hits per segment before; crossing the primes with 1-8 hits in the
  // grouped loop instead of the buckets measured (serial user times, 3 interleaved runs each,
  // shared host, medians) [1e12, 1e12 + 1e10) 2.10 -> 1.94 s, [1e15 - 1e10, 1e15) 3.99 ->
  // 3.74 s (4 x: 1.98 / 3.75 s, 16 x: 2.03 / 3.93 s). Small stops at 32 hits, not 8: a prime
  // visited per piece pays its call, its offsets and its partial first and last rounds once
  // per piece; with few hits that costs more than crossing the whole segment from L2.
  // (Serial user times, 6 + 6 interleaved runs, shared host, medians, 64 -> 32 hits:
  // [9e10, 1e11) 1.755 -> 1.685 s, below 1e10 1.21 -> 1.19 s; 16 hits or 128 were slower;
  // with the dense layer, 16 or 64 hits were still slower.) On the EPYC VM's 32 KB L1d the
  // bound moved from piece / 4 (32 hits) to 0.175 x piece, libprimesieve's factor for its L1
  // sieve: 0.97-1.0 alone, part of the 4-6 % of primes_sieve_presieve.hpp's figures (not
  // measured on the Xeon VM).
  const std::uint64_t piece_bytes = piece_bytes_;  // at most the segment (the constructor splits it)
  const auto root = static_cast<std::uint32_t>(isqrt(high - 1));
  const auto used_end = std::upper_bound(sieving_primes_.begin(), sieving_primes_.end(), root);
  const auto medium_end = std::upper_bound(sieving_primes_.begin(), used_end, 8 * segment_bytes_);
  const auto dense_end = std::upper_bound(sieving_primes_.begin(), medium_end, segment_bytes_ / 2);
  const auto small_end = std::upper_bound(sieving_primes_.begin(), dense_end, piece_bytes * 7 / 40);
  const std::uint32_t* const small_first = sieving_primes_.data();
  const std::uint32_t* const dense_first = small_first + (small_end - sieving_primes_.begin());
  const std::uint32_t* const sparse_first = small_first + (dense_end - sieving_primes_.begin());
  const std::uint32_t* const sparse_last = small_first + (medium_end - sieving_primes_.begin());

  // Position (from `start`) of each prime's first multiple >= max(p^2, start) coprime to 30.
  auto first_position = [start](std::uint64_t p) {
    std::uint64_t multiplier = std::max(p, (start + p - 1) / p);
    multiplier += kToCoprime[multiplier % 30];
    return make_position((p * multiplier - start) / 30, kWheelIndex[multiplier % 30]);
  };
  SmallPrimes small(small_first, dense_first, first_position, workspace.small_primes);
  SparseMediumPrimes sparse(sparse_first, sparse_last, first_position, workspace.sparse_primes);
  LargePrimeBuckets large(segments, segment_bytes_, used_end == medium_end ? 0 : *(used_end - 1),
                          workspace.bucket_chunks);
  DenseMediumPrimes dense(dense_first, sparse_first,
                          [start](std::uint64_t p) { return Wheel2310::first_position(p, start); },
                          workspace.dense_primes);
  for (auto it = medium_end; it != used_end; ++it) {
    large.file(*it, Wheel210::first_position(*it, start));
  }

  std::uint64_t* const words = workspace.segment.storage_for<std::uint64_t>(segment_bytes_ / 8);
  auto* bytes = reinterpret_cast<std::uint8_t*>(words);  // byte access to the words is allowed
  for (std::uint64_t s = 0; s < segments; ++s) {
    const std::uint64_t segment_low = start + s * segment_span;
    const std::uint64_t segment_end = std::min(segment_low + segment_span, end);
    const std::uint64_t byte_count = (segment_end - segment_low) / 30;
    for (std::uint64_t piece = 0; piece < byte_count; piece += piece_bytes) {
      const std::uint64_t piece_byte_count = std::min(piece_bytes, byte_count - piece);
      std::uint8_t* piece_start = bytes + piece;
      presieve_.apply(piece_start, segment_low / 30 + piece, piece_byte_count);
      small.cross_off_all(piece_start, piece_byte_count);
    }
    dense.cross_off_all(bytes, byte_count);
    sparse.cross_off_all(bytes, byte_count);
    large.cross_off_segment(s, bytes);
    // Keep only the numbers in [low, high), and 1 is not a prime.
    const std::uint64_t bits = byte_count * 8;
    if (low > segment_low) {
      clear_bits(words, 0, std::min(bits, first_bit_at_or_above(low - segment_low)));
    }
    if (high < segment_end) {
      clear_bits(words, first_bit_at_or_above(high - segment_low), bits);
    }
    if (segment_low == 0) {
      words[0] &= ~std::uint64_t{1};
    }
    const SegmentTotals segment = sum_segment(words, byte_count / 8);
    totals.count += segment.count;
    totals.sum += static_cast<uint128>(segment.count) * segment_low + segment.offset_sum;
  }
  return totals;
}

void PrimeSieveSum::describe(nlohmann::json& parameters) const {
  parameters["from"] = from_;
  parameters["n"] = limit_;
  parameters["segment_bytes"] = segment_bytes_;
  parameters["segments_per_block"] = block_numbers_ / segment_numbers();
  // Primes up to sqrt(N): the pattern primes at or below that root, plus the sieving primes.
  const std::uint64_t root = limit_ >= 2 ? isqrt(limit_ - 1) : 0;
  const auto pattern_used = std::count_if(kPatternPrimes.begin(), kPatternPrimes.end(),
                                          [root](std::uint32_t p) { return p <= root; });
  parameters["sieving_primes"] = sieving_primes_.size() + static_cast<std::size_t>(pattern_used);
}

}  // namespace parscale
