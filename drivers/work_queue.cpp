#include "work_queue.hpp"

#include <mpi.h>

#include <algorithm>
#include <array>
#include <vector>

#include "mpi_channels.hpp"
#include "mpi_team.hpp"

namespace parscale {

namespace {

constexpr int kOwner = 0;  // the rank that owns the counter

}  // namespace

struct MpiWorkQueue::State {
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0;
  int size = 1;
  int request_tag = 0;
  int reply_tag = 0;
  std::uint64_t blocks = 0;
  ChunkPolicy policy;

  // Rank 0: the counter, and one reply slot per rank (each rank has at most one request in
  // flight, so its previous reply has arrived before it can ask again).
  std::uint64_t next_block = 0;
  int ranks_told_no_more = 0;
  std::uint64_t served = 0;
  struct ReplySlot {
    std::array<std::uint64_t, 2> chunk{};
    MPI_Request send = MPI_REQUEST_NULL;
  };
  std::vector<ReplySlot> slots;

  // Other ranks: the request in flight and the reply it will bring.
  int request_payload = 0;
  MPI_Request request_send = MPI_REQUEST_NULL;
  std::array<std::uint64_t, 2> reply{};
  MPI_Request reply_receive = MPI_REQUEST_NULL;
  bool drained = false;

  BlockChunk take_from_counter() {
    const std::uint64_t count = next_block < blocks ? policy.grab(blocks - next_block) : 0;
    const BlockChunk grab{next_block, count};
    next_block += count;
    return grab;
  }

  void answer(int requester) {
    ReplySlot& slot = slots[static_cast<std::size_t>(requester)];
    MPI_Wait(&slot.send, MPI_STATUS_IGNORE);  // the previous reply to this rank has arrived
    const BlockChunk grab = take_from_counter();
    slot.chunk = {grab.first, grab.count};
    if (grab.count == 0) {
      ++ranks_told_no_more;
    }
    ++served;
    MPI_Isend(slot.chunk.data(), 2, MPI_UINT64_T, requester, reply_tag, comm, &slot.send);
  }

  void ask_for_next_chunk() {
    MPI_Wait(&request_send, MPI_STATUS_IGNORE);
    MPI_Irecv(reply.data(), 2, MPI_UINT64_T, kOwner, reply_tag, comm, &reply_receive);
    MPI_Isend(&request_payload, 1, MPI_INT, kOwner, request_tag, comm, &request_send);
  }
};

MpiWorkQueue::MpiWorkQueue(MpiTeam& team, std::uint64_t blocks, ChunkPolicy policy)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.comm = team.channels_->work_queue;
  s.rank = team.rank();
  s.size = team.size();
  // Consecutive runs alternate tags: a rank told "no more" may already ask for the next
  // run's first chunk while rank 0 still serves this run's last requests.
  const int parity = static_cast<int>(team.work_queue_runs_++ % 2);
  s.request_tag = 1 + 2 * parity;
  s.reply_tag = 2 + 2 * parity;
  s.blocks = blocks;
  s.policy = policy;
  if (s.rank == kOwner) {
    s.slots.resize(static_cast<std::size_t>(s.size));
  } else {
    s.ask_for_next_chunk();  // the first request is in flight while this rank sets up
  }
}

MpiWorkQueue::~MpiWorkQueue() = default;

std::optional<BlockChunk> MpiWorkQueue::next() {
  State& s = *state_;
  if (s.rank == kOwner) {
    serve();
    const BlockChunk grab = s.take_from_counter();
    return grab.count == 0 ? std::nullopt : std::optional<BlockChunk>(grab);
  }
  if (s.drained) {
    return std::nullopt;
  }
  MPI_Wait(&s.reply_receive, MPI_STATUS_IGNORE);
  const BlockChunk grab{s.reply[0], s.reply[1]};
  if (grab.count == 0) {
    s.drained = true;
    MPI_Wait(&s.request_send, MPI_STATUS_IGNORE);
    return std::nullopt;
  }
  s.ask_for_next_chunk();  // prefetch: the next chunk travels while this one is computed
  return grab;
}

void MpiWorkQueue::serve() {
  State& s = *state_;
  if (s.rank != kOwner) {
    return;
  }
  for (;;) {
    int pending = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, s.request_tag, s.comm, &pending, &status);
    if (pending == 0) {
      return;
    }
    MPI_Recv(&s.request_payload, 1, MPI_INT, status.MPI_SOURCE, s.request_tag, s.comm, MPI_STATUS_IGNORE);
    s.answer(status.MPI_SOURCE);
  }
}

void MpiWorkQueue::finish() {
  State& s = *state_;
  if (s.rank != kOwner) {
    return;
  }
  while (s.ranks_told_no_more < s.size - 1) {
    MPI_Status status;
    MPI_Recv(&s.request_payload, 1, MPI_INT, MPI_ANY_SOURCE, s.request_tag, s.comm, &status);
    s.answer(status.MPI_SOURCE);
  }
  for (auto& slot : s.slots) {
    MPI_Wait(&slot.send, MPI_STATUS_IGNORE);
  }
}

std::uint64_t MpiWorkQueue::requests_served() const { return state_->served; }

}  // namespace parscale
