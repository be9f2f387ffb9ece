// Large sieving primes (fewer than 8 hits per segment) and the buckets that hold each until the
// segment it next hits.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "primes_sieve_wheel.hpp"
#include "primes_sieve_wheel210.hpp"

namespace parscale::sieve {

// Large sieving primes (fewer than 8 hits per segment) wait in the list of the next segment
// they hit, so a segment touches only the primes that hit it.
//   * A list is a chain of fixed-size buckets (4 KB) taken from a pool and returned to it as
//     soon as the segment is crossed off, so the storage is about one entry per large prime
//     plus one partly filled bucket per list, whatever the block's length (std::vector lists,
//     one per segment of the block, grew, reallocated and went back to the kernel: a fifth of
//     the time at 10^15 went to filing and page faults).
//   * The lists form a ring indexed by segment modulo a power of two that covers the largest
//     prime's reach (the largest gap between two of its multiples on the wheel), not the
//     block's segment count. A prime whose first multiple (its square) lies further ahead
//     waits in a queue ordered by that multiple until the ring reaches it.
//   * Each segment has one list per residue class p mod 30, so the crossing calls are direct:
//     taken in prime order, they mispredicted an indirect call on most hits.
//   * Segments are a power of two bytes long, so finding a hit's segment is a shift.
class LargePrimeBuckets {
 public:
  LargePrimeBuckets(std::uint64_t segments, std::uint64_t segment_bytes, std::uint64_t largest_prime)
      : segments_(segments), segment_shift_(static_cast<unsigned>(std::countr_zero(segment_bytes))),
        position_shift_(3 + segment_shift_) {
    // A crossing moves at most kLargestGap210 q + 10 bytes ahead (p = 30 q + r): from a
    // segment's last byte that is at most reach / segment_bytes + 1 segments on.
    const std::uint64_t reach = (largest_prime / 30) * kLargestGap210 + 16;
    const std::uint64_t slots = std::bit_ceil(std::min<std::uint64_t>(segments, reach / segment_bytes + 2));
    ring_.resize(slots);
    slot_mask_ = slots - 1;
  }
  LargePrimeBuckets(const LargePrimeBuckets&) = delete;
  LargePrimeBuckets& operator=(const LargePrimeBuckets&) = delete;

  // Whether `prime` moves at least a segment from one crossing to the next on the mod-210
  // wheel (the smallest gap is 2 q bytes): then each segment crosses it at most once, and
  // it goes to file_single().
  static bool single_hit(std::uint64_t prime, std::uint64_t segment_bytes) { return 2 * (prime / 30) >= segment_bytes; }

  // Files `prime` (not single_hit()), whose first multiple is at mod-30 `position` from the
  // start of segment 0. Primes come in increasing order, so those beyond the ring (first
  // multiple p^2) queue in order.
  void file(std::uint32_t prime, WheelPosition position) {
    const std::uint64_t target = position >> position_shift_;
    if (target >= segments_) {
      return;
    }
    if (target > slot_mask_) {
      waiting_.push_back({prime, position});
      return;
    }
    push(ring_[target][kWheelIndex[prime % 30]], prime, position - (target << position_shift_));
  }

  // Files a single_hit() prime, whose first multiple is at mod-210 `position` from the start
  // of segment 0 (make_position210), in increasing order as file().
  void file_single(std::uint32_t prime, std::uint64_t position) {
    const std::uint64_t target = position >> (kIndexBits210 + segment_shift_);
    if (target >= segments_) {
      return;
    }
    if (target > slot_mask_) {
      waiting_single_.push_back({prime, position});
      return;
    }
    push(ring_[target][8 + kWheelIndex[prime % 30]], prime / 30,
         position - (target << (kIndexBits210 + segment_shift_)));
  }

  // Crosses the primes of segment s off its bytes and files each in the next segment it hits.
  void cross_off_segment(std::uint64_t s, std::uint8_t* bytes, std::uint64_t byte_count) {
    admit_waiting(s);
    [&]<unsigned... R>(std::integer_sequence<unsigned, R...>) {
      (cross_off_residue<R>(s, bytes, byte_count), ...);
      (cross_off_single<R>(s, bytes), ...);
    }(std::make_integer_sequence<unsigned, 8>{});
  }

 private:
  struct Hit {
    std::uint32_t prime;     // single_hit() primes: prime / 30
    std::uint32_t position;  // within the segment the list belongs to (single_hit(): make_position210)
  };
  static constexpr std::size_t kBucketHits = 510;  // a bucket with its header: 4 KB
  struct Bucket {
    Bucket* next;  // the bucket filled before this one (or the next free one)
    Hit* end;      // past its last hit, once full or handed over
    Hit hits[kBucketHits];
  };
  static constexpr std::size_t kBucketsPerChunk = 64;
  // A list: the bucket being filled (its earlier, full buckets chained behind it).
  struct List {
    Hit* end = nullptr;
    Hit* limit = nullptr;
    Bucket* top = nullptr;
  };
  struct Waiting {
    std::uint32_t prime;
    std::uint64_t position;  // from the start of segment 0 (WheelPosition or make_position210)
  };

  [[gnu::always_inline]] void push(List& list, std::uint32_t prime, std::uint64_t position) {
    if (list.end == list.limit) [[unlikely]] {
      add_bucket(list);
    }
    *list.end++ = {prime, static_cast<std::uint32_t>(position)};
  }

