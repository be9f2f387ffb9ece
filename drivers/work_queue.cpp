#include "work_queue.hpp"

#include <mpi.h>

#include <algorithm>
#include <array>
#include <thread>
#include <utility>
#include <vector>

#include "mpi_channels.hpp"
#include "mpi_team.hpp"

namespace parscale {

namespace {

constexpr int kServer = 0;  // rank 0 of each queue communicator serves it

// A reply: first block, count (0 = "no more"), and, in rank 0's replies to leaders, how many
// blocks it had left after handing this share out (the leader sizes its members' grabs with
// it; 0 in replies to members, who do not use it).
using Reply = std::array<std::uint64_t, 3>;
constexpr int kReplyWords = 3;

// The serving side of one level on `comm`: its ranks other than rank 0 are the clients, each
// with at most one request in flight, so one reply slot per client suffices.
class Server {
 public:
  Server(MPI_Comm comm, int request_tag, int reply_tag) : comm_(comm), request_tag_(request_tag), reply_tag_(reply_tag) {
    int size = 1;
    MPI_Comm_size(comm_, &size);
    slots_.resize(static_cast<std::size_t>(size));
    clients_ = size - 1;
  }
  // finish() completes every reply; a run that ends early (an error) ends the job with MPI_Abort.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server() = default;

  [[nodiscard]] bool everyone_told() const { return told_no_more_ == clients_; }
  [[nodiscard]] std::uint64_t served() const { return served_; }

  // The rank of a client whose request has arrived, or -1. Does not receive it.
  int pending() {
    if (clients_ == 0) {
      return -1;
    }
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, request_tag_, comm_, &flag, &status);
    return flag != 0 ? status.MPI_SOURCE : -1;
  }
  // Receives a request from `client` (any client when MPI_ANY_SOURCE, blocking); returns the
  // client and its payload.
  std::pair<int, int> receive(int client) {
    MPI_Status status;
    MPI_Recv(&payload_, 1, MPI_INT, client, request_tag_, comm_, &status);
    return {status.MPI_SOURCE, payload_};
  }
  void answer(int client, BlockChunk chunk, std::uint64_t left) {
    Slot& slot = slots_[static_cast<std::size_t>(client)];
    MPI_Wait(&slot.send, MPI_STATUS_IGNORE);  // the previous reply to this client has arrived
    slot.reply = {chunk.first, chunk.count, left};
    if (chunk.count == 0) {
      ++told_no_more_;
    }
    ++served_;
    MPI_Isend(slot.reply.data(), kReplyWords, MPI_UINT64_T, client, reply_tag_, comm_, &slot.send);
  }
  void complete_replies() {
    for (auto& slot : slots_) {
      MPI_Wait(&slot.send, MPI_STATUS_IGNORE);
    }
  }

 private:
  struct Slot {
    Reply reply{};
    MPI_Request send = MPI_REQUEST_NULL;
  };
  MPI_Comm comm_;
  int request_tag_;
  int reply_tag_;
  int clients_ = 0;
  int told_no_more_ = 0;
  std::uint64_t served_ = 0;
  int payload_ = 0;
  std::vector<Slot> slots_;
};

// The asking side of one level on `comm`: one request to rank 0 in flight until told "no more".
class Client {
 public:
  Client(MPI_Comm comm, int request_tag, int reply_tag, int payload)
      : comm_(comm), request_tag_(request_tag), reply_tag_(reply_tag), payload_(payload) {}
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void ask() {
    MPI_Wait(&send_, MPI_STATUS_IGNORE);
    MPI_Irecv(reply_.data(), kReplyWords, MPI_UINT64_T, kServer, reply_tag_, comm_, &receive_);
    MPI_Isend(&payload_, 1, MPI_INT, kServer, request_tag_, comm_, &send_);
  }
  // Whether the reply has arrived (wait = false) or, waiting for it, true.
  bool arrived(bool wait) {
    int done = 1;
    if (wait) {
      MPI_Wait(&receive_, MPI_STATUS_IGNORE);
    } else {
      MPI_Test(&receive_, &done, MPI_STATUS_IGNORE);
    }
    return done != 0;
  }
  // The arrived reply. On "no more" the request's send is completed, so nothing is left over;
  // otherwise the next request goes out at once (prefetch: it travels while this chunk is used).
  Reply take_reply() {
    const Reply reply = reply_;
    if (reply[1] == 0) {
      MPI_Wait(&send_, MPI_STATUS_IGNORE);
    } else {
      ask();
    }
    return reply;
  }

