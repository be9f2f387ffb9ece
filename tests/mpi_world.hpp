// The MPI job of a test program started by mpi_main.cpp.
#pragma once

#include "mpi_team.hpp"

namespace parscale::testing {
MpiTeam& world();
MpiTeam*& world_holder();
}  // namespace parscale::testing
