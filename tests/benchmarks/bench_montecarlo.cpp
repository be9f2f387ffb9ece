// Monte Carlo pi throughput in samples per second per core, all in one run: the kernel as
// shipped (AVX-512 Philox when built with it), its portable loop, scalar Random123
// Philox called once per Philox block, std::mt19937_64 + uniform_real_distribution, and
// the shipped kernel through the OpenMP driver on 1 and 2 threads (for the efficiency).
// items_per_second = samples/s; "per_core" divides by the threads used.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>

#include "driver.hpp"
#include "montecarlo.hpp"
#include "philox.hpp"
#include "team.hpp"

namespace parscale {
namespace {

constexpr std::uint64_t kSamples = std::uint64_t{1} << 26;

void set_rates(benchmark::State& state, std::uint64_t samples, int threads) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(samples));
  state.counters["per_core"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(samples) / threads, benchmark::Counter::kIsRate);
}

void BM_ShippedKernel(benchmark::State& state) {
  const MonteCarloPi kernel(kSamples, MonteCarloPi::default_seed, StreamMode::block);
  for (auto _ : state) {
    std::uint64_t hits = 0;
    for (std::uint64_t begin = 0; begin < kernel.work_size(); begin += kernel.block_size()) {
      hits += kernel.compute(begin, std::min(begin + kernel.block_size(), kernel.work_size()), WorkerId{});
    }
    benchmark::DoNotOptimize(hits);
  }
  set_rates(state, kSamples, 1);
  state.SetLabel(sampling::has_avx512() ? "avx512 Philox" : "portable Philox");
}
BENCHMARK(BM_ShippedKernel)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PortableLoop(benchmark::State& state) {
  const philox::Key key = philox::key_from_seed(MonteCarloPi::default_seed);
  for (auto _ : state) {
    benchmark::DoNotOptimize(sampling::count_hits_portable(key, 0, 0, kSamples));
  }
  set_rates(state, kSamples, 1);
}
BENCHMARK(BM_PortableLoop)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ScalarRandom123(benchmark::State& state) {
  const philox::Key key = philox::key_from_seed(MonteCarloPi::default_seed);
  for (auto _ : state) {
    std::uint64_t hits = 0;
    for (std::uint64_t block = 0; block < kSamples / 2; ++block) {
      const philox::Words words = philox::random123(key, 0, block);
      hits += (sampling::is_hit(words[0], words[1]) ? 1 : 0) + (sampling::is_hit(words[2], words[3]) ? 1 : 0);
    }
    benchmark::DoNotOptimize(hits);
  }
  set_rates(state, kSamples, 1);
}
BENCHMARK(BM_ScalarRandom123)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Mt19937Uniform(benchmark::State& state) {
  std::mt19937_64 engine(MonteCarloPi::default_seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  constexpr std::uint64_t samples = kSamples / 4;  // slower: fewer samples per iteration
  for (auto _ : state) {
    std::uint64_t hits = 0;
    for (std::uint64_t i = 0; i < samples; ++i) {
      const double x = uniform(engine);
      const double y = uniform(engine);
      hits += x * x + y * y <= 1.0 ? 1 : 0;
    }
    benchmark::DoNotOptimize(hits);
  }
  set_rates(state, samples, 1);
}
BENCHMARK(BM_Mt19937Uniform)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ShippedOpenMP(benchmark::State& state) {
  constexpr std::uint64_t samples = std::uint64_t{1} << 29;
  const MonteCarloPi kernel(samples, MonteCarloPi::default_seed, StreamMode::block);
  ExecutionPlan plan;
  plan.model = Model::openmp;
  plan.threads = static_cast<int>(state.range(0));
  LocalTeam alone;
  for (auto _ : state) {
    benchmark::DoNotOptimize(run_once(kernel, plan, alone).total);
  }
  set_rates(state, samples, plan.threads);
  state.counters["threads"] = static_cast<double>(plan.threads);
}
BENCHMARK(BM_ShippedOpenMP)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace parscale

BENCHMARK_MAIN();
