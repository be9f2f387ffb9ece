#include "primes_sieve.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace parscale {

static_assert(std::endian::native == std::endian::little,
              "the sieve addresses the bits of its 64-bit words as bytes");

namespace {

// Primes removed by the periodic patterns, grouped so each period stays cache-sized:
// 3*5*7*11*13 = 15015, 17*19*23 = 7429, 29*31*37 = 33263, 41*43*47 = 82861 bytes.
constexpr std::array<std::array<std::uint32_t, 5>, 4> kPatternGroups = {{
    {3, 5, 7, 11, 13},
    {17, 19, 23, 0, 0},
    {29, 31, 37, 0, 0},
    {41, 43, 47, 0, 0},
}};
constexpr std::array<std::uint32_t, 15> kPatternPrimes = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47};
constexpr std::uint32_t kLargestPatternPrime = 47;

std::uint64_t isqrt(std::uint64_t n) {
  auto root = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(n)));
  while (root * root > n) {
    --root;
  }
  while ((root + 1) * (root + 1) <= n) {
    ++root;
  }
  return root;
}

// Odd primes up to `bound` by the plain sieve (bound is at most ~3.2e7 here).
std::vector<std::uint32_t> odd_primes_up_to(std::uint64_t bound) {
  std::vector<std::uint32_t> primes;
  if (bound < 3) {
    return primes;
  }
  std::vector<bool> composite(bound / 2 + 1, false);  // index i is 2i+1
  for (std::uint64_t i = 1; 2 * i + 1 <= bound; ++i) {
    if (composite[i]) {
      continue;
    }
    const std::uint64_t p = 2 * i + 1;
    primes.push_back(static_cast<std::uint32_t>(p));
    for (std::uint64_t m = p * p; m <= bound; m += 2 * p) {
      composite[m / 2] = true;
    }
  }
  return primes;
}

// Sum of the indices of the set bits of `word`.
inline std::uint64_t set_bit_index_sum(std::uint64_t word) {
  constexpr std::uint64_t kIndexBit0 = 0xAAAA'AAAA'AAAA'AAAAULL;
  constexpr std::uint64_t kIndexBit1 = 0xCCCC'CCCC'CCCC'CCCCULL;
  constexpr std::uint64_t kIndexBit2 = 0xF0F0'F0F0'F0F0'F0F0ULL;
  constexpr std::uint64_t kIndexBit3 = 0xFF00'FF00'FF00'FF00ULL;
  constexpr std::uint64_t kIndexBit4 = 0xFFFF'0000'FFFF'0000ULL;
  constexpr std::uint64_t kIndexBit5 = 0xFFFF'FFFF'0000'0000ULL;
  return static_cast<std::uint64_t>(std::popcount(word & kIndexBit0)) +
         2 * static_cast<std::uint64_t>(std::popcount(word & kIndexBit1)) +
         4 * static_cast<std::uint64_t>(std::popcount(word & kIndexBit2)) +
         8 * static_cast<std::uint64_t>(std::popcount(word & kIndexBit3)) +
         16 * static_cast<std::uint64_t>(std::popcount(word & kIndexBit4)) +
         32 * static_cast<std::uint64_t>(std::popcount(word & kIndexBit5));
}

// Rounds of eight consecutive multiples, for bit % 8 == R and step % 8 == Q, while the
// round's first byte is below `stop`; returns the first byte of the next round.
// Multiple k of a round lies in byte k*(step/8) + (R + k Q)/8 at bit (R + k Q) % 8: the
// masks and byte adjustments are constants, so the loop keeps a pointer, step/8 and its
// odd multiples in registers and does one read-modify-write per crossing.
template <unsigned R, unsigned Q>
std::uint8_t* cross_off_rounds(std::uint8_t* at, std::uint64_t step, const std::uint8_t* stop) {
  const std::uint64_t p8 = step >> 3;
  while (at < stop) {
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      ((at[K * p8 + ((R + K * Q) >> 3)] &= static_cast<std::uint8_t>(~(1U << ((R + K * Q) & 7)))), ...);
    }(std::make_index_sequence<8>{});
    at += step;
  }
  return at;
}

using CrossOffRounds = std::uint8_t* (*)(std::uint8_t*, std::uint64_t, const std::uint8_t*);

template <std::size_t... I>
constexpr std::array<CrossOffRounds, 64> make_cross_off_table(std::index_sequence<I...>) {
  return {&cross_off_rounds<static_cast<unsigned>(I / 8), static_cast<unsigned>(I % 8)>...};
}
constexpr std::array<CrossOffRounds, 64> kCrossOffRounds = make_cross_off_table(std::make_index_sequence<64>{});

