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

// Each rank's host and CPUs are listed in the JSON context up to this many ranks; above it
// only per node (host, workers, usable CPUs), which the binding warnings are computed from.
constexpr std::size_t kRanksListedInContext = 64;

std::vector<std::string> describe_placement(RunRecord& record, const std::vector<std::string>& encoded_placements) {
  std::vector<std::string> warnings;
  std::vector<std::string> rank_warnings;  // at most a few are printed: one per rank does not scale
  std::map<std::string, int> workers_on_host;
  // The CPUs the ranks on a host may use (the union of their bindings), not the host's
  // online CPUs: a cpuset (Slurm, taskset, containers) can give a job fewer.
  std::map<std::string, std::set<int>> usable_cpus_on_host;
  nlohmann::json ranks = nlohmann::json::array();
  for (std::size_t rank = 0; rank < encoded_placements.size(); ++rank) {
    const RankPlacement placement = decode_placement(encoded_placements[rank]);
    workers_on_host[placement.host] += record.threads;
    auto& usable = usable_cpus_on_host[placement.host];
    usable.insert(placement.cpus.begin(), placement.cpus.end());
    if (placement.cpus.empty()) {  // affinity unknown: assume the whole host
      for (int cpu = 0; cpu < placement.online_cpus; ++cpu) {
        usable.insert(cpu);
      }
    }
    if (encoded_placements.size() <= kRanksListedInContext) {
      ranks.push_back({{"rank", rank}, {"host", placement.host}, {"cpus", cpu_list(placement.cpus)}});
    }
    if (record.threads > 1 && static_cast<int>(placement.cpus.size()) < record.threads) {
      rank_warnings.push_back(fmt::format(
          "rank {} runs {} threads on {} CPU(s) ({}): threads share cores. Under mpirun use --map-by slot:PE={} or "
          "--bind-to none; under srun pass --cpus-per-task={}",
          rank, record.threads, placement.cpus.size(), cpu_list(placement.cpus), record.threads, record.threads,
          record.threads));
    }
  }
  constexpr std::size_t kRankWarnings = 3;
  for (std::size_t i = 0; i < rank_warnings.size() && i < kRankWarnings; ++i) {
    warnings.push_back(rank_warnings[i]);
  }
  if (rank_warnings.size() > kRankWarnings) {
    warnings.push_back(fmt::format("{} more ranks run more threads than they have CPUs (not listed)",
                                   rank_warnings.size() - kRankWarnings));
  }
  for (const auto& [host, workers] : workers_on_host) {
    const std::size_t usable = usable_cpus_on_host[host].size();
    if (static_cast<std::size_t>(workers) > usable) {
      record.oversubscribed = true;
      warnings.push_back(fmt::format("{} workers share {} CPU(s) on host {}: oversubscribed, so the times do not "
                                     "measure scaling (the record is marked oversubscribed)",
                                     workers, usable, host));
    }
  }
  record.context["ranks"] = ranks;  // empty above kRanksListedInContext ranks: see "nodes_detail"
  record.context["hosts"] = workers_on_host.size();
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& [host, workers] : workers_on_host) {
    nodes.push_back({{"host", host}, {"workers", workers}, {"cpus", cpu_list({usable_cpus_on_host[host].begin(),
                                                                                usable_cpus_on_host[host].end()})}});
  }
  record.context["nodes_detail"] = nodes;
  record.nodes = static_cast<int>(workers_on_host.size());
  return warnings;
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
