#include "mpi_team.hpp"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <numeric>
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
// The largest piece of one message: well inside int counts.
constexpr std::size_t kLargestPiece = std::size_t{1} << 30;

}  // namespace

// A message is [u64 total bytes][payload]; if longer than kLargestPiece it goes in pieces,
// the first one carrying the header, so the common case is exactly one message.
void MpiTeam::send_bytes(int destination, const std::vector<char>& bytes) {
  std::vector<char> message(sizeof(std::uint64_t) + bytes.size());
  const std::uint64_t total = bytes.size();
  std::memcpy(message.data(), &total, sizeof(total));
  if (!bytes.empty()) {
    std::memcpy(message.data() + sizeof(total), bytes.data(), bytes.size());
  }
  for (std::size_t offset = 0; offset < message.size(); offset += kLargestPiece) {
    const std::size_t piece = std::min(kLargestPiece, message.size() - offset);
    MPI_Send(message.data() + offset, static_cast<int>(piece), MPI_BYTE, destination, kReductionTag,
             channels_->reduction);
  }
}

std::vector<char> MpiTeam::receive_bytes(int source) {
  MPI_Status status;
  MPI_Probe(source, kReductionTag, channels_->reduction, &status);
  int first_piece = 0;
  MPI_Get_count(&status, MPI_BYTE, &first_piece);
  std::vector<char> message(static_cast<std::size_t>(first_piece));
  MPI_Recv(message.data(), first_piece, MPI_BYTE, source, kReductionTag, channels_->reduction, MPI_STATUS_IGNORE);
  std::uint64_t total = 0;
  std::memcpy(&total, message.data(), sizeof(total));
  std::vector<char> bytes(static_cast<std::size_t>(total));
  std::size_t received = message.size() - sizeof(total);
  if (received != 0) {
    std::memcpy(bytes.data(), message.data() + sizeof(total), received);
  }
  while (received < bytes.size()) {
    const std::size_t piece = std::min(kLargestPiece, bytes.size() - received);
    MPI_Recv(bytes.data() + received, static_cast<int>(piece), MPI_BYTE, source, kReductionTag,
             channels_->reduction, MPI_STATUS_IGNORE);
    received += piece;
  }
  return bytes;
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
