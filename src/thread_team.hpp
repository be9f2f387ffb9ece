// What the OpenMP runtime really gives: thread creation checked before the run.
#pragma once

namespace parscale {

// Runs one empty parallel region of `threads` threads, as the executor's will be, so the
// runtime creates its thread pool before any work. If it cannot (libgomp then prints
// "Thread creation failed" and exits with 1, the validation-failure code), the program
// instead ends with kExitRuntime and one line naming `program` and the thread count.
// Returns the team size the runtime gave.
int create_thread_team(int threads, const char* program);

}  // namespace parscale
