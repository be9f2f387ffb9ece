// Private to the MPI team's sources: the communicators the team uses besides
// MPI_COMM_WORLD (collectives). Duplicates, so point-to-point traffic never matches a
// message of another purpose.
#pragma once

#include <mpi.h>

namespace parscale {

struct MpiChannels {
  // The dynamic distribution's two-level work queue (work_queue.hpp): this rank's group
  // (its leader is rank 0 there) and the group leaders (world rank 0 is rank 0 there; null on
  // members). Made and freed by the two functions below.
  MPI_Comm queue_group = MPI_COMM_NULL;
  MPI_Comm queue_leaders = MPI_COMM_NULL;
  MPI_Comm reduction = MPI_COMM_NULL;   // partial trees and statistics travelling up the rank tree
  // Made at the first reduce_by_node: the ranks of this rank's node, and (on each node's
  // lowest rank only) the nodes' lowest ranks.
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm node_leaders = MPI_COMM_NULL;
};

// work_queue.cpp: collective over MPI_COMM_WORLD, once at start-up and once at the end.
void open_work_queue_channels(MpiChannels& channels);
void close_work_queue_channels(MpiChannels& channels);

}  // namespace parscale
