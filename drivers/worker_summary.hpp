// Worker statistics that travel up the rank tree in constant size: what a reader needs
// (count, min, median, max and mean busy time, the few slowest and fastest workers) without
// gathering one entry per worker at rank 0. Per-worker detail is gathered only when asked.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

namespace parscale {

struct WorkerSample {
  std::int32_t rank = 0;
  std::int32_t thread = 0;
  double busy_seconds = 0.0;
  std::uint64_t blocks = 0;
};

class WorkerSummary {
 public:
  // The slowest and the fastest this many workers are kept by name. Up to 2x this many
  // workers, the two lists hold every worker, so the median is exact.
  static constexpr std::size_t kNamed = 8;

  void add(const WorkerSample& sample) {
    ++workers_;
    blocks_ += sample.blocks;
    busy_sum_ += sample.busy_seconds;
    busy_min_ = std::min(busy_min_, sample.busy_seconds);
    busy_max_ = std::max(busy_max_, sample.busy_seconds);
    ++histogram_[bin(sample.busy_seconds)];
    keep(slowest_, slowest_count_, sample, slower);
    keep(fastest_, fastest_count_, sample, faster);
  }

  // A rank's thread count: the OpenMP runtime may give fewer threads than planned (OMP_DYNAMIC),
  // so the record states the fewest and most threads any rank really ran.
  void note_rank_threads(std::uint32_t threads) {
    rank_threads_min_ = std::min(rank_threads_min_, threads);
    rank_threads_max_ = std::max(rank_threads_max_, threads);
  }

  void merge(const WorkerSummary& other) {
    rank_threads_min_ = std::min(rank_threads_min_, other.rank_threads_min_);
    rank_threads_max_ = std::max(rank_threads_max_, other.rank_threads_max_);
    workers_ += other.workers_;
    blocks_ += other.blocks_;
    busy_sum_ += other.busy_sum_;
    busy_min_ = std::min(busy_min_, other.busy_min_);
    busy_max_ = std::max(busy_max_, other.busy_max_);
    for (std::size_t i = 0; i < histogram_.size(); ++i) {
      histogram_[i] += other.histogram_[i];
    }
    // The merged k slowest are among both sides' k slowest (likewise the fastest).
    for (std::uint32_t i = 0; i < other.slowest_count_; ++i) {
      keep(slowest_, slowest_count_, other.slowest_[i], slower);
    }
    for (std::uint32_t i = 0; i < other.fastest_count_; ++i) {
      keep(fastest_, fastest_count_, other.fastest_[i], faster);
    }
  }

  // Bytes for a message: the fixed fields, then only the histogram's occupied bin range
  // (busy times usually span a few bins, so a summary is a few hundred bytes, not 4 KB).
  void append_to(std::vector<char>& bytes) const {
    std::size_t first = 0;
    while (first < kBins && histogram_[first] == 0) {
      ++first;
    }
    std::size_t last = kBins;
    while (last > first && histogram_[last - 1] == 0) {
      --last;
    }
    const Fixed fixed{workers_,       blocks_,          busy_sum_,         busy_min_,
                      busy_max_,      slowest_count_,   fastest_count_,    slowest_,
                      fastest_,       rank_threads_min_, rank_threads_max_, static_cast<std::uint32_t>(first),
                      static_cast<std::uint32_t>(last)};
    append(bytes, &fixed, 1);
    append(bytes, histogram_.data() + first, last - first);
  }
  // Reads what append_to() wrote at `offset` and moves `offset` past it.
  static WorkerSummary read_from(const std::vector<char>& bytes, std::size_t& offset) {
    Fixed fixed{};
    read(bytes, offset, &fixed, 1);
    if (fixed.first_bin > fixed.last_bin || fixed.last_bin > kBins || fixed.slowest_count > kNamed ||
        fixed.fastest_count > kNamed) {
      throw std::runtime_error("worker summary: a malformed message");
    }
    WorkerSummary summary;
    summary.workers_ = fixed.workers;
    summary.blocks_ = fixed.blocks;
    summary.busy_sum_ = fixed.busy_sum;
    summary.busy_min_ = fixed.busy_min;
    summary.busy_max_ = fixed.busy_max;
    summary.slowest_count_ = fixed.slowest_count;
    summary.fastest_count_ = fixed.fastest_count;
    summary.slowest_ = fixed.slowest;
    summary.fastest_ = fixed.fastest;
    summary.rank_threads_min_ = fixed.rank_threads_min;
    summary.rank_threads_max_ = fixed.rank_threads_max;
    read(bytes, offset, summary.histogram_.data() + fixed.first_bin, fixed.last_bin - fixed.first_bin);
    return summary;
  }

