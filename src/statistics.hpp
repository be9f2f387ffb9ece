// The statistics of a run's repetitions: spread (coefficient of variation) and an interval
// for the speedup and efficiency. docs/statistics.md gives the method and the thresholds.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace parscale {

// Fewer timed repetitions than this give no interval (the summary says so).
inline constexpr std::size_t kMinRepetitionsForInterval = 3;
// Up to this many pairs the interval is their full range; above, the 5th..95th percentiles.
inline constexpr std::size_t kMaxPairsForFullRange = 10;
// Above this relative width of the speedup interval ((high - low) / speedup) the summary warns
// that the run cannot support the efficiency it prints.
inline constexpr double kSpreadWarningRelativeWidth = 0.10;

// Sample standard deviation over mean (n - 1 in the denominator); NaN for fewer than 2 values.
double coefficient_of_variation(const std::vector<double>& values);

struct SpeedupInterval {
  bool available = false;
  double low = 0.0;
  double high = 0.0;
  std::string method;  // how it was formed, or why there is none
};

// Measured baseline: the range of the paired ratios serial[k] / parallel[k] (each pair taken
// back to back); above kMaxPairsForFullRange pairs, their 5th..95th percentiles. Given baseline: B / max(parallel) .. B / min(parallel), the parallel spread
// alone. `baseline_kind` is the record's (measured-serial, sampled-serial, given, none).
SpeedupInterval speedup_interval(const std::string& baseline_kind, double baseline_seconds,
                                 const std::vector<double>& serial, const std::vector<double>& parallel);

}  // namespace parscale
