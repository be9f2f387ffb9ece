// Private to the MPI team's sources: the communicators the team uses besides
// MPI_COMM_WORLD (collectives). Duplicates, so point-to-point traffic never matches a
// message of another purpose.
#pragma once

#include <mpi.h>

namespace parscale {

struct MpiChannels {
  MPI_Comm work_queue = MPI_COMM_NULL;  // the dynamic distribution's requests and replies
  MPI_Comm reduction = MPI_COMM_NULL;   // partial trees and statistics travelling up the rank tree
};

}  // namespace parscale
