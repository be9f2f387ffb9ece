// The MPI job as a team: the only place (with mpi_team.cpp) that calls MPI.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace parscale {

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
  // Concatenation of every rank's bytes, in rank order, on rank 0 (empty elsewhere).
  std::vector<char> gather_bytes(const std::vector<char>& mine);
  // Every rank's bytes, one entry per rank, on rank 0 (empty elsewhere).
  std::vector<std::vector<char>> gather_parts(const std::vector<char>& mine);
  void broadcast_bytes(std::vector<char>& bytes);  // from rank 0
  // The shared work counter for dynamic distribution (one-sided, lives on rank 0).
  void reset_counter();
  std::uint64_t fetch_add(std::uint64_t amount);

  // Ends the whole job: used when one rank fails, so no rank hangs in a collective.
  [[noreturn]] void abort(int exit_code);

  [[nodiscard]] static std::string library_version();
  [[nodiscard]] static std::string standard_version();

 private:
  struct Window;
  int rank_ = 0;
  int size_ = 1;
  int provided_ = 0;
  std::unique_ptr<Window> counter_;
};

}  // namespace parscale
