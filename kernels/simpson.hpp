// Composite Simpson rule for pi = 4 * integral of sqrt(1 - x^2) over [0, 1].
//
// Work index i is the quadrature point x_i = i/n, i = 0..n (n even), with Simpson weights
// 1, 4, 2, 4, ..., 4, 1. compute() returns the weighted sum over its points; finalize()
// scales by 4h/3. The integrand's derivative is singular at x = 1, so the error falls as
// ~0.4592 n^-1.5 rather than n^-4: 4.6e-13 at n = 1e8, 1.45e-14 at n = 1e9.
// Points are evaluated as sqrt((n - i)(n + i)) / n from exact integer counters, and the
// AVX-512 build takes half of the square roots on the FMA pipes (kernels/fast_sqrt.hpp).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kernel.hpp"

namespace parscale {

class SimpsonPi {
 public:
  using Partial = double;
  using Value = double;

  static constexpr std::uint64_t min_intervals = 2;
  static constexpr std::uint64_t max_intervals = std::uint64_t{1} << 62;
  // Points per block: fixed, so every decomposition sums the same blocks.
  static constexpr std::uint64_t points_per_block = std::uint64_t{1} << 16;

  // Throws std::invalid_argument unless intervals is even and in [min, max].
  explicit SimpsonPi(std::uint64_t intervals);

  [[nodiscard]] std::string name() const { return "simpson"; }
  [[nodiscard]] std::uint64_t intervals() const { return intervals_; }
  [[nodiscard]] std::uint64_t work_size() const { return intervals_ + 1; }
  [[nodiscard]] std::uint64_t block_size() const { return points_per_block; }
  [[nodiscard]] std::string work_unit() const { return "points"; }

  [[nodiscard]] Partial compute(std::uint64_t begin, std::uint64_t end) const;

  // How the square roots are taken. portable: std::sqrt (correctly rounded), any build.
  // avx512: 8-lane vectors mixing vsqrtpd and simd::fast_sqrt (<= 1 ulp, kernels/fast_sqrt.hpp),
  // only in builds with AVX-512 (the release preset on AVX-512 machines); compute() uses it
  // there. Both give the same weighted sum to within 1 ulp per point plus summation order.
  // has_path() answers for the kernels library as compiled (not for the caller's flags).
  enum class SqrtPath { portable, avx512 };
  [[nodiscard]] static bool has_path(SqrtPath path);
  // compute() through a chosen path (tests, benchmarks); throws std::invalid_argument when
  // this build lacks it.
  [[nodiscard]] Partial compute_with(SqrtPath path, std::uint64_t begin, std::uint64_t end) const;
  static Partial identity() { return 0.0; }
  static Partial combine(const Partial& a, const Partial& b) { return a + b; }
  [[nodiscard]] Value finalize(const Partial& weighted_sum) const;

  // The error model the validation uses: the asymptotic Simpson error with a margin,
  // plus an allowance for rounding in the sum.
  [[nodiscard]] double tolerance() const;
  [[nodiscard]] Verdict verdict(const Value& value) const;
  void describe(nlohmann::json& parameters) const;

 private:
  std::uint64_t intervals_;
  double step_;
};

}  // namespace parscale
