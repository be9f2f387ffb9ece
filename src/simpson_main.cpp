// simpson: pi as 4 * integral of sqrt(1 - x^2) over [0, 1] by the composite Simpson rule.
#include <string>

#include "app.hpp"
#include "simpson.hpp"

namespace {

struct SimpsonProgram {
  static constexpr const char* name = "simpson";
  using Problem = parscale::SimpsonPi;

  static std::string description() {
    return "simpson: pi = 4 * integral of sqrt(1 - x^2) over [0,1] by the composite Simpson rule,\n"
           "computed with the chosen programming model and compared with a serial baseline.";
  }

  static std::string examples() {
    return "Examples:\n"
           "  mpirun -np 4 simpson -n 1e9                      # MPI, 4 ranks\n"
           "  simpson --model openmp --threads 2 -n 1e9 --csv runs.csv --json run.json\n"
           "  mpirun -np 2 --map-by slot:PE=2 simpson --model hybrid --threads 2\n"
           "  simpson -n 2^30 --repeat 5 --baseline none";
  }

  static void add_options(parscale::po::options_description& options) {
    options.add_options()("intervals,n", parscale::po::value<std::string>()->default_value("1e8"),
                          "number of Simpson intervals, even, in [2, 2^62] (1000000, 1e9 and 2^30 forms)");
  }

  static Problem read_problem(const parscale::po::variables_map& values, const parscale::CommonOptions& /*common*/) {
    const std::uint64_t intervals =
        parscale::read_count(values, "intervals", Problem::min_intervals, Problem::max_intervals);
    if (intervals % 2 != 0) {
      throw parscale::UsageError(
          fmt::format("--intervals: expected an even integer in [2, 2^62], got '{}'", values["intervals"].as<std::string>()));
    }
    return Problem(intervals);
  }
};

}  // namespace

int main(int argc, char** argv) { return parscale::run_program<SimpsonProgram>(argc, argv); }
