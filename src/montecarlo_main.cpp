// montecarlo: pi from random points in the unit square (Philox4x32-10 streams).
#include <cstdint>
#include <limits>
#include <string>

#include "app.hpp"
#include "montecarlo.hpp"

namespace {

parscale::StreamMode read_stream_mode(const parscale::po::variables_map& values) {
  const std::string text = values["streams"].as<std::string>();
  if (text == "rank") {
    return parscale::StreamMode::rank;
  }
  if (text == "block") {
    return parscale::StreamMode::block;
  }
  throw parscale::UsageError(fmt::format("--streams: expected rank|block, got '{}'", text));
}

struct MonteCarloProgram {
  static constexpr const char* name = "montecarlo";
  using Problem = parscale::MonteCarloPi;

  static std::string description() {
    return "montecarlo: pi = 4 * (fraction of uniform random points of the unit square inside the quarter\n"
           "disk), with Philox4x32-10 counter-based random streams, computed with the chosen programming\n"
           "model and compared with a serial baseline. Valid when |estimate - pi| <= 5 sigma.";
  }

  static std::string examples() {
    return "Examples:\n"
           "  mpirun -np 4 montecarlo --samples 1e9            # MPI, 4 ranks, one stream per worker\n"
           "  mpirun -np 4 montecarlo --samples 1e8 --streams block   # same hits for any decomposition\n"
           "  montecarlo --model openmp --threads 2 --samples 2^30 --seed 7 --json run.json";
  }

  static void add_options(parscale::po::options_description& options) {
    options.add_options()
        ("samples,N", parscale::po::value<std::string>()->default_value("1e8"),
         "number of random points, in [1, 2^62] (1000000, 1e9 and 2^30 forms)")
        ("seed", parscale::po::value<std::string>()->default_value(std::to_string(Problem::default_seed)),
         "Philox key, an unsigned 64-bit integer")
        ("streams", parscale::po::value<std::string>()->default_value("rank"),
         "rank: one random stream per worker (the estimate depends on the decomposition); "
         "block: one stream per block of 65536 samples (the same hits for any ranks x threads)");
  }

  static Problem read_problem(const parscale::po::variables_map& values, const parscale::CommonOptions& /*common*/) {
    const std::uint64_t samples = parscale::read_count(values, "samples", Problem::min_samples, Problem::max_samples);
    const std::uint64_t seed = parscale::read_count(values, "seed", 0, std::numeric_limits<std::uint64_t>::max());
    return Problem(samples, seed, read_stream_mode(values));
  }
};

}  // namespace

int main(int argc, char** argv) { return parscale::run_program<MonteCarloProgram>(argc, argv); }
