#include "primes_sieve_presieve.hpp"

#include <algorithm>
#include <utility>

#include "primes_sieve_wheel.hpp"

namespace parscale::sieve {
namespace {

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

}  // namespace

Presieve::Presieve() {
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

void Presieve::apply(std::uint8_t* bytes, std::uint64_t first_byte, std::uint64_t byte_count) const {
  std::array<const std::uint8_t*, kPatternGroupCount> windows{};
  for (std::uint64_t done = 0; done < byte_count; done += kPatternChunkBytes) {
    for (std::size_t g = 0; g < kPatternGroupCount; ++g) {
      windows[g] = patterns_[g].bytes.data() + (first_byte + done) % patterns_[g].period;
    }
    and_all_windows<0>(bytes + done, std::min(kPatternChunkBytes, byte_count - done), windows.data());
  }
}

}  // namespace parscale::sieve
