// A "team" is the set of processes that share one run: the whole MPI job, or just this
// process. Drivers talk to their team through this small interface, so the generic
// driver code below holds no MPI calls and the same code serves every model.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "work_queue.hpp"

namespace parscale {

// The team of one process (serial and OpenMP models).
class LocalTeam {
 public:
  [[nodiscard]] int rank() const { return 0; }
  [[nodiscard]] int size() const { return 1; }
  void barrier() {}
  void idle_barrier() {}
  double max(double value) { return value; }
  int min(int value) { return value; }
  std::vector<std::vector<char>> gather_parts(const std::vector<char>& mine) { return {mine}; }
  void broadcast_bytes(std::vector<char>& /*bytes*/) {}
  // A team of one never sends: the rank reduction returns before its first round.
  void send_bytes(int /*destination*/, const std::vector<char>& /*bytes*/) {
    throw std::logic_error("a team of one process has no other rank to send to");
  }
  std::vector<char> receive_bytes(int /*source*/) {
    throw std::logic_error("a team of one process has no other rank to receive from");
  }
  std::vector<std::vector<char>> exchange_sparse(const std::vector<std::pair<int, std::vector<char>>>& outgoing) {
    if (!outgoing.empty()) {
      throw std::logic_error("a team of one process has no other rank to send to");
    }
    return {};
  }
  LocalWorkQueue work_queue(std::uint64_t blocks, ChunkPolicy policy) { return {blocks, policy}; }
};

}  // namespace parscale
