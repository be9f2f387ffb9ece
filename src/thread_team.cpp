#include "thread_team.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include <omp.h>

#include "cli.hpp"

namespace parscale {

namespace {

// An exit handler reaches only static storage: the thread count being created (0 when no
// creation is under way) and the program's name. libgomp's failure path is exit(1), which
// runs this handler, so a failure while creating turns into exit 3 with a clear line.
std::atomic<int> threads_being_created{0};
std::atomic<const char*> program_creating{nullptr};

extern "C" void on_exit_while_creating_threads() {
  const int threads = threads_being_created.load();
  if (threads != 0) {
    std::fprintf(stderr,
                 "%s: error: the OpenMP runtime could not create %d threads (see its line above); use fewer "
                 "--threads, a smaller OMP_STACKSIZE, or a higher process limit\n",
                 program_creating.load(), threads);
    std::fflush(stderr);
    ::_exit(kExitRuntime);
  }
}

}  // namespace

int create_thread_team(int threads, const char* program) {
  static const bool registered = std::atexit(on_exit_while_creating_threads) == 0;
  static_cast<void>(registered);
  program_creating.store(program);
  threads_being_created.store(threads);
  int created = 0;
#pragma omp parallel num_threads(threads)
  {
#pragma omp single
    created = omp_get_num_threads();
  }
  threads_being_created.store(0);
  return created;
}

}  // namespace parscale
