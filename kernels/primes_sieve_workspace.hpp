// The memory a compute() call of the sieve reuses from the caller's previous call: the
// segment, the primes' lists and the large primes' buckets. Memory only, never work: every
// layer writes what it reads within the call (the pre-sieve overwrites the segment, the
// lists are filled before they are read, a bucket is read only through this call's lists).
// Allocating it afresh per block cost page faults and zeroing in the kernel: below 3e10, 1
// thread, 35837 minor faults and 0.08-0.11 s of system time in a 4 s run, against 341 and
// 0.00 s for libprimesieve's count. The drivers keep one workspace per worker (kernel.hpp),
// so nothing here is shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

namespace parscale::sieve {

// An array of trivial values whose storage outlives the call: it grows when a call needs
// more and is neither cleared nor initialised (the caller writes before it reads).
class ReusedArray {
 public:
  template <typename T>
  T* storage_for(std::size_t count) {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    const std::size_t bytes = count * sizeof(T);
    if (bytes > bytes_) {
      storage_ = std::make_unique_for_overwrite<std::byte[]>(bytes);
      bytes_ = bytes;
    }
    // An array of bytes provides storage for implicit-lifetime objects (trivial T).
    return reinterpret_cast<T*>(storage_.get());
  }

 private:
  std::unique_ptr<std::byte[]> storage_;
  std::size_t bytes_ = 0;
};

struct SieveWorkspace {
  ReusedArray segment;        // the segment's words
  ReusedArray small_primes;   // SmallPrimes' lists
  ReusedArray dense_primes;   // DenseMediumPrimes' arrays
  ReusedArray sparse_primes;  // SparseMediumPrimes' lists
  std::vector<std::unique_ptr<std::byte[]>> bucket_chunks;  // LargePrimeBuckets' pool of buckets
};

}  // namespace parscale::sieve