// Clears bits step apart from `bit` below `bits`; returns the first multiple past the end.
// Eight consecutive multiples span 8*step bits = step bytes.
inline std::uint64_t cross_off(std::uint8_t* bytes, std::uint64_t bit, std::uint64_t step, std::uint64_t bits) {
  if (bit >= bits) {
    return bit;
  }
  const std::uint64_t unroll_end = bits > 7 * step ? bits - 7 * step : 0;
  const std::uint64_t r = bit & 7;
  if (bit < unroll_end) {
    // A round starting at bit 8a + r is whole iff 8a + r < unroll_end: stop at byte
    // ceil((unroll_end - r) / 8). A pointer compare instead of dividing for a round count:
    // the division was the largest single cost of the small primes (one per prime per piece).
    const std::uint8_t* stop = bytes + (unroll_end - r + 7) / 8;
    const std::uint8_t* at = kCrossOffRounds[r * 8 + (step & 7)](bytes + (bit >> 3), step, stop);
    bit = static_cast<std::uint64_t>(at - bytes) * 8 + r;
  }
  for (; bit < bits; bit += step) {
    bytes[bit >> 3] &= static_cast<std::uint8_t>(~(1U << (bit & 7)));
  }
  return bit;
}

// Clears bits [from, to) of `words`.
void clear_bits(std::uint64_t* words, std::uint64_t from, std::uint64_t to) {
  for (std::uint64_t bit = from; bit < to;) {
    if (bit % 64 == 0 && to - bit >= 64) {
      words[bit / 64] = 0;
      bit += 64;
    } else {
      words[bit / 64] &= ~(std::uint64_t{1} << (bit % 64));
      ++bit;
    }
  }
}

struct BucketHit {
  std::uint32_t prime;
  std::uint32_t bit;  // within the segment the bucket belongs to
};

}  // namespace

