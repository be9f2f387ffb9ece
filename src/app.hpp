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

#include <chrono>
#include <cmath>
#include <cstdio>
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

#include "cli.hpp"
#include "context.hpp"
#include "driver.hpp"
#include "kernel.hpp"
#include "mpi_team.hpp"
#include "output_files.hpp"
#include "plan.hpp"
#include "record.hpp"
#include "signals.hpp"
#include "team.hpp"

namespace parscale {

struct ResolvedRun {
  ExecutionPlan plan;
  CommonOptions options;
};

// Picks the model and thread count and rejects options that do not fit the model.
ResolvedRun resolve_run(const CommonOptions& options, int ranks);

// Fills the placement-dependent fields of a record (oversubscription, per-rank hosts and
// CPU binding) and returns warnings about the binding, one line each.
std::vector<std::string> describe_placement(RunRecord& record, const std::vector<std::string>& encoded_placements);

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

template <class T>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

template <Kernel K>
RunRecord execute(const K& kernel, const ResolvedRun& run, MpiTeam& team, const char* program) {
  const CommonOptions& options = run.options;
  const ExecutionPlan plan = plan_for_kernel<K>(run);
  const double nan = std::numeric_limits<double>::quiet_NaN();

  double baseline_seconds = nan;
  std::optional<typename K::Partial> baseline_total;
  if (options.baseline.kind == BaselineKind::measure) {
    if (team.rank() == 0) {
      LocalTeam alone;
      ExecutionPlan serial_plan;
      serial_plan.model = Model::serial;
      const Measurement<K> serial = measure(kernel, serial_plan, alone, options.warmup, options.repeat);
      baseline_seconds = serial.timing.median;
      baseline_total = serial.total;
    }
    team.idle_barrier();  // the other ranks sleep instead of spinning while rank 0 measures
  } else if (options.baseline.kind == BaselineKind::given) {
    baseline_seconds = options.baseline.seconds;
  }

  const Measurement<K> measured = measure(kernel, plan, team, options.warmup, options.repeat);
  const std::string my_placement = encode(this_rank_placement());
  std::vector<std::string> placements;
  for (const auto& part : team.gather_parts(std::vector<char>(my_placement.begin(), my_placement.end()))) {
    placements.emplace_back(part.begin(), part.end());
  }

  RunRecord record;
  if (team.rank() != 0) {
    return record;
  }
  record.program = program;
  record.kernel = kernel.name();
  record.label = options.label;
  kernel.describe(record.parameters);
  if constexpr (requires(nlohmann::json& details) { kernel.describe_workers(details, 1, 1); }) {
    kernel.describe_workers(record.kernel_details, team.size(), plan.threads);
  }
  record.work_size = kernel.work_size();
  record.work_unit = kernel.work_unit();
  record.block_size = kernel.block_size();
  record.blocks = block_count(kernel.work_size(), kernel.block_size());
  record.model = to_string(plan.model);
  record.ranks = team.size();
  record.threads = plan.threads;
  record.workers = record.ranks * record.threads;
  record.schedule = uses_threads(plan.model) ? to_string(plan.schedule) : "-";
  record.distribution = uses_mpi(plan.model)
                            ? std::string(to_string(plan.distribution)) +
                                  (plan.distribution == Distribution::dynamic && plan.dynamic_chunk != 0
                                       ? "," + std::to_string(plan.dynamic_chunk)
                                       : "")
                            : "-";
  record.warmup = options.warmup;
  record.repeat = options.repeat;
  record.seconds = measured.timing.seconds;
  record.time_min = measured.timing.min;
  record.time_median = measured.timing.median;
  record.time_max = measured.timing.max;
  record.reduction_seconds = measured.reduction_seconds;
  record.baseline_kind = baseline_name(options.baseline);
  record.baseline_seconds = baseline_seconds;
  const auto to_record = [](const WorkerSample& sample) {
    return WorkerRecord{sample.rank, sample.thread, sample.busy_seconds, sample.blocks};
  };
  for (const WorkerSample& sample : measured.workers) {
    record.worker_stats.push_back(to_record(sample));
  }
  const WorkerSummary& summary = measured.worker_summary;
  record.worker_overview.busy_min = summary.busy_min();
  record.worker_overview.busy_median = summary.busy_median();
  record.worker_overview.busy_max = summary.busy_max();
  record.worker_overview.median_exact = summary.median_is_exact();
  for (const WorkerSample& sample : summary.slowest()) {
    record.worker_overview.slowest.push_back(to_record(sample));
  }
  for (const WorkerSample& sample : summary.fastest()) {
    record.worker_overview.fastest.push_back(to_record(sample));
  }
  record.worker_overview.every_worker_listed = record.worker_stats.size() == summary.workers();
  record.worker_overview.detail_asked = options.worker_detail;
  record.imbalance = summary.imbalance();
  record.verdict = kernel.verdict(kernel.finalize(measured.total));
  if (baseline_total) {
    // Exact text of both results: the serial and parallel bits must agree.
    const Verdict baseline = kernel.verdict(kernel.finalize(*baseline_total));
    record.baseline_bits_match =
        baseline.value_text == record.verdict.value_text && baseline.detail == record.verdict.detail;
  }
  compute_metrics(record);
  record.context = machine_context();
  record.context["mpi_library"] = MpiTeam::library_version();
  record.context["mpi_standard"] = MpiTeam::standard_version();
  record.context["mpi_thread_level"] = team.thread_level();
  record.timestamp = record.context["timestamp"].template get<std::string>();
  for (const auto& warning : describe_placement(record, placements)) {
    std::fprintf(stderr, "%s: warning: %s\n", program, warning.c_str());
  }
  return record;
}

}  // namespace detail

// Prints, writes and returns the exit code. Rank 0 only.
int report(const RunRecord& record, const CommonOptions& options);

template <class Program>
int run_program(int argc, char** argv) {
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
  std::string error;
  bool help = false;
  bool version = false;
  try {
    const po::variables_map values = parse_command_line(argc, argv, all);
    help = values["help"].as<bool>();
    version = values["version"].as<bool>();
    if (!help && !version) {
      const CommonOptions common_options = read_common_options(values);
      run = resolve_run(common_options, team.size());
      problem.emplace(Program::read_problem(values, run->options));
      if (team.rank() == 0) {
        if (!run->options.csv_path.empty()) {
          check_output_path("--csv", run->options.csv_path);
          check_csv_header(run->options.csv_path, csv_header());
        }
        if (!run->options.json_path.empty()) {
          check_output_path("--json", run->options.json_path);
        }
      }
    }
  } catch (const UsageError& usage) {
    error = usage.what();
  }
  const int first_failing = team.min(error.empty() ? team.size() : team.rank());
  if (first_failing < team.size()) {
    if (team.rank() == first_failing) {
      std::fprintf(stderr, "%s: error: %s\n", program, error.c_str());
    }
    return kExitUsage;
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
    RunRecord record;
    auto execute_kernel = [&](const auto& kernel) { record = detail::execute(kernel, *run, team, program); };
    if constexpr (detail::is_variant<typename Program::Problem>::value) {
      std::visit(execute_kernel, *problem);
    } else {
      execute_kernel(*problem);
    }
    std::vector<char> exit_code(1, 0);
    if (team.rank() == 0) {
      const DeferTermination whole_rows_only;  // SIGINT/SIGTERM wait until the files are written
      exit_code[0] = static_cast<char>(report(record, run->options));
    }
    team.broadcast_bytes(exit_code);
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
