// The segmented sieve against libprimesieve, in the same run: the exact sum of the primes
// below 1e10 by this sieve's serial driver and by libprimesieve's iterator (next_prime loop,
// summed in unsigned __int128); and, paired repetition by repetition, this sieve's sum
// (OpenMP, 1 and 2 threads) against libprimesieve's count_primes (same thread count) below
// 1e10 and 1e11 and on windows of 1e10 numbers at 1e12 and just below 1e15 (issue 16's table;
// docs/sieve.md gives the command). items_per_second = numbers sieved per second. Every case
// checks its own result.
#include <algorithm>
#include <chrono>
#include <vector>

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

// This sieve's exact sum against libprimesieve's count_primes on the same range [from, below),
// with the same thread count (libprimesieve's set explicitly), in interleaved repetitions: each
// repetition times both, alternating which goes first, so a change in the shared host's speed
// hits both alike. Each timed call starts from nothing: the sieve's kernel (its base primes and
// patterns) is built inside the timed region, as count_primes builds its own. Counters: the
// medians (seconds) and the median of the per-repetition ratios sieve / count_primes, with its
// smallest and largest value. Arguments: from, below, threads.
constexpr int kPairedRepetitions = 3;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

void BM_SieveVsPrimesieveCount(benchmark::State& state) {
  const auto from = static_cast<std::uint64_t>(state.range(0));
  const auto below = static_cast<std::uint64_t>(state.range(1));
  const int threads = static_cast<int>(state.range(2));
  ExecutionPlan plan;
  plan.model = Model::openmp;
  plan.threads = threads;
  plan.schedule = Schedule{ScheduleKind::cyclic, 0};  // the program's default for the sieve
  primesieve::set_num_threads(threads);
  LocalTeam alone;
  std::vector<double> sieve_seconds;
  std::vector<double> primesieve_seconds;
  std::vector<double> ratios;
  PrimeTotals totals;
  std::uint64_t primesieve_count = 0;
  auto time_sieve = [&] {
    const auto begin = std::chrono::steady_clock::now();
    const PrimeSieveSum kernel(below, PrimeSieveSum::automatic_segment_bytes, 0, from);
    totals = run_once(kernel, plan, alone).total;
    benchmark::DoNotOptimize(totals);
    sieve_seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
  };
  auto time_primesieve = [&] {
    const auto begin = std::chrono::steady_clock::now();
    primesieve_count = primesieve::count_primes(from, below - 1);
    benchmark::DoNotOptimize(primesieve_count);
    primesieve_seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
  };
  for (auto _ : state) {
    for (int repetition = 0; repetition < kPairedRepetitions; ++repetition) {
      if (repetition % 2 == 0) {
        time_sieve();
        time_primesieve();
      } else {
        time_primesieve();
        time_sieve();
      }
      ratios.push_back(sieve_seconds.back() / primesieve_seconds.back());
      if (totals.count != primesieve_count) {
        state.SkipWithError("the sieve's count differs from libprimesieve's");
      }
    }
    state.SetIterationTime(median(sieve_seconds));
  }
  if (from == 0) {
    expect_known(state, below, totals, true);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * (below - from)));
  state.counters["threads"] = threads;
  state.counters["sieve_s"] = median(sieve_seconds);
  state.counters["primesieve_s"] = median(primesieve_seconds);
  state.counters["ratio"] = median(ratios);
  state.counters["ratio_min"] = *std::min_element(ratios.begin(), ratios.end());
  state.counters["ratio_max"] = *std::max_element(ratios.begin(), ratios.end());
}
// Below 1e10 and 1e11, a window of 1e10 numbers at 1e12, and one just below 1e15.
BENCHMARK(BM_SieveVsPrimesieveCount)
    ->ArgNames({"from", "below", "threads"})
    ->ArgsProduct({{0}, {10'000'000'000, 100'000'000'000}, {1, 2}})
    ->ArgsProduct({{1'000'000'000'000}, {1'010'000'000'000}, {1, 2}})
    ->ArgsProduct({{999'990'000'000'000}, {1'000'000'000'000'000}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(1);

// One core's time for the sieve's blocks of [from, below) with a given segment (bytes), the
// kernel and the workspace built inside the timed region: the comparison behind
// PrimeSieveSum::segment_bytes_for (the program has no segment option). Run with
// --benchmark_enable_random_interleaving=true and repetitions so the segment sizes alternate
// on a shared host. Arguments: from, below, segment bytes.
void BM_SieveSegmentBytes(benchmark::State& state) {
  const auto from = static_cast<std::uint64_t>(state.range(0));
  const auto below = static_cast<std::uint64_t>(state.range(1));
  const auto segment_bytes = static_cast<std::uint64_t>(state.range(2));
  PrimeTotals totals;
  for (auto _ : state) {
    const PrimeSieveSum kernel(below, segment_bytes, 0, from);
    PrimeSieveSum::Workspace workspace;  // as a driver's worker keeps it, from block to block
    totals = PrimeSieveSum::identity();
    for (std::uint64_t first = 0; first < kernel.work_size(); first += kernel.block_size()) {
      totals = PrimeSieveSum::combine(totals, kernel.compute(first, first + kernel.block_size(), workspace));
    }
    benchmark::DoNotOptimize(totals);
  }
  if (from == 0) {
    expect_known(state, below, totals, true);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * (below - from)));
}
BENCHMARK(BM_SieveSegmentBytes)
    ->ArgNames({"from", "below", "segment_bytes"})
    ->ArgsProduct({{0}, {10'000'000'000}, {256 * 1024, 512 * 1024, 1024 * 1024}})
    ->ArgsProduct({{1'000'000'000'000}, {1'010'000'000'000}, {256 * 1024, 512 * 1024, 1024 * 1024}})
    ->ArgsProduct({{999'990'000'000'000}, {1'000'000'000'000'000}, {256 * 1024, 512 * 1024, 1024 * 1024}})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()  // the time column: this process's CPU seconds, less hit by a shared host
    ->Iterations(1);

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
  const Verdict verdict = prime_totals_verdict(totals, 0, below, std::nullopt);
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
