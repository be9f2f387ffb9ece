// How a run is split: the programming model and its scheduling knobs.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace parscale {

enum class Model { automatic, serial, openmp, mpi, hybrid };

// OpenMP loop schedules over blocks. `cyclic` is static with chunk 1 (round robin).
enum class ScheduleKind { static_block, cyclic, dynamic, guided };

// How MPI ranks share blocks: contiguous, round-robin, or a shared work counter.
enum class Distribution { block, cyclic, dynamic };

struct Schedule {
  ScheduleKind kind = ScheduleKind::static_block;
  std::uint64_t chunk = 0;  // 0 = the OpenMP default for the kind
};

struct ExecutionPlan {
  Model model = Model::automatic;
  int threads = 1;  // OpenMP threads per rank
  Schedule schedule;
  Distribution distribution = Distribution::block;
  std::uint64_t dynamic_chunk = 0;  // blocks per grab for Distribution::dynamic; 0 = automatic
  std::atomic<std::uint64_t>* blocks_done = nullptr;  // bumped per block when progress is shown (rank 0)
  bool worker_detail = false;       // gather every worker's statistics (O(workers) at rank 0)
};

inline const char* to_string(Model model) {
  switch (model) {
    case Model::automatic: return "auto";
    case Model::serial: return "serial";
    case Model::openmp: return "openmp";
    case Model::mpi: return "mpi";
    case Model::hybrid: return "hybrid";
  }
  return "?";
}

inline const char* to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::static_block: return "static";
    case ScheduleKind::cyclic: return "cyclic";
    case ScheduleKind::dynamic: return "dynamic";
    case ScheduleKind::guided: return "guided";
  }
  return "?";
}

inline const char* to_string(Distribution distribution) {
  switch (distribution) {
    case Distribution::block: return "block";
    case Distribution::cyclic: return "cyclic";
    case Distribution::dynamic: return "dynamic";
  }
  return "?";
}

inline std::string to_string(const Schedule& schedule) {
  std::string text = to_string(schedule.kind);
  if (schedule.chunk != 0) {
    text += ',';
    text += std::to_string(schedule.chunk);
  }
  return text;
}

inline bool uses_threads(Model model) { return model == Model::openmp || model == Model::hybrid; }
inline bool uses_mpi(Model model) { return model == Model::mpi || model == Model::hybrid; }

}  // namespace parscale