 private:
  MPI_Comm comm_;
  int request_tag_;
  int reply_tag_;
  int payload_;
  Reply reply_{};
  MPI_Request send_ = MPI_REQUEST_NULL;
  MPI_Request receive_ = MPI_REQUEST_NULL;
};

}  // namespace

// Groups: split the world by shared-memory domain (ranks ordered by world rank), then each
// domain into runs of kQueueGroupSize consecutive local ranks. The leaders' communicator
// orders leaders by world rank, so world rank 0 (local rank 0 of its domain) is its rank 0.
void open_work_queue_channels(MpiChannels& channels) {
  int world_rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm domain = MPI_COMM_NULL;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, world_rank, MPI_INFO_NULL, &domain);
  int local_rank = 0;
  MPI_Comm_rank(domain, &local_rank);
  MPI_Comm_split(domain, local_rank / kQueueGroupSize, local_rank, &channels.queue_group);
  MPI_Comm_free(&domain);
  int group_rank = 0;
  MPI_Comm_rank(channels.queue_group, &group_rank);
  MPI_Comm_split(MPI_COMM_WORLD, group_rank == kServer ? 0 : MPI_UNDEFINED, world_rank, &channels.queue_leaders);
}

void close_work_queue_channels(MpiChannels& channels) {
  MPI_Comm_free(&channels.queue_group);
  if (channels.queue_leaders != MPI_COMM_NULL) {
    MPI_Comm_free(&channels.queue_leaders);
  }
}

// Rank 0 (world rank 0): the counter, a server for its group's members and one for the leaders.
// Leader: its share, a client of rank 0 and a server for its members. Member: a client of its leader.
struct MpiWorkQueue::State {
  ChunkPolicy policy;
  std::optional<Server> members;   // rank 0 and leaders
  std::optional<Server> leaders;   // rank 0
  std::optional<Client> refills;   // leaders: shares from rank 0
  std::optional<Client> grabs;     // members: chunks from the leader
  BlockRange counter;              // rank 0
  GroupSource share;               // leaders
  bool dry = false;                // leaders: rank 0 said "no more"; members: the leader did

  [[nodiscard]] bool owns_counter() const { return leaders.has_value(); }

  // Leaders: makes the share non-empty from an arrived refill, waiting for it if asked to.
  // False when the share is empty and the refill has not arrived (then nothing can be answered).
  bool refill(bool wait) {
    if (!share.empty() || dry) {
      return true;
    }
    if (!refills->arrived(wait)) {
      return false;
    }
    const Reply reply = refills->take_reply();
    dry = reply[1] == 0;
    share = GroupSource(BlockRange{reply[0], reply[1]}, reply[2]);
    return true;
  }

  // A chunk for a worker of this group (a member or the server itself); empty when none is left.
  BlockChunk take_for_worker() {
    if (owns_counter()) {
      return counter.take(policy.grab(counter.remaining()));
    }
    return share.empty() ? BlockChunk{} : share.take(policy);
  }

  // Rank 0: answers every leader's request that has arrived. Each carries its group's size.
  void serve_leaders() {
    for (int client = leaders->pending(); client >= 0; client = leaders->pending()) {
      answer_leader(leaders->receive(client));
    }
  }
  void answer_leader(std::pair<int, int> request) {
    const std::uint64_t group = static_cast<std::uint64_t>(std::max(request.second, 1));
    const BlockChunk chunk = counter.take(policy.share(counter.remaining(), group));
    leaders->answer(request.first, chunk, counter.remaining());
  }
  // Rank 0 and leaders: answers every member's request that has arrived and can be answered
  // without waiting (a leader whose share is empty waits for its refill before answering).
  void serve_members() {
    for (int client = members->pending(); client >= 0; client = members->pending()) {
      if (!owns_counter() && !refill(false)) {
        return;
      }
      answer_member(members->receive(client).first);
    }
  }
  void answer_member(int client) {
    const BlockChunk chunk = take_for_worker();
    members->answer(client, chunk, 0);
  }
};

