#include "pmpi_counter.hpp"

#include <mpi.h>

#include <algorithm>

namespace parscale::testing {

ReceiveCounts& receive_counts() {
  static ReceiveCounts counts;
  return counts;
}

namespace {

void count_message(int count, MPI_Datatype type) {
  int size = 0;
  PMPI_Type_size(type, &size);
  const auto bytes = static_cast<std::uint64_t>(count) * static_cast<std::uint64_t>(size);
  ReceiveCounts& counts = receive_counts();
  ++counts.messages;
  counts.bytes += bytes;
  counts.largest = std::max(counts.largest, bytes);
}

}  // namespace
}  // namespace parscale::testing

extern "C" {

int MPI_Recv(void* buffer, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm, MPI_Status* status) {
  MPI_Status local;
  MPI_Status* used = status == MPI_STATUS_IGNORE ? &local : status;
  const int result = PMPI_Recv(buffer, count, type, source, tag, comm, used);
  int received = 0;
  PMPI_Get_count(used, type, &received);
  parscale::testing::count_message(received, type);
  return result;
}

int MPI_Irecv(void* buffer, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm, MPI_Request* request) {
  parscale::testing::count_message(count, type);
  return PMPI_Irecv(buffer, count, type, source, tag, comm, request);
}

int MPI_Mrecv(void* buffer, int count, MPI_Datatype type, MPI_Message* message, MPI_Status* status) {
  parscale::testing::count_message(count, type);
  return PMPI_Mrecv(buffer, count, type, message, status);
}

int MPI_Gather(const void* send, int send_count, MPI_Datatype send_type, void* receive, int receive_count,
               MPI_Datatype receive_type, int root, MPI_Comm comm) {
  ++parscale::testing::receive_counts().gathers;
  return PMPI_Gather(send, send_count, send_type, receive, receive_count, receive_type, root, comm);
}

int MPI_Gatherv(const void* send, int send_count, MPI_Datatype send_type, void* receive, const int receive_counts[],
                const int displacements[], MPI_Datatype receive_type, int root, MPI_Comm comm) {
  ++parscale::testing::receive_counts().gathers;
  return PMPI_Gatherv(send, send_count, send_type, receive, receive_counts, displacements, receive_type, root, comm);
}

int MPI_Allgather(const void* send, int send_count, MPI_Datatype send_type, void* receive, int receive_count,
                  MPI_Datatype receive_type, MPI_Comm comm) {
  ++parscale::testing::receive_counts().gathers;
  return PMPI_Allgather(send, send_count, send_type, receive, receive_count, receive_type, comm);
}

int MPI_Allgatherv(const void* send, int send_count, MPI_Datatype send_type, void* receive, const int receive_counts[],
                   const int displacements[], MPI_Datatype receive_type, MPI_Comm comm) {
  ++parscale::testing::receive_counts().gathers;
  return PMPI_Allgatherv(send, send_count, send_type, receive, receive_counts, displacements, receive_type, comm);
}

}  // extern "C"
