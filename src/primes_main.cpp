// primes: sums of primes, two workloads.
//   trial (default): for x = 0, step, 2 step, ... < limit, the sum of the primes below x by
//                    trial division; tasks of very uneven cost (the load-balancing lesson).
//   sieve:           the sum and count of the primes in [from, N) (from = 0: below N) by a
//                    segmented sieve.
#include <string>
#include <variant>

#include "app.hpp"
#include "primes_sieve.hpp"
#include "primes_trial.hpp"

namespace {

constexpr std::uint64_t kDefaultLimit = 200'000;
constexpr std::uint64_t kDefaultStep = 500;
constexpr std::uint64_t kDefaultBelow = 1'000'000'000;

struct PrimesProgram {
  static constexpr const char* name = "primes";
  using Problem = std::variant<parscale::PrimeSumsTrial, parscale::PrimeSieveSum>;

  static std::string description() {
    return "primes: sums of primes.\n"
           "  --workload trial (default): for every x in [0, limit) stepping by step, the sum of the primes below x\n"
           "    by trial division; the checksum is the sum of those sums. Task cost grows ~x^1.5: compare\n"
           "    --schedule static with dynamic/cyclic (OpenMP) and --distribution block with dynamic/cyclic (MPI).\n"
           "  --workload sieve: the exact sum (and count) of the primes below N, or in the window [from, N),\n"
           "    by a segmented sieve of Eratosthenes, parallel over fixed segment ranges.";
  }

  static std::string examples() {
    return "Examples:\n"
           "  mpirun -np 2 primes --distribution dynamic            # trial tasks, shared counter\n"
           "  primes --model openmp --threads 2 --schedule static   # the same tasks, visibly imbalanced\n"
           "  primes --model openmp --threads 2 --schedule dynamic\n"
           "  primes --workload sieve -n 1e10                       # 2220822432581729238\n"
           "  primes --workload sieve --from 999990000000000 -n 1e15  # a window of 10^10 below 10^15\n"
           "  mpirun -np 2 primes --workload sieve -n 1e11 --baseline none";
  }

  static void add_options(parscale::po::options_description& options) {
    options.add_options()
        ("workload", parscale::po::value<std::string>()->default_value("trial"), "trial|sieve")
        ("limit", parscale::po::value<std::string>(),
         fmt::format("trial: tasks x = 0, step, ... below this, in [1, 1e9] (default {})", kDefaultLimit).c_str())
        ("step", parscale::po::value<std::string>(),
         fmt::format("trial: distance between task bounds, in [1, 1e9] (default {})", kDefaultStep).c_str())
        ("below,n", parscale::po::value<std::string>(),
         fmt::format("sieve: sum the primes below N, N in [1, 1e15] (default {})", kDefaultBelow).c_str())
        ("from", parscale::po::value<std::string>(), "sieve: sum only the primes in [from, N), from in [0, N] (default 0)");
  }

  // No Boost default for these: giving one that the workload does not use is an error.
  static std::uint64_t count_or_default(const parscale::po::variables_map& values, const std::string& option,
                                        std::uint64_t fallback, std::uint64_t min, std::uint64_t max) {
    return values.count(option) == 0 ? fallback : parscale::read_count(values, option, min, max);
  }

  static Problem read_problem(const parscale::po::variables_map& values, const parscale::CommonOptions& /*common*/) {
    const std::string workload = values["workload"].as<std::string>();
    if (workload == "trial") {
      for (const char* option : {"below", "from"}) {
        if (values.count(option) != 0) {
          throw parscale::UsageError(
              fmt::format("--{}: applies to --workload sieve; trial takes --limit and --step", option));
        }
      }
      const std::uint64_t limit = count_or_default(values, "limit", kDefaultLimit, 1, parscale::PrimeSumsTrial::max_limit);
      const std::uint64_t step = count_or_default(values, "step", kDefaultStep, 1, parscale::PrimeSumsTrial::max_limit);
      return parscale::PrimeSumsTrial(limit, step);
    }
    if (workload == "sieve") {
      for (const char* option : {"limit", "step"}) {
        if (values.count(option) != 0) {
          throw parscale::UsageError(fmt::format("--{}: applies to --workload trial; sieve takes -n", option));
        }
      }
      const std::uint64_t below =
          count_or_default(values, "below", kDefaultBelow, 1, parscale::PrimeSieveSum::max_limit);
      const std::uint64_t from = count_or_default(values, "from", 0, 0, below);
      return parscale::PrimeSieveSum(below, parscale::PrimeSieveSum::default_segment_bytes, 0, from);
    }
    throw parscale::UsageError(fmt::format("--workload: expected one of trial|sieve, got '{}'", workload));
  }
};

}  // namespace

int main(int argc, char** argv) { return parscale::run_program<PrimesProgram>(argc, argv); }
