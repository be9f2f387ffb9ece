#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <utility>

#include <fmt/format.h>

namespace parscale {

namespace {

constexpr auto kRefresh = std::chrono::milliseconds(250);
constexpr double kRateWindowSeconds = 5.0;  // the estimate follows the recent rate (phases differ)
constexpr std::size_t kMaxColumns = 79;

std::string clock_text(double seconds) {
  const auto total = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  if (total >= 3600) {
    return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
  }
  return fmt::format("{}:{:02}", total / 60, total % 60);
}

void write_to_stderr(const std::string& text) {
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace

std::optional<ProgressMode> parse_progress_mode(std::string_view text) {
  if (text == "auto") return ProgressMode::automatic;
  if (text == "always") return ProgressMode::always;
  if (text == "never") return ProgressMode::never;
  return std::nullopt;
}

bool progress_shown(ProgressMode mode, bool stderr_is_terminal) {
  return mode == ProgressMode::always || (mode == ProgressMode::automatic && stderr_is_terminal);
}

std::string progress_line(std::string_view program, std::uint64_t done, std::uint64_t expected,
                          double elapsed_seconds, std::optional<double> seconds_left) {
  // Rank 0's share is an estimate under dynamic distribution: never claim 100 % early.
  const double fraction = expected == 0 ? 0.0 : std::min(0.99, static_cast<double>(done) / static_cast<double>(expected));
  std::string line = fmt::format("{}: {}/{} blocks ({:.0f}%), {} elapsed", program, done, expected,
                                 100.0 * fraction, clock_text(elapsed_seconds));
  line += seconds_left ? fmt::format(", ~{} left", clock_text(*seconds_left)) : std::string(", estimating");
  if (line.size() > kMaxColumns) {
    line.resize(kMaxColumns);
  }
  return line;
}

ProgressDisplay::ProgressDisplay(ProgressMode mode, std::string program, std::uint64_t expected_blocks,
                                 double quiet_seconds)
    : active_(progress_shown(mode, isatty(STDERR_FILENO) == 1)),
      program_(std::move(program)),
      expected_blocks_(expected_blocks),
      quiet_seconds_(mode == ProgressMode::always ? 0.0 : quiet_seconds),
      started_(std::chrono::steady_clock::now()) {
  if (active_) {
    thread_ = std::thread([this] { show_until_stopped(); });
  }
}

ProgressDisplay::~ProgressDisplay() {
  if (!thread_.joinable()) {
    return;
  }
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ProgressDisplay::show_until_stopped() {
  std::deque<std::pair<double, std::uint64_t>> recent;  // (elapsed seconds, blocks done)
  bool shown = false;
  std::string last;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, kRefresh, [this] { return stop_; })) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const std::uint64_t done = blocks_done_.load(std::memory_order_relaxed);
    const std::uint64_t expected = expected_blocks_.load(std::memory_order_relaxed);
    recent.emplace_back(elapsed, done);
    while (recent.size() > 2 && recent.front().first < elapsed - kRateWindowSeconds) {
      recent.pop_front();
    }
    if (elapsed < quiet_seconds_) {
      continue;
    }
    std::optional<double> left;
    const double window = elapsed - recent.front().first;
    const auto progressed = static_cast<double>(done - recent.front().second);
    if (window > 0.0 && progressed > 0.0) {
      const double remaining = expected > done ? static_cast<double>(expected - done) : 0.0;
      left = remaining * window / progressed;
    }
    const std::string line = progress_line(program_, done, expected, elapsed, left);
    if (line != last) {
      write_to_stderr("\r" + line + "\x1b[K");  // rewrite in place, clear what the old line left
      last = line;
      shown = true;
    }
  }
  if (shown) {
    write_to_stderr("\r\x1b[K");  // gone before the summary is printed
  }
}

}  // namespace parscale
