// The sieving primes' source: integer square roots and the odd primes up to a bound.
#pragma once

#include <cstdint>
#include <vector>

namespace parscale::sieve {

// floor(sqrt(n)), exact for every 64-bit n the sieve uses.
std::uint64_t isqrt(std::uint64_t n);

// This host's L1 data cache in bytes (a multiple of 4 KB in [16 KB, 256 KB]), or `fallback`
// where the system does not say.
std::uint64_t l1_data_bytes(std::uint64_t fallback);

// Odd primes up to `bound` by the plain sieve: simple on purpose, the oracle's source
// (plain_sieve_totals) and the check of sieving_primes_up_to.
std::vector<std::uint32_t> odd_primes_up_to(std::uint64_t bound);

// The same primes, faster, for the kernel's sieving primes (bound up to ~3.2e7, each run
// builds them once before its workers start), sieved in windows of window_bytes wheel bytes
// (30 numbers each; rounded down to whole words). The presieve is the kernel's own.
class Presieve;
std::vector<std::uint32_t> sieving_primes_up_to(std::uint64_t bound, const Presieve& presieve,
                                                std::uint64_t window_bytes = 32 * 1024);

}  // namespace parscale::sieve
