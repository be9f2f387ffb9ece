// The cost model's message inputs (scripts/cost_model.py): a ping-pong between ranks 0 and 1
// for a range of message sizes, printing one JSON object on rank 0 with the one-way time per
// size (median over batches). Run it over the transport to model, e.g.
//   mpirun -np 2 --mca pml ob1 --mca btl vader,self ./mpi_pingpong
//   mpirun -np 2 --mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include lo
//          --mca oob_tcp_if_include lo ./mpi_pingpong   (one command line)
// The model fits latency + bytes x per_byte to these points.
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size != 2) {
    if (rank == 0) {
      std::fprintf(stderr, "mpi_pingpong: needs exactly 2 ranks, got %d\n", size);
    }
    MPI_Finalize();
    return 2;
  }
  const std::vector<int> sizes{8, 64, 512, 2048, 8192, 32768, 131072};
  constexpr int kBatches = 7;
  constexpr int kRoundTrips = 200;
  std::vector<char> buffer(static_cast<std::size_t>(sizes.back()));
  const int peer = 1 - rank;
  if (rank == 0) {
    std::printf("{\"tool\": \"mpi_pingpong\", \"points\": [");
  }
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const int bytes = sizes[i];
    std::vector<double> one_way;
    for (int batch = 0; batch <= kBatches; ++batch) {  // batch 0 warms up
      MPI_Barrier(MPI_COMM_WORLD);
      const double start = MPI_Wtime();
      for (int trip = 0; trip < kRoundTrips; ++trip) {
        if (rank == 0) {
          MPI_Send(buffer.data(), bytes, MPI_BYTE, peer, 0, MPI_COMM_WORLD);
          MPI_Recv(buffer.data(), bytes, MPI_BYTE, peer, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
          MPI_Recv(buffer.data(), bytes, MPI_BYTE, peer, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
          MPI_Send(buffer.data(), bytes, MPI_BYTE, peer, 0, MPI_COMM_WORLD);
        }
      }
      if (batch > 0) {
        one_way.push_back((MPI_Wtime() - start) / (2.0 * kRoundTrips));
      }
    }
    std::sort(one_way.begin(), one_way.end());
    if (rank == 0) {
      std::printf("%s{\"bytes\": %d, \"one_way_s\": %.9g, \"min_s\": %.9g, \"max_s\": %.9g}", i == 0 ? "" : ", ",
                  bytes, one_way[one_way.size() / 2], one_way.front(), one_way.back());
    }
  }
  if (rank == 0) {
    std::printf("]}\n");
  }
  MPI_Finalize();
  return 0;
}
