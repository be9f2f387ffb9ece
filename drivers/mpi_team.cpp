#include "mpi_team.hpp"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>

#include "mpi_channels.hpp"

namespace parscale {

MpiTeam::MpiTeam(int& argc, char**& argv) {
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided_);
  // Errors in MPI calls abort the job instead of returning codes nobody checks.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  // No one-sided window: the dynamic distribution is a point-to-point queue (work_queue.hpp),
  // so no run depends on the library's one-sided component or the fabric's atomics.
  channels_ = std::make_unique<MpiChannels>();
  open_work_queue_channels(*channels_);
  MPI_Comm_dup(MPI_COMM_WORLD, &channels_->reduction);
}

MpiTeam::~MpiTeam() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized == 0) {
    close_work_queue_channels(*channels_);
    MPI_Comm_free(&channels_->reduction);
    for (MPI_Comm* comm : {&channels_->node, &channels_->node_leaders}) {
      if (*comm != MPI_COMM_NULL) {
        MPI_Comm_free(comm);
      }
    }
    MPI_Finalize();
  }
}

bool MpiTeam::funneled() const { return provided_ >= MPI_THREAD_FUNNELED; }

std::string MpiTeam::thread_level() const {
  switch (provided_) {
    case MPI_THREAD_SINGLE: return "single";
    case MPI_THREAD_FUNNELED: return "funneled";
    case MPI_THREAD_SERIALIZED: return "serialized";
    case MPI_THREAD_MULTIPLE: return "multiple";
    default: return "unknown";
  }
}

void MpiTeam::barrier() { MPI_Barrier(MPI_COMM_WORLD); }

void MpiTeam::idle_barrier() {
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Ibarrier(MPI_COMM_WORLD, &request);
  int done = 0;
  MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  while (done == 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  }
}

double MpiTeam::max(double value) {
  double result = 0.0;
  MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return result;
}

