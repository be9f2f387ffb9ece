// The segmented sieve against libprimesieve, in the same run: the exact sum of the primes
// below N (default 1e10) by this sieve (serial driver, and OpenMP with 1 and 2 threads), by
// libprimesieve's iterator (next_prime loop, summed in unsigned __int128), and
// libprimesieve's count_primes for reference (counting only, 1 and 2 threads).
// items_per_second = numbers sieved per second. Every case checks its own result.
#include <benchmark/benchmark.h>

#include <primesieve.hpp>

#include "driver.hpp"
#include "primes_oracle.hpp"
#include "primes_sieve.hpp"
#include "primes_trial.hpp"
#include "team.hpp"

namespace parscale {
namespace {

constexpr std::int64_t kBelow = 10'000'000'000;

void expect_known(benchmark::State& state, std::uint64_t below, const PrimeTotals& totals, bool sum_known) {
  for (const auto& known : known_prime_totals()) {
    if (known.limit == below && (totals.count != known.count || (sum_known && to_decimal(totals.sum) != known.sum))) {
      state.SkipWithError("wrong result");
    }
  }
}

// Times this sieve's sum below `below` through the drivers with `plan`, checking the result.
void time_sieve(benchmark::State& state, std::uint64_t below, const ExecutionPlan& plan) {
  const PrimeSieveSum kernel(below);
  LocalTeam alone;
  PrimeTotals totals;
  for (auto _ : state) {
    totals = run_once(kernel, plan, alone).total;
    benchmark::DoNotOptimize(totals);
  }
  expect_known(state, below, totals, true);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * below));
}

void BM_SieveSerial(benchmark::State& state) {
  ExecutionPlan plan;
  plan.model = Model::serial;
  time_sieve(state, static_cast<std::uint64_t>(state.range(0)), plan);
}
BENCHMARK(BM_SieveSerial)->Arg(kBelow)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

void BM_SieveOpenMP(benchmark::State& state) {
  ExecutionPlan plan;
  plan.model = Model::openmp;
  plan.threads = static_cast<int>(state.range(0));
  plan.schedule = Schedule{ScheduleKind::dynamic, 0};
  time_sieve(state, static_cast<std::uint64_t>(kBelow), plan);
  state.counters["threads"] = static_cast<double>(plan.threads);
}
BENCHMARK(BM_SieveOpenMP)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

void BM_PrimesieveIteratorSum(benchmark::State& state) {
  const auto below = static_cast<std::uint64_t>(state.range(0));
  PrimeTotals totals;
  for (auto _ : state) {
    totals = {};
    primesieve::iterator it;
    for (std::uint64_t prime = it.next_prime(); prime < below; prime = it.next_prime()) {
      totals.sum += prime;
      ++totals.count;
    }
    benchmark::DoNotOptimize(totals);
  }
  expect_known(state, below, totals, true);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_PrimesieveIteratorSum)->Arg(kBelow)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

void BM_PrimesieveCount(benchmark::State& state) {
  primesieve::set_num_threads(static_cast<int>(state.range(0)));
  PrimeTotals totals;
  for (auto _ : state) {
    totals.count = primesieve::count_primes(0, static_cast<std::uint64_t>(kBelow) - 1);
    benchmark::DoNotOptimize(totals);
  }
  expect_known(state, kBelow, totals, false);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kBelow);
  state.counters["threads"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_PrimesieveCount)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// The trial workload's serial cost at the program's defaults.
// The oracle (one core): the time that decides whether a check costs more than the run it
// checks (docs/verification.md). Three repetitions: read the medians; the result is checked
// against the published table.
void BM_Oracle(benchmark::State& state) {
  const auto below = static_cast<std::uint64_t>(state.range(0));
  PrimeTotals totals;
  for (auto _ : state) {
    totals = lucy_prime_totals(below);
    benchmark::DoNotOptimize(totals);
  }
  const Verdict verdict = prime_totals_verdict(totals, below, std::nullopt);
  if (!verdict.passed()) {
    state.SkipWithError("the oracle disagrees with the published table");
  }
  state.counters["estimate_s"] = lucy_seconds_estimate(below);
}
BENCHMARK(BM_Oracle)->Arg(100'000'000'000)->Arg(1'000'000'000'000)->Arg(10'000'000'000'000)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(3);

void BM_TrialDefault(benchmark::State& state) {
  const PrimeSumsTrial kernel(200'000, 500);
  for (auto _ : state) {
    benchmark::DoNotOptimize(kernel.compute(0, kernel.work_size()));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kernel.work_size()));
}
BENCHMARK(BM_TrialDefault)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace
}  // namespace parscale

BENCHMARK_MAIN();
