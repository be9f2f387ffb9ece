// SIGINT and SIGTERM (Ctrl-C; what Slurm and mpirun send at a time limit): the program
// exits at once with 128 + signal, except inside a result-writing section, which runs to
// its end first. So a CSV row or JSON file is either written whole or not at all, and no
// temporary file is left behind.
#pragma once

namespace parscale {

// Installs the handlers (sigaction, SA_RESTART). Call after MPI_Init so they replace any
// the MPI library set for these two signals.
void install_termination_handlers();

// While one exists, SIGINT/SIGTERM are remembered instead of acted on; the destructor of
// the outermost one exits with 128 + signal if one arrived. Any thread may take the
// signal: the state is process-wide, not a thread's signal mask.
class DeferTermination {
 public:
  DeferTermination();
  ~DeferTermination();
  DeferTermination(const DeferTermination&) = delete;
  DeferTermination& operator=(const DeferTermination&) = delete;
};

}  // namespace parscale