int MpiTeam::min(int value) {
  int result = 0;
  MPI_Allreduce(&value, &result, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return result;
}

std::vector<std::vector<char>> MpiTeam::gather_parts(const std::vector<char>& mine) {
  const int my_count = static_cast<int>(mine.size());
  std::vector<int> counts(rank_ == 0 ? static_cast<std::size_t>(size_) : 0);
  MPI_Gather(&my_count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> displacements(counts.size());
  std::vector<char> all;
  if (rank_ == 0) {
    std::exclusive_scan(counts.begin(), counts.end(), displacements.begin(), 0);
    all.resize(static_cast<std::size_t>(std::accumulate(counts.begin(), counts.end(), 0)));
  }
  MPI_Gatherv(mine.data(), my_count, MPI_BYTE, all.data(), counts.data(), displacements.data(), MPI_BYTE, 0,
              MPI_COMM_WORLD);
  std::vector<std::vector<char>> parts;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    const auto first = all.begin() + displacements[r];
    parts.emplace_back(first, first + counts[r]);
  }
  return parts;
}

void MpiTeam::broadcast_bytes(std::vector<char>& bytes) {
  auto count = static_cast<unsigned long long>(bytes.size());
  MPI_Bcast(&count, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  bytes.resize(static_cast<std::size_t>(count));
  MPI_Bcast(bytes.data(), static_cast<int>(count), MPI_BYTE, 0, MPI_COMM_WORLD);
}

namespace {

constexpr int kReductionTag = 1;
constexpr int kExchangeTag = 2;
// The largest piece of one message: well inside int counts.
constexpr std::size_t kLargestPiece = std::size_t{1} << 30;

// A message is [u64 total bytes][payload]; if longer than kLargestPiece it goes in pieces,
// the first one carrying the header, so the common case is exactly one message.
void send_on(MPI_Comm comm, int destination, const std::vector<char>& bytes) {
  std::vector<char> message(sizeof(std::uint64_t) + bytes.size());
  const std::uint64_t total = bytes.size();
  std::memcpy(message.data(), &total, sizeof(total));
  if (!bytes.empty()) {
    std::memcpy(message.data() + sizeof(total), bytes.data(), bytes.size());
  }
  for (std::size_t offset = 0; offset < message.size(); offset += kLargestPiece) {
    const std::size_t piece = std::min(kLargestPiece, message.size() - offset);
    MPI_Send(message.data() + offset, static_cast<int>(piece), MPI_BYTE, destination, kReductionTag, comm);
  }
}

std::vector<char> receive_on(MPI_Comm comm, int source) {
  MPI_Status status;
  MPI_Probe(source, kReductionTag, comm, &status);
  int first_piece = 0;
  MPI_Get_count(&status, MPI_BYTE, &first_piece);
  std::vector<char> message(static_cast<std::size_t>(first_piece));
  MPI_Recv(message.data(), first_piece, MPI_BYTE, source, kReductionTag, comm, MPI_STATUS_IGNORE);
  std::uint64_t total = 0;
  std::memcpy(&total, message.data(), sizeof(total));
  std::vector<char> bytes(static_cast<std::size_t>(total));
  std::size_t received = message.size() - sizeof(total);
  if (received != 0) {
    std::memcpy(bytes.data(), message.data() + sizeof(total), received);
  }
  while (received < bytes.size()) {
    const std::size_t piece = std::min(kLargestPiece, bytes.size() - received);
    MPI_Recv(bytes.data() + received, static_cast<int>(piece), MPI_BYTE, source, kReductionTag, comm,
             MPI_STATUS_IGNORE);
    received += piece;
  }
  return bytes;
}

// The binomial tree of rank_reduction.hpp over one communicator: true on its rank 0, which
// then holds everything merged in rank order.
bool binomial_reduce(MPI_Comm comm, std::vector<char>& mine, const MpiTeam::ByNodeSteps& steps) {
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  for (int step = 1; step < size; step *= 2) {
    if ((rank & step) != 0) {
      send_on(comm, rank - step, mine);
      return false;
    }
    if (rank + step < size) {
      steps.merge(mine, receive_on(comm, rank + step));
    }
    if (step > size / 2) {
      break;  // step * 2 would overflow int for size near 2^31
    }
  }
  return true;
}

std::uint64_t name_hash(const std::string& name) {
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a
  for (const char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

}  // namespace

void MpiTeam::send_bytes(int destination, const std::vector<char>& bytes) {
  send_on(channels_->reduction, destination, bytes);
}

std::vector<char> MpiTeam::receive_bytes(int source) { return receive_on(channels_->reduction, source); }

std::vector<std::vector<char>> MpiTeam::exchange_sparse(
    const std::vector<std::pair<int, std::vector<char>>>& outgoing) {
  std::vector<MPI_Request> sends(outgoing.size(), MPI_REQUEST_NULL);
  for (std::size_t i = 0; i < outgoing.size(); ++i) {
    const auto& [destination, bytes] = outgoing[i];
    if (bytes.size() > kLargestPiece) {
      throw std::length_error("exchange_sparse: one message over 1 GiB");
    }
    MPI_Issend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, destination, kExchangeTag,
               channels_->reduction, &sends[i]);
  }
  std::vector<std::vector<char>> incoming;
  MPI_Request barrier = MPI_REQUEST_NULL;
  bool barrier_started = false;
  for (;;) {
    int arrived = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, kExchangeTag, channels_->reduction, &arrived, &status);
    if (arrived != 0) {
      int count = 0;
      MPI_Get_count(&status, MPI_BYTE, &count);
      std::vector<char> bytes(static_cast<std::size_t>(count));
      MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, kExchangeTag, channels_->reduction,
               MPI_STATUS_IGNORE);
      incoming.push_back(std::move(bytes));
      continue;
    }
    int done = 0;
    if (!barrier_started) {
      // Every synchronous send matched: this rank's messages are all received.
      MPI_Testall(static_cast<int>(sends.size()), sends.data(), &done, MPI_STATUSES_IGNORE);
      if (done != 0) {
        MPI_Ibarrier(channels_->reduction, &barrier);
        barrier_started = true;
      }
    } else {
      MPI_Test(&barrier, &done, MPI_STATUS_IGNORE);
      if (done != 0) {
        return incoming;  // every rank's sends matched: nothing more can arrive
      }
    }
  }
}

std::vector<char> MpiTeam::reduce_by_node(const std::string& node_name, std::vector<char> mine,
                                          const ByNodeSteps& steps) {
  if (channels_->node == MPI_COMM_NULL) {
    // Ranks of one node: first those sharing memory, then among them those with the same
    // name (several Slurm nodes can share one machine). The name's hash is the split's
    // colour; two different names of one machine that collide are caught, not merged.
    MPI_Comm shared = MPI_COMM_NULL;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &shared);
    const std::uint64_t hash = name_hash(node_name);
    MPI_Comm_split(shared, static_cast<int>(hash & 0x7fffffffU), rank_, &channels_->node);
    MPI_Comm_free(&shared);
    std::uint64_t lowest = 0;
    std::uint64_t highest = 0;
    MPI_Allreduce(&hash, &lowest, 1, MPI_UINT64_T, MPI_MIN, channels_->node);
    MPI_Allreduce(&hash, &highest, 1, MPI_UINT64_T, MPI_MAX, channels_->node);
    if (lowest != highest) {
      throw std::runtime_error("two node names of one machine have the same 31-bit hash: the ranks cannot be "
                               "grouped by node (rename a node)");
    }
    int node_rank = 0;
    MPI_Comm_rank(channels_->node, &node_rank);
    MPI_Comm_split(MPI_COMM_WORLD, node_rank == 0 ? 0 : MPI_UNDEFINED, rank_, &channels_->node_leaders);
  }
  if (!binomial_reduce(channels_->node, mine, steps)) {
    return {};
  }
  steps.close_node(mine);
  if (!binomial_reduce(channels_->node_leaders, mine, steps) || rank_ != 0) {
    return {};
  }
  return mine;
}

void MpiTeam::abort(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

std::string MpiTeam::library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(text, &length);
  std::string version(text, static_cast<std::size_t>(length));
  while (!version.empty() && (version.back() == '\n' || version.back() == '\0' || version.back() == ' ')) {
    version.pop_back();
  }
  return version;
}

std::string MpiTeam::standard_version() {
  int major = 0;
  int minor = 0;
  MPI_Get_version(&major, &minor);
  return std::to_string(major) + "." + std::to_string(minor);
}

}  // namespace parscale
