// The dynamic distribution's work queue: a point-to-point protocol served between blocks.
//
// Why not a one-sided counter: an MPI_Fetch_and_op on rank 0's counter completes only when
// rank 0 enters the MPI library unless the network has hardware atomics or the library runs
// an asynchronous progress thread. Over TCP across nodes neither holds, so rank 0 (busy
// computing) starved the other ranks (400 tasks against 0), and creating the window at all
// failed on some transports. This queue needs neither:
//
// - rank 0 owns the counter. Between its own blocks (the thread that called MPI_Init, i.e.
//   OpenMP thread 0 in hybrid runs, so MPI_THREAD_FUNNELED suffices) it answers pending
//   requests (MPI_Iprobe + receive + MPI_Isend of a 16-byte reply); it takes its own chunks
//   from the counter directly. When the counter is exhausted it keeps serving until every
//   other rank has been told "no more", so no message is left over after a run.
// - every other rank keeps one request in flight: when a chunk arrives it asks for the next
//   one before computing, so the round trip is hidden behind a chunk's work.
// - replies are contiguous block ranges folded into the fixed block tree, so results are
//   bit-identical to every other split. Requests and replies of consecutive runs use
//   different tags, since a rank may start the next run while rank 0 still serves this one.
// The queue talks on a communicator of its own, never mixing with collectives.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>

namespace parscale {

class MpiTeam;

// A contiguous range of blocks handed out by a work queue.
struct BlockChunk {
  std::uint64_t first = 0;
  std::uint64_t count = 0;
};

// How many blocks one grab takes. Fixed (`--distribution dynamic,CHUNK`): always `fixed`.
// Guided (the default): max(floor, remaining / divisor), so grabs shrink as the counter runs
// down. With divisor = k x ranks, the grabs number about k·P·(1 + ln(remaining / (k·P·floor)))
// instead of blocks / chunk: rank 0 serves O(P log) requests rather than a fixed multiple
// per worker of a small chunk, and the last grabs are still small enough to balance.
struct ChunkPolicy {
  std::uint64_t fixed = 0;    // blocks per grab; 0 = guided
  std::uint64_t floor = 1;    // guided: never fewer blocks than this (but the last grab may be short)
  std::uint64_t divisor = 1;  // guided: a grab takes remaining / divisor

  [[nodiscard]] std::uint64_t grab(std::uint64_t remaining) const {
    const std::uint64_t wanted =
        fixed != 0 ? fixed : std::max(floor, remaining / std::max<std::uint64_t>(divisor, 1));
    return std::min(std::max<std::uint64_t>(wanted, 1), remaining);
  }
};

class MpiWorkQueue {
 public:
  // Collective in spirit (every rank makes one per dynamic run) but does not synchronise.
  MpiWorkQueue(MpiTeam& team, std::uint64_t blocks, ChunkPolicy policy);
  ~MpiWorkQueue();
  MpiWorkQueue(const MpiWorkQueue&) = delete;
  MpiWorkQueue& operator=(const MpiWorkQueue&) = delete;

  // This rank's next chunk, or nothing when all blocks are handed out.
  std::optional<BlockChunk> next();
  // Rank 0: answers the requests that have arrived (cheap when none has). Others: nothing.
  void serve();
  // Rank 0: serves until every rank has been told "no more". Call once after next() ran dry.
  void finish();

  // How many requests rank 0 answered in this run (0 elsewhere): the cost model's input.
  [[nodiscard]] std::uint64_t requests_served() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The same interface for a team of one process.
class LocalWorkQueue {
 public:
  LocalWorkQueue(std::uint64_t blocks, ChunkPolicy policy) : blocks_(blocks), policy_(policy) {}
  std::optional<BlockChunk> next() {
    if (next_ >= blocks_) {
      return std::nullopt;
    }
    const std::uint64_t count = policy_.grab(blocks_ - next_);
    const BlockChunk grab{next_, count};
    next_ += count;
    return grab;
  }
  void serve() {}
  void finish() {}

 private:
  std::uint64_t blocks_;
  ChunkPolicy policy_;
  std::uint64_t next_ = 0;
};

}  // namespace parscale
