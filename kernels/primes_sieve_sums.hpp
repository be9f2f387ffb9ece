// The sieve's results from its bits: clearing the bits outside [low, high) and the exact sum
// and count of the numbers whose bits are set, by popcounts of masked words.
#pragma once

#include <cstdint>

namespace parscale::sieve {

// Clears bits [from, to) of `words`.
void clear_bits(std::uint64_t* words, std::uint64_t from, std::uint64_t to);

// Index of the first bit of a segment whose number is at least segment_low + offset.
std::uint64_t first_bit_at_or_above(std::uint64_t offset);

// Sum of (number - segment_low) over the set bits of words[0, word_count), and their count.
struct SegmentTotals {
  std::uint64_t count = 0;
  std::uint64_t offset_sum = 0;
};
SegmentTotals sum_segment(const std::uint64_t* words, std::uint64_t word_count);

}  // namespace parscale::sieve
