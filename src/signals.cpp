#include "signals.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace parscale {

namespace {

// A signal handler can reach only static storage, hence these two file-local atomics
// (lock-free, so async-signal-safe). Order matters: the handler stores the signal before
// it looks at the depth, and leaving a section lowers the depth before it looks at the
// signal, so at least one of them sees the other and the exit is never lost.
std::atomic<int> pending_signal{0};
std::atomic<int> deferral_depth{0};
static_assert(std::atomic<int>::is_always_lock_free);

[[noreturn]] void exit_for(int signal_number) { ::_exit(128 + signal_number); }

extern "C" void on_termination_signal(int signal_number) {
  int expected = 0;
  pending_signal.compare_exchange_strong(expected, signal_number);
  if (deferral_depth.load() == 0) {
    exit_for(pending_signal.load());
  }
}

}  // namespace

void install_termination_handlers() {
  struct sigaction action {};
  action.sa_handler = on_termination_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (const int signal_number : {SIGINT, SIGTERM}) {
    ::sigaction(signal_number, &action, nullptr);
  }
}

DeferTermination::DeferTermination() { deferral_depth.fetch_add(1); }

DeferTermination::~DeferTermination() {
  if (deferral_depth.fetch_sub(1) == 1 && pending_signal.load() != 0) {
    exit_for(pending_signal.load());
  }
}

}  // namespace parscale
