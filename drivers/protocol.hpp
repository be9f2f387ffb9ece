// The timing protocol, the one used by every program: warm-up, adaptive repetitions and the
// serial baseline, interleaved with the parallel repetitions.
//
//   * A repetition's time is the slowest rank's, each started together after a barrier.
//   * Repetitions adapt to the run's length, as google/benchmark's minimum time does: the
//     first parallel pass is a probe. Under `auto` warm-up it is discarded (a warm-up) when
//     it took under kWarmupBelowSeconds, else it counts as the first timed repetition. Under
//     `auto` repetitions the timed passes fill min_seconds, at least kMinAutoRepetitions and
//     at most kMaxAutoRepetitions; a pass of kLongRunSeconds or more is timed once.
//   * The measured baseline alternates with the parallel repetitions (serial, parallel, serial,
//     ...), so a drift in the host's speed hits both alike, and each pair gives one speedup.
//   * At large P the whole serial problem costs P parallel runs: above kWholeBaselineMaxWorkers
//     workers the serial driver runs a strided sample (every stride-th block, as costly as one
//     worker's share) and the baseline is that time scaled by the sample's share of the work, an
//     estimate, recorded as such. --baseline SECONDS (e.g. from the study runner's serial
//     point) skips the measurement altogether.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "driver.hpp"
#include "executor.hpp"
#include "kernel.hpp"
#include "plan.hpp"
#include "team.hpp"

