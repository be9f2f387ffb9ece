// With pmpi_counter.cpp, a library preloaded into the real programs (LD_PRELOAD, see
// rank0_traffic.py): at MPI_Finalize, rank 0 writes what it received during the whole run to
// the file named by PARSCALE_PMPI_REPORT, as one JSON object. Counted outside the programs'
// code, so whatever path a message takes (reduction, placement, queue), it shows.
#include <mpi.h>

#include <cstdio>
#include <cstdlib>

#include "pmpi_counter.hpp"

extern "C" int MPI_Finalize() {
  int rank = 0;
  PMPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const char* path = std::getenv("PARSCALE_PMPI_REPORT");
  if (rank == 0 && path != nullptr && *path != '\0') {
    const parscale::testing::ReceiveCounts& counts = parscale::testing::receive_counts();
    if (std::FILE* file = std::fopen(path, "w"); file != nullptr) {
      std::fprintf(file, "{\"messages\": %llu, \"bytes\": %llu, \"largest\": %llu, \"gathers\": %llu}\n",
                   static_cast<unsigned long long>(counts.messages), static_cast<unsigned long long>(counts.bytes),
                   static_cast<unsigned long long>(counts.largest), static_cast<unsigned long long>(counts.gathers));
      std::fclose(file);
    }
  }
  return PMPI_Finalize();
}
