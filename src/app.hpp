// The entry point every parscale program shares: the command line, the ranks' agreement on
// it, the checkpoint check, one measured run (execute.hpp) and the report to the summary and
// the files.
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
#include "execute.hpp"
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

namespace detail {

template <class T>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

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