namespace parscale {

inline constexpr double kWarmupBelowSeconds = 1.0;
inline constexpr int kMinAutoRepetitions = 3;
inline constexpr int kMaxAutoRepetitions = 1000;
inline constexpr double kLongRunSeconds = 60.0;
inline constexpr int kWholeBaselineMaxWorkers = 8;
inline constexpr std::uint64_t kMinSampleBlocks = 8;

struct RepetitionPolicy {
  std::optional<int> warmup;   // unset: auto
  std::optional<int> repeat;   // unset: auto
  double min_seconds = 5.0;    // auto repetitions fill this much timed time
  // Told the number of passes (each parallel, plus serial with a baseline) once it is known,
  // after the probe: the progress display's estimate of the work left.
  std::function<void(int passes)> passes_known;
};

// How many timed repetitions `auto` gives a pass of `probe_seconds` (the probe included if it counts).
inline int auto_repetitions(double probe_seconds, double min_seconds) {
  if (probe_seconds >= kLongRunSeconds) {
    return 1;
  }
  const double wanted = probe_seconds > 0.0 ? std::ceil(min_seconds / probe_seconds) : kMaxAutoRepetitions;
  return static_cast<int>(std::clamp(wanted, static_cast<double>(kMinAutoRepetitions),
                                     static_cast<double>(kMaxAutoRepetitions)));
}

// Which blocks the serial baseline runs: all of them, or every stride-th one (offset stride/2).
struct BaselineSample {
  std::uint64_t stride = 1;
  std::uint64_t first = 0;
  std::uint64_t count = 0;    // blocks run
  double work_share = 1.0;    // their share of the work indices
  [[nodiscard]] bool whole() const { return stride == 1; }
};

template <Kernel K>
BaselineSample baseline_sample(const K& kernel, int workers) {
  BaselineSample sample;
  const std::uint64_t blocks = block_count(kernel.work_size(), kernel.block_size());
  sample.count = blocks;
  if (workers <= kWholeBaselineMaxWorkers) {
    return sample;
  }
  sample.stride = std::max<std::uint64_t>(1, std::min<std::uint64_t>(static_cast<std::uint64_t>(workers),
                                                                     blocks / kMinSampleBlocks));
  if (sample.stride == 1) {
    return sample;
  }
  sample.first = sample.stride / 2;
  sample.count = sample.first < blocks ? (blocks - sample.first - 1) / sample.stride + 1 : 0;
  std::uint64_t indices = 0;
  for (std::uint64_t j = 0; j < sample.count; ++j) {
    const IndexRange range = block_range(kernel.work_size(), kernel.block_size(), sample.first + j * sample.stride);
    indices += range.end - range.begin;
  }
  sample.work_share = static_cast<double>(indices) / static_cast<double>(kernel.work_size());
  return sample;
}

template <Kernel K>
struct ProtocolResult {
  typename K::Partial total{};                     // rank 0: the parallel result (last repetition)
  std::optional<typename K::Partial> serial_total;  // rank 0: the whole serial baseline's result
  std::vector<double> seconds;                     // parallel, one per timed repetition
  std::vector<double> baseline_seconds;            // rank 0: serial (scaled when sampled), paired
  WorkerSummary worker_summary;                    // rank 0: from the median repetition
  std::vector<WorkerSample> workers;               // rank 0: from the median repetition (see RunOnce)
  // The median repetition's reduction and gathers from the moment the slowest rank entered
  // them (waiting for slower ranks is imbalance, not reduction cost).
  double reduction_seconds = 0.0;
  int warmup = 0;                                  // warm-up passes done (each: parallel + serial)
  double elapsed_seconds = 0.0;                    // the whole protocol's wall time
};

namespace detail {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One serial pass on rank 0 (the others sleep in the barrier): its time, scaled to the whole
// problem when it is a sample, and the result when it is whole.
template <Kernel K, class Team>
double serial_pass(const K& kernel, const BaselineSample& sample, Team& team,
                   std::optional<typename K::Partial>& total, std::atomic<std::uint64_t>* blocks_done) {
  double seconds = 0.0;
  if (team.rank() == 0) {
    LocalTeam alone;
    ExecutionPlan serial_plan;
    serial_plan.model = Model::serial;
    serial_plan.blocks_done = blocks_done;
    const auto start = std::chrono::steady_clock::now();
    if (sample.whole()) {
      total = run_once(kernel, serial_plan, alone).total;
    } else {
      BlockExecutor<K> executor(kernel, false, 1, Schedule{}, 0, 1);
      executor.count_blocks_in(blocks_done);
      executor.run(BlockSequence{sample.first, sample.stride, sample.count});
    }
    seconds = seconds_since(start) / sample.work_share;
  }
  team.idle_barrier();  // the other ranks sleep instead of spinning while rank 0 measures
  return seconds;
}

// One parallel pass: its time (the slowest rank's) and, after the timed region, its
// reduction time. Passes start together (barrier), so the ranks' clocks are comparable.
template <Kernel K, class Team>
double parallel_pass(const K& kernel, const ExecutionPlan& plan, Team& team, RunOnce<K>& run,
                     double& reduction_seconds) {
  team.barrier();
  const auto start = std::chrono::steady_clock::now();
  run = run_once(kernel, plan, team);
  const double seconds = team.max(seconds_since(start));
  reduction_seconds = std::max(0.0, team.max(run.reduction_left) - team.max(run.reduction_entered));
  return seconds;
}

}  // namespace detail

// The protocol: parallel and (when `with_baseline`) serial passes, interleaved.
template <Kernel K, class Team>
ProtocolResult<K> measure_interleaved(const K& kernel, const ExecutionPlan& plan, Team& team,
                                      const RepetitionPolicy& policy, bool with_baseline,
                                      const BaselineSample& sample) {
  const auto protocol_start = std::chrono::steady_clock::now();
  ProtocolResult<K> result;
  std::vector<RunOnce<K>> runs;  // rank 0's worker statistics, one per timed repetition
  std::vector<double> reductions;
  RunOnce<K> run;
  double reduction = 0.0;
  auto record = [&](double parallel_seconds, double serial_seconds) {
    result.seconds.push_back(parallel_seconds);
    if (with_baseline) {
      result.baseline_seconds.push_back(serial_seconds);
    }
    if (team.rank() == 0) {
      result.total = run.total;
    }
    reductions.push_back(reduction);
    runs.push_back(std::move(run));
  };
  auto serial = [&]() { return with_baseline ? detail::serial_pass(kernel, sample, team, result.serial_total, plan.blocks_done)
                                        : 0.0; };

  for (int i = 0; i < policy.warmup.value_or(0); ++i) {
    detail::parallel_pass(kernel, plan, team, run, reduction);
    serial();
    ++result.warmup;
  }
  // The probe: a warm-up under auto when short, else the first timed repetition.
  const double probe = detail::parallel_pass(kernel, plan, team, run, reduction);
  const double probe_serial = serial();
  const bool probe_is_warmup = !policy.warmup && probe < kWarmupBelowSeconds;
  if (probe_is_warmup) {
    ++result.warmup;
  } else {
    record(probe, probe_serial);
  }
  if (policy.passes_known) {  // the probe's estimate; auto repetitions go on until min_seconds is filled
    policy.passes_known(result.warmup + policy.repeat.value_or(auto_repetitions(probe, policy.min_seconds)));
  }
  // Every rank decides alike: the times are the slowest rank's, the same on every rank.
  auto more_repetitions = [&] {
    const auto done = static_cast<int>(result.seconds.size());
    if (policy.repeat) {
      return done < *policy.repeat;
    }
    if (probe >= kLongRunSeconds) {
      return done < 1;
    }
    double timed = 0.0;
    for (const double seconds : result.seconds) {
      timed += seconds;
    }
    return done < kMinAutoRepetitions || (done < kMaxAutoRepetitions && timed < policy.min_seconds);
  };
  while (more_repetitions()) {
    // Alternate which comes first, so neither always follows the other.
    if (result.seconds.size() % 2 == 1) {
      const double serial_seconds = serial();
      record(detail::parallel_pass(kernel, plan, team, run, reduction), serial_seconds);
    } else {
      const double parallel_seconds = detail::parallel_pass(kernel, plan, team, run, reduction);
      record(parallel_seconds, serial());
    }
  }
  const TimingSummary timing = summarize(result.seconds);
  result.worker_summary = runs[timing.median_index].worker_summary;
  result.workers = std::move(runs[timing.median_index].workers);
  result.reduction_seconds = reductions[timing.median_index];
  result.elapsed_seconds = detail::seconds_since(protocol_start);
  return result;
}

}  // namespace parscale
