// primes: sums of primes, two workloads.
//   trial (default): for x = 0, step, 2 step, ... < limit, the sum of the primes below x by
//                    trial division; tasks of very uneven cost (the load-balancing lesson).
//   sieve:           the sum and count of the primes in [from, N) (from = 0: below N) by a
//                    segmented sieve.
//   oracle:          the sum and count of the primes below N by Lucy_Hedgehog's method, one core.
#include <optional>
#include <string>
#include <variant>

#include "app.hpp"
#include "primes_oracle.hpp"
#include "primes_sieve.hpp"
#include "primes_trial.hpp"

namespace {

constexpr std::uint64_t kDefaultLimit = 200'000;
constexpr std::uint64_t kDefaultStep = 500;
constexpr std::uint64_t kDefaultBelow = 1'000'000'000;

struct PrimesProgram {
  static constexpr const char* name = "primes";
  using Problem = std::variant<parscale::PrimeSumsTrial, parscale::PrimeSieveSum, parscale::PrimeSumOracle>;

  static std::string description() {
    return "primes: sums of primes.\n"
           "  --workload trial (default): for every x in [0, limit) stepping by step, the sum of the primes below x\n"
           "    by trial division; the checksum is the sum of those sums. Task cost grows ~x^1.5: compare\n"
           "    --schedule static with dynamic/cyclic (OpenMP) and --distribution block with dynamic/cyclic (MPI).\n"
           "  --workload sieve: the exact sum (and count) of the primes below N, or in the window [from, N),\n"
           "    by a segmented sieve of Eratosthenes, parallel over fixed segment ranges.\n"
           "  --workload oracle: the same sum and count below N by Lucy_Hedgehog's O(N^3/4) method on one core\n"
           "    (one block): a better algorithm on one core to set against the sieve on P cores.\n"
           "  Sieve and trial results are checked against the oracle (or the published table at N = 10^k).";
  }

  static std::string examples() {
    return "Examples:\n"
           "  mpirun -np 2 primes --distribution dynamic            # trial tasks, shared counter\n"
           "  primes --model openmp --threads 2 --schedule static   # the same tasks, visibly imbalanced\n"
           "  primes --model openmp --threads 2 --schedule dynamic\n"
           "  primes --workload sieve -n 1e10                       # 2220822432581729238\n"
           "  primes --workload sieve --from 999990000000000 -n 1e15  # a window of 10^10 below 10^15\n"
           "  mpirun -np 2 primes --workload sieve -n 1e11 --baseline none\n"
           "  primes --workload oracle -n 1e12 --model serial       # one core, sublinear";
  }

  static void add_options(parscale::po::options_description& options) {
    options.add_options()
        ("workload", parscale::po::value<std::string>()->default_value("trial"), "trial|sieve|oracle")
        ("limit", parscale::po::value<std::string>(),
         fmt::format("trial: tasks x = 0, step, ... below this, in [1, 1e9] (default {})", kDefaultLimit).c_str())
        ("step", parscale::po::value<std::string>(),
         fmt::format("trial: distance between task bounds, in [1, 1e9] (default {})", kDefaultStep).c_str())
        ("below,n", parscale::po::value<std::string>(),
         fmt::format("sieve, oracle: sum the primes below N, N in [1, 1e15] (default {})", kDefaultBelow).c_str())
        ("from", parscale::po::value<std::string>(), "sieve: sum only the primes in [from, N), from in [0, N] (default 0)")
        ("reference", parscale::po::value<std::string>(),
         "compare with this exact sum (trial: checksum) instead of the built-in reference, e.g. a published "
         "value; a decimal integer below 2^128");
  }

  // No Boost default for these: giving one that the workload does not use is an error.
  static std::uint64_t count_or_default(const parscale::po::variables_map& values, const std::string& option,
                                        std::uint64_t fallback, std::uint64_t min, std::uint64_t max) {
    return values.count(option) == 0 ? fallback : parscale::read_count(values, option, min, max);
  }

  // A decimal integer below 2^128, or nullopt.
  static std::optional<parscale::uint128> parse_uint128(const std::string& text) {
    if (text.empty() || text.size() > 39 || text.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    parscale::uint128 value = 0;
    const parscale::uint128 max = ~parscale::uint128{0};
    for (const char digit : text) {
      const auto d = static_cast<unsigned>(digit - '0');
      if (value > (max - d) / 10) {
        return std::nullopt;
      }
      value = value * 10 + d;
    }
    return value;
  }

  static Problem read_problem(const parscale::po::variables_map& values, const parscale::CommonOptions& common) {
    if (common.tolerance) {
      throw parscale::UsageError(
          "--tolerance: primes results are exact integers; compare with a sum of your own with --reference");
    }
    std::optional<parscale::uint128> given;
    if (values.count("reference") != 0) {
      given = parse_uint128(values["reference"].as<std::string>());
      if (!given) {
        throw parscale::UsageError(fmt::format("--reference: expected a decimal integer in [0, 2^128), got '{}'",
                                               values["reference"].as<std::string>()));
      }
    }
    Problem problem = read_workload(values);
    std::visit([&](auto& kernel) {
      if (given) {
        kernel.set_given_reference(*given);
      }
    }, problem);
    return problem;
  }

  static Problem read_workload(const parscale::po::variables_map& values) {
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
    if (workload == "sieve" || workload == "oracle") {
      for (const char* option : {"limit", "step"}) {
        if (values.count(option) != 0) {
          throw parscale::UsageError(
              fmt::format("--{}: applies to --workload trial; {} takes -n", option, workload));
        }
      }
      const std::uint64_t below =
          count_or_default(values, "below", kDefaultBelow, 1, parscale::PrimeSieveSum::max_limit);
      if (workload == "oracle") {
        if (values.count("from") != 0) {
          throw parscale::UsageError("--from: applies to --workload sieve; the oracle sums the primes below N");
        }
        return parscale::PrimeSumOracle(below);
      }
      const std::uint64_t from = count_or_default(values, "from", 0, 0, below);
      return parscale::PrimeSieveSum(below, parscale::PrimeSieveSum::automatic_segment_bytes, 0, from);
    }
    throw parscale::UsageError(fmt::format("--workload: expected one of trial|sieve|oracle, got '{}'", workload));
  }
};

}  // namespace

int main(int argc, char** argv) { return parscale::run_program<PrimesProgram>(argc, argv); }
