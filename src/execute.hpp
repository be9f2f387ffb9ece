// One measured run of one kernel on the team, as a RunRecord: the plan, the timing protocol
// (protocol.hpp), the verdict, the reduced worker statistics and where the ranks ran.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <omp.h>

#include "cli.hpp"
#include "context.hpp"
#include "driver.hpp"
#include "kernel.hpp"
#include "mpi_team.hpp"
#include "placement.hpp"
#include "plan.hpp"
#include "progress.hpp"
#include "protocol.hpp"
#include "record.hpp"
#include "verdicts.hpp"

namespace parscale {

struct ResolvedRun {
  ExecutionPlan plan;
  CommonOptions options;
  std::vector<std::string> warnings;  // for rank 0 to print, one line each (e.g. OMP_THREAD_LIMIT caps threads)
};

// Picks the model and thread count and rejects options that do not fit the model.
ResolvedRun resolve_run(const CommonOptions& options, int ranks);

namespace detail {

// The run's plan for this kernel: the user's split, else cyclic for kernels whose later blocks
// cost more, else the defaults (static schedule, block distribution).
template <Kernel K>
ExecutionPlan plan_for_kernel(const ResolvedRun& run) {
  ExecutionPlan plan = run.plan;
  if constexpr (LaterBlocksCostMore<K>) {
    if (!run.options.schedule) {
      plan.schedule = Schedule{ScheduleKind::cyclic, 0};
    }
    if (!run.options.distribution) {
      plan.distribution = Distribution::cyclic;
    }
  }
  return plan;
}

// Blocks rank 0 computes in one pass of the protocol: its share of the parallel run (an
// estimate under dynamic distribution) plus the serial baseline's blocks, if measured.
template <Kernel K>
std::uint64_t blocks_per_pass_on_rank0(const K& kernel, int ranks, std::uint64_t serial_blocks) {
  const std::uint64_t blocks = block_count(kernel.work_size(), kernel.block_size());
  const auto size = static_cast<std::uint64_t>(ranks);
  return serial_blocks + (blocks + size - 1) / size;
}

// Exact equality of two partial results (bitwise for floating point: -0.0 and NaN included).
template <class P>
bool same_bits(const P& a, const P& b) {
  if constexpr (std::is_floating_point_v<P>) {
    return std::memcmp(&a, &b, sizeof(P)) == 0;
  } else {
    return a == b;
  }
}

template <Kernel K>
RunRecord execute(const K& kernel, const ResolvedRun& run, MpiTeam& team, const char* program) {
  const CommonOptions& options = run.options;
  ExecutionPlan plan = plan_for_kernel<K>(run);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const bool measure_baseline = options.baseline.kind == BaselineKind::measure;
  const BaselineSample sample = baseline_sample(kernel, team.size() * plan.threads);
  RepetitionPolicy policy{options.warmup, options.repeat, options.min_time, {}};
  std::optional<ProgressDisplay> progress;  // rank 0 only; gone (line erased) before anything is printed
  if (team.rank() == 0) {
    const std::uint64_t per_pass = blocks_per_pass_on_rank0(kernel, team.size(), measure_baseline ? sample.count : 0);
    progress.emplace(options.progress, program, per_pass * static_cast<std::uint64_t>(options.warmup.value_or(0) + 1));
    plan.blocks_done = progress->counter();
    policy.passes_known = [&progress, per_pass](int passes) {
      progress->expect_blocks(per_pass * static_cast<std::uint64_t>(passes));
    };
  }
  const ProtocolResult<K> measured = measure_interleaved(kernel, plan, team, policy, measure_baseline, sample);
  progress.reset();
  const TimingSummary timing = summarize(measured.seconds);
  // Where the ranks ran, per node, with the threads that ran (known on rank 0, shared first).
  std::vector<char> threads_ran(sizeof(std::uint32_t));
  const std::uint32_t most_threads_ran = measured.worker_summary.rank_threads_max();
  std::memcpy(threads_ran.data(), &most_threads_ran, sizeof most_threads_ran);
  team.broadcast_bytes(threads_ran);
  std::uint32_t threads_per_rank = 0;
  std::memcpy(&threads_per_rank, threads_ran.data(), sizeof threads_per_rank);
  const PlacementSummary placement = summarize_placement(team, static_cast<int>(threads_per_rank));

  RunRecord record;
  if (team.rank() != 0) {
    return record;
  }
  record.program = program;
  record.kernel = kernel.name();
  record.label = options.label;
  kernel.describe(record.parameters);
  // The threads that really ran (the runtime may give fewer than planned: OMP_DYNAMIC).
  // The threads that ran (OMP_DYNAMIC may give fewer than planned), reduced over ranks.
  const int most_threads = static_cast<int>(measured.worker_summary.rank_threads_max());
  const int fewest_threads = static_cast<int>(measured.worker_summary.rank_threads_min());
  if (most_threads != plan.threads || fewest_threads != plan.threads) {
    record.kernel_details["threads_per_rank"] = {{"min", fewest_threads}, {"max", most_threads}};
    std::fprintf(stderr,
                 "%s: warning: the OpenMP runtime ran %d..%d thread(s) per rank, not the %d planned (OMP_DYNAMIC=%s); "
                 "the record describes the threads that ran\n",
                 program, fewest_threads, most_threads, plan.threads, omp_get_dynamic() != 0 ? "true" : "false");
  }
  if constexpr (requires(nlohmann::json& details) { kernel.describe_workers(details, 1, 1); }) {
    kernel.describe_workers(record.kernel_details, team.size(), most_threads);
  }
  record.work_size = kernel.work_size();
  record.work_unit = kernel.work_unit();
  record.block_size = kernel.block_size();
  record.blocks = block_count(kernel.work_size(), kernel.block_size());
  record.model = to_string(plan.model);
  record.ranks = team.size();
  record.threads = most_threads;  // per rank; threads_per_rank in kernel_details when they differ
  record.workers = static_cast<int>(measured.worker_summary.workers());
  record.schedule = uses_threads(plan.model) ? to_string(plan.schedule) : "-";
  record.distribution = uses_mpi(plan.model)
                            ? std::string(to_string(plan.distribution)) +
                                  (plan.distribution == Distribution::dynamic && plan.dynamic_chunk != 0
                                       ? "," + std::to_string(plan.dynamic_chunk)
                                       : "")
                            : "-";
  record.warmup = measured.warmup;
  record.repeat = static_cast<int>(measured.seconds.size());
  record.seconds = timing.seconds;
  record.time_min = timing.min;
  record.time_median = timing.median;
  record.time_max = timing.max;
  record.elapsed_seconds = measured.elapsed_seconds;
  record.baseline_seconds = nan;
  if (measure_baseline) {
    record.baseline_kind = sample.whole() ? "measured-serial" : "sampled-serial";
    record.baseline_repetitions = measured.baseline_seconds;
    record.baseline_seconds = summarize(measured.baseline_seconds).median;
    record.baseline_sample_share = sample.work_share;
  } else {
    record.baseline_kind = baseline_name(options.baseline);
    if (options.baseline.kind == BaselineKind::given) {
      record.baseline_seconds = options.baseline.seconds;
    }
  }
  record.reduction_seconds = measured.reduction_seconds;
  const auto to_record = [](const WorkerSample& worker) {
    return WorkerRecord{worker.rank, worker.thread, worker.busy_seconds, worker.blocks};
  };
  for (const WorkerSample& worker : measured.workers) {
    record.worker_stats.push_back(to_record(worker));
  }
  const WorkerSummary& summary = measured.worker_summary;
  record.worker_overview.busy_min = summary.busy_min();
  record.worker_overview.busy_median = summary.busy_median();
  record.worker_overview.busy_max = summary.busy_max();
  record.worker_overview.median_exact = summary.median_is_exact();
  for (const WorkerSample& worker : summary.slowest()) {
    record.worker_overview.slowest.push_back(to_record(worker));
  }
  for (const WorkerSample& worker : summary.fastest()) {
    record.worker_overview.fastest.push_back(to_record(worker));
  }
  record.worker_overview.every_worker_listed = record.worker_stats.size() == summary.workers();
  record.worker_overview.detail_asked = options.worker_detail;
  record.imbalance = summary.imbalance();
  record.verdict = decide_verdict(kernel, kernel.finalize(measured.total), options, measured.elapsed_seconds);
  if (measured.serial_total) {
    // The serial and parallel bits must agree exactly.
    record.baseline_bits_match = same_bits(*measured.serial_total, measured.total);
  }
  compute_metrics(record);
  record.context = machine_context();
  record.context["mpi_library"] = MpiTeam::library_version();
  record.context["mpi_standard"] = MpiTeam::standard_version();
  record.context["mpi_thread_level"] = team.thread_level();
  record.timestamp = record.context["timestamp"].template get<std::string>();
  for (const auto& warning : describe_placement(record, placement)) {
    std::fprintf(stderr, "%s: warning: %s\n", program, warning.c_str());
  }
  return record;
}

}  // namespace detail

}  // namespace parscale
