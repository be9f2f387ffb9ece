// The MPI job as a team: the only place (with mpi_team.cpp) that calls MPI.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "work_queue.hpp"

namespace parscale {

struct MpiChannels;

// Owns MPI_Init_thread/MPI_Finalize for the process. Construct exactly once, first thing
// in main(). Asks for MPI_THREAD_FUNNELED: only the thread that called init makes MPI
// calls, OpenMP threads never do.
class MpiTeam {
 public:
  MpiTeam(int& argc, char**& argv);
  ~MpiTeam();
  MpiTeam(const MpiTeam&) = delete;
  MpiTeam& operator=(const MpiTeam&) = delete;

  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  [[nodiscard]] bool funneled() const;  // the library granted at least FUNNELED
  [[nodiscard]] std::string thread_level() const;

  void barrier();
  // A barrier that sleeps while it waits, so waiting ranks do not steal the CPU from a
  // rank that is measuring (the serial baseline runs on rank 0 while the others wait).
  void idle_barrier();
  double max(double value);
  int min(int value);
  // Every rank's bytes, one entry per rank, on rank 0 (empty elsewhere). O(P) at rank 0 and
  // int counts: for small per-rank records only (placements), never for partials.
  std::vector<std::vector<char>> gather_parts(const std::vector<char>& mine);
  void broadcast_bytes(std::vector<char>& bytes);  // from rank 0
  // Point-to-point on the reduction's own communicator. Any size: one message up to 1 GiB,
  // more pieces beyond (no int count overflows).
  void send_bytes(int destination, const std::vector<char>& bytes);
  std::vector<char> receive_bytes(int source);
  // Collective. Sends each (destination, bytes) and returns the messages sent to this rank,
  // in arrival order. Only ranks that have something to say talk: a non-blocking barrier
  // ends the exchange once every synchronous send has been matched (the NBX pattern), so a
  // rank receives as many messages as ranks send to it, never one per rank.
  std::vector<std::vector<char>> exchange_sparse(const std::vector<std::pair<int, std::vector<char>>>& outgoing);

  // What reduce_by_node does with the parts: merge(into, later) folds the part of higher
  // ranks into that of lower ones (so parts combine in rank order); close_node runs on a
  // node's lowest rank once every rank of the node is in its part.
  struct ByNodeSteps {
    std::function<void(std::vector<char>& into, const std::vector<char>& later)> merge;
    std::function<void(std::vector<char>& node)> close_node;
  };
  // Collective. One part per rank, combined along a binomial tree over the ranks of each node
  // (ranks that passed the same node_name), then along one over the nodes' lowest ranks to
  // rank 0, which receives ceil(log2(its node's ranks)) + ceil(log2(nodes)) messages and
  // returns the result (others return empty). For per-node facts without an O(P) gather.
  std::vector<char> reduce_by_node(const std::string& node_name, std::vector<char> mine, const ByNodeSteps& steps);
  // The dynamic distribution's work queue for one run (work_queue.hpp): every rank makes
  // one, rank 0 serves it between its blocks.
  MpiWorkQueue work_queue(std::uint64_t blocks, ChunkPolicy policy) { return {*this, blocks, policy}; }

  // Ends the whole job: used when one rank fails, so no rank hangs in a collective.
  [[noreturn]] void abort(int exit_code);

  [[nodiscard]] static std::string library_version();
  [[nodiscard]] static std::string standard_version();

 private:
  friend class MpiWorkQueue;
  int rank_ = 0;
  int size_ = 1;
  int provided_ = 0;
  std::unique_ptr<MpiChannels> channels_;
  std::uint64_t work_queue_runs_ = 0;  // alternates the queue's tags between runs
};

}  // namespace parscale
