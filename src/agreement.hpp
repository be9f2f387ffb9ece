// One job, one set of options: before any work, every rank's description of the job (its
// program, the options that shape the computation or the sequence of collective calls,
// and the thread count it will use) is compared with rank 0's. MPMD launches and per-node
// environments can otherwise give ranks different jobs: hangs, or results nobody asked for.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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

}  // namespace parscale
