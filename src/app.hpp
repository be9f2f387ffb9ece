// The entry point every parscale program shares: command line, model resolution, the
// serial baseline, the measured parallel run, validation and the three writers.
//
// A program supplies a small "Program" type:
//   static constexpr const char* name;                 // "simpson"
//   static std::string description();                  // first lines of --help
//   static std::string examples();                     // the end of --help
//   static void add_options(po::options_description&);
//   using Problem = <a Kernel, or a std::variant of Kernels>;
//   static Problem read_problem(const po::variables_map&, const CommonOptions&);  // throws UsageError
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <omp.h>

#include "agreement.hpp"
#include "checkpoint.hpp"
#include "cli.hpp"
#include "context.hpp"
#include "driver.hpp"
#include "kernel.hpp"
#include "mpi_team.hpp"
#include "output_files.hpp"
#include "placement.hpp"
#include "plan.hpp"
#include "progress.hpp"
#include "protocol.hpp"
#include "record.hpp"
#include "signals.hpp"
#include "standard_streams.hpp"
#include "team.hpp"
#include "thread_team.hpp"

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

template <class T>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

// A check estimated below this is always made under --verify auto, whatever the run's length.
inline constexpr double kAlwaysAffordableCheckSeconds = 1.0;

// The result's value fields without a check (status UNVERIFIED).
template <Kernel K>
Verdict unchecked_verdict(const K& kernel, const typename K::Value& value) {
  if constexpr (requires { kernel.result(value); }) {
    return kernel.result(value);
  } else {
    Verdict verdict = kernel.verdict(value);  // cheap for kernels without result()
    verdict.status = VerdictStatus::unverified;
    verdict.reference_text.clear();
    verdict.error = 0.0;
    verdict.tolerance = 0.0;
    verdict.criterion = "not checked";
    return verdict;
  }
}

