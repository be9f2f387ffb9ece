// Large sieving primes (about one hit per segment or fewer) and the buckets that hold each until the
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

// Large sieving primes (p > 8 x segment bytes: about one hit per segment or fewer) wait in the list of the next segment
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
//     taken in prime order, they mispredicted an indirect call on most hits; and per class
//     (see kSingleLists): primes that move a segment or more per crossing cross once per
//     visit with no loop.
//   * The multipliers skip the multiples of 7 too (mod-210 wheel, primes_sieve_wheel210.hpp).
//   * Segments are a power of two bytes long, so finding a hit's segment is a shift.
class LargePrimeBuckets {
 public:
  LargePrimeBuckets(std::uint64_t segments, std::uint64_t segment_bytes, std::uint64_t largest_prime)
      : segments_(segments), segment_bytes_(segment_bytes),
        position_shift_(kIndexBits210 + static_cast<unsigned>(std::countr_zero(segment_bytes))) {
    // A crossing moves at most kLargestGap210 q + 10 bytes ahead (p = 30 q + r): from a
    // segment's last byte that is at most reach / segment_bytes + 1 segments on.
    const std::uint64_t reach = (largest_prime / 30) * kLargestGap210 + 16;
    const std::uint64_t slots = std::bit_ceil(std::min<std::uint64_t>(segments, reach / segment_bytes + 2));
    ring_.resize(slots);
    slot_mask_ = slots - 1;
  }
  LargePrimeBuckets(const LargePrimeBuckets&) = delete;
  LargePrimeBuckets& operator=(const LargePrimeBuckets&) = delete;

  // Files `prime`, whose first multiple is at `position` (make_position210) from the start
  // of segment 0. Primes come in increasing order, so those beyond the ring (first multiple
  // p^2) queue in order.
  void file(std::uint32_t prime, std::uint64_t position) {
    const std::uint64_t target = position >> position_shift_;
    if (target >= segments_) {
      return;
    }
    if (target > slot_mask_) {
      waiting_.push_back({prime, position});
      return;
    }
    file_in(target, prime, position - (target << position_shift_));
  }

  // Crosses the primes of segment s off its bytes and files each in the next segment it hits.
  void cross_off_segment(std::uint64_t s, std::uint8_t* bytes, std::uint64_t byte_count) {
    admit_waiting(s);
    [&]<unsigned... R>(std::integer_sequence<unsigned, R...>) {
      (cross_off_several<R>(s, bytes, byte_count), ...);
      (cross_off_single<R>(s, bytes), ...);
    }(std::make_integer_sequence<unsigned, 8>{});
  }

 private:
  struct Hit {
    std::uint32_t quotient;  // p / 30 (p mod 30 is the list's)
    std::uint32_t position;  // make_position210 within the segment the list belongs to
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
    std::uint64_t position;  // from the start of segment 0
  };
  // Lists [0, 8) of a slot hold the primes that may hit a segment several times, by residue;
  // lists [8, 16) those that move at least a segment from one crossing to the next (the
  // smallest gap on the wheel is 2 q bytes), so each segment crosses them at most once.
  static constexpr unsigned kSingleLists = 8;
  [[nodiscard]] bool single_hit(std::uint64_t quotient) const { return 2 * quotient >= segment_bytes_; }

  void file_in(std::uint64_t target, std::uint32_t prime, std::uint64_t position) {
    const std::uint32_t quotient = prime / 30;
    push(ring_[target & slot_mask_][(single_hit(quotient) ? kSingleLists : 0) + kWheelIndex[prime % 30]], quotient,
         position);
  }

  [[gnu::always_inline]] void push(List& list, std::uint32_t quotient, std::uint64_t position) {
    if (list.end == list.limit) [[unlikely]] {
      add_bucket(list);
    }
    *list.end++ = {quotient, static_cast<std::uint32_t>(position)};
  }

  [[gnu::noinline]] void add_bucket(List& list) {
    if (free_ == nullptr) {
      chunks_.push_back(std::make_unique_for_overwrite<Bucket[]>(kBucketsPerChunk));  // filled before read
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
      file_in(target, waiting.prime, waiting.position - (target << position_shift_));
    }
  }

  // Takes list `index` of segment s's slot, leaving it empty; nullptr if it holds nothing.
  Bucket* take(std::uint64_t s, unsigned index) {
    List& list = ring_[s & slot_mask_][index];
    Bucket* const bucket = list.top;
    if (bucket != nullptr) {
      bucket->end = list.end;
      list = List{};
    }
    return bucket;
  }

