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

#include "cli.hpp"
#include "context.hpp"
#include "driver.hpp"
#include "kernel.hpp"
#include "mpi_team.hpp"
#include "output_files.hpp"
#include "plan.hpp"
#include "progress.hpp"
#include "protocol.hpp"
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
  for (std::size_t i = 0; i < measured.workers.size(); ++i) {
    const auto threads = static_cast<std::size_t>(plan.threads);
    record.worker_stats.push_back(WorkerRecord{static_cast<int>(i / threads), static_cast<int>(i % threads),
                                               measured.workers[i].busy_seconds, measured.workers[i].blocks});
  }
  record.imbalance = load_imbalance(record.worker_stats);
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
