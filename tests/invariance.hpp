// Helpers for the property every kernel must have: the same bits under any decomposition.
#pragma once

#include <string>

#include <fmt/format.h>
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

}  // namespace parscale::testing
