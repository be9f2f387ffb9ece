// The dynamic distribution's work queue: a two-level point-to-point protocol served between
// blocks.
//
// Why not a one-sided counter: an MPI_Fetch_and_op on rank 0's counter completes only when
// rank 0 enters the MPI library unless the network has hardware atomics or the library runs
// an asynchronous progress thread. Over TCP across nodes neither holds, so rank 0 (busy
// computing) starved the other ranks (400 tasks against 0), and creating the window at all
// failed on some transports. This queue needs neither.
//
// Why two levels: with one counter on rank 0, rank 0 answered every rank's every grab, about
// 10 requests per rank per run, O(P) (some 40 700 per run at 4096 ranks). Now:
// - ranks form groups of at most kQueueGroupSize consecutive ranks of one shared-memory domain
//   (a node); each group's lowest rank is its leader. Rank 0 owns the counter, leads group 0
//   and serves the other leaders;
// - a leader draws a share of blocks from rank 0 (about one grab per member of its group,
//   guided: shares shrink as the counter runs down), keeps one refill request in flight, and
//   serves its members from its share exactly as rank 0 serves its own group from the counter;
// - serving happens between the server's own blocks (MPI_Iprobe + receive + MPI_Isend of a
//   24-byte reply) on the thread that called MPI_Init (OpenMP thread 0 in hybrid runs, so
//   MPI_THREAD_FUNNELED suffices); no asynchronous progress is needed;
// - every client (a member, or a leader towards rank 0) keeps one request in flight: when a
//   chunk arrives it asks for the next before computing, so the round trip hides behind work.
// So rank 0 answers about k(1 + ln 32) + 1 requests per leader and per member of its own
// group, and a leader as many per member of its group: O(G + P/G) instead of O(P).
// Termination: a leader tells a member "no more" only after rank 0 told the leader so and its
// share is empty; rank 0's finish() serves until every leader and every member of group 0 has
// been told, each leader's finish() until every member of its group has, so no message is
// left over after a run. Requests and replies of consecutive runs use different tags, since a
// rank may start the next run while its server still serves this one. Replies are contiguous
// block ranges folded into the fixed block tree, so results are bit-identical to every other
// split. The queue talks on communicators of its own, never mixing with collectives.
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

// The most ranks in one group of the two-level queue: a leader serves at most this many
// members, and rank 0 serves one leader per group. 16 keeps both levels near sqrt(P) up to
// 256 ranks and a leader's serving time small against its own blocks; a 64-rank test on one
// host has 4 groups, and P <= 16 on one host is a single group (rank 0 serves everyone, as the
// one-level queue did).
inline constexpr int kQueueGroupSize = 16;

// How many blocks one grab takes. Fixed (`--distribution dynamic,CHUNK`): always `fixed`.
// Guided (the default): max(floor, remaining / divisor), so grabs shrink as the counter runs
// down. With divisor = k x ranks, the grabs number about k·P·(1 + ln(remaining / (k·P·floor)))
// in all instead of blocks / chunk, and the last grabs are still small enough to balance.
// A leader's share for a group of g ranks is g grabs' worth (share()), so every member takes
// about one grab per share and the shares number about k·(P/g)·(1 + ln(...)).
struct ChunkPolicy {
  std::uint64_t fixed = 0;    // blocks per grab; 0 = guided
  std::uint64_t floor = 1;    // guided: never fewer blocks than this (but the last grab may be short)
  std::uint64_t divisor = 1;  // guided grabs and every share: remaining / divisor per worker rank

  [[nodiscard]] std::uint64_t grab(std::uint64_t remaining) const {
    const std::uint64_t wanted =
        fixed != 0 ? fixed : std::max(floor, remaining / std::max<std::uint64_t>(divisor, 1));
    return std::min(std::max<std::uint64_t>(wanted, 1), remaining);
  }

  // A share for a leader whose group has `group` ranks: (remaining / divisor) x group, never
  // less than group x the smallest grab; with a fixed chunk a multiple of it, so members' grabs
  // are never cut by a share's end. No intermediate exceeds `remaining`.
  [[nodiscard]] std::uint64_t share(std::uint64_t remaining, std::uint64_t group) const {
    group = std::max<std::uint64_t>(group, 1);
    const std::uint64_t unit = std::max<std::uint64_t>(fixed != 0 ? fixed : floor, 1);
    const std::uint64_t smallest = unit > remaining / group ? remaining : unit * group;
    std::uint64_t wanted = std::max(smallest, remaining / std::max<std::uint64_t>(divisor, 1) * group);
    if (fixed != 0 && wanted > fixed) {
      wanted -= wanted % fixed;
    }
    return std::min(std::max<std::uint64_t>(wanted, 1), remaining);
  }
};

// Blocks [first, end) not handed out yet: rank 0's counter (all blocks) or a leader's share.
class BlockRange {
 public:
  BlockRange() = default;
  BlockRange(std::uint64_t first, std::uint64_t count) : next_(first), end_(first + count) {}
  [[nodiscard]] std::uint64_t remaining() const { return end_ - next_; }
  // The next `count` blocks, or as many as are left.
  BlockChunk take(std::uint64_t count) {
    const BlockChunk chunk{next_, std::min(count, remaining())};
    next_ += chunk.count;
    return chunk;
  }

 private:
  std::uint64_t next_ = 0;
  std::uint64_t end_ = 0;
};

// What a group's server hands its members: rank 0 the counter itself, a leader its share.
// A member's grab is sized from every block the server knows is left (its share and what
// rank 0 said it had left when the share came), so grabs are the one-level queue's guided
// grabs whichever group a rank is in, and only the share's end can cut one short.
class GroupSource {
 public:
  explicit GroupSource(BlockRange blocks = {}, std::uint64_t left_elsewhere = 0)
      : blocks_(blocks), left_elsewhere_(left_elsewhere) {}
  [[nodiscard]] bool empty() const { return blocks_.remaining() == 0; }
  BlockChunk take(const ChunkPolicy& policy) {
    return blocks_.take(policy.grab(blocks_.remaining() + left_elsewhere_));
  }

 private:
  BlockRange blocks_;
  std::uint64_t left_elsewhere_ = 0;
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
  // Rank 0 and leaders: answers the requests that have arrived and can be answered without
  // waiting (cheap when none has). Members: nothing.
  void serve();
  // Rank 0 and leaders: serves until every client (leader or member) has been told "no more".
  // Call once after next() ran dry.
  void finish();

  // How many requests this rank answered in this run (0 on members).
  [[nodiscard]] std::uint64_t requests_served() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The same interface for a team of one process.
class LocalWorkQueue {
 public:
  LocalWorkQueue(std::uint64_t blocks, ChunkPolicy policy) : source_(BlockRange{0, blocks}), policy_(policy) {}
  std::optional<BlockChunk> next() {
    if (source_.empty()) {
      return std::nullopt;
    }
    return source_.take(policy_);
  }
  void serve() {}
  void finish() {}

 private:
  GroupSource source_;
  ChunkPolicy policy_;
};

}  // namespace parscale
