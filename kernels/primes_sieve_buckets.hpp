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
#include "primes_sieve_multiplier_wheel.hpp"

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
//     taken in prime order, they mispredicted an indirect call on most hits.
//   * Each entry is one crossing: a prime whose next multiple falls in the same segment goes
//     back into that segment's list, which is taken again until it stays empty, so no visit
//     loops to the segment's end (see cross_off).
//   * The multipliers skip the multiples of 7 too (Wheel210, primes_sieve_multiplier_wheel.hpp).
//   * Segments are a power of two bytes long, so finding a hit's segment is a shift.
//   * A hit is one 64-bit word and a list one pointer (see Hit and Bucket): the loop over a
//     segment's hits runs about 6 cycles a hit (1.05 G cycles for the ~180 M hits of the
//     10^15 window, their number from the sum of 1/p), and what it costs is its instructions.
class LargePrimeBuckets {
 public:
  // `chunks` is the pool's storage, kept from call to call (the workspace's): every bucket in
  // it is free when this object starts, and it gains the chunks this object adds.
  LargePrimeBuckets(std::uint64_t segments, std::uint64_t segment_bytes, std::uint64_t largest_prime,
                    std::vector<std::unique_ptr<std::byte[]>>& chunks)
      : segments_(segments), segment_bytes_(segment_bytes),
        position_shift_(Wheel210::kIndexBits + static_cast<unsigned>(std::countr_zero(segment_bytes))),
        chunks_(chunks) {
    for (const auto& chunk : chunks_) {
      free_chunk(chunk.get());
    }
    // A crossing moves at most Wheel210::kLargestGap q + 10 bytes ahead (p = 30 q + r): from a
    // segment's last byte that is at most reach / segment_bytes + 1 segments on.
    const std::uint64_t reach = (largest_prime / 30) * Wheel210::kLargestGap + 16;
    const std::uint64_t slots = std::bit_ceil(std::min<std::uint64_t>(segments, reach / segment_bytes + 2));
    ring_.resize(slots);
    slot_mask_ = slots - 1;
  }
  LargePrimeBuckets(const LargePrimeBuckets&) = delete;
  LargePrimeBuckets& operator=(const LargePrimeBuckets&) = delete;

  // Files `prime`, whose first multiple is at `position` (Wheel210::make_position) from the start
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
  // The bytes run to segment_bytes even for the last, short segment: it has no next segment,
  // so a prime can hit it past its end, where nothing is summed.
  void cross_off_segment(std::uint64_t s, std::uint8_t* bytes) {
    admit_waiting(s);
    [&]<unsigned... R>(std::integer_sequence<unsigned, R...>) {
      (cross_off<R>(s, bytes), ...);
    }(std::make_integer_sequence<unsigned, 8>{});
  }

 private:
  // A hit: p / 30 (p mod 30 is the list's) in the high half, its position in the segment the
  // list belongs to (Wheel210::make_position) in the low half. One word, so that stepping a
  // prime to its next multiple is one multiply-add on the whole hit (kHitStep210). The low
  // half holds any next position: byte < segment bytes + 10 q + 10 < 2^24 + 2^24 (segment
  // bytes <= 2^24; q = p / 30 < 2^25 / 30, so 10 q < 2^24), shifted by 6, stays below 2^32,
  // so no carry reaches p / 30.
  // (Against the {quotient, position} pair with a 4-byte entry of the crossings table, and a
  // list of three pointers (end, limit, first bucket): the loop went from 40 to 31
  // instructions a hit, the large primes at the 10^15 window from 1.30 to 1.09 G cycles
  // (rdtsc, two interleaved pairs of runs), the whole run 6.57 -> 6.36 G.)
  using Hit = std::uint64_t;
  static constexpr std::size_t kBucketBytes = 4096;
  static constexpr std::size_t kBucketHits = kBucketBytes / sizeof(Hit) - 1;
  // Buckets are aligned to their size, so a list's end pointer says when its bucket is full
  // (it reaches the next bucket's start) and where that bucket begins: a list is one pointer.
  struct alignas(kBucketBytes) Bucket {
    Bucket* next;  // the bucket filled before this one (or the next free one)
    Hit hits[kBucketHits];
  };
  static constexpr std::size_t kBucketsPerChunk = 64;
  static constexpr std::size_t kChunkBytes = (kBucketsPerChunk + 1) * kBucketBytes;
  // A list: past the last hit of the bucket being filled (its earlier, full buckets chained
  // behind it), or nullptr when empty.
  using List = Hit*;
  struct Waiting {
    std::uint32_t prime;
    std::uint64_t position;  // from the start of segment 0
  };
  void file_in(std::uint64_t target, std::uint32_t prime, std::uint64_t position) {
    push(ring_[target & slot_mask_][kWheelIndex[prime % 30]], std::uint64_t{prime / 30} << 32 | position);
  }

  static Bucket* bucket_of(const Hit* end) {
    return reinterpret_cast<Bucket*>(reinterpret_cast<std::uintptr_t>(end - 1) & ~(kBucketBytes - 1));
  }

