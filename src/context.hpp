// The run's context, the way Google Benchmark's JSON carries it: where, with what, how built.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace parscale {

// What one rank knows about where it runs.
struct RankPlacement {
  std::string host;
  std::vector<int> cpus;  // CPUs its threads may run on: sched_getaffinity, or its OpenMP places when bound
  int online_cpus = 0;    // CPUs of its host
};

RankPlacement this_rank_placement();
// The node's name: Slurm's (SLURMD_NODENAME) under Slurm, else gethostname().
std::string node_name();

// "0-3,6" style list.
std::string cpu_list(const std::vector<int>& cpus);

// Host, CPU, OS, compiler and flags, OpenMP settings, git commit, Slurm, timestamp.
nlohmann::json machine_context();

std::string utc_timestamp();

std::string build_summary();  // one line for --version
std::string version_string();

}  // namespace parscale