MpiWorkQueue::MpiWorkQueue(MpiTeam& team, std::uint64_t blocks, ChunkPolicy policy)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  const MpiChannels& channels = *team.channels_;
  // Consecutive runs alternate tags: a rank told "no more" may already ask for the next
  // run's first chunk while its server still serves this run's last requests.
  const int parity = static_cast<int>(team.work_queue_runs_++ % 2);
  const int request_tag = 1 + 2 * parity;
  const int reply_tag = 2 + 2 * parity;
  s.policy = policy;
  int group_rank = 0;
  int group_size = 1;
  MPI_Comm_rank(channels.queue_group, &group_rank);
  MPI_Comm_size(channels.queue_group, &group_size);
  if (group_rank != kServer) {
    s.grabs.emplace(channels.queue_group, request_tag, reply_tag, 0);
    s.grabs->ask();  // the first request is in flight while this rank sets up
    return;
  }
  s.members.emplace(channels.queue_group, request_tag, reply_tag);
  if (team.rank() == 0) {
    s.leaders.emplace(channels.queue_leaders, request_tag, reply_tag);
    s.counter = BlockRange{0, blocks};
  } else {
    s.refills.emplace(channels.queue_leaders, request_tag, reply_tag, group_size);
    s.refills->ask();
  }
}

MpiWorkQueue::~MpiWorkQueue() = default;

std::optional<BlockChunk> MpiWorkQueue::next() {
  State& s = *state_;
  if (s.grabs) {  // a member
    if (s.dry) {
      return std::nullopt;
    }
    s.grabs->arrived(true);
    const Reply reply = s.grabs->take_reply();
    s.dry = reply[1] == 0;
    return s.dry ? std::nullopt : std::optional<BlockChunk>(BlockChunk{reply[0], reply[1]});
  }
  serve();
  if (!s.owns_counter()) {
    s.refill(true);
  }
  const BlockChunk chunk = s.take_for_worker();
  return chunk.count == 0 ? std::nullopt : std::optional<BlockChunk>(chunk);
}

void MpiWorkQueue::serve() {
  State& s = *state_;
  if (s.leaders) {
    s.serve_leaders();  // first: a leader's share feeds a whole group
  }
  if (s.members) {
    s.serve_members();
  }
}

void MpiWorkQueue::finish() {
  State& s = *state_;
  if (!s.members) {
    return;
  }
  // The source is dry (next() returned nothing), so every answer from here is "no more".
  if (s.leaders) {
    // Rank 0 serves two levels: poll both while both have clients to tell, then block on the other.
    while (!s.leaders->everyone_told() && !s.members->everyone_told()) {
      const int leader = s.leaders->pending();
      if (leader >= 0) {
        s.answer_leader(s.leaders->receive(leader));
      }
      const int member = s.members->pending();
      if (member >= 0) {
        s.answer_member(s.members->receive(member).first);
      }
      if (leader < 0 && member < 0) {
        std::this_thread::yield();
      }
    }
    while (!s.leaders->everyone_told()) {
      s.answer_leader(s.leaders->receive(MPI_ANY_SOURCE));
    }
    s.leaders->complete_replies();
  }
  while (!s.members->everyone_told()) {
    s.answer_member(s.members->receive(MPI_ANY_SOURCE).first);
  }
  s.members->complete_replies();
}

std::uint64_t MpiWorkQueue::requests_served() const {
  const State& s = *state_;
  return (s.members ? s.members->served() : 0) + (s.leaders ? s.leaders->served() : 0);
}

}  // namespace parscale
