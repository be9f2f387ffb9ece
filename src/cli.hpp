// Command-line handling shared by every parscale program (Boost.Program_options).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/program_options.hpp>

#include "plan.hpp"
#include "progress.hpp"

namespace parscale {

namespace po = boost::program_options;

// Bad input. The message is one line naming the option and the accepted values; the
// program prints it as "<program>: error: <message>" and exits with kExitUsage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum ExitCode : int {
  kExitSuccess = 0,
  kExitValidationFailed = 1,  // the run finished but its result failed validation
  kExitUsage = 2,             // bad command line or environment, nothing was run
  kExitRuntime = 3,           // an error while running (I/O, a failing rank, ...)
};

enum class BaselineKind { measure, none, given };

// Whether the result is checked against a reference: auto (unless the check would cost
// more than the run), always, never (the result is then UNVERIFIED).
enum class VerifyPolicy { automatic, always, never };

struct Baseline {
  BaselineKind kind = BaselineKind::measure;
  double seconds = 0.0;  // for BaselineKind::given
};

struct CommonOptions {
  Model model = Model::automatic;
  std::optional<int> threads;  // unset: OMP_NUM_THREADS or all cores (openmp), 1 (mpi)
  std::optional<Schedule> schedule;
  std::optional<Distribution> distribution;
  std::uint64_t dynamic_chunk = 0;
  std::optional<int> repeat;  // unset: auto (drivers/protocol.hpp)
  std::optional<int> warmup;  // unset: auto
  double min_time = 5.0;      // seconds of timed repetitions auto aims for
  Baseline baseline;
  VerifyPolicy verify = VerifyPolicy::automatic;
  std::optional<double> tolerance;  // replaces the kernel's tolerance (inexact results)
  std::string csv_path;
  std::string json_path;
  std::string label;
  bool quiet = false;
  ProgressMode progress = ProgressMode::automatic;
  std::string checkpoint_path;  // --checkpoint: keep completed blocks here (see checkpoint.hpp)
  bool worker_detail = false;  // --worker-detail: every worker in the summary and the JSON
};

// Adds the options every program has (model, threads, timing, output).
void add_common_options(po::options_description& options);

// Reads them back, validating each; throws UsageError.
CommonOptions read_common_options(const po::variables_map& values);

// Parses argv against `options`; turns Boost's errors into UsageError. Unknown options
// and stray positional words are errors.
po::variables_map parse_command_line(int argc, char** argv, const po::options_description& options);

// A count option in [min, max] ("1e9" and "2^30" forms accepted); throws UsageError.
std::uint64_t read_count(const po::variables_map& values, const std::string& option, std::uint64_t min,
                         std::uint64_t max);

// --print-count TEXT: the count it stands for (throws UsageError); nullopt without the option.
std::optional<std::uint64_t> read_count_query(const po::variables_map& values);

// Validates OMP_NUM_THREADS the way the programs use it; nullopt when unset.
std::optional<int> omp_num_threads_from_environment();

std::string baseline_name(const Baseline& baseline);
const char* to_string(VerifyPolicy policy);

constexpr int kMaxThreads = 4096;

}  // namespace parscale
