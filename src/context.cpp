#include "context.hpp"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <omp.h>

#include "build_info.hpp"

extern char** environ;

namespace parscale {

namespace {

// The variable's text with bytes that are not UTF-8 replaced by U+FFFD, so the CSV and
// the JSON stay valid UTF-8 whatever the environment holds.
nlohmann::json environment_or_null(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) {
    return nullptr;
  }
  return nlohmann::json::parse(nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

const char* proc_bind_name(omp_proc_bind_t bind) {
  switch (bind) {
    case omp_proc_bind_false: return "false";
    case omp_proc_bind_true: return "true";
    case omp_proc_bind_master: return "master";
    case omp_proc_bind_close: return "close";
    case omp_proc_bind_spread: return "spread";
  }
  return "unknown";
}

std::vector<int> place_cpus(int place) {
  std::vector<int> cpus(static_cast<std::size_t>(omp_get_place_num_procs(place)));
  omp_get_place_proc_ids(place, cpus.data());
  return cpus;
}

// The CPUs this rank's OpenMP team may use when OMP_PROC_BIND binds threads to places;
// empty when threads are not bound. Needed because binding pins the calling (primary)
// thread to a single place, so its own affinity mask no longer describes the team.
std::vector<int> bound_team_cpus() {
  const omp_proc_bind_t bind = omp_get_proc_bind();
  if (bind == omp_proc_bind_false || omp_get_num_places() <= 0) {
    return {};
  }
  std::set<int> cpus;
  if (bind == omp_proc_bind_master) {
    if (omp_get_place_num() >= 0) {
      const auto ids = place_cpus(omp_get_place_num());
      cpus.insert(ids.begin(), ids.end());
    }
  } else {
    std::vector<int> places(static_cast<std::size_t>(omp_get_partition_num_places()));
    omp_get_partition_place_nums(places.data());
    for (const int place : places) {
      const auto ids = place_cpus(place);
      cpus.insert(ids.begin(), ids.end());
    }
  }
  return {cpus.begin(), cpus.end()};
}

}  // namespace

// Under Slurm the node's Slurm name: several slurmd daemons on one machine (or containers
// sharing a hostname) are distinct nodes with one gethostname().
std::string node_name() {
  if (const char* slurm_node = std::getenv("SLURMD_NODENAME"); slurm_node != nullptr && *slurm_node != '\0') {
    return slurm_node;
  }
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) == 0) {
    return host.data();
  }
  return "unknown";
}

RankPlacement this_rank_placement() {
  RankPlacement placement;
  placement.host = node_name();
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) {
        placement.cpus.push_back(cpu);
      }
    }
  }
  if (auto bound = bound_team_cpus(); !bound.empty()) {
    placement.cpus = std::move(bound);
  }
  placement.online_cpus = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  return placement;
}

std::string cpu_list(const std::vector<int>& cpus) {
  std::string text;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) {
      ++j;
    }
    if (!text.empty()) {
      text += ',';
    }
    text += j == i ? std::to_string(cpus[i]) : fmt::format("{}-{}", cpus[i], cpus[j]);
    i = j + 1;
  }
  return text;
}

std::string utc_timestamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text.data();
}

std::string version_string() { return PARSCALE_VERSION; }

std::string build_summary() {
  return fmt::format("parscale {} (commit {}), {} {}, {} build, flags: {}", PARSCALE_VERSION, PARSCALE_GIT_COMMIT,
                     PARSCALE_COMPILER_ID, __VERSION__, PARSCALE_BUILD_TYPE, PARSCALE_CXX_FLAGS);
}

nlohmann::json machine_context() {
  nlohmann::json context;
  const RankPlacement placement = this_rank_placement();
  context["host"] = placement.host;
  context["timestamp"] = utc_timestamp();
  context["cpu_model"] = cpu_model();
  context["online_cpus"] = placement.online_cpus;
  utsname name{};
  if (::uname(&name) == 0) {
    context["os"] = fmt::format("{} {} {}", name.sysname, name.release, name.machine);
  }
  context["parscale_version"] = PARSCALE_VERSION;
  context["git_commit"] = PARSCALE_GIT_COMMIT;
  context["compiler"] = fmt::format("{} {}", PARSCALE_COMPILER_ID, __VERSION__);
  context["build_type"] = PARSCALE_BUILD_TYPE;
  context["cxx_flags"] = PARSCALE_CXX_FLAGS;
  context["native_arch"] = PARSCALE_NATIVE_ARCH != 0;
  context["openmp_version"] = _OPENMP;
  context["omp_max_threads"] = omp_get_max_threads();
  context["omp_proc_bind"] = proc_bind_name(omp_get_proc_bind());
  context["omp_num_places"] = omp_get_num_places();
  nlohmann::json places = nlohmann::json::array();
  for (int place = 0; place < omp_get_num_places(); ++place) {
    places.push_back(cpu_list(place_cpus(place)));
  }
  context["omp_places"] = places;
  nlohmann::json omp_environment = nlohmann::json::object();
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text(*entry);
    if (text.rfind("OMP_", 0) == 0 || text.rfind("GOMP_", 0) == 0) {
      const auto equals = text.find('=');
      omp_environment[text.substr(0, equals)] = equals == std::string::npos ? "" : text.substr(equals + 1);
    }
  }
  context["omp_environment"] = omp_environment;
  context["slurm_job_id"] = environment_or_null("SLURM_JOB_ID");
  context["slurm_array_job_id"] = environment_or_null("SLURM_ARRAY_JOB_ID");
  context["slurm_array_task_id"] = environment_or_null("SLURM_ARRAY_TASK_ID");
  context["slurm_job_nodelist"] = environment_or_null("SLURM_JOB_NODELIST");
  context["slurm_ntasks"] = environment_or_null("SLURM_NTASKS");
  context["slurm_cpus_per_task"] = environment_or_null("SLURM_CPUS_PER_TASK");
  context["slurm_partition"] = environment_or_null("SLURM_JOB_PARTITION");
  return context;
}

}  // namespace parscale
