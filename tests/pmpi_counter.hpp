// Counts what this process receives, through the MPI profiling interface (PMPI): the test
// program defines MPI_Recv and friends, which count and call the library's PMPI_ versions.
// Independent of the code under test: whatever path a message takes, it is counted here.
#pragma once

#include <cstdint>

namespace parscale::testing {

struct ReceiveCounts {
  std::uint64_t messages = 0;  // point-to-point receives posted or completed
  std::uint64_t bytes = 0;     // their payload (posted size for nonblocking receives)
  std::uint64_t largest = 0;   // the largest single message's bytes
  std::uint64_t gathers = 0;   // MPI_(All)Gather(v) calls (O(P) at the root, or everywhere)
};

ReceiveCounts& receive_counts();

}  // namespace parscale::testing
