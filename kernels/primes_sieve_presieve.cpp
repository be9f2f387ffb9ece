#include "primes_sieve_presieve.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "primes_sieve_wheel.hpp"

namespace parscale::sieve {
namespace {

// All windows ANDed in one pass, 64 bytes at a time: one load per window and one store per
// 64 output bytes. (GCC's vector extension: 512-bit registers where the target has them,
// narrower ones otherwise.)
using Bytes64 = std::uint8_t __attribute__((vector_size(64)));
template <std::size_t... K>
void and_windows(std::uint8_t* out, std::uint64_t n, const std::uint8_t* const* windows, std::index_sequence<K...>) {
  auto load = [](const std::uint8_t* from) {
    Bytes64 v;
    std::memcpy(&v, from, sizeof v);
    return v;
  };
  std::uint64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const Bytes64 v = (load(windows[K] + i) & ...);
    std::memcpy(out + i, &v, sizeof v);
  }
  for (; i < n; ++i) {
    out[i] = static_cast<std::uint8_t>((windows[K][i] & ...));
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
    and_windows(bytes + done, std::min(kPatternChunkBytes, byte_count - done), windows.data(),
                std::make_index_sequence<kPatternGroupCount>{});
  }
}

}  // namespace parscale::sieve
