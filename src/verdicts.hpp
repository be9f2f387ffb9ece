// The verdict a run reports: the kernel's check under the user's --verify and --tolerance,
// or UNVERIFIED (with the reason) when the check would cost more than the run.
#pragma once

#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "cli.hpp"
#include "kernel.hpp"

namespace parscale::detail {

// A check estimated below this is always made under --verify auto, whatever the run's length.
inline constexpr double kAlwaysAffordableCheckSeconds = 1.0;

// The result's value fields without a check (status UNVERIFIED).
template <Kernel K>
Verdict unchecked_verdict(const K& kernel, const typename K::Value& value) {
  if constexpr (requires { kernel.result(value); }) {
    return kernel.result(value);
  } else {
    Verdict verdict = kernel.verdict(value);  // cheap for kernels without result()
    verdict.status = VerdictStatus::unverified;
    verdict.reference_text.clear();
    verdict.error = 0.0;
    verdict.tolerance = 0.0;
    verdict.criterion = "not checked";
    return verdict;
  }
}

// The verdict under the user's --verify and --tolerance. `run_seconds`: the measurement's wall time.
template <Kernel K>
Verdict decide_verdict(const K& kernel, const typename K::Value& value, const CommonOptions& options,
                       double run_seconds) {
  if (options.verify == VerifyPolicy::never) {
    Verdict verdict = unchecked_verdict(kernel, value);
    verdict.reference_source = "none: not checked (--verify never)";
    return verdict;
  }
  if constexpr (requires { kernel.reference_seconds_estimate(); }) {
    const double cost = kernel.reference_seconds_estimate();
    if (options.verify == VerifyPolicy::automatic && cost > kAlwaysAffordableCheckSeconds && cost > run_seconds) {
      Verdict verdict = unchecked_verdict(kernel, value);
      verdict.reference_source = fmt::format(
          "none: the check would take ~{:.3g} s on one core, longer than the run's {:.3g} s (--verify always forces it)",
          cost, run_seconds);
      return verdict;
    }
  }
  Verdict verdict = kernel.verdict(value);
  if (options.tolerance && verdict.status != VerdictStatus::unverified) {
    verdict.tolerance = *options.tolerance;
    verdict.status = pass_if(verdict.error <= verdict.tolerance);
    verdict.criterion += fmt::format(" (tolerance {:g} set with --tolerance)", *options.tolerance);
  }
  return verdict;
}

}  // namespace parscale::detail
