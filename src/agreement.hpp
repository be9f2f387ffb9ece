// One job, one set of options: before any work, every rank's description of the job (its
// program, the options that shape the computation or the sequence of collective calls,
// and the thread count it will use) is compared with rank 0's. MPMD launches and per-node
// environments can otherwise give ranks different jobs: hangs, or results nobody asked for.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kernel.hpp"
#include "mpi_team.hpp"

namespace parscale {

// "key=value" lines, in the order added. A key names the option (e.g. "--repeat") or the
// fact ("problem parameter 'seed'") that an error line would point the user to.
class JobDescription {
 public:
  void add(const std::string& key, const std::string& value);
  [[nodiscard]] std::string text() const;
  [[nodiscard]] std::uint64_t fingerprint() const;  // FNV-1a of text(): one number to compare

 private:
  std::vector<std::pair<std::string, std::string>> facts_;
};

// The ranks' texts (entry r is rank r's), of which some differ from rank 0's: one line
// naming the first key that differs and which ranks differ, with their values.
std::string describe_disagreement(const std::vector<std::string>& texts);

// True when every rank's job is rank 0's: one broadcast of rank 0's fingerprint and one
// reduction. Otherwise rank 0 gathers the descriptions and prints the one line that names
// what differs and where; every rank then returns false (exit 2, nothing run).
bool ranks_agree(MpiTeam& team, const JobDescription& job, const char* program);

// The facts that make the problem what it is, for the ranks' agreement and the checkpoint.
template <Kernel K>
void add_problem_facts(JobDescription& job, const K& kernel) {
  job.add("the kernel", kernel.name());
  nlohmann::json parameters = nlohmann::json::object();
  kernel.describe(parameters);
  for (const auto& [key, value] : parameters.items()) {
    job.add(fmt::format("the problem's {}", key), value.dump());
  }
  job.add("the work size", std::to_string(kernel.work_size()));
  job.add("the block size", std::to_string(kernel.block_size()));
  job.add("the partial result's bytes", std::to_string(sizeof(typename K::Partial)));
}

}  // namespace parscale