  [[gnu::always_inline]] void push(List& list, Hit hit) {
    Hit* end = list;
    if ((reinterpret_cast<std::uintptr_t>(end) & (kBucketBytes - 1)) == 0) [[unlikely]] {
      end = add_bucket(end);  // the list was empty or its bucket full
    }
    *end = hit;
    list = end + 1;
  }

  [[gnu::noinline]] Hit* add_bucket(Hit* end) {
    if (free_ == nullptr) {
      // Aligned by hand (free_chunk): aligned new (memalign) left the C library's heap so
      // fragmented from call to call that the 10^15 window's peak RSS went from 32 to 55 MB
      // (1 thread).
      chunks_.push_back(std::make_unique_for_overwrite<std::byte[]>(kChunkBytes));
      free_chunk(chunks_.back().get());
    }
    Bucket* bucket = free_;
    free_ = bucket->next;
    bucket->next = end == nullptr ? nullptr : bucket_of(end);
    return bucket->hits;
  }

  // Puts a chunk's buckets in the free list: one bucket more than the chunk's is allocated,
  // and the buckets aligned within it by hand.
  void free_chunk(std::byte* chunk) {
    const auto start = reinterpret_cast<std::uintptr_t>(chunk);
    auto* const first = reinterpret_cast<Bucket*>((start + kBucketBytes - 1) & ~(kBucketBytes - 1));
    for (std::size_t i = 0; i < kBucketsPerChunk; ++i) {
      first[i].next = free_;
      free_ = &first[i];
    }
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
  Hit* take(std::uint64_t s, unsigned index) {
    List& list = ring_[s & slot_mask_][index];
    Hit* const end = list;
    list = nullptr;
    return end;
  }

  // Asks for the start of the bucket after `bucket` while this one is crossed: the chain is
  // followed pointer by pointer, and a bucket filled segments ago has left the L2 (without
  // this, reading the next bucket's header and first hits was a third of the time of the
  // primes that cross a segment once at most, at 10^15).
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

  // Returns a crossed bucket to the pool and gives the one after it.
  Bucket* release(Bucket* bucket) {
    Bucket* const next = bucket->next;
    bucket->next = free_;
    free_ = bucket;
    return next;
  }

  // Residue class R's primes of segment s: one crossing per entry, each filed where its next
  // multiple falls, in this segment's list again if it is still in the segment (taken again
  // below until empty). The primes below about 15 x segment bytes (2 q < segment bytes,
  // p = 30 q + r) can hit a segment more than once; a loop to the segment's end ran them
  // before, its exit mispredicted whenever a visit had one hit more or less than the last
  // (the large primes at the 1e15 window, rdtsc, medians of 5 interleaved runs: 1.51 -> 1.41
  // G cycles).
  template <unsigned R>
  [[gnu::noinline]] void cross_off(std::uint64_t s, std::uint8_t* const bytes) {
    // Copies in registers: the byte stores may alias the members.
    const unsigned shift = position_shift_;
    // Keeps p / 30 and the position within its segment.
    const std::uint64_t keep = ~std::uint64_t{0xffffffff} | ((segment_bytes_ << Wheel210::kIndexBits) - 1);
    const std::uint64_t slot_mask = slot_mask_;
    const std::uint64_t segments_left = segments_ - 1 - s;
    std::array<List, 8>* const ring = ring_.data();
    for (Hit* end = take(s, R); end != nullptr; end = take(s, R)) {
      Bucket* bucket = bucket_of(end);
      for (;;) {
        prefetch_next(bucket);
        for (const Hit* hit = bucket->hits; hit != end; ++hit) {
          const Hit h = *hit;
          const HitStep210& step = kHitStep210[R][h & Wheel210::kIndexMask];
          bytes[static_cast<std::uint32_t>(h) >> Wheel210::kIndexBits] &= static_cast<std::uint8_t>(step.mask);
          const Hit next = h + (h >> 32) * step.gap_shifted + step.addend;  // the next multiple, from this segment
          const std::uint64_t ahead = static_cast<std::uint32_t>(next) >> shift;
          if (ahead <= segments_left) {
            push(ring[(s + ahead) & slot_mask][R], next & keep);
          }
        }
        bucket = release(bucket);
        if (bucket == nullptr) {
          break;
        }
        end = bucket->hits + kBucketHits;
      }
    }
  }

  std::uint64_t segments_;
  std::uint64_t segment_bytes_;
  unsigned position_shift_;  // a position >> this = whole segments ahead
  std::uint64_t slot_mask_ = 0;
  std::vector<std::array<List, 8>> ring_;  // [segment & slot_mask_][index of p mod 30 in kWheel]
  std::vector<Waiting> waiting_;  // primes whose first multiple is beyond the ring, in order
  std::size_t waiting_next_ = 0;
  Bucket* free_ = nullptr;
  std::vector<std::unique_ptr<std::byte[]>>& chunks_;  // the pool's storage (the workspace's)
};

}  // namespace parscale::sieve
