// main() for GoogleTest programs that run under mpirun: every rank runs every test (the
// drivers' collectives need all ranks); rank 0 checks and prints; the exit code is the
// worst of all ranks'.
#include <gtest/gtest.h>

#include "mpi_world.hpp"

namespace parscale::testing {
MpiTeam& world() { return *world_holder(); }
MpiTeam*& world_holder() {
  static MpiTeam* team = nullptr;
  return team;
}
}  // namespace parscale::testing

int main(int argc, char** argv) {
  parscale::MpiTeam team(argc, argv);
  parscale::testing::world_holder() = &team;
  ::testing::InitGoogleTest(&argc, argv);
  if (team.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int mine = RUN_ALL_TESTS();
  const int worst = -team.min(-mine);
  return worst;
}
