// --checkpoint FILE: a long run survives being stopped (Slurm's time limit, SIGTERM) and a
// later run of the same problem resumes from the blocks already computed.
//
// What is kept: the value of every completed block, i.e. the leaves (level 0) of the fixed
// block tree, keyed by block index. They depend on the problem only, never on the ranks,
// threads or split that computed them, so a run with another decomposition resumes from
// them and, combining in the same tree, gives the bits of an uninterrupted run.
// Where: each rank keeps its own file FILE.rank<R> (no MPI traffic while computing), written
// atomically (temporary file + rename) at most every kCheckpointSeconds by whichever thread
// finishes a block; every rank of a later run reads all FILE.rank* files. Tied to the
// problem: the first line holds a fingerprint of the program, kernel, problem parameters,
// work and block sizes and the partial result's size; files of another problem are refused.
// A finished run whose result files were written removes the checkpoint files.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agreement.hpp"
#include "kernel.hpp"
#include "signals.hpp"

namespace parscale {

inline constexpr double kCheckpointSeconds = 2.0;

// The first line of every checkpoint file of a problem with this fingerprint.
std::string checkpoint_header(std::uint64_t problem_fingerprint);

// Blocks whose value depends on the problem only (not on the worker) can be checkpointed.
template <class K>
concept CheckpointableKernel = requires(const K& kernel, std::uint64_t index) { kernel.compute(index, index); };

// The first line of the problem's checkpoint files: a fingerprint of the program and problem.
template <Kernel K>
std::string problem_checkpoint_header(const char* program, const K& kernel) {
  JobDescription problem;
  problem.add("the program", program);
  add_problem_facts(problem, kernel);
  return checkpoint_header(problem.fingerprint());
}

// The existing checkpoint files of `path` (path.rank0, path.rank1, ...).
std::vector<std::string> checkpoint_files(const std::string& path);

// Throws UsageError if an existing checkpoint file of `path` has another first line than
// `header` (another problem, or not a checkpoint).
void check_checkpoint_files(const std::string& path, const std::string& header);

// Every "block hex" entry of every checkpoint file of `path` (the first line skipped).
// Throws std::runtime_error on a malformed line.
std::map<std::uint64_t, std::string> read_checkpoint_entries(const std::string& path);

// Writes this rank's file atomically; `entries` as from read_checkpoint_entries.
void write_checkpoint_file(const std::string& path, int rank, const std::string& header,
                           const std::map<std::uint64_t, std::string>& entries);

// Removes every checkpoint file of `path`.
void remove_checkpoint_files(const std::string& path);

std::string to_hex(const void* bytes, std::size_t size);
bool from_hex(const std::string& text, void* bytes, std::size_t size);

// A kernel that answers blocks from the checkpoint and records the blocks it computes.
// The drivers see an ordinary kernel: no driver code knows about checkpoints.
template <Kernel K>
  requires CheckpointableKernel<K>
class CheckpointedKernel {
 public:
  using Partial = typename K::Partial;
  using Value = typename K::Value;
  using Workspace = WorkspaceFor<K>;
  static constexpr bool later_blocks_cost_more = LaterBlocksCostMore<K>;

  CheckpointedKernel(const K& kernel, std::string path, int rank, std::string header)
      : kernel_(kernel), state_(std::make_shared<State>()) {
    state_->path = std::move(path);
    state_->rank = rank;
    state_->header = std::move(header);
    const std::uint64_t blocks = block_count(kernel.work_size(), kernel.block_size());
    for (const auto& [block, hex] : read_checkpoint_entries(state_->path)) {
      Partial value{};
      if (block >= blocks || !from_hex(hex, &value, sizeof value)) {
        throw std::runtime_error("--checkpoint: '" + state_->path + "' holds a block this problem does not have");
      }
      state_->done.emplace(block, value);
    }
    state_->resumed = state_->done.size();
    state_->last_save = std::chrono::steady_clock::now();
  }

  [[nodiscard]] std::string name() const { return kernel_.name(); }
  [[nodiscard]] std::uint64_t work_size() const { return kernel_.work_size(); }
  [[nodiscard]] std::uint64_t block_size() const { return kernel_.block_size(); }
  [[nodiscard]] std::string work_unit() const { return kernel_.work_unit(); }
  static Partial identity() { return K::identity(); }
  static Partial combine(const Partial& a, const Partial& b) { return K::combine(a, b); }
  [[nodiscard]] Value finalize(const Partial& total) const { return kernel_.finalize(total); }
  [[nodiscard]] Verdict verdict(const Value& value) const { return kernel_.verdict(value); }
  void describe(nlohmann::json& parameters) const { kernel_.describe(parameters); }

  // The drivers ask for whole blocks; a block in the checkpoint costs a lookup.
  [[nodiscard]] Partial compute(std::uint64_t begin, std::uint64_t end, Workspace& workspace) const {
    const std::uint64_t block = begin / kernel_.block_size();
    {
      const std::lock_guard<std::mutex> lock(state_->mutex);
      if (const auto found = state_->done.find(block); found != state_->done.end()) {
        return found->second;
      }
    }
    const Partial value = [&] {
      if constexpr (requires { kernel_.compute(begin, end, workspace); }) {
        return kernel_.compute(begin, end, workspace);
      } else {
        return kernel_.compute(begin, end);
      }
    }();
    const std::lock_guard<std::mutex> lock(state_->mutex);
    state_->done.emplace(block, value);
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - state_->last_save).count() >= kCheckpointSeconds) {
      save(*state_);
      state_->last_save = now;
    }
    return value;
  }
  [[nodiscard]] Partial compute(std::uint64_t begin, std::uint64_t end) const {
    Workspace workspace;
    return compute(begin, end, workspace);
  }

  // Blocks this rank read from the checkpoint at the start.
  [[nodiscard]] std::uint64_t resumed_blocks() const { return state_->resumed; }

 private:
  struct State {
    std::mutex mutex;
    std::map<std::uint64_t, Partial> done;
    std::string path;
    int rank = 0;
    std::string header;
    std::uint64_t resumed = 0;
    std::chrono::steady_clock::time_point last_save;
  };

  static void save(const State& state) {
    const DeferTermination whole_file_only;  // SIGTERM waits until the rename is done
    std::map<std::uint64_t, std::string> entries;
    for (const auto& [block, value] : state.done) {
      entries.emplace(block, to_hex(&value, sizeof value));
    }
    write_checkpoint_file(state.path, state.rank, state.header, entries);
  }

  K kernel_;
  std::shared_ptr<State> state_;  // shared: the drivers copy kernels; the mutex cannot be copied
};

}  // namespace parscale
