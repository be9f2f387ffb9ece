// The kernel interface every parscale kernel satisfies.
//
// A kernel describes a fixed amount of work, indexed 0..work_size()-1, and cut into
// blocks of block_size() indices. Drivers decide which worker computes which blocks;
// the kernel only computes a partial result for a contiguous index range. Because the
// block size is a property of the problem (never of the decomposition) and drivers
// combine block partials in a fixed tree over block indices, results are bit-identical
// for any number of ranks and threads.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <type_traits>

#include <nlohmann/json_fwd.hpp>

namespace parscale {

// Who is computing: lets kernels with per-worker state (e.g. per-worker random
// streams) derive it without the driver knowing anything about the kernel.
struct WorkerId {
  int rank = 0;
  int ranks = 1;
  int thread = 0;
  int threads = 1;
  [[nodiscard]] std::uint64_t global() const {
    return static_cast<std::uint64_t>(rank) * static_cast<std::uint64_t>(threads) +
           static_cast<std::uint64_t>(thread);
  }
};

// How a finished result compares with a reference. Three outcomes: PASS (checked and
// within tolerance), FAIL (checked and not), UNVERIFIED (no reference could be used: the
// result is reported but never counted as valid).
enum class VerdictStatus { pass, fail, unverified };

struct Verdict {
  VerdictStatus status = VerdictStatus::fail;
  std::string value_text;        // the result, exact decimal or %.17g
  std::string reference_text;    // the exact / reference value ("" when unverified)
  std::string reference_source;  // where the reference came from, or "none: <reason>"
  std::string detail;            // optional: what else the summary should show (e.g. exact counts)
  double value = 0.0;            // the result as a double (for plots)
  double error = 0.0;            // |value - reference| (0 for exact integer matches)
  double tolerance = 0.0;        // the bound used to decide the status
  std::string criterion;         // one line on how the status was decided
  [[nodiscard]] bool passed() const { return status == VerdictStatus::pass; }
};

inline VerdictStatus pass_if(bool within_tolerance) {
  return within_tolerance ? VerdictStatus::pass : VerdictStatus::fail;
}

inline const char* to_string(VerdictStatus status) {
  switch (status) {
    case VerdictStatus::pass: return "PASS";
    case VerdictStatus::fail: return "FAIL";
    case VerdictStatus::unverified: return "UNVERIFIED";
  }
  return "?";
}

// Partial results travel between ranks as raw bytes, so they must be trivially copyable.
template <class P>
concept PartialResult = std::is_trivially_copyable_v<P> && std::is_default_constructible_v<P>;

// Optional: `using Workspace = ...;` (default-constructible) with compute(begin, end,
// Workspace&), besides the compute() the concept below asks for: memory a kernel reuses from
// one call to the next, never a result (the sieve's segment and lists). The drivers keep one
// per worker, so no two threads share one.
struct NoWorkspace {};
template <class K>
struct WorkspaceOf {
  using type = NoWorkspace;
};
template <class K>
  requires requires { typename K::Workspace; }
struct WorkspaceOf<K> {
  using type = typename K::Workspace;
};
template <class K>
using WorkspaceFor = typename WorkspaceOf<K>::type;

template <class K>
concept Kernel = requires(const K& kernel, std::uint64_t begin, std::uint64_t end,
                          const typename K::Partial& a, const typename K::Partial& b,
                          const typename K::Value& value, nlohmann::json& json) {
  requires PartialResult<typename K::Partial>;
  typename K::Value;
  { kernel.name() } -> std::convertible_to<std::string>;
  { kernel.work_size() } -> std::same_as<std::uint64_t>;   // number of work indices
  { kernel.block_size() } -> std::same_as<std::uint64_t>;  // indices per block, fixed per problem
  { kernel.work_unit() } -> std::convertible_to<std::string>;  // "points", "samples", "tasks"...
  { K::identity() } -> std::same_as<typename K::Partial>;
  { K::combine(a, b) } -> std::same_as<typename K::Partial>;
  { kernel.finalize(a) } -> std::same_as<typename K::Value>;
  { kernel.verdict(value) } -> std::same_as<Verdict>;
  { kernel.describe(json) };  // problem parameters for the record
  // compute over [begin, end): either compute(begin, end) or compute(begin, end, WorkerId)
  requires requires { { kernel.compute(begin, end) } -> std::same_as<typename K::Partial>; } ||
               requires(const WorkerId& worker) {
                 { kernel.compute(begin, end, worker) } -> std::same_as<typename K::Partial>;
               };
};

// Optional: `static constexpr bool later_blocks_cost_more = true;` says that a block's cost
// grows with its index (the sieve: more sieving primes apply further up). Contiguous shares
// would then leave the last worker the dearest blocks, so the programs deal the blocks out
// round robin (cyclic schedule and distribution) unless the user chose a split.
template <class K>
concept LaterBlocksCostMore = requires { requires K::later_blocks_cost_more; };

// Calls whichever compute() the kernel provides.
template <Kernel K>
typename K::Partial compute_range(const K& kernel, std::uint64_t begin, std::uint64_t end,
                                  const WorkerId& worker, WorkspaceFor<K>& workspace) {
  if constexpr (requires { kernel.compute(begin, end, workspace); }) {
    return kernel.compute(begin, end, workspace);
  } else if constexpr (requires { kernel.compute(begin, end, worker); }) {
    return kernel.compute(begin, end, worker);
  } else {
    return kernel.compute(begin, end);
  }
}

inline std::uint64_t block_count(std::uint64_t work_size, std::uint64_t block_size) {
  return work_size / block_size + (work_size % block_size != 0 ? 1 : 0);
}

}  // namespace parscale
