#include "primes_sieve.hpp"

#include "primes_oracle.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace parscale {

static_assert(std::endian::native == std::endian::little,
              "the sieve addresses the bits of its 64-bit words as bytes");

namespace {

// The wheel: the residues mod 30 coprime to 30, one bit each; [8] is the next round's first.
constexpr std::array<std::uint32_t, 9> kWheel = {1, 7, 11, 13, 17, 19, 23, 29, 31};
constexpr std::uint64_t kNumbersPerWord = 8 * PrimeSieveSum::kNumbersPerByte;  // 240

// Index in kWheel of each residue mod 30, 8 for residues that share a factor with 30.
constexpr std::array<std::uint8_t, 30> kWheelIndex = [] {
  std::array<std::uint8_t, 30> index{};
  index.fill(8);
  for (std::uint8_t k = 0; k < 8; ++k) {
    index[kWheel[k]] = k;
  }
  return index;
}();

// Smallest d >= 0 that makes x + d coprime to 30, by x % 30.
constexpr std::array<std::uint8_t, 30> kToCoprime = [] {
  std::array<std::uint8_t, 30> distance{};
  for (std::uint32_t x = 0; x < 30; ++x) {
    std::uint32_t d = 0;
    while (kWheelIndex[(x + d) % 30] == 8) {
      ++d;
    }
    distance[x] = static_cast<std::uint8_t>(d);
  }
  return distance;
}();

// Index of the first bit whose number is >= segment_low + r, by r = 0..29 (never 8: 29 is on the wheel).
constexpr std::array<std::uint8_t, 30> kFirstBitAtOrAbove = [] {
  std::array<std::uint8_t, 30> bit{};
  for (std::uint32_t r = 0; r < 30; ++r) {
    std::uint8_t k = 0;
    while (kWheel[k] < r) {
      ++k;
    }
    bit[r] = k;
  }
  return bit;
}();

// A prime p = 30 q + kWheel[R] crosses off p * (30 j + kWheel[k]) = 30 (p j + q kWheel[k]) + kWheel[R] kWheel[k]:
// byte p j + q kWheel[k] + kRoundByte[R][k], bit kWheelIndex[kWheel[R] kWheel[k] % 30]. Round j covers
// k = 0..7; its bytes lie within [p j, p j + p).
constexpr auto kRoundByte = [] {
  std::array<std::array<std::uint32_t, 9>, 8> byte{};
  for (std::size_t r = 0; r < 8; ++r) {
    for (std::size_t k = 0; k < 9; ++k) {
      byte[r][k] = kWheel[r] * kWheel[k] / 30;
    }
  }
  return byte;
}();
constexpr auto kRoundMask = [] {
  std::array<std::array<std::uint8_t, 8>, 8> mask{};
  for (std::size_t r = 0; r < 8; ++r) {
    for (std::size_t k = 0; k < 8; ++k) {
      mask[r][k] = static_cast<std::uint8_t>(~(1U << kWheelIndex[kWheel[r] * kWheel[k] % 30]));
    }
  }
  return mask;
}();

// Primes removed by the periodic patterns (beyond 2, 3, 5, which the wheel removes), grouped so
// each period (the product, in bytes) stays below ~110 KB: about 320 KB in all. A pattern AND
// costs one load per 64 bytes; the primes it removes would cost 8 / p crossings per byte each.
constexpr std::size_t kPatternGroupCount = 15;
constexpr std::array<std::array<std::uint32_t, 4>, kPatternGroupCount> kPatternGroups = {{
    {7, 11, 13, 17},
    {19, 23, 29, 0},
    {31, 37, 41, 0},
    {43, 47, 53, 0},
    {59, 61, 0, 0},
    {67, 71, 0, 0},
    {73, 79, 0, 0},
    {83, 89, 0, 0},
    {97, 101, 0, 0},
    {103, 107, 0, 0},
    {109, 113, 0, 0},
    {127, 131, 0, 0},
    {137, 139, 0, 0},
    {149, 151, 0, 0},
    {157, 163, 0, 0},
}};
constexpr std::uint32_t kLargestPatternPrime = 163;
// Patterns are ANDed a chunk at a time: each pattern holds period + one chunk bytes.
constexpr std::uint64_t kPatternChunkBytes = 4096;

// 2, 3, 5 and the pattern primes: the patterns clear their own bits, so they are counted apart.
constexpr auto kPatternPrimes = [] {
  std::array<std::uint32_t, 38> primes{2, 3, 5};
  std::size_t next = 3;
  for (const auto& group : kPatternGroups) {
    for (const std::uint32_t p : group) {
      if (p != 0) {
        primes[next++] = p;
      }
    }
  }
  return primes;
}();
static_assert(kPatternPrimes.back() == kLargestPatternPrime, "every pattern prime is listed once");

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

// A prime's place in its crossing off: the byte of its next multiple (relative to the
// current piece or segment) and the wheel index of that multiple's multiplier, packed as
// byte << 3 | index so that moving to the next piece is one subtraction.
using WheelPosition = std::uint64_t;
constexpr WheelPosition make_position(std::uint64_t byte, unsigned k) { return byte << 3 | k; }

// Crosses off crossing J (at byte `at`) of a partial round; when `at` is at or past `end`,
// returns its position instead (never 0: end > 0), the place to resume from.
template <unsigned R, unsigned J>
[[gnu::always_inline]] inline WheelPosition cross_or_stop(std::uint8_t* bytes, std::int64_t at, std::int64_t end) {
  if (at >= end) {
    return make_position(static_cast<std::uint64_t>(at), J);
  }
  bytes[at] &= kRoundMask[R][J];
  return 0;
}

// Crosses off the multiples of p = 30 q + kWheel[R] from `position` below byte_count; returns
// the position of the first multiple at or past byte_count. Round by round: a round's eight
// offsets stay in registers and its masks are immediates, so a whole round is eight
// read-modify-writes; a partial round (the first and the last) checks each crossing.
// (A plain function over the pack, not a lambda capturing by reference: byte stores may alias
// anything, so captured variables were reloaded from memory at every crossing.)
template <unsigned R, std::size_t... K>
WheelPosition cross_off_wheel(std::uint8_t* const bytes, const std::uint64_t byte_count, const std::uint64_t p,
                              const WheelPosition position, std::index_sequence<K...> /*crossings*/) {
  if ((position >> 3) >= byte_count) {
    return position;
  }
  const auto q = static_cast<std::int64_t>(p / 30);
  const auto step = static_cast<std::int64_t>(p);
  const auto end = static_cast<std::int64_t>(byte_count);
  const std::array<std::int64_t, 8> offsets = {(q * kWheel[K] + kRoundByte[R][K])...};
  auto k = static_cast<unsigned>(position & 7);
  // base may be negative (a round that began before this piece); every byte it touches is inside.
  std::int64_t base = static_cast<std::int64_t>(position >> 3) - offsets[k];
  const std::int64_t stop = end - offsets[7];  // a round from base < stop is whole
  for (;;) {
    switch (k) {  // the rest of a partial round: the first crossing past the end returns
      case 0: if (const auto past = cross_or_stop<R, 0>(bytes, base + offsets[0], end)) return past; [[fallthrough]];
      case 1: if (const auto past = cross_or_stop<R, 1>(bytes, base + offsets[1], end)) return past; [[fallthrough]];
      case 2: if (const auto past = cross_or_stop<R, 2>(bytes, base + offsets[2], end)) return past; [[fallthrough]];
      case 3: if (const auto past = cross_or_stop<R, 3>(bytes, base + offsets[3], end)) return past; [[fallthrough]];
      case 4: if (const auto past = cross_or_stop<R, 4>(bytes, base + offsets[4], end)) return past; [[fallthrough]];
      case 5: if (const auto past = cross_or_stop<R, 5>(bytes, base + offsets[5], end)) return past; [[fallthrough]];
      case 6: if (const auto past = cross_or_stop<R, 6>(bytes, base + offsets[6], end)) return past; [[fallthrough]];
      default: if (const auto past = cross_or_stop<R, 7>(bytes, base + offsets[7], end)) return past;
    }
    k = 0;
    for (base += step; base < stop; base += step) {
      ((bytes[base + offsets[K]] &= kRoundMask[R][K]), ...);
    }
  }
}

template <unsigned R>
WheelPosition cross_off_wheel(std::uint8_t* bytes, std::uint64_t byte_count, std::uint64_t p, WheelPosition position) {
  return cross_off_wheel<R>(bytes, byte_count, p, position, std::make_index_sequence<8>{});
}

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

// Index of the first bit of a segment whose number is at least segment_low + offset.
std::uint64_t first_bit_at_or_above(std::uint64_t offset) {
  return offset / 30 * 8 + kFirstBitAtOrAbove[offset % 30];
}

// Sum of (number - segment_low) over the set bits of words[0, word_count), and their count.
// Bit 8 c + k of word w stands for segment_low + 240 w + 30 c + kWheel[k]. Every term is a
// popcount of a masked word: c = bits 3..5 of the bit index, and kWheel[k] = 1 + 2 v with
// v = {0, 3, 5, 6, 8, 9, 11, 14}, whose binary digits select the bits in kWheelDigit.
struct SegmentTotals {
  std::uint64_t count = 0;
  std::uint64_t offset_sum = 0;
};
SegmentTotals sum_segment(const std::uint64_t* words, std::uint64_t word_count) {
  constexpr std::uint64_t kByteBit0 = 0xFF00'FF00'FF00'FF00ULL;
  constexpr std::uint64_t kByteBit1 = 0xFFFF'0000'FFFF'0000ULL;
  constexpr std::uint64_t kByteBit2 = 0xFFFF'FFFF'0000'0000ULL;
  constexpr std::uint64_t kWheelDigit0 = 0x6666'6666'6666'6666ULL;  // k = 1, 2, 5, 6
  constexpr std::uint64_t kWheelDigit1 = 0xCACA'CACA'CACA'CACAULL;  // k = 1, 3, 6, 7
  constexpr std::uint64_t kWheelDigit2 = 0x8C8C'8C8C'8C8C'8C8CULL;  // k = 2, 3, 7
  constexpr std::uint64_t kWheelDigit3 = 0xF0F0'F0F0'F0F0'F0F0ULL;  // k = 4, 5, 6, 7
  std::uint64_t count = 0;
  std::uint64_t word_weighted = 0;  // sum of w over set bits
  std::uint64_t byte_sum = 0;       // sum of c
  std::uint64_t wheel_sum = 0;      // sum of v
  for (std::uint64_t w = 0; w < word_count; ++w) {
    const std::uint64_t word = words[w];
    const auto set = static_cast<std::uint64_t>(std::popcount(word));
    count += set;
    word_weighted += w * set;
    byte_sum += static_cast<std::uint64_t>(std::popcount(word & kByteBit0)) +
                2 * static_cast<std::uint64_t>(std::popcount(word & kByteBit1)) +
                4 * static_cast<std::uint64_t>(std::popcount(word & kByteBit2));
    wheel_sum += static_cast<std::uint64_t>(std::popcount(word & kWheelDigit0)) +
                 2 * static_cast<std::uint64_t>(std::popcount(word & kWheelDigit1)) +
                 4 * static_cast<std::uint64_t>(std::popcount(word & kWheelDigit2)) +
                 8 * static_cast<std::uint64_t>(std::popcount(word & kWheelDigit3));
  }
  return {count, kNumbersPerWord * word_weighted + 30 * byte_sum + count + 2 * wheel_sum};
}

// ANDs the windows into out[0, n): overwriting (the first windows) or into what is there.
template <bool kOverwrite, std::size_t... K>
void and_windows(std::uint8_t* out, std::uint64_t n, const std::uint8_t* const* windows, std::index_sequence<K...>) {
  const std::array<const std::uint8_t*, sizeof...(K)> window = {windows[K]...};
#pragma omp simd
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto pattern = static_cast<std::uint8_t>((window[K][i] & ...));
    out[i] = kOverwrite ? pattern : static_cast<std::uint8_t>(out[i] & pattern);
  }
}

