// Monte Carlo pi: draw N points uniformly in the unit square, count the hits with
// x^2 + y^2 <= 1, estimate pi = 4 * hits / N. Validation is statistical: with q = pi/4 the
// estimate has standard deviation sigma = 4 * sqrt(q (1 - q) / N), and a run is valid when
// |estimate - pi| <= 5 sigma (a correct run fails by chance with probability 5.7e-7).
//
// Random numbers: Philox4x32-10 (philox.hpp), key = seed, counter = (sample pair index,
// stream id). One Philox output (4 x 32 bits) feeds TWO samples at 32-bit resolution:
// sample s of a stream uses output block s/2, words (0, 1) when s is even and (2, 3)
// when s is odd, as x and y. A pair of words (x, y) is the point at the centre of its cell
// of the 2^32 x 2^32 grid, ((x + 0.5) / 2^32, (y + 0.5) / 2^32); it is a hit when
//   (2x+1)^2 + (2y+1)^2 < 2^66   <=>   x(x+1) + y(y+1) < 2^64,
// an exact 64-bit integer test (no rounding anywhere, so every code path and machine counts
// the same hits). The grid's bias on pi is ~1e-13, far below sigma for any N <= 2^62.
//
// Streams (--streams):
//   rank:  worker (rank r, thread t) uses stream id r * threads + t and counter = the global
//          sample index: each worker has its own stream, so the estimate depends on the
//          decomposition (and on the schedule, with dynamic distribution or schedules).
//   block: block b (samples [b*B, (b+1)*B), B = samples_per_block) uses stream id b and
//          counter = the sample's index within the block: hits are bit-identical for any
//          number of ranks and threads and any schedule.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kernel.hpp"
#include "philox.hpp"

namespace parscale {

enum class StreamMode { rank, block };

const char* to_string(StreamMode mode);

struct PiEstimate {
  std::uint64_t hits = 0;
  std::uint64_t samples = 0;
  double pi = 0.0;     // 4 * hits / samples
  double sigma = 0.0;  // the estimate's standard deviation for a correct generator
};

class MonteCarloPi {
 public:
  using Partial = std::uint64_t;  // hits: exact, so the sum is exact in any order
  using Value = PiEstimate;

  static constexpr std::uint64_t min_samples = 1;
  static constexpr std::uint64_t max_samples = std::uint64_t{1} << 62;
  static constexpr std::uint64_t samples_per_block = std::uint64_t{1} << 16;
  static constexpr std::uint64_t default_seed = 20240601;
  static constexpr double sigmas_allowed = 5.0;

  // Throws std::invalid_argument unless samples is in [min_samples, max_samples].
  MonteCarloPi(std::uint64_t samples, std::uint64_t seed, StreamMode streams);

  [[nodiscard]] std::string name() const { return "montecarlo"; }
  [[nodiscard]] std::uint64_t samples() const { return samples_; }
  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  [[nodiscard]] StreamMode streams() const { return streams_; }
  [[nodiscard]] std::uint64_t work_size() const { return samples_; }
  [[nodiscard]] std::uint64_t block_size() const { return samples_per_block; }
  [[nodiscard]] std::string work_unit() const { return "samples"; }

  // The stream a worker draws from in rank mode.
  static std::uint64_t worker_stream(const WorkerId& worker) { return worker.global(); }

  [[nodiscard]] Partial compute(std::uint64_t begin, std::uint64_t end, const WorkerId& worker) const;
  static Partial identity() { return 0; }
  static Partial combine(const Partial& a, const Partial& b) { return a + b; }
  [[nodiscard]] Value finalize(const Partial& hits) const;
  [[nodiscard]] Verdict verdict(const Value& estimate) const;
  void describe(nlohmann::json& parameters) const;
  void describe_workers(nlohmann::json& details, int ranks, int threads) const;

 private:
  std::uint64_t samples_;
  std::uint64_t seed_;
  StreamMode streams_;
  philox::Key key_;
};

// Standard deviation of 4 * hits / samples when hits ~ Binomial(samples, pi/4).
double pi_estimate_sigma(std::uint64_t samples);

// The sampling loops, exposed so tests and benchmarks can call each code path directly.
// Each counts the hits among samples [first, first + count) of `stream` (see above).
namespace sampling {

// True when this build has the AVX-512 generator (compiled with __AVX512F__).
bool has_avx512();

// The loop every driver runs: AVX-512 when compiled in, the portable loop otherwise.
std::uint64_t count_hits(const philox::Key& key, std::uint64_t stream, std::uint64_t first, std::uint64_t count);

// Portable: scalar Random123 per Philox block (the compiler may vectorise it).
std::uint64_t count_hits_portable(const philox::Key& key, std::uint64_t stream, std::uint64_t first,
                                  std::uint64_t count);

// Philox output blocks [first, first + count) of `stream`, 4 words each, into `words`
// (4 * count entries): by the vectorised generator the hit loop uses, or by the portable one.
void generate(const philox::Key& key, std::uint64_t stream, std::uint64_t first, std::uint64_t count,
              std::uint32_t* words);
void generate_portable(const philox::Key& key, std::uint64_t stream, std::uint64_t first, std::uint64_t count,
                       std::uint32_t* words);

// The hit test on one pair of 32-bit words.
inline bool is_hit(std::uint32_t x, std::uint32_t y) {
  const std::uint64_t px = std::uint64_t{x} * x + x;  // x(x+1) < 2^64
  const std::uint64_t py = std::uint64_t{y} * y + y;
  const std::uint64_t sum = px + py;
  return sum >= px;  // no carry out of 64 bits: x(x+1) + y(y+1) < 2^64
}

}  // namespace sampling

}  // namespace parscale