  [[nodiscard]] std::uint64_t workers() const { return workers_; }
  [[nodiscard]] std::uint32_t rank_threads_min() const { return workers_ == 0 ? 0 : rank_threads_min_; }
  [[nodiscard]] std::uint32_t rank_threads_max() const { return rank_threads_max_; }
  [[nodiscard]] std::uint64_t blocks() const { return blocks_; }
  [[nodiscard]] double busy_min() const { return workers_ == 0 ? 0.0 : busy_min_; }
  [[nodiscard]] double busy_max() const { return busy_max_; }
  [[nodiscard]] double busy_mean() const { return workers_ == 0 ? 0.0 : busy_sum_ / static_cast<double>(workers_); }
  // max/mean busy time (1 when there is nothing to compare).
  [[nodiscard]] double imbalance() const { return busy_mean() > 0.0 ? busy_max_ / busy_mean() : 1.0; }
  // Exact while every worker is named; above that, from a histogram of busy times with
  // 2.7% wide bins (the value is the median bin's geometric middle).
  [[nodiscard]] bool median_is_exact() const { return named().size() == workers_; }
  [[nodiscard]] double busy_median() const {
    if (median_is_exact()) {
      std::vector<double> busy;
      for (const auto& sample : named()) {
        busy.push_back(sample.busy_seconds);
      }
      if (busy.empty()) {
        return 0.0;
      }
      std::sort(busy.begin(), busy.end());
      const std::size_t n = busy.size();
      return n % 2 == 1 ? busy[n / 2] : 0.5 * (busy[n / 2 - 1] + busy[n / 2]);
    }
    const std::uint64_t half = (workers_ + 1) / 2;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < histogram_.size(); ++i) {
      seen += histogram_[i];
      if (seen >= half) {
        return std::clamp(bin_middle(i), busy_min_, busy_max_);
      }
    }
    return busy_max_;
  }
  // The named workers (slowest and fastest, each once), by rank and thread.
  [[nodiscard]] std::vector<WorkerSample> named() const {
    std::vector<WorkerSample> all(slowest_.begin(), slowest_.begin() + slowest_count_);
    for (std::uint32_t i = 0; i < fastest_count_; ++i) {
      if (!contains(slowest_, slowest_count_, fastest_[i])) {
        all.push_back(fastest_[i]);
      }
    }
    std::sort(all.begin(), all.end(), earlier);
    return all;
  }
  // Slowest first / fastest first, up to kNamed each.
  [[nodiscard]] std::vector<WorkerSample> slowest() const {
    return {slowest_.begin(), slowest_.begin() + slowest_count_};
  }
  [[nodiscard]] std::vector<WorkerSample> fastest() const {
    return {fastest_.begin(), fastest_.begin() + fastest_count_};
  }

 private:
  static constexpr std::size_t kBins = 1024;
  struct Fixed {
    std::uint64_t workers;
    std::uint64_t blocks;
    double busy_sum;
    double busy_min;
    double busy_max;
    std::uint32_t slowest_count;
    std::uint32_t fastest_count;
    std::array<WorkerSample, kNamed> slowest;
    std::array<WorkerSample, kNamed> fastest;
    std::uint32_t rank_threads_min;
    std::uint32_t rank_threads_max;
    std::uint32_t first_bin;
    std::uint32_t last_bin;
  };
  template <class T>
  static void append(std::vector<char>& bytes, const T* values, std::size_t count) {
    const std::size_t offset = bytes.size();
    bytes.resize(offset + count * sizeof(T));
    if (count != 0) {
      std::memcpy(bytes.data() + offset, values, count * sizeof(T));
    }
  }
  template <class T>
  static void read(const std::vector<char>& bytes, std::size_t& offset, T* values, std::size_t count) {
    if (offset + count * sizeof(T) > bytes.size()) {
      throw std::runtime_error("worker summary: a message is shorter than its header says");
    }
    if (count != 0) {
      std::memcpy(values, bytes.data() + offset, count * sizeof(T));
    }
    offset += count * sizeof(T);
  }
  static constexpr double kLowest = 1e-9;  // seconds; bins grow by 2.7% up to ~1e3 s
  static constexpr double kGrowth = 1.027;

  static bool earlier(const WorkerSample& a, const WorkerSample& b) {
    return a.rank < b.rank || (a.rank == b.rank && a.thread < b.thread);
  }
  static bool slower(const WorkerSample& a, const WorkerSample& b) {
    return a.busy_seconds > b.busy_seconds || (a.busy_seconds == b.busy_seconds && earlier(a, b));
  }
  // The reverse of slower(), so the two lists are the two ends of one order and together
  // hold every worker when there are at most 2 x kNamed (ties included).
  static bool faster(const WorkerSample& a, const WorkerSample& b) { return slower(b, a); }
  static bool same(const WorkerSample& a, const WorkerSample& b) { return a.rank == b.rank && a.thread == b.thread; }
  static bool contains(const std::array<WorkerSample, kNamed>& list, std::uint32_t count, const WorkerSample& s) {
    return std::any_of(list.begin(), list.begin() + count, [&](const WorkerSample& x) { return same(x, s); });
  }
  static std::size_t bin(double seconds) {
    if (!(seconds > kLowest)) {
      return 0;
    }
    const double index = std::log(seconds / kLowest) / std::log(kGrowth);
    return std::min(kBins - 1, static_cast<std::size_t>(index));
  }
  static double bin_middle(std::size_t index) {
    return kLowest * std::pow(kGrowth, static_cast<double>(index) + 0.5);
  }
  static void keep(std::array<WorkerSample, kNamed>& list, std::uint32_t& count, const WorkerSample& sample,
                   bool (*before)(const WorkerSample&, const WorkerSample&)) {
    if (count < kNamed) {
      list[count++] = sample;
    } else if (before(sample, list[kNamed - 1])) {
      list[kNamed - 1] = sample;
    } else {
      return;
    }
    std::sort(list.begin(), list.begin() + count, before);
  }
  std::uint64_t workers_ = 0;
  std::uint64_t blocks_ = 0;
  double busy_sum_ = 0.0;
  double busy_min_ = std::numeric_limits<double>::infinity();
  double busy_max_ = 0.0;
  std::uint32_t slowest_count_ = 0;
  std::uint32_t fastest_count_ = 0;
  std::array<WorkerSample, kNamed> slowest_{};
  std::array<WorkerSample, kNamed> fastest_{};
  std::uint32_t rank_threads_min_ = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t rank_threads_max_ = 0;
  std::array<std::uint32_t, kBins> histogram_{};
};

}  // namespace parscale