// Four windows per pass: more input streams per loop stop vectorising cleanly.
template <std::size_t kFirst>
void and_all_windows(std::uint8_t* out, std::uint64_t n, const std::uint8_t* const* windows) {
  constexpr std::size_t kCount = std::min<std::size_t>(4, kPatternGroupCount - kFirst);
  and_windows<kFirst == 0>(out, n, windows + kFirst, std::make_index_sequence<kCount>{});
  if constexpr (kFirst + kCount < kPatternGroupCount) {
    and_all_windows<kFirst + kCount>(out, n, windows);
  }
}

// Large sieving primes (fewer than 8 hits per segment) wait in the bucket of the next segment
// they hit, so a segment touches only the primes that hit it. Each segment has one list per
// residue class p mod 30, so the crossing calls are direct: taken in prime order, they
// mispredicted an indirect call on most hits. Segments are a power of two bytes long, so
// finding a hit's segment is a shift, not a division per hit.
class LargePrimeBuckets {
 public:
  LargePrimeBuckets(std::uint64_t segments, std::uint64_t segment_bytes)
      : lists_(segments), position_shift_(3 + static_cast<unsigned>(std::countr_zero(segment_bytes))) {}

  // Files `prime`, whose first multiple is at `position` from the start of segment 0.
  void file(std::uint32_t prime, WheelPosition position) { place(kWheelIndex[prime % 30], prime, position, 0); }

