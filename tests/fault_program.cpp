// fault: a TEST-ONLY program (never installed) that runs the shipped driver,
// run_program<>, over a kernel that fails on purpose, so tests/test_robustness.py can
// check that one failing rank ends the whole job instead of leaving the others waiting
// in a collective. The shipped programs have no option that reaches any of this.
//
//   --fault throw   compute() throws std::runtime_error on rank --fault-rank
//   --fault kill    compute() sends SIGKILL to its own process on rank --fault-rank
//   --fault report  describe(), which only rank 0 calls after the last collective while
//                   the others wait for its exit code, throws (a report-phase failure)
//   --fault none    no fault: the run succeeds (the control case)
#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app.hpp"

namespace {

enum class Fault { none, throw_in_compute, kill_in_compute, throw_in_report };

// One index per block; each block sleeps block_ms so a run lasts long enough for a test
// to act during it, independent of the machine's speed.
class FaultKernel {
 public:
  using Partial = std::uint64_t;
  using Value = std::uint64_t;

  FaultKernel(Fault fault, int fault_rank, std::uint64_t blocks, int block_ms)
      : fault_(fault), fault_rank_(fault_rank), blocks_(blocks), block_ms_(block_ms),
        computed_(std::make_shared<std::atomic<bool>>(false)) {}

  [[nodiscard]] std::string name() const { return "fault"; }
  [[nodiscard]] std::uint64_t work_size() const { return blocks_; }
  [[nodiscard]] std::uint64_t block_size() const { return 1; }
  [[nodiscard]] std::string work_unit() const { return "blocks"; }

  [[nodiscard]] Partial compute(std::uint64_t begin, std::uint64_t end, const parscale::WorkerId& worker) const {
    if (worker.rank == fault_rank_ && worker.ranks > 1) {
      if (fault_ == Fault::throw_in_compute) {
        throw std::runtime_error(fmt::format("injected fault: compute() threw on rank {}", worker.rank));
      }
      if (fault_ == Fault::kill_in_compute) {
        ::raise(SIGKILL);
      }
    }
    computed_->store(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(block_ms_));
    return end - begin;
  }
  static Partial identity() { return 0; }
  static Partial combine(const Partial& a, const Partial& b) { return a + b; }
  [[nodiscard]] Value finalize(const Partial& total) const { return total; }
  [[nodiscard]] parscale::Verdict verdict(const Value& value) const {
    parscale::Verdict verdict;
    verdict.status = parscale::pass_if(value == blocks_);
    verdict.value_text = std::to_string(value);
    verdict.reference_text = std::to_string(blocks_);
    verdict.value = static_cast<double>(value);
    verdict.error = verdict.passed() ? 0.0 : 1.0;
    verdict.criterion = "every block counted once";
    return verdict;
  }
  void describe(nlohmann::json& parameters) const {
    // Every rank also describes the problem before the run (the ranks compare their jobs):
    // the report-phase fault fires only after blocks were computed.
    if (fault_ == Fault::throw_in_report && computed_->load()) {
      throw std::runtime_error("injected fault: the report phase threw on rank 0");
    }
    parameters["blocks"] = blocks_;
    parameters["block_ms"] = block_ms_;
  }

 private:
  Fault fault_;
  int fault_rank_;
  std::uint64_t blocks_;
  int block_ms_;
  std::shared_ptr<std::atomic<bool>> computed_;  // shared: the kernel is copied, an atomic cannot be
};

struct FaultProgram {
  static constexpr const char* name = "fault";
  using Problem = FaultKernel;

  static std::string description() { return "fault: test-only program that fails on purpose on one rank."; }
  static std::string examples() { return "Example:\n  mpirun -np 4 fault --fault throw --fault-rank 2"; }

  static void add_options(parscale::po::options_description& options) {
    options.add_options()("fault", parscale::po::value<std::string>()->default_value("none"),
                          "none|throw|kill|report")(
        "fault-rank", parscale::po::value<int>()->default_value(0), "the rank that fails (throw, kill)")(
        "blocks", parscale::po::value<std::string>()->default_value("64"), "blocks of work, in [1, 2^20]")(
        "block-ms", parscale::po::value<int>()->default_value(10), "milliseconds each block sleeps, in [0, 1000]");
  }

  static Problem read_problem(const parscale::po::variables_map& values, const parscale::CommonOptions& /*common*/) {
    const std::string fault_name = values["fault"].as<std::string>();
    Fault fault = Fault::none;
    if (fault_name == "throw") {
      fault = Fault::throw_in_compute;
    } else if (fault_name == "kill") {
      fault = Fault::kill_in_compute;
    } else if (fault_name == "report") {
      fault = Fault::throw_in_report;
    } else if (fault_name != "none") {
      throw parscale::UsageError(fmt::format("--fault: expected none, throw, kill or report, got '{}'", fault_name));
    }
    const int block_ms = values["block-ms"].as<int>();
    if (block_ms < 0 || block_ms > 1000) {
      throw parscale::UsageError(fmt::format("--block-ms: expected an integer in [0, 1000], got {}", block_ms));
    }
    return Problem(fault, values["fault-rank"].as<int>(),
                   parscale::read_count(values, "blocks", 1, std::uint64_t{1} << 20), block_ms);
  }
};

}  // namespace

int main(int argc, char** argv) { return parscale::run_program<FaultProgram>(argc, argv); }
