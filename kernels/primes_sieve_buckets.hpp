// Large sieving primes (fewer than 8 hits per segment) and the buckets that hold each until the
// segment it next hits.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

#include "primes_sieve_wheel.hpp"

namespace parscale::sieve {

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
      std::vector<Hit>& list = lists_[target][residue];
      if (list.capacity() == 0 && !spare_.empty()) {
        list.swap(spare_.back());
        spare_.pop_back();
      }
      list.push_back({prime, static_cast<std::uint32_t>(position - (ahead << position_shift_))});
    }
  }

  template <unsigned R>
  void cross_off_residue(std::uint64_t s, std::uint8_t* bytes, std::uint64_t byte_count) {
    std::vector<Hit> hits;
    hits.swap(lists_[s][R]);
    // Only the last segment can be short, and nothing follows it: its primes are not filed again.
    const bool refile = s + 1 < lists_.size();
    for (const Hit hit : hits) {
      const WheelPosition next = cross_off_sparse<R>(bytes, byte_count, hit.prime, hit.position);
      if (refile) {
        place(R, hit.prime, next, s);
      }
    }
    hits.clear();
    spare_.push_back(std::move(hits));  // its storage serves a later segment's list
  }

  std::vector<std::array<std::vector<Hit>, 8>> lists_;
  std::vector<std::vector<Hit>> spare_;  // emptied lists, kept for their storage
  unsigned position_shift_;  // a WheelPosition >> this = whole segments ahead
};

}  // namespace parscale::sieve
