// Philox4x32-10 (Salmon et al., SC'11) as the Monte Carlo kernel uses it: a counter-based
// generator, so any sample of any stream is computed directly from (seed, stream, index)
// with no state to carry between workers.
//
// Mapping of parscale's names onto Random123's Philox4x32-10:
//   key     = (seed low 32 bits, seed high 32 bits)
//   counter = (index low, index high, stream low, stream high)
// For a fixed key Philox is a bijection of the 128-bit counter, so two different
// (stream, index) pairs never give the same input block: streams cannot overlap.
//
// The reference implementation is Random123's own (header <Random123/philox.h>); the
// kernel's vectorised generator is tested against it and against the published
// known-answer vectors (tests/test_montecarlo.cpp).
#pragma once

#include <array>
#include <cstdint>

#include <Random123/philox.h>

namespace parscale::philox {

using Words = std::array<std::uint32_t, 4>;

// Philox4x32's round constants (the same as Random123's PHILOX_M4x32_* and PHILOX_W32_*).
inline constexpr std::uint32_t kMultiplier0 = 0xD2511F53U;
inline constexpr std::uint32_t kMultiplier1 = 0xCD9E8D57U;
inline constexpr std::uint32_t kKeyBump0 = 0x9E3779B9U;
inline constexpr std::uint32_t kKeyBump1 = 0xBB67AE85U;
inline constexpr int kRounds = 10;

struct Key {
  std::uint32_t low = 0;
  std::uint32_t high = 0;
};

inline Key key_from_seed(std::uint64_t seed) {
  return Key{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
}

// Scalar Random123 Philox4x32-10 on raw counter and key words.
inline Words random123(const Words& counter, const Key& key) {
  const r123::Philox4x32::ctr_type input = {{counter[0], counter[1], counter[2], counter[3]}};
  const r123::Philox4x32::key_type k = {{key.low, key.high}};
  const r123::Philox4x32::ctr_type output = r123::Philox4x32()(input, k);
  return Words{output[0], output[1], output[2], output[3]};
}

inline Words counter_words(std::uint64_t stream, std::uint64_t index) {
  return Words{static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32),
               static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32)};
}

// Output block `index` of stream `stream`, by scalar Random123.
inline Words random123(const Key& key, std::uint64_t stream, std::uint64_t index) {
  return random123(counter_words(stream, index), key);
}

}  // namespace parscale::philox
