// The MPI job as a team: the only place (with mpi_team.cpp) that calls MPI.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
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
