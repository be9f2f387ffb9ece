// Helpers for the property every kernel must have: the same bits under any decomposition.
#pragma once

#include <algorithm>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <vector>

#include "driver.hpp"
#include "kernel.hpp"
#include "plan.hpp"
#include "team.hpp"

namespace parscale::testing {

// The exact text of a kernel's result (%.17g for doubles, exact decimals for integers,
// plus any exact detail such as a hit count): equal text means equal bits.
template <Kernel K>
std::string result_text(const K& kernel, const typename K::Partial& total) {
  const Verdict verdict = kernel.verdict(kernel.finalize(total));
  return fmt::format("{} {}", verdict.value_text, verdict.detail);
}

template <Kernel K>
std::string serial_result(const K& kernel) {
  LocalTeam alone;
  ExecutionPlan plan;
  plan.model = Model::serial;
  return result_text(kernel, run_once(kernel, plan, alone).total);
}

inline std::vector<Schedule> all_schedules() {
  return {{ScheduleKind::static_block, 0}, {ScheduleKind::static_block, 3}, {ScheduleKind::cyclic, 0},
          {ScheduleKind::dynamic, 0},      {ScheduleKind::dynamic, 2},      {ScheduleKind::guided, 0}};
}

inline std::vector<Distribution> all_distributions() {
  return {Distribution::block, Distribution::cyclic, Distribution::dynamic};
}

inline std::string describe(const ExecutionPlan& plan) {
  return fmt::format("{} threads {} schedule {} distribution {}", to_string(plan.model), plan.threads,
                     to_string(plan.schedule), to_string(plan.distribution));
}

// One process: OpenMP with 1-3 threads under every schedule.
inline std::vector<ExecutionPlan> openmp_plans() {
  std::vector<ExecutionPlan> plans;
  for (int threads = 1; threads <= 3; ++threads) {
    for (const Schedule schedule : all_schedules()) {
      ExecutionPlan plan;
      plan.model = Model::openmp;
      plan.threads = threads;
      plan.schedule = schedule;
      plans.push_back(plan);
    }
  }
  return plans;
}

// A team of ranks: every distribution, 1 thread per rank (mpi) or 2-3 (hybrid), every schedule.
inline std::vector<ExecutionPlan> team_plans() {
  std::vector<ExecutionPlan> plans;
  for (const Distribution distribution : all_distributions()) {
    for (ExecutionPlan plan : openmp_plans()) {
      plan.model = plan.threads == 1 ? Model::mpi : Model::hybrid;
      plan.distribution = distribution;
      plans.push_back(plan);
    }
  }
  return plans;
}

// A team of ranks, one thread each, under every distribution.
inline std::vector<ExecutionPlan> mpi_plans() {
  std::vector<ExecutionPlan> plans;
  for (const Distribution distribution : all_distributions()) {
    ExecutionPlan plan;
    plan.model = Model::mpi;
    plan.distribution = distribution;
    plans.push_back(plan);
  }
  return plans;
}

// The property every kernel must have: every plan gives the serial driver's exact result,
// and every worker reports its statistics. Checked on rank 0 (the only one with the total).
template <Kernel K, class Team>
void expect_serial_bits_for_every_plan(const K& kernel, Team& team, const std::vector<ExecutionPlan>& plans) {
  const std::string expected = serial_result(kernel);
  for (const ExecutionPlan& plan : plans) {
    const auto run = run_once(kernel, plan, team);
    if (team.rank() == 0) {
      EXPECT_EQ(result_text(kernel, run.total), expected) << kernel.name() << ": " << describe(plan);
      const auto workers = static_cast<std::size_t>(team.size() * plan.threads);
      EXPECT_EQ(run.worker_summary.workers(), workers) << describe(plan);
      // Up to 16 workers every one is named; above, the slowest and fastest 8 each.
      EXPECT_EQ(run.workers.size(), std::min<std::size_t>(workers, 2 * WorkerSummary::kNamed)) << describe(plan);
    }
  }
}

template <Kernel K>
void expect_serial_bits_for_every_openmp_plan(const K& kernel) {
  LocalTeam alone;
  expect_serial_bits_for_every_plan(kernel, alone, openmp_plans());
}

}  // namespace parscale::testing