  // Asks for the start of the bucket after `bucket` while this one is crossed: the chain is
  // followed pointer by pointer, and a bucket filled segments ago has left the L2 (without
  // this, reading the next bucket's header and first hits was a third of the single-hit
  // primes' time at 10^15).
  static void prefetch_next(const Bucket* bucket) {
    const Bucket* const next = bucket->next;
    if (next != nullptr) {
      const auto* const line = reinterpret_cast<const char*>(next);
      for (std::size_t offset = 0; offset < kPrefetchBytes; offset += 64) {
        __builtin_prefetch(line + offset);
      }
    }
  }
  static constexpr std::size_t kPrefetchBytes = 512;
  static constexpr std::size_t kPrefetchHits = 64;  // 512 bytes ahead

  // Returns a crossed bucket to the pool and gives the one after it.
  Bucket* release(Bucket* bucket) {
    Bucket* const next = bucket->next;
    bucket->next = free_;
    free_ = bucket;
    return next;
  }

  // Residue class R's primes that may hit segment s several times: cross until past its end.
  template <unsigned R>
  [[gnu::noinline]] void cross_off_several(std::uint64_t s, std::uint8_t* const bytes, const std::uint64_t byte_count) {
    Bucket* bucket = take(s, R);
    // Copies in registers: the byte stores may alias the members. Only the last segment can be
    // short, and nothing follows it: its primes are not filed again.
    const unsigned shift = position_shift_ - kIndexBits210;
    const std::uint64_t in_segment = segment_bytes_ - 1;
    const std::uint64_t slot_mask = slot_mask_;
    const std::uint64_t segments_left = segments_ - 1 - s;
    std::array<List, 2 * kSingleLists>* const ring = ring_.data();
    for (; bucket != nullptr; bucket = release(bucket)) {
      prefetch_next(bucket);
      for (const Hit* hit = bucket->hits; hit != bucket->end; ++hit) {
        __builtin_prefetch(hit + kPrefetchHits);
        const std::uint64_t q = hit->quotient;
        std::uint64_t byte = hit->position >> kIndexBits210;
        unsigned k = hit->position & ((1U << kIndexBits210) - 1);
        while (byte < byte_count) {
          const Crossing210 crossing = kCrossing210[R][k];
          bytes[byte] &= crossing.mask;
          byte += q * crossing.gap + crossing.step;
          k = k + 1 == kWheel210Size ? 0 : k + 1;  // not crossing.next: keeps the load off k's chain
        }
        const std::uint64_t ahead = byte >> shift;
        if (ahead - 1 < segments_left) {  // 1 <= ahead <= segments_left
          push(ring[(s + ahead) & slot_mask][R], static_cast<std::uint32_t>(q), make_position210(byte & in_segment, k));
        }
      }
    }
  }

  // Residue class R's primes that cross segment s once: no loop and no test of the segment's
  // end (the last, short segment's bytes up to segment_bytes exist and are not summed).
  template <unsigned R>
  [[gnu::noinline]] void cross_off_single(std::uint64_t s, std::uint8_t* const bytes) {
    Bucket* bucket = take(s, kSingleLists + R);
    const unsigned shift = position_shift_ - kIndexBits210;
    const std::uint64_t in_segment = segment_bytes_ - 1;
    const std::uint64_t slot_mask = slot_mask_;
    const std::uint64_t segments_left = segments_ - 1 - s;
    std::array<List, 2 * kSingleLists>* const ring = ring_.data();
    for (; bucket != nullptr; bucket = release(bucket)) {
      prefetch_next(bucket);
      for (const Hit* hit = bucket->hits; hit != bucket->end; ++hit) {
        __builtin_prefetch(hit + kPrefetchHits);
        const std::uint64_t q = hit->quotient;
        const std::uint64_t byte = hit->position >> kIndexBits210;
        const Crossing210 crossing = kCrossing210[R][hit->position & ((1U << kIndexBits210) - 1)];
        bytes[byte] &= crossing.mask;
        const std::uint64_t next = byte + q * crossing.gap + crossing.step;
        const std::uint64_t ahead = next >> shift;
        if (ahead <= segments_left) {
          push(ring[(s + ahead) & slot_mask][kSingleLists + R], static_cast<std::uint32_t>(q),
               make_position210(next & in_segment, crossing.next));
        }
      }
    }
  }

  std::uint64_t segments_;
  std::uint64_t segment_bytes_;
  unsigned position_shift_;  // a position >> this = whole segments ahead
  std::uint64_t slot_mask_ = 0;
  std::vector<std::array<List, 2 * kSingleLists>> ring_;  // [segment & slot_mask_][list]
  std::vector<Waiting> waiting_;  // primes whose first multiple is beyond the ring, in order
  std::size_t waiting_next_ = 0;
  Bucket* free_ = nullptr;
  std::vector<std::unique_ptr<Bucket[]>> chunks_;  // the pool's storage
};

}  // namespace parscale::sieve