  // Crosses the primes of segment s off its bytes and files each in the next segment it hits.
  void cross_off_segment(std::uint64_t s, std::uint8_t* bytes, std::uint64_t byte_count) {
    [&]<unsigned... R>(std::integer_sequence<unsigned, R...>) {
      (cross_off_residue<R>(s, bytes, byte_count), ...);
    }(std::make_integer_sequence<unsigned, 8>{});
  }

 private:
  struct Hit {
    std::uint32_t prime;
    std::uint32_t position;  // WheelPosition within the segment the list belongs to
  };

  void place(unsigned residue, std::uint32_t prime, WheelPosition position, std::uint64_t from) {
    const std::uint64_t ahead = position >> position_shift_;
    const std::uint64_t target = from + ahead;
    if (target < lists_.size()) {
      lists_[target][residue].push_back({prime, static_cast<std::uint32_t>(position - (ahead << position_shift_))});
    }
  }

  template <unsigned R>
  void cross_off_residue(std::uint64_t s, std::uint8_t* bytes, std::uint64_t byte_count) {
    std::vector<Hit> hits;
    hits.swap(lists_[s][R]);  // the list is freed when this segment is done
    // Only the last segment can be short, and nothing follows it: its primes are not filed again.
    const bool refile = s + 1 < lists_.size();
    for (const Hit hit : hits) {
      const WheelPosition next = cross_off_wheel<R>(bytes, byte_count, hit.prime, hit.position);
      if (refile) {
        place(R, hit.prime, next, s);
      }
    }
  }

