#include "statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

namespace parscale {

double coefficient_of_variation(const std::vector<double>& values) {
  if (values.size() < 2) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  const double n = static_cast<double>(values.size());
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  double squares = 0.0;
  for (const double value : values) {
    squares += (value - mean) * (value - mean);
  }
  return mean > 0.0 ? std::sqrt(squares / (n - 1.0)) / mean : std::numeric_limits<double>::quiet_NaN();
}

SpeedupInterval speedup_interval(const std::string& baseline_kind, double baseline_seconds,
                                 const std::vector<double>& serial, const std::vector<double>& parallel) {
  SpeedupInterval interval;
  if (baseline_kind == "none" || std::isnan(baseline_seconds)) {
    interval.method = "no baseline (--baseline none): no speedup, no interval";
    return interval;
  }
  if (parallel.size() < kMinRepetitionsForInterval) {
    interval.method = fmt::format("{} timed repetition(s): an interval needs at least {} (--repeat {})",
                                  parallel.size(), kMinRepetitionsForInterval, kMinRepetitionsForInterval);
    return interval;
  }
  if (baseline_kind == "given") {
    const auto [fastest, slowest] = std::minmax_element(parallel.begin(), parallel.end());
    interval.available = true;
    interval.low = baseline_seconds / *slowest;
    interval.high = baseline_seconds / *fastest;
    interval.method = "given baseline over the slowest .. fastest repetition (the parallel spread only)";
    return interval;
  }
  if (serial.size() != parallel.size()) {
    interval.method = "the serial and parallel repetitions are not paired";
    return interval;
  }
  std::vector<double> ratios;
  for (std::size_t k = 0; k < serial.size(); ++k) {
    ratios.push_back(serial[k] / parallel[k]);
  }
  std::sort(ratios.begin(), ratios.end());
  interval.available = true;
  if (ratios.size() <= kMaxPairsForFullRange) {
    interval.low = ratios.front();
    interval.high = ratios.back();
    interval.method = fmt::format("min .. max of {} paired serial/parallel ratios (interleaved repetitions)",
                                  ratios.size());
  } else {
    // The extremes of many pairs only grow with their number: the middle 90% instead (nearest rank).
    const auto rank = [&](double fraction) {
      return ratios[static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(ratios.size()))) - 1];
    };
    interval.low = rank(0.05);
    interval.high = rank(0.95);
    interval.method = fmt::format(
        "5th .. 95th percentile of {} paired serial/parallel ratios (interleaved repetitions)", ratios.size());
  }
  return interval;
}

}  // namespace parscale
