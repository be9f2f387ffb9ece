#include "primes_sieve_base.hpp"

#include <cmath>

#include <unistd.h>

namespace parscale::sieve {

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

std::uint64_t l1_data_bytes(std::uint64_t fallback) {
  const long reported = ::sysconf(_SC_LEVEL1_DCACHE_SIZE);  // glibc; 0 or -1 when unknown
  constexpr long kPage = 4096;
  if (reported < 16 * 1024 || reported > 256 * 1024) {
    return fallback;
  }
  return static_cast<std::uint64_t>(reported / kPage * kPage);
}

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

}  // namespace parscale::sieve