// The verdict under the user's --verify and --tolerance. `run_seconds`: the measurement's wall time.
template <Kernel K>
Verdict decide_verdict(const K& kernel, const typename K::Value& value, const CommonOptions& options,
                       double run_seconds) {
  if (options.verify == VerifyPolicy::never) {
    Verdict verdict = unchecked_verdict(kernel, value);
    verdict.reference_source = "none: not checked (--verify never)";
    return verdict;
  }
  if constexpr (requires { kernel.reference_seconds_estimate(); }) {
    const double cost = kernel.reference_seconds_estimate();
    if (options.verify == VerifyPolicy::automatic && cost > kAlwaysAffordableCheckSeconds && cost > run_seconds) {
      Verdict verdict = unchecked_verdict(kernel, value);
      verdict.reference_source = fmt::format(
          "none: the check would take ~{:.3g} s on one core, longer than the run's {:.3g} s (--verify always forces it)",
          cost, run_seconds);
      return verdict;
    }
  }
  Verdict verdict = kernel.verdict(value);
  if (options.tolerance && verdict.status != VerdictStatus::unverified) {
    verdict.tolerance = *options.tolerance;
    verdict.status = pass_if(verdict.error <= verdict.tolerance);
    verdict.criterion += fmt::format(" (tolerance {:g} set with --tolerance)", *options.tolerance);
  }
  return verdict;
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

// Prints the summary, then writes the files; returns the exit code (a failed write, to a
// file or to stdout, is kExitRuntime and outranks a failed validation). Rank 0 only.
int report(const RunRecord& record, const CommonOptions& options, const StandardStreams& streams,
           const char* program);

namespace detail {

template <class Program>
void check_checkpoint(const typename Program::Problem& problem, const std::string& path) {
  auto check = [&](const auto& kernel) {
    if constexpr (!CheckpointableKernel<std::decay_t<decltype(kernel)>>) {
      throw UsageError(fmt::format("--checkpoint: {}'s blocks depend on the worker that computes them, so they "
                                   "cannot be resumed by another decomposition; not available for {}",
                                   Program::name, Program::name));
    } else {
      check_checkpoint_files(path, problem_checkpoint_header(Program::name, kernel));
    }
  };
  if constexpr (is_variant<typename Program::Problem>::value) {
    std::visit(check, problem);
  } else {
    check(problem);
  }
}

// What every rank must agree on: the program, the options that shape the computation or
// the sequence of collective calls, and the threads it will use. Not the output-only
// options rank 0 alone uses (--csv, --json, --label, --quiet).
template <class Program>
JobDescription describe_job(bool help, bool version, const std::optional<ResolvedRun>& run,
                            const std::optional<typename Program::Problem>& problem) {
  JobDescription job;
  job.add("the program", Program::name);
  job.add("--help", help ? "1" : "0");
  job.add("--version", version ? "1" : "0");
  if (!run || !problem) {
    return job;
  }
  const CommonOptions& options = run->options;
  auto describe_kernel = [&](const auto& kernel) {
    using K = std::decay_t<decltype(kernel)>;
    const ExecutionPlan plan = plan_for_kernel<K>(*run);
    job.add("--model", to_string(plan.model));
    job.add("the threads per rank (--threads, OMP_NUM_THREADS, OMP_THREAD_LIMIT)", std::to_string(plan.threads));
    job.add("OMP_DYNAMIC", uses_threads(plan.model) && omp_get_dynamic() != 0 ? "true" : "false");
    job.add("--schedule", uses_threads(plan.model) ? to_string(plan.schedule) : "-");
    job.add("--distribution", fmt::format("{},{}", to_string(plan.distribution), plan.dynamic_chunk));
    job.add("--repeat", options.repeat ? std::to_string(*options.repeat) : "auto");
    job.add("--warmup", options.warmup ? std::to_string(*options.warmup) : "auto");
    job.add("--min-time", fmt::format("{}", options.min_time));  // sets the number of collective passes
    job.add("--baseline", fmt::format("{} {}", baseline_name(options.baseline), options.baseline.seconds));
    job.add("--checkpoint", options.checkpoint_path);
    add_problem_facts(job, kernel);
  };
  if constexpr (is_variant<typename Program::Problem>::value) {
    std::visit(describe_kernel, *problem);
  } else {
    describe_kernel(*problem);
  }
  return job;
}

}  // namespace detail

template <class Program>
int run_program(int argc, char** argv) {
  const StandardStreams streams = reserve_standard_streams();  // before MPI opens anything
  install_termination_handlers();  // before MPI_Init, which can take a second
  MpiTeam team(argc, argv);
  install_termination_handlers();  // again, in case the MPI library replaced them
  const char* program = Program::name;

  po::options_description options(fmt::format("{} options", program));
  Program::add_options(options);
  po::options_description common("Common options");
  add_common_options(common);
  po::options_description all;
  all.add(options).add(common);

  // Phase 1: everything that can be wrong before running. All ranks parse the same argv
  // and reach the same verdict; only rank 0 checks output paths, so the ranks agree on
  // the first failing rank, which alone prints its one-line error.
  std::optional<ResolvedRun> run;
  std::optional<typename Program::Problem> problem;
  std::optional<JobDescription> job;
  std::string error;
  int error_code = kExitUsage;
  bool help = false;
  bool version = false;
  std::optional<std::uint64_t> count_query;  // --print-count: the scripts' one count parser
  try {
    const po::variables_map values = parse_command_line(argc, argv, all);
    help = values["help"].as<bool>();
    version = values["version"].as<bool>();
    count_query = read_count_query(values);
    if (!help && !version && !count_query) {
      const CommonOptions common_options = read_common_options(values);
      run = resolve_run(common_options, team.size());
      problem.emplace(Program::read_problem(values, run->options));
      if (team.rank() == 0) {
        const std::string& checkpoint = run->options.checkpoint_path;
        check_output_files({{"--csv", run->options.csv_path, OutputKind::append_csv},
                            {"--json", run->options.json_path, OutputKind::replace},
                            {"--checkpoint", checkpoint.empty() ? "" : checkpoint + ".rank0", OutputKind::replace}},
                           csv_header());
      }
      if (!run->options.checkpoint_path.empty()) {
        detail::check_checkpoint<Program>(*problem, run->options.checkpoint_path);
      }
    }
    job = detail::describe_job<Program>(help, version, run, problem);
  } catch (const UsageError& usage) {
    error = usage.what();
  } catch (const std::exception& failure) {  // e.g. a kernel's describe(): no rank may be left waiting
    error = failure.what();
    error_code = kExitRuntime;
  }
  const int first_failing = team.min(error.empty() ? team.size() : team.rank());
  if (first_failing < team.size()) {
    if (team.rank() == first_failing) {
      std::fprintf(stderr, "%s: error: %s\n", program, error.c_str());
    }
    return -team.min(-(error.empty() ? kExitUsage : error_code));  // the worst code on every rank
  }
  if (!ranks_agree(team, *job, program)) {
    return kExitUsage;
  }
  if (count_query && !help && !version) {
    if (team.rank() == 0) {
      std::printf("%llu\n", static_cast<unsigned long long>(*count_query));
    }
    return kExitSuccess;
  }
  if (help || version) {
    if (team.rank() == 0) {
      if (help) {
        std::printf("%s\n\nUsage: [mpirun -np RANKS] %s [options]\n\n", Program::description().c_str(), program);
        std::ostringstream text;
        text << all;
        std::printf("%s\n%s\n", text.str().c_str(), Program::examples().c_str());
      } else {
        std::printf("%s %s\n%s\n%s\n", program, version_string().c_str(), build_summary().c_str(),
                    MpiTeam::library_version().c_str());
      }
    }
    return kExitSuccess;
  }

  // Phase 2: the run. An exception on any rank ends the whole job (no rank is left
  // waiting in a collective): MPI_Abort with kExitRuntime.
  try {
    if (uses_threads(run->plan.model) && uses_mpi(run->plan.model) && !team.funneled()) {
      throw std::runtime_error("--model hybrid needs MPI_THREAD_FUNNELED, the MPI library gave " +
                               team.thread_level());
    }
    if (team.rank() == 0) {
      for (const auto& warning : run->warnings) {
        std::fprintf(stderr, "%s: warning: %s\n", program, warning.c_str());
      }
    }
    if (uses_threads(run->plan.model)) {
      create_thread_team(run->plan.threads, program);  // exit 3 with one line if the runtime cannot
    }
    RunRecord record;
    auto execute_kernel = [&](const auto& kernel) {
      using K = std::decay_t<decltype(kernel)>;
      if constexpr (CheckpointableKernel<K>) {
        if (!run->options.checkpoint_path.empty()) {
          const CheckpointedKernel<K> resumable(kernel, run->options.checkpoint_path, team.rank(),
                                                problem_checkpoint_header(Program::name, kernel));
          record = detail::execute(resumable, *run, team, program);
          record.kernel_details["checkpoint"] = {{"file", run->options.checkpoint_path},
                                                 {"blocks_resumed", resumable.resumed_blocks()},
                                                 {"interval_s", kCheckpointSeconds}};
          if (team.rank() == 0) {
            std::fprintf(stderr, "%s: note: %llu of %llu blocks came from the checkpoint %s\n", program,
                         static_cast<unsigned long long>(resumable.resumed_blocks()),
                         static_cast<unsigned long long>(record.blocks), run->options.checkpoint_path.c_str());
          }
          return;
        }
      }
      record = detail::execute(kernel, *run, team, program);
    };
    if constexpr (detail::is_variant<typename Program::Problem>::value) {
      std::visit(execute_kernel, *problem);
    } else {
      execute_kernel(*problem);
    }
    std::vector<char> exit_code(1, 0);
    if (team.rank() == 0) {
      const DeferTermination whole_rows_only;  // SIGINT/SIGTERM wait until the files are written
      exit_code[0] = static_cast<char>(report(record, run->options, streams, program));
    }
    team.broadcast_bytes(exit_code);
    if (team.rank() == 0 && !run->options.checkpoint_path.empty() &&
        (exit_code[0] == kExitSuccess || exit_code[0] == kExitValidationFailed)) {
      remove_checkpoint_files(run->options.checkpoint_path);  // the result is in its files now
    }
    return exit_code[0];
  } catch (const std::exception& failure) {
    std::fprintf(stderr, "%s: error: rank %d of %d: %s\n", program, team.rank(), team.size(), failure.what());
    std::fflush(stderr);
    // Let the launcher forward that line before MPI_Abort tears the job down: MPICH's
    // hydra dropped it in 3 of 20 runs without this pause.
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    team.abort(kExitRuntime);
  }
}

}  // namespace parscale
