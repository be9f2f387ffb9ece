// Private to the MPI team's sources: the communicators the team uses besides
// MPI_COMM_WORLD (collectives). Duplicates, so point-to-point traffic never matches a
// message of another purpose.
#pragma once

#include <mpi.h>

namespace parscale {

struct MpiChannels {
  MPI_Comm work_queue = MPI_COMM_NULL;  // the dynamic distribution's requests and replies
  MPI_Comm reduction = MPI_COMM_NULL;   // partial trees and statistics travelling up the rank tree
  // Made at the first reduce_by_node: the ranks of this rank's node, and (on each node's
  // lowest rank only) the nodes' lowest ranks.
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm node_leaders = MPI_COMM_NULL;
};

}  // namespace parscale