std::string to_decimal(uint128 value) {
  if (value == 0) {
    return "0";
  }
  std::string digits;
  while (value != 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}

PrimeSieveSum::PrimeSieveSum(std::uint64_t limit, std::uint64_t segment_bytes, std::uint64_t segments_per_block)
    : limit_(limit), segment_bytes_(segment_bytes), block_numbers_(0) {
  if (limit > max_limit) {
    throw std::invalid_argument(fmt::format("the sieve limit must be at most 10^15, got {}", limit));
  }
  if (segment_bytes < 16 || segment_bytes % 16 != 0 || segment_bytes > (std::uint64_t{1} << 26)) {
    throw std::invalid_argument(fmt::format("segment bytes must be a multiple of 16 in [16, 2^26], got {}",
                                            segment_bytes));
  }
  if (segments_per_block == 0) {
    // Each block pays one division per sieving prime to find its first multiples: make the
    // block long enough (64 sqrt(N) numbers, at least 4 segments) that this is a few percent.
    const std::uint64_t wanted = 64 * (isqrt(limit) + 1);
    segments_per_block = std::max<std::uint64_t>(4, (wanted + segment_numbers() - 1) / segment_numbers());
  }
  block_numbers_ = segments_per_block * segment_numbers();
  if (limit >= 2) {
    for (const std::uint32_t p : odd_primes_up_to(isqrt(limit - 1))) {
      if (p > kLargestPatternPrime) {
        sieving_primes_.push_back(p);
      }
    }
  }
  for (const auto& group : kPatternGroups) {
    Pattern pattern;
    pattern.period = 1;
    for (const std::uint32_t p : group) {
      pattern.period *= p == 0 ? 1 : p;
    }
    // Byte i, bit b stands for (a number congruent to) 16 i + 2 b + 1, i.e. bit index
    // j = 8 i + b stands for 2 j + 1: the odd multiples of p are j = (p - 1) / 2 + k p.
    // Patterns are applied one L1 piece at a time, so a window is at most a piece long:
    // a period + one piece keeps all four patterns (~270 KB) in L2 next to the segment;
    // period + segment (~1.2 MB) spilled to the L3 that both cores share.
    pattern.bytes.assign(pattern.period + std::min(segment_bytes_, kPieceBytes), 0xFF);
    for (const std::uint32_t p : group) {
      if (p != 0) {
        cross_off(pattern.bytes.data(), (p - 1) / 2, p, pattern.bytes.size() * 8);
      }
    }
    patterns_.push_back(std::move(pattern));
  }
}

void PrimeSieveSum::sieve_segment(std::uint8_t* bytes, std::uint64_t segment_low, std::uint64_t byte_count) const {
  const std::uint64_t first_byte = segment_low / 16;
  static_assert(kPatternGroups.size() == 4, "one fused pass ANDs exactly four patterns");
  std::array<const std::uint8_t*, 4> windows{};
  for (std::size_t g = 0; g < windows.size(); ++g) {
    windows[g] = patterns_[g].bytes.data() + first_byte % patterns_[g].period;
  }
  // One pass writing the piece once, instead of a copy and three read-modify-write passes.
  const std::uint8_t* __restrict w0 = windows[0];
  const std::uint8_t* __restrict w1 = windows[1];
  const std::uint8_t* __restrict w2 = windows[2];
  const std::uint8_t* __restrict w3 = windows[3];
  std::uint8_t* __restrict out = bytes;
#pragma omp simd
  for (std::uint64_t i = 0; i < byte_count; ++i) {
    out[i] = static_cast<std::uint8_t>(w0[i] & w1[i] & w2[i] & w3[i]);
  }
}

PrimeSieveSum::Partial PrimeSieveSum::compute(std::uint64_t low, std::uint64_t high) const {
  high = std::min(high, limit_);
  PrimeTotals totals;
  if (low >= high) {
    return totals;
  }
  // The pattern primes (and 2) are cleared by the patterns: count them here.
  for (const std::uint32_t p : kPatternPrimes) {
    if (p >= low && p < high) {
      totals.sum += p;
      ++totals.count;
    }
  }
  const std::uint64_t segment_bits = segment_bytes_ * 8;
  const std::uint64_t segment_span = segment_numbers();
  const std::uint64_t start = low & ~std::uint64_t{127};  // a 64-bit word covers 128 numbers
  const std::uint64_t end = high + (128 - high % 128) % 128;
  const std::uint64_t segments = (end - start + segment_span - 1) / segment_span;

  // Sieving primes with p*p < high, split into small (at least 64 hits per L1-sized piece
  // of a segment: crossed piece by piece while the piece is in L1), medium (several hits
  // per segment) and large (step of at least a whole segment: buckets). Small stops at
  // 64 hits, not 8: a prime visited per piece pays its call, round set-up and scalar tail
  // eight times per segment; with few hits that costs more than crossing the whole
  // segment from L2 (measured, N = 1e10, in-process A/B: 8 -> 16 hits ~13% faster,
  // 16 -> 32 ~8%, 32 -> 64 ~3%; 128 was ~3% slower than 32).
  const std::uint64_t piece_bytes = std::min(segment_bytes_, kPieceBytes);
  const auto root = static_cast<std::uint32_t>(isqrt(high - 1));
  const auto used_end = std::upper_bound(sieving_primes_.begin(), sieving_primes_.end(), root);
  const auto medium_end = std::lower_bound(sieving_primes_.begin(), used_end, segment_bits);
  const auto small_end = std::lower_bound(sieving_primes_.begin(), medium_end, piece_bytes / 8);
  const auto medium_count = static_cast<std::size_t>(medium_end - sieving_primes_.begin());
  const auto small_count = static_cast<std::size_t>(small_end - sieving_primes_.begin());

  // Bit index (from `start`) of each prime's first odd multiple >= max(p^2, start).
  auto first_multiple_bit = [start](std::uint64_t p) {
    std::uint64_t m = std::max(p * p, (start + p - 1) / p * p);
    if (m % 2 == 0) {
      m += p;
    }
    return (m - start - 1) / 2;
  };
  std::vector<std::uint64_t> next_bit(medium_count);
  for (std::size_t i = 0; i < medium_count; ++i) {
    next_bit[i] = first_multiple_bit(sieving_primes_[i]);
  }
  std::vector<std::vector<BucketHit>> buckets(segments);
  for (auto it = medium_end; it != used_end; ++it) {
    const std::uint64_t bit = first_multiple_bit(*it);
    if (bit / segment_bits < segments) {
      buckets[bit / segment_bits].push_back({*it, static_cast<std::uint32_t>(bit % segment_bits)});
    }
  }

  std::vector<std::uint64_t> words(segment_bytes_ / 8);
  auto* bytes = reinterpret_cast<std::uint8_t*>(words.data());  // byte access to the words is allowed
  for (std::uint64_t s = 0; s < segments; ++s) {
    const std::uint64_t segment_low = start + s * segment_span;
    const std::uint64_t segment_end = std::min(segment_low + segment_span, end);
    const std::uint64_t byte_count = (segment_end - segment_low) / 16;
    const std::uint64_t bits = byte_count * 8;
    for (std::uint64_t piece = 0; piece < byte_count; piece += piece_bytes) {
      const std::uint64_t piece_bits = std::min(piece_bytes, byte_count - piece) * 8;
      std::uint8_t* piece_start = bytes + piece;
      sieve_segment(piece_start, segment_low + 16 * piece, piece_bits / 8);
      for (std::size_t i = 0; i < small_count; ++i) {
        next_bit[i] = cross_off(piece_start, next_bit[i], sieving_primes_[i], piece_bits) - piece_bits;
      }
    }
    for (std::size_t i = small_count; i < medium_count; ++i) {
      next_bit[i] = cross_off(bytes, next_bit[i], sieving_primes_[i], bits) - bits;
    }
    for (const BucketHit hit : buckets[s]) {
      if (hit.bit < bits) {
        bytes[hit.bit >> 3] &= static_cast<std::uint8_t>(~(1U << (hit.bit & 7)));
      }
      const std::uint64_t next = std::uint64_t{hit.bit} + hit.prime;
      const std::uint64_t target = s + next / segment_bits;
      if (target < segments) {
        buckets[target].push_back({hit.prime, static_cast<std::uint32_t>(next % segment_bits)});
      }
    }
    std::vector<BucketHit>().swap(buckets[s]);
    // Keep only the numbers in [low, high), and 1 is not a prime.
    if (low > segment_low) {
      clear_bits(words.data(), 0, std::min(bits, (low - segment_low) / 2));
    }
    if (high < segment_end) {
      clear_bits(words.data(), (high - segment_low) / 2, bits);
    }
    if (segment_low == 0) {
      words[0] &= ~std::uint64_t{1};
    }
    // Set bit j of word w stands for segment_low + 128 w + 2 j + 1.
    std::uint64_t count = 0;
    std::uint64_t offset_sum = 0;  // sum of 128 w + 2 j over the set bits (< 2^40 per segment)
    const std::uint64_t word_count = byte_count / 8;
    for (std::uint64_t w = 0; w < word_count; ++w) {
      const std::uint64_t word = words[w];
      const auto set = static_cast<std::uint64_t>(std::popcount(word));
      count += set;
      offset_sum += 128 * w * set + 2 * set_bit_index_sum(word);
    }
    totals.count += count;
    totals.sum += static_cast<uint128>(count) * (segment_low + 1) + offset_sum;
  }
  return totals;
}

const std::vector<KnownPrimeTotals>& known_prime_totals() {
  static const std::vector<KnownPrimeTotals> known = {
      {10ULL, "17", 4},
      {100ULL, "1060", 25},
      {1000ULL, "76127", 168},
      {10000ULL, "5736396", 1229},
      {100000ULL, "454396537", 9592},
      {1000000ULL, "37550402023", 78498},
      {10000000ULL, "3203324994356", 664579},
      {100000000ULL, "279209790387276", 5761455},
      {1000000000ULL, "24739512092254535", 50847534},
      {10000000000ULL, "2220822432581729238", 455052511},
      // Checked against libprimesieve 11.0 (iterator sum in __int128, count_primes).
      {100000000000ULL, "201467077743744681014", 4118054813},
  };
  return known;
}

PrimeTotals plain_sieve_totals(std::uint64_t limit) {
  PrimeTotals totals;
  if (limit > 2) {
    totals.sum = 2;
    totals.count = 1;
  }
  if (limit > 3) {
    for (const std::uint32_t p : odd_primes_up_to(limit - 1)) {
      totals.sum += p;
      ++totals.count;
    }
  }
  return totals;
}

Verdict PrimeSieveSum::verdict(const Value& value) const {
  // The plain sieve needs limit/16 bytes and about a second per 10^8.
  constexpr std::uint64_t kPlainSieveMax = 100'000'000;
  Verdict verdict;
  verdict.value_text = to_decimal(value.sum);
  verdict.value = static_cast<double>(value.sum);
  std::optional<PrimeTotals> reference;
  std::string source;
  for (const auto& known : known_prime_totals()) {
    if (known.limit == limit_) {
      verdict.reference_text = known.sum;
      reference = PrimeTotals{0, known.count};
      source = fmt::format("the known values for N = {}", limit_);
    }
  }
  if (!reference && limit_ <= kPlainSieveMax) {
    reference = plain_sieve_totals(limit_);
    verdict.reference_text = to_decimal(reference->sum);
    source = "an independent plain sieve";
  }
  if (!reference) {
    verdict.reference_text = fmt::format("none: N = {} is not validated (references: N = 10^k, k <= 11, and N <= 10^8)",
                                         limit_);
    verdict.valid = true;
    verdict.criterion = fmt::format("NOT VALIDATED: no reference for N = {}; {} primes", limit_, value.count);
    return verdict;
  }
  const bool sum_equal = verdict.value_text == verdict.reference_text;
  const bool count_equal = value.count == reference->count;
  verdict.valid = sum_equal && count_equal;
  verdict.error = sum_equal ? 0.0 : std::abs(verdict.value - std::stod(verdict.reference_text));
  verdict.tolerance = 0.0;
  verdict.criterion = fmt::format("exact: sum and count ({} primes, expected {}) equal {}", value.count,
                                  reference->count, source);
  return verdict;
}

void PrimeSieveSum::describe(nlohmann::json& parameters) const {
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