  std::vector<std::array<std::vector<Hit>, 8>> lists_;
  unsigned position_shift_;  // a WheelPosition >> this = whole segments ahead
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
  if (segment_bytes < 16 || !std::has_single_bit(segment_bytes) || segment_bytes > (std::uint64_t{1} << 26)) {
    throw std::invalid_argument(fmt::format("segment bytes must be a power of two in [16, 2^26], got {}",
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
    pattern.bytes.assign(pattern.period + kPatternChunkBytes, 0xFF);
    for (const std::uint32_t p : group) {
      for (unsigned k = 0; p != 0 && k < 8; ++k) {
        // Bit k of byte i stands for 30 i + kWheel[k]: p divides it for i = first, first + p, ...
        std::uint64_t first = 0;
        while ((30 * first + kWheel[k]) % p != 0) {
          ++first;
        }
        for (std::uint64_t i = first; i < pattern.bytes.size(); i += p) {
          pattern.bytes[i] &= static_cast<std::uint8_t>(~(1U << k));
        }
      }
    }
    patterns_.push_back(std::move(pattern));
  }
}

void PrimeSieveSum::presieve(std::uint8_t* bytes, std::uint64_t first_byte, std::uint64_t byte_count) const {
  std::array<const std::uint8_t*, kPatternGroupCount> windows{};
  for (std::uint64_t done = 0; done < byte_count; done += kPatternChunkBytes) {
    for (std::size_t g = 0; g < kPatternGroupCount; ++g) {
      windows[g] = patterns_[g].bytes.data() + (first_byte + done) % patterns_[g].period;
    }
    and_all_windows<0>(bytes + done, std::min(kPatternChunkBytes, byte_count - done), windows.data());
  }
}

PrimeSieveSum::Partial PrimeSieveSum::compute(std::uint64_t low, std::uint64_t high) const {
  high = std::min(high, limit_);
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

  // Sieving primes with p*p < high, split into small (at least 64 hits per L1-sized piece
  // of a segment: crossed piece by piece while the piece is in L1), medium (at least 8 hits
  // per segment: crossed over the whole segment from L2) and large (buckets). Small stops at
  // 64 hits, not 8: a prime visited per piece pays its call, its offsets and its partial
  // first and last rounds once per piece; with few hits that costs more than crossing the
  // whole segment from L2.
  const std::uint64_t piece_bytes = std::min(segment_bytes_, kPieceBytes);
  const auto root = static_cast<std::uint32_t>(isqrt(high - 1));
  const auto used_end = std::upper_bound(sieving_primes_.begin(), sieving_primes_.end(), root);
  const auto medium_end = std::upper_bound(sieving_primes_.begin(), used_end, segment_bytes_);
  const auto small_end = std::upper_bound(sieving_primes_.begin(), medium_end, piece_bytes / 8);
  const auto medium_count = static_cast<std::size_t>(medium_end - sieving_primes_.begin());
  const auto small_count = static_cast<std::size_t>(small_end - sieving_primes_.begin());

  // Position (from `start`) of each prime's first multiple >= max(p^2, start) coprime to 30.
  auto first_position = [start](std::uint64_t p) {
    std::uint64_t multiplier = std::max(p, (start + p - 1) / p);
    multiplier += kToCoprime[multiplier % 30];
    return make_position((p * multiplier - start) / 30, kWheelIndex[multiplier % 30]);
  };
  WheelPrimes small(sieving_primes_.data(), sieving_primes_.data() + small_count, first_position);
  WheelPrimes medium(sieving_primes_.data() + small_count, sieving_primes_.data() + medium_count, first_position);
  LargePrimeBuckets large(segments, segment_bytes_);
  for (auto it = medium_end; it != used_end; ++it) {
    large.file(*it, first_position(*it));
  }

  std::vector<std::uint64_t> words(segment_bytes_ / 8);
  auto* bytes = reinterpret_cast<std::uint8_t*>(words.data());  // byte access to the words is allowed
  for (std::uint64_t s = 0; s < segments; ++s) {
    const std::uint64_t segment_low = start + s * segment_span;
    const std::uint64_t segment_end = std::min(segment_low + segment_span, end);
    const std::uint64_t byte_count = (segment_end - segment_low) / 30;
    for (std::uint64_t piece = 0; piece < byte_count; piece += piece_bytes) {
      const std::uint64_t piece_byte_count = std::min(piece_bytes, byte_count - piece);
      std::uint8_t* piece_start = bytes + piece;
      presieve(piece_start, segment_low / 30 + piece, piece_byte_count);
      small.cross_off_all(piece_start, piece_byte_count);
    }
    medium.cross_off_all(bytes, byte_count);
    large.cross_off_segment(s, bytes, byte_count);
    // Keep only the numbers in [low, high), and 1 is not a prime.
    const std::uint64_t bits = byte_count * 8;
    if (low > segment_low) {
      clear_bits(words.data(), 0, std::min(bits, first_bit_at_or_above(low - segment_low)));
    }
    if (high < segment_end) {
      clear_bits(words.data(), first_bit_at_or_above(high - segment_low), bits);
    }
    if (segment_low == 0) {
      words[0] &= ~std::uint64_t{1};
    }
    const SegmentTotals segment = sum_segment(words.data(), byte_count / 8);
    totals.count += segment.count;
    totals.sum += static_cast<uint128>(segment.count) * segment_low + segment.offset_sum;
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
      // The published sum (OEIS A046731) and pi(10^12); the count also from libprimesieve 11.0.
      {1000000000000ULL, "18435588552550705911377", 37607912018},
      // OEIS A046731 (equal to the cumulative sums of A077645 and to 10^k(10^k+1)/2 - 1 - A139043)
      // and A006880; the oracle reproduces them (docs/verification.md).
      {10000000000000ULL, "1699246443377779418889494", 346065536839},
      {100000000000000ULL, "157589260710736940541561021", 3204941750802},
      {1000000000000000ULL, "14692398516908006398225702366", 29844570422669},
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

Verdict PrimeSieveSum::verdict(const Value& value) const { return prime_totals_verdict(value, limit_, given_); }

Verdict PrimeSieveSum::result(const Value& value) const { return prime_totals_result(value); }

double PrimeSieveSum::reference_seconds_estimate() const {
  for (const auto& known : known_prime_totals()) {
    if (known.limit == limit_) {
      return 0.0;  // a table look-up
    }
  }
  return lucy_seconds_estimate(limit_);
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
