#include "app.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <set>
#include <utility>

namespace parscale {

ResolvedRun resolve_run(const CommonOptions& options, int ranks) {
  ResolvedRun run;
  run.options = options;
  ExecutionPlan& plan = run.plan;
  plan.model = options.model;
  if (plan.model == Model::automatic) {
    plan.model = ranks > 1 ? Model::mpi : Model::openmp;
  }
  const char* model = to_string(plan.model);
  if (ranks > 1 && !uses_mpi(plan.model)) {
    throw UsageError(fmt::format("--model: {} runs in one process but {} MPI ranks were started; use mpi or hybrid",
                                 model, ranks));
  }
  if (options.schedule && !uses_threads(plan.model)) {
    throw UsageError(fmt::format("--schedule: applies to the openmp and hybrid models, not {}", model));
  }
  if (options.distribution && !uses_mpi(plan.model)) {
    throw UsageError(fmt::format("--distribution: applies to the mpi and hybrid models, not {}", model));
  }
  if (uses_threads(plan.model)) {
    // OMP_NUM_THREADS is validated here as the runtime reads it; its value is the runtime's own.
    static_cast<void>(omp_num_threads_from_environment());
    const int requested = options.threads.value_or(omp_get_max_threads());
    const int limit = omp_get_thread_limit();
    plan.threads = std::min(requested, limit);
    if (requested > limit) {
      run.warnings.push_back(fmt::format("OMP_THREAD_LIMIT={} caps the {} threads asked for: each rank runs {}, and "
                                         "the record says so",
                                         limit, requested, plan.threads));
    }
  } else {
    if (options.threads && *options.threads != 1) {
      throw UsageError(fmt::format("--threads: the {} model runs 1 thread per rank (accepted: 1); use --model {} "
                                   "for more",
                                   model, plan.model == Model::mpi ? "hybrid" : "openmp"));
    }
    plan.threads = 1;
  }
  plan.schedule = options.schedule.value_or(Schedule{});
  plan.distribution = options.distribution.value_or(Distribution::block);
  plan.dynamic_chunk = options.dynamic_chunk;
  plan.worker_detail = options.worker_detail;
  return run;
}

int report(const RunRecord& record, const CommonOptions& options, const StandardStreams& streams,
           const char* program) {
  // The result reaches the screen first: a run whose files cannot be written still shows it.
  const std::string stdout_failure =
      write_standard_output(options.quiet ? verdict_line(record) + "\n" : human_summary(record), streams);
  // UNVERIFIED is not a failure: the summary and the records say it was not checked.
  int exit_code = record.verdict.status == VerdictStatus::fail ? kExitValidationFailed : kExitSuccess;
  std::vector<std::pair<std::string, std::function<void()>>> writes;
  if (!options.csv_path.empty()) {
    writes.emplace_back(options.csv_path, [&] { append_csv_row(options.csv_path, csv_header(), csv_row(record)); });
  }
  if (!options.json_path.empty()) {
    writes.emplace_back(options.json_path, [&] { write_file_atomically(options.json_path, json_document(record)); });
  }
  for (const auto& [path, write] : writes) {
    try {
      write();
    } catch (const std::exception& failure) {
      // A run-time error outranks a failed validation: the record is incomplete (3 over 1).
      std::fprintf(stderr, "%s: error: %s (the result above is not in %s)\n", program, failure.what(), path.c_str());
      exit_code = kExitRuntime;
    }
  }
  if (!stdout_failure.empty()) {
    std::fprintf(stderr, "%s: error: cannot write the result to standard output: %s\n", program,
                 stdout_failure.c_str());
    exit_code = kExitRuntime;
  }
  std::fflush(stderr);
  return exit_code;
}

}  // namespace parscale
