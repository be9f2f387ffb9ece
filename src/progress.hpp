// Progress of a long run on rank 0's standard error: blocks done, elapsed time and an
// estimate of the time left, rewritten in place and erased when the run ends.
//
// The drivers only bump a relaxed atomic counter once per block (ExecutionPlan::blocks_done);
// a display thread reads it a few times a second and makes no MPI calls, so the timed work
// is not slowed down and no rank waits for the display.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace parscale {

// auto: show it when standard error is a terminal (never in pipes, files or job logs, so not
// under mpirun/srun either, where a rank's stderr is a pipe); always; never.
enum class ProgressMode { automatic, always, never };

// "auto" | "always" | "never"; nullopt otherwise.
std::optional<ProgressMode> parse_progress_mode(std::string_view text);

// Whether a run in this mode shows progress, given whether stderr is a terminal.
bool progress_shown(ProgressMode mode, bool stderr_is_terminal);

// One progress line: "primes: 120/318 blocks (38%), 0:05 elapsed, ~0:08 left".
std::string progress_line(std::string_view program, std::uint64_t done, std::uint64_t expected,
                          double elapsed_seconds, std::optional<double> seconds_left);

class ProgressDisplay {
 public:
  // Rank 0 makes one for the whole run; `expected_blocks` is how many blocks rank 0 is
  // expected to compute (an estimate under dynamic distribution). With auto the line
  // appears only once the run has taken `quiet_seconds`, so short runs print nothing.
  ProgressDisplay(ProgressMode mode, std::string program, std::uint64_t expected_blocks,
                  double quiet_seconds = 2.0);
  ~ProgressDisplay();  // stops the display thread and erases the line
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  // The whole run's expected blocks, once the timing protocol knows how many passes it makes.
  void expect_blocks(std::uint64_t expected_blocks) {
    expected_blocks_.store(expected_blocks, std::memory_order_relaxed);
  }

  // The counter the drivers bump, or nullptr when nothing is shown.
  [[nodiscard]] std::atomic<std::uint64_t>* counter() { return active_ ? &blocks_done_ : nullptr; }

 private:
  void show_until_stopped();

  std::atomic<std::uint64_t> blocks_done_{0};
  bool active_ = false;
  std::string program_;
  std::atomic<std::uint64_t> expected_blocks_{0};
  double quiet_seconds_ = 0.0;
  std::chrono::steady_clock::time_point started_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace parscale