  [[gnu::noinline]] void add_bucket(List& list) {
    if (free_ == nullptr) {
      chunks_.push_back(std::make_unique<Bucket[]>(kBucketsPerChunk));
      for (std::size_t i = 0; i < kBucketsPerChunk; ++i) {
        chunks_.back()[i].next = free_;
        free_ = &chunks_.back()[i];
      }
    }
    Bucket* bucket = free_;
    free_ = bucket->next;
    if (list.top != nullptr) {
      list.top->end = list.end;
    }
    bucket->next = list.top;
    list.top = bucket;
    list.end = bucket->hits;
    list.limit = bucket->hits + kBucketHits;
  }

  // Moves the queued primes whose first multiple lies within the ring's reach of segment s.
  void admit_waiting(std::uint64_t s) {
    for (; waiting_next_ < waiting_.size(); ++waiting_next_) {
      const Waiting& waiting = waiting_[waiting_next_];
      const std::uint64_t target = waiting.position >> position_shift_;
      if (target > s + slot_mask_) {
        break;
      }
      push(ring_[target & slot_mask_][kWheelIndex[waiting.prime % 30]], waiting.prime,
           waiting.position - (target << position_shift_));
    }
    const unsigned single_shift = kIndexBits210 + segment_shift_;
    for (; waiting_single_next_ < waiting_single_.size(); ++waiting_single_next_) {
      const Waiting& waiting = waiting_single_[waiting_single_next_];
      const std::uint64_t target = waiting.position >> single_shift;
      if (target > s + slot_mask_) {
        break;
      }
      push(ring_[target & slot_mask_][8 + kWheelIndex[waiting.prime % 30]], waiting.prime / 30,
           waiting.position - (target << single_shift));
    }
  }

  // The single_hit() primes of residue class R in segment s: one crossing each, no loop and
  // no test of the segment's end (a crossing moves at least a segment; the last, short
  // segment's bytes up to segment_bytes exist and are not summed).
  template <unsigned R>
  void cross_off_single(std::uint64_t s, std::uint8_t* const bytes) {
    List& slot = ring_[s & slot_mask_][8 + R];
    Bucket* bucket = slot.top;
    if (bucket == nullptr) {
      return;
    }
    bucket->end = slot.end;
    slot = List{};
    // Copies in registers: the byte stores may alias the members.
    const unsigned shift = segment_shift_;
    const std::uint64_t in_segment = (std::uint64_t{1} << shift) - 1;
    const std::uint64_t slot_mask = slot_mask_;
    const std::uint64_t segments_left = segments_ - 1 - s;
    std::array<List, 16>* const ring = ring_.data();
    while (bucket != nullptr) {
      for (const Hit* hit = bucket->hits; hit != bucket->end; ++hit) {
        const std::uint64_t q = hit->prime;
        const std::uint64_t byte = hit->position >> kIndexBits210;
        const Crossing210 crossing = kCrossing210[R][hit->position & ((1U << kIndexBits210) - 1)];
        bytes[byte] &= crossing.mask;
        const std::uint64_t next = byte + q * crossing.gap + crossing.step;
        const std::uint64_t ahead = next >> shift;
        if (ahead <= segments_left) {
          push(ring[(s + ahead) & slot_mask][8 + R], static_cast<std::uint32_t>(q),
               make_position210(next & in_segment, crossing.next));
        }
      }
      Bucket* const done = bucket;
      bucket = bucket->next;
      done->next = free_;
      free_ = done;
    }
  }

  template <unsigned R>
  void cross_off_residue(std::uint64_t s, std::uint8_t* bytes, std::uint64_t byte_count) {
    List& slot = ring_[s & slot_mask_][R];
    Bucket* bucket = slot.top;
    if (bucket == nullptr) {
      return;
    }
    bucket->end = slot.end;
    slot = List{};
    // Only the last segment can be short, and nothing follows it: its primes are not filed again.
    const bool refile = s + 1 < segments_;
    while (bucket != nullptr) {
      for (const Hit* hit = bucket->hits; hit != bucket->end; ++hit) {
        const std::uint32_t prime = hit->prime;
        const WheelPosition next = cross_off_sparse<R>(bytes, byte_count, prime, hit->position);
        const std::uint64_t ahead = next >> position_shift_;
        if (refile && s + ahead < segments_) {
          push(ring_[(s + ahead) & slot_mask_][R], prime, next - (ahead << position_shift_));
        }
      }
      Bucket* const done = bucket;
      bucket = bucket->next;
      done->next = free_;
      free_ = done;
    }
  }

  std::uint64_t segments_;
  unsigned segment_shift_;   // log2 of the segment's bytes
  unsigned position_shift_;  // a WheelPosition >> this = whole segments ahead
  std::uint64_t slot_mask_ = 0;
  // [segment & slot_mask_][residue], then [8 + residue] for the single_hit() primes
  std::vector<std::array<List, 16>> ring_;
  std::vector<Waiting> waiting_;  // primes whose first multiple is beyond the ring
  std::size_t waiting_next_ = 0;
  std::vector<Waiting> waiting_single_;
  std::size_t waiting_single_next_ = 0;
  Bucket* free_ = nullptr;
  std::vector<std::unique_ptr<Bucket[]>> chunks_;  // the pool's storage
};

}  // namespace parscale::sieve
