// Kernel throughput (work units per second per core) and driver scaling, measured with
// Google Benchmark. Items processed = work units, so "items_per_second" is points/s.
#include <benchmark/benchmark.h>

#include "driver.hpp"
#include "simpson.hpp"
#include "team.hpp"

namespace parscale {
namespace {

void BM_SimpsonKernel(benchmark::State& state) {
  const SimpsonPi kernel(static_cast<std::uint64_t>(state.range(0)));
  for (auto _ : state) {
    double sum = 0.0;
    for (std::uint64_t begin = 0; begin < kernel.work_size(); begin += kernel.block_size()) {
      sum += kernel.compute(begin, std::min(begin + kernel.block_size(), kernel.work_size()));
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_SimpsonKernel)->Arg(100'000'000)->Arg(1'000'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();

// Old (std::sqrt, the portable path) against new (AVX-512: vsqrtpd + fast_sqrt) in one run,
// n = 1e9, one thread. Arg 0 = portable, 1 = avx512 (skipped when the build has none).
void BM_SimpsonSqrtPath(benchmark::State& state) {
  const auto path = state.range(0) == 0 ? SimpsonPi::SqrtPath::portable : SimpsonPi::SqrtPath::avx512;
  if (!SimpsonPi::has_path(path)) {
    state.SkipWithError("this build has no AVX-512 path");
    return;
  }
  state.SetLabel(path == SimpsonPi::SqrtPath::portable ? "std::sqrt" : "avx512");
  const SimpsonPi kernel(1'000'000'000);
  for (auto _ : state) {
    double sum = 0.0;
    for (std::uint64_t begin = 0; begin < kernel.work_size(); begin += kernel.block_size()) {
      sum += kernel.compute_with(path, begin, std::min(begin + kernel.block_size(), kernel.work_size()));
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1'000'000'000);
}
BENCHMARK(BM_SimpsonSqrtPath)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SimpsonOpenMP(benchmark::State& state) {
  const SimpsonPi kernel(1'000'000'000);
  ExecutionPlan plan;
  plan.model = Model::openmp;
  plan.threads = static_cast<int>(state.range(0));
  LocalTeam alone;
  for (auto _ : state) {
    benchmark::DoNotOptimize(run_once(kernel, plan, alone).total);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1'000'000'000);
  state.counters["threads"] = static_cast<double>(plan.threads);
}
BENCHMARK(BM_SimpsonOpenMP)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace parscale

BENCHMARK_MAIN();
